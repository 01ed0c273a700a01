"""Bank questions drafted deterministically: one key point per claim of the reference answers.

Each claim (see :mod:`mockint.authoring.claims`) is checked for its 1-3 most specific phrases (see
:mod:`mockint.authoring.phrases`), ranked by how rare their words are in the bank's references and less for
words of the question, generic words, verbs alone and the claim's subject; all of them in one sentence meet
it. Further checks let an answer that says part of the claim, or says it in other words, earn part of the
credit (the grader gives half for more than half of a check's concepts): the claim's head phrase alone meets
it, either of its two main phrases earns half, and so do two of its three most specific words (see
:func:`_claim_checks`).

A concept lists the phrase, its distinctive words (not generic in the bank, in no other phrase of the rubric, not
words of the question), a parenthetical alternative ("1 (or 2)"), and synonyms from
:mod:`mockint.authoring.lexicon` only where they are specific. No check that can earn credit on one concept
accepts the question's own words, so repeating the question earns nothing. A claim another reference answer
already makes adds its checks to that key point. Nothing is learned from graded answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mockint.authoring import lexicon
from mockint.authoring.claims import Claim, question_frame, reference_claims
from mockint.authoring.draft import (
    GENERIC_FACTOR,
    MAX_KEY_POINTS,
    MAX_WEIGHT,
    QUESTION_WORD_FACTOR,
    Draft,
    shorten,
    slugify,
    unique_id,
    validated_rubric,
)
from mockint.authoring.phrases import BankTerm, chunk_phrases
from mockint.authoring.sources import BankItem
from mockint.authoring.tagging import NUMBER_WORDS, Tok, is_content, span_text
from mockint.grading.matching import analyse, check_matches
from mockint.grading.words import content_words, word_key
from mockint.models import Check, Rubric

__all__ = ["draft_bank"]

_BANK_MAX_CONCEPTS = 3
# A term must be this specific, relative to the claim's most specific one, to join the check.
_CONCEPT_FLOOR = 0.6
_SUBJECT_FACTOR = 0.5
# A verb alone ("performed", "based") says less than the noun phrases around it.
_VERB_FACTOR = 0.7
# In a bank of 10+ questions, a word in more than a fifth of the references is generic there.
_COMMON_MIN_BANK = 10
_COMMON_SHARE = 0.2
_RARE_SHARE = 0.1
# The word-level check of a claim: its three most specific words, so that two of them earn half.
_CLAIM_WORDS = 3


@dataclass(frozen=True)
class _BankStats:
    """What the whole bank says about a word: how rare it is across reference answers."""

    idf: dict[str, float]
    count: int
    common: frozenset[str]  # keys in more than a fifth of the references of a large bank

    @property
    def top(self) -> float:
        return max(self.idf.values(), default=1.0)

    @property
    def rare(self) -> float:
        """The idf of a word in a tenth of the bank: a word standing alone for its phrase is at least as rare."""
        return math.log((self.count + 1) / (max(1.0, _RARE_SHARE * self.count) + 0.5))

    def weight(self, word: str) -> float:
        return self.idf.get(word_key(word), self.top)

    def generic(self, word: str) -> bool:
        return word in lexicon.GENERIC_WORDS or word_key(word) in self.common


def _term_score(term: BankTerm, stats: _BankStats, question_keys: set[str]) -> float:
    """How specific a term is: the idf of its rarest word, less for question words, generic words, verbs
    alone and the subject of the claim (the predicate carries what the claim says)."""
    if any(word.isdigit() or (word in NUMBER_WORDS and word != "one") for word in term.words):
        return stats.top  # a number in a reference answer ("two", "1", "three times") is its point
    named = term.lexical
    best = stats.rare if named else 0.0  # a named notion ("first in first out", "at least once") counts
    for word in term.words:
        if not is_content(word) or (named and stats.generic(word)):
            continue
        value = stats.weight(word)
        if word_key(word) in question_keys:
            value *= QUESTION_WORD_FACTOR
        if stats.generic(word):
            value *= GENERIC_FACTOR
        best = max(best, value)
    bare_verb = term.verb and len(term.words) == 1
    return best * (_SUBJECT_FACTOR if term.subject else 1.0) * (_VERB_FACTOR if bare_verb else 1.0)


def _specific(term: BankTerm, stats: _BankStats) -> bool:
    """A term that can be a concept on its own: a lexicon phrase, a number, a variable name ("N"), or a phrase
    with a word that is neither generic nor a stopword."""
    if term.lexical or any(word.isdigit() or word in NUMBER_WORDS for word in term.words):
        return True
    if len(term.phrase) == 1 and term.phrase.isupper():
        return True
    return any(is_content(word) and not stats.generic(word) and len(word) > 1 for word in term.words)


@dataclass
class _Shaped:
    """A claim with the phrases its checks are made of."""

    claim: Claim
    terms: list[BankTerm]  # the claim check's 1-3 most specific phrases, in text order
    ranked: list[BankTerm]  # every specific phrase, most specific first, none repeating another's words
    coordinated: bool  # the claim check's phrases are joined as equals ("A, then B", "A is smaller than B")


# Words that join a claim's phrases as equals: each of them is needed, none is the claim's head.
_COORDINATORS = frozenset({",", "then", "than"})


def _shaped(claim: Claim, stats: _BankStats, question_keys: set[str]) -> _Shaped:
    terms, ranked, own = _choose_terms(claim, stats, question_keys)
    positions = [term.position for term in terms]
    between = claim.body[min(positions) : max(positions)] if positions and own else []
    coordinated = any(token.tag == "CONJ" or token.low in _COORDINATORS for token in between if not token.depth)
    return _Shaped(claim, terms, ranked, coordinated)


def _claim_words(
    claim: Claim, stats: _BankStats, question_keys: set[str], ambiguous: frozenset[str] = frozenset()
) -> list[str]:
    """The claim's three most specific words: rarest in the bank first, words of the question at half and
    verbs at less; generic words count too, since two of three only earn half. A lexicon phrase ("at least
    once") or a negated verb ("not included") counts as one word; a word of several phrases ("subtree" of
    "left subtree" and "right subtree") counts for none. At most one is a word of the question, so that
    repeating the question earns nothing; a claim of fewer than three words gets none.

    Only the claim's own words count: a list item's shared predicate ("the main operations in a queue are
    ...") is no part of what the item says.
    """
    best: dict[str, tuple[float, int, str]] = {}
    for term in chunk_phrases(claim.body):
        if term.lexical or term.phrase.split()[0] in lexicon.NEGATIONS:
            units = [(term.phrase, term.keys, _term_score(term, stats, question_keys))]
        else:
            units = []
            for word in term.words:
                if len(word) < 3 or not is_content(word):
                    continue
                key = word_key(word)
                if key in ambiguous:
                    continue
                value = stats.weight(word) * (QUESTION_WORD_FACTOR if key in question_keys else 1.0)
                units.append((word, {key}, value * (_VERB_FACTOR if term.verb else 1.0)))
        for offset, (unit, keys, value) in enumerate(units):
            name = " ".join(sorted(keys))
            if keys and (name not in best or best[name][0] < value):
                best[name] = (value, 8 * term.position + offset, unit)  # in text order
    top: list[tuple[float, int, str]] = []
    asked = False
    for value, position, unit in sorted(best.values(), key=lambda item: (-item[0], item[1])):
        if len(top) == _CLAIM_WORDS:
            break
        keys = {word_key(word) for word in content_words(unit)}
        if keys <= question_keys:
            if asked:
                continue
            asked = True
        top.append((value, position, unit))
    return [unit for _, _, unit in sorted(top, key=lambda item: item[1])] if len(top) == _CLAIM_WORDS else []


def _choose_terms(
    claim: Claim, stats: _BankStats, question_keys: set[str]
) -> tuple[list[BankTerm], list[BankTerm], bool]:
    """The claim's 1-3 most specific terms, in text order; all its specific terms, most specific first; and
    whether they all come from the claim's own words (not from a list item's shared predicate)."""
    terms = chunk_phrases(claim.body)
    own = True
    if not any(_specific(term, stats) for term in terms) and claim.extra:
        terms += chunk_phrases(claim.extra)
        own = False
    for term in terms:
        term.score = _term_score(term, stats, question_keys)
    ranked = sorted((t for t in terms if _specific(t, stats)), key=lambda t: (-t.score, -len(t.words), t.position))
    if not ranked:
        ranked = sorted(terms, key=lambda t: (-t.score, t.position))[:1]
    distinct: list[BankTerm] = []
    used: set[str] = set()
    for term in ranked:
        if term.keys and term.keys <= used:
            continue
        distinct.append(term)
        used |= term.keys
    chosen: list[BankTerm] = []
    for term in distinct:
        if len(chosen) >= _BANK_MAX_CONCEPTS or (chosen and term.score < _CONCEPT_FLOOR * chosen[0].score):
            break
        chosen.append(term)
    return sorted(chosen, key=lambda t: t.position), distinct, own


def _standalone_candidates(term: BankTerm, stats: _BankStats) -> list[str]:
    """Words of a phrase that could stand alone for it, best first: specific and rare in the bank, the rarest
    first and the head on a tie ("address" of "memory address", "copy" of "copy of the function code")."""
    content = [word for word in term.words if is_content(word)]
    if len(content) < 2:
        return []
    head = content[0] if " of " in f" {term.phrase} " else content[-1]
    candidates = [
        (stats.weight(word), word == head, word)
        for word in content
        if not stats.generic(word)
        and len(word) > 2
        and not word.isdigit()
        and word not in NUMBER_WORDS
        and word not in lexicon.NEGATIONS
        and word not in lexicon.PREPOSITIONS
        and stats.weight(word) >= stats.rare
        and not ((term.verb or term.lexical) and lexicon.verb_form(word) is not None)  # the adverb, not the verb
    ]
    return [word for _, _, word in sorted(candidates, reverse=True)]


def _standalones(terms: Sequence[BankTerm], stats: _BankStats) -> dict[int, str]:
    """One stand-alone word per phrase of the rubric, by ``id`` of the term.

    A word two phrases would both take ("subtree" of "left subtree" and "right subtree") is given to neither
    that has another word to take ("left", "right"); if several have no other, none gets it ("members" of
    "data members" and "function members").
    """
    options = {id(term): _standalone_candidates(term, stats) for term in terms}
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _ in range(3):
        wanted: dict[str, list[int]] = {}
        for term in terms:
            left = [word for word in options[id(term)] if word_key(word) not in taken]
            if left:
                wanted.setdefault(word_key(left[0]), []).append(id(term))
        conflict = False
        for key, users in wanted.items():
            if len(users) == 1:
                continue
            conflict = True
            taken.add(key)
            alone = [user for user in users if len(options[user]) == 1]
            if len(alone) == 1:
                chosen[alone[0]] = options[alone[0]][0]
        if not conflict:
            break
    for term in terms:
        if id(term) in chosen:
            continue
        left = [word for word in options[id(term)] if word_key(word) not in taken]
        if left:
            chosen[id(term)] = left[0]
    return chosen


def _concept(
    term: BankTerm, standalone: str | None, stats: _BankStats, shared: frozenset[str] = frozenset()
) -> list[str]:
    """The term's phrase, its stand-alone word, its other specific words, its parenthetical alternatives (with
    theirs), hyphen / space variants and lexicon synonyms.

    ``shared`` are the keys no single word may stand for (words of the question, words of several phrases).
    """
    variants = [term.phrase]
    if standalone:
        variants.append(standalone)
    variants.extend(_other_words(term, stats, shared))
    for alternative in term.alternatives:
        variants.append(alternative.phrase)
        variants.extend(_standalone_candidates(alternative, stats)[:1])
    for variant in list(variants):
        variants.extend(_synonyms(variant))
        if "-" in variant:
            variants.append(variant.replace("-", " "))
    return list(dict.fromkeys(v for v in variants if v.strip()))


def _other_words(term: BankTerm, stats: _BankStats, shared: frozenset[str]) -> list[str]:
    """Every word of a phrase of two or more that can stand for it in an answer ("collection" and "elements"
    of "collection of elements", "program" of "life of the program" in "throughout the program"): not generic
    in the bank, not a word of the question, in no other phrase of the rubric."""
    if term.phrase.split()[0] in lexicon.NEGATIONS:
        return []  # "included" alone says the opposite of "not included"
    content = [word for word in term.words if is_content(word)]
    if len(content) < 2:
        return []
    return [
        word
        for word in content
        if len(word) > 2
        and not word.isdigit()
        and word not in NUMBER_WORDS
        and word not in lexicon.NEGATIONS
        and not stats.generic(word)
        and word_key(word) not in shared
    ]


def _synonym_index() -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = {}
    for group in lexicon.SYNONYM_GROUPS:
        for phrase in group:
            if " " not in phrase:
                by_key.setdefault(word_key(phrase), []).extend(group)
    return by_key


_SYNONYMS_BY_KEY = _synonym_index()


def _synonyms(phrase: str) -> list[str]:
    """Lexicon synonyms of a phrase, or of another form of a single word ("copies" -> "duplicate")."""
    found = lexicon.synonyms(phrase)
    if found or " " in phrase:
        return found
    return [other for other in _SYNONYMS_BY_KEY.get(word_key(phrase), []) if other != phrase]


def _bank_check(concepts: list[list[str]], source: str, body: Sequence[Tok]) -> dict[str, Any]:
    """One check; it must match the reference sentence it comes from.

    A claim that says something is absent or avoided ("avoids making copies", "only inside the function")
    is said in an answer with a negation ("does not have to copy"), so such a check ignores negation.
    """
    check: dict[str, Any] = {"concepts": concepts}
    if any(token.tag == "NEG" or token.low in lexicon.NEGATIVE_POLARITY for token in body):
        check["negation"] = False
    if check_matches(Check.model_validate(check), source) is None:
        check["negation"] = False  # the reference states it under a negation
        if check_matches(Check.model_validate(check), source) is None:
            check["scope"] = "answer"
    return check


# --- the rubric ------------------------------------------------------------------------------------------


def draft_bank(items: Sequence[BankItem]) -> list[Draft]:
    """Draft one rubric per bank question: one key point per claim of its reference answers.

    Args:
        items: The bank's questions (ids unique).

    Returns:
        The drafts, in bank order.
    """
    documents = [
        {word_key(word) for reference in item.references for word in content_words(reference)} for item in items
    ]
    idf, count = lexicon.idf_weights(documents)
    frequency: dict[str, int] = {}
    for keys in documents:
        for key in keys:
            frequency[key] = frequency.get(key, 0) + 1
    common = frozenset(
        key for key, seen in frequency.items() if count >= _COMMON_MIN_BANK and seen > _COMMON_SHARE * count
    )
    stats = _BankStats(idf, count, common)
    return [_draft_item(item, stats) for item in items]


@dataclass
class _KeyPoint:
    claim: _Shaped
    more: list[_Shaped] = field(default_factory=list)  # the same claim, in other reference answers

    @property
    def terms(self) -> list[BankTerm]:
        return self.claim.terms


def _same_claim(terms: list[BankTerm], other: list[BankTerm], stats: _BankStats) -> bool:
    """Two claims say the same when half of one's terms appear among the other's words or synonyms."""
    if not terms or not other:
        return False
    theirs: set[str] = set()
    for term in other:
        words = _standalone_candidates(term, stats)
        for variant in _concept(term, words[0] if words else None, stats):
            theirs |= {word_key(word) for word in content_words(variant)}
    found = sum(1 for term in terms if term.keys & theirs)
    return 2 * found >= len(terms)


def _key_points(item: BankItem, stats: _BankStats, question_keys: set[str]) -> list[_KeyPoint]:
    """Claims of every reference answer; a claim another reference already makes becomes a second check."""
    frame = question_frame(item.question)
    points: list[_KeyPoint] = []
    for number, reference in enumerate(item.references):
        for claim in reference_claims(reference, frame, item.question, number):
            shaped = _shaped(claim, stats, question_keys)
            twin = next(
                (
                    p
                    for p in points
                    if p.claim.claim.text == claim.text
                    or (p.claim.claim.reference != number and _same_claim(shaped.terms, p.terms, stats))
                ),
                None,
            )
            if twin is None:
                points.append(_KeyPoint(shaped))
            elif claim.reference != twin.claim.claim.reference and all(
                other.claim.reference != number for other in twin.more
            ):
                twin.more.append(shaped)
    if len(points) > MAX_KEY_POINTS:
        keep = sorted(points, key=lambda p: -sum(t.score for t in p.terms))[:MAX_KEY_POINTS]
        points = [p for p in points if p in keep]
    return points


def _shared_keys(points: Sequence[_KeyPoint], question_keys: set[str]) -> frozenset[str]:
    """Keys no single word may stand for: the question's, and those of words in two or more phrases."""
    seen: dict[str, int] = {}
    for point in points:
        for shaped in [point.claim, *point.more]:
            for term in {id(t): t for t in [*shaped.terms, *shaped.ranked]}.values():
                for key in term.keys:
                    seen[key] = seen.get(key, 0) + 1
    return frozenset({*question_keys, *(key for key, count in seen.items() if count > 1)})


