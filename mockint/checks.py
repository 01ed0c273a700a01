"""The deterministic grader: concept matching with stemming and negation, mistake detectors, answer guards.

It always runs, and it is the whole grade when no LLM judge is configured, so it matches concepts rather than
strings: phrases are compared on content-word stems (English and Russian), in any order within a short window
of one sentence, and a mention under a negation ("we didn't separate ...") does not count.

Everything here is a pure function of the answer and the rubric. A rubric is compiled once and the compiled
form is kept on the rubric (``Rubric._compiled``).
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import snowballstemmer

from mockint.models import Check, Criterion, Mistake, Rubric, Verdict

__all__ = [
    "Analysis",
    "CriterionMatch",
    "Guard",
    "GuardKind",
    "MistakeMatch",
    "analyse",
    "find_quote",
    "check_matches",
    "content_words",
    "omission_committed",
    "word_key",
]

GuardKind = Literal["empty", "garbage", "keyword_list", "off_topic", "injection"]


@dataclass(frozen=True, slots=True)
class CriterionMatch:
    """The deterministic verdict on one key point.

    Attributes:
        id: The key point's id.
        verdict: ``met``, ``partial`` or ``missed``.
        evidence: The answer's sentence that matched, verbatim (stripped); ``None`` when missed.
    """

    id: str
    verdict: Verdict
    evidence: str | None


@dataclass(frozen=True, slots=True)
class MistakeMatch:
    """Whether the answer makes one typical mistake, by the deterministic checks.

    Attributes:
        id: The mistake's id.
        committed: Whether a detector matched or every key point listed in ``omission_of`` was missed.
        evidence: The answer's sentence that triggered a detector, verbatim; ``None`` for an omission or when
            not committed.
    """

    id: str
    committed: bool
    evidence: str | None


@dataclass(frozen=True, slots=True)
class Guard:
    """Something about the answer as a whole that limits its score.

    Attributes:
        kind: What was found.
        message: One human sentence saying what was found (no final period).
        cap: The score may not exceed this.
    """

    kind: GuardKind
    message: str
    cap: float


@dataclass(frozen=True, slots=True)
class Analysis:
    """The deterministic analysis of one answer against one rubric.

    Attributes:
        criteria: One verdict per key point, in rubric order.
        mistakes: One verdict per typical mistake, in rubric order.
        guards: The guards that fired, in a fixed order (empty, garbage, keyword_list, off_topic, injection).
    """

    criteria: tuple[CriterionMatch, ...]
    mistakes: tuple[MistakeMatch, ...]
    guards: tuple[Guard, ...]


# ---------------------------------------------------------------------------------------------------------
# Text normalisation and word lists
# ---------------------------------------------------------------------------------------------------------

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


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_CHAR_MAP)


# Numbers with a decimal point stay whole ("0.05"); hyphenated words stay whole here and are split later.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*(?:-[^\W_]+(?:'[^\W_]+)*)*")
_CYRILLIC_RE = re.compile(r"[а-яё]")
_LATIN_RE = re.compile(r"[a-z]")

# Prepositions that carry meaning in a phrase ("under the null", "after retrieval", "without review") are
# deliberately not stopwords, and negation cues never are, so a phrase can require them.
_STOP_EN = frozenset(
    """
    a an the and or of to in on at by for with from into onto as is are was were be been being am do does did
    doing have has having had it its it's this that these those there here then than so if else when where which
    who whom whose what how why we i you he she they them us our ours your yours his her hers their theirs my me
    him itself themselves ourselves yourself myself also just only very too can could would should will shall
    may might must about each all any both up down out off again
    further once because while but via per such own we're they're i'm it'll we'll let's etc ie eg
    """.split()
)
_STOP_RU = frozenset(
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
_STOPWORDS = _STOP_EN | _STOP_RU

_NEGATION_CUES = frozenset(
    """
    not no never none nothing neither nor without cannot nobody nowhere
    dont didnt doesnt isnt wasnt werent arent cant couldnt wouldnt shouldnt wont havent hasnt hadnt mustnt
    neednt aint
    не нет ни без никогда ничего нельзя никак
    """.split()
)
# "not only X but also Y" affirms X; so do "no doubt", "тем не менее" and "без сомнения".
_NOT_A_NEGATION_BEFORE = frozenset(
    {"only", "just", "merely", "simply", "doubt", "matter", "wonder", "только", "просто", "менее", "сомнения"}
)
# A negation does not reach past these: "we don't X, but we Y".
_CLAUSE_WORDS = frozenset(
    """
    but while whereas although though however because instead
    но а однако хотя зато поскольку
    """.split()
)
_CLAUSE_PUNCT_RE = re.compile(r"[,;:()\[\]\-]")
# A second negation that turns "never ... without X" into an assertion of X.
_CANCELLING_CUES = frozenset({"without", "без"})

# How many tokens a negation cue reaches forward in its clause.
_NEGATION_REACH = 5


def _is_negation_cue(word: str) -> bool:
    return word in _NEGATION_CUES or word.endswith("n't")


def _is_function_word(word: str) -> bool:
    return word in _STOPWORDS or word in _CLAUSE_WORDS or _is_negation_cue(word)


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


@lru_cache(maxsize=1 << 16)
def _phrase_key(word: str) -> str:
    """The key a phrase word is looked up by."""
    if _CYRILLIC_RE.search(word):
        root = _ru_root(_snowball(word, "russian"))
        return "~" + _ru_mask(root[:_RU_MAX_KEY])
    return _snowball(word, "english")


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
def _text_keys(word: str) -> tuple[str, ...]:
    """The keys an answer word is indexed under: a phrase word matches it when its key is among them."""
    alias = _NUMBER_ALIASES.get(word)
    if alias is not None:
        return (_snowball(word, "english"), _snowball(alias, "english"))
    if _CYRILLIC_RE.search(word):
        root = _ru_root(_snowball(word, "russian"))
        if len(root) < _RU_MIN_ROOT:
            # masked exactly as _phrase_key masks it, or short roots ("слои") never match
            return ("~" + _ru_mask(root),)
        # Every prefix from the minimum root length up, so a phrase root matches longer derived roots.
        return tuple("~" + _ru_mask(root[:length]) for length in range(_RU_MIN_ROOT, min(len(root), _RU_MAX_KEY) + 1))
    return (_snowball(word, "english"),)


# ---------------------------------------------------------------------------------------------------------
# Answer parsing
# ---------------------------------------------------------------------------------------------------------

# "0.05", "e.g" and "sklearn.metrics" are not split: a period ends a sentence only before space or a closer.
_SENTENCE_END_RE = re.compile(r"\.+(?=[\s\"'”’»)\]]|$)|[!?…。！？]+|[;；]|\n")
_SENTENCE_CLOSERS = frozenset(".!?…。！？")
_BULLET_RE = re.compile(r"^(?:[-*•·]|\d{1,2}[.)])\s+")

_UNNEGATED = 1
_NEGATED = 2


class _Sentence:
    __slots__ = ("clause", "content_raw", "cues", "text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: list[str] = []
        self.clause: list[int] = []
        self.cues: list[int] = []
        self.content_raw: list[int] = []

    def negated(self, positions: Sequence[int]) -> bool:
        """Whether a cue in the same clause shortly precedes one of the matched tokens (and is not one)."""
        if not self.cues:
            return False
        for position in positions:
            reaching = [
                cue
                for cue in self.cues
                if cue < position
                and position - cue <= _NEGATION_REACH
                and cue not in positions
                and self.clause[cue] == self.clause[position]
            ]
            # "never merge code without running the tests" asserts the tests: "without" after another
            # negation cancels it.
            if reaching and self.words[reaching[-1]] in _CANCELLING_CUES:
                cancel = reaching[-1]
                if any(
                    cue < cancel and cancel - cue <= _NEGATION_REACH and self.clause[cue] == self.clause[cancel]
                    for cue in self.cues
                ):
                    reaching = [cue for cue in reaching[:-1] if cancel - cue > _NEGATION_REACH]
            if reaching:
                return True
        return False


# key -> sentence index -> positions (content ordinals or raw token positions)
_Index = dict[str, dict[int, list[int]]]


# Typos ("paremeters", "defintion") are matched on English stems at least this long, one edit away; shorter
# words have too many real neighbours ("stack"/"stick").
_TYPO_MIN_STEM = 6


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


@lru_cache(maxsize=1 << 16)
def _typo_forms(term: str) -> tuple[str, ...]:
    # A rubric's terms are looked up in every answer: their deletion forms are worth keeping.
    return (term, *_deletions(term))


class _Doc:
    __slots__ = ("_typo_found", "_typo_index", "content_index", "raw_index", "sentences")

    def __init__(self) -> None:
        self.sentences: list[_Sentence] = []
        self.content_index: _Index = {}
        self.raw_index: _Index = {}
        self._typo_index: dict[str, set[str]] | None = None
        # A term recurs across a rubric's synonym lists; an answer is analysed against one rubric.
        self._typo_found: dict[str, list[str]] = {}

    def typo_keys(self, term: str, known: frozenset[str]) -> list[str]:
        """Keys of the answer one edit (insertion, deletion, substitution, transposition) away from ``term``.

        A key that is itself a word of the rubric is a different word, not a typo of ``term``.
        """
        if len(term) < _TYPO_MIN_STEM or not term.isascii() or not term.isalpha():
            return []
        if self._typo_index is None:
            # Symmetric deletions (SymSpell): two keys are one edit apart when they share a one-deletion form
            # or one is a deletion of the other.
            typo_index: dict[str, set[str]] = {}
            for key in self.content_index:
                if len(key) >= _TYPO_MIN_STEM - 1 and key.isascii() and key.isalpha():
                    typo_index.setdefault(key, set()).add(key)
                    for form in _deletions(key):
                        typo_index.setdefault(form, set()).add(key)
            self._typo_index = typo_index
        cached = self._typo_found.get(term)
        if cached is not None:
            return cached
        found: set[str] = set()
        for form in _typo_forms(term):
            found.update(self._typo_index.get(form, ()))
        keys = sorted(key for key in found if key != term and key not in known and abs(len(key) - len(term)) <= 1)
        self._typo_found[term] = keys
        return keys


def _add(index: _Index, keys: Iterable[str], sentence: int, position: int) -> None:
    for key in keys:
        by_sentence = index.get(key)
        if by_sentence is None:
            index[key] = {sentence: [position]}
        else:
            by_sentence.setdefault(sentence, []).append(position)


def _sentence_spans(answer: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(answer):
        end = match.end() if match.group()[0] in _SENTENCE_CLOSERS else match.start()
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(answer)))
    return spans


def _parse(answer: str) -> _Doc:
    doc = _Doc()
    for start, end in _sentence_spans(answer):
        text = _BULLET_RE.sub("", answer[start:end].strip(), count=1).strip()
        if not text:
            continue
        sentence = _Sentence(text)
        index = len(doc.sentences)
        normalised = _normalise(text)
        clause = 0
        previous_end = 0
        for match in _TOKEN_RE.finditer(normalised):
            if _CLAUSE_PUNCT_RE.search(normalised, previous_end, match.start()):
                clause += 1
            previous_end = match.end()
            token = match.group()
            parts = token.split("-") if "-" in token and not token[0].isdigit() else [token]
            first_raw = len(sentence.words)
            first_content = -1
            for part in parts:
                if part in _CLAUSE_WORDS:
                    clause += 1
                raw = len(sentence.words)
                sentence.words.append(part)
                sentence.clause.append(clause)
                keys = _text_keys(part)
                _add(doc.raw_index, keys, index, raw)
                if _is_negation_cue(part):
                    sentence.cues.append(raw)
                if part not in _STOPWORDS:
                    if first_content < 0:
                        first_content = len(sentence.content_raw)
                    _add(doc.content_index, keys, index, len(sentence.content_raw))
                    sentence.content_raw.append(raw)
            if len(parts) > 1:
                # "p-value" also stands for "pvalue", "re-rank" for "rerank".
                joined = _text_keys("".join(parts))
                _add(doc.raw_index, joined, index, first_raw)
                if first_content >= 0:
                    _add(doc.content_index, joined, index, first_content)
        words = sentence.words
        sentence.cues = [
            cue for cue in sentence.cues if not (cue + 1 < len(words) and words[cue + 1] in _NOT_A_NEGATION_BEFORE)
        ]
        if words:
            doc.sentences.append(sentence)
    return doc


# ---------------------------------------------------------------------------------------------------------
# Rubric compilation
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Variant:
    terms: tuple[str, ...]
    content: bool  # False when the phrase is only stopwords: then it is matched over all tokens
    span: int  # largest allowed distance between the first and last matched token


@dataclass(frozen=True, slots=True)
class _Plan:
    concepts: tuple[tuple[int, ...], ...]  # phrase ids, per concept
    exclude: tuple[int, ...]
    unless: tuple[int, ...]
    answer_scope: bool
    negation: bool


@dataclass(frozen=True, slots=True)
class _Compiled:
    variants: tuple[tuple[_Variant, ...], ...]  # per phrase id
    criteria: tuple[tuple[str, tuple[_Plan, ...]], ...]
    mistakes: tuple[tuple[str, tuple[_Plan, ...], tuple[str, ...]], ...]
    vocabulary: frozenset[str]
    vocabulary_cyrillic: int
    vocabulary_latin: int
    # The lists compiled from: a rubric copied with new criteria or mistakes gets recompiled.
    source: tuple[object, int, object, int]


def _phrase_variants(phrase: str) -> tuple[_Variant, ...]:
    split_words: list[str] = []
    joined_words: list[str] = []
    for token in _TOKEN_RE.findall(_normalise(phrase)):
        if "-" in token and not token[0].isdigit():
            parts = [part for part in token.split("-") if part]
            split_words.extend(parts)
            joined_words.append("".join(parts))
        else:
            split_words.append(token)
            joined_words.append(token)
    variants: list[_Variant] = []
    for words in (split_words, joined_words):
        if not words:
            continue
        content = [word for word in words if word not in _STOPWORDS]
        chosen = content or words
        terms = tuple(dict.fromkeys(_phrase_key(word) for word in chosen))
        variant = _Variant(terms, bool(content), len(chosen) + 1)
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


def _compile(rubric: Rubric) -> _Compiled:
    phrase_ids: dict[str, int] = {}
    variants: list[tuple[_Variant, ...]] = []

    def phrase_id(phrase: str) -> int:
        found = phrase_ids.get(phrase)
        if found is None:
            found = phrase_ids[phrase] = len(variants)
            variants.append(_phrase_variants(phrase))
        return found

    def plan(check: Check) -> _Plan:
        return _Plan(
            concepts=tuple(tuple(phrase_id(p) for p in alternatives) for alternatives in check.concepts),
            exclude=tuple(phrase_id(p) for p in check.exclude),
            unless=tuple(phrase_id(p) for p in check.unless),
            answer_scope=check.scope == "answer",
            negation=check.negation,
        )

    criteria = tuple((c.id, tuple(plan(check) for check in c.checks)) for c in rubric.criteria)
    mistakes = tuple((m.id, tuple(plan(check) for check in m.detectors), tuple(m.omission_of)) for m in rubric.mistakes)
    vocabulary: set[str] = set()
    for text in _vocabulary_words(rubric):
        for token in _TOKEN_RE.findall(_normalise(text)):
            parts = token.split("-")
            for word in [*parts, "".join(parts)] if len(parts) > 1 else parts:
                if word and word not in _STOPWORDS:
                    vocabulary.add(_phrase_key(word))
    cyrillic = sum(1 for key in vocabulary if key.startswith("~"))
    return _Compiled(
        variants=tuple(variants),
        criteria=criteria,
        mistakes=mistakes,
        vocabulary=frozenset(vocabulary),
        vocabulary_cyrillic=cyrillic,
        vocabulary_latin=len(vocabulary) - cyrillic,
        source=(rubric.criteria, len(rubric.criteria), rubric.mistakes, len(rubric.mistakes)),
    )


def _compiled(rubric: Rubric) -> _Compiled:
    cached = rubric._compiled
    if isinstance(cached, _Compiled):
        source = cached.source
        if (
            source[0] is rubric.criteria
            and source[1] == len(rubric.criteria)
            and source[2] is rubric.mistakes
            and source[3] == len(rubric.mistakes)
        ):
            return cached
    compiled = _compile(rubric)
    rubric._compiled = compiled
    return compiled


# ---------------------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------------------


def _windows(positions: list[list[int]], span: int) -> Iterable[list[int]]:
    """Token positions of each place where every term occurs within ``span`` of each other."""
    if len(positions) == 1:
        for position in positions[0]:
            yield [position]
        return
    events = sorted((position, term) for term, found in enumerate(positions) for position in found)
    need = len(positions)
    counts = [0] * need
    covered = 0
    left = 0
    for right, (position, term) in enumerate(events):
        if counts[term] == 0:
            covered += 1
        counts[term] += 1
        while covered == need:
            left_position, left_term = events[left]
            if position - left_position <= span:
                yield sorted({event[0] for event in events[left : right + 1]})
            counts[left_term] -= 1
            if counts[left_term] == 0:
                covered -= 1
            left += 1


class _Matcher:
    """Finds phrases in one answer, remembering each phrase's result (phrases recur across checks)."""

    __slots__ = ("_compiled", "_doc", "_memo")

    def __init__(self, doc: _Doc, compiled: _Compiled) -> None:
        self._doc = doc
        self._compiled = compiled
        self._memo: dict[int, dict[int, int]] = {}

    def phrase(self, phrase_id: int) -> dict[int, int]:
        """Sentence index -> _UNNEGATED | _NEGATED flags of the phrase's occurrences there."""
        found = self._memo.get(phrase_id)
        if found is None:
            found = {}
            for variant in self._compiled.variants[phrase_id]:
                self._match_variant(variant, found)
            self._memo[phrase_id] = found
        return found

    def concept(self, phrase_ids: Sequence[int]) -> dict[int, int]:
        if len(phrase_ids) == 1:
            return self.phrase(phrase_ids[0])
        merged: dict[int, int] = {}
        for phrase_id in phrase_ids:
            for sentence, flags in self.phrase(phrase_id).items():
                merged[sentence] = merged.get(sentence, 0) | flags
        return merged

    def _typo_hits(self, term: str) -> dict[int, list[int]] | None:
        keys = self._doc.typo_keys(term, self._compiled.vocabulary)
        if not keys:
            return None
        merged: dict[int, list[int]] = {}
        for key in keys:
            for sentence, positions in self._doc.content_index[key].items():
                merged.setdefault(sentence, []).extend(positions)
        return {sentence: sorted(set(positions)) for sentence, positions in merged.items()}

    def _match_variant(self, variant: _Variant, found: dict[int, int]) -> None:
        index = self._doc.content_index if variant.content else self._doc.raw_index
        hits: list[dict[int, list[int]]] = []
        for term in variant.terms:
            by_sentence = index.get(term)
            if by_sentence is None and variant.content:
                by_sentence = self._typo_hits(term)
            if by_sentence is None:
                return
            hits.append(by_sentence)
        sentences = set(hits[0])
        for by_sentence in hits[1:]:
            sentences.intersection_update(by_sentence)
        for sentence_index in sentences:
            sentence = self._doc.sentences[sentence_index]
            flags = found.get(sentence_index, 0)
            for window in _windows([by_sentence[sentence_index] for by_sentence in hits], variant.span):
                raw = [sentence.content_raw[p] for p in window] if variant.content else window
                flags |= _NEGATED if sentence.negated(raw) else _UNNEGATED
                if flags == _UNNEGATED | _NEGATED:
                    break
            if flags:
                found[sentence_index] = flags


