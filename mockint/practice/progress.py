"""Progress for ``mockint progress``: attempts and scores per question, SM-2 state per key point, what comes next.

Everything is derived from the stored reviews and graded answers (:mod:`mockint.practice.srs` folds the
reviews), so the report can never disagree with the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from mockint.models import Rubric
from mockint.practice.records import Attempt, Review
from mockint.practice.srs import KeyPointState, QuestionGroup, plan_questions, schedule

__all__ = [
    "KeyPointProgress",
    "ProgressReport",
    "QuestionProgress",
    "SpeechTrend",
    "build_progress",
    "sparkline",
    "speech_trend_lines",
]


@dataclass(frozen=True)
class SpeechTrend:
    """How one session's spoken answers were said, on average.

    Attributes:
        session_id: The session.
        at: When its first spoken answer was given.
        answers: Graded spoken answers in it.
        wpm: Mean words per minute over the answers that have a pace.
        filler_rate: Mean filler words per 100 words.
    """

    session_id: int
    at: datetime
    answers: int
    wpm: float | None
    filler_rate: float | None


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
        speech: Per session with spoken answers, oldest first: pace and filler rate (empty without any).
    """

    generated_at: datetime
    questions: list[QuestionProgress]
    key_points: list[KeyPointProgress]
    next: list[str]
    speech: list[SpeechTrend] = field(default_factory=list)

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
            "speech": [
                {
                    "session_id": t.session_id,
                    "at": iso(t.at),
                    "answers": t.answers,
                    "wpm": t.wpm,
                    "filler_rate": t.filler_rate,
                }
                for t in self.speech
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
    return ProgressReport(now, questions, key_points, [status.rubric.id for status in plan], _speech(attempts))


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _speech(attempts: Iterable[Attempt]) -> list[SpeechTrend]:
    by_session: dict[int, list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda a: a.answered_at):
        spoken = attempt.wpm is not None or attempt.filler_rate is not None
        if spoken and attempt.session_id is not None:
            by_session.setdefault(attempt.session_id, []).append(attempt)
    trend = [
        SpeechTrend(
            session_id=session_id,
            at=tries[0].answered_at,
            answers=len(tries),
            wpm=_mean([t.wpm for t in tries if t.wpm is not None]),
            filler_rate=_mean([t.filler_rate for t in tries if t.filler_rate is not None]),
        )
        for session_id, tries in by_session.items()
    ]
    return sorted(trend, key=lambda t: t.at)


def speech_trend_lines(trend: Sequence[SpeechTrend]) -> list[str]:
    """``mockint progress``'s lines on spoken answers: pace and fillers, first session to last (none without any)."""
    if not trend:
        return []
    lines = [f"Spoken answers: {sum(t.answers for t in trend)} in {len(trend)} session{'s' if len(trend) != 1 else ''}"]
    for label, values in (
        ("words per minute", [t.wpm for t in trend]),
        ("filler words per 100 words", [t.filler_rate for t in trend]),
    ):
        known = [value for value in values if value is not None]
        if not known:
            continue
        figures = " → ".join(f"{value:g}" for value in known[-_TREND_POINTS:])
        lines.append(f"  {label}: {figures}")
    return lines


# Enough sessions to see a trend in one line.
_TREND_POINTS = 8


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """A one-line chart of scores in ``[0, 1]`` (one block per value, on an absolute scale)."""
    return "".join(_BARS[min(len(_BARS) - 1, max(0, int(value * len(_BARS))))] for value in values)
