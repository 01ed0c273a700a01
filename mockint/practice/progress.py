"""Progress for ``mockint progress``: attempts and scores per question, SM-2 state per key point, what comes next.

Everything is derived from the stored reviews and graded answers (:mod:`mockint.practice.srs` folds the
reviews), so the report can never disagree with the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from mockint.models import Rubric
from mockint.practice.records import Attempt, Review
from mockint.practice.srs import KeyPointState, QuestionGroup, plan_questions, schedule

__all__ = ["KeyPointProgress", "ProgressReport", "QuestionProgress", "build_progress", "sparkline"]


@dataclass(frozen=True)
class QuestionProgress:
    """Progress on one question: attempts, scores over time, mastery and due date."""

    id: str
    title: str
    topic: str
    attempts: int
    last_score: float | None
    best_score: float | None
    scores: list[tuple[datetime, float]]
    mastery: float | None
    due: datetime | None
    group: QuestionGroup


@dataclass(frozen=True)
class KeyPointProgress:
    """Progress on one key point: its SM-2 state."""

    question_id: str
    id: str
    text: str
    weight: float
    state: KeyPointState


@dataclass(frozen=True)
class ProgressReport:
    """What ``mockint progress`` shows.

    Attributes:
        generated_at: The time the report was made.
        questions: One entry per question, in the order they would be asked.
        key_points: One entry per key point, grouped by question in the same order.
        next: The question ids in the order ``mockint interview`` would ask them.
    """

    generated_at: datetime
    questions: list[QuestionProgress]
    key_points: list[KeyPointProgress]
    next: list[str]

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data (``mockint progress --format json``)."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "generated_at": iso(self.generated_at),
            "algorithm": "sm2",
            "next": self.next,
            "questions": [
                {
                    "id": q.id,
                    "title": q.title,
                    "topic": q.topic,
                    "attempts": q.attempts,
                    "last_score": q.last_score,
                    "best_score": q.best_score,
                    "scores": [{"at": iso(at), "score": value} for at, value in q.scores],
                    "mastery": q.mastery,
                    "due": iso(q.due),
                    "status": q.group,
                }
                for q in self.questions
            ],
            "key_points": [
                {
                    "question_id": k.question_id,
                    "id": k.id,
                    "text": k.text,
                    "weight": k.weight,
                    "reviews": k.state.reviews,
                    "mastery": k.state.mastery if k.state.reviews else None,
                    "due": iso(k.state.due),
                    "is_due": k.state.is_due(self.generated_at),
                    "interval_days": k.state.interval_days,
                    "ease": k.state.ease,
                    "last_outcome": k.state.last_outcome,
                }
                for k in self.key_points
            ],
        }


def build_progress(
    rubrics: Iterable[Rubric],
    reviews: Iterable[Review],
    attempts: Iterable[Attempt],
    now: datetime,
    tz: tzinfo | None = None,
) -> ProgressReport:
    """Progress per question and per key point, and the order of the next interview.

    Args:
        rubrics: The questions.
        reviews: The stored key point reviews.
        attempts: The stored graded answers.
        now: The current time (timezone-aware).
        tz: The time zone of day boundaries (``None``: local).

    Returns:
        The report.
    """
    plan = plan_questions(rubrics, schedule(reviews, tz), now)
    by_question: dict[str, list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda a: a.answered_at):
        by_question.setdefault(attempt.question_id, []).append(attempt)
    questions: list[QuestionProgress] = []
    key_points: list[KeyPointProgress] = []
    for status in plan:
        rubric = status.rubric
        tries = by_question.get(rubric.id, [])
        questions.append(
            QuestionProgress(
                id=rubric.id,
                title=rubric.title,
                topic=rubric.topic,
                attempts=len(tries),
                last_score=tries[-1].score if tries else None,
                best_score=max(t.score for t in tries) if tries else None,
                scores=[(t.answered_at, t.score) for t in tries],
                mastery=status.mastery,
                due=status.due,
                group=status.group,
            )
        )
        key_points.extend(
            KeyPointProgress(rubric.id, c.id, c.text, c.weight, state)
            for c, state in zip(rubric.criteria, status.key_points, strict=True)
        )
    return ProgressReport(now, questions, key_points, [status.rubric.id for status in plan])


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """A one-line chart of scores in ``[0, 1]`` (one block per value, on an absolute scale)."""
    return "".join(_BARS[min(len(_BARS) - 1, max(0, int(value * len(_BARS))))] for value in values)
