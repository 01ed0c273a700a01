"""Rubric checks compiled for matching: each phrase's variants, each check's plan, once per rubric.

:func:`compile_rubric` is pure; :mod:`mockint.grading.matching` caches the result on the rubric.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mockint.grading.cues import DISMISSIVE_VERBS
from mockint.grading.reporting import limits
from mockint.grading.text import typo_candidate, typo_forms
from mockint.grading.words import STOPWORDS, TOKEN_RE, content_words, is_negation_cue, normalise, phrase_key, text_keys
from mockint.models import Check, Mistake, Rubric

__all__ = ["Compiled", "Plan", "Variant", "compile_rubric"]


@dataclass(frozen=True, slots=True)
class Variant:
    terms: tuple[str, ...]
    content: bool  # False when the phrase is only stopwords: then it is matched over all tokens
    span: int  # largest allowed distance between the first and last matched token
    # The phrase holds a negation ("don't read", "no review"): it must not reach across a clause of its own.
    negative: bool = False
    typo_terms: frozenset[str] = frozenset()
    # The terms that must occur as written (not misspelt): a variant with one of them absent from the answer
    # cannot match, which the matcher checks before doing any work (most variants fail there).
    exact_terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    concepts: tuple[tuple[int, ...], ...]  # phrase ids, per concept
    exclude: tuple[int, ...]
    unless: tuple[int, ...]
    answer_scope: bool
    negation: bool


@dataclass(frozen=True, slots=True)
class Compiled:
    variants: tuple[tuple[Variant, ...], ...]  # per phrase id
    criteria: tuple[tuple[str, tuple[Plan, ...]], ...]
    # per mistake: id, detectors, omission_of, the key points it denies (omission_of and denies), and those
    # whose dismissal states it (none unless the mistake is itself a dismissal, see _dismissive)
    mistakes: tuple[tuple[str, tuple[Plan, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]
    vocabulary: frozenset[str]
    vocabulary_cyrillic: int
    vocabulary_latin: int
    question_keys: frozenset[str]  # of the question and title: a sentence made of them echoes the question
    # Of the model answer: a sentence made of them is the rubric's own summary, dense by design.
    summary_keys: frozenset[str]
    # Whether the model answer is itself a list of the rubric's terms ("push, pop, peek"): then a list is the
    # expected form of an answer, not a salad.
    lists_expected: bool
    # Phrase ids by the first exact term of each of their variants, or by its first term when all of them may be
    # misspelt: an answer can only hold the phrases that its words, or the terms it misspells, index here, so
    # the matcher looks for no other (most phrases of a rubric are absent from any one answer).
    by_first_term: dict[str, frozenset[int]]
    # The terms that may be found misspelt, by each of their one-deletion forms and by themselves (SymSpell):
    # an answer's key is near a term when one of its own forms is listed here (see Doc.typo_neighbours).
    typo_forms: dict[str, tuple[str, ...]]
    # The typo terms near each answer key seen so far (filled by the matcher): answers reuse their words.
    typo_near: dict[str, tuple[str, ...]]
    # Per key point, the distinct phrase ids of its checks.
    criterion_phrases: tuple[tuple[int, ...], ...]
    # Per mistake: whether it is about "just" or "only" something (reporting.limits), and whether it is a
    # dismissal (is_dismissal); facts of its text, decided once.
    mistake_kinds: tuple[tuple[bool, bool], ...]
    # The rubric's subject words as one concept anywhere in the answer, negated or not; None without them.
    subject: Plan | None = None


def _phrase_variants(phrase: str) -> tuple[Variant, ...]:
    split_words: list[str] = []
    joined_words: list[str] = []
    for token in TOKEN_RE.findall(normalise(phrase)):
        if "-" in token and not token[0].isdigit():
            parts = [part for part in token.split("-") if part]
            split_words.extend(parts)
            joined_words.append("".join(parts))
        else:
            split_words.append(token)
            joined_words.append(token)
    variants: list[Variant] = []
    # Without a hyphen both spellings are the same words, and so the same variant: built once.
    for words in (split_words, joined_words) if joined_words != split_words else (split_words,):
        if not words:
            continue
        content = [word for word in words if word not in STOPWORDS]
        if len(content) < 2 < len(words) + 1 and len(content) < len(words):
            # "by hand", "own weights", "on the model", "один и тот же фильтр": with its stop words gone the
            # phrase would be one common word ("hand" in "handful"), so every word of it is required.
            content = []
        chosen = content or words
        terms = tuple(dict.fromkeys(phrase_key(word) for word in chosen))
        # Which terms may be found misspelt (content terms of six plain letters or more), decided once.
        typo_terms = frozenset(term for term in terms if content and typo_candidate(term))
        variant = Variant(
            terms,
            bool(content),
            len(chosen) + 1,
            any(is_negation_cue(word) for word in words),
            typo_terms,
            tuple(term for term in terms if term not in typo_terms),
        )
        if variant not in variants:
            variants.append(variant)
    return tuple(variants)


def _vocabulary_words(rubric: Rubric) -> Iterable[str]:
    yield rubric.title
    yield rubric.question
    yield rubric.model_answer
    yield from rubric.tips
    for criterion in rubric.criteria:
        yield criterion.text
        for check in criterion.checks:
            yield from _check_phrases(check)
    for mistake in rubric.mistakes:
        yield mistake.text
        for check in mistake.detectors:
            yield from _check_phrases(check)


def _check_phrases(check: Check) -> Iterable[str]:
    for alternatives in check.concepts:
        yield from alternatives
    yield from check.exclude
    yield from check.unless


def _denied(mistake: Mistake) -> tuple[str, ...]:
    """The key points a mistake denies: its ``denies``, and the key point of a one-point omission.

    Omitting one of several key points ("without labels or negatives") is not the mistake, so the key points of
    a wider omission are denied only where ``denies`` names them.
    """
    implied = mistake.omission_of if len(mistake.omission_of) == 1 else []
    return tuple(dict.fromkeys([*mistake.denies, *implied]))


def is_dismissal(mistake: Mistake) -> bool:
    """Whether the mistake is a dismissal ("Ignore power ...", "Forget weight sharing", "Skip the difference").

    Only such a mistake is stated by dismissing a key point it denies: belittling hard negatives does not say
    "use random negatives only", and "precise context? not necessary" does not blame the model.
    """
    words = content_words(mistake.text)
    return bool(words) and words[0].startswith(DISMISSIVE_VERBS)


# The fields of a rubric that its compiled form is made from (matching keys its cache by their content).
COMPILED_FROM = frozenset({"title", "question", "model_answer", "tips", "criteria", "mistakes", "subject"})


def compile_rubric(rubric: Rubric) -> Compiled:
    """The rubric's checks compiled for matching; made from the fields in :data:`COMPILED_FROM` alone."""
    phrase_ids: dict[str, int] = {}
    variants: list[tuple[Variant, ...]] = []

    def phrase_id(phrase: str) -> int:
        found = phrase_ids.get(phrase)
        if found is None:
            found = phrase_ids[phrase] = len(variants)
            variants.append(_phrase_variants(phrase))
        return found

    def plan(check: Check) -> Plan:
        return Plan(
            concepts=tuple(tuple(phrase_id(p) for p in alternatives) for alternatives in check.concepts),
            exclude=tuple(phrase_id(p) for p in check.exclude),
            unless=tuple(phrase_id(p) for p in check.unless),
            answer_scope=check.scope == "answer",
            negation=check.negation,
        )

    criteria = tuple((c.id, tuple(plan(check) for check in c.checks)) for c in rubric.criteria)
    # "not about clothes" still names the subject: an answer that denies it is about it.
    subject = plan(Check(concepts=[list(rubric.subject)], scope="answer", negation=False)) if rubric.subject else None
    mistakes = tuple(
        (
            m.id,
            tuple(plan(check) for check in m.detectors),
            tuple(m.omission_of),
            _denied(m),
            _denied(m) if is_dismissal(m) else (),
        )
        for m in rubric.mistakes
    )
    vocabulary: set[str] = set()
    for text in _vocabulary_words(rubric):
        for token in TOKEN_RE.findall(normalise(text)):
            parts = token.split("-")
            for word in [*parts, "".join(parts)] if len(parts) > 1 else parts:
                if word and word not in STOPWORDS:
                    vocabulary.add(phrase_key(word))
    cyrillic = sum(1 for key in vocabulary if key.startswith("~"))
    first: dict[str, set[int]] = {}
    forms: dict[str, list[str]] = {}
    for index, alternatives in enumerate(variants):
        for variant in alternatives:
            first.setdefault(variant.exact_terms[0] if variant.exact_terms else variant.terms[0], set()).add(index)
            for term in variant.typo_terms:
                for form in typo_forms(term):
                    if term not in forms.setdefault(form, []):
                        forms[form].append(term)
    return Compiled(
        variants=tuple(variants),
        criteria=criteria,
        mistakes=mistakes,
        vocabulary=frozenset(vocabulary),
        vocabulary_cyrillic=cyrillic,
        vocabulary_latin=len(vocabulary) - cyrillic,
        lists_expected=False,  # set by matching.compiled_checks, which matches the model answer once this exists
        question_keys=frozenset(
            key for text in (rubric.question, rubric.title) for word in content_words(text) for key in text_keys(word)
        ),
        summary_keys=frozenset(key for word in content_words(rubric.model_answer) for key in text_keys(word)),
        by_first_term={term: frozenset(ids) for term, ids in first.items()},
        typo_forms={form: tuple(terms) for form, terms in forms.items()},
        typo_near={},
        criterion_phrases=tuple(
            tuple(dict.fromkeys(p for plan in plans for concept in plan.concepts for p in concept))
            for _, plans in criteria
        ),
        mistake_kinds=tuple((limits(m.text), is_dismissal(m)) for m in rubric.mistakes),
        subject=subject,
    )
