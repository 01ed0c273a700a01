"""Throughput of grading: deterministic answers/second, and LLM answers/second against a local test server.

Prints figures; asserts nothing about time. Run from the repository root:

    python tests/benchmarks/bench_grading.py [--answers N] [--latency SECONDS] [--concurrency N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # for fake_openai

from fake_openai import FakeOpenAI, correct_handler  # noqa: E402

from mockint.batch import Record, grade_records  # noqa: E402
from mockint.grading import CircuitBreakerJudge, grade_answer  # noqa: E402
from mockint.judge import OpenAIJudge  # noqa: E402
from mockint.models import Answer, Grade  # noqa: E402
from mockint.rubrics import load_rubrics  # noqa: E402

EXAMPLES = HERE.parent.parent / "examples" / "answers.jsonl"


def load_answers(count: int) -> list[Answer]:
    base = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        Answer(id=f"{i}", question_id=base[i % len(base)]["question_id"], answer=base[i % len(base)]["answer"])
        for i in range(count)
    ]


def bench_deterministic(count: int) -> None:
    rubrics = load_rubrics()
    answers = load_answers(count)
    for answer in answers[: len(rubrics) * 3]:  # compile each rubric's patterns once, as a batch would
        grade_answer(answer.answer, rubrics[answer.question_id])
    per_answer: list[float] = []
    started = time.perf_counter()
    for answer in answers:
        t0 = time.perf_counter()
        grade_answer(answer.answer, rubrics[answer.question_id], answer_id=answer.id)
        per_answer.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    words = statistics.mean(len(a.answer.split()) for a in answers)
    print(
        f"deterministic: {count} answers (mean {words:.0f} words) in {elapsed:.3f} s = "
        f"{count / elapsed:,.0f} answers/s; "
        f"per answer mean {statistics.mean(per_answer) * 1000:.2f} ms, "
        f"p99 {sorted(per_answer)[int(0.99 * (len(per_answer) - 1))] * 1000:.2f} ms"
    )


def bench_llm(count: int, latency: float, concurrency: int) -> None:
    rubrics = load_rubrics()
    answers = load_answers(count)
    records = [
        Record(source=f"bench:{i}", answer=a, raw_id=a.id, raw_question_id=a.question_id) for i, a in enumerate(answers)
    ]
    with FakeOpenAI(handler=correct_handler(*rubrics.values()), latency=latency) as server:
        judge = CircuitBreakerJudge(OpenAIJudge("bench-model", base_url=server.base_url, api_key="bench"))
        out: list[Grade] = []
        started = time.perf_counter()
        summary = grade_records(records, rubrics, judge, out.append, concurrency=concurrency)
        elapsed = time.perf_counter() - started
        requests = len(server.requests)
    llm = sum(1 for g in out if g.grader == "llm")
    ideal = count * latency / concurrency
    print(
        f"llm: {count} answers, server latency {latency * 1000:.0f} ms, concurrency {concurrency}: "
        f"{elapsed:.2f} s = {count / elapsed:,.1f} answers/s; {requests / count:.2f} requests/answer; "
        f"{llm}/{count} graded by the judge; {summary.fallbacks} fallbacks; "
        f"efficiency (ideal {ideal:.2f} s / actual) {ideal / elapsed:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=2000, help="answers for the deterministic run")
    parser.add_argument("--llm-answers", type=int, default=200, help="answers for the LLM run")
    parser.add_argument("--latency", type=float, default=0.05, help="test server latency per request, seconds")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    bench_deterministic(args.answers)
    bench_llm(args.llm_answers, args.latency, 1)
    bench_llm(args.llm_answers, args.latency, args.concurrency)


if __name__ == "__main__":
    main()
