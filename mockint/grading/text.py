"""Sentences for the deterministic grader: the parsed answer, its clauses, negation and stance, its index.

Pure functions; the parsed answer (``Doc``) is indexed by word key so that phrases are found without scanning.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from mockint.grading.cues import (
    AFTER_OVER_PREFIXES,
    ALWAYS_NEGATING,
    ANAPHOR_REACH,
    ANAPHORS,
    AVOIDING_PREFIXES,
    BELITTLING_PHRASES,
    BELITTLING_PREFIXES,
    BUT_WORDS,
    CANCEL_REACH,
    CANCELLING_CUES,
    CLAUSE_OPENING_WORDS,
    CLAUSE_PUNCT_RE,
    CLAUSE_WORDS,
    COMMA_COMMENT_MAX_WORDS,
    COMMENT_HEADS,
    COMMENT_MAX_WORDS,
    COMMENT_OPENERS,
    COMMENT_SEPARATORS,
    HARM_PREFIXES,
    IDIOMS_AFTER_NO,
    IMPORTANCE_PREFIXES,
    INVERTING_VERBS,
    JUDGEMENT_PREFIXES,
    LIST_ITEM_MAX_WORDS,
    NEGATION_REACH,
    NEW_SUBJECTS,
    NOT_A_NEGATION_BEFORE,
    ONLY_WORDS,
    REPORTING_SUBJECTS,
    SCOPE_ENDERS,
    SOFT_BUT_FILLERS,
    SOFT_NEGATIONS,
    STANCE_REACH,
    TOPIC_QUESTION_MAX_WORDS,
    WORD_NEGATIONS,
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

UNNEGATED = 1
NEGATED = 2
# Belittled, not negated ("X is overrated"): no credit for a key point, but a typical mistake stated with a
# dismissive word ("they are useless") is still stated.
BELITTLED = 4


class Sentence:
    __slots__ = (
        "answered_no",
        "not_only",
        "dismissed_before",
        "belittling",
        "clause",
        "clause_sep",
        "clause_words",
        "comments",
        "content_raw",
        "cues",
        "excluded",
        "span",
        "text",
        "words",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: list[str] = []
        self.clause: list[int] = []
        self.cues: list[int] = []
        self.content_raw: list[int] = []
        # Positions of words that dismiss what is near them (see BELITTLING_PREFIXES), and of negations of
        # an importance head.
        self.belittling: list[int] = []
        self.clause_words: dict[int, int] = {}  # clause index -> content words in it
        self.clause_sep: dict[int, str] = {}  # clause index -> the punctuation or clause word that opened it
        # Clauses that only comment on the one before ("- overrated", ": irrelevant these days").
        self.comments: set[int] = set()
        # A question the next sentence dismisses ("An alpha chosen in advance? Not necessary."): every term in
        # it is belittled.
        self.answered_no = False
        self.not_only = False  # "not just ...", "not only ..."
        # "..., but honestly none of those matter": every clause before this one is dismissed.
        self.dismissed_before: int | None = None
        # Set by the guards: a sentence addressed to the grader, or an echo of the question, earns nothing.
        self.excluded = False
        self.span = (0, 0)  # where it is in the answer (characters), for blocks that span sentences

    def belittled(self, positions: Sequence[int]) -> bool:
        """Whether a stance word before or after the matched tokens belittles them."""
        if self.answered_no:
            return True
        if self.dismissed_before is not None and any(self.clause[p] < self.dismissed_before for p in positions):
            return True
        if self.comments and any(self._commented(position) for position in positions):
            return True
        if not self.belittling:
            return False
        for position in positions:
            for cue in self.belittling:
                if cue in positions:
                    continue
                if abs(cue - position) > STANCE_REACH:
                    # "Reviewing diffs and running tests on generated code is paranoia": a predicate after the
                    # copula is said of the whole subject before it, however long.
                    if cue > position and self._predicate_of_subject(position, cue):
                        return True
                    continue
                if self.clause[cue] == self.clause[position]:
                    # "they invent APIs and in ML code they can silently skip monitoring": a cue after "and"
                    # and a subject of its own is said of that clause, not of the term.
                    if cue > position and self._new_subject_between(position, cue):
                        continue
                    return True
                # After a list: every clause from the term's to the cue's is a short list item.
                if (
                    cue > position
                    and all(
                        self.clause_words.get(clause, 0) <= LIST_ITEM_MAX_WORDS
                        for clause in range(self.clause[position], self.clause[cue])
                    )
                    and CLAUSE_WORDS.isdisjoint(self.words[position:cue])
                ):
                    return True
                if cue > position and self._continues_with_but(position, cue):
                    return True
        return False

    def _predicate_of_subject(self, position: int, cue: int) -> bool:
        """Whether the cue is the predicate after the one copula of its clause, with the term in the subject."""
        if self.clause[position] != self.clause[cue]:
            return False
        before = cue - 1
        while before > position and self.words[before] in _PREDICATE_FILLERS:
            before -= 1
        if before <= position or self.words[before] not in _COPULAS:
            return False
        between = self.words[position + 1 : before]
        return _COPULAS.isdisjoint(between) and not self._new_subject_between(position, before)

    def _new_subject_between(self, position: int, cue: int) -> bool:
        words = self.words
        return any(
            words[between] in _AND_WORDS and any(word in NEW_SUBJECTS for word in words[between + 1 : cue])
            for between in range(position + 1, cue)
        )

    def _commented(self, position: int) -> bool:
        """Whether a comment clause after the term's clause dismisses it, over short clauses between."""
        start = self.clause[position]
        for comment in sorted(self.comments):
            if comment <= start:
                continue
            between = range(start + 1, comment)
            if all(c in self.comments or self.clause_words.get(c, 0) <= LIST_ITEM_MAX_WORDS + 1 for c in between):
                return True
        return False

    def opens_with_dismissal(self, clause: int) -> bool:
        """Whether a clause opens, after fillers, with a dismissal ("overrated", "not necessary", "not real")."""
        positions = [index for index, c in enumerate(self.clause) if c == clause]
        skipped = 0
        for position in positions:
            word = self.words[position]
            # ", we avoided them", "- I skipped it": turning away from the topic's pronoun.
            if word in _SUBJECTS and any(
                after.startswith(AVOIDING_PREFIXES + BELITTLING_PREFIXES) and rest in ANAPHORS
                for after, rest in itertools.pairwise(self.words[position + 1 : position + 4])
            ):
                return True
            if word in COMMENT_OPENERS or word in BUT_WORDS or (word in STOPWORDS and not is_negation_cue(word)):
                skipped += 1
                if skipped > 3:
                    return False
                continue
            if any(self.words[p].startswith(JUDGEMENT_PREFIXES) for p in positions):
                return False
            if position in self.belittling:
                return True
            # "splitting them is overkill": the topic's pronoun shortly before a dismissal word.
            anaphor = next(
                (p for p in positions[: positions.index(position) + ANAPHOR_REACH] if self.words[p] in ANAPHORS), None
            )
            if anaphor is not None and any(
                cue in positions
                and anaphor < cue <= anaphor + ANAPHOR_REACH
                # Nothing but function words between: "это дорого и игнорирует ..." is a claim of its own.
                and all(self.words[p] in STOPWORDS or self.words[p] in COMMENT_OPENERS for p in range(anaphor + 1, cue))
                for cue in self.belittling
            ):
                return True
            following = self.words[position + 1 : position + 4]
            # ": none of that is how it works", ": ничего из этого": the comment denies the list before it.
            denied_dismissal = any(self.words[p].startswith(BELITTLING_PREFIXES + INVERTING_VERBS) for p in positions)
            if word in _NONE_OF and following[:1] in (["of"], ["из"]) and not denied_dismissal:
                return True
            # ", nobody actually does that", "- never used them": a negated verb of the topic's pronoun (not a
            # negated dismissal: "none of those can be skipped" affirms them).
            if is_negation_cue(word) and any(after in ANAPHORS for after in following) and not denied_dismissal:
                return True
            return (is_negation_cue(word) or word in SOFT_NEGATIONS) and any(
                after.startswith(IMPORTANCE_PREFIXES + COMMENT_HEADS) for after in following
            )
        return False

    def _continues_with_but(self, position: int, cue: int) -> bool:
        """ "X is a nice story but irrelevant": a "but" clause with no subject of its own, opening with the cue."""
        if self.clause[cue] != self.clause[position] + 1:
            return False
        start = next(index for index in range(position, cue + 1) if self.clause[index] == self.clause[cue])
        return self.words[start] in BUT_WORDS and all(
            word in STOPWORDS or word in SOFT_BUT_FILLERS for word in self.words[start + 1 : cue]
        )

    def scope_ends_between(self, first: int, last: int) -> bool:
        """Whether a clause boundary, a time or condition word or "and" before a new subject lies between."""
        return self.clause[first] != self.clause[last] or self._predicate_ends(first, last)

    def _predicate_ends(self, cue: int, position: int) -> bool:
        """Whether the negation's scope ends before the term.

        "the thing that didn't work was diversity": a copula after the negated verb starts a new predicate;
        "I don't merge until I read the diff": a time or condition word starts a clause of its own; "it runs
        without errors and the tests pass": "and" before a new subject does too.
        """
        words = self.words
        for between in range(cue + 1, position):
            word = words[between]
            # "ChatGPT cannot replace code review", "more data will not remove bias": the verb is negated, what
            # cannot be replaced or removed is affirmed.
            if word in SCOPE_ENDERS or word.startswith(INVERTING_VERBS):
                return True
            if word in _AND_WORDS and between + 1 < len(words) and words[between + 1] in NEW_SUBJECTS:
                return True
            if word in _COPULAS:
                return any(words[p] not in STOPWORDS for p in range(cue + 1, between))
        return False

    def _opens_clause(self, cue: int) -> bool:
        """Whether a negation governs its whole clause: it opens it, after at most a subject and a modal ("Never
        read the p-value as ...", "I would never just read ... as the chance H1 is true")."""
        if self.words[cue] in CANCELLING_CUES or self.words[cue] in WORD_NEGATIONS:
            return False  # "without X, ..." governs X; "non-overlapping pieces" only its own word
        start = cue
        while start > 0 and self.clause[start - 1] == self.clause[cue]:
            start -= 1
        return all(word in CLAUSE_OPENING_WORDS for word in self.words[start:cue])

    def _no_purpose(self, cue: int, position: int) -> bool:
        """Whether no infinitive of purpose stands between ("you don't have to iterate the list to access
        elements": the access is affirmed); the "to" of "have to", "need to" belongs to the negated verb."""
        words = self.words
        return not any(
            words[between] == "to" and words[between - 1] not in _MODAL_BEFORE_TO
            for between in range(cue + 1, position)
        )

    def _reach(self, cue: int) -> int:
        return 1 if self.words[cue] in WORD_NEGATIONS else NEGATION_REACH

    def negated(self, positions: Sequence[int]) -> bool:
        """Whether a cue in the same clause shortly precedes one of the matched tokens (and is not one)."""
        if not self.cues:
            return False
        for position in positions:
            reaching = [
                cue
                for cue in self.cues
                if cue < position
                and (
                    position - cue <= self._reach(cue) or (self._opens_clause(cue) and self._no_purpose(cue, position))
                )
                and cue not in positions
                and self.clause[cue] == self.clause[position]
                and not self._predicate_ends(cue, position)
            ]
            # "never merge code without running the tests" asserts the tests: "without" after another
            # negation cancels it.
            if reaching and self.words[reaching[-1]] in CANCELLING_CUES:
                cancel = reaching[-1]
                if any(
                    cue < cancel and cancel - cue <= CANCEL_REACH and self.clause[cue] == self.clause[cancel]
                    for cue in self.cues
                ):
                    reaching = [cue for cue in reaching[:-1] if cancel - cue > CANCEL_REACH]
                elif any(cue > position and self.clause[cue] == self.clause[cancel] for cue in self.cues):
                    # "в prod без review нельзя", "without review, never": a prohibition after it too.
                    reaching = reaching[:-1]
            if reaching:
                return True
        return False


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
def _typo_forms(term: str) -> tuple[str, ...]:
    # A rubric's terms are looked up in every answer: their deletion forms are worth keeping.
    return (term, *_deletions(term))


