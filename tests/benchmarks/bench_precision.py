"""False accusations on correct statements: how often the deterministic grader says a correct sentence states
a typical mistake, and how often it misses the key point the sentence states.

Usage: python tests/benchmarks/bench_precision.py [PATH ...] (default the two files of correct statements in
tests/data/probes, lines of ``RUBRIC | KEY_POINT | sentence``). Prints figures per file, for the development
and held-out parts of the second file (every third probe; the first file is development data whole); asserts
nothing. ``MOCKINT_SEMANTIC=off`` grades with the checks alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _probes import PROBES, read_probes

from mockint.grading import grade_answer
from mockint.rubrics import RubricSet, load_rubrics

DEFAULT = [PROBES / "correct-statements.txt", PROBES / "correct-statements-2.txt"]
# The seventh session's file was read whole while fixing the grader: it has no held-out part.
WHOLE = {"correct-statements.txt"}


def _report(name: str, rows: list[list[str]], rubrics: RubricSet) -> list[str]:
    accused: list[str] = []
    missed = 0
    for question, criterion, sentence in rows:
        grade = grade_answer(sentence, rubrics[question])
        stated = sorted(m.id for m in grade.mistakes if m.committed and m.evidence)
        if stated:
            accused.append(f"  {','.join(stated)} | {sentence}")
        missed += next(c.verdict for c in grade.criteria if c.id == criterion) == "missed"
    print(
        f"{name}: {len(rows)} correct statements, falsely accused {len(accused)} ({len(accused) / len(rows):.1%}), "
        f"named key point missed {missed} ({missed / len(rows):.1%})"
    )
    return accused


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv[1:]] or DEFAULT
    rubrics = load_rubrics(None)
    shown: list[str] = []
    for path in paths:
        probes = read_probes(path, 3)
        if path.name in WHOLE:
            shown += _report(path.name, [row for _, row in probes], rubrics)
            continue
        shown += _report(f"{path.name} development", [row for held, row in probes if not held], rubrics)
        _report(f"{path.name} held out", [row for held, row in probes if held], rubrics)
    print("falsely accused (development):")
    print("\n".join(shown))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
