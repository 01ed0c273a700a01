"""False accusations on correct statements: how often the deterministic grader says a correct sentence states
a typical mistake, and how often it misses the key point the sentence states.

Usage: python tests/benchmarks/bench_precision.py [PATH] (default tests/data/probes/correct-statements.txt).
Prints figures; asserts nothing. ``MOCKINT_SEMANTIC=off`` grades with the checks alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mockint.grading import grade_answer
from mockint.rubrics import load_rubrics

DEFAULT = Path(__file__).resolve().parents[1] / "data" / "probes" / "correct-statements.txt"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    rubrics = load_rubrics(None)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    accused: list[str] = []
    missed = 0
    for line in lines:
        question, criterion, sentence = (part.strip() for part in line.split(" | ", 2))
        grade = grade_answer(sentence, rubrics[question])
        stated = sorted(m.id for m in grade.mistakes if m.committed and m.evidence)
        if stated:
            accused.append(f"  {','.join(stated)} | {sentence}")
        missed += next(c.verdict for c in grade.criteria if c.id == criterion) == "missed"
    print(f"correct statements:   {len(lines)}")
    print(f"falsely accused:      {len(accused)} ({len(accused) / len(lines):.1%})")
    print(f"named key point missed: {missed} ({missed / len(lines):.1%})")
    print("\n".join(accused))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