class Doc:
    __slots__ = ("_typo_ends", "_typo_found", "_typo_index", "content_index", "raw_index", "sentences")

    def __init__(self) -> None:
        self.sentences: list[Sentence] = []
        self.content_index: _Index = {}
        self.raw_index: _Index = {}
        self._typo_index: dict[str, set[str]] | None = None
        # First two and last three letters of the answer's keys: a key one edit from a term of six letters or
        # more keeps one of them, so most absent terms are ruled out without the deletion forms.
        self._typo_ends: set[str] = set()
        # A term recurs across a rubric's synonym lists; an answer is analysed against one rubric.
        self._typo_found: dict[str, list[str]] = {}

    def typo_keys(self, term: str, known: frozenset[str]) -> list[str]:
        """Keys of the answer one edit (insertion, deletion, substitution, transposition) away from ``term``.

        A key that is itself a word of the rubric is a different word, not a typo of ``term``.
        """
        if not typo_candidate(term):
            return []
        if self._typo_index is None:
            # Symmetric deletions (SymSpell): two keys are one edit apart when they share a one-deletion form
            # or one is a deletion of the other.
            typo_index: dict[str, set[str]] = {}
            for key in self.content_index:
                if len(key) >= _TYPO_MIN_STEM - 1 and key.isascii() and key.isalpha():
                    self._typo_ends.update((key[:2], "~" + key[-3:]))
                    typo_index.setdefault(key, set()).add(key)
                    for form in _deletions(key):
                        typo_index.setdefault(form, set()).add(key)
            self._typo_index = typo_index
        if term[:2] not in self._typo_ends and "~" + term[-3:] not in self._typo_ends:
            return []
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


