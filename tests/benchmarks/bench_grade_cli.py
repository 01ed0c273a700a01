"""End-to-end speed of `mockint grade --no-llm` (read, grade, write) against the grader alone.

Prints figures; asserts nothing about time. Run from the repository root with the package installed:

    python tests/benchmarks/bench_grade_cli.py [--answers 5000] [--words 60] [--repeat 3] [--help-runs 10]
                                               [--cli-arg=-c --cli-arg=1]

* answers: N answers of about ``--words`` words (fixed seed), spread over the shipped rubrics, about one in five
  in Russian; each is built from that rubric's example sentences (in the answer's language) with some words
  swapped for words from the rubric's own pool, so no two answers are the same and every layer of the grader
  has work to do.
* end to end: the installed ``mockint grade FILE --no-llm --format jsonl --out OUT`` as a subprocess, wall
  time from spawn to exit (start-up and rubric loading included), answers/s as the median of ``--repeat``
  runs. ``--cli-arg`` adds arguments (``--cli-arg=-c --cli-arg=1`` forces one process).
* grader alone: ``grade_answer`` in this process, one thread, on the same answers after a warm-up.
* ``mockint --help``: wall time, median of ``--help-runs``.

Other work on the machine takes cores from the workers: the CPU seconds of the run (all its processes) and the
load average are printed next to the wall-clock figure, to tell a slower program from a busier machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mockint.grading import grade_answer
from mockint.models import Rubric
from mockint.rubrics import load_rubrics

RUSSIAN_SHARE = 0.2
SWAP_SHARE = 0.12  # words of an answer replaced by other words of the same rubric and language
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

_NOT_ANSWERS = ("keyword-list", "injection", "off-topic")
FILLER = {
    "en": "so basically I think that in practice we would also usually just really want to note here".split(),
    "ru": "ну в общем я думаю что на практике мы бы ещё обычно просто хотели здесь отметить".split(),
}


def _language(text: str) -> str:
    return "ru" if len(_CYRILLIC.findall(text)) > len(text) // 10 else "en"


def _pools(rubric: Rubric) -> dict[str, tuple[list[str], list[str]]]:
    """Per language: (sentences, words) from the rubric's example answers, model answer, key points and tips."""
    # Not the answers that are not an answer (keyword lists, injections, off-topic): guards cut those short.
    texts = [example.answer for example in rubric.examples if not example.label.endswith(_NOT_ANSWERS)]
    texts += [rubric.model_answer, *(c.text for c in rubric.criteria), *rubric.tips]
    pools: dict[str, tuple[list[str], list[str]]] = {"en": ([], []), "ru": ([], [])}
    for text in texts:
        for sentence in _SENTENCE_END.split(" ".join(text.split())):
            if len(sentence.split()) >= 4:
                sentences, words = pools[_language(sentence)]
                sentences.append(sentence)
                words.extend(sentence.split())
    return pools


def make_answer(chooser: random.Random, pools: dict[str, tuple[list[str], list[str]]], words: int) -> str:
    lang = "ru" if pools["ru"][0] and chooser.random() < RUSSIAN_SHARE else "en"
    sentences, vocabulary = pools[lang]
    target = max(10, int(chooser.gauss(words, words / 8)))
    tokens: list[str] = []
    while len(tokens) < target:
        tokens.extend(chooser.choice(sentences).split())
        if chooser.random() < 0.3:
            tokens[-1:-1] = chooser.sample(FILLER[lang], k=3)
    tokens = tokens[:target]
    for index in range(len(tokens)):
        if chooser.random() < SWAP_SHARE:
            tokens[index] = chooser.choice(vocabulary)
    text = " ".join(tokens)
    return text if text.endswith((".", "!", "?")) else text + "."


