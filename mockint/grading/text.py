"""Sentences for the deterministic grader: the parsed answer, its clauses, negation and stance, its index.

Pure functions; the parsed answer (``Doc``) is indexed by word key so that phrases are found without scanning.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from mockint.grading.belittling import (
    BELITTLING_PHRASES,
    BELITTLING_PREFIXES,
    DATED_NOUN_PREFIXES,
    DATED_WORDS,
    DATED_YEAR_RE,
    PREDICATIVE_BELITTLING,
)
from mockint.grading.cues import (
    AFTER_OVER_PREFIXES,
    ALWAYS_NEGATING,
    CANCELLING_CUES,
    CLAUSE_PUNCT_RE,
    CLAUSE_WORDS,
    COMMA_COMMENT_MAX_WORDS,
    COMMENT_HEADS,
    COMMENT_MAX_WORDS,
    COMMENT_SEPARATORS,
    HARM_PREFIXES,
    IDIOMS_AFTER_NO,
    IMPORTANCE_PREFIXES,
    INVERTING_VERBS,
    NEGATION_REACH,
    NOT_A_NEGATION_BEFORE,
    ONLY_WORDS,
    RECEIVED_VIEW_NOUN_STEMS_RU,
    RECEIVED_VIEW_NOUNS,
    REJECTING_PREFIXES,
    REPORTING_SUBJECTS,
    SOFT_NEGATIONS,
    TOPIC_QUESTION_MAX_WORDS,
)
from mockint.grading.discourse import (
    HEARSAY_SECONDS,
    attribution_clause,
    conceded_turn,
    dismisses_by_pronoun,
    mark_replies,
    mentions_terms,
    opens_with_none_of,
    refuses_before,
    speaker_dismisses,
)
from mockint.grading.sentence import (
    _NONE_OF,
    Sentence,
    bounds_quantity,
    judged_dismissal,
    negates_manner,
    warns_of,
)
from mockint.grading.words import (
    STOPWORDS,
    TOKEN_RE,
    PhraseIndex,
    is_function_word,
    is_negation_cue,
    normalise,
    split_scripts,
    text_keys,
)

# ---------------------------------------------------------------------------------------------------------
# Text normalisation and word lists
# ---------------------------------------------------------------------------------------------------------

# Heads a negation opening a comment clause dismisses the topic with.
_DISMISSAL_HEADS = IMPORTANCE_PREFIXES + COMMENT_HEADS

# ---------------------------------------------------------------------------------------------------------
# Answer parsing
# ---------------------------------------------------------------------------------------------------------

# "0.05", "e.g" and "sklearn.metrics" are not split: a period ends a sentence only before space or a closer.
_SENTENCE_END_RE = re.compile(r"\.+(?=[\s\"'”’»)\]]|$)|[!?…。！？]+|[;；]|\n")
_SENTENCE_CLOSERS = frozenset(".!?…。！？")
_BULLET_RE = re.compile(r"^(?:[-*•·]|\d{1,2}[.)])\s+")


# key -> sentence index -> positions (content ordinals or raw token positions)
_Index = dict[str, dict[int, list[int]]]


# Typos ("paremeters", "defintion") are matched on English stems at least this long, one edit away; shorter
# words have too many real neighbours ("stack"/"stick").
_TYPO_MIN_STEM = 6


def typo_candidate(term: str) -> bool:
    """Whether a rubric term is long and plain enough to be looked for with one typo."""
    return len(term) >= _TYPO_MIN_STEM and term.isascii() and term.isalpha()


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


@lru_cache(maxsize=1 << 16)
def typo_forms(key: str) -> tuple[str, ...]:
    """A key and its one-deletion forms: two keys are one edit apart when their forms meet (SymSpell)."""
    # Rubric terms and answer words recur across answers: their forms are worth keeping.
    return (key, *_deletions(key))


class Doc:
    __slots__ = ("content_index", "raw_index", "sentences")

    def __init__(self) -> None:
        self.sentences: list[Sentence] = []
        self.content_index: _Index = {}
        self.raw_index: _Index = {}

    def content_words(self, indexes: Iterable[int] | None = None) -> int:
        """How many content words the given sentences hold; without indexes, every sentence not excluded."""
        if indexes is None:
            return sum(len(sentence.content_raw) for sentence in self.sentences if not sentence.excluded)
        return sum(len(self.sentences[index].content_raw) for index in indexes)

    def typo_neighbours(
        self, forms: Mapping[str, tuple[str, ...]], known: frozenset[str], near: dict[str, tuple[str, ...]]
    ) -> dict[str, list[str]]:
        """Per rubric term that the answer may misspell, the answer's keys one edit away from it (insertion,
        deletion, substitution, transposition: their SymSpell forms meet), sorted; terms with none are left out.

        Args:
            forms: The rubric's typo terms by each of their forms (``Compiled.typo_forms``).
            known: The rubric's words: a key that is itself one is a different word, not a typo.
            near: A cache of the terms near one key, for this rubric (filled here): an answer's words recur.
        """
        # One pass over the answer's keys, each looked up by its own forms, instead of a deletion index of the
        # answer probed with every term's forms: most terms are near no key.
        ends: set[str] = set()
        found: dict[str, list[str]] = {}
        for key in self.content_index:
            # A function word of the answer is itself, never a misspelt term ("though" is not "through").
            if len(key) < _TYPO_MIN_STEM - 1 or not key.isascii() or not key.isalpha() or is_function_word(key):
                continue
            # First two and last three letters of the answer's keys: a key one edit from a term of six letters or
            # more keeps one of them, so a term that shares neither with any key of the answer is near none.
            ends.add(key[:2])
            ends.add("~" + key[-3:])
            terms = near.get(key)
            if terms is None:
                terms = () if key in known else _near_terms(key, forms)
                if len(near) < _NEAR_CACHE_MAX:
                    near[key] = terms
            for term in terms:
                found.setdefault(term, []).append(key)
        return {term: sorted(keys) for term, keys in found.items() if term[:2] in ends or "~" + term[-3:] in ends}


# Keys of answers remembered per rubric with the terms they are near; past this many, found afresh each time.
_NEAR_CACHE_MAX = 1 << 15


def _near_terms(key: str, forms: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    terms: dict[str, None] = {}
    for form in typo_forms(key):
        for term in forms.get(form, ()):
            if term != key and abs(len(key) - len(term)) <= 1:
                terms[term] = None
    return tuple(terms)


def _add(index: _Index, keys: Iterable[str], sentence: int, position: int) -> None:
    for key in keys:
        by_sentence = index.get(key)
        if by_sentence is None:
            index[key] = {sentence: [position]}
        else:
            by_sentence.setdefault(sentence, []).append(position)


# A period after these ends no sentence ("the chance H0 is true, i.e. that it was luck", "a small filter, e.g.
# 3x3, ..."); after "etc." and its Russian kin, only when a capital letter follows.
_ABBREVIATION_RE = re.compile(
    r"(?<![^\W\d_])(?:i\.e|e\.g|vs|cf|approx|incl|resp|esp|т\.\s?е|т\.\s?к|напр|см|ср)\.$", re.IGNORECASE
)
_LIST_END_RE = re.compile(r"(?<![^\W\d_])(?:etc|т\.\s?д|т\.\s?п|и\s?др)\.$", re.IGNORECASE)


# "1. Sliding filter", "### 2. Where they fail": the number of a list item or heading at the start of a line.
_ITEM_NUMBER_RE = re.compile(r"(?:^|\n)[ \t]*(?:#{1,6}[ \t]*)?\d{1,2}\.$")


def _abbreviation_at(answer: str, match: re.Match[str]) -> bool:
    if match.group() != ".":
        return False
    before = answer[max(0, match.start() - 8) : match.end()]
    if _ABBREVIATION_RE.search(before) or _ITEM_NUMBER_RE.search(answer, max(0, match.start() - 12), match.end()):
        return True
    following = answer[match.end() :].lstrip()
    return bool(_LIST_END_RE.search(before)) and bool(following) and not following[0].isupper()


def _sentence_spans(answer: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(answer):
        if _abbreviation_at(answer, match):
            continue
        end = match.end() if match.group()[0] in _SENTENCE_CLOSERS else match.start()
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(answer)))
    # "Negatives? Randomly sampled products." is one statement: a short question names the topic of its answer.
    joined: list[tuple[int, int]] = []
    for span in spans:
        if joined and _topic_question(answer[joined[-1][0] : joined[-1][1]]) and answer[span[0] : span[1]].strip():
            joined[-1] = (joined[-1][0], span[1])
        else:
            joined.append(span)
    return joined


def _topic_question(text: str) -> bool:
    text = text.strip()
    if not text.endswith("?") or "?" in text[:-1]:
        return False
    words = [word for word in TOKEN_RE.findall(normalise(text)) if word not in STOPWORDS]
    return 0 < len(words) <= TOPIC_QUESTION_MAX_WORDS


_CONDITIONALS = frozenset({"if", "unless", "when", "если", "когда"})
_PURPOSES = frozenset({"lest", "чтобы", "дабы"})
_PURPOSE_PAIRS = frozenset({("so", "that"), ("in", "order"), ("so", "as")})
# Words of a sentence about what would happen, not what the candidate claims ("one model for everything would
# be too slow", "otherwise one metric will come out significant"): such a sentence states no mistake.
COUNTERFACTUALS = frozenset({"would", "otherwise", "instead", "rather", "бы", "иначе", "вместо"})
_CONSEQUENCE_WORDS = frozenset(
    """
    is are was were would will can could becomes become gets get must might may makes make too
    будет будут станет становится получится можно слишком
    """.split()
)


_CONTRACTED_SUBJECTS = frozenset({"you're", "we're", "it's", "you'll", "we'll", "it'll", "you'd", "we'd", "they're"})


def _conditional(words: Sequence[str], clause: Sequence[int], cue: int) -> bool:
    """Whether a negation cue states a condition, not a denial.

    "Without hard negatives, the task is too easy" and "if you don't plan the sample size, ..." say the thing
    matters: a "without" that opens the sentence or a clause, followed by another clause, or a cue shortly
    after "if".
    """
    before = words[max(0, cue - 3) : cue]
    if any(word in _CONDITIONALS for word in before):
        return True
    # A purpose ("so that we don't take noise for an effect", "чтобы не принимать колебания за эффект") says
    # what the candidate guards against, it denies nothing.
    if any(word in _PURPOSES for word in before) or any(pair in _PURPOSE_PAIRS for pair in itertools.pairwise(before)):
        return True
    if words[cue] not in CANCELLING_CUES:
        return False
    # "They become a liability without review", "without tests is how you get outages": a warning.
    if any(word.startswith(HARM_PREFIXES) for word in words):
        return True
    opens = cue == 0 or clause[cue - 1] != clause[cue]
    if opens and clause[-1] == clause[cue]:
        # No comma: "Without a power analysis you are just guessing", "Без расчёта выборки тест будет слабым"
        # still say what follows, through a verb of their own after what "without" takes.
        return any(
            word in _CONTRACTED_SUBJECTS or (word in _CONSEQUENCE_WORDS and position > cue + 2)
            for position, word in enumerate(words)
            if position > cue + 1
        )
    if not opens:
        return False
    # The later clause must say what follows ("..., the task is too easy"), not list ("..., only retrieval").
    later = [word for position, word in enumerate(words) if clause[position] != clause[cue] and position > cue]
    return any(word in _CONSEQUENCE_WORDS or word in _CONTRACTED_SUBJECTS or is_negation_cue(word) for word in later)


def opens_with_warning(sentence: Sentence) -> bool:
    """Whether a sentence opens with "without X" and says what follows ("Without tests you will ship invented
    APIs", "Without hard negatives, the task is too easy"): a warning about what would happen, not a practice."""
    words = sentence.words
    return bool(words) and words[0] in CANCELLING_CUES and _conditional(words, sentence.clause, 0)


def _starts_with(word: str, prefixes: tuple[str, ...]) -> bool:
    return word.startswith(prefixes)


# Adverbs that may follow a predicate: "review is obsolete now", "outdated already".
_AFTER_PREDICATE = frozenset({"now", "already", "anyway", "nowadays", "today", "сейчас", "уже"})

# The belittling phrases by their first word: most words open none, and are passed over at once.
_BELITTLING = PhraseIndex(BELITTLING_PHRASES)


@lru_cache(maxsize=1 << 16)
def _belittling_word(word: str) -> bool:
    # Dozens of prefixes per word of every answer: each word is looked up once.
    return word.startswith(BELITTLING_PREFIXES)


def _dated(words: list[str], position: int) -> bool:
    """Whether the word at ``position`` dates a noun after an article: a year or decade ("a 2023 problem", "a
    2014 visualization meme", "a 90s assumption"), "early days" or "pre-" ("an early-days experiment", "a
    pre-platform thing"); "early days" also before such a noun ("the early-days tools")."""
    word = words[position]
    # Most words are neither a year nor "early"/"pre": passed over before the pattern.
    if not (word[:1].isdigit() or word in DATED_WORDS):
        return False
    if word == "early" and words[position + 1 : position + 2] == ["days"]:
        nouns = words[position + 2 : position + 4]
    elif word in DATED_WORDS or DATED_YEAR_RE.fullmatch(word) is not None:
        if position == 0 or words[position - 1] not in ("a", "an"):
            return False
        nouns = words[position + 1 : position + 4]
    else:
        return False
    return any(noun.startswith(DATED_NOUN_PREFIXES) for noun in nouns)


def _predicative(sentence: Sentence, position: int) -> bool:
    """Whether a word of PREDICATIVE_BELITTLING is said of something: nothing of its clause follows it but
    function words ("... is obsolete", "find that mindset outdated and too cautious"; not "outdated APIs")."""
    if sentence.words[position] not in PREDICATIVE_BELITTLING:
        return False
    after = position + 1
    return (
        after == len(sentence.words)
        or sentence.clause[after] != sentence.clause[position]
        or is_function_word(sentence.words[after])
        or sentence.words[after] in _AFTER_PREDICATE
    )


def _mark_stance(sentence: Sentence, attributing: bool = True) -> None:
    """Mark what in the sentence negates, belittles or comments on what (``attributing``: whether any of its
    words can attribute a view to others, see :func:`_word_facts`; False skips looking for a report)."""
    words = sentence.words
    for raw in sentence.content_raw:
        sentence.clause_words[sentence.clause[raw]] = sentence.clause_words.get(sentence.clause[raw], 0) + 1
    negators = set(sentence.cues)
    for position, word in enumerate(words):
        if (
            _BELITTLING.at(words, position) is not None
            or _belittling_word(word)
            or _predicative(sentence, position)
            or _dated(words, position)
            or (word == "over" and position + 1 < len(words) and _starts_with(words[position + 1], AFTER_OVER_PREFIXES))
        ):
            # "don't ignore variance", "you can't skip power analysis", "the review is not for show": a negated
            # dismissal affirms ("none of those can be skipped" too: a negation in its clause within the usual
            # reach).
            if (
                not any(
                    position - NEGATION_REACH <= cue < position and sentence.clause[cue] == sentence.clause[position]
                    for cue in negators
                )
                and not warns_of(sentence, position)
                and not judged_dismissal(sentence, position)
            ):
                sentence.belittling.append(position)
        elif (
            (position in negators or word in SOFT_NEGATIONS)
            and any(
                _starts_with(after, IMPORTANCE_PREFIXES)
                # "without computing the required sample size": "without" takes what is required, it does not
                # say it is not required.
                and not (word in CANCELLING_CUES and words[position + offset - 1] == "the")
                for offset, after in enumerate(words[position + 1 : position + 4], start=1)
            )
            # "bot traffic isn't something a bigger sample cures": not curable, which is no belittling
            and not any(_starts_with(after, INVERTING_VERBS) for after in words[position + 2 : position + 7])
        ):
            sentence.belittling.append(position)
    # Without "neither" or "none" no clause opens with "none of those"; without a belittling word no clause
    # dismisses by a pronoun: most sentences, spared a look at each clause.
    none_of = "neither" in words or not _NONE_OF.isdisjoint(words)
    for clause, separator in sentence.clause_sep.items():
        if (
            clause
            and sentence.dismissed_before is None
            and (
                (none_of and opens_with_none_of(sentence, clause))
                or (sentence.belittling and dismisses_by_pronoun(sentence, clause))
                or (clause == sentence.clause[-1] and refuses_before(sentence, clause))
            )
        ):
            sentence.dismissed_before = clause
        limit = COMMENT_MAX_WORDS if separator in COMMENT_SEPARATORS else COMMA_COMMENT_MAX_WORDS
        if separator in COMMENT_SEPARATORS or separator == ",":
            if sentence.clause_words.get(clause, 0) <= limit and sentence.opens_with_dismissal(clause):
                sentence.comments.add(clause)
    # "In theory the ranker should blend similarity with CTR, but we never bothered": what is granted in theory
    # and then turned from with "but" is conceded, not the speaker's practice.
    if sentence.dismissed_before is None:
        sentence.dismissed_before = conceded_turn(sentence)
    # "People say 'give it precise context and review the diff', but that's lipstick on a pig", "You'll hear
    # that the filters are learned - honestly, that's noise; it changes nothing": a view reported, then
    # dismissed in the speaker's own later clause, is dismissed whole, however long the report.
    attributed = attribution_clause(sentence) if attributing else None
    if attributed is not None:
        sentence.hearsay = True
        later = sorted(c for c in sentence.clause_sep if c > attributed and speaker_dismisses(sentence, c))
        if later and (sentence.dismissed_before is None or sentence.dismissed_before < later[-1]):
            sentence.dismissed_before = later[-1]
            # ... and what the dismissing clause says it of ("but that sliding-window picture is a misleading
            # detail"): there a rejecting word belittles like a dismissive one.
            sentence.belittling += [
                p
                for p, c in enumerate(sentence.clause)
                if c in later and sentence.words[p].startswith(REJECTING_PREFIXES) and p not in sentence.belittling
            ]
            sentence.belittling.sort()


_SAYING_MIN_WORDS = 3
_QUOTE_RE = re.compile(r'"[^"\n]{1,200}"|«[^»\n]{1,200}»')


@lru_cache(maxsize=1 << 16)
def _word_facts(piece: str) -> tuple[str, bool, tuple[str, ...], bool, bool, bool]:
    """A token piece as a word of the sentence, whether it opens a clause, its keys, whether it is a negation
    cue, whether it is a stop word, whether it may attribute a view to others (a reporting subject, the second
    word of a hearsay pair, a noun of a received view): pure facts of the piece, looked up once per distinct
    piece."""
    word = split_scripts(piece)
    attributing = (
        word in REPORTING_SUBJECTS
        or word in HEARSAY_SECONDS
        or word in RECEIVED_VIEW_NOUNS
        or word.startswith(RECEIVED_VIEW_NOUN_STEMS_RU)
    )
    return word, word in CLAUSE_WORDS, text_keys(word), is_negation_cue(word), word in STOPWORDS, attributing


def parse(answer: str) -> Doc:
    doc = Doc()
    for start, end in _sentence_spans(answer):
        text = _BULLET_RE.sub("", answer[start:end].strip(), count=1).strip()
        if not text:
            continue
        sentence = Sentence(text)
        sentence.span = (start, end)
        written = answer[start:end].lstrip()
        sentence.outline = written[:1] in ("#", "|") or _BULLET_RE.match(written) is not None
        index = len(doc.sentences)
        normalised = normalise(text)
        clause = 0
        previous_end = 0
        # A quotation is one phrase ("the 'edges, then parts, then objects' idea is a myth"): its commas do
        # not open clauses.
        quoted = (
            [match.span() for match in _QUOTE_RE.finditer(normalised)] if '"' in normalised or "«" in normalised else []
        )
        quoted_words: dict[tuple[int, int], list[int]] = {}
        attributing = False  # whether any word may attribute a view to others (see _word_facts)
        words, clauses, content_raw = sentence.words, sentence.clause, sentence.content_raw
        raw_index, content_index = doc.raw_index, doc.content_index
        for match in TOKEN_RE.finditer(normalised):
            token_start, token_end = match.span()
            # Tokens are mostly one space apart, and a space opens no clause.
            if token_start != previous_end + 1 or normalised[previous_end] != " ":
                punct = CLAUSE_PUNCT_RE.search(normalised, previous_end, token_start)
                while punct and quoted and any(start < punct.start() < end for start, end in quoted):
                    punct = CLAUSE_PUNCT_RE.search(normalised, punct.end(), token_start)
                if punct:
                    clause += 1
                    sentence.clause_sep[clause] = punct.group()
            previous_end = token_end
            token = match.group()
            in_quotes = next((span for span in quoted if span[0] < token_start < span[1]), None) if quoted else None
            parts = token.split("-") if "-" in token and not token[0].isdigit() else [token]
            first_raw = len(words)
            first_content = -1
            for piece in parts:
                part, opens_clause, keys, cue, stop, view = _word_facts(piece)
                attributing = attributing or view
                if opens_clause:
                    clause += 1
                    sentence.clause_sep[clause] = part
                raw = len(words)
                words.append(part)
                clauses.append(clause)
                if in_quotes is not None:
                    quoted_words.setdefault(in_quotes, []).append(raw)
                # _add, inlined: two calls for every word of every answer.
                for key in keys:
                    by_sentence = raw_index.get(key)
                    if by_sentence is None:
                        raw_index[key] = {index: [raw]}
                    else:
                        by_sentence.setdefault(index, []).append(raw)
                if cue:
                    sentence.cues.append(raw)
                if not stop:
                    ordinal = len(content_raw)
                    if first_content < 0:
                        first_content = ordinal
                    for key in keys:
                        by_sentence = content_index.get(key)
                        if by_sentence is None:
                            content_index[key] = {index: [ordinal]}
                        else:
                            by_sentence.setdefault(index, []).append(ordinal)
                    content_raw.append(raw)
            if len(parts) > 1:
                # "p-value" also stands for "pvalue", "re-rank" for "rerank".
                joined = text_keys("".join(parts))
                _add(raw_index, joined, index, first_raw)
                if first_content >= 0:
                    _add(content_index, joined, index, first_content)
        words = sentence.words
        # "a CNN is not just cutting the image into tiles": not a negation of what follows, but it does deny a
        # mistake that is about "just" or "only" that.
        sentence.not_only = any(cue + 1 < len(words) and words[cue + 1] in ONLY_WORDS for cue in sentence.cues)
        sentence.cues = [
            cue
            for cue in sentence.cues
            if not (
                cue + 1 < len(words)
                and (
                    # "never just read X as Y" is never; "not just X" is "not only X"
                    (words[cue + 1] in NOT_A_NEGATION_BEFORE and words[cue] not in ALWAYS_NEGATING)
                    # "пока не прогоню тесты" is "until I run the tests"
                    or (cue > 0 and words[cue - 1] == "пока")
                    or (words[cue] == "no" and words[cue + 1] in IDIOMS_AFTER_NO)
                    or bounds_quantity(words, cue)
                )
            )
        ]
        sentence.cues = [
            cue
            for cue in sentence.cues
            if not _conditional(words, sentence.clause, cue) and not negates_manner(words, sentence.clause, cue)
        ]
        # "Isn't more data always better?": a question opened by a negated auxiliary asserts, it denies nothing.
        asks = sentence.text.rstrip().endswith("?")
        if asks and sentence.cues and sentence.cues[0] == 0 and words[0].endswith("n't"):
            sentence.cues = sentence.cues[1:]
        _mark_stance(sentence, attributing)
        # A quoted saying of three words or more is someone's words named, not the speaker's claim; a quoted
        # term («Re-Ranking», "weight sharing") is the speaker's own, unless the sentence reports others.
        for positions in quoted_words.values():
            if len(positions) >= _SAYING_MIN_WORDS or sentence.hearsay:
                sentence.quoted.update(positions)
        # "Terms like effect size and variance often come up", "I know the catechism: ...": the sentence names
        # terms as things said, and says nothing of them itself.
        if mentions_terms(words):
            sentence.quoted.update(range(len(words)))
        if words:
            doc.sentences.append(sentence)
    mark_replies(doc)
    return doc
