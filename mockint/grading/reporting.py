"""Sentences that talk about a misconception without making it.

A typical mistake's detector matches the words of the mistake; whether the sentence *states* it is decided
here. A sentence does not state a mistake when it names it as one ("a common mistake is to read the p-value as
..."), attributes it to others ("teams often forget ..."), judges it wrong ("the claim that LLMs can ship
without review is wrong"), turns away from it ("I avoid treating p < 0.05 as proof") or is about what would
happen in a counterfactual ("without weight sharing it would need far more weights"). Each test is on words
only, so it holds in any answer; precision comes first, because a false accusation hurts a candidate more
than a missed one.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from mockint.grading.cues import (
    AVOIDING_PHRASES,
    AVOIDING_PREFIXES,
    CLAIM_NOUNS,
    HESITATIONS,
    ONLY_WORDS,
    REJECTING_PREFIXES,
    REPORTING_PREFIXES,
    RETRACTION_MAX,
    RETRACTIONS,
)
from mockint.grading.discourse import reports_view_at
from mockint.grading.sentence import Sentence
from mockint.grading.text import COUNTERFACTUALS, Doc, opens_with_warning
from mockint.grading.words import TOKEN_RE, is_negation_cue, normalise

# Copulas (and "be" after a modal: "would be wrong") that a judging word follows as the predicate.
_COPULAS = frozenset({"is", "are", "was", "were", "be", "seems", "sounds", "это", "—"})
# Words that may stand between the copula and the judging word ("is just plain wrong", "would be a trap").
_BETWEEN = frozenset(
    {"a", "an", "the", "just", "simply", "plain", "flat", "completely", "totally", "dangerously", "really", "often"}
)
_FUNCTION_OPENERS = frozenset({"but", "and", "so", "also", "honestly", "still", "yet"})
_IT_IS = frozenset({"it's", "its", "it’s"})
# A sentence about what would happen, not what the candidate does: a "would" said under a condition ("if we
# used random negatives only, the model would learn nothing") or one of these ("otherwise ...", "rather
# than"). A plain "we would pick the filters ourselves" is a plan, and states what it plans.
_CONDITIONS = frozenset({"if", "without", "unless", "had", "если", "без"})
_WOULD = frozenset({"would", "бы"})
_COUNTERFACTUAL_WORDS = COUNTERFACTUALS - _WOULD
_MYTH_PAIRS = frozenset({("myth", "that"), ("misconception", "that"), ("fallacy", "that"), ("миф", "что")})
_YOU = frozenset({"you", "it"})
_WILL = frozenset({"will", "get", "end"})
_YOU_WILL = frozenset({"you'll", "it'll"})


# Each word of every sentence is tested against these prefixes: once per distinct word.
@lru_cache(maxsize=1 << 16)
def _reporting_word(word: str) -> bool:
    return word.startswith(REPORTING_PREFIXES)


@lru_cache(maxsize=1 << 16)
def _rejecting_word(word: str) -> bool:
    return word.startswith(REJECTING_PREFIXES)


@lru_cache(maxsize=1 << 16)
def _avoiding_word(word: str) -> bool:
    return word.startswith(AVOIDING_PREFIXES)


# "Don't confuse ... with ...", "people get confused by p-values", "Conflating the two is ...": the verbs name a
# confusion only after a negation or "get", or as the gerund the sentence opens with; elsewhere they are said of
# something ("hard negatives just confuse the model" is the candidate's own claim).
_CONFUSING = ("confus", "conflat")
_GETS = frozenset({"get", "gets", "got", "getting"})


def _names_confusion(words: Sequence[str]) -> bool:
    for position, word in enumerate(words):
        if not word.startswith(_CONFUSING):
            continue
        before = words[max(0, position - 2) : position]
        if position == 0 or any(is_negation_cue(w) or w in _GETS for w in before):
            return True
    return False


def reports(sentence: Sentence) -> bool:
    """Whether a sentence names a misconception as one, or attributes a view to others ("people think ...")."""
    words = sentence.words
    if sentence.hearsay or any(map(_reporting_word, words)) or _names_confusion(words):
        return True
    return any(reports_view_at(words, position) for position in range(len(words)))


def rejects(sentence: Sentence) -> bool:
    """Whether a sentence judges a claim or practice wrong, as the predicate of a claim, a gerund or "it ... to".

    "Treating 5% as a hard boundary is misguided", "the idea that p is the chance H1 is true is false", "it is
    wrong to ship without review", "shipping without review would be dangerous"; not "if the output is wrong,
    the model is bad" (the output is judged, not a claim).
    """
    words = sentence.words
    # "It's a myth that p = 0.03 means a 97% chance ...": the clause after it is named as false.
    if any(pair in _MYTH_PAIRS for pair in itertools.pairwise(words)):
        return True
    for position, word in enumerate(words):
        if not _rejecting_word(word):
            continue
        before = position - 1
        while before >= 0 and words[before] in _BETWEEN:
            before -= 1
        if before >= 0 and words[before] in _IT_IS and "to" in words[position + 1 : position + 3]:
            return True  # "It's wrong to think the p-value is ...", "it's a mistake to ship without review"
        if before < 0 or words[before] not in _COPULAS:
            continue
        subject = words[:before]
        opener = next((w for w in subject if w not in _FUNCTION_OPENERS), "")
        if opener.endswith("ing") or any(w in CLAIM_NOUNS for w in subject) or "that" in subject[:4]:
            return True
        if opener == "it" and "to" in words[position + 1 : position + 3]:
            return True
    return False


def avoids(sentence: Sentence) -> bool:
    """Whether a sentence turns away from something ("I avoid ...", "we moved away from ...", "no longer ...")."""
    words = sentence.words
    if any(map(_avoiding_word, words)):
        return True
    return any(pair in AVOIDING_PHRASES for pair in itertools.pairwise(words))


def counterfactual(sentence: Sentence) -> bool:
    """Whether a sentence is about what would happen under a condition, not about what the candidate does."""
    if opens_with_warning(sentence) or _warns_you(sentence.words):
        return True
    words = set(sentence.words)
    if not words.isdisjoint(_COUNTERFACTUAL_WORDS):
        return True
    return not words.isdisjoint(_WOULD) and not words.isdisjoint(_CONDITIONS)


def _warns_you(words: Sequence[str]) -> bool:
    """Whether a sentence warns a generic "you" of what follows a condition ("If you give it 'make the service
    better' you will get garbage"); "if the output is bad, I blame the model" is the candidate's own rule."""
    for position, word in enumerate(words[:-1]):
        if word in _CONDITIONS and words[position + 1] == "you":
            later = words[position + 2 :]
            pairs = itertools.pairwise(later)
            return any(a in _YOU and b in _WILL for a, b in pairs) or not _YOU_WILL.isdisjoint(later)
    return False


def limits(mistake_text: str) -> bool:
    """Whether a mistake is about "just" or "only" something ("Use random negatives only"): then "not just"
    that denies it."""
    return not ONLY_WORDS.isdisjoint(TOKEN_RE.findall(normalise(mistake_text)))


def _retracts_at(words: Sequence[str], start: int) -> bool:
    while start < len(words) and words[start] in HESITATIONS:
        start += 1
    return any(tuple(words[start : start + size]) in RETRACTIONS for size in range(2, RETRACTION_MAX + 1))


def takes_back(sentence: Sentence) -> bool:
    """Whether a sentence opens with a self-correction ("no, wait, that's not it", "нет, подожди, не так"),
    which takes back the sentence before it."""
    return _retracts_at(sentence.words, 0)


def corrects_itself(sentence: Sentence) -> bool:
    """Whether a later clause of a sentence opens with a self-correction ("the chance that H0 is true, no
    wait, the chance of data this extreme under H0"): what it said before that is taken back."""
    if len(sentence.clause_sep) == 0:
        return False
    opening = {clause: position for position, clause in reversed(list(enumerate(sentence.clause)))}
    return any(_retracts_at(sentence.words, opening[clause]) for clause in sentence.clause_sep if clause in opening)


@dataclass(frozen=True, slots=True)
class SentenceRoles:
    """The sentences of an answer in which a typical mistake is not the candidate's own claim.

    Attributes:
        not_stated: Reported as others' view, judged wrong, or what would happen under a condition (a plan, "we
            would pick the filters ourselves", states what it plans), or taken back by a self-correction: a
            detector matching there states nothing.
        not_denied: Where dismissing a key point does not state the mistake of dismissing it: said under a
            counterfactual word, judged wrong, taken back, or reported, unless the speaker goes on to dismiss the report
            ("X is the textbook story, but honestly that's overrated", "People say X. It's mostly a slogan.").
        not_only: Sentences that deny a "just" or "only" ("not just cutting the image into tiles").
        avoiding: Sentences that turn away from a claim ("I avoid treating p < 0.05 as proof"); for a dismissal
            ("I avoid AI assistants") they are the mistake, so the caller applies them to other mistakes only.
    """

    not_stated: frozenset[int]
    not_denied: frozenset[int]
    not_only: frozenset[int]
    avoiding: frozenset[int]


def sentence_roles(doc: Doc) -> SentenceRoles:
    """Which sentences of a parsed answer state no mistake of their own, and why (see :class:`SentenceRoles`)."""
    sentences = doc.sentences
    hypothetical = frozenset(
        i for i, sentence in enumerate(sentences) if not COUNTERFACTUALS.isdisjoint(sentence.words)
    )
    reporting = frozenset(i for i, sentence in enumerate(sentences) if reports(sentence))
    judged = frozenset(i for i, sentence in enumerate(sentences) if rejects(sentence) or counterfactual(sentence))
    dismissed_reports = frozenset(
        i
        for i in reporting
        if sentences[i].hearsay and (sentences[i].dismissed_before is not None or sentences[i].answered_no)
    )
    # Said aloud, a candidate corrects themself: what a self-correction takes back is not their claim.
    retracted = frozenset(
        {i - 1 for i, sentence in enumerate(sentences) if i and takes_back(sentence)}
        | {i for i, sentence in enumerate(sentences) if corrects_itself(sentence)}
    )
    return SentenceRoles(
        not_stated=reporting | judged | retracted,
        not_denied=hypothetical | (reporting - dismissed_reports) | judged | retracted,
        not_only=frozenset(i for i, sentence in enumerate(sentences) if sentence.not_only),
        avoiding=frozenset(i for i, sentence in enumerate(sentences) if avoids(sentence)),
    )
