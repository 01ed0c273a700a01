"""Sentences for the deterministic grader: the parsed answer, its clauses, negation and stance, its index.

Pure functions; the parsed answer (``Doc``) is indexed by word key so that phrases are found without scanning.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from mockint.grading.cues import (
    AFTER_OVER_PREFIXES,
    ALWAYS_NEGATING,
    ANAPHOR_REACH,
    ANAPHORS,
    BELITTLING_PHRASES,
    BELITTLING_PREFIXES,
    BUT_WORDS,
    CANCELLING_CUES,
    CLAUSE_PUNCT_RE,
    CLAUSE_WORDS,
    COMMA_COMMENT_MAX_WORDS,
    COMMENT_HEADS,
    COMMENT_MAX_WORDS,
    COMMENT_OPENERS,
    COMMENT_SEPARATORS,
    HARM_PREFIXES,
    HEARSAY_PAIRS,
    IDIOMS_AFTER_NO,
    IMPORTANCE_PREFIXES,
    JUDGEMENT_PREFIXES,
    NEGATION_REACH,
    NOT_A_NEGATION_BEFORE,
    ONLY_WORDS,
    REJECTING_PREFIXES,
    REPORTING_SUBJECTS,
    SOFT_BUT_FILLERS,
    SOFT_NEGATIONS,
    TOPIC_QUESTION_MAX_WORDS,
    reports_view_at,
)
from mockint.grading.sentence import (
    _CONJUNCTION_LIKE,
    _CONTRACTED_COPULAS,
    _COPULAS,
    _NONE_OF,
    Sentence,
)
from mockint.grading.words import (
    STOPWORDS,
    TOKEN_RE,
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
            if len(key) < _TYPO_MIN_STEM - 1 or not key.isascii() or not key.isalpha():
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
    if not opens or clause[-1] == clause[cue]:
        return False
    # The later clause must say what follows ("..., the task is too easy"), not list ("..., only retrieval").
    later = [word for position, word in enumerate(words) if clause[position] != clause[cue] and position > cue]
    return any(word in _CONSEQUENCE_WORDS or is_negation_cue(word) for word in later)


# "But why would you want the same weights everywhere?", "why learn the kernels at all when ...?", "зачем
# писать длинные промпты?": a "why" question with one of these, not answered by the next sentence
# ("Because ..."), dismisses what it asks about. "Why not ...?" recommends it, and is not one.
_WHY = frozenset({"why", "зачем"})
_RHETORICAL_MARKERS = frozenset({"would", "should", "bother", "even", "ever", "waste", "when", "all", "need", "нужно"})
_ANSWERS_WHY = frozenset({"because", "since", "потому", "так"})
_OPENERS = frozenset({"but", "and", "so", "then", "но", "и", "а", "так"})


# Frames that present terms as things mentioned rather than claims made.
_MENTION_FRAMES: tuple[tuple[str, ...], ...] = tuple(
    tuple(frame.split())
    for frame in (
        "terms like",
        "buzzwords like",
        "concepts like",
        "keywords like",
        "often come up",
        "often comes up",
        "come up in this context",
        "are often mentioned",
        "is often mentioned",
        "a topic people talk about",
        "topics people talk about",
        "the catechism",
        "the mantra",
        "the textbook line",
        "the textbook version",
        "textbook answers say",
        "textbook answer is",
    )
)
_MENTION_FIRST = frozenset(frame[0] for frame in _MENTION_FRAMES)


def _mentions_terms(words: Sequence[str]) -> bool:
    if _MENTION_FIRST.isdisjoint(words):
        return False
    return any(
        tuple(words[start : start + len(frame)]) == frame
        for start, word in enumerate(words)
        if word in _MENTION_FIRST
        for frame in _MENTION_FRAMES
        if frame[0] == word
    )


def _lead_clause(sentence: Sentence) -> int:
    """The first clause that says something: "Honestly, I skip all of that" opens with its second."""
    fillers = [sentence.words[p] for p, c in enumerate(sentence.clause) if c == 0]
    return 1 if 1 in sentence.clause_sep and fillers and all(word in _LEAD_FILLERS for word in fillers) else 0


# Openers that only say whose view follows: "Honestly, ...", "In my view, ...", "По-моему, ...".
_LEAD_FILLERS = COMMENT_OPENERS | frozenset(
    {"in", "my", "view", "opinion", "imo", "imho", "personally", "по", "моему", "мнению", "на", "мой", "взгляд"}
)


def _rhetorical(sentence: Sentence) -> bool:
    if not sentence.text.rstrip().endswith("?"):
        return False
    words = sentence.words
    first = next((position for position, word in enumerate(words) if word not in _OPENERS), None)
    if first is None or words[first] not in _WHY:
        return False
    if words[first] == "зачем":
        return True
    rest = words[first + 1 :]
    return bool(rest) and rest[0] not in {"not", "don't", "dont"} and not _RHETORICAL_MARKERS.isdisjoint(rest)


def _starts_with(word: str, prefixes: tuple[str, ...]) -> bool:
    return word.startswith(prefixes)


# The belittling phrases by their first word: most words open none, and are passed over at once.
_PHRASES_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in BELITTLING_PHRASES:
    _PHRASES_BY_FIRST.setdefault(_phrase[0], []).append(_phrase)


# What "none of that" is said not to do: matter, be needed ... or change anything.
_NONE_OF_HEADS = (*IMPORTANCE_PREFIXES, "chang", "affect")


def _opens_with_none_of(sentence: Sentence, clause: int) -> bool:
    """Whether a clause opens, after "but" and fillers, with "none of those" ("..., but honestly none of those
    matter much in practice", "..., ни одно из этого не важно")."""
    words = [sentence.words[p] for p, c in enumerate(sentence.clause) if c == clause]
    while words and (
        words[0] in BUT_WORDS
        or words[0] in SOFT_BUT_FILLERS
        or words[0] in COMMENT_OPENERS
        or words[0] in _REFUSAL_OPENERS  # "In practice none of that changes decisions"
    ):
        words = words[1:]
    if words[:1] == ["neither"]:  # "..., but honestly neither matters much"
        rest = words[1:5]
    elif len(words) >= 3 and words[0] in _NONE_OF and words[1] in ("of", "из") and words[2] in ANAPHORS:
        rest = words[3:7]
    else:
        return False
    # "none of those matter", "none of that changes decisions", not "none of those can be skipped" (a denied
    # dismissal affirms).
    return any(word.startswith(_NONE_OF_HEADS) for word in rest) and not any(
        word.startswith(BELITTLING_PREFIXES) for word in words[3:]
    )


def _others_or_judged(sentence: Sentence, positions: Sequence[int]) -> bool:
    """Whether others are the subject among these words ("teams often skip it" reports a mistake) or a word
    judges the dismissal ("skipping it is a mistake" affirms); the "error" of "a rounding error" is part of
    a dismissal, not a judgement of it."""
    words = sentence.words
    return any(
        (words[p] in REPORTING_SUBJECTS and not _after_preposition(words, p))
        or (words[p].startswith(JUDGEMENT_PREFIXES) and p - 1 not in sentence.belittling)
        for p in positions
    )


_PREPOSITIONS = frozenset({"for", "to", "with", "by", "of", "at", "among", "для", "с", "у"})


def _after_preposition(words: Sequence[str], position: int) -> bool:
    """Whether a word is the object of a preposition, one modifier allowed between ("for senior engineers I'd
    skip them": the engineers are who it is for, not who skips)."""
    return any(words[before] in _PREPOSITIONS for before in range(max(0, position - 2), position))


def _dismisses_by_pronoun(sentence: Sentence, clause: int) -> bool:
    """Whether a later clause dismisses what came before through a pronoun: "..., but I don't think it's
    needed", "..., but I wouldn't bother with them", "..., but I doubt they are important". Not when others are
    its subject ("..., but teams often skip it" reports a mistake, and does not make it)."""
    positions = [p for p, c in enumerate(sentence.clause) if c == clause]
    words = sentence.words
    # "- skipping that is a classic mistake" judges the dismissal, and affirms.
    if _others_or_judged(sentence, positions):
        return False
    # Not "that" or "this": "... and ignores that nearby pixels form patterns" is a conjunction.
    anaphors = [p for p in positions if words[p] in ANAPHORS and words[p] not in _CONJUNCTION_LIKE]
    for cue in sentence.belittling:
        if cue not in positions:
            continue
        for anaphor in anaphors:
            # "skip it", "wouldn't bother with them", "I doubt they ...": the pronoun is what is dismissed.
            if cue < anaphor <= cue + ANAPHOR_REACH:
                return True
            # "they are overrated", "it's pointless": said of the pronoun; not "they can skip monitoring",
            # where the pronoun does the skipping.
            if (
                anaphor < cue <= anaphor + ANAPHOR_REACH
                and (
                    words[anaphor] in _CONTRACTED_COPULAS
                    or not _COPULAS.isdisjoint(words[anaphor + 1 : cue])
                    # "those details don't matter": not mattering is said of the pronoun's phrase (not "leaving it
                    # on longer won't help", which is said of the leaving)
                    or (is_negation_cue(words[cue]) and _starts_with_any(words[cue + 1 : cue + 3], _MATTERING))
                )
            ):
                return True
    return False


_MATTERING = ("matter", "important", "relevan", "necessar", "essential", "crucial", "critical")


def _starts_with_any(words: Sequence[str], prefixes: tuple[str, ...]) -> bool:
    return any(word.startswith(prefixes) for word in words)


# The second words of HEARSAY_PAIRS: a sentence with none of them (and no reporting subject) reports nothing.
_HEARSAY_SECONDS = frozenset(second for _, second in HEARSAY_PAIRS)


def _attribution_clause(sentence: Sentence) -> int | None:
    """The clause that attributes a view to others ("people say ...", "you'll hear that ...", "X gets mentioned
    a lot"), if any."""
    words = sentence.words
    for position, word in enumerate(words):
        if reports_view_at(words, position):
            return sentence.clause[position]
        if (word, words[position + 1] if position + 1 < len(words) else "") in HEARSAY_PAIRS:
            return sentence.clause[position]
    return None


def _speaker_dismisses(sentence: Sentence, clause: int) -> bool:
    """Whether a clause dismisses or rejects, in the speaker's own voice ("..., but honestly that's overrated",
    "- that picture is a misleading detail"): a belittling word or a rejecting one, with no one else its
    subject, and not a judgement of the dismissal ("skipping it is a mistake")."""
    positions = [p for p, c in enumerate(sentence.clause) if c == clause]
    words = sentence.words
    if _others_or_judged(sentence, positions):
        return False
    return any(p in positions for p in sentence.belittling) or any(
        words[p].startswith(REJECTING_PREFIXES) for p in positions
    )


# "..., you might as well write it yourself, so I don't": a last clause of only a subject and a negated
# auxiliary refuses what the clauses before it say.
_REFUSING_SUBJECTS = frozenset({"i", "we", "я", "мы"})
_REFUSALS = frozenset({"don't", "dont", "didn't", "didnt", "won't", "wont", "never", "не"})
_AFTER_REFUSAL = frozenset({"bother", "do", "anymore", "either", "really", "делаю", "делаем"})
# "..., but nobody bothers": no one at all doing it refuses it as plainly as "we don't".
_NOBODY = frozenset({"nobody", "никто"})
_NOBODY_DOES = frozenset({"bothers", "does", "cares", "checks", "не"})
# Openers of a refusing clause that say how often or how frankly ("but in practice we never bother").
_REFUSAL_OPENERS = frozenset(
    {"so", "and", "in", "practice", "reality", "frankly", "actually", "usually", "realistically", "поэтому", "и"}
)


def _refuses_before(sentence: Sentence, clause: int) -> bool:
    words = [sentence.words[p] for p, c in enumerate(sentence.clause) if c == clause]
    while words and (words[0] in BUT_WORDS or words[0] in SOFT_BUT_FILLERS or words[0] in _REFUSAL_OPENERS):
        words = words[1:]
    return (
        clause == sentence.clause[-1]
        and len(words) >= 2
        and (
            (words[0] in _REFUSING_SUBJECTS and words[1] in _REFUSALS)
            or (words[0] in _NOBODY and words[1] in _NOBODY_DOES)
        )
        and all(word in _AFTER_REFUSAL for word in words[2:])
    )


_BACK_REFERENCES = ANAPHORS | {"neither", "none", "ни"}


def _dismisses_back(sentence: Sentence) -> bool:
    """Whether a sentence dismisses what was said before it through a pronoun, in the speaker's own voice: in
    its first clause ("In my experience neither mattered one bit", "Honestly, it never made a difference") or
    in a clause opening with "none of that" after a short setting ("For senior engineers, though, none of that
    really matters")."""
    positions = [p for p, c in enumerate(sentence.clause) if c == 0]
    words = sentence.words
    if any(_opens_with_none_of(sentence, clause) for clause in range(sentence.clause[-1] + 1)):
        return True
    if not any(p in positions for p in sentence.belittling) or _others_or_judged(sentence, positions):
        return False
    return any(words[p] in _BACK_REFERENCES for p in positions)


_SUPPOSING = frozenset({"if", "если"})
_COUNTERFACTUAL = frozenset({"were", "бы"})


def _supposes(sentence: Sentence) -> bool:
    """Whether a sentence opens with a counterfactual supposition ("If I were talking to researchers I'd get
    into ...", "If you were writing software for a pacemaker, then sure: ..."): what it grants holds only in a
    case the speaker is not in. Not a plain condition ("If that's rare, we stop believing ...") or a hedge ("If
    I had to summarise it, I'd say ...")."""
    words = [word for word in sentence.words[:6] if word not in _OPENERS]
    return bool(words) and words[0] in _SUPPOSING and not _COUNTERFACTUAL.isdisjoint(words[1:4])


@lru_cache(maxsize=1 << 16)
def _belittling_word(word: str) -> bool:
    # Dozens of prefixes per word of every answer: each word is looked up once.
    return word.startswith(BELITTLING_PREFIXES)


def _mark_stance(sentence: Sentence) -> None:
    words = sentence.words
    for raw in sentence.content_raw:
        sentence.clause_words[sentence.clause[raw]] = sentence.clause_words.get(sentence.clause[raw], 0) + 1
    negators = set(sentence.cues)
    for position, word in enumerate(words):
        phrases = _PHRASES_BY_FIRST.get(word)
        if phrases is not None and any(tuple(words[position : position + len(phrase)]) == phrase for phrase in phrases):
            sentence.belittling.append(position)
        elif _belittling_word(word) or (
            word == "over" and position + 1 < len(words) and _starts_with(words[position + 1], AFTER_OVER_PREFIXES)
        ):
            # "don't ignore variance", "you can't skip power analysis": a negated dismissal affirms.
            # ("none of those can be skipped" too: a negation in its clause within the usual reach).
            if not any(
                position - NEGATION_REACH <= cue < position and sentence.clause[cue] == sentence.clause[position]
                for cue in negators
            ):
                sentence.belittling.append(position)
        elif (position in negators or word in SOFT_NEGATIONS) and any(
            _starts_with(after, IMPORTANCE_PREFIXES) for after in words[position + 1 : position + 4]
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
                (none_of and _opens_with_none_of(sentence, clause))
                or (sentence.belittling and _dismisses_by_pronoun(sentence, clause))
                or (clause == sentence.clause[-1] and _refuses_before(sentence, clause))
            )
        ):
            sentence.dismissed_before = clause
        limit = COMMENT_MAX_WORDS if separator in COMMENT_SEPARATORS else COMMA_COMMENT_MAX_WORDS
        if separator in COMMENT_SEPARATORS or separator == ",":
            if sentence.clause_words.get(clause, 0) <= limit and sentence.opens_with_dismissal(clause):
                sentence.comments.add(clause)
    # "People say 'give it precise context and review the diff', but that's lipstick on a pig", "You'll hear
    # that the filters are learned - honestly, that's noise; it changes nothing": a view reported, then
    # dismissed in the speaker's own later clause, is dismissed whole, however long the report.
    attributed = (
        _attribution_clause(sentence)
        if not (REPORTING_SUBJECTS.isdisjoint(words) and _HEARSAY_SECONDS.isdisjoint(words))
        else None
    )
    if attributed is not None:
        sentence.hearsay = True
        later = sorted(c for c in sentence.clause_sep if c > attributed and _speaker_dismisses(sentence, c))
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
def _word_facts(piece: str) -> tuple[str, bool, tuple[str, ...], bool, bool]:
    """A token piece as a word of the sentence, whether it opens a clause, its keys, whether it is a negation
    cue, whether it is a stop word: pure facts of the piece, looked up once per distinct piece."""
    word = split_scripts(piece)
    return word, word in CLAUSE_WORDS, text_keys(word), is_negation_cue(word), word in STOPWORDS


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
                part, opens_clause, keys, cue, stop = _word_facts(piece)
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
                )
            )
        ]
        sentence.cues = [cue for cue in sentence.cues if not _conditional(words, sentence.clause, cue)]
        _mark_stance(sentence)
        # A quoted saying of three words or more is someone's words named, not the speaker's claim; a quoted
        # term («Re-Ranking», "weight sharing") is the speaker's own, unless the sentence reports others.
        for positions in quoted_words.values():
            if len(positions) >= _SAYING_MIN_WORDS or sentence.hearsay:
                sentence.quoted.update(positions)
        # "Terms like effect size and variance often come up", "I know the catechism: ...": the sentence names
        # terms as things said, and says nothing of them itself.
        if _mentions_terms(words):
            sentence.quoted.update(range(len(words)))
        if words:
            doc.sentences.append(sentence)
    for index, sentence in enumerate(doc.sentences):
        following = doc.sentences[index + 1].words[:1] if index + 1 < len(doc.sentences) else []
        if _rhetorical(sentence) and not set(following) & _ANSWERS_WHY:
            sentence.answered_no = True
    for question, reply in itertools.pairwise(doc.sentences):
        lead = _lead_clause(reply)
        if (
            question.text.endswith("?")
            and reply.clause_words.get(lead, 0) <= COMMENT_MAX_WORDS
            and reply.opens_with_dismissal(lead)
        ) or (
            # "You'll hear that the filters are learned. It changes nothing about how you use the model.",
            # "People love to say the key idea is weight sharing ... In my experience neither mattered.",
            # "If I were talking to researchers I'd get into weight sharing. For engineers none of that matters."
            (question.hearsay or _supposes(question))
            and question.dismissed_before is None
            and (reply.opens_with_dismissal(lead) or _dismisses_back(reply))
        ):
            question.answered_no = True
    # "Filters slide over the image? Learned weights? A hierarchy? Honestly, I skip all of that": a run of
    # questions answered together by the dismissal after the last of them.
    for index in range(len(doc.sentences) - 1, 0, -1):
        if doc.sentences[index].answered_no and doc.sentences[index - 1].text.endswith("?"):
            doc.sentences[index - 1].answered_no = True
    return doc
