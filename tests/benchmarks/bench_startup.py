"""Start-up time: `mockint --help` against a minimal Typer app, and what building the LLM judge costs a short run.

python tests/benchmarks/bench_startup.py [--runs N] [--answers N]

The subprocesses import mockint from the working folder first: to compare two trees, run it from elsewhere,
e.g. ``cd /tmp && PYTHONPATH=/path/to/tree python /path/to/bench_startup.py``.

Prints figures; asserts nothing. The judge figures use the local test server (tests/fake_openai.py) with no
latency, so they are the client's own costs:

* ``--help``: `mockint --help` and `mockint grade --help` against a minimal Typer app.
* phases of a judge's start-up, each in a fresh interpreter: importing mockint's judge, building it from
  settings, the first request, then 40 more; and which heavy modules each step loaded; then what importing
  the SDK, langchain-core and tenacity and building a client cost on their own.
* end to end: `mockint grade` on N answers without the LLM, with it (every reply served by the server),
  and with it when every reply is already in the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

from fake_openai import FakeOpenAI, correct_handler  # noqa: E402

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

# Run in a fresh interpreter: the time and the heavy modules loaded at each step of a judge's start-up.
PHASES = r"""
import json, sys, time
HEAVY = ("openai", "httpx", "httpx2", "langchain_core", "langsmith", "tenacity")
def heavy():
    return sorted(name for name in HEAVY if name in sys.modules)
marks = []
def mark(step):
    marks.append((step, time.perf_counter(), heavy()))
start = time.perf_counter()
from mockint.config import load_settings
from mockint.rubrics import load_rubrics
rubric = load_rubrics()["ab-significance"]
mark("mockint, settings and rubrics imported")
from mockint.judge import build_judge
settings = load_settings()
judge = build_judge(settings)
mark("judge built")
answer = "A p-value is the probability of data at least as extreme as observed, assuming the null hypothesis."
judge.judge(answer, rubric)
mark("first request")
for n in range(40):
    judge.judge(answer + f" Variant {n}.", rubric)
mark("40 more requests")
judge.close()
previous = start
out = []
for step, at, modules in marks:
    out.append({"step": step, "ms": (at - previous) * 1000, "heavy": modules})
    previous = at
print(json.dumps(out))
"""


# What the pieces cost on their own, each in a fresh interpreter (after mockint's own imports).
PIECES = {
    "import openai": "import openai",
    "import langchain_core ChatPromptTemplate": "from langchain_core.prompts import ChatPromptTemplate",
    "import tenacity": "import tenacity",
    "openai.OpenAI(...) after its import": None,
}
PIECE = r"""
import sys, time
import mockint.config, mockint.models, mockint.rubrics
if {client}:
    import openai
start = time.perf_counter()
{code}
print((time.perf_counter() - start) * 1000)
"""


def pieces(runs: int) -> list[tuple[str, float]]:
    figures = []
    for label, code in PIECES.items():
        client = code is None
        body = 'openai.OpenAI(api_key="k", base_url="http://127.0.0.1:9/v1", max_retries=0)' if client else code
        script = PIECE.format(client=client, code=body)
        samples = [
            float(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout)
            for _ in range(runs)
        ]
        figures.append((label, statistics.median(samples)))
    return figures


def timed(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def write_answers(path: Path, count: int) -> None:
    examples = [json.loads(line) for line in (TESTS.parent / "examples" / "answers.jsonl").read_text().splitlines()]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            row = dict(examples[n % len(examples)])
            # Distinct texts: identical requests would be shared, not sent.
            row.update(id=f"a{n}", answer=f"{row['answer']} Variant {n}.")
            out.write(json.dumps(row) + "\n")


def phases(env: dict[str, str], runs: int) -> list[tuple[str, float, list[str]]]:
    samples: list[list[dict[str, object]]] = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", PHASES], check=True, capture_output=True, text=True, env=env)
        samples.append(json.loads(done.stdout))
    return [
        (
            str(steps[0]["step"]),
            statistics.median(float(str(run[index]["ms"])) for run in samples),
            list(steps[-1]["heavy"]),  # type: ignore[call-overload]
        )
        for index, steps in enumerate(zip(*samples, strict=True))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--answers", type=int, default=40)
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

        answers = Path(folder) / "answers.jsonl"
        write_answers(answers, args.answers)
        home = Path(folder) / "home"
        from mockint.rubrics import load_rubrics

        with FakeOpenAI(handler=correct_handler(*load_rubrics().values()), record=False) as server:
            env = {
                **os.environ,
                "OPENAI_BASE_URL": server.base_url,
                "MOCKINT_MODEL": "fake-model",
                "MOCKINT_HOME": str(home),
                "MOCKINT_SEMANTIC": "off",
            }
            print(f"\njudge start-up, fresh interpreter each run (median of {args.runs}):")
            for step, ms, heavy in phases(env, args.runs):
                print(f"  {step:<40} {ms:7.0f} ms   loaded so far: {', '.join(heavy) or '-'}")
            print(f"\nthe pieces on their own (median of {args.runs}):")
            for label, ms in pieces(args.runs):
                print(f"  {label:<40} {ms:7.0f} ms")
            grades = Path(folder) / "grades.jsonl"
            grade = [sys.executable, "-m", "mockint", "grade", str(answers), "-o", str(grades), "-f", "jsonl"]
            deterministic = timed([*grade, "--no-llm"], args.runs, env)
            live = timed([*grade, "--no-cache"], args.runs, env)
            subprocess.run(grade, check=True, capture_output=True, env=env)  # fill the cache
            cached = timed(grade, args.runs, env)
        print(f"\nmockint grade, {args.answers} answers, end to end (median of {args.runs}):")
        print(f"  --no-llm:                          {deterministic * 1000:6.0f} ms")
        print(f"  LLM judge, every reply requested:  {live * 1000:6.0f} ms")
        print(f"  LLM judge, every reply cached:     {cached * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
