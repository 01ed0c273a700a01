"""``mockint calibrate`` as one call: grade the labelled answers (or take their grades) and fit the calibration."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mockint.errors import InputError
from mockint.review.calibration import MIN_QUESTION_LABELS, PRIOR_WEIGHT, Calibration, Scored, fit_calibration
from mockint.review.labels import Label, read_label_file
from mockint.rubrics import RubricSet

if TYPE_CHECKING:
    from mockint.judge import Judge

__all__ = ["CalibrationRun", "calibrate", "deterministic_layers"]


@dataclass
class CalibrationRun:
    """What a calibration was fitted on.

    Attributes:
        calibration: The fitted calibration.
        labels: Labels used.
        open_labels: Labels left out because their review was not finished (``state: open``).
    """

    calibration: Calibration
    labels: int
    open_labels: int


def deterministic_layers() -> list[str]:
    """The deterministic layers this process grades with, as grades name them in ``layers``."""
    from mockint.grading import meaning

    name = meaning.layer_name()
    return ["lexical", f"semantic:{name}"] if name else ["lexical"]


def _from_grades(labels: Sequence[Label], grades: Path) -> tuple[list[Scored], str, str | None, str | None, list[str]]:
    from mockint.review.queue import read_grades

    by_id = {line.grade.id: line for line in read_grades(grades)}
    scored: list[Scored] = []
    kinds: Counter[tuple[str, str | None, str | None, tuple[str, ...]]] = Counter()
    for label in labels:
        line = by_id.get(label.id)
        if line is None or line.grade.score is None:
            raise InputError(
                f"{label.where}: id: no grade for {label.id!r} in {grades}; grade the labelled answers into it, "
                "or drop --grades to grade them now"
            )
        grade = line.grade
        assert grade.score is not None  # checked above
        if grade.question_id != label.question_id:
            raise InputError(
                f"{label.where}: question_id: {label.question_id!r}, but {line.where} grades it for "
                f"{grade.question_id!r}; fix the label or pass the right grades file"
            )
        grader = "deterministic" if grade.grader == "deterministic" else "llm"
        kinds[(grader, grade.model, grade.prompt_version, tuple(grade.layers))] += 1
        verdicts = {c.id: c.verdict for c in grade.criteria}
        scored.append(Scored(label.question_id, grade.score, label.score, label.score_max, verdicts, label.labels))
    (grader, model, prompt_version, layers), _ = kinds.most_common(1)[0]
    return scored, grader, model, prompt_version, list(layers)


def _graded_now(
    labels: Sequence[Label], rubrics: RubricSet, judge: Judge | None, concurrency: int
) -> tuple[list[Scored], str]:
    from mockint.authoring.evaluation import evaluate
    from mockint.authoring.labels import LabelRecord

    records = [
        LabelRecord(label.id, label.question_id, label.answer, label.score, label.score_max, label.labels, label.where)
        for label in labels
    ]
    report = evaluate(records, rubrics, judge, concurrency=concurrency)
    if report.errors:
        raise InputError(report.errors[0])
    scored = [
        Scored(g.record.question_id, g.predicted, g.record.score, g.record.score_max, g.verdicts, g.record.labels)
        for g in report.graded
    ]
    return scored, report.grader


def calibrate(
    label_paths: Sequence[Path],
    rubrics: RubricSet,
    judge: Judge | None = None,
    *,
    grades: Path | None = None,
    model: str | None = None,
    prompt_version: str | None = None,
    score_max: float | None = None,
    concurrency: int = 4,
    min_question_labels: int = MIN_QUESTION_LABELS,
    prior_weight: float = PRIOR_WEIGHT,
) -> CalibrationRun:
    """Fit a calibration on a teacher's labels.

    Args:
        label_paths: Labels files (``mockint review``'s, or any ``mockint eval`` input).
        rubrics: The rubrics the answers are graded with.
        judge: The LLM judge, or ``None`` to grade deterministically (ignored with ``grades``).
        grades: Take mockint's grades from this file (``mockint grade`` JSONL, matched by id) instead of grading.
        model: The judge's model, recorded with LLM grades.
        prompt_version: The judge prompt's version, recorded with LLM grades.
        score_max: The top of the teacher's scale for labels without ``score_max``.
        concurrency: Judge requests in flight at most.
        min_question_labels: Labels a question needs for a map of its own.
        prior_weight: How many labels the pooled map counts for in a question's own map.

    Returns:
        The calibration and what it was fitted on.

    Raises:
        InputError: A file or label is bad, a label has no rubric or no grade.
    """
    every = read_label_file(label_paths, score_max)
    labels = [label for label in every if label.state == "done"]
    if not labels:
        raise InputError("no finished labels to calibrate on; finish some answers in `mockint review` (key a)")
    for label in labels:
        if label.question_id not in rubrics:
            raise InputError(
                f"{label.where}: question_id: no rubric {label.question_id!r}; pass the rubrics the answers were "
                "graded with (--rubrics DIR)"
            )
    if grades is not None:
        scored, grader, model, prompt_version, layers = _from_grades(labels, grades)
    else:
        scored, grader = _graded_now(labels, rubrics, judge, concurrency)
        layers = deterministic_layers()
        if grader == "deterministic":
            model = prompt_version = None
    calibration = fit_calibration(
        scored,
        rubrics,
        grader=grader,
        model=model,
        prompt_version=prompt_version,
        layers=layers,
        min_question_labels=min_question_labels,
        prior_weight=prior_weight,
    )
    return CalibrationRun(calibration, len(labels), len(every) - len(labels))