@dataclass(frozen=True, slots=True)
class _Outcome:
    matched: bool
    partial: bool
    sentence: int | None


_NO_MATCH = _Outcome(False, False, None)


def _evaluate(plan: _Plan, matcher: _Matcher, partial_from: Callable[[int], bool] | None) -> _Outcome:
    """Match one check; when ``partial_from`` is given, also look for partial credit in sentences it allows."""
    for phrase_id in plan.unless:
        if any(flags & _UNNEGATED for flags in matcher.phrase(phrase_id).values()):
            return _NO_MATCH
    excluded: set[int] = set()
    for phrase_id in plan.exclude:
        excluded.update(matcher.phrase(phrase_id))
    accept = _UNNEGATED if plan.negation else _UNNEGATED | _NEGATED
    # Per concept, the sentences where it counts, in answer order.
    found = [
        sorted(s for s, flags in matcher.concept(concept).items() if flags & accept and s not in excluded)
        for concept in plan.concepts
    ]
    if all(found):
        if plan.answer_scope:
            return _Outcome(True, False, found[0][0])
        common = set(found[0]).intersection(*found[1:])
        if common:
            return _Outcome(True, False, min(common))
    if partial_from is not None and len(found) >= 2:
        present = [kept for kept in ([s for s in sentences if partial_from(s)] for sentences in found) if kept]
        # Strictly more than half: with the usual two-concept check ([topic], [qualifier]) one generic word
        # ("model", "negatives") alone must not earn credit.
        if 2 * len(present) > len(found):
            return _Outcome(False, True, present[0][0])
    return _NO_MATCH


