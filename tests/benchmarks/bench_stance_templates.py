"""Stance templates: sentences that dismiss or affirm one practice, filled in with a key point's own phrase for
three rubrics, and graded one by one.

Usage: python tests/benchmarks/bench_stance_templates.py [PATH] [--show]
(default tests/data/probes/stance-templates.txt, lines of ``part | D-or-A | template``, ``{X}``/``{x}`` where the
practice goes). Prints, per part and rubric, how many dismissals (D) still have the key point credited and how
many affirmations (A) have it missed; ``--show`` lists them. Asserts nothing. ``MOCKINT_SEMANTIC=off`` grades with
the checks alone.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from _probes import PROBES

from mockint.grading import grade_answer
from mockint.rubrics import load_rubrics

# One phrase per rubric that meets its key point on its own ("X matters." is met), in English and in Russian.
SUBJECTS = {
    "en": (
        ("ab-significance", "sample-size", "planning the sample size with a power analysis before the test"),
        ("cnn-explained", "weight-sharing", "reusing the same filter weights at every position"),
        ("genai-tools", "verification", "reviewing the diff and running tests on generated code"),
    ),
    "ru": (
        ("ab-significance", "sample-size", "планирование размера выборки и мощности до теста"),
        ("cnn-explained", "weight-sharing", "одни и те же веса фильтра на каждой позиции"),
        ("genai-tools", "verification", "ревью диффа и тесты для сгенерированного кода"),
    ),
}


def main(argv: list[str]) -> int:
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return 0
    show = "--show" in argv
    paths = [arg for arg in argv[1:] if arg != "--show"]
    path = Path(paths[0]) if paths else PROBES / "stance-templates.txt"
    if not path.is_file():
        print(f"{path}: no such file; pass a file of 'part | D-or-A | template' lines (see --help)", file=sys.stderr)
        return 2
    rubrics = load_rubrics(None)
    wrong: Counter[tuple[str, str, str]] = Counter()
    total: Counter[tuple[str, str, str]] = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [field.strip() for field in line.split(" | ", 2)]
        if len(fields) != 3 or fields[1] not in ("D", "A") or "{x}" not in fields[2].lower():
            print(f"{path}:{number}: expected 'part | D-or-A | template' with {{X}} or {{x}}", file=sys.stderr)
            return 2
        part, kind, template = fields
        language = "ru" if any("а" <= ch <= "я" for ch in template.lower()) else "en"
        for question, criterion, phrase in SUBJECTS[language]:
            answer = template.format(x=phrase, X=phrase[0].upper() + phrase[1:])
            grade = grade_answer(answer, rubrics[question])
            verdict = next(c.verdict for c in grade.criteria if c.id == criterion)
            total[part, kind, question] += 1
            if (verdict == "missed") != (kind == "D"):
                wrong[part, kind, question] += 1
                if show:
                    print(f"  {part} {kind} {verdict}: {answer}")
    for part in dict.fromkeys(key[0] for key in total):
        cells = []
        for question in dict.fromkeys(key[2] for key in total if key[0] == part):
            d, a = (part, "D", question), (part, "A", question)
            cells.append(f"{question} {wrong[d]}/{total[d]} credited, {wrong[a]}/{total[a]} missed")
        d_all = sum(v for k, v in wrong.items() if k[0] == part and k[1] == "D")
        d_n = sum(v for k, v in total.items() if k[0] == part and k[1] == "D")
        a_all = sum(v for k, v in wrong.items() if k[0] == part and k[1] == "A")
        a_n = sum(v for k, v in total.items() if k[0] == part and k[1] == "A")
        print(f"{part}: dismissals credited {d_all}/{d_n}, affirmations missed {a_all}/{a_n} ({'; '.join(cells)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