def write_answers(path: Path, count: int, words: int, seed: int = 7) -> list[dict[str, str]]:
    rubrics = list(load_rubrics().values())
    pools = {rubric.id: _pools(rubric) for rubric in rubrics}
    chooser = random.Random(seed)
    records = []
    for index in range(count):
        rubric = rubrics[chooser.randrange(len(rubrics))]
        records.append(
            {"id": f"b{index}", "question_id": rubric.id, "answer": make_answer(chooser, pools[rubric.id], words)}
        )
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return records


def mockint_command() -> list[str]:
    """The installed console script (next to this interpreter), else ``python -m mockint``."""
    script = Path(sys.executable).with_name("mockint")
    if script.exists():
        return [str(script)]
    found = shutil.which("mockint")
    return [found] if found else [sys.executable, "-m", "mockint"]


def clean_env(home: Path) -> dict[str, str]:
    # MOCKINT_SEMANTIC passes through: with the `semantic` extra installed, MOCKINT_SEMANTIC=off measures the
    # lexical grader alone.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "MOCKINT_")) or key == "MOCKINT_SEMANTIC"
    }
    env["MOCKINT_HOME"] = str(home)
    return env


def bench_cli(answers: Path, out: Path, count: int, repeat: int, extra: list[str], env: dict[str, str]) -> None:
    command = [*mockint_command(), "grade", str(answers), "--no-llm", "--format", "jsonl", "--out", str(out), *extra]
    seconds, cpu = [], []
    load = os.getloadavg()[0]
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        seconds.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if result.returncode != 0:
            raise SystemExit(f"mockint grade failed ({result.returncode}): {result.stderr[-2000:]}")
        lines = out.read_bytes().count(b"\n")
        if lines != count:
            raise SystemExit(f"expected {count} output lines, got {lines}")
    median = statistics.median(seconds)
    print(
        f"end to end: {' '.join(['mockint', *command[1:2], '<answers>', *command[3:7], '<out>', *extra])}: "
        f"{count} answers in {median:.2f} s = {count / median:,.0f} answers/s "
        f"(median of {repeat}; {count / max(seconds):,.0f}-{count / min(seconds):,.0f}); "
        f"CPU {statistics.median(cpu):.2f} s in all its processes; load average before {load:.2f}"
    )


def bench_grader(records: list[dict[str, str]], repeat: int) -> None:
    rubrics = load_rubrics()
    for record in records[:200]:  # compile the rubrics' patterns, as the first answers of a batch do
        grade_answer(record["answer"], rubrics[record["question_id"]], answer_id=record["id"])
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        for record in records:
            grade_answer(record["answer"], rubrics[record["question_id"]], answer_id=record["id"])
        rates.append(len(records) / (time.perf_counter() - started))
    print(
        f"grader alone (grade_answer, one thread, in process): {statistics.median(rates):,.0f} answers/s "
        f"(median of {repeat})"
    )


def bench_help(runs: int, env: dict[str, str]) -> None:
    command = [*mockint_command(), "--help"]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env, check=True)
        samples.append(time.perf_counter() - started)
    print(f"mockint --help: {statistics.median(samples) * 1000:.0f} ms (median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=5000)
    parser.add_argument("--words", type=int, default=60, help="mean words per answer")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--help-runs", type=int, default=10)
    parser.add_argument("--cli-arg", action="append", default=[], help="extra argument for mockint grade")
    args = parser.parse_args()
    print(
        f"cpus: {os.cpu_count()} (usable {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'})"
    )
    with tempfile.TemporaryDirectory() as folder:
        answers, out = Path(folder) / "answers.jsonl", Path(folder) / "grades.jsonl"
        records = write_answers(answers, args.answers, args.words)
        words = statistics.mean(len(record["answer"].split()) for record in records)
        russian = sum(_language(record["answer"]) == "ru" for record in records)
        print(f"answers: {args.answers}, mean {words:.0f} words, {russian} in Russian")
        env = clean_env(Path(folder) / "home")
        bench_cli(answers, out, args.answers, args.repeat, args.cli_arg, env)
        bench_grader(records, args.repeat)
        bench_help(args.help_runs, env)


if __name__ == "__main__":
    main()
