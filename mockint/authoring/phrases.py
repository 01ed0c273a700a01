"""The phrases of a claim: noun phrases ("function signature", "height of the tree"), verbs with their adverb
or negation ("allocated dynamically", "not included"), numbers, and lexicon phrases kept whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mockint.authoring import lexicon
from mockint.authoring.tagging import Tok, is_content, main_region, tokenize
from mockint.grading.words import word_key

__all__ = ["BankTerm", "chunk_phrases"]

# Prepositions that carry the claim ("all dimensions except the first one"): kept in the phrase.
_EXCLUSIVE = frozenset({"except", "without", "unlike", "besides"})
# Parentheticals that contrast or illustrate ("as opposed to ...", "e.g. ...") add no alternative wording.
_ASIDE_OPENERS = frozenset({"as", "unlike", "e", "eg", "for", "not", "i", "ie", "see", "compare", "vs", "versus"})


@dataclass
class BankTerm:
    """One phrase of a claim, with its words, where it stands and how specific it is (set by the bank drafter)."""

    phrase: str
    words: list[str]
    position: int
    verb: bool = False
    subject: bool = False
    alternatives: list[BankTerm] = field(default_factory=list)
    score: float = 0.0
    lexical: bool = False  # a lexicon phrase ("first in first out", "at least once")

    @property
    def keys(self) -> set[str]:
        return {word_key(word) for word in self.words if is_content(word)}


def _lexicon_phrases() -> tuple[dict[str, list[tuple[str, ...]]], frozenset[str]]:
    """Lexicon phrases of two or more words (stopwords included) by first word, longest first; and the
    lexicon's single words that are stopwords to the matcher ("once")."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    single: set[str] = set()
    for group in lexicon.SYNONYM_GROUPS:
        for phrase in group:
            words = tuple(phrase.casefold().split())
            if len(words) >= 2:
                by_first.setdefault(words[0], []).append(words)
            elif not is_content(words[0]):
                single.add(words[0])
    for phrases in by_first.values():
        phrases.sort(key=len, reverse=True)
    return by_first, frozenset(single)


_RAW_PHRASES, _LEXICON_STOPWORDS = _lexicon_phrases()


def _phrase_text(tokens: Sequence[Tok], keep_first: bool = False) -> str:
    """A phrase as written, without leading determiners, in lower case unless a word is a name ("N", "C++")."""
    words = [t for t in tokens if t.tag != "P"]
    while words and words[0].tag in ("DET", "PREP") and not keep_first:
        words = words[1:]
    return " ".join(t.text if t.text.isupper() or "+" in t.text else t.low for t in words)


def _noun_run(tokens: Sequence[Tok], start: int) -> int:
    end = start
    while end < len(tokens) and tokens[end].tag in ("NOUN", "NUM") and not tokens[end].depth:
        end += 1
    return end


def chunk_phrases(tokens: Sequence[Tok]) -> list[BankTerm]:
    """Phrases of a claim: noun phrases ("function signature", "height of the tree"), verbs with their
    adverb or negation ("allocated dynamically", "not included"), numbers; lexicon phrases stay whole."""
    terms: list[BankTerm] = []
    # The subject of a clause ("The block inside a do...while statement will ...") is what the claim is
    # about; a verb of a relative clause ("a collection of elements that can be ...") ends no subject.
    main = main_region(tokens)
    subject_end = next((i for i, t in enumerate(tokens) if t.finite and t in main), -1)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.depth or token.tag == "P":
            index += 1
            continue
        raw = _raw_phrase(tokens, index)
        if raw:
            part = [t for t in tokens[index : index + raw] if t.tag != "P"]
            terms.append(BankTerm(" ".join(t.low for t in part), [t.low for t in part], index, lexical=True))
            index += raw
            continue
        if token.low in _EXCLUSIVE:
            after = index + 1
            while after < len(tokens) and tokens[after].tag == "DET":
                after += 1
            stop = _noun_run(tokens, after)
            if stop > after:
                # "except the first one": "one" only stands for the noun said before ("except the first dimension")
                end = stop - 1 if stop - after > 1 and tokens[stop - 1].low in ("one", "ones") else stop
                words = [token.low, *(t.low for t in tokens[after:end])]
                term = BankTerm(_phrase_text(tokens[index:end], keep_first=True), words, index)
                rest = _phrase_text(tokens[after:end])
                term.alternatives = [BankTerm(f"{other} {rest}", [], index) for other in lexicon.synonyms(token.low)]
                terms.append(term)
                index = stop
                continue
        if token.tag in ("NOUN", "NUM"):
            end = _of_phrase(tokens, index, _noun_run(tokens, index))
            noun_part = tokens[index:end]
            words = [t.low for t in noun_part if t.tag in ("NOUN", "NUM")]
            terms.append(BankTerm(_phrase_text(noun_part), words, index, subject=index < subject_end))
            index = end
            continue
        if token.tag == "VERB" or (token.tag == "NEG" and index + 1 < len(tokens) and tokens[index + 1].tag == "VERB"):
            end = index + 1 if token.tag == "VERB" else index + 2
            if end < len(tokens) and tokens[end].tag == "ADV":
                end += 1
            verb_part = tokens[index:end]
            words = [t.low for t in verb_part if t.tag != "NEG"]
            terms.append(BankTerm(" ".join(t.low for t in verb_part), words, index, verb=True))
            index = end
            continue
        if token.tag == "ADV" or token.low in _LEXICON_STOPWORDS:
            terms.append(BankTerm(token.low, [token.low], index, lexical=token.tag != "ADV"))
        index += 1
    _attach_asides(tokens, terms)
    return terms


def _raw_phrase(tokens: Sequence[Tok], index: int) -> int:
    """How many tokens the lexicon phrase ("first in first out", "last in, first out") starting at
    ``index`` takes (commas and hyphens between its words included), or 0."""
    for words in _RAW_PHRASES.get(tokens[index].low, ()):
        position = index
        matched = 0
        while position < len(tokens) and matched < len(words):
            token = tokens[position]
            if token.depth:
                break
            if token.low in (",", "-") and matched:
                position += 1
                continue
            if token.low != words[matched]:
                break
            matched += 1
            position += 1
        if matched == len(words):
            return position - index
    return 0


def _of_phrase(tokens: Sequence[Tok], start: int, end: int) -> int:
    """Extend a one-word noun over "of (the) N" with N of one or two words ("name of the function", "height
    of the tree"): the word alone says too little ("name", "height")."""
    if end - start != 1 or end >= len(tokens) or tokens[end].low != "of":
        return end
    after = end + 1
    while after < len(tokens) and tokens[after].tag == "DET":
        after += 1
    stop = _noun_run(tokens, after)
    return stop if after < stop <= after + 2 else end


def _attach_asides(tokens: Sequence[Tok], terms: list[BankTerm]) -> None:
    """A parenthetical after a term is another way to say it ("alias (synonym)", "1 (or 2)")."""
    index = 0
    while index < len(tokens):
        if tokens[index].low != "(":
            index += 1
            continue
        close = next((i for i in range(index + 1, len(tokens)) if tokens[i].low == ")"), len(tokens))
        inside = [t for t in tokens[index + 1 : close] if t.tag != "P"]
        before = [term for term in terms if term.position < index]
        if inside and before and inside[0].low not in _ASIDE_OPENERS:
            if inside[0].low == "or":
                inside = inside[1:]
            inner = chunk_phrases(tokenize(" ".join(t.text for t in inside)))
            if inner:
                before[-1].alternatives.append(inner[0])
        index = close + 1