def _criterion(
    criterion_id: str, plans: Sequence[_Plan], matcher: _Matcher, doc: _Doc, mistaken: set[int]
) -> CriterionMatch:
    partial: _Outcome | None = None
    for plan in plans:
        outcome = _evaluate(plan, matcher, None if partial is not None else lambda s: s not in mistaken)
        if outcome.matched and outcome.sentence is not None:
            return CriterionMatch(criterion_id, "met", doc.sentences[outcome.sentence].text)
        if outcome.partial and partial is None:
            partial = outcome
    if partial is not None and partial.sentence is not None:
        return CriterionMatch(criterion_id, "partial", doc.sentences[partial.sentence].text)
    return CriterionMatch(criterion_id, "missed", None)


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


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _garbage_message(visible: str, answer: str, credited: bool) -> str | None:
    controls = sum(1 for char in visible if unicodedata.category(char) in ("Cc", "Co", "Cn", "Cs"))
    alphanumeric = sum(1 for char in visible if char.isalnum())
    if controls / len(visible) > 0.1 or alphanumeric / len(visible) < 0.5:
        return "answer is mostly symbols or binary data, not words"
    real = 0
    unreal = 0
    neutral = 0
    for word in _LETTER_WORD_RE.findall(unicodedata.normalize("NFKC", answer)):
        if any(char.isdigit() for char in word) or (word.isupper() and 2 <= len(word) <= 6) or len(word) == 1:
            # Numbers, identifiers, acronyms (NDCG, BM25) and single letters (the n of "O(n log n)") count as
            # words but say nothing about noise.
            neutral += 1
        elif _plausible_word(_strip_accents(word.casefold()).replace("ё", "е")):
            real += 1
        else:
            unreal += 1
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


