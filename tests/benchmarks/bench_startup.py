"""Start-up time of `mockint --help` against a minimal Typer app (prints figures; asserts nothing).

python tests/benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL_APP = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(name)


@app.command()
def bye() -> None:
    """Say bye."""


app()
'''


def timed(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = Path(folder) / "minimal_app.py"
        app.write_text(MINIMAL_APP, encoding="utf-8")
        baseline = timed([sys.executable, str(app), "--help"], args.runs)
    mockint_help = timed([sys.executable, "-m", "mockint", "--help"], args.runs)
    grade_help = timed([sys.executable, "-m", "mockint", "grade", "--help"], args.runs)
    print(f"minimal Typer app --help: {baseline * 1000:.0f} ms (median of {args.runs})")
    print(f"mockint --help:           {mockint_help * 1000:.0f} ms = {mockint_help / baseline:.2f}x")
    print(f"mockint grade --help:     {grade_help * 1000:.0f} ms = {grade_help / baseline:.2f}x")


if __name__ == "__main__":
    main()