def _head(shaped: _Shaped) -> BankTerm | None:
    """The phrase a claim turns on: a named notion ("first in first out", "at least once") or a number if it
    has one, else its most specific noun phrase unless the claim's phrases are equals ("the left subtree,
    then the root, then the right subtree"); never a verb, which alone says too little."""
    nouns = [term for term in shaped.terms if not term.verb and term.phrase.split()[0] not in lexicon.NEGATIONS]
    named = [term for term in nouns if term.lexical or any(w.isdigit() or w in NUMBER_WORDS for w in term.words)]
    if not named and shaped.coordinated:
        return None
    return max(named or nouns, key=lambda term: term.score, default=None)


def _keys_beyond_negation(phrase: str) -> set[str]:
    return {word_key(word) for word in content_words(phrase) if word not in lexicon.NEGATIONS}


def _claim_checks(
    shaped: _Shaped, alone: dict[int, str], stats: _BankStats, shared: frozenset[str], question_keys: set[str]
) -> list[dict[str, Any]]:
    """The checks of one claim, shaped so that an answer saying part of it gets part of the credit.

    * the claim: its 1-3 most specific phrases in one sentence meet it;
    * its head (:func:`_head`) alone meets it too, when the claim check has several phrases;
    * either of its two most specific phrases earns half: the check asks for both and for a third concept
      that accepts either, so one of them is two of three concepts;
    * two of its three most specific words (:func:`_claim_words`) earn half.

    A check that can meet a key point or earn half on one concept never accepts the question's own words.
    """
    claim = shaped.claim
    body = [*claim.body, *claim.extra]

    def concept(term: BankTerm) -> list[str]:
        return _concept(term, alone.get(id(term)), stats, shared)

    def beyond_question(alternatives: list[str]) -> list[str]:
        # "no" stands for "not included" only next to what is missing ("no base case").
        return [p for p in alternatives if _keys_beyond_negation(p) - question_keys]

    found: list[dict[str, Any]] = []

    def add(concepts: list[list[str]]) -> None:
        check = _bank_check(concepts, claim.source, body)
        if check not in found and (not found or check_matches(Check.model_validate(check), claim.source)):
            found.append(check)  # a further check that cannot match its own reference would never match

    if not shaped.terms:
        add([[span_text(claim.sentence, claim.body) or claim.sentence]])
        return found
    add([concept(term) for term in shaped.terms])
    head = _head(shaped)
    if head is not None and len(shaped.terms) >= 2 and (alternatives := beyond_question(concept(head))):
        add([alternatives])
    if len(shaped.ranked) >= 2 and len(shaped.terms) <= 2:
        first, second = (beyond_question(concept(term)) for term in shaped.ranked[:2])
        if first and second:
            add([first, second, list(dict.fromkeys([*first, *second]))])
    words = _claim_words(claim, stats, question_keys, shared - question_keys)
    if words:
        add([list(dict.fromkeys([word, *_synonyms(word)])) for word in words])
    return found


