"""A sentence of an answer: its words, clauses, negation cues and stance, and the questions asked of them.

:mod:`mockint.grading.text` splits an answer into these and marks their stance; the matcher asks each one
whether a matched phrase is negated (:meth:`Sentence.negated`), belittled (:meth:`Sentence.belittled`) or
cut off from a negation by the end of its scope (:meth:`Sentence.scope_ends_between`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from mockint.grading.belittling import BELITTLING_PREFIXES
from mockint.grading.cues import (
    ANAPHOR_REACH,
    ANAPHORS,
    AVOIDING_PREFIXES,
    BOUND_AFTER_NEGATION,
    BOUND_AFTER_NEGATION_RU,
    BUT_WORDS,
    CANCEL_REACH,
    CANCELLING_CUES,
    CLAUSE_MAKERS,
    CLAUSE_OPENING_WORDS,
    CLAUSE_WORDS,
    COMMENT_HEADS,
    COMMENT_OPENERS,
    DISMISSIVE_VERBS,
    IMPORTANCE_PREFIXES,
    INVERTING_VERBS,
    JUDGEMENT_PREFIXES,
    LIST_ITEM_MAX_WORDS,
    NEGATION_REACH,
    NEW_SUBJECTS,
    NOMINAL_COMMENT_WORDS,
    PRACTICE_FILLERS,
    PRACTICE_VERB_PREFIXES,
    REPORTING_SUBJECTS,
    SCOPE_ENDERS,
    SOFT_BUT_FILLERS,
    SOFT_NEGATIONS,
    STANCE_REACH,
    WORD_NEGATIONS,
)
from mockint.grading.words import CYRILLIC_RE, STOPWORDS, is_negation_cue

UNNEGATED = 1
NEGATED = 2
# Belittled, not negated ("X is overrated"): no credit for a key point, but a typical mistake stated with a
# dismissive word ("they are useless") is still stated.
BELITTLED = 4

_MODAL_BEFORE_TO = frozenset(
    {"have", "has", "had", "need", "needs", "want", "wants", "ought", "going", "got", "able", "supposed", "used"}
)
_NONE_OF = frozenset({"none", "nothing", "ничего", "ни"})
_SUBJECTS = frozenset({"we", "i", "i'd", "we'd", "i'll", "we'll", "мы", "я"})
_CONJUNCTION_LIKE = frozenset({"that", "this", "это"})
_ARTICLES = frozenset({"the", "a", "an", "any", "no"})
_CONTRACTED_COPULAS = frozenset({"it's", "they're", "that's"})
# A term this close to the start of its clause is in its subject ("Reviewing the diff ...", "Planning the sample
# size ..."), and words that open an embedded clause ("..., which", "that", "because") end that subject.
_OPENING_REACH = 2
_EMBEDDING_WORDS = frozenset(
    {"that", "which", "who", "because", "when", "if", "since", "while", "so", "unless", "until", "что", "который"}
    | {"которые", "потому", "когда", "если"}
)
# The first words of belittling phrases that are verbs of their own ("slows you down", "adds nothing", "gets in
# the way", "changes nothing", "makes no difference").
_VERB_PREDICATES = frozenset(
    {"slows", "slowed", "gets", "adds", "added", "changes", "changed", "makes", "made", "ignored", "skipped"}
)
# A noun after one of these is its object, not a new subject ("and power before the test").
_PREPOSITIONS = frozenset(
    {"before", "after", "of", "in", "on", "for", "to", "with", "by", "at", "from", "over", "during", "about", "into"}
)
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
_COPULAS = frozenset({"is", "are", "was", "were"})
# ... and after a modal or "to": "X can be skipped", "X turned out to be pure ceremony", "X has been dropped".
_INFINITE_COPULAS = frozenset({"be", "been"})
# Words of the noun phrase a pronoun may open before the copula ("that two-stage thing was ...").
_NAMED_BACK_WORDS = 4
_AND_WORDS = frozenset({"and", "и"})
# How far after the term a negated practice verb may stand ("sample size we never really plan").
_PRACTICE_REACH = 5
_BEFORE_PRACTICE = frozenset({"be", "been", "being", "even", "really", "always", "usually", "ever", "всегда"})
_INSTEAD = frozenset({"but", "instead", "rather", "а", "но", "вместо"})
_BELIEF_VERBS = frozenset({"think", "believe", "say", "suppose", "recall", "remember", "feel", "reckon", "expect"})
_CONDITION_WORDS = frozenset({"if", "unless", "если"})


# "You rarely train one from scratch; you fine-tune a pretrained one": the negation falls on "from scratch", and
# the training is still done.
_MANNER_FOCUS = (("from", "scratch"), ("с", "нуля"))
_MANNER_FOCUS_REACH = 5


def negates_manner(words: Sequence[str], clause: Sequence[int], cue: int) -> bool:
    """Whether the negation cue at ``cue`` is about a manner named shortly after it ("not from scratch")."""
    end = min(len(words) - 1, cue + _MANNER_FOCUS_REACH)
    return any((words[p], words[p + 1]) in _MANNER_FOCUS and clause[p + 1] == clause[cue] for p in range(cue + 1, end))


def bounds_quantity(words: Sequence[str], cue: int) -> bool:
    """Whether the negation cue at ``cue`` opens a bound on a quantity ("no more than two", "не более двух")."""
    after = words[cue + 1]
    if after in BOUND_AFTER_NEGATION_RU:
        return True
    return after in BOUND_AFTER_NEGATION and cue + 2 < len(words) and words[cue + 2] == "than"


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
        "hearsay",
        "outline",
        "quoted",
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
        # A view attributed to others ("people say ...", "you'll hear that ..."): a dismissal after it, in
        # this sentence or opening the next, is the speaker's verdict on all of it.
        self.hearsay = False
        # Positions of words inside quotation marks: "great for boilerplate", "two-stage retrieval plus
        # reranking" slide - named, as someone else's words, not said.
        self.quoted: set[int] = set()
        # A line of an outline: a Markdown heading, a table row or a list item, as written.
        self.outline = False
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
                if cue > position and self._in_condition(position, cue):
                    continue
                if cue < position and self._inverting_after(position):
                    continue  # "isn't something a bigger sample cures": the term does the curing
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

    def _in_condition(self, position: int, cue: int) -> bool:
        """Whether the term is in a condition that a later clause's cue answers ("if the split is skewed, bad
        logging - running longer won't help": the warning states the point, it belittles nothing of it)."""
        return self.clause[cue] != self.clause[position] and any(
            self.words[before] in _CONDITION_WORDS and self.clause[before] <= self.clause[position]
            for before in range(position)
        )

    def _predicate_of_subject(self, position: int, cue: int) -> bool:
        """Whether the cue is the predicate after the one copula of its clause, with the term in the subject."""
        if self.clause[position] != self.clause[cue]:
            return False
        before = cue - 1
        while before > position and self.words[before] in _PREDICATE_FILLERS:
            before -= 1
        if before <= position:
            return False
        if self.words[before] not in _COPULAS and self.words[before] not in _INFINITE_COPULAS:
            # Without a copula ("Reviewing the diff and running tests on generated code just slows you down"),
            # only when the term opens its clause and no relative or subordinate clause comes between ("...
            # catches bugs that slow you down" says it of the bugs).
            opening = next(p for p, c in enumerate(self.clause) if c == self.clause[position])
            return (
                # Russian drops the copula: "X давно неактуально", "X только мешает".
                (self.words[cue] in _VERB_PREDICATES or not self.words[cue].isascii())
                and position - opening <= _OPENING_REACH
                and _EMBEDDING_WORDS.isdisjoint(self.words[position + 1 : cue])
                and not self._new_subject_between(position, cue)
            )
        between = self.words[position + 1 : before]
        return (
            _COPULAS.isdisjoint(between)
            and _INFINITE_COPULAS.isdisjoint(between)
            and not self._new_subject_between(position, before)
        )

    def _new_subject_between(self, position: int, cue: int) -> bool:
        words = self.words
        return any(
            words[between] in _AND_WORDS
            # Not the object of a preposition: in "the sample size and power before the test is overrated" the
            # "the" of "before the test" is inside the first subject.
            and any(
                words[after] in NEW_SUBJECTS and words[after - 1] not in _PREPOSITIONS
                for after in range(between + 1, cue)
            )
            # "reviewing every diff and running the tests is pointless": a second gerund joins the subject.
            and not (between + 1 < cue and words[between + 1].endswith("ing"))
            for between in range(position + 1, cue)
        )

    def _commented(self, position: int) -> bool:
        """Whether a comment clause after the term's clause dismisses it, over short clauses between."""
        start = self.clause[position]
        for comment in sorted(self.comments):
            if comment < start and self.clause_sep.get(comment) == "?":
                # "Metric variance? Irrelevant, a noisy metric and a stable one behave the same": what follows
                # the dismissal of a topic question says why, up to a "but".
                if not any(self.clause_sep.get(c) in BUT_WORDS for c in range(comment + 1, start + 1)):
                    return True
                continue
            if comment <= start:
                continue
            between = range(start + 1, comment)
            if all(c in self.comments or self.clause_words.get(c, 0) <= LIST_ITEM_MAX_WORDS + 1 for c in between):
                return True
        return False

    def opens_with_dismissal(self, clause: int) -> bool:
        """Whether a clause opens, after fillers, with a dismissal ("overrated", "not necessary", "not real")."""
        positions = [index for index, c in enumerate(self.clause) if c == clause]
        # A comment that is a noun phrase with a dismissive head ("design-doc theatre", "compliance folks'
        # homework", "all very textbook"): a few words and no verb of its own. English only: a Russian predicate
        # needs no copula ("дольше крутить бесполезно" says what is useless).
        if (
            self.belittling
            and any(position in self.belittling for position in positions)
            and not any(CYRILLIC_RE.search(self.words[p]) for p in positions)
            and len(set(positions).intersection(self.content_raw)) <= NOMINAL_COMMENT_WORDS
            and not any(self.words[p] in CLAUSE_MAKERS or is_negation_cue(self.words[p]) for p in positions)
        ):
            return True
        # "That two-stage thing was a 2019 pattern": the pronoun's noun phrase, a copula, the dismissal.
        if positions and self.words[positions[0]] in ANAPHORS and self._named_back_then_belittled(positions):
            return True
        skipped = 0
        for position in positions:
            word = self.words[position]
            # ", we avoided them", "- I skipped it": turning away from the topic's pronoun.
            # ("I'd skip all that": the pronoun may follow "all").
            if (
                word in _SUBJECTS
                and any(
                    after.startswith(AVOIDING_PREFIXES + BELITTLING_PREFIXES)
                    and any(rest in ANAPHORS for rest in self.words[position + 2 + offset : position + 4 + offset])
                    # ", we never skip it" affirms: a negation before the verb turns the dismissal round.
                    and not any(is_negation_cue(w) for w in self.words[position + 1 : position + 1 + offset])
                    for offset, after in enumerate(self.words[position + 1 : position + 4])
                )
            ):
                return True
            # (a dismissal may open with a stop word: "who has time for that", "no point")
            if position not in self.belittling and (
                word in COMMENT_OPENERS or word in BUT_WORDS or (word in STOPWORDS and not is_negation_cue(word))
            ):
                skipped += 1
                if skipped > 3:
                    return False
                continue
            if any(self.words[p].startswith(JUDGEMENT_PREFIXES) for p in positions):
                return False
            # ... or with one word before it: "nice textbook words", "total cargo cult".
            if position in self.belittling or (position + 1 in self.belittling and position + 1 in positions):
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
            # Within the clause: in ": it is not for show, it catches invented APIs" the next clause's "it" is
            # no pronoun of a negated verb.
            following = [self.words[p] for p in range(position + 1, position + 4) if p in positions]
            # ": none of that is how it works", ": ничего из этого": the comment denies the list before it.
            denied_dismissal = any(self.words[p].startswith(BELITTLING_PREFIXES + INVERTING_VERBS) for p in positions)
            if word in _NONE_OF and following[:1] in (["of"], ["из"]) and not denied_dismissal:
                return True
            # ", nobody actually does that", "- never used them": a negated verb of the topic's pronoun (not a
            # negated dismissal: "none of those can be skipped" affirms them).
            if is_negation_cue(word) and self._pronoun_after(position, positions) and not denied_dismissal:
                return True
            return (is_negation_cue(word) or word in SOFT_NEGATIONS) and any(
                after.startswith(IMPORTANCE_PREFIXES + COMMENT_HEADS) for after in following
            )
        return False

    def _named_back_then_belittled(self, positions: Sequence[int]) -> bool:
        anaphor = positions[0]
        reach = range(anaphor + 1, anaphor + 2 + _NAMED_BACK_WORDS)
        copula = next((p for p in reach if p in positions and self.words[p] in _COPULAS), None)
        return copula is not None and any(
            cue in positions and copula < cue <= copula + ANAPHOR_REACH for cue in self.belittling
        )

    def _pronoun_after(self, position: int, positions: Sequence[int]) -> bool:
        """Whether a pronoun follows a negation within three words of its clause ("never used them", "nobody
        does that", "would not bring that up"); not "that" after an article and its noun, which opens what the
        noun is ("it is not the chance that B is better")."""
        for after in range(position + 1, position + 4):
            if after not in positions or self.words[after] not in ANAPHORS:
                continue
            if self.words[after] in _CONJUNCTION_LIKE and self.words[after - 2] in _ARTICLES:
                continue
            return True
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
                # "I don't think there were failure modes", "I wouldn't say there was a real problem": a verb of
                # belief negated carries its negation into the clause it introduces.
                return any(words[p] not in STOPWORDS and words[p] not in _BELIEF_VERBS for p in range(cue + 1, between))
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
            elif reaching:
                # "No team should launch a test without a power analysis for the sample size": a "without" too far
                # from the term to negate it still cancels the negation before it, which reaches the term only
                # through the "without".
                reaching = [
                    cue
                    for cue in reaching
                    if not any(
                        self.words[cancel] in CANCELLING_CUES
                        and cue < cancel < position
                        and cancel - cue <= CANCEL_REACH
                        and self.clause[cancel] == self.clause[position]
                        for cancel in self.cues
                    )
                ]
            # "bot traffic isn't something a bigger sample cures": the term does the (negated) curing, it is not
            # what is denied.
            if reaching and self._inverting_after(position):
                reaching = []
            if reaching:
                return True
        return self._practice_negated_after(positions)

    def negation_cancelled(self, first: int) -> bool:
        """Whether the "without" at ``first`` (a phrase's own: "without a power analysis") is negated again by a
        cue before it in its clause ("no team launches a test without a power analysis", "we never ship without
        review"). Not a second "no": "no fine-tuning and no second-stage reranker" lists what is not done."""
        if first not in self.cues or self.words[first] not in CANCELLING_CUES:
            return False
        return any(
            cue < first
            and self.clause[cue] == self.clause[first]
            and (first - cue <= CANCEL_REACH or self._opens_clause(cue))
            for cue in self.cues
        )

    def _inverting_after(self, position: int) -> bool:
        return any(
            self.words[after].startswith(INVERTING_VERBS) and self.clause[after] == self.clause[position]
            for after in range(position + 1, min(position + 3, len(self.words)))
        )

    def _practice_negated_after(self, positions: Sequence[int]) -> bool:
        """Whether a negated practice verb follows the term it is done to, with nothing of substance between
        ("the sample size is not calculated in advance", "sample size we never plan", "мы sample size заранее
        не считаем"); not when the sentence goes on to what is done instead ("... not computed after the fact
        but before the test")."""
        last = max(positions)
        words = self.words
        for cue in self.cues:
            if cue <= last or cue - last > _PRACTICE_REACH or self.clause[cue] != self.clause[last]:
                continue
            if not all(w in STOPWORDS or w in PRACTICE_FILLERS for w in words[last + 1 : cue]):
                continue
            verb = cue + 1
            while verb < len(words) and words[verb] in _BEFORE_PRACTICE:
                verb += 1
            if verb < len(words) and words[verb].startswith(PRACTICE_VERB_PREFIXES):
                return _INSTEAD.isdisjoint(words[verb + 1 :])
        return False


