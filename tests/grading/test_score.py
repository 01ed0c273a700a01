"""The score is a pure function; these values are computed by hand."""

from __future__ import annotations

import pytest

from mockint.grading import score
from mockint.grading.score import MISTAKE_CAP


def test_weighted_share_with_partial_and_penalty() -> None:
    # weights 3 (met), 2 (partial), 1 (missed): earned 3 + 1 = 4 of 6 -> 0.6667; minus 0.15 -> 0.5167
    assert score([(3, "met"), (2, "partial"), (1, "missed")], [0.15]) == pytest.approx(0.5167, abs=1e-4)


def test_all_met_no_mistakes_is_one() -> None:
    assert score([(1, "met"), (2.5, "met")], []) == 1.0


def test_penalties_add_up_and_clip_at_zero() -> None:
    # earned 1 of 4 = 0.25; penalties 0.2 + 0.1 = 0.3 -> -0.05 -> clipped to 0
    assert score([(1, "met"), (3, "missed")], [0.2, 0.1]) == 0.0


def test_cap_from_guards() -> None:
    assert score([(1, "met"), (1, "met")], [], cap=0.3) == 0.3
    # the cap never raises a lower score
    assert score([(1, "met"), (1, "missed")], [], cap=0.8) == 0.5


def test_partial_is_half_credit() -> None:
    assert score([(2, "partial")], []) == 0.5


def test_no_weight_scores_zero() -> None:
    assert score([], []) == 0.0


def test_a_stated_mistake_caps_the_score() -> None:
    # earned 4 of 4 = 1.0, minus 0.1 -> 0.9, capped at MISTAKE_CAP (0.6)
    assert MISTAKE_CAP == 0.6
    assert score([(1, "met"), (3, "met")], [0.1]) == 0.6
    # below the cap the penalty alone counts: earned 2 of 4 = 0.5, minus 0.1 -> 0.4
    assert score([(2, "met"), (2, "missed")], [0.1]) == pytest.approx(0.4)
    # a guard's lower cap still wins; a mistake whose penalty is 0 (cited, not charged) caps nothing
    assert score([(1, "met")], [0.1], cap=0.3) == 0.3
    assert score([(1, "met")], [0.0]) == 1.0


def test_the_feedback_says_when_a_stated_mistake_caps_the_score() -> None:
    from mockint.grading import grade_answer
    from mockint.rubrics import load_rubrics

    ab = load_rubrics()["ab-significance"]
    line = "A typical mistake stated in the answer caps its score at 0.6."
    stated = grade_answer("The p-value is the probability that the null hypothesis is true.", ab)
    assert line in stated.feedback
    # Omissions only (no quote): cited, nothing capped.
    omitted = grade_answer("Significance separates a real effect from random noise.", ab)
    assert any(m.committed for m in omitted.mistakes) and line not in omitted.feedback
