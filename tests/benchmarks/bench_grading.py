"""Throughput of grading: deterministic answers/second, and LLM efficiency against a server with fixed latency.

Prints figures; asserts nothing about time. Run from the repository root:

    python tests/benchmarks/bench_grading.py [--answers N] [--llm-answers N] [--latency S] [--concurrency 1 8 32]
                                             [--repeat 3]

The test server runs in its own process: a real server does not share the client's CPU (or its GIL), and in
the same process its request handling would be charged to the client.

* efficiency = ideal time / actual time, where ideal = answers x latency / concurrency: 1.0 means the
  requests in flight never waited for the client.
* client CPU per answer (deterministic checks, prompt, SDK, parsing, reconciliation, output) and the CPU
  ceiling it implies: one process cannot grade faster than 1 / (CPU per answer), whatever the concurrency.
* a jitter run (some requests 10x slower, as real servers do) with the reorder window in use and with the old
  2 x N window, to show what head-of-line blocking costs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # for fake_openai

import mockint.batch.run  # noqa: E402
from mockint.batch.answers import Record  # noqa: E402
from mockint.batch.grade import SPARE_WORKERS  # noqa: E402
from mockint.batch.run import grade_records  # noqa: E402
from mockint.grading import grade_answer  # noqa: E402
from mockint.judge import CircuitBreakerJudge, OpenAIJudge  # noqa: E402
from mockint.judge.ratelimit import RequestLimiter  # noqa: E402
from mockint.models import Answer, Grade  # noqa: E402
from mockint.rubrics import load_rubrics  # noqa: E402

EXAMPLES = HERE.parent.parent / "examples" / "answers.jsonl"

SERVER = """
import random, sys, time
sys.path.insert(0, {tests!r})
from fake_openai import FakeOpenAI, FakeReply, correct_handler
from mockint.rubrics import load_rubrics
latency, slow_share, seed = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
inner = correct_handler(*load_rubrics().values())
chooser = random.Random(seed)
def handler(body):
    # A share of requests take ten times the latency: the jitter real servers have.
    reply = inner(body)
    if slow_share and chooser.random() < slow_share:
        return FakeReply.ok(reply, delay=9 * latency)
    return reply
with FakeOpenAI(handler=handler, latency=latency, record=False) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
"""


class ServerProcess:
    """The fake OpenAI server in a child process, for as long as the ``with`` block lasts."""

    def __init__(self, latency: float, slow_share: float = 0.0, seed: int = 0) -> None:
        self.args = [str(latency), str(slow_share), str(seed)]
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> ServerProcess:
        code = SERVER.format(tests=str(HERE.parent))
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, *self.args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url:
            raise SystemExit("the test server did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()
            self.process.wait(10)


def load_answers(count: int) -> list[Answer]:
    base = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        Answer(id=f"{i}", question_id=base[i % len(base)]["question_id"], answer=base[i % len(base)]["answer"])
        for i in range(count)
    ]


def records_of(answers: list[Answer]) -> Iterator[Record]:
    for index, answer in enumerate(answers):
        yield Record(source=f"bench:{index}", answer=answer, raw_id=answer.id, raw_question_id=answer.question_id)


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


def run_llm(base_url: str, count: int, concurrency: int, workers: int | None = None) -> tuple[float, float, int, int]:
    """Grade ``count`` answers as ``mockint grade -c N`` does; returns (seconds, CPU seconds, llm, peak)."""
    workers = workers or concurrency + SPARE_WORKERS
    rubrics = load_rubrics()
    answers = load_answers(count)
    limiter = RequestLimiter(max_in_flight=concurrency)
    inner = OpenAIJudge("bench-model", base_url=base_url, api_key="bench", limiter=limiter)
    judge = CircuitBreakerJudge(inner)
    # Warm up: connections, compiled rubric patterns, prompt files.
    grade_records(records_of(answers[: 2 * concurrency]), rubrics, judge, lambda grade: None, concurrency=concurrency)
    out: list[Grade] = []
    started, cpu = time.perf_counter(), time.process_time()
    grade_records(records_of(answers), rubrics, judge, out.append, concurrency=concurrency, workers=workers)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    inner.close()
    return elapsed, cpu, sum(1 for grade in out if grade.grader == "llm"), limiter.peak_in_flight


def bench_llm(count: int, latency: float, concurrency: int, repeat: int) -> None:
    runs = []
    with ServerProcess(latency) as server:
        for _ in range(repeat):
            runs.append(run_llm(server.base_url, count, concurrency))
    ideal = count * latency / concurrency
    efficiencies = sorted(ideal / elapsed for elapsed, _, _, _ in runs)
    elapsed, cpu, llm, peak = sorted(runs)[len(runs) // 2]
    print(
        f"llm: {count} answers, latency {latency * 1000:.0f} ms, concurrency {concurrency}: "
        f"efficiency {statistics.median(efficiencies):.2f} (median of {repeat}; "
        f"{efficiencies[0]:.2f}-{efficiencies[-1]:.2f}); {count / elapsed:,.1f} answers/s; "
        f"{llm}/{count} by the judge; peak in flight {peak}; client CPU {cpu / count * 1000:.2f} ms/answer "
        f"(ceiling {count / cpu:,.0f} answers/s)"
    )


def bench_jitter(count: int, latency: float, concurrency: int, slow_share: float, repeat: int) -> None:
    # Mean latency with a share of requests at 10x: the ideal is the total latency spread over the slots.
    mean_latency = latency * (1 + 9 * slow_share)
    ideal = count * mean_latency / concurrency
    figures = []
    saved = (mockint.batch.run.MIN_WINDOW, mockint.batch.run.WINDOW_PER_WORKER)
    for label, window in (("now", None), ("old (N workers, 2 x N window)", (2 * concurrency, 2))):
        workers = concurrency + SPARE_WORKERS
        if window is not None:
            workers = concurrency
            # The old scheme: N workers and at most 2 x N answers between reading and writing.
            mockint.batch.run.MIN_WINDOW, mockint.batch.run.WINDOW_PER_WORKER = window
        try:
            with ServerProcess(latency, slow_share, seed=1) as server:
                runs = [run_llm(server.base_url, count, concurrency, workers)[0] for _ in range(repeat)]
        finally:
            mockint.batch.run.MIN_WINDOW, mockint.batch.run.WINDOW_PER_WORKER = saved
        figures.append(f"{label} {ideal / statistics.median(runs):.2f}")
    print(
        f"jitter: {count} answers, {slow_share:.0%} of requests {10 * latency * 1000:.0f} ms, the rest "
        f"{latency * 1000:.0f} ms, concurrency {concurrency}: efficiency (median of {repeat}) " + ", ".join(figures)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=2000, help="answers for the deterministic run")
    parser.add_argument("--llm-answers", type=int, default=0, help="answers per LLM run (default: 4 s of ideal time)")
    parser.add_argument("--latency", type=float, default=0.05, help="test server latency per request, seconds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--slow-share", type=float, default=0.05, help="share of 10x slow requests (jitter run)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is printed)")
    args = parser.parse_args()
    random.seed(0)
    bench_deterministic(args.answers)
    for concurrency in args.concurrency:
        count = args.llm_answers or max(50, int(3 * concurrency / args.latency))
        bench_llm(min(count, 1500), args.latency, concurrency, args.repeat)
    jitter_concurrency = 8
    count = args.llm_answers or int(3 * jitter_concurrency / args.latency)
    bench_jitter(count, args.latency, jitter_concurrency, args.slow_share, args.repeat)


if __name__ == "__main__":
    main()
