"""Agreement statistics between mockint's grades and human grades; pure functions, no numpy.

Every function takes plain sequences and returns a float, or ``None`` when the statistic is undefined for
the data (too few items, or no variation), so a report can say "n/a" instead of crashing or inventing 0.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

__all__ = [
    "binary_counts",
    "cohen_kappa",
    "credit_rates",
    "linear_fit",
    "macro_f1",
    "pearson",
    "precision_recall_f1",
    "quadratic_weighted_kappa",
    "ranks",
    "rmse",
    "spearman",
]


def _check_pairs(x: Sequence[float], y: Sequence[float]) -> None:
    if len(x) != len(y):
        raise ValueError(f"the two sequences differ in length ({len(x)} and {len(y)})")


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson's correlation coefficient.

    Args:
        x: First variable.
        y: Second variable, same length.

    Returns:
        r in [-1, 1]; ``None`` with fewer than two pairs or when either variable is constant.
    """
    _check_pairs(x, y)
    n = len(x)
    if n < 2:
        return None
    mean_x = sum(x) / n
    mean_y = sum(y) / n
    sxy = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mean_x) ** 2 for a in x)
    syy = sum((b - mean_y) ** 2 for b in y)
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties getting the mean of the ranks they span (as Spearman's rho needs)."""
    order = sorted(range(len(values)), key=lambda index: values[index])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        mean_rank = (start + end) / 2 + 1
        for position in range(start, end + 1):
            result[order[position]] = mean_rank
        start = end + 1
    return result


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation: Pearson's r of the tie-averaged ranks.

    Returns:
        rho in [-1, 1]; ``None`` when undefined (see :func:`pearson`).
    """
    _check_pairs(x, y)
    return pearson(ranks(x), ranks(y))


def rmse(predicted: Sequence[float], actual: Sequence[float]) -> float | None:
    """Root mean squared error; ``None`` for empty input."""
    _check_pairs(predicted, actual)
    if not predicted:
        return None
    return math.sqrt(sum((p - a) ** 2 for p, a in zip(predicted, actual, strict=True)) / len(predicted))


def linear_fit(x: Sequence[float], y: Sequence[float]) -> tuple[float, float] | None:
    """Least-squares line ``y ~ slope * x + intercept``.

    Returns:
        ``(slope, intercept)``; ``None`` with fewer than two points or a constant ``x``.
    """
    _check_pairs(x, y)
    n = len(x)
    if n < 2:
        return None
    mean_x = sum(x) / n
    mean_y = sum(y) / n
    sxx = sum((a - mean_x) ** 2 for a in x)
    if sxx <= 0:
        return None
    slope = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True)) / sxx
    return slope, mean_y - slope * mean_x


def quadratic_weighted_kappa(rater_a: Sequence[int], rater_b: Sequence[int]) -> float | None:
    """Cohen's kappa with quadratic weights, for ordinal integer grades.

    ``1 - sum(w * observed) / sum(w * expected)`` with ``w[i][j] = (i - j)^2 / (k - 1)^2`` over the categories
    from the smallest to the largest grade either rater gave.

    Returns:
        kappa (1 is perfect agreement, 0 chance level); ``None`` for empty input, a single category, or when
        chance disagreement is zero.
    """
    _check_pairs(rater_a, rater_b)
    if not rater_a:
        return None
    low = min(min(rater_a), min(rater_b))
    high = max(max(rater_a), max(rater_b))
    size = high - low + 1
    if size < 2:
        return None
    n = len(rater_a)
    observed = [[0.0] * size for _ in range(size)]
    for a, b in zip(rater_a, rater_b, strict=True):
        observed[a - low][b - low] += 1
    hist_a = [sum(row) for row in observed]
    hist_b = [sum(observed[i][j] for i in range(size)) for j in range(size)]
    numerator = 0.0
    denominator = 0.0
    for i in range(size):
        for j in range(size):
            weight = (i - j) ** 2 / (size - 1) ** 2
            numerator += weight * observed[i][j] / n
            denominator += weight * hist_a[i] * hist_b[j] / (n * n)
    if denominator <= 0:
        return None
    return 1.0 - numerator / denominator


def cohen_kappa(rater_a: Sequence[Hashable], rater_b: Sequence[Hashable]) -> float | None:
    """Cohen's (unweighted) kappa for nominal labels: ``(p_o - p_e) / (1 - p_e)``.

    Returns:
        kappa; ``None`` for empty input or when chance agreement is already 1 (a single label throughout).
    """
    _check_pairs_any(rater_a, rater_b)
    n = len(rater_a)
    if n == 0:
        return None
    agree = sum(1 for a, b in zip(rater_a, rater_b, strict=True) if a == b) / n
    labels = set(rater_a) | set(rater_b)
    chance = sum((list(rater_a).count(label) / n) * (list(rater_b).count(label) / n) for label in labels)
    if chance >= 1.0:
        return None
    return (agree - chance) / (1.0 - chance)


def macro_f1(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float | None:
    """Balanced F1: the unweighted mean of the per-label F1 over every label in ``truth`` or ``predicted``.

    Each label counts the same however rare it is, so always predicting the majority label scores low.

    Returns:
        The mean F1 in [0, 1]; ``None`` for empty input.
    """
    _check_pairs_any(truth, predicted)
    if not truth:
        return None
    scores: list[float] = []
    for label in set(truth) | set(predicted):
        true_positive = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p == label)
        predicted_count = sum(1 for p in predicted if p == label)
        actual_count = sum(1 for t in truth if t == label)
        denominator = predicted_count + actual_count
        scores.append(2 * true_positive / denominator if denominator else 0.0)
    return sum(scores) / len(scores)


def binary_counts(truth: Sequence[bool], predicted: Sequence[bool]) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of yes/no predictions.

    Args:
        truth: The reference answers (``True`` is the positive class).
        predicted: The predictions, same length.

    Returns:
        ``(tp, fp, fn)``; true negatives are not needed by :func:`precision_recall_f1`.
    """
    _check_pairs_any(truth, predicted)
    pairs = list(zip(truth, predicted, strict=True))
    true_positive = sum(1 for t, p in pairs if t and p)
    false_positive = sum(1 for t, p in pairs if p and not t)
    false_negative = sum(1 for t, p in pairs if t and not p)
    return true_positive, false_positive, false_negative


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    """Precision ``tp / (tp + fp)``, recall ``tp / (tp + fn)`` and F1 ``2 tp / (2 tp + fp + fn)``.

    Summing the counts over several classes before calling this gives the micro-average.

    Args:
        tp: True positives.
        fp: False positives.
        fn: False negatives.

    Returns:
        ``(precision, recall, f1)``: precision is ``None`` with nothing predicted, recall with nothing to find,
        F1 with neither (there was nothing to get right or wrong). F1 is 0 when something was predicted or
        missed and nothing was found.
    """
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    denominator = 2 * tp + fp + fn
    return precision, recall, (2 * tp / denominator if denominator else None)


def credit_rates(
    truth: Sequence[Hashable], predicted: Sequence[Hashable], negative: Hashable = "missed"
) -> tuple[float | None, float | None]:
    """True-positive and true-negative rates, every label but ``negative`` counting as credit.

    A lenient grader has a high true-positive rate and a low true-negative rate: it credits what the reference
    credits, and much of what it does not.

    Args:
        truth: The reference labels (a person's verdicts).
        predicted: The predicted labels, same length.
        negative: The label that gives no credit.

    Returns:
        ``(tpr, tnr)``: the share of the reference's credited items that are predicted credited (``None`` when
        the reference credits none), and the share of its ``negative`` items that are predicted ``negative``
        (``None`` when it has none).
    """
    _check_pairs_any(truth, predicted)
    credited = [p != negative for t, p in zip(truth, predicted, strict=True) if t != negative]
    refused = [p == negative for t, p in zip(truth, predicted, strict=True) if t == negative]
    return (
        sum(credited) / len(credited) if credited else None,
        sum(refused) / len(refused) if refused else None,
    )


def _check_pairs_any(a: Sequence[Hashable], b: Sequence[Hashable]) -> None:
    if len(a) != len(b):
        raise ValueError(f"the two sequences differ in length ({len(a)} and {len(b)})")
