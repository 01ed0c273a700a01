"""Tools for rubric authors: running a rubric's example answers as tests, with a diff of expected vs actual.

Every example is graded by the deterministic checks, and also by the LLM judge when one is given; each run's
verdicts per key point and mistake (and the score, when a range is expected) are compared with ``expect``.
Import and lint live beside it in :mod:`mockint.authoring`; eval in :mod:`mockint.authoring.evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mockint.grading import grade_answer
from mockint.models import Example, Grade, Rubric
from mockint.rubrics import load_rubric

if TYPE_CHECKING:
    from mockint.judge import Judge

__all__ = [
    "DiffRow",
    "ExampleRun",
    "RubricTestReport",
    "example_mismatches",
    "run_examples",
    "run_examples_file",
]

GraderName = Literal["deterministic", "llm"]


@dataclass(frozen=True)
class DiffRow:
    """One expected item of an example and what the grader concluded.

    Attributes:
        kind: ``key point``, ``mistake`` or ``score``.
        id: The key point or mistake id (empty for the score).
        expected: The expected verdict, ``made``/``not made``, or ``[low, high]``.
        actual: What the grader concluded.
        ok: Whether they agree.
    """

    kind: str
    id: str
    expected: str
    actual: str
    ok: bool

    def problem(self) -> str:
        """The one-line description of a mismatch."""
        if self.kind == "score":
            return f"score {self.actual} not in {self.expected}"
        return f"{self.kind} {self.id}: expected {self.expected}, got {self.actual}"


@dataclass
class ExampleRun:
    """One example graded by one grader.

    Attributes:
        index: The example's index in the rubric.
        label: Its label.
        grader: ``deterministic`` or ``llm``.
        rows: Expected vs actual, per expected item.
        note: Why the run could not be compared (e.g. the judge failed); then ``rows`` is empty.
    """

    index: int
    label: str
    grader: GraderName
    rows: list[DiffRow] = field(default_factory=list)
    note: str | None = None

    @property
    def passed(self) -> bool:
        """True when every expected item agrees (a run that could not be compared is not a failure)."""
        return all(row.ok for row in self.rows)

    def diff(self) -> list[str]:
        """Unified-diff-like lines: `` `` for agreement, ``-`` expected and ``+`` actual for a mismatch."""
        lines = [f"--- expected  examples[{self.index}] ({self.label})", f"+++ actual    ({self.grader} grader)"]
        for row in self.rows:
            name = f"{row.kind} {row.id}".strip()
            if row.ok:
                lines.append(f"  {name}: {row.actual}")
            else:
                lines.append(f"- {name}: {row.expected}")
                lines.append(f"+ {name}: {row.actual}")
        return lines


def _rows(example: Example, grade: Grade) -> list[DiffRow]:
    rows: list[DiffRow] = []
    verdicts = {c.id: c.verdict for c in grade.criteria}
    for criterion_id, expected in example.expect.criteria.items():
        actual = verdicts[criterion_id]
        rows.append(DiffRow("key point", criterion_id, expected, actual, actual == expected))
    committed = {m.id: m.committed for m in grade.mistakes}
    for mistake_id, expected_committed in example.expect.mistakes.items():
        actual_word = "made" if committed[mistake_id] else "not made"
        expected_word = "made" if expected_committed else "not made"
        rows.append(DiffRow("mistake", mistake_id, expected_word, actual_word, actual_word == expected_word))
    if example.expect.score is not None and grade.score is not None:
        low, high = example.expect.score
        rows.append(DiffRow("score", "", f"[{low:g}, {high:g}]", f"{grade.score:.2f}", low <= grade.score <= high))
    return rows


def example_mismatches(rubric: Rubric, example: Example) -> list[str]:
    """Grade one example with the rubric's checks and describe how it differs from its expectation.

    The optional meaning layer is left out: an example tests what the rubric's checks find.

    Args:
        rubric: The rubric the example belongs to.
        example: The example answer and its expected verdicts.

    Returns:
        One line per difference; empty when the example passes.
    """
    return [
        row.problem()
        for row in _rows(example, grade_answer(example.answer, rubric, by_meaning_too=False))
        if not row.ok
    ]


@dataclass
class RubricTestReport:
    """The outcome of a rubric's example tests.

    Attributes:
        examples: How many examples ran.
        failed_examples: Indexes of the examples that failed with any grader.
        mismatches: ``FILE: examples[i] (label): problem`` lines (``[llm]`` marks the LLM run's).
        runs: Every graded run, for the diff.
        skipped: Runs that could not be compared (the judge failed), with the reason.
    """

    examples: int = 0
    failed_examples: list[int] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    runs: list[ExampleRun] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failed_runs(self) -> list[ExampleRun]:
        """The runs with a mismatch."""
        return [run for run in self.runs if not run.passed]


def run_examples(rubric: Rubric, where: str = "", judge: Judge | None = None) -> RubricTestReport:
    """Run every example of a rubric through the deterministic grader, and the LLM judge when given.

    Args:
        rubric: The rubric.
        where: Prefix for messages (the file name).
        judge: An LLM judge; its run is compared too (a judge failure is reported as skipped, not failed).

    Returns:
        The report.
    """
    report = RubricTestReport()
    prefix = f"{where}: " if where else ""
    for index, example in enumerate(rubric.examples):
        report.examples += 1
        runs = [
            ExampleRun(
                index,
                example.label,
                "deterministic",
                _rows(example, grade_answer(example.answer, rubric, by_meaning_too=False)),
            )
        ]
        if judge is not None:
            grade = grade_answer(example.answer, rubric, judge, answer_id=f"examples[{index}]", by_meaning_too=False)
            if grade.grader == "deterministic":
                reason = next((w for w in grade.warnings if "judge" in w), "the judge was not used")
                note = f"{prefix}examples[{index}] ({example.label}): LLM run not compared: {reason}"
                runs.append(ExampleRun(index, example.label, "llm", note=note))
                report.skipped.append(note)
            else:
                runs.append(ExampleRun(index, example.label, "llm", _rows(example, grade)))
        report.runs.extend(runs)
        failed = False
        for run in runs:
            tag = " [llm]" if run.grader == "llm" else ""
            for row in run.rows:
                if not row.ok:
                    failed = True
                    report.mismatches.append(f"{prefix}examples[{index}] ({example.label}){tag}: {row.problem()}")
        if failed:
            report.failed_examples.append(index)
    return report


def run_examples_file(path: Path, judge: Judge | None = None) -> RubricTestReport:
    """Load a rubric file and run its examples (``RubricError`` if the file is invalid)."""
    return run_examples(load_rubric(path), str(path), judge)
