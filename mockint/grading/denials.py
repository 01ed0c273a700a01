"""The stance of whole key points: where their checks are stated, belittled topics, and denials.

A key point's checks are matched by :mod:`mockint.grading.matching`; here the matches are read for what the
answer does with them: which sentences state a check whole (whatever the stance), which belittle a key
point's topic, and which state a check only to negate or belittle it (a denial, which states the typical
mistake of dismissing that key point).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from mockint.grading.plans import Compiled, Plan
from mockint.grading.sentence import BELITTLED, NEGATED, UNNEGATED

__all__ = ["Concepts", "belittled_topics", "denial", "elsewhere", "stated_checks", "statements"]


class Concepts(Protocol):
    """What is read of a matcher: per concept (phrase ids), sentence index -> stance flags found there."""

    def concept(self, phrase_ids: tuple[int, ...]) -> Mapping[int, int]: ...


def stated_checks(compiled: Compiled, matcher: Concepts) -> dict[str, set[int]]:
    """Per key point, the sentences where one of its checks matches whole, whatever the stance."""
    stated: dict[str, set[int]] = {}
    for criterion_id, plans in compiled.criteria:
        for plan in plans:
            if plan.answer_scope:
                continue
            found = [matcher.concept(concept) for concept in plan.concepts]
            stated.setdefault(criterion_id, set()).update(set(found[0]).intersection(*found[1:]))
    return stated


def statements(stated: Mapping[str, set[int]]) -> dict[int, int]:
    """Per sentence, how many key points one of their checks states there whole (from :func:`stated_checks`)."""
    counts: dict[int, int] = {}
    for sentences in stated.values():
        for sentence in sentences:
            counts[sentence] = counts.get(sentence, 0) + 1
    return counts


def belittled_topics(plans: Sequence[Plan], matcher: Concepts) -> set[int]:
    """Sentences that belittle a key point's topic ("sample-size planning is pointless: with enough traffic ..."):
    the rest of such a sentence argues the dismissal and earns the key point nothing. A negated topic still can
    ("the p-value is not the chance H0 is true, but ...")."""
    belittled: set[int] = set()
    for plan in plans:
        if plan.negation and plan.concepts:
            topic = matcher.concept(plan.concepts[0])
            belittled.update(s for s, flags in topic.items() if flags & BELITTLED and not flags & UNNEGATED)
    return belittled


def elsewhere(stated: dict[str, set[int]], criterion_id: str) -> set[int]:
    return {sentence for other, sentences in stated.items() if other != criterion_id for sentence in sentences}


def denial(plans: Sequence[Plan], matcher: Concepts, hypothetical: frozenset[int], elsewhere: set[int]) -> int | None:
    """The first sentence that states a key point's check only to negate or belittle it, if any.

    A sentence about what would happen ("without weight sharing it would need far more weights") denies nothing.
    ``elsewhere`` are the sentences that state another key point's check whole.
    """
    for plan in plans:
        if not plan.negation:
            continue
        found = [matcher.concept(concept) for concept in plan.concepts]
        common = set() if plan.answer_scope else set(found[0]).intersection(*found[1:])
        dismissed = [s for s in sorted(common) if any(flags.get(s, 0) & (NEGATED | BELITTLED) for flags in found)]
        # The first concept names the topic ("hard negatives"; the rest qualify it): dismissing it is enough,
        # unless the sentence states another key point whole that shares the topic word ("a small filter
        # sliding over the image - a simplification" dismisses the sliding filter, not that filters are learned).
        dismissed += [s for s, flags in found[0].items() if not flags & UNNEGATED and s not in elsewhere]
        # An answer-wide check's concepts are parts said anywhere ("retrieval ... a separate ranker"): belittling
        # any one of them ("a separate ranking model on top is overengineering") denies the key point too (a
        # negated one need not: "there's no ranker that can score millions of items in real time").
        if plan.answer_scope:
            dismissed += [
                s
                for part in found[1:]
                for s, flags in part.items()
                # Not subject to ``elsewhere``: a whole part of this key point, not a topic word it may share.
                # Another, plain mention of the part in the same sentence ("we didn't split candidate generation
                # and ranking: a ranking stage seemed unnecessary") does not take the dismissal back.
                if flags & BELITTLED
            ]
        dismissed = [s for s in dismissed if s not in hypothetical]
        if dismissed:
            return min(dismissed)
    return None
