"""The score of an answer: a pure function of its verdicts, penalties and cap."""

from __future__ import annotations

from collections.abc import Iterable

from mockint.models import VERDICT_CREDIT, Verdict


def score(criteria: Iterable[tuple[float, Verdict]], penalties: Iterable[float], cap: float = 1.0) -> float:
    """The score of an answer: weighted share of key points met, minus penalties, clipped.

    A partial verdict earns half the key point's weight. The result is clipped to ``[0, cap]`` where the cap
    comes from guards (keyword lists, off-topic, injection, empty answers).

    Args:
        criteria: ``(weight, verdict)`` per key point.
        penalties: The penalty of each mistake the answer made.
        cap: Upper bound set by guards (1.0 when none fired).

    Returns:
        The score in ``[0, 1]``, rounded to 4 decimals.
    """
    pairs = list(criteria)
    total = sum(weight for weight, _ in pairs)
    earned = sum(weight * VERDICT_CREDIT[verdict] for weight, verdict in pairs)
    share = earned / total if total > 0 else 0.0
    value = share - sum(penalties)
    return round(max(0.0, min(value, cap, 1.0)), 4)


def stated_penalties(mistakes: Iterable[tuple[float, bool, str | None]]) -> list[float]:
    """The penalties an answer pays: those of mistakes it states, not of mistakes of omission.

    A mistake counts as stated when it is committed with evidence quoted from the answer. An omission ("forgot
    weight sharing") has no quote; the weight of the key point it names is already lost, so it is cited in the
    feedback but not subtracted a second time.

    Args:
        mistakes: ``(penalty, committed, evidence)`` per typical mistake.

    Returns:
        The penalties to subtract, in the order given.
    """
    return [penalty for penalty, committed, evidence in mistakes if committed and evidence]
