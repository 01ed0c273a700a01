"""The score of an answer: a pure function of its verdicts, penalties and cap."""

from __future__ import annotations

from collections.abc import Iterable

from mockint.models import VERDICT_CREDIT, Verdict

# An answer that states a typical mistake is not a strong answer, however much else it covers: an interviewer
# who hears "the p-value is the chance the hypothesis is true" does not give top marks for the rest. Chosen on
# the development parts of the labelled set among 0.5, 0.6, 0.7 and 0.8 (mean Spearman 0.9301 without a cap,
# 0.9322 at 0.6); an excellent answer a detector wrongly accuses keeps 0.6.
MISTAKE_CAP = 0.6


def score(criteria: Iterable[tuple[float, Verdict]], penalties: Iterable[float], cap: float = 1.0) -> float:
    """The score of an answer: weighted share of key points met, minus penalties, clipped.

    A partial verdict earns half the key point's weight. The result is clipped to ``[0, cap]`` where the cap
    comes from guards (keyword lists, off-topic, injection, empty answers), and to :data:`MISTAKE_CAP` when a
    penalty is paid (a typical mistake stated).

    Args:
        criteria: ``(weight, verdict)`` per key point.
        penalties: The penalty of each mistake the answer made.
        cap: Upper bound set by guards (1.0 when none fired).

    Returns:
        The score in ``[0, 1]``, rounded to 4 decimals.
    """
    pairs = list(criteria)
    paid = list(penalties)
    total = sum(weight for weight, _ in pairs)
    earned = sum(weight * VERDICT_CREDIT[verdict] for weight, verdict in pairs)
    share = earned / total if total > 0 else 0.0
    value = share - sum(paid)
    if any(penalty > 0 for penalty in paid):
        cap = min(cap, MISTAKE_CAP)
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
