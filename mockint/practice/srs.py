"""Spaced repetition: SM-2 per key point, and the order of the questions of a session.

**SM-2 per key point.** Each key point is a card; each graded answer is a review of every key point of its
question, with a quality from 0 to 5 derived from the verdicts (:data:`QUALITY`): met unprompted 5, recovered
after the follow-up prompt 3, partial 2, partial only after the prompt 1, missed 0. SM-2 (Wozniak, 1990) was
chosen over FSRS because FSRS's strength is a memory model with ~20 weights fitted to thousands of reviews,
while a candidate produces a few reviews per key point over weeks: with so little data FSRS runs on its
defaults, and SM-2's three numbers per card (repetitions, ease, interval) are transparent, deterministic and easy
to explain in ``mockint progress``. Its 0-5 quality scale also fits verdicts plus "prompted or not" naturally.
Variations, each for a reason:

* Ease is updated on every review, lapses included (as Anki does), floored at 1.3: a key point missed again
  and again should come back more often than one missed once.
* Due dates are on day boundaries in local time (as Anki's): practise in the evening, come back the next
  morning, and yesterday's misses are due.
* A second successful review on the same day updates mastery but not the schedule: cramming a question twice
  in a row is not two spaced recalls. A lapse always resets.
* *Mastery* (0..1) is an exponential moving average of quality / 5 (half weight on the newest review), a
  readable estimate beside SM-2's schedule.

The state is never stored: it is recomputed from the stored verdicts (``key_point_reviews``), so it cannot
drift from the history, and changing the algorithm needs no migration.

**Question order** without ``--question``: due questions (any key point due), weakest first; then weak ones
(mastery below :data:`WEAK_MASTERY`) not yet due; then unseen ones; then the rest, soonest due first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from mockint.errors import InputError
from mockint.models import Rubric
from mockint.practice.records import Review

__all__ = [
    "INITIAL_EASE",
    "MIN_EASE",
    "QUALITY",
    "WEAK_MASTERY",
    "KeyPointState",
    "Outcome",
    "QuestionGroup",
    "QuestionStatus",
    "outcome_of",
    "pick_questions",
    "plan_questions",
    "review",
    "schedule",
]

Outcome = Literal["met", "recovered", "partial", "recovered_partial", "missed"]

QUALITY: dict[Outcome, int] = {"met": 5, "recovered": 3, "partial": 2, "recovered_partial": 1, "missed": 0}
"""SM-2 response quality (0-5) of each key point outcome."""

WEAK_MASTERY = 0.6
"""Questions whose weighted mastery is below this are asked before unseen ones even when not due."""

INITIAL_EASE = 2.5
"""SM-2's E-factor of a key point never reviewed."""

MIN_EASE = 1.3
"""SM-2's floor on the E-factor."""

# SM-2's first two intervals, in days.
_FIRST_INTERVAL = 1
_SECOND_INTERVAL = 6


def outcome_of(verdict: str, followup_verdict: str | None) -> Outcome:
    """Combine a key point's unprompted verdict with its verdict after a follow-up (``None``: not probed)."""
    if verdict == "met":
        return "met"
    if followup_verdict == "met":
        return "recovered"
    if verdict == "partial":
        return "partial"
    if followup_verdict == "partial":
        return "recovered_partial"
    return "missed"


@dataclass(frozen=True)
class KeyPointState:
    """The SM-2 state of one key point (a card), folded from its reviews.

    Attributes:
        question_id: The question (rubric) id.
        criterion_id: The key point id.
        reviews: Graded answers that reviewed it.
        repetitions: Successful reviews in a row (quality >= 3) on separate days.
        ease: SM-2's E-factor (>= 1.3): how fast the interval grows.
        interval_days: Days from the last review's day to the due day.
        mastery: Moving average of quality / 5 (0..1).
        last_reviewed: When it was last reviewed.
        due: When it is due again; ``None`` if never reviewed.
        last_outcome: The last review's outcome.
    """

    question_id: str
    criterion_id: str
    reviews: int = 0
    repetitions: int = 0
    ease: float = INITIAL_EASE
    interval_days: int = 0
    mastery: float = 0.0
    last_reviewed: datetime | None = None
    due: datetime | None = None
    last_outcome: Outcome | None = None

    def is_due(self, now: datetime) -> bool:
        """Whether it should be asked now (a key point never reviewed is due)."""
        return self.due is None or self.due <= now