_MODAL_BEFORE_TO = frozenset(
    {"have", "has", "had", "need", "needs", "want", "wants", "ought", "going", "got", "able", "supposed", "used"}
)
_NONE_OF = frozenset({"none", "nothing", "ничего", "ни"})
_SUBJECTS = frozenset({"we", "i", "мы", "я"})
_CONJUNCTION_LIKE = frozenset({"that", "this", "это"})
_CONTRACTED_COPULAS = frozenset({"it's", "they're", "that's"})
# Words between a copula and its predicate ("is mostly just a formality", "are pure paranoia").
_PREDICATE_FILLERS = frozenset(
    {
        "a",
        "an",
        "the",
        "just",
        "mostly",
        "pure",
        "simply",
        "really",
        "basically",
        "largely",
        "only",
        "total",
        "complete",
        "utter",
        "pretty",
        "kind",
        "of",
        "sort",
        "plain",
        "honestly",
        "frankly",
        "all",
        "mere",
    }
)
_CONDITIONALS = frozenset({"if", "unless", "when", "если", "когда"})
_COPULAS = frozenset({"is", "are", "was", "were"})
_AND_WORDS = frozenset({"and", "и"})
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


def _opens_with_none_of(sentence: Sentence, clause: int) -> bool:
    """Whether a clause opens, after "but" and fillers, with "none of those" ("..., but honestly none of those
    matter much in practice", "..., ни одно из этого не важно")."""
    words = [sentence.words[p] for p, c in enumerate(sentence.clause) if c == clause]
    while words and (words[0] in BUT_WORDS or words[0] in SOFT_BUT_FILLERS or words[0] in COMMENT_OPENERS):
        words = words[1:]
    if words[:1] == ["neither"]:  # "..., but honestly neither matters much"
        rest = words[1:5]
    elif len(words) >= 3 and words[0] in _NONE_OF and words[1] in ("of", "из") and words[2] in ANAPHORS:
        rest = words[3:7]
    else:
        return False
    # "none of those matter", not "none of those can be skipped" (a denied dismissal affirms).
    return any(word.startswith(IMPORTANCE_PREFIXES) for word in rest) and not any(
        word.startswith(BELITTLING_PREFIXES) for word in words[3:]
    )