def _is_keyword_list(doc: _Doc, answer: str) -> bool:
    words = [word for sentence in doc.sentences for word in sentence.words if not word[0].isdigit()]
    if len(words) < 6:
        return False
    function_share = sum(1 for word in words if _is_function_word(word) or word in _GLUE_WORDS) / len(words)
    if function_share < 0.12:
        return True
    # A bulleted or comma-separated list of short items with hardly any function words.
    items = [_TOKEN_RE.findall(item) for item in _LIST_ITEM_SPLIT_RE.split(_normalise(answer))]
    items = [item for item in items if item]
    return len(items) >= 4 and all(len(item) <= 3 for item in items) and function_share < 0.25


def _is_off_topic(doc: _Doc, compiled: _Compiled) -> bool:
    words = {
        word
        for sentence in doc.sentences
        for word in sentence.words
        if len(word) > 1 and not word[0].isdigit() and not _is_function_word(word)
    }
    if len(words) < 3:
        return False
    cyrillic = sum(1 for word in words if _CYRILLIC_RE.search(word))
    # A rubric written only in English says nothing about whether a Russian answer is on topic.
    covered = compiled.vocabulary_cyrillic if cyrillic * 2 > len(words) else compiled.vocabulary_latin
    if covered < 10:
        return False
    known = sum(1 for word in words if any(key in compiled.vocabulary for key in _text_keys(word)))
    return known / len(words) < 0.2


