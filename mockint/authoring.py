"""Tools for rubric authors: running a rubric's example answers as tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mockint.grading import grade_answer
from mockint.models import Example, Rubric
from mockint.rubrics import load_rubric


def example_mismatches(rubric: Rubric, example: Example) -> list[str]:
    """Grade one example deterministically and describe how it differs from its expectation.

    Args:
        rubric: The rubric the example belongs to.
        example: The example answer and its expected verdicts.

    Returns:
        One line per difference; empty when the example passes.
    """
    grade = grade_answer(example.answer, rubric)
    problems: list[str] = []
    verdicts = {c.id: c.verdict for c in grade.criteria}
    for criterion_id, expected in example.expect.criteria.items():
        actual = verdicts[criterion_id]
        if actual != expected:
            problems.append(f"key point {criterion_id}: expected {expected}, got {actual}")
    committed = {m.id: m.committed for m in grade.mistakes}
    for mistake_id, expected_committed in example.expect.mistakes.items():
        if committed[mistake_id] != expected_committed:
            word = "made" if expected_committed else "not made"
            problems.append(
                f"mistake {mistake_id}: expected {word}, got {'made' if committed[mistake_id] else 'not made'}"
            )
    if example.expect.score is not None and grade.score is not None:
        low, high = example.expect.score
        if not low <= grade.score <= high:
            problems.append(f"score {grade.score:.2f} not in [{low:g}, {high:g}]")
    return problems


@dataclass
class RubricTestReport:
    """The outcome of a rubric's example tests.

    Attributes:
        examples: How many examples ran.
        failed_examples: Indexes of the examples that failed.
        mismatches: ``FILE: examples[i] (label): problem`` lines.
    """

    examples: int = 0
    failed_examples: list[int] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)


def run_examples(rubric: Rubric, where: str = "") -> RubricTestReport:
    """Run every example of a rubric through the deterministic grader.

    Args:
        rubric: The rubric.
        where: Prefix for messages (the file name).

    Returns:
        The report.
    """
    report = RubricTestReport()
    prefix = f"{where}: " if where else ""
    for index, example in enumerate(rubric.examples):
        report.examples += 1
        problems = example_mismatches(rubric, example)
        if problems:
            report.failed_examples.append(index)
            report.mismatches.extend(f"{prefix}examples[{index}] ({example.label}): {p}" for p in problems)
    return report


def run_examples_file(path: Path) -> RubricTestReport:
    """Load a rubric file and run its examples (``RubricError`` if the file is invalid)."""
    return run_examples(load_rubric(path), str(path))
