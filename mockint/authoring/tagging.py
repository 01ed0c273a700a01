"""Rough word classes of reference-answer text, without a tagger: word lists from
:mod:`mockint.authoring.lexicon` and a few positional rules, enough to tell clauses, phrases and verbs apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from mockint.authoring import lexicon
from mockint.grading.words import content_words

__all__ = [
    "NUMBER_WORDS",
    "Tok",
    "clause_kind",
    "content_count",
    "is_content",
    "lower_first",
    "main_region",
    "previous_word",
    "sentence_case",
    "span_text",
    "subject_of",
    "tokenize",
    "verb_after_noun",
    "word_tokens",
]

# Words, "C++", "do...while", "multi-dimensional", and single punctuation marks.
_WORD_TOKEN_RE = re.compile(r"\w+(?:\.\.\.\w+)?(?:[-'’+#]+\w*)*|[^\w\s]")
_CONJUNCTIONS = frozenset({"and", "or", "but", "nor", "so", "yet"})
NUMBER_WORDS = frozenset("zero one two three four five six seven eight nine ten".split())


@dataclass
class Tok:
    """One token of a reference sentence with its rough word class (tagged by :func:`_tag`)."""

    text: str
    low: str
    start: int
    end: int
    depth: int = 0
    tag: str = "NOUN"  # P DET PRON AUX SUB REL PREP CONJ NEG STOP NUM ADV VERB NOUN
    finite: bool = False


@lru_cache(maxsize=1 << 14)
def is_content(word: str) -> bool:
    """Whether the grader counts the word (not a stopword)."""

    return bool(content_words(word))


def tokenize(text: str) -> list[Tok]:
    """The words and punctuation marks of a text, with parenthesis depth and rough word classes."""

    tokens: list[Tok] = []
    depth = 0
    for match in _WORD_TOKEN_RE.finditer(text):
        word = match.group()
        if word == ")":
            depth = max(0, depth - 1)
        tokens.append(
            Tok(word, word.casefold(), match.start(), match.end(), depth, "P" if not word[0].isalnum() else "")
        )
        if word == "(":
            depth += 1
    _tag(tokens)
    return tokens


def previous_word(tokens: Sequence[Tok], index: int) -> Tok | None:
    """The word before ``index`` in its clause, skipping adverbs and stopwords ("can only be")."""
    for back in range(index - 1, -1, -1):
        token = tokens[back]
        if token.tag == "P":
            return token if token.low != "(" and token.low != ")" else None
        if token.tag not in ("STOP", "ADV"):
            return token
    return None


def _static_tag(low: str) -> str:
    """The word class a word has wherever it stands ("" for nouns, verbs and adjectives, decided in context)."""
    if not low[:1].isalnum():
        return "P"
    if low.isdigit() or low in NUMBER_WORDS:
        return "NUM"
    for tag, words in (
        ("AUX", lexicon.AUXILIARIES),
        ("PRON", lexicon.PRONOUNS),
        ("THAT", ("that",)),
        ("DET", lexicon.DETERMINERS),
        ("REL", lexicon.RELATIVES),
        ("SUB", lexicon.SUBORDINATORS),
        ("PREP", lexicon.PREPOSITIONS),
        ("CONJ", _CONJUNCTIONS),
        ("NEG", lexicon.NEGATIONS),
    ):
        if low in words:
            return tag
    if not is_content(low) and not re.search(r"[-.+#]", low):
        return "STOP"
    if lexicon.verb_form(low) is None and low.endswith("ly") and len(low) > 4:
        return "ADV"
    return ""


def _tag(tokens: list[Tok]) -> None:
    """Rough word classes from word lists and position; enough to tell clauses, phrases and verbs apart."""
    static = [_static_tag(token.low) for token in tokens]
    for index, token in enumerate(tokens):
        token.tag = static[index] or "OPEN"
    for index, token in enumerate(tokens):
        tag = static[index]
        before = tokens[index - 1] if index else None
        after_det = before is not None and before.tag == "DET"
        previous = previous_word(tokens, index)
        if tag in ("AUX", "SUB") and after_det:
            token.tag = "NOUN"  # "a do ... while", "a while"
        elif tag == "AUX":
            token.finite = not (previous is not None and previous.low == "to")
        elif tag == "THAT":
            token.tag = "REL" if previous is not None and previous.tag in ("NOUN", "NUM", "VERB") else "DET"
        elif tag == "":
            after = static[index + 1] if index + 1 < len(tokens) else None
            token.tag, token.finite = _verb_or_noun(tokens, index, previous, after, after_det)
    _promote_verbs(tokens)


def _promote_verbs(tokens: list[Tok]) -> None:
    """A clause after a comma has a verb: in "..., while threads of one process share memory" the word
    lists alone took "share" for part of the noun phrase."""
    start = 0
    for end in [*(i for i, t in enumerate(tokens) if t.low in (",", ";") and not t.depth), len(tokens)]:
        segment = tokens[start:end]
        first = start == 0
        start = end + 1
        words = [t for t in segment if t.tag not in ("P", "CONJ") and t.low not in ("while", "whereas")]
        if first or not words or any(t.finite for t in segment):
            continue
        if words[0].tag not in ("DET", "NOUN", "NUM"):
            continue
        for index in range(len(words)):
            if words[index].tag == "NOUN" and verb_after_noun(words, index):
                words[index].tag, words[index].finite = "VERB", True
                break


def _verb_or_noun(
    tokens: Sequence[Tok], index: int, previous: Tok | None, after: str | None, after_det: bool
) -> tuple[str, bool]:
    """Whether an open word is a verb (and finite) or part of a noun phrase, from its neighbours.

    ``after`` is the context-free class of the next word ("" for an open word).
    """
    low = tokens[index].low
    form = lexicon.verb_form(low)
    if form is None:
        return "NOUN", False
    if after_det or (previous is not None and previous.tag == "DET"):
        return "NOUN", False  # "the linked list", "a copy", "the end"
    if previous is not None and (previous.tag in ("AUX", "NEG") or previous.low == "to"):
        return "VERB", False
    if previous is not None and previous.tag == "PRON":
        return "VERB", form != "ing"
    if previous is not None and previous.tag == "CONJ":
        # "add or remove": a verb after a verb; otherwise a new clause may start here.
        before_conj = previous_word(tokens, index - 1) if index else None
        if before_conj is not None and before_conj.tag == "VERB":
            return "VERB", before_conj.finite
    starts_clause = previous is None or previous.tag in ("P", "CONJ", "SUB", "REL")
    if starts_clause:
        if form == "base":
            # An imperative ("Keep the rear ...", "Use a circular array") has an object after it.
            if after in ("", "DET", "PRON", "NUM", "ADV"):
                return "VERB", True
            return "NOUN", False
        if form == "s":
            return ("VERB", True) if previous is not None and previous.tag == "REL" else ("NOUN", False)
        return "VERB", False  # "Based on ...", "starting with ..."
    if previous is not None and previous.tag in ("NOUN", "NUM"):
        if form == "s":
            return "VERB", True  # "its operand points to", "a function calls itself"
        if form == "base":
            # "arrays declared as static live throughout ..." but "a function call is made".
            ok = after in ("PREP", "DET", "ADV", "STOP", "NUM")
            return ("VERB", True) if ok else ("NOUN", False)
        return "VERB", False  # participle: "arrays declared as static", "the queue pointing to"
    if previous is not None and previous.tag == "VERB":
        return ("NOUN", False) if form == "s" else ("VERB", False)  # "making copies"; "avoids making"
    if previous is not None and previous.tag == "PREP":
        return ("VERB", False) if form == "ing" else ("NOUN", False)
    return "NOUN", False


def main_region(tokens: Sequence[Tok]) -> list[Tok]:
    """Tokens up to the first relative clause after a noun ("a function | that calls itself")."""
    region: list[Tok] = []
    for index, token in enumerate(tokens):
        if token.depth:
            continue
        if token.tag == "REL" and index:
            previous = previous_word(tokens, index)
            if previous is not None and (
                previous.tag in ("NOUN", "NUM", "PRON")
                or (
                    previous.tag == "PREP" and (previous_word(tokens, tokens.index(previous)) or previous).tag == "NOUN"
                )
            ):
                if previous.tag == "PREP" and region:
                    region.pop()
                break
        region.append(token)
    return region


def word_tokens(tokens: Sequence[Tok]) -> list[Tok]:
    """The tokens that are words, not punctuation."""

    return [token for token in tokens if token.tag != "P"]


def content_count(tokens: Sequence[Tok]) -> int:
    """How many content words (nouns, verbs, numbers, adverbs) stand outside parentheses."""

    return sum(1 for token in tokens if token.tag in ("NOUN", "VERB", "NUM", "ADV") and token.depth == 0)


def clause_kind(tokens: Sequence[Tok]) -> str:
    """``clause`` (has a finite main verb), ``subordinate`` ("if the base case is ..."), or ``fragment``."""
    words = [token for token in word_tokens(tokens) if token.depth == 0]
    if not words:
        return "fragment"
    if words[0].tag == "SUB":
        comma = next((i for i, t in enumerate(tokens) if t.low == "," and t.depth == 0), None)
        if comma is not None and any(t.finite for t in main_region(tokens[comma + 1 :])):
            return "clause"
        return "subordinate" if any(t.finite for t in tokens if t.depth == 0) else "fragment"
    return "clause" if any(t.finite for t in main_region(tokens)) else "fragment"


def verb_after_noun(tokens: Sequence[Tok], index: int) -> bool:
    """A base or -s form right after a noun, before more words ("deletion take logarithmic time")."""
    token = tokens[index]
    if index == 0 or index + 1 >= len(tokens) or lexicon.verb_form(token.low) not in ("base", "s"):
        return False
    return tokens[index - 1].tag == "NOUN" and tokens[index + 1].tag != "P"


def span_text(text: str, tokens: Sequence[Tok]) -> str:
    """The text from the first token to the last, as written."""

    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def sentence_case(text: str) -> str:
    """The text as a sentence: capitalised, ending with a full stop."""

    text = text.strip().rstrip(",;:")
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in ".!?…" else text + "."


def lower_first(text: str) -> str:
    """Lower-case the first word unless it is a name or an acronym ("C++", "N", "FIFO")."""
    first = text.split(" ", 1)[0]
    common = first.casefold() in lexicon.DETERMINERS or (len(first) > 1 and first[1:].islower())
    if first[:1].isupper() and first.isalpha() and common:
        return text[:1].lower() + text[1:]
    return text


def subject_of(tokens: Sequence[Tok]) -> list[Tok] | None:
    """The noun phrase before a clause's first finite verb ("The arrays declared as static")."""
    for index, token in enumerate(tokens):
        if token.finite:
            subject = list(tokens[:index])
            words = word_tokens(subject)
            if (
                words
                and words[0].tag in ("DET", "NOUN", "NUM")
                and any(t.tag == "NOUN" for t in words)
                and not any(t.tag in ("PRON", "SUB", "CONJ") for t in words)
            ):
                return subject
            return None
    return None