_INJECTION_PATTERNS = tuple(
    re.compile(pattern, re.MULTILINE)
    for pattern in (
        # English
        r"\b(?:ignore|disregard|forget|override)\s+(?:(?:all|any|the|your|my|these|those|previous|prior|"
        r"preceding|above|earlier|original|system|grading|scoring|marking)\s+){0,4}"
        r"(?:instructions?|rubrics?|prompts?|guidelines|criteria|rules)\b",
        r"\b(?:previous|prior|above|earlier|preceding)\s+instructions\b",
        r"\b(?:give|award|assign|grant)(?:s|ing)?\s+(?:me\s+|us\s+|this\s+(?:answer\s+|response\s+)?|it\s+|"
        r"my\s+answer\s+|the\s+answer\s+)?(?:a\s+|the\s+)?(?:full|maximum|max|maximal|perfect|top|all\s+the)\s+"
        r"(?:marks?|points?|credit)\b",
        r"\b(?:give|award|assign|grant)\s+(?:me|this(?:\s+answer|\s+response)?|my\s+answer)\s+(?:a\s+|the\s+)?"
        r"(?:full|maximum|max|perfect|top|highest)\s+(?:scores?|grades?|ratings?|marks?)\b",
        r"\b(?:score|grade|rate|mark)\s+(?:this|me|my\s+answer|this\s+answer|this\s+response|it)\s+"
        r"(?:as\s+|at\s+|with\s+)?(?:a\s+)?(?:10\s*/\s*10|100\s*/\s*100|10\s+out\s+of\s+10|100\s*%|"
        r"full\s+marks|perfect|maximum|max\b)",
        r"\byou\s+are\s+(?:now\s+)?(?:the|a|an|my)\s+(?:grader|judge|evaluator|examiner|grading\s+"
        r"(?:model|assistant|system)|language\s+model|llm|ai)\b",
        r"\b(?:dear|hey|hello|attention|note\s+to(?:\s+the)?)\s+(?:grader|judge|evaluator|examiner|llm|ai|"
        r"assistant)\b",
        r"\b(?:ignore|reveal|print|show|override|disregard|forget|leak|repeat|new|your)\s+(?:the\s+|your\s+)?"
        r"system\s+(?:prompt|message|instructions?)\b",
        r"^\s*(?:system|system\s+prompt|assistant)\s*:",
        r"</?\s*answer\b[^>]*>",
        r"</?\s*(?:system|instructions?|rubric|grader|judge)\s*>",
        r"<\|im_(?:start|end)\|>|\[/?inst\]",
        # Russian
        r"(?:про)?игнорир\w*\s+(?:\w+\s+){0,3}?(?:инструкци|указани|правил|рубрик|критери|промпт)",
        r"забуд\w*\s+(?:\w+\s+){0,3}?(?:инструкци|указани|правил|рубрик|критери|промпт)",
        r"(?:предыдущ|прошл)\w*\s+(?:инструкци|указани)",
        r"(?:постав|выстав|дай|начисл|присв)\w*\s+(?:\w+\s+){0,3}?(?:максимальн|наивысш|высш|полн)\w*\s+"
        r"(?:балл|оценк|отметк)",
        r"(?:оцени|постав|дай)\w*\s+(?:\w+\s+){0,3}?(?:10|100|десять|сто)\s*(?:из|/)\s*(?:10|100|десяти|ста)\b",
        r"\bты\s+(?:-\s+)?(?:теперь\s+)?(?:оценщик|грейдер|судья|экзаменатор|проверяющ|ассистент|"
        r"языков\w*\s+модель)",
        r"(?:игнорир|покажи|раскрой|забудь)\w*\s+(?:\w+\s+)?системн\w*\s+(?:промпт|инструкци|сообщени)",
    )
)


