"""What one huge answer costs `mockint grade --no-llm`: wall time and peak memory, JSONL and CSV.

Prints figures; asserts nothing about time. Run from the repository root with the package installed:

    python tests/benchmarks/bench_big_answer.py [--mb 20] [--source DIR] [-- extra grade arguments]

Writes a file with one answer of ``--mb`` MB (an example answer of a shipped rubric repeated) between two
ordinary answers, runs ``python -m mockint grade FILE --no-llm --format jsonl --out OUT`` as a subprocess per
file, and prints its wall time, the peak resident memory of the child (ru_maxrss) and what became of the big
answer. ``--source DIR`` runs the package found in DIR instead (e.g. an older checkout, for a before/after).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QID = "ab-significance"
SENTENCE = "The p-value is the probability of a result at least this extreme under the null hypothesis. "


def _write_inputs(folder: Path, size_mb: float) -> list[Path]:
    big = SENTENCE * int(size_mb * 1_000_000 / len(SENTENCE))
    rows = [("small-1", SENTENCE), ("big", big), ("small-2", SENTENCE)]
    jsonl = folder / "answers.jsonl"
    jsonl.write_text(
        "".join(json.dumps({"id": i, "question_id": QID, "answer": a}) + "\n" for i, a in rows), encoding="utf-8"
    )
    csv_file = folder / "answers.csv"
    with csv_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "question_id", "answer"])
        writer.writerows((i, QID, a) for i, a in rows)
    return [jsonl, csv_file]


def _run(file: Path, out: Path, source: Path | None, extra: list[str]) -> None:
    env = dict(os.environ, MOCKINT_SEMANTIC="off")
    if source is not None:
        env["PYTHONPATH"] = str(source)
    command = [sys.executable, "-m", "mockint", "grade", str(file), "--no-llm", "--format", "jsonl", "--out", str(out)]
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        # From the temp folder: `python -m` puts the working directory first on sys.path.
        child = subprocess.Popen([*command, *extra], env=env, cwd=file.parent, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory, not the largest child's
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        last = stderr.read().decode("utf-8", "replace").strip().splitlines()[-1:]
    grades = [json.loads(text) for text in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    big = next((g for g in grades if g["id"] == "big"), None)
    if big is None:
        fate = "no record"
    else:
        fate = f"error: {big['error'][:100]}..." if big["error"] else f"graded, score {big['score']}"
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    print(f"{file.suffix[1:]:>5}: exit {child.returncode}, {wall:.2f} s wall, peak RSS {peak:.0f} MiB")
    print(f"       big answer: {fate}")
    print(f"       last stderr line: {last[0] if last else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of the big answer in MB")
    parser.add_argument("--source", type=Path, help="run the mockint package in this folder instead")
    parser.add_argument("extra", nargs="*", help="more arguments for mockint grade (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"one {args.mb:g} MB answer between two short ones; {args.source or 'installed package'}")
        for file in _write_inputs(folder, args.mb):
            _run(file, folder / f"{file.stem}-{file.suffix[1:]}.out.jsonl", args.source, args.extra)


if __name__ == "__main__":
    main()
