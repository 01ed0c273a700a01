"""Batch grading at scale: peak memory streaming 100k answers, the grade cache, Batch API export and import.

Prints figures; asserts nothing about time or memory. Run from the repository root:

    python tests/benchmarks/bench_batch.py [--answers 100000] [--cache-answers 400] [--latency 0.05]

* memory: ``mockint grade`` (deterministic) streams N synthetic answers from a JSONL file to a JSONL file in a
  child process; its peak RSS (``getrusage``) is printed next to the RSS of a run over N/10 answers, so a
  growth with N shows. The answers are short (one or two sentences of the rubrics' example answers), so 100k
  of them grade within about a minute.
* cache: N answers graded through the judge against a local OpenAI-compatible server with fixed latency, cold
  then warm (same answers again): requests sent and time.
* export / import: ``--export-batch`` of N answers, then ``--import-batch`` of a Batch API output file for
  them: lines per second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # for fake_openai

from fake_openai import FakeOpenAI, completion, correct_handler  # noqa: E402

from mockint.rubrics import load_rubrics  # noqa: E402

MEMORY_CHILD = """
import resource, sys, time
from mockint.cli import app
started = time.perf_counter()
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"PEAK {peak_kib} {elapsed}", file=sys.stderr)
"""


def synthetic_answers(path: Path, count: int, seed: int = 1) -> None:
    """Write ``count`` answers: one or two sentences of the rubrics' example answers, cycling the questions."""
    rubrics = list(load_rubrics().values())
    sentences = {
        rubric.id: [
            part.strip()
            for example in rubric.examples
            for part in re.split(r"(?<=[.!?])\s+", example.answer)
            if len(part.split()) >= 4
        ]
        for rubric in rubrics
    }
    chooser = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for index in range(count):
            rubric = rubrics[index % len(rubrics)]
            text = " ".join(chooser.sample(sentences[rubric.id], k=min(2, len(sentences[rubric.id]))))
            handle.write(json.dumps({"id": f"s{index}", "question_id": rubric.id, "answer": text}) + "\n")


def peak_rss(answers: Path, out: Path, env: dict[str, str]) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of a deterministic `mockint grade answers --out out` in a child process."""
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, "grade", str(answers), "--out", str(out), "--no-llm"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    match = re.search(r"PEAK (\d+) ([\d.]+)", result.stderr)
    if match is None:
        raise SystemExit(f"memory run failed: {result.stderr[-2000:]}")
    return int(match.group(1)) / 1024, float(match.group(2))


def bench_memory(count: int, folder: Path, env: dict[str, str]) -> None:
    small = max(1, min(count // 10, 2_000))
    figures = {}
    for n in (small, count):
        answers = folder / f"answers-{n}.jsonl"
        synthetic_answers(answers, n)
        out = folder / f"grades-{n}.jsonl"
        figures[n] = peak_rss(answers, out, env)
        lines = sum(1 for _ in out.open("rb"))
        assert lines == n, f"expected {n} output lines, got {lines}"
    (rss_small, _), (rss_big, seconds) = figures[small], figures[count]
    per_answer = (rss_big - rss_small) * 1024 * 1024 / (count - small) if count > small else 0.0
    print(
        f"memory: {count:,} answers streamed file to file (deterministic): peak RSS {rss_big:.1f} MiB "
        f"({small:,} answers: {rss_small:.1f} MiB; growth {per_answer:.0f} bytes/answer); "
        f"{seconds:.1f} s = {count / seconds:,.0f} answers/s end to end"
    )


def bench_cache(count: int, latency: float, folder: Path, env: dict[str, str]) -> None:
    answers = folder / "cache-answers.jsonl"
    synthetic_answers(answers, count, seed=2)
    rubrics = load_rubrics()
    with FakeOpenAI(handler=correct_handler(*rubrics.values()), latency=latency, record=False) as server:
        run_env = {**env, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "bench", "MOCKINT_MODEL": "bench"}
        figures = []
        for label in ("cold", "warm"):
            before = server.chat_count
            started = time.perf_counter()
            run = subprocess.run(
                [sys.executable, "-m", "mockint", "grade", str(answers), "--out", str(folder / "c.jsonl"), "-c", "8"],
                env=run_env,
                check=True,
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - started
            found = re.search(r"cache: (\d+) hit\(s\), (\d+) miss", run.stderr)
            hits = f"{found.group(1)} hits / {found.group(2)} misses" if found else "?"
            figures.append(f"{label}: {server.chat_count - before} requests, {hits}, {seconds:.2f} s")
    print(f"cache: {count} answers, server latency {latency * 1000:.0f} ms, -c 8: " + "; ".join(figures))


def bench_export_import(count: int, folder: Path, env: dict[str, str]) -> None:
    answers = folder / "batch-answers.jsonl"
    synthetic_answers(answers, count, seed=3)
    requests = folder / "requests.jsonl"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mockint", "grade", str(answers), "--export-batch", str(requests)],
        env=env,
        check=True,
        capture_output=True,
    )
    exported = time.perf_counter() - started
    handler = correct_handler(*load_rubrics().values())
    output = folder / "output.jsonl"
    with requests.open(encoding="utf-8") as source, output.open("w", encoding="utf-8") as sink:
        for line in source:
            request = json.loads(line)
            body = completion(str(handler(request["body"])))
            sink.write(
                json.dumps(
                    {
                        "id": "r",
                        "custom_id": request["custom_id"],
                        "response": {"status_code": 200, "body": body},
                        "error": None,
                    }
                )
                + "\n"
            )
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mockint",
            "grade",
            str(answers),
            "--import-batch",
            str(output),
            "--out",
            str(folder / "imported.jsonl"),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    imported = time.perf_counter() - started
    size = requests.stat().st_size / 1024 / 1024
    print(
        f"batch files: export {count:,} requests ({size:.1f} MiB) in {exported:.2f} s = {count / exported:,.0f}/s; "
        f"import (validate + reconcile) in {imported:.2f} s = {count / imported:,.0f}/s (process start included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=100_000, help="answers for the memory run")
    parser.add_argument("--cache-answers", type=int, default=300, help="answers for the cache run")
    parser.add_argument("--batch-answers", type=int, default=2_000, help="answers for export/import")
    parser.add_argument("--latency", type=float, default=0.05, help="test server latency per request, seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mockint-bench-") as tmp:
        folder = Path(tmp)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("OPENAI_", "MOCKINT_"))}
        env["MOCKINT_HOME"] = str(folder / "home")
        bench_memory(args.answers, folder, env)
        bench_cache(args.cache_answers, args.latency, folder, env)
        bench_export_import(args.batch_answers, folder, env)


if __name__ == "__main__":
    main()