def _guards(answer: str, doc: _Doc, compiled: _Compiled, credited: bool) -> tuple[Guard, ...]:
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
        if not credited and _is_off_topic(doc, compiled):
            guards.append(
                Guard("off_topic", "answer does not address the question: no key point and few of its terms", 0.1)
            )
    normalised = _normalise(answer)
    if any(pattern.search(normalised) for pattern in _INJECTION_PATTERNS):
        guards.append(Guard("injection", "answer contains instructions addressed to the grader", 0.3))
    return tuple(guards)


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


def analyse(answer: str, rubric: Rubric) -> Analysis:
    """Grade an answer against a rubric with the deterministic checks.

    A key point is met when any of its checks matches; it is partial when no check matches but some check
    with two or more concepts has more than half of them somewhere in the answer, outside sentences that
    commit a detected mistake. A mistake is committed when a detector matches or when every key point in its
    ``omission_of`` is missed.

    Args:
        answer: The candidate's answer, in English or Russian.
        rubric: The rubric; its compiled checks are cached on it (``Rubric._compiled``).

    Returns:
        Verdicts per key point and mistake in rubric order, with verbatim evidence, and the guards that fired.
    """
    compiled = _compiled(rubric)
    doc = _parse(answer)
    matcher = _Matcher(doc, compiled)
    detected: dict[str, int] = {}  # mistake id -> sentence that commits it
    for mistake_id, detectors, _ in compiled.mistakes:
        for plan in detectors:
            outcome = _evaluate(plan, matcher, None)
            if outcome.matched and outcome.sentence is not None:
                detected[mistake_id] = outcome.sentence
                break
    # A sentence that states a typical mistake ("the p-value is the probability that H0 is true") shares
    # words with the key point it gets wrong; it must not earn partial credit for it.
    mistaken = set(detected.values())
    criteria = tuple(_criterion(cid, plans, matcher, doc, mistaken) for cid, plans in compiled.criteria)
    verdicts: dict[str, Verdict] = {match.id: match.verdict for match in criteria}
    mistakes: list[MistakeMatch] = []
    for mistake_id, _, omission_of in compiled.mistakes:
        sentence = detected.get(mistake_id)
        if sentence is not None:
            mistakes.append(MistakeMatch(mistake_id, True, doc.sentences[sentence].text))
        else:
            omitted = bool(omission_of) and all(verdicts.get(ref) == "missed" for ref in omission_of)
            mistakes.append(MistakeMatch(mistake_id, omitted, None))
    credited = any(match.verdict != "missed" for match in criteria)
    return Analysis(criteria, tuple(mistakes), _guards(answer, doc, compiled, credited))


