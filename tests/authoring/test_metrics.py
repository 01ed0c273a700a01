"""Agreement statistics against values computed by hand."""

from __future__ import annotations

import math

import pytest

from mockint.authoring import metrics


def test_pearson_hand_computed() -> None:
    # x mean 2, y mean 3: sxy = (-1)(-2) + 0*1 + 1*1 = 3; sxx = 2; syy = 4+1+1 = 6 -> 3 / sqrt(12)
    assert metrics.pearson([1, 2, 3], [1, 4, 4]) == pytest.approx(3 / math.sqrt(12))
    assert metrics.pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert metrics.pearson([1, 1, 1], [1, 2, 3]) is None
    assert metrics.pearson([1], [2]) is None


def test_spearman_averages_tied_ranks() -> None:
    assert metrics.ranks([10, 20, 20, 30]) == [1.0, 2.5, 2.5, 4.0]
    # ranks x: 1 2.5 2.5 4 (mean 2.5); y: 1 2 3 4 (mean 2.5)
    # sxy = (-1.5)(-1.5) + 0 + 0 + 1.5*1.5 = 4.5; sxx = 4.5; syy = 5 -> 4.5 / sqrt(22.5)
    assert metrics.spearman([10, 20, 20, 30], [1, 2, 3, 4]) == pytest.approx(4.5 / math.sqrt(22.5))


def test_rmse_and_linear_fit() -> None:
    assert metrics.rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert metrics.rmse([], []) is None
    assert metrics.linear_fit([0, 1, 2], [1, 3, 5]) == pytest.approx((2.0, 1.0))
    assert metrics.linear_fit([1, 1], [0, 1]) is None


def test_quadratic_weighted_kappa_hand_computed() -> None:
    assert metrics.quadratic_weighted_kappa([0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)
    # Categories 0..2, w = (i-j)^2/4. Observed: (0,0), (1,2), (2,1): sum w*O/n = (0 + 1/4 + 1/4) / 3 = 1/6.
    # Histograms both [1, 1, 1]: expected sum over i,j of w/9 = (0+1/4+1 + 1/4+0+1/4 + 1+1/4+0)/9 = 3/9 = 1/3.
    assert metrics.quadratic_weighted_kappa([0, 1, 2], [0, 2, 1]) == pytest.approx(1 - (1 / 6) / (1 / 3))
    assert metrics.quadratic_weighted_kappa([1, 1], [1, 1]) is None


def test_cohen_kappa_hand_computed() -> None:
    truth = ["met", "met", "missed", "missed"]
    predicted = ["met", "missed", "missed", "missed"]
    # p_o = 3/4; p_e = (2/4)(1/4) + (2/4)(3/4) = 1/2 -> (3/4 - 1/2) / (1/2) = 0.5
    assert metrics.cohen_kappa(truth, predicted) == pytest.approx(0.5)
    assert metrics.cohen_kappa(["met"], ["met"]) is None


def test_balanced_f1_hand_computed() -> None:
    truth = ["met", "met", "missed", "missed"]
    predicted = ["met", "missed", "missed", "missed"]
    # met: tp 1, predicted 1, actual 2 -> 2/3; missed: tp 2, predicted 3, actual 2 -> 4/5; mean = 11/15
    assert metrics.macro_f1(truth, predicted) == pytest.approx(11 / 15)
    # Always predicting the majority label does not look good.
    assert metrics.macro_f1(["a", "a", "a", "b"], ["a", "a", "a", "a"]) == pytest.approx((6 / 7 + 0) / 2)


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError):
        metrics.pearson([1, 2], [1])


def test_binary_counts_and_precision_recall_f1_hand_computed() -> None:
    truth = [True, True, True, False, False, True]
    predicted = [True, False, True, True, False, False]
    # tp: positions 0, 2; fp: position 3; fn: positions 1, 5.
    assert metrics.binary_counts(truth, predicted) == (2, 1, 2)
    # precision 2/3, recall 2/4; F1 = 2*2 / (2*2 + 1 + 2) = 4/7 (the harmonic mean of 2/3 and 1/2).
    precision, recall, f1 = metrics.precision_recall_f1(2, 1, 2)
    assert (precision, recall, f1) == pytest.approx((2 / 3, 1 / 2, 4 / 7))
    assert precision is not None and recall is not None
    assert 2 * precision * recall / (precision + recall) == pytest.approx(4 / 7)


def test_precision_recall_f1_undefined_cases() -> None:
    # Nothing predicted, one missed: precision undefined, recall and F1 are 0.
    assert metrics.precision_recall_f1(0, 0, 1) == (None, 0.0, 0.0)
    # One false alarm and nothing to find: recall undefined.
    assert metrics.precision_recall_f1(0, 1, 0) == (0.0, None, 0.0)
    # Nothing predicted and nothing to find: nothing to score.
    assert metrics.precision_recall_f1(0, 0, 0) == (None, None, None)
    assert metrics.binary_counts([], []) == (0, 0, 0)
    with pytest.raises(ValueError):
        metrics.binary_counts([True], [])


def test_credit_rates_hand_computed() -> None:
    truth = ["met", "partial", "met", "missed", "missed", "missed", "missed"]
    predicted = ["met", "met", "missed", "partial", "missed", "met", "missed"]
    # Credited by the human: met, partial, met -> mockint credits the first two: TPR 2/3.
    # Missed by the human: four -> mockint misses two of them: TNR 2/4.
    assert metrics.credit_rates(truth, predicted) == pytest.approx((2 / 3, 0.5))
    assert metrics.credit_rates(["met", "met"], ["partial", "missed"]) == (0.5, None)
    assert metrics.credit_rates(["missed"], ["missed"]) == (None, 1.0)
    assert metrics.credit_rates([True, False, False], [True, True, False], negative=False) == (1.0, 0.5)
    with pytest.raises(ValueError, match="differ in length"):
        metrics.credit_rates(["met"], [])
