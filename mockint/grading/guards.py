"""Guards: properties of a whole answer that cap its score (empty, garbage, keyword salad, off-topic, injection)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from mockint.grading.injection import has_injection
from mockint.grading.salad import RELATION_RE, SALAD_SHARE
from mockint.grading.text import Doc
from mockint.grading.words import CYRILLIC_RE, TOKEN_RE, is_function_word, normalise, text_keys

if TYPE_CHECKING:
    from mockint.grading.plans import Compiled

GuardKind = Literal["empty", "garbage", "keyword_list", "off_topic", "echo", "dismissive", "injection"]


@dataclass(frozen=True, slots=True)
class Guard:
    """Something about the answer as a whole that limits its score.

    Attributes:
        kind: What was found.
        message: One human sentence saying what was found (no final period).
        cap: The score may not exceed this.
        judged_too: The cap holds over an LLM judge's verdicts too; False: only over a deterministic grade
            (the guard reads the answer's stance, which a judge reads for itself).
    """

    kind: GuardKind
    message: str
    cap: float
    judged_too: bool = True


# ---------------------------------------------------------------------------------------------------------
# Guards
# ---------------------------------------------------------------------------------------------------------

_INVISIBLE_RE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")
_LETTER_WORD_RE = re.compile(r"[^\W_]+")
_LATIN_WORD_RE = re.compile(r"[a-z]+")
_CYRILLIC_WORD_RE = re.compile(r"[а-я]+")
_LATIN_VOWELS = frozenset("aeiouy")
_CYRILLIC_VOWELS = frozenset("аеиоуыэюя")
_KEYBOARD_RUNS = (
    "qwer",
    "asdf",
    "sdfg",
    "dfgh",
    "fghj",
    "ghjk",
    "hjkl",
    "zxcv",
    "xcvb",
    "cvbn",
    "vbnm",
    "yuio",
    "uiop",
    "йцук",
    "цуке",
    "фыва",
    "ывап",
    "ячсм",
)
_RARE_BIGRAMS_RE = re.compile(r"q(?!u|$)|zx|xz|jq|jx|xj|vq|fq|wq|jz|zj|vx|xv|kq|qk|qz|zq|bx|xk|fz|pq")


@lru_cache(maxsize=1 << 16)
def _plausible_word(word: str) -> bool:
    """Whether a lowercase, accent-free, letters-only word could be an English or Russian word."""
    if _LATIN_WORD_RE.fullmatch(word):
        vowels, max_consonants = _LATIN_VOWELS, 5
        if _RARE_BIGRAMS_RE.search(word):
            return False
    elif _CYRILLIC_WORD_RE.fullmatch(word):
        vowels, max_consonants = _CYRILLIC_VOWELS, 4
    else:
        return False
    if len(word) == 1:
        return word in "aiвскоуияаж"
    if len(word) > 30 or any(run in word for run in _KEYBOARD_RUNS):
        return False
    vowel_count = 0
    run = 0
    previous = ""
    repeats = 0
    for char in word:
        if char in vowels:
            vowel_count += 1
            run = 0
        else:
            run += 1
            if run > max_consonants:
                return False
        repeats = repeats + 1 if char == previous else 0
        if repeats >= 2:
            return False
        previous = char
    return vowel_count > 0 and (len(word) < 5 or vowel_count / len(word) >= 0.15)


@lru_cache(maxsize=65536)
def _real_word(word: str) -> bool:
    # Words recur across a batch's answers: each is judged once.
    return _plausible_word(_strip_accents(word.casefold()).replace("ё", "е"))


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


_CONTROL_CATEGORIES = frozenset({"Cc", "Co", "Cn", "Cs"})
_NEUTRAL, _REAL, _UNREAL = 0, 1, 2


@lru_cache(maxsize=65536)
def _word_kind(word: str) -> int:
    """Whether a word of the answer is real, unreal (random letters) or neutral; judged once per word."""
    if any(char.isdigit() for char in word) or (word.isupper() and 2 <= len(word) <= 6) or len(word) == 1:
        # Numbers, identifiers, acronyms (NDCG, BM25) and single letters (the n of "O(n log n)") count as
        # words but say nothing about noise.
        return _NEUTRAL
    return _REAL if _real_word(word) else _UNREAL


def _garbage_message(visible: str, answer: str, credited: bool) -> str | None:
    # Per distinct character, not per character: an answer has a few dozen of them.
    characters = Counter(visible)
    controls = sum(n for char, n in characters.items() if unicodedata.category(char) in _CONTROL_CATEGORIES)
    alphanumeric = sum(n for char, n in characters.items() if char.isalnum())
    if controls / len(visible) > 0.1 or alphanumeric / len(visible) < 0.5:
        return "answer is mostly symbols or binary data, not words"
    kinds = Counter(map(_word_kind, _LETTER_WORD_RE.findall(unicodedata.normalize("NFKC", answer))))
    real, unreal, neutral = kinds[_REAL], kinds[_UNREAL], kinds[_NEUTRAL]
    if real < unreal:
        return "answer is mostly random letters, not words"
    # A terse answer that states a key point ("push", "at main") answers a short question; only a terse
    # answer that states none is too short to be an answer.
    if real == 0 or (real + neutral < 3 and not credited):
        return "answer has fewer than 3 real words"
    return None


_LIST_ITEM_SPLIT_RE = re.compile(r"[\n,;|•·]+|[.!?](?=\s|$)")


# Prepositions that are content in a phrase ("under the null") but still mark running text, not a list.
_GLUE_WORDS = frozenset(
    """
    before after under over between through within without across along during against among toward towards
    since until upon than like unlike versus beside inside outside onto
    перед после между через внутри вне против среди около вместо кроме
    """.split()
)


@lru_cache(maxsize=65536)
def _listless_word(word: str) -> bool:
    """Whether a word marks running text rather than a list of terms (a function or glue word)."""
    return is_function_word(word) or word in _GLUE_WORDS


def _is_keyword_list(doc: Doc, answer: str) -> bool:
    words = [word for sentence in doc.sentences for word in sentence.words if not word[0].isdigit()]
    if len(words) < 6:
        return False
    relations = len(RELATION_RE.findall(answer))
    function_share = (sum(map(_listless_word, words)) + relations) / (len(words) + relations)
    if function_share < 0.12:
        return True
    # A bulleted or comma-separated list of short items with hardly any function words (the share first: most
    # answers have plenty, and need not be split into items).
    if function_share >= 0.25:
        return False
    items = [TOKEN_RE.findall(item) for item in _LIST_ITEM_SPLIT_RE.split(normalise(answer))]
    items = [item for item in items if item]
    return len(items) >= 4 and all(len(item) <= 3 for item in items)


# An answer of this many content words that never names the question's subject (the rubric's ``subject``:
# "outfit", "clothes", "image", "experiment") answers another question, whatever terms it reuses ("to find
# duplicate listings I'd compute image and text embeddings, ANN candidates, hard negatives ..."). Shorter
# answers are notes that may leave the subject implied. Capped as a salad is: it may hold real knowledge, of
# something else.
SUBJECT_MIN_WORDS = 12
SUBJECT_CAP = 0.3


def _is_off_topic(doc: Doc, compiled: Compiled) -> bool:
    words = {
        word
        for sentence in doc.sentences
        for word in sentence.words
        if len(word) > 1 and not word[0].isdigit() and not is_function_word(word)
    }
    if len(words) < 3:
        return False
    cyrillic = sum(1 for word in words if CYRILLIC_RE.search(word))
    # A rubric written only in English says nothing about whether a Russian answer is on topic.
    covered = compiled.vocabulary_cyrillic if cyrillic * 2 > len(words) else compiled.vocabulary_latin
    if covered < 10:
        return False
    known = sum(1 for word in words if any(key in compiled.vocabulary for key in text_keys(word)))
    return known / len(words) < 0.2


@dataclass(frozen=True, slots=True)
class AnswerFlags:
    """What the sentence-level guards found, for the answer-level guards.

    Attributes:
        injection: Some text is addressed to the grader.
        echo: Some sentence restates the question.
        salad_share: Share of the answer's content words in sentences that string terms together.
        subject_named: The answer names one of the rubric's ``subject`` words (True when it has none).
        dismissed: Key points that the answer names only to negate or belittle them.
        met: Key points that the answer meets.
    """

    injection: bool = False
    echo: bool = False
    salad_share: float = 0.0
    subject_named: bool = True
    dismissed: int = 0
    met: int = 0


# An answer that dismisses at least this many key points, and no fewer than it meets, argues against the
# answer it names ("weight sharing is overrated; the hierarchy story is a nice picture for blog posts"): a
# negation trap, which a person grades near nothing, however many other points it gets credit for by the way.
DISMISSIVE_MIN = 2
DISMISSIVE_CAP = 0.3


# An answer that tries to talk the grader into a grade gets at most this, whatever else it says: a person
# grading it gives a gaming attempt next to nothing.
INJECTION_CAP = 0.1


def _guards(
    answer: str, doc: Doc, compiled: Compiled, credited: bool, flags: AnswerFlags = AnswerFlags()
) -> tuple[Guard, ...]:
    visible = _INVISIBLE_RE.sub("", answer)
    if not visible:
        return (Guard("empty", "answer is empty", 0.0),)
    guards: list[Guard] = []
    garbage = _garbage_message(visible, answer, credited)
    if garbage is not None:
        guards.append(Guard("garbage", garbage, 0.0))
    else:
        if _is_keyword_list(doc, answer):
            guards.append(Guard("keyword_list", "answer is a bare list of keywords, not sentences", 0.3))
        elif flags.salad_share >= SALAD_SHARE:
            guards.append(
                Guard("keyword_list", "answer strings the rubric's terms together without explaining them", 0.3)
            )
        if flags.echo and not credited:
            guards.append(Guard("echo", "answer restates the question instead of answering it", 0.1))
        elif not credited and _is_off_topic(doc, compiled):
            guards.append(
                Guard("off_topic", "answer does not address the question: no key point and few of its terms", 0.1)
            )
        elif not flags.subject_named and doc.content_words() >= SUBJECT_MIN_WORDS:
            guards.append(
                Guard(
                    "off_topic",
                    "answer never names what the question is about (none of the rubric's subject words)",
                    SUBJECT_CAP,
                )
            )
        if flags.dismissed >= DISMISSIVE_MIN and flags.dismissed >= flags.met:
            guards.append(
                Guard(
                    "dismissive",
                    f"answer dismisses more key points than it makes ({flags.dismissed} dismissed, {flags.met} met)",
                    DISMISSIVE_CAP,
                    judged_too=False,
                )
            )
    normalised = normalise(answer)
    if flags.injection or has_injection(normalised):
        guards.append(
            Guard(
                "injection",
                "answer contains text addressed to the grader; that text earns nothing",
                INJECTION_CAP,
            )
        )
    return tuple(guards)


# A sentence echoes the question when nearly all its distinct content words are the question's.
_ECHO_MIN_WORDS = 4
_ECHO_SHARE = 0.8


def mark_echoes(doc: Doc, question_keys: frozenset[str], vocabulary: frozenset[str] = frozenset()) -> bool:
    """Exclude from credit the sentences that restate the question.

    A sentence echoes the question when nearly all its distinct content words are the question's and none of
    the others is a word of the rubric: "the operation corresponding to enqueue is push" restates the question
    but adds the answer.

    Args:
        doc: The parsed answer; echoing sentences get ``excluded``.
        question_keys: Word keys of the question and its title.
        vocabulary: Word keys of the rubric.

    Returns:
        Whether any sentence echoed the question.
    """
    found = False
    for sentence in doc.sentences:
        if sentence.excluded:
            continue
        words = {sentence.words[raw] for raw in sentence.content_raw if not sentence.words[raw][0].isdigit()}
        if len(words) < _ECHO_MIN_WORDS:
            continue
        added = [word for word in words if not any(key in question_keys for key in text_keys(word))]
        answers = any(key in vocabulary for word in added for key in text_keys(word))
        if len(words) - len(added) >= _ECHO_SHARE * len(words) and not answers:
            sentence.excluded = True
            found = True
    return found
