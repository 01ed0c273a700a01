"""The score is a pure function; these values are computed by hand."""

from __future__ import annotations

import pytest

from mockint.grading import score


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