def _dismisses_by_pronoun(sentence: Sentence, clause: int) -> bool:
    """Whether a later clause dismisses what came before through a pronoun: "..., but I don't think it's
    needed", "..., but I wouldn't bother with them", "..., but I doubt they are important". Not when others are
    its subject ("..., but teams often skip it" reports a mistake, and does not make it)."""
    positions = [p for p, c in enumerate(sentence.clause) if c == clause]
    words = sentence.words
    # "- skipping that is a classic mistake" judges the dismissal, and affirms.
    if any(words[p] in REPORTING_SUBJECTS or words[p].startswith(JUDGEMENT_PREFIXES) for p in positions):
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
            if anaphor < cue <= anaphor + ANAPHOR_REACH and (
                words[anaphor] in _CONTRACTED_COPULAS or not _COPULAS.isdisjoint(words[anaphor + 1 : cue])
            ):
                return True
    return False


def _mark_stance(sentence: Sentence) -> None:
    words = sentence.words
    for raw in sentence.content_raw:
        sentence.clause_words[sentence.clause[raw]] = sentence.clause_words.get(sentence.clause[raw], 0) + 1
    negators = set(sentence.cues)
    for position, word in enumerate(words):
        if any(tuple(words[position : position + len(phrase)]) == phrase for phrase in _PHRASES_BY_FIRST.get(word, ())):
            sentence.belittling.append(position)
        elif _starts_with(word, BELITTLING_PREFIXES) or (
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
    for clause, separator in sentence.clause_sep.items():
        if (
            clause
            and sentence.dismissed_before is None
            and (_opens_with_none_of(sentence, clause) or _dismisses_by_pronoun(sentence, clause))
        ):
            sentence.dismissed_before = clause
        limit = COMMENT_MAX_WORDS if separator in COMMENT_SEPARATORS else COMMA_COMMENT_MAX_WORDS
        if separator in COMMENT_SEPARATORS or separator == ",":
            if sentence.clause_words.get(clause, 0) <= limit and sentence.opens_with_dismissal(clause):
                sentence.comments.add(clause)


def parse(answer: str) -> Doc:
    doc = Doc()
    for start, end in _sentence_spans(answer):
        text = _BULLET_RE.sub("", answer[start:end].strip(), count=1).strip()
        if not text:
            continue
        sentence = Sentence(text)
        sentence.span = (start, end)
        index = len(doc.sentences)
        normalised = normalise(text)
        clause = 0
        previous_end = 0
        for match in TOKEN_RE.finditer(normalised):
            punct = CLAUSE_PUNCT_RE.search(normalised, previous_end, match.start())
            if punct:
                clause += 1
                sentence.clause_sep[clause] = punct.group()
            previous_end = match.end()
            token = match.group()
            parts = token.split("-") if "-" in token and not token[0].isdigit() else [token]
            first_raw = len(sentence.words)
            first_content = -1
            for part in parts:
                part = split_scripts(part)
                if part in CLAUSE_WORDS:
                    clause += 1
                    sentence.clause_sep[clause] = part
                raw = len(sentence.words)
                sentence.words.append(part)
                sentence.clause.append(clause)
                keys = text_keys(part)
                _add(doc.raw_index, keys, index, raw)
                if is_negation_cue(part):
                    sentence.cues.append(raw)
                if part not in STOPWORDS:
                    if first_content < 0:
                        first_content = len(sentence.content_raw)
                    _add(doc.content_index, keys, index, len(sentence.content_raw))
                    sentence.content_raw.append(raw)
            if len(parts) > 1:
                # "p-value" also stands for "pvalue", "re-rank" for "rerank".
                joined = text_keys("".join(parts))
                _add(doc.raw_index, joined, index, first_raw)
                if first_content >= 0:
                    _add(doc.content_index, joined, index, first_content)
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
        if words:
            doc.sentences.append(sentence)
    for index, sentence in enumerate(doc.sentences):
        following = doc.sentences[index + 1].words[:1] if index + 1 < len(doc.sentences) else []
        if _rhetorical(sentence) and not set(following) & _ANSWERS_WHY:
            sentence.answered_no = True
    for question, reply in itertools.pairwise(doc.sentences):
        if (
            question.text.endswith("?")
            and reply.clause_words.get(0, 0) <= COMMENT_MAX_WORDS
            and reply.opens_with_dismissal(0)
        ):
            question.answered_no = True
    return doc