def _day_start(moment: datetime, tz: tzinfo | None) -> datetime:
    local = moment.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def review(state: KeyPointState, outcome: Outcome, at: datetime, tz: tzinfo | None = None) -> KeyPointState:
    """Apply one review to a key point's SM-2 state (see the module docstring for the variations).

    Args:
        state: The state before the review.
        outcome: How the key point came out in the graded answer.
        at: When the answer was graded (timezone-aware).
        tz: The time zone whose midnight starts a day (``None``: the local one).

    Returns:
        The new state.
    """
    quality = QUALITY[outcome]
    mastery = quality / 5 if state.reviews == 0 else round(0.5 * state.mastery + 0.5 * quality / 5, 4)
    same_day = state.last_reviewed is not None and _day_start(state.last_reviewed, tz) == _day_start(at, tz)
    if same_day and quality >= 3:
        return replace(state, reviews=state.reviews + 1, mastery=mastery, last_reviewed=at, last_outcome=outcome)
    ease = max(MIN_EASE, state.ease + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
    if quality >= 3:
        repetitions = state.repetitions + 1
        if repetitions == 1:
            interval = _FIRST_INTERVAL
        elif repetitions == 2:
            interval = _SECOND_INTERVAL
        else:
            interval = max(1, round(state.interval_days * state.ease))
    else:
        repetitions, interval = 0, _FIRST_INTERVAL
    return KeyPointState(
        question_id=state.question_id,
        criterion_id=state.criterion_id,
        reviews=state.reviews + 1,
        repetitions=repetitions,
        ease=round(ease, 4),
        interval_days=interval,
        mastery=mastery,
        last_reviewed=at,
        due=_day_start(at, tz) + timedelta(days=interval),
        last_outcome=outcome,
    )


def schedule(reviews: Iterable[Review], tz: tzinfo | None = None) -> dict[tuple[str, str], KeyPointState]:
    """Fold stored reviews (oldest first) into the SM-2 state of every key point reviewed.

    Returns:
        State by ``(question_id, criterion_id)``.
    """
    states: dict[tuple[str, str], KeyPointState] = {}
    for item in sorted(reviews, key=lambda r: r.reviewed_at):
        key = (item.question_id, item.criterion_id)
        state = states.get(key) or KeyPointState(item.question_id, item.criterion_id)
        states[key] = review(state, outcome_of(item.verdict, item.followup_verdict), item.reviewed_at, tz)
    return states


QuestionGroup = Literal["due", "weak", "unseen", "later"]


@dataclass(frozen=True)
class QuestionStatus:
    """Where a question stands for spaced repetition.

    Attributes:
        rubric: The question.
        group: ``due``, ``weak`` (not due but weak), ``unseen`` or ``later``.
        mastery: Weight-averaged mastery of its key points (0 for never-reviewed ones); ``None`` if unseen.
        due: The earliest due time of its key points; ``None`` if unseen.
        key_points: The state of each key point, in rubric order.
    """

    rubric: Rubric
    group: QuestionGroup
    mastery: float | None
    due: datetime | None
    key_points: list[KeyPointState]


_GROUP_ORDER: dict[QuestionGroup, int] = {"due": 0, "weak": 1, "unseen": 2, "later": 3}


def plan_questions(
    rubrics: Iterable[Rubric], states: Mapping[tuple[str, str], KeyPointState], now: datetime
) -> list[QuestionStatus]:
    """Every question with its status, in the order an interview without ``--question`` asks them.

    Due questions come first, weakest first; then weak ones not yet due; then unseen ones (in the order
    given); then the rest, soonest due first.
    """
    statuses: list[QuestionStatus] = []
    for rubric in rubrics:
        points = [states.get((rubric.id, c.id)) or KeyPointState(rubric.id, c.id) for c in rubric.criteria]
        seen = any(point.reviews for point in points)
        if not seen:
            statuses.append(QuestionStatus(rubric, "unseen", None, None, points))
            continue
        total = sum(c.weight for c in rubric.criteria)
        mastery = round(sum(c.weight * p.mastery for c, p in zip(rubric.criteria, points, strict=True)) / total, 4)
        # A key point added to the rubric after the last answer has no due date: it is due now.
        due = min((p.due if p.due is not None else now) for p in points)
        if due <= now:
            group: QuestionGroup = "due"
        elif mastery < WEAK_MASTERY:
            group = "weak"
        else:
            group = "later"
        statuses.append(QuestionStatus(rubric, group, mastery, due, points))
    order = {status.rubric.id: index for index, status in enumerate(statuses)}

    def key(status: QuestionStatus) -> tuple[int, float, float, int]:
        rank = _GROUP_ORDER[status.group]
        weakness = status.mastery if status.mastery is not None else 0.0
        due = status.due.timestamp() if status.due is not None else 0.0
        if status.group == "later":
            return rank, due, weakness, order[status.rubric.id]
        return rank, weakness, due, order[status.rubric.id]

    return sorted(statuses, key=key)


def pick_questions(
    rubrics: Iterable[Rubric],
    reviews: Iterable[Review],
    now: datetime,
    *,
    topic: str | None = None,
    count: int | None = None,
    tz: tzinfo | None = None,
) -> list[Rubric]:
    """Choose the questions of a session: due and weak first, then unseen, then the rest.

    Args:
        rubrics: The questions to choose from.
        reviews: The stored key point reviews.
        now: The current time (timezone-aware).
        topic: Only questions with this topic (case-insensitive).
        count: At most this many questions.
        tz: The time zone of day boundaries (``None``: local).

    Returns:
        The questions in the order to ask them.

    Raises:
        InputError: No question has the topic; the message lists the topics there are.
    """
    pool = list(rubrics)
    if topic is not None:
        wanted = topic.strip().casefold()
        chosen = [rubric for rubric in pool if rubric.topic.casefold() == wanted]
        if not chosen:
            topics = ", ".join(sorted({r.topic for r in pool if r.topic})) or "(none)"
            raise InputError(f"--topic {topic}: no question has this topic; known topics: {topics}")
        pool = chosen
    planned = [status.rubric for status in plan_questions(pool, schedule(reviews, tz), now)]
    return planned[:count] if count is not None else planned
