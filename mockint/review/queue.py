"""The review queue: the grades that most need a person, first.

An answer's need of review adds up what casts doubt on its grade:

* each key point where the judge and the deterministic checks disagree (``agree: false``): 3;
* the grade fell back to the deterministic checks after a judge failure (``fallback`` set): 3;
* each judge verdict whose quoted evidence was not found in the answer (an ``(unverified)`` warning): 2;
* judges that disagree: ``4 x (1 - stability)``, when the record has a ``stability``;
* a score near the pass mark: up to 2, falling linearly to 0 at :data:`NEAR_PASS_MARK` away from it (an answer
  that might pass or fail is worth a look even when nothing else is wrong).

Ties keep the grades file's order. Records that could not be graded (``error`` set) are not reviewed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mockint.errors import InputError
from mockint.models import Grade, Rubric

__all__ = ["NEAR_PASS_MARK", "GradeLine", "ReviewItem", "read_answer_texts", "read_grades", "review_queue"]

NEAR_PASS_MARK = 0.15
"""How far from the pass mark (on 0..1) a score still counts as near it."""
# How much each sign adds to an answer's need of review (the HTML report weighs them the same way).
DISAGREE_WEIGHT = 3.0
FALLBACK_WEIGHT = 3.0
UNVERIFIED_WEIGHT = 2.0
UNSTABLE_WEIGHT = 4.0
NEAR_WEIGHT = 2.0


@dataclass
class GradeLine:
    """One line of a grades file.

    Attributes:
        data: The JSON object as written (kept whole, so fields added later survive a correction).
        grade: The same, validated.
        where: ``FILE:LINE``.
    """

    data: dict[str, Any]
    grade: Grade
    where: str


@dataclass
class ReviewItem:
    """One answer to review.

    Attributes:
        line: The grade.
        answer: The answer text.
        rubric: Its rubric.
        need: How much it needs a person (see the module's docs); 0 when nothing casts doubt on it.
        reasons: Why, one phrase per cause.
    """

    line: GradeLine
    answer: str
    rubric: Rubric
    need: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The answer's id."""
        return self.line.grade.id or self.line.where


def read_grades(path: Path) -> list[GradeLine]:
    """Read a grades file (``mockint grade --format jsonl`` output).

    Raises:
        InputError: The file cannot be read, or a line is not a grade (``FILE:LINE: field: problem; fix``).
    """
    from mockint.files import parse_json_line, read_text

    text = read_text(path, "a grades .jsonl file written by `mockint grade --format jsonl`")
    lines: list[GradeLine] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        where = f"{path}:{number}"
        parsed = parse_json_line(raw.encode("utf-8"))
        if parsed is None:
            continue
        if parsed.error is not None:
            raise InputError(f"{where}: {parsed.error}")
        if not isinstance(parsed.data, dict) or "score" not in parsed.data:
            raise InputError(f"{where}: not a mockint grade; pass the JSONL that `mockint grade` wrote")
        try:
            grade = Grade.model_validate(parsed.data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = ".".join(str(part) for part in first["loc"]) or "(record)"
            raise InputError(
                f"{where}: {field_name}: {first['msg']}; pass the JSONL that `mockint grade` wrote"
            ) from None
        lines.append(GradeLine(parsed.data, grade, where))
    if not lines:
        raise InputError(f"{path}: no grades in the file; grade the answers first with `mockint grade -o FILE.jsonl`")
    return lines


def read_answer_texts(paths: Sequence[Path]) -> dict[str, str]:
    """The answer text of each id in answers files (what ``mockint grade`` read).

    Raises:
        InputError: A file cannot be read; a bad record is skipped (it was not graded either).
    """
    # The grade command's own reader, so that review sees the very records that were graded.
    from mockint.batch.answers import read_answers

    texts: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in paths:
        for record in read_answers(path, seen):
            if record.answer is not None:
                texts[record.answer.id] = record.answer.answer
    return texts


def _need(line: GradeLine, pass_mark: float) -> tuple[float, list[str]]:
    grade, data = line.grade, line.data
    need = 0.0
    reasons: list[str] = []
    disagree = sum(1 for c in grade.criteria if c.agree is False)
    if disagree:
        need += DISAGREE_WEIGHT * disagree
        reasons.append(f"judge and checks disagree on {disagree} key point{'s' if disagree > 1 else ''}")
    if grade.fallback:
        need += FALLBACK_WEIGHT
        reasons.append(f"judge failed ({grade.fallback}), graded by the checks alone")
    unverified = sum(1 for warning in grade.warnings if "(unverified)" in warning)
    if unverified:
        need += UNVERIFIED_WEIGHT * unverified
        reasons.append(f"{unverified} judge quote{'s' if unverified > 1 else ''} not found in the answer")
    stability = data.get("stability")
    if isinstance(stability, int | float) and not isinstance(stability, bool) and stability < 1:
        need += UNSTABLE_WEIGHT * (1 - float(stability))
        reasons.append(f"judges disagree (stability {stability:.2f})")
    score = grade.score or 0.0
    distance = abs(score - pass_mark)
    if distance <= NEAR_PASS_MARK:
        need += NEAR_WEIGHT * (1 - distance / NEAR_PASS_MARK)
        reasons.append(f"score {score:.2f} near the pass mark {pass_mark:.2f}")
    return need, reasons


def review_queue(
    lines: Sequence[GradeLine], answers: Mapping[str, str], rubrics: Mapping[str, Rubric], pass_mark: float = 0.5
) -> list[ReviewItem]:
    """The gradeable answers, most in need of review first.

    Args:
        lines: The grades.
        answers: The answer text by id.
        rubrics: The rubrics by id.
        pass_mark: The pass mark on mockint's 0..1 scale.

    Returns:
        The queue.

    Raises:
        InputError: A grade's answer or rubric is missing (the grade's line named).
    """
    items: list[ReviewItem] = []
    for line in lines:
        grade = line.grade
        if grade.error is not None or grade.score is None or grade.id is None:
            continue
        if grade.id not in answers:
            raise InputError(
                f"{line.where}: id: no answer {grade.id!r} in the answers files; pass the file that was graded "
                "with --answers"
            )
        rubric = rubrics.get(grade.question_id or "")
        if rubric is None:
            raise InputError(
                f"{line.where}: question_id: no rubric {grade.question_id!r}; pass the rubrics it was graded with "
                "(--rubrics DIR)"
            )
        need, reasons = _need(line, pass_mark)
        items.append(ReviewItem(line, answers[grade.id], rubric, need, reasons))
    # sorted() is stable: equal needs keep the file's order.
    return sorted(items, key=lambda item: -item.need)
