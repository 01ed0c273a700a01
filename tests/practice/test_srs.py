"""Spaced repetition (SM-2 per key point) and question order, by hand."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import pytest

from mockint.models import Rubric
from mockint.practice.records import Review
from mockint.practice.srs import KeyPointState, outcome_of, plan_questions, review, schedule
from mockint.rubrics import RubricSet, load_rubrics

DAY1 = datetime(2025, 3, 3, 20, 0, tzinfo=UTC)  # an evening practice


@functools.cache
def shipped() -> RubricSet:
    """The shipped rubrics, loaded once per test module (loading takes ~0.2 s)."""
    return load_rubrics()


def rubric(question_id: str) -> Rubric:
    return shipped().get_rubric(question_id)


@pytest.mark.parametrize(
    ("verdict", "after", "outcome"),
    [
        ("met", None, "met"),
        ("met", "missed", "met"),
        ("missed", "met", "recovered"),
        ("partial", "met", "recovered"),
        ("partial", None, "partial"),
        ("partial", "missed", "partial"),
        ("missed", "partial", "recovered_partial"),
        ("missed", "missed", "missed"),
        ("missed", None, "missed"),
    ],
)
def test_outcome_of(verdict: str, after: str | None, outcome: str) -> None:
    assert outcome_of(verdict, after) == outcome


def test_sm2_by_hand() -> None:
    state = KeyPointState("q", "k")
    # met (quality 5): first repetition, 1 day; ease 2.5 + 0.1 = 2.6; due next local midnight + 1 day
    state = review(state, "met", DAY1, UTC)
    assert (state.repetitions, state.interval_days, state.ease, state.mastery) == (1, 1, 2.6, 1.0)
    assert state.due == datetime(2025, 3, 4, tzinfo=UTC)
    # recovered after a prompt (quality 3): second repetition, 6 days; ease 2.6 + 0.1 - 2*(0.08+0.04) = 2.46
    state = review(state, "recovered", DAY1 + timedelta(days=1), UTC)
    assert (state.repetitions, state.interval_days, state.ease) == (2, 6, 2.46)
    assert state.mastery == 0.8  # 0.5 * 1.0 + 0.5 * 0.6
    assert state.due == datetime(2025, 3, 10, tzinfo=UTC)
    # met again: interval 6 * 2.46 = 14.76 -> 15 days
    state = review(state, "met", DAY1 + timedelta(days=7), UTC)
    assert (state.repetitions, state.interval_days, state.ease) == (3, 15, 2.56)
    # missed (quality 0): a lapse resets to 1 day; ease 2.56 + 0.1 - 5*(0.08+0.1) = 1.76
    state = review(state, "missed", DAY1 + timedelta(days=22), UTC)
    assert (state.repetitions, state.interval_days, state.ease, state.reviews) == (0, 1, 1.76, 4)
    assert state.last_outcome == "missed" and state.mastery == 0.45  # 0.5 * 0.9 + 0


def test_ease_has_a_floor_and_cramming_the_same_day_does_not_advance() -> None:
    state = KeyPointState("q", "k")
    for day in range(5):
        state = review(state, "missed", DAY1 + timedelta(days=day), UTC)
    assert state.ease == 1.3 and state.interval_days == 1
    fresh = review(KeyPointState("q", "k"), "met", DAY1, UTC)
    crammed = review(fresh, "met", DAY1 + timedelta(minutes=5), UTC)
    assert (crammed.repetitions, crammed.interval_days, crammed.due) == (1, 1, fresh.due)
    assert crammed.reviews == 2
    # but a lapse the same day still resets
    lapsed = review(fresh, "missed", DAY1 + timedelta(minutes=5), UTC)
    assert lapsed.repetitions == 0


def test_due_the_next_morning() -> None:
    state = review(KeyPointState("q", "k"), "partial", DAY1, UTC)  # 20:00
    next_morning = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)  # 12 h later, not 24
    assert not state.is_due(DAY1 + timedelta(hours=1))
    assert state.is_due(next_morning)


def reviews_for(question_id: str, verdicts: dict[str, str], at: datetime) -> list[Review]:
    return [Review(question_id, cid, at, verdict, None) for cid, verdict in verdicts.items()]


def all_of(question_id: str, verdict: str) -> dict[str, str]:
    return {c.id: verdict for c in rubric(question_id).criteria}


def test_question_order_due_and_weak_first_then_unseen_then_the_rest() -> None:
    rubrics = list(shipped().values())  # ab-significance, cnn-explained, fashion-recommender, genai-tools
    history = [
        *reviews_for("genai-tools", all_of("genai-tools", "met"), DAY1),
        *reviews_for("cnn-explained", all_of("cnn-explained", "missed"), DAY1),
        *reviews_for("ab-significance", {**all_of("ab-significance", "met"), "pvalue-definition": "partial"}, DAY1),
    ]
    states = schedule(history, UTC)
    # the same evening: nothing is due; the weak cnn question comes before unseen ones, strong ones last
    same_evening = plan_questions(rubrics, states, DAY1 + timedelta(hours=1))
    assert [(s.rubric.id, s.group) for s in same_evening] == [
        ("cnn-explained", "weak"),
        ("fashion-recommender", "unseen"),
        ("ab-significance", "later"),
        ("genai-tools", "later"),
    ]
    # the next day everything seen is due, weakest first; unseen after
    next_day = plan_questions(rubrics, states, DAY1 + timedelta(hours=13))
    assert [s.rubric.id for s in next_day] == ["cnn-explained", "ab-significance", "genai-tools", "fashion-recommender"]
    assert [s.group for s in next_day] == ["due", "due", "due", "unseen"]
    assert next_day[0].mastery == 0.0 and next_day[2].mastery == 1.0
    # ab-significance: pvalue-definition (weight 3 of 15) partial = 0.4 -> 0.92
    assert next_day[1].mastery == pytest.approx((12 * 1.0 + 3 * 0.4) / 15, abs=1e-4)
