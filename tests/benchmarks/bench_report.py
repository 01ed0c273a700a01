"""Cost of the batch report's per-answer section on big runs: time, file size and peak memory for N answers.

Prints figures; asserts nothing. Run from the repository root with the package installed:

    python tests/benchmarks/bench_report.py [--answers 1000,10000,100000] [--words 100] [--points 6]

Each N runs in a fresh subprocess (so its peak RSS is its own): N synthetic grades (fixed seed) over 4
questions, ``--points`` key points each with an 80-character quote of the answer as evidence, one in ten with a
disagreement, an extra ``name`` column; the answers (``--words`` words) are written to a JSONL file and
read back with the grade command's own reader, as ``grade_files`` does to give the report the answer texts.
Printed per N: seconds to count the grades (``ReportBuilder.add``), to read the answers again and attach
their texts, to write the HTML and the Markdown report; each file's size; the process's peak RSS, and its RSS
before the builder was made (the interpreter and imports). ``--cap`` changes the section's cap, to see what
keeping every answer would cost.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = "kernel filter weights stride pooling layer image pixel feature map channel network train learn".split()


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _text(index: int, words: int) -> str:
    # Made again from its index when needed: a list of 100k answers would weigh on the RSS being measured.
    rng = random.Random(index)
    return " ".join(rng.choice(WORDS) for _ in range(words))


def run_one(count: int, words: int, points: int, cap: int | None) -> dict[str, float]:
    """Build, fill and write one report of ``count`` answers; the figures."""
    from mockint.batch.answers import read_answers
    from mockint.batch.report import ReportBuilder
    from mockint.models import CriterionResult, Grade, MistakeResult

    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    answers = folder / "answers.jsonl"
    with answers.open("w", encoding="utf-8") as handle:
        for index in range(count):
            text = _text(index, words)
            record = {"id": f"a{index}", "question_id": f"q{index % 4}", "answer": text, "name": f"Candidate {index}"}
            handle.write(json.dumps(record) + "\n")
    before = _rss_mb()
    builder = ReportBuilder() if cap is None else ReportBuilder(max_answers=cap)
    add = 0.0
    for index in range(count):
        text = _text(index, words)
        start = rng.randrange(max(1, len(text) - 80))
        grade = Grade(
            id=f"a{index}",
            question_id=f"q{index % 4}",
            score=rng.random(),
            grader="llm",
            criteria=[
                CriterionResult(
                    id=f"c{n}",
                    text=f"Key point number {n} of the rubric, stated in a full sentence.",
                    verdict=rng.choice(("met", "partial", "missed")),
                    evidence=text[start : start + 80],
                    source="llm",
                    agree=False if rng.random() < 0.1 else True,
                )
                for n in range(points)
            ],
            mistakes=[MistakeResult(id="m1", text="A typical mistake", committed=rng.random() < 0.3)],
            extra={"name": f"Candidate {index}"},
        )
        started = time.perf_counter()
        builder.add(grade)
        add += time.perf_counter() - started
    started = time.perf_counter()
    attached = builder.attach_texts(
        (r.answer.id, r.answer.answer) for r in read_answers(answers, {}) if r.answer is not None
    )
    attach = time.perf_counter() - started
    figures = {"answers": count, "kept": len(builder.answers.entries()), "attached": attached}
    for suffix in ("html", "md"):
        path = folder / f"report.{suffix}"
        started = time.perf_counter()
        builder.write(path)
        figures[f"{suffix}_s"] = time.perf_counter() - started
        figures[f"{suffix}_mb"] = path.stat().st_size / 2**20
    figures.update(add_s=add, attach_s=attach, rss_before_mb=before)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", default="1000,10000,100000", help="comma-separated answer counts")
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--points", type=int, default=6)
    parser.add_argument("--cap", type=int, help="answers kept in the per-answer section (default: the report's)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the subprocess's own run
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.words, args.points, args.cap)))
        return
    print(
        f"{'answers':>8} {'kept':>6} {'add s':>7} {'reread s':>8} {'html s':>7} {'html MB':>8} {'md s':>6} "
        f"{'md MB':>6} {'RSS before':>10} {'peak RSS':>9}"
    )
    for count in (int(part) for part in args.answers.split(",")):
        command = [sys.executable, __file__, "--one", str(count), "--words", str(args.words)]
        command += ["--points", str(args.points)] + (["--cap", str(args.cap)] if args.cap is not None else [])
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        f = json.loads(out)
        print(
            f"{f['answers']:>8,} {f['kept']:>6,} {f['add_s']:>7.2f} {f['attach_s']:>8.2f} {f['html_s']:>7.2f} "
            f"{f['html_mb']:>8.1f} {f['md_s']:>6.2f} {f['md_mb']:>6.1f} {f['rss_before_mb']:>8.0f}MB "
            f"{f['peak_rss_mb']:>7.0f}MB"
        )


if __name__ == "__main__":
    main()
