"""Rate-limit storms and hung servers: what they cost a 50-answer ``mockint grade`` run with default settings.

Prints figures; asserts nothing. Run from the repository root:

    python tests/benchmarks/bench_storms.py [--answers 50] [--retry-after 1] [--only hung|storm]
    python tests/benchmarks/bench_storms.py --code /path/to/other/checkout   # the same against other code

* hung: every judge request hangs (the server never answers). Default settings: ``MOCKINT_TIMEOUT`` 60 s,
  ``MOCKINT_MAX_ATTEMPTS`` 4, ``-c 4``. Wall time of the whole run, requests sent, answers graded by the LLM.
* storm: 80% of judge requests are answered HTTP 429 with ``Retry-After`` (seeded, independent of load).
  Share of answers graded by the LLM (``grader`` llm or hybrid), requests sent, wall time.

Each run is ``python -m mockint grade`` in a child process whose ``PYTHONPATH`` starts with ``--code`` (this
checkout by default), against the local test server in this process, with a fresh ``MOCKINT_HOME`` and
``--no-cache``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))  # for fake_openai

from fake_openai import FakeOpenAI, FakeReply, FaultInjector, correct_handler  # noqa: E402

from mockint.rubrics import load_rubrics  # noqa: E402


def write_answers(path: Path, count: int) -> None:
    """``count`` answers: the shipped example answers in turn, each with its own id."""
    examples = [json.loads(line) for line in (REPO / "examples" / "answers.jsonl").read_text("utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as handle:
        for index in range(count):
            example = examples[index % len(examples)]
            record = {"id": f"a{index}", "question_id": example["question_id"], "answer": example["answer"]}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_grade(code: Path, server: FakeOpenAI, answers: Path, home: Path) -> tuple[float, list[dict[str, object]], str]:
    """Run ``mockint grade`` with default settings against ``server``; wall time, grades and stderr."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MOCKINT_", "OPENAI_")) or key == "MOCKINT_SEMANTIC"
    }
    env.update(
        {
            "PYTHONPATH": str(code) + os.pathsep + env.get("PYTHONPATH", ""),
            "OPENAI_BASE_URL": server.base_url,
            "MOCKINT_HOME": str(home),
        }
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mockint", "grade", str(answers), "-f", "jsonl", "--no-cache"],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    grades = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return elapsed, grades, done.stderr


def by_llm(grades: list[dict[str, object]]) -> int:
    return sum(1 for grade in grades if grade.get("grader") in ("llm", "hybrid"))


def last_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--retry-after", default="1", help="Retry-After of the storm's 429s, in seconds")
    parser.add_argument("--rate", type=float, default=0.8, help="share of requests answered 429 in the storm")
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose mockint to run")
    parser.add_argument("--only", choices=("hung", "storm"))
    args = parser.parse_args()
    code = args.code.resolve()
    print(f"mockint from {code}; {args.answers} answers; default settings (-c 4, timeout 60 s, 4 attempts)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        answers = root / "answers.jsonl"
        write_answers(answers, args.answers)
        if args.only in (None, "hung"):
            home = root / "hung"
            home.mkdir()
            with FakeOpenAI(handler=lambda body: FakeReply.ok("{}", delay=3600), record=False) as server:
                elapsed, grades, stderr = run_grade(code, server, answers, home)
                requests = server.chat_count
            print(
                f"hung server:  {elapsed:7.1f} s wall, {requests} requests, "
                f"{by_llm(grades)}/{len(grades)} graded by the LLM"
            )
            print(f"              {last_line(stderr)}")
        if args.only in (None, "storm"):
            home = root / "storm"
            home.mkdir()
            rubrics = load_rubrics()
            faults = FaultInjector(
                correct_handler(*rubrics.values()), rate=args.rate, kinds=("429",), seed=1, retry_after=args.retry_after
            )
            with FakeOpenAI(handler=faults, record=False) as server:
                elapsed, grades, stderr = run_grade(code, server, answers, home)
                requests = server.chat_count
            llm = by_llm(grades)
            print(
                f"429 storm:    {llm}/{len(grades)} graded by the LLM ({llm / max(1, len(grades)):.0%}), "
                f"{requests} requests ({faults.injected['429']} answered 429, Retry-After {args.retry_after} s), "
                f"{elapsed:.1f} s wall"
            )
            print(f"              {last_line(stderr)}")


if __name__ == "__main__":
    main()