def content_words(text: str) -> list[str]:
    """The content words of a text, normalised (case-folded, quotes and dashes unified), in order.

    Stopwords are left out; hyphenated words stay whole ("p-value"), decimal numbers too ("0.05").

    Args:
        text: Any text, English or Russian.

    Returns:
        The words, repeats included.
    """
    words: list[str] = []
    for token in _TOKEN_RE.findall(_normalise(text)):
        if token not in _STOPWORDS:
            words.append(token)
    return words


@lru_cache(maxsize=1 << 16)
def word_key(word: str) -> str:
    """The key a check phrase word is matched by (its English stem, or a masked Russian root).

    Two words with the same key match each other in a check; hyphenated words are keyed joined ("re-rank"
    and "rerank" share a key).
    """
    normalised = _normalise(word).strip()
    return _phrase_key(normalised.replace("-", "") if not normalised[:1].isdigit() else normalised)


def check_matches(check: Check, text: str) -> str | None:
    """Whether one check matches a text, as it would for a key point (negation, scope, exclude, unless).

    Args:
        check: The check.
        text: The text to look in (an answer, a model answer ...).

    Returns:
        The sentence of ``text`` where it matched, or ``None``.
    """
    probe = Rubric.model_construct(
        id="probe",
        title="probe",
        question="probe",
        model_answer="probe",
        tips=[],
        mistakes=[],
        criteria=[Criterion.model_construct(id="probe", text="probe", weight=1.0, checks=[check])],
    )
    match = analyse(text, probe).criteria[0]
    return match.evidence if match.verdict == "met" else None


def omission_committed(mistake: Mistake, verdicts: Mapping[str, Verdict]) -> bool:
    """Whether a mistake of omission is made, given the verdicts on the key points.

    Args:
        mistake: The mistake; only its ``omission_of`` is used.
        verdicts: Verdict per key point id. A key point absent from it counts as not missed.

    Returns:
        True when ``omission_of`` is non-empty and every key point listed there is ``missed``.
    """
    return bool(mistake.omission_of) and all(verdicts.get(ref) == "missed" for ref in mistake.omission_of)


