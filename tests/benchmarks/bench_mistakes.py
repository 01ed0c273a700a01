"""Mistakes of commission said in a candidate's own words: how many the deterministic grader cites with a
quote (recall), and how many snippets that name a misconception only to reject it it accuses (precision).

Usage: python tests/benchmarks/bench_mistakes.py [PATH] (default tests/data/probes/mistakes.txt, lines of
``RUBRIC | MISTAKE-or-dash | snippet``; a dash marks a snippet that rejects the misconception). Prints figures
for the development and held-out parts (every third probe); asserts nothing. ``MOCKINT_SEMANTIC=off`` grades
with the checks alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _probes import PROBES, read_probes

from mockint.grading import grade_answer
from mockint.rubrics import load_rubrics


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else PROBES / "mistakes.txt"
    rubrics = load_rubrics(None)
    probes = read_probes(path, 3)
    missed: list[str] = []
    accused: list[str] = []
    counts = {part: {"said": 0, "cited": 0, "other": 0, "rejecting": 0, "accused": 0} for part in (False, True)}
    for held_out, (question, mistake, snippet) in probes:
        grade = grade_answer(snippet, rubrics[question])
        stated = {m.id for m in grade.mistakes if m.committed and m.evidence}
        figures = counts[held_out]
        if mistake == "-":
            figures["rejecting"] += 1
            if stated:
                figures["accused"] += 1
                if not held_out:
                    accused.append(f"  {','.join(sorted(stated))} | {snippet}")
            continue
        figures["said"] += 1
        figures["cited"] += mistake in stated
        figures["other"] += bool(stated - {mistake})
        if mistake not in stated and not held_out:
            missed.append(f"  {question}/{mistake} | {snippet}")
    for held_out, name in ((False, "development"), (True, "held out")):
        f = counts[held_out]
        print(
            f"{name}: mistakes said {f['said']}, cited with a quote {f['cited']} ({f['cited'] / f['said']:.1%}), "
            f"another mistake cited too {f['other']}; rejections {f['rejecting']}, accused {f['accused']}"
        )
    print("missed (development part):")
    print("\n".join(missed))
    print("accused (development part):")
    print("\n".join(accused))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