def _draft_item(item: BankItem, stats: _BankStats) -> Draft:
    question_keys = {word_key(word) for word in content_words(item.question)}
    points = _key_points(item, stats, question_keys)
    every_term = [
        term
        for point in points
        for shaped in [point.claim, *point.more]
        for term in [*shaped.terms, *shaped.ranked[:_BANK_MAX_CONCEPTS]]
    ]
    alone = _standalones(list({id(term): term for term in every_term}.values()), stats)
    shared = _shared_keys(points, question_keys)
    strength = [sum(t.score for t in p.terms) for p in points]
    top = max(strength, default=1.0) or 1.0
    criterion_ids: set[str] = set()
    criteria: list[dict[str, Any]] = []
    for point, value in zip(points, strength, strict=True):
        found: list[dict[str, Any]] = []
        for shaped in [point.claim, *point.more]:
            for check in _claim_checks(shaped, alone, stats, shared, question_keys):
                if check not in found:
                    found.append(check)
        # The id names the claim by its first two phrases' content words ("rear-queue-end-array").
        names = "-".join(w for t in point.terms[:2] for w in content_words(t.phrase)) or point.claim.claim.text
        criteria.append(
            {
                "id": unique_id(slugify(names, 32), criterion_ids),
                "text": point.claim.claim.text,
                # Key points weigh 1-3 by how much specific content their claim carries in this bank.
                "weight": max(1.0, min(MAX_WEIGHT, round(2 * (1 + 2 * value / top)) / 2)),
                "checks": found,
                "source_quote": point.claim.claim.sentence,
            }
        )
    model_answer = item.references[0]
    if len(item.references) > 1:
        model_answer += "".join(f"\n\nAlternative reference answer: {other}" for other in item.references[1:])
    data: dict[str, Any] = {
        "id": item.id,
        "title": shorten(item.question, 90),
        "question": item.question,
        "source": [{"document": item.document, "section": f"id {item.id}"}],
        "model_answer": model_answer,
        "criteria": criteria,
    }
    data["examples"] = _bank_examples(validated_rubric(data, item.where), item)
    rubric = validated_rubric(data, item.where)
    header = [
        f"Drafted by `mockint rubric import` from {item.document} (deterministic, bank id {item.id}).",
        "One key point per claim of the reference answer. Its first check asks for the claim's most specific",
        "phrases in one sentence; the others give part of the credit for part of the claim: the head phrase",
        "alone meets it, and a check whose last concept accepts either of two phrases gives half for one.",
    ]
    return Draft(rubric, f"{item.id}.yaml", item.where, header)


def _bank_examples(rubric: Rubric, item: BankItem) -> list[dict[str, Any]]:
    """Each reference as a strong example (the key points it meets) and the question echoed as a weak one.

    The examples must hold with and without the optional meaning layer, which only adds credit: a strong
    example expects what the checks alone meet, a weak one what the grader as installed leaves missed.
    """
    examples: list[dict[str, Any]] = []
    for index, reference in enumerate(item.references):
        verdicts = analyse(reference, rubric, by_meaning_too=False).criteria
        met = {match.id: "met" for match in verdicts if match.verdict == "met"}
        examples.append(
            {
                "label": "strong-reference" if index == 0 else f"strong-reference-{index + 1}",
                "answer": reference,
                "expect": {"criteria": met},
            }
        )
    echoed = analyse(item.question, rubric).criteria
    missed = {match.id: "missed" for match in echoed if match.verdict == "missed"}
    if missed:
        examples.append({"label": "weak-repeats-question", "answer": item.question, "expect": {"criteria": missed}})
    return examples