# "Ignoring variance is how people underestimate test duration", "skipping review leads to outages": a dismissal
# named as the cause of harm is a warning against it.
_CAUSE_PAIRS = frozenset({("is", "how"), ("is", "why"), ("leads", "to"), ("led", "to"), ("lead", "to")})


def warns_of(sentence: Sentence, position: int) -> bool:
    """Whether a dismissive gerund is the subject of a clause that says what harm it causes."""
    words = sentence.words
    if not words[position].endswith("ing"):
        return False
    clause = sentence.clause[position]
    later = [w for p, w in enumerate(words) if p > position and sentence.clause[p] == clause]
    return any(pair in _CAUSE_PAIRS for pair in itertools.pairwise(later))


# What opens a clause that comments on the one before it: "..., which is a mistake", "... - that's a trap".
_COMMENTING_OPENERS = frozenset({"which", "that's", "that", "this", "что"})
_COMMENT_MARKS = frozenset({"—", "–", "-", ":"})
_HARD = frozenset({"hard", "difficult", "impossible"})


def judged_dismissal(sentence: Sentence, position: int) -> bool:
    """Whether a dismissive word is not the speaker's dismissal: a dismissive verb called a mistake in its own
    clause or the comment after it ("skipping the power analysis is a classic mistake", "it would be a mistake to
    ignore variance", "many teams skip it, which is a mistake"), others' practice described ("people who dismiss
    X usually learn the hard way"), or an emphasis ("it's hard to overstate X"). The speaker affirms what is
    dismissed."""
    words = sentence.words
    # "It's hard to overstate the value of X": an emphasis, not a dismissal.
    if position >= 2 and words[position - 1] == "to" and words[position - 2] in _HARD:
        return True
    if not words[position].startswith(DISMISSIVE_VERBS):
        return False
    # "People who dismiss X usually learn the hard way", "teams that skip X": others' practice described.
    if position and (
        words[position - 1] == "who"
        or (position >= 2 and words[position - 1] == "that" and words[position - 2] in REPORTING_SUBJECTS)
    ):
        return True
    clause = sentence.clause[position]
    nearby = [p for p, c in enumerate(sentence.clause) if c == clause]
    following = [p for p, c in enumerate(sentence.clause) if c == clause + 1]
    # "..., which is a mistake"; "Пропускать X — ошибка": a comment after a dash or a colon too
    if following and (
        words[following[0]] in _COMMENTING_OPENERS or sentence.clause_sep.get(clause + 1) in _COMMENT_MARKS
    ):
        nearby += following
    return any(words[p].startswith(JUDGEMENT_PREFIXES) for p in nearby)