# ---------------------------------------------------------------------------------------------------------
# Evidence verification
# ---------------------------------------------------------------------------------------------------------

_QUOTE_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[<>=%$+*/^#@&~]")
_ELLIPSIS_RE = re.compile(r"\.{2,}")
_QUOTE_MIN_RATIO = 0.85
_WORD_MIN_RATIO = 0.75
_QUOTE_TOKEN_SLACK = 2


def _quote_tokens(text: str) -> list[str]:
    return _QUOTE_TOKEN_RE.findall(_normalise(text))


def _same_words(piece: Sequence[str], window: Sequence[str]) -> bool:
    """Whether a fuzzily matched window differs from the quote only by typos, not by words or meaning."""
    cues = sorted(t for t in piece if _is_negation_cue(t))
    if cues != sorted(t for t in window if _is_negation_cue(t)):
        return False
    if sorted(t for t in piece if t[0].isdigit()) != sorted(t for t in window if t[0].isdigit()):
        return False
    joined = "".join(window)
    unmatched_short = 0
    for token in piece:
        if token in window or (len(token) < 4 and token in joined):
            continue
        close = any(
            difflib.SequenceMatcher(None, token, other, autojunk=False).ratio() >= _WORD_MIN_RATIO for other in window
        )
        if close:
            continue
        if len(token) >= 4:
            return False
        unmatched_short += 1
    return unmatched_short <= 1


def _find_piece(piece: Sequence[str], words: Sequence[str], start: int) -> int | None:
    """Index just past the best place where ``piece`` occurs in ``words`` at or after ``start``."""
    count = len(piece)
    # Most judge quotes are verbatim: find them without any fuzzy scoring.
    for first in range(start, len(words) - count + 1):
        if words[first] == piece[0] and list(words[first : first + count]) == list(piece):
            return first + count
    target = "".join(piece)
    size = len(target)
    low = size * _QUOTE_MIN_RATIO / (2 - _QUOTE_MIN_RATIO)
    high = size * (2 - _QUOTE_MIN_RATIO) / _QUOTE_MIN_RATIO
    # A quote that differs only by typos has nearly the same number of words (hyphens may join or split two).
    min_tokens, max_tokens = max(1, count - _QUOTE_TOKEN_SLACK), count + _QUOTE_TOKEN_SLACK
    best_ratio = 0.0
    best_end: int | None = None
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    # A quote with only a few typos shares most of its words exactly with the place it comes from, and
    # counting shared words is far cheaper than a difflib ratio.
    content = [token for token in piece if token not in _STOPWORDS]
    vocabulary = set(content)
    shared = [0]
    for word in words:
        shared.append(shared[-1] + (word in vocabulary))
    need_shared = len(content) // 2 if len(content) > 2 else 0
    best_first = len(words)
    for first in range(start, len(words)):
        if first > best_first + len(piece):
            break  # windows this far on cannot overlap the best one; the earliest good place wins
        length = 0
        for last in range(first, len(words)):
            length += len(words[last])
            tokens = last - first + 1
            if length > high or tokens > max_tokens:
                break
            if length < low or tokens < min_tokens:
                continue
            candidate = "".join(words[first : last + 1])
            if candidate == target:
                return last + 1
            if shared[last + 1] - shared[first] < need_shared:
                continue
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < _QUOTE_MIN_RATIO or matcher.quick_ratio() < _QUOTE_MIN_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= _QUOTE_MIN_RATIO and ratio > best_ratio and _same_words(piece, words[first : last + 1]):
                best_ratio = ratio
                best_end = last + 1
                best_first = min(best_first, first)
    return best_end


def find_quote(quote: str, answer: str) -> bool:
    """Whether a quote (from the LLM judge) really occurs in the answer.

    The comparison ignores case, whitespace and punctuation, unifies quote and dash variants, reads ``‹ ›`` as
    ``< >``, and tolerates a few changed characters (a window of the answer of similar length with a
    ``difflib`` ratio of at least 0.85, whose words match the quote's up to typos, with the same negations and
    numbers). An ellipsis (``...`` or ``…``) in the quote splits it into pieces that must each be found, in
    order.

    Args:
        quote: The quoted text.
        answer: The candidate's answer.

    Returns:
        True when every piece of the quote is found; False for an empty quote.
    """
    pieces = [_quote_tokens(piece) for piece in _ELLIPSIS_RE.split(unicodedata.normalize("NFKC", quote))]
    pieces = [piece for piece in pieces if piece]
    if not pieces:
        return False
    words = _quote_tokens(answer)
    position = 0
    for piece in pieces:
        end = _find_piece(piece, words, position)
        if end is None:
            return False
        position = end
    return True
