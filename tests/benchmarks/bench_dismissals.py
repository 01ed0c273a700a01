"""Dismissals: how often the deterministic grader credits a key point that the candidate names only to dismiss,
deny or belittle it, and how often it cites the typical mistake such a dismissal states.

Usage: python tests/benchmarks/bench_dismissals.py [PATH] (default tests/data/probes/dismissals.txt, lines of
``RUBRIC | KEY_POINT | MISTAKE-or-dash | snippet``). Prints figures for the development and held-out parts
(every third probe); asserts nothing. ``MOCKINT_SEMANTIC=off`` grades with the checks alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _probes import PROBES, read_probes

from mockint.grading import grade_answer
from mockint.rubrics import load_rubrics


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else PROBES / "dismissals.txt"
    rubrics = load_rubrics(None)
    probes = read_probes(path, 4)
    credited: dict[bool, list[str]] = {False: [], True: []}
    found = {False: [0, 0], True: [0, 0]}  # labelled mistakes stated, labelled mistakes
    for held_out, (question, criterion, mistake, snippet) in probes:
        grade = grade_answer(snippet, rubrics[question])
        if next(c.verdict for c in grade.criteria if c.id == criterion) != "missed":
            credited[held_out].append(f"  {question}/{criterion} | {snippet}")
        if mistake != "-":
            found[held_out][1] += 1
            found[held_out][0] += any(m.id == mistake and m.committed and m.evidence for m in grade.mistakes)
    for held_out, name in ((False, "development"), (True, "held out")):
        total = sum(1 for part, _ in probes if part == held_out)
        stated, labelled = found[held_out]
        print(
            f"{name}: {total} dismissals, key point credited anyway: {len(credited[held_out])} "
            f"({len(credited[held_out]) / total:.1%}); labelled mistake stated: {stated} of {labelled}"
        )
    print("credited (development part):")
    print("\n".join(credited[False]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
