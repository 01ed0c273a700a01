"""Words for the deterministic grader: normalisation, tokens, stop words, negation cues, EN/RU stems and keys.

Pure functions, cached: a rubric's words are keyed once, an answer's as it is parsed (:mod:`mockint.grading.text`).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

from mockint.grading.cues import CLAUSE_WORDS, NEGATION_CUES

_CHAR_MAP = str.maketrans(
    {
        "ё": "е",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "″": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "﹘": "-",
        # The judge prompt neutralises tags in the answer with these, so quotes may come back with them.
        "‹": "<",
        "›": ">",
    }
)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_CHAR_MAP)


# Numbers with a decimal point stay whole ("0.05"); hyphenated words stay whole here and are split later.
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*(?:-[^\W_]+(?:'[^\W_]+)*)*")
CYRILLIC_RE = re.compile(r"[а-яё]")
LATIN_RE = re.compile(r"[a-z]")

# Prepositions that carry meaning in a phrase ("under the null", "after retrieval", "without review") are
# deliberately not stopwords, and negation cues never are, so a phrase can require them.
STOP_EN = frozenset(
    """
    a an the and or of to in on at by for with from into onto as is are was were be been being am do does did
    doing have has having had it its it's this that these those there here then than so if else when where which
    who whom whose what how why we i you he she they them us our ours your yours his her hers their theirs my me
    him itself themselves ourselves yourself myself also just only very too can could would should will shall
    may might must about each all any both up down out off again
    further once because while but via per such own we're they're i'm it'll we'll let's etc ie eg
    """.split()
)
STOP_RU = frozenset(
    """
    и в во что он на я с со как а то все всё она так его но да ты к у же вы за бы по только ее её мне было вот от
    меня еще ещё о из ему теперь когда даже ну вдруг ли если уже или быть был него до вас нибудь опять уж вам ведь
    там потом себя ей может они тут где есть надо ней для мы тебя их чем была сам чтоб будто чего раз тоже себе
    под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас
    были куда зачем всех можно при наконец два об другой хоть после над больше тот через эти нас про всего них
    какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том такой им более всегда
    конечно всю между это сначала затем которые который которая которое также
    """.replace("ё", "е").split()
)
STOPWORDS = STOP_EN | STOP_RU


def is_negation_cue(word: str) -> bool:
    return word in NEGATION_CUES or word.endswith("n't")


def is_function_word(word: str) -> bool:
    return word in STOPWORDS or word in CLAUSE_WORDS or is_negation_cue(word)


# ---------------------------------------------------------------------------------------------------------
# Stemming
# ---------------------------------------------------------------------------------------------------------

_stemmers = threading.local()  # snowball stemmer objects keep state between calls, so one set per thread


def _snowball(word: str, language: str) -> str:
    stemmers: dict[str, snowballstemmer.stemmer] | None = getattr(_stemmers, "by_language", None)
    if stemmers is None:
        stemmers = {}
        _stemmers.by_language = stemmers
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer(language)
        stemmers[language] = stemmer
    return str(stemmer.stemWord(word))


# Snowball only removes inflections. Russian derivations of one root ("ранжирование", "ранжируем";
# "отбор", "отбираем") still differ, so Russian stems are cut back further to a root: verb-forming and
# noun-forming suffixes go, and the root is compared on a prefix with unstressed-vowel alternations
# (о/а/и/е/ы/я after the second letter) masked.
_RU_SUFFIXES = ("ировщик", "ирован", "ирова", "ован", "ова", "ева", "ыва", "ива", "иру", "ир", "ен", "ан", "ац")
_RU_FINAL_VOWELS = "аяиыеоу"
_RU_MASKED = frozenset("аоеиыя")
_RU_MIN_ROOT = 4
_RU_MAX_KEY = 7


def _ru_root(stem: str) -> str:
    for suffix in _RU_SUFFIXES:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= _RU_MIN_ROOT:
            return stem[: -len(suffix)]
    if stem and stem[-1] in _RU_FINAL_VOWELS and len(stem) - 1 >= _RU_MIN_ROOT:
        return stem[:-1]
    return stem


def _ru_mask(root: str) -> str:
    return root[:2] + "".join("*" if char in _RU_MASKED else char for char in root[2:])


# British spellings folded to American before stemming, in rubric and answer alike ("randomisation",
# "labelling", "colour", "catalogue", "centre", "analyse").
_SPELLING_FOLDS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations|er|ers|able)$", r"iz\1"),
        (r"(?<=[a-z]{2})ys(e|es|ed|ing)$", r"yz\1"),
        (r"(?<=[a-z]{3})our(s|ed|ing|hood|hoods|ite|ful|able)?$", r"or\1"),
        (r"(?<=[a-z]{3})tre(s)?$", r"ter\1"),
        (r"(?<=[a-z]{3})ogue(s)?$", r"og\1"),
        (r"([aeiouy][^aeiouy]+)ell(ed|ing|er|ers)$", r"\1el\2"),
    )
)


def _english_stem(word: str) -> str:
    for pattern, replacement in _SPELLING_FOLDS:
        word = pattern.sub(replacement, word)
    return _snowball(word, "english")


# A Russian ending on a Latin stem ("hallucinate'ит", "shared'ы", "fine-tuneить") is dropped: the stem
# carries the meaning.
_MIXED_SCRIPT_RE = re.compile(r"^([a-z0-9]+)'?([а-яё]{1,4})$")


def split_scripts(word: str) -> str:
    """A word with a short Cyrillic ending on a Latin stem, as its Latin stem; any other word as it is."""
    match = _MIXED_SCRIPT_RE.match(word)
    return match.group(1) if match else word


@lru_cache(maxsize=1 << 16)
def phrase_key(word: str) -> str:
    """The key a phrase word is looked up by."""
    if CYRILLIC_RE.search(word):
        root = _ru_root(_snowball(word, "russian"))
        return "~" + _ru_mask(root[:_RU_MAX_KEY])
    return _english_stem(word)


# Small numbers are written either way ("only one element", "size 1"); each form stands for the other.
_NUMBER_WORDS = dict(
    zip(
        "zero one two three four five six seven eight nine ten".split(),
        "0 1 2 3 4 5 6 7 8 9 10".split(),
        strict=True,
    )
)
_NUMBER_ALIASES = {**_NUMBER_WORDS, **{digit: word for word, digit in _NUMBER_WORDS.items()}}


@lru_cache(maxsize=1 << 16)
def text_keys(word: str) -> tuple[str, ...]:
    """The keys an answer word is indexed under: a phrase word matches it when its key is among them.

    Besides its own keys, a word has those of its translation (:mod:`mockint.grading.bilingual`).
    """
    keys = _own_keys(word)
    translated = [key for own in keys for key in _translations().get(own, ())]
    return tuple(dict.fromkeys([*keys, *translated])) if translated else keys


@lru_cache(maxsize=1)
def _translations() -> dict[str, tuple[str, ...]]:
    from mockint.grading.bilingual import PAIRS

    table: dict[str, list[str]] = {}
    for english, russian in PAIRS:
        english_key, russian_key = phrase_key(english), phrase_key(russian)
        table.setdefault(english_key, []).append(russian_key)
        table.setdefault(russian_key, []).append(english_key)
    return {key: tuple(dict.fromkeys(found)) for key, found in table.items()}


def _own_keys(word: str) -> tuple[str, ...]:
    alias = _NUMBER_ALIASES.get(word)
    if alias is not None:
        return (_english_stem(word), _english_stem(alias))
    if CYRILLIC_RE.search(word):
        root = _ru_root(_snowball(word, "russian"))
        if len(root) < _RU_MIN_ROOT:
            # masked exactly as phrase_key masks it, or short roots ("слои") never match
            return ("~" + _ru_mask(root),)
        # Every prefix from the minimum root length up, so a phrase root matches longer derived roots.
        return tuple("~" + _ru_mask(root[:length]) for length in range(_RU_MIN_ROOT, min(len(root), _RU_MAX_KEY) + 1))
    return (_english_stem(word),)


def content_words(text: str) -> list[str]:
    """The content words of a text, normalised (case-folded, quotes and dashes unified), in order.

    Stopwords are left out; hyphenated words stay whole ("p-value"), decimal numbers too ("0.05").

    Args:
        text: Any text, English or Russian.

    Returns:
        The words, repeats included.
    """
    words: list[str] = []
    for token in TOKEN_RE.findall(normalise(text)):
        if token not in STOPWORDS:
            words.append(token)
    return words


@lru_cache(maxsize=1 << 16)
def word_key(word: str) -> str:
    """The key a check phrase word is matched by (its English stem, or a masked Russian root).

    Two words with the same key match each other in a check; hyphenated words are keyed joined ("re-rank"
    and "rerank" share a key).
    """
    normalised = normalise(word).strip()
    return phrase_key(normalised.replace("-", "") if not normalised[:1].isdigit() else normalised)


class PhraseIndex:
    """Phrases of whole words (``("rabbit", "hole")``), indexed by their first word: a sentence's words are
    looked up one by one, and most open no phrase at all."""

    __slots__ = ("_by_first",)

    def __init__(self, phrases: Iterable[tuple[str, ...]]) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            self._by_first.setdefault(phrase[0], []).append(phrase)

    def at(self, words: Sequence[str], start: int) -> tuple[str, ...] | None:
        """The first phrase of the index that ``words`` hold from ``start`` on, if any."""
        for phrase in self._by_first.get(words[start], ()):
            if tuple(words[start : start + len(phrase)]) == phrase:
                return phrase
        return None

    def positions(self, words: Sequence[str]) -> set[int]:
        """The positions of ``words`` inside any phrase of the index."""
        found: set[int] = set()
        for start, word in enumerate(words):
            for phrase in self._by_first.get(word, ()):
                if tuple(words[start : start + len(phrase)]) == phrase:
                    found.update(range(start, start + len(phrase)))
        return found

    def count(self, words: Sequence[str]) -> int:
        """How many places of ``words`` open a phrase of the index."""
        return sum(1 for start in range(len(words)) if self.at(words, start) is not None)

    def found_in(self, words: Sequence[str]) -> bool:
        """Whether ``words`` hold any phrase of the index."""
        return any(self.at(words, start) is not None for start, word in enumerate(words) if word in self._by_first)
