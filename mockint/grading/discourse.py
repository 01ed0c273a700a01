"""How clauses and sentences of an answer turn on one another: reports of others' views, questions answered
"no", suppositions, and later clauses or sentences that dismiss what came before.

:mod:`mockint.grading.text` parses an answer and marks each sentence's own stance; the rules here relate a
clause to the clauses before it (:func:`dismisses_by_pronoun`, :func:`opens_with_none_of`,
:func:`refuses_before`, :func:`attribution_clause`, :func:`speaker_dismisses`) and a sentence to the one before
it (:func:`mark_replies`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mockint.grading.belittling import BELITTLING_PREFIXES
from mockint.grading.cues import (
    ANAPHOR_REACH,
    ANAPHORS,
    BUT_WORDS,
    CLAUSE_MAKERS,
    COMMENT_MAX_WORDS,
    COMMENT_OPENERS,
    HEARSAY_PAIRS,
    IMPORTANCE_PREFIXES,
    JUDGEMENT_PREFIXES,
    RECEIVED_VIEW_ADJECTIVE_STEMS_RU,
    RECEIVED_VIEW_ADJECTIVES,
    RECEIVED_VIEW_NOUN_STEMS_RU,
    RECEIVED_VIEW_NOUNS,
    REJECTING_PREFIXES,
    REPORTING_SUBJECTS,
    REPORTING_VERBS,
    SOFT_BUT_FILLERS,
    TOPIC_QUESTION_MAX_WORDS,
)
from mockint.grading.sentence import (
    _CONDITION_WORDS,
    _CONJUNCTION_LIKE,
    _CONTRACTED_COPULAS,
    _COPULAS,
    _NONE_OF,
    _SUBJECTS,
    Sentence,
)
from mockint.grading.words import PhraseIndex, is_negation_cue

if TYPE_CHECKING:
    from mockint.grading.text import Doc

# "But why would you want the same weights everywhere?", "why learn the kernels at all when ...?", "зачем
# писать длинные промпты?": a "why" question with one of these, not answered by the next sentence
# ("Because ..."), dismisses what it asks about. "Why not ...?" recommends it, and is not one.
_WHY = frozenset({"why", "зачем"})
_RHETORICAL_MARKERS = frozenset({"would", "should", "bother", "even", "ever", "waste", "when", "all", "need", "нужно"})
_ANSWERS_WHY = frozenset({"because", "since", "потому", "так"})
_OPENERS = frozenset({"but", "and", "so", "then", "но", "и", "а", "так"})


# "X matters far less than people think", "not as simple as many assume": others' view as the measure of a
# comparison, said in the speaker's own voice, not reported.
_COMPARING = frozenset({"than", "as", "чем"})
_LIKING = frozenset({"like", "likes", "love", "loves", "любят"})


def reports_view_at(words: Sequence[str], position: int) -> bool:
    """Whether ``words[position]`` opens a report of others' view: a reporting subject with a reporting verb
    within three words ("people say", "many teams still believe"), not compared with ("less than people think").
    """
    if words[position] not in REPORTING_SUBJECTS or (position and words[position - 1] in _COMPARING):
        return False
    for after in range(position + 1, min(position + 4, len(words))):
        # "For senior engineers I'd start with ...": the verb is the speaker's.
        if words[after] in _OWN_SUBJECTS:
            return False
        if words[after] in REPORTING_VERBS and _reporting_use(words, after):
            return True
    return False


# The speaker as a subject: a verb after one of these is not the reporting subject's.
_OWN_SUBJECTS = _SUBJECTS | {"i'm"}


# What people are said to like when they like a view: its story, not a thing.
_TOLD = frozenset({"narrative", "story", "picture", "explanation", "analogy", "metaphor", "slogan", "line"})
_TOLD_REACH = 5


def _reporting_use(words: Sequence[str], verb: int) -> bool:
    # "people like to say", "everyone loves talking about": liking reports a view only with what is said or
    # done; "engineers like precision" is the speaker's own claim about them.
    if words[verb] not in _LIKING:
        return True
    following = words[verb + 1] if verb + 1 < len(words) else ""
    # ... or with a story told: "people love the edges-to-objects narrative".
    return (
        following == "to"
        or following.endswith("ing")
        or any(word in _TOLD for word in words[verb + 1 : verb + 1 + _TOLD_REACH])
    )


# Frames that present terms as things mentioned rather than claims made.
_MENTION_FRAMES = PhraseIndex(
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


def mentions_terms(words: Sequence[str]) -> bool:
    """Whether a sentence's words hold a frame that names terms as things mentioned."""
    return _MENTION_FRAMES.found_in(words)


def _lead_clause(sentence: Sentence) -> int:
    """The first clause that says something: "Honestly, I skip all of that" opens with its second."""
    fillers = [sentence.words[p] for p, c in enumerate(sentence.clause) if c == 0]
    return 1 if 1 in sentence.clause_sep and fillers and all(word in _LEAD_FILLERS for word in fillers) else 0


# Openers that only say whose view follows: "Honestly, ...", "In my view, ...", "По-моему, ...".
_LEAD_FILLERS = COMMENT_OPENERS | frozenset(
    {"in", "my", "view", "opinion", "imo", "imho", "personally", "по", "моему", "мнению", "на", "мой", "взгляд"}
    # "Variance, randomization... sure, nice textbook words": a concession before the comment.
    | {"sure", "yeah", "ok", "okay", "ну", "да"}
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


# What "none of that" is said not to do: matter, be needed ... or change anything.
_NONE_OF_HEADS = (*IMPORTANCE_PREFIXES, "chang", "affect", "differ")


def opens_with_none_of(sentence: Sentence, clause: int) -> bool:
    """Whether a clause opens, after "but" and fillers, with "none of those" ("..., but honestly none of those
    matter much in practice", "..., ни одно из этого не важно")."""
    words = [sentence.words[p] for p, c in enumerate(sentence.clause) if c == clause]
    words = _after_openers(words, _NONE_OF_OPENERS)
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


def dismisses_by_pronoun(sentence: Sentence, clause: int) -> bool:
    """Whether a later clause dismisses what came before through a pronoun: "..., but I don't think it's
    needed", "..., but I wouldn't bother with them", "..., but I doubt they are important". Not when others are
    its subject ("..., but teams often skip it" reports a mistake, and does not make it)."""
    positions = [p for p, c in enumerate(sentence.clause) if c == clause]
    words = sentence.words
    # "- skipping that is a classic mistake" judges the dismissal, and affirms.
    if _others_or_judged(sentence, positions):
        return False
    # Not "that" or "this": "... and ignores that nearby pixels form patterns" is a conjunction; unless a copula
    # follows, which makes it the subject ("..., but in my view that was overkill").
    anaphors = [
        p
        for p in positions
        if words[p] in ANAPHORS
        and (words[p] not in _CONJUNCTION_LIKE or (p + 1 < len(words) and words[p + 1] in _COPULAS))
    ]
    for cue in sentence.belittling:
        if cue not in positions:
            continue
        # "..., and code that ignores our rules when I forget to mention them": said of a time or a condition,
        # not a dismissal.
        if not _SUBORDINATORS.isdisjoint(words[max(positions[0], cue - _SUBORDINATOR_REACH) : cue]):
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
_SUBORDINATORS = _CONDITION_WORDS | {"when", "whenever", "once", "until", "когда"}
_SUBORDINATOR_REACH = 3


def _starts_with_any(words: Sequence[str], prefixes: tuple[str, ...]) -> bool:
    return any(word.startswith(prefixes) for word in words)


# The second words of HEARSAY_PAIRS: a sentence with none of them (and no reporting subject) reports nothing.
HEARSAY_SECONDS = frozenset(second for _, second in HEARSAY_PAIRS)


def attribution_clause(sentence: Sentence) -> int | None:
    """The clause that attributes a view to others ("people say ...", "you'll hear that ...", "X gets mentioned
    a lot"), if any."""
    words = sentence.words
    for position, word in enumerate(words):
        if reports_view_at(words, position):
            return sentence.clause[position]
        following = words[position + 1] if position + 1 < len(words) else ""
        if (word, following) in HEARSAY_PAIRS or names_received_view(words, position):
            return sentence.clause[position]
    return None


def names_received_view(words: Sequence[str], position: int) -> bool:
    """Whether the words at ``position`` name a received view: "the standard line", "the usual advice",
    "стандартный ответ" (not "our team's standard recipe": a view with an owner of the speaker's is theirs)."""
    if position + 1 >= len(words):
        return False
    word, following = words[position], words[position + 1]
    if word in RECEIVED_VIEW_ADJECTIVES:
        return following in RECEIVED_VIEW_NOUNS and position > 0 and words[position - 1] == "the"
    return (
        word.startswith(RECEIVED_VIEW_ADJECTIVE_STEMS_RU)
        and following.startswith(RECEIVED_VIEW_NOUN_STEMS_RU)
        and not (position > 0 and words[position - 1].startswith(_OWN_RU))
    )


# Russian possessives of the speaker's ("наш стандартный рецепт"): the view is the speaker's own.
_OWN_RU = ("наш", "мо", "сво")


def speaker_dismisses(sentence: Sentence, clause: int) -> bool:
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
# What may open a clause before "none of that" ("but honestly", "In practice none of that changes decisions",
# "that's ...") or before a refusal ("but in practice we never bother"; not "it", "they": the subject counts).
_NONE_OF_OPENERS = BUT_WORDS | SOFT_BUT_FILLERS | COMMENT_OPENERS | _REFUSAL_OPENERS
_REFUSAL_LEAD = BUT_WORDS | SOFT_BUT_FILLERS | _REFUSAL_OPENERS


def _after_openers(words: list[str], openers: frozenset[str]) -> list[str]:
    """The words of a clause after the openers it starts with."""
    start = 0
    while start < len(words) and words[start] in openers:
        start += 1
    return words[start:]


def refuses_before(sentence: Sentence, clause: int) -> bool:
    words = [sentence.words[p] for p, c in enumerate(sentence.clause) if c == clause]
    words = _after_openers(words, _REFUSAL_LEAD)
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


# Openers that grant something only in theory ("In theory ..., but ...", "On paper ...", "Теоретически ...").
_CONCESSIONS = (
    ("in", "theory"),
    ("in", "principle"),
    ("on", "paper"),
    ("theoretically",),
    ("в", "теории"),
    ("теоретически",),
)


def _concedes(words: Sequence[str]) -> bool:
    start = 1 if list(words[:1]) in (["and"], ["so"], ["well"], ["sure"], ["ну"]) else 0
    return any(tuple(words[start : start + len(opener)]) == opener for opener in _CONCESSIONS)


def conceded_turn(sentence: Sentence) -> int | None:
    """The clause that turns from what a sentence grants only in theory, else None: the first "but" clause after
    a concession that opens the sentence ("In theory the ranker should blend similarity with CTR, but we never
    bothered") or that is a clause of its own ("sliding a filter across the image, sure, in theory, but
    whatever"). What comes before it is conceded, not the speaker's practice."""
    turns = [clause for clause, separator in sorted(sentence.clause_sep.items()) if separator in BUT_WORDS]
    if not turns:
        return None
    if _concedes(sentence.words):
        return turns[0]
    for clause in sorted(sentence.clause_sep):
        words = [word for p, word in enumerate(sentence.words) if sentence.clause[p] == clause]
        if words[:1] in (["and"], ["sure"], ["well"]):
            words = words[1:]
        if tuple(words) in _CONCESSIONS:
            return next((turn for turn in turns if turn > clause), None)
    return None


# "Nobody does it", "no one bothers with that", "никто так не делает": a practice said before, waved away as done
# by no one.
_NOBODY = frozenset({"nobody", "noone", "никто"})
_PRACTISING_VERBS = (
    *("do", "does", "did", "bother", "care", "rel", "use", "follow", "need", "practi", "actually"),
    *("дела", "дел", "использу", "заморачива"),
)
_NOBODY_REACH = 4


def nobody_practises(words: Sequence[str]) -> bool:
    """Whether a clause says no one does what was said before ("In the real world nobody does it that way",
    "nobody relies on that", "no one bothers", "никто так не делает")."""
    for position, word in enumerate(words):
        subject = word in _NOBODY or (word == "no" and words[position + 1 : position + 2] == ["one"])
        if not subject:
            continue
        start = position + (2 if word == "no" else 1)
        after = words[start : start + _NOBODY_REACH]
        verbs = [offset for offset, later in enumerate(after) if later.startswith(_PRACTISING_VERBS)]
        # ... of it: a pronoun after the verb, or a verb that needs none ("nobody bothers", "никто так не делает").
        if verbs and (
            any(later in _BACK_REFERENCES or later == "так" for later in after)
            or after[verbs[0]].startswith(("bother", "care"))
            or len(after) == verbs[0] + 1
        ):
            return True
    return False


def _dismisses_back(sentence: Sentence) -> bool:
    """Whether a sentence dismisses what was said before it through a pronoun, in the speaker's own voice: in
    its first clause ("In my experience neither mattered one bit", "Honestly, it never made a difference"), in
    a later clause that opens with the pronoun ("Sounds responsible, and it's mostly a slogan") or in a clause
    opening with "none of that" after a short setting ("For senior engineers, though, none of that really
    matters")."""
    if any(opens_with_none_of(sentence, clause) for clause in range(sentence.clause[-1] + 1)):
        return True
    words = sentence.words
    # In its first clause, in the speaker's voice: "In the real world nobody does it that way."
    if nobody_practises([words[p] for p, c in enumerate(sentence.clause) if c == 0]):
        return True
    for clause in range(sentence.clause[-1] + 1):
        positions = [p for p, c in enumerate(sentence.clause) if c == clause]
        # ... or rejects it: "People describe it as a small filter moving over the image. I think that picture
        # is misleading."
        judging = any(p in positions for p in sentence.belittling) or any(
            words[p].startswith(REJECTING_PREFIXES) for p in positions
        )
        if not judging or _others_or_judged(sentence, positions):
            continue
        if clause == 0:
            if any(words[p] in _BACK_REFERENCES for p in positions):
                return True
            continue
        # A later clause refers back only from its start: in "Sounds responsible, and it's mostly a slogan" the
        # "it" is what the sentence before said; in "We verify it, and the rest is a slogan" it is not.
        opened = _after_openers([words[p] for p in positions], _LATER_CLAUSE_OPENERS)
        if opened and opened[0] in _BACK_REFERENCES:
            return True
    return False


# What may open a later clause before its pronoun ("- and honestly it's a slogan", ", but that's theatre").
_LATER_CLAUSE_OPENERS = (_OPENERS | BUT_WORDS | SOFT_BUT_FILLERS | COMMENT_OPENERS) - _BACK_REFERENCES


_SUPPOSING = frozenset({"if", "если"})
_COUNTERFACTUAL = frozenset({"were", "бы"})


def _supposes(sentence: Sentence) -> bool:
    """Whether a sentence opens with a counterfactual supposition ("If I were talking to researchers I'd get
    into ...", "If you were writing software for a pacemaker, then sure: ..."): what it grants holds only in a
    case the speaker is not in. Not a plain condition ("If that's rare, we stop believing ...") or a hedge ("If
    I had to summarise it, I'd say ...")."""
    words = [word for word in sentence.words[:6] if word not in _OPENERS]
    return bool(words) and words[0] in _SUPPOSING and not _COUNTERFACTUAL.isdisjoint(words[1:4])


# A list of terms, each item of a few words, is a topic too ("Made-up methods, plausible-but-wrong code...").
_FRAGMENT_MAX_WORDS = 8


# What joins the items of a list besides commas: "data contracts and privacy handling", "images plus text".
_ITEM_GLUE = frozenset({"and", "or", "plus", "и", "или"})


def _longest_item(sentence: Sentence) -> int:
    """The most content words of one item of the sentence, its items split at clauses and at "and", "or"."""
    content = set(sentence.content_raw)
    longest = count = 0
    for position, word in enumerate(sentence.words):
        if word in _ITEM_GLUE or (position and sentence.clause[position] != sentence.clause[position - 1]):
            count = 0
        if position in content and word not in _ITEM_GLUE:
            count += 1
            longest = max(longest, count)
    return longest


def _topic_fragment(sentence: Sentence) -> bool:
    """Whether a sentence only names a topic, without a verb: a few terms, or a list of short items, joined by
    commas or "and" ("Weight sharing.", "Variance, randomization..."); a dismissal after it is said of them, as
    after "Weight sharing?"."""
    content = len(sentence.content_raw)
    if not 0 < content <= _FRAGMENT_MAX_WORDS:
        return False
    if content > TOPIC_QUESTION_MAX_WORDS and _longest_item(sentence) > TOPIC_QUESTION_MAX_WORDS:
        return False
    return not sentence.cues and CLAUSE_MAKERS.isdisjoint(sentence.words)


# Sarcasm: "Oh sure, let's maintain two separate stages so we can debug twice as many things", "Ну да, давайте
# ещё ...": a proposal mocked, which the speaker rejects. (Without "oh" or "ну", "Sure, let's start with
# retrieval" is a candidate getting going.)
_MOCKING_OPENERS = frozenset(
    {("oh", "sure"), ("oh", "yeah"), ("oh", "right"), ("oh", "great"), ("oh", "yes"), ("ну", "да"), ("ну", "конечно")}
)
_LETS = frozenset({"let's", "lets", "давайте", "давай"})
# "Who really needs a second stage?", "Who has time for that?", "Кому нужна эта мощность?": asked to say
# nobody does.
_WHO = frozenset({"who", "кому"})
_WHO_ASKS = frozenset({"needs", "need", "bothers", "cares", "has", "нужен", "нужна", "нужно", "нужны"})
_WHO_FILLERS = frozenset({"really", "even", "actually", "honestly", "ever", "вообще", "реально", "правда"})
_WHO_DOUBTS = frozenset({"really", "actually", "even", "вообще", "реально"})


def _mocks(sentence: Sentence) -> bool:
    words = sentence.words
    if not (len(words) > 3 and (words[0], words[1]) in _MOCKING_OPENERS and words[2] in _LETS):
        return False
    # "Oh sure, let's just move alpha after the test - no, the threshold is chosen before": the mockery is
    # answered in the sentence itself, which goes on to say what is right.
    return not any(
        sentence.clause[position] > 0 and sentence.clause[position - 1] < sentence.clause[position]
        for position, word in enumerate(words)
        if word in ("no", "нет") and position > 0
    )


def _asks_who_needs(sentence: Sentence) -> bool:
    if not sentence.text.rstrip().endswith("?"):
        return False
    words = [word for word in sentence.words if word not in _WHO_FILLERS]
    start = next((index for index, word in enumerate(words) if word not in _OPENERS), None)
    if start is None or words[start] not in _WHO or start + 1 >= len(words):
        return False
    after = words[start + 1]
    # "Who actually reads AI-generated diffs?", "Who really plans sample sizes?": "actually" or "really" after
    # "who" asks to say nobody does, whatever the verb (not "who has ...": "who really has the final say?").
    spoken = [word for word in sentence.words if word not in _OPENERS]
    if len(spoken) > 2 and spoken[0] in _WHO and spoken[1] in _WHO_DOUBTS and after != "has":
        return True
    # "who has (the) time" and "who has the patience" are rhetorical; "who has the final say?" asks.
    rest = words[start + 2 : start + 4]
    if rest[:1] == ["the"]:
        rest = rest[1:]
    return after in _WHO_ASKS and (after != "has" or rest[:1] in (["time"], ["patience"]))


def mark_replies(doc: Doc) -> None:
    """Mark the sentences that the sentence after them answers "no" to, or dismisses.

    A rhetorical "why" question, a question or a report or supposition dismissed by the next sentence, and a run
    of questions answered together by the dismissal after the last of them.

    Args:
        doc: The parsed answer, with each sentence's own stance marked.
    """
    for index, sentence in enumerate(doc.sentences):
        following = doc.sentences[index + 1].words[:1] if index + 1 < len(doc.sentences) else []
        if _rhetorical(sentence) and not set(following) & _ANSWERS_WHY:
            sentence.answered_no = True
        elif _mocks(sentence) or _asks_who_needs(sentence):
            sentence.answered_no = True
    for question, reply in itertools.pairwise(doc.sentences):
        lead = _lead_clause(reply)
        if (
            (question.text.endswith("?") or _topic_fragment(question))
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
    # "A p-value is ... It depends on effect size, sample size and noise. None of that matters in real life,
    # though.": a sentence that opens with "none of that matters", in the speaker's own voice, takes back
    # everything the answer said before it, back to an earlier such sentence.
    taking_back = [
        index
        for index, reply in enumerate(doc.sentences)
        if index and "none" in reply.words[:4] and opens_with_none_of(reply, _lead_clause(reply))
    ]
    for start, end in zip([0, *taking_back], taking_back, strict=False):
        for earlier in doc.sentences[start + (start > 0) : end]:
            earlier.answered_no = True
    # "Filters slide over the image? Learned weights? A hierarchy? Honestly, I skip all of that": a run of
    # questions answered together by the dismissal after the last of them.
    for index in range(len(doc.sentences) - 1, 0, -1):
        if doc.sentences[index].answered_no and doc.sentences[index - 1].text.endswith("?"):
            doc.sentences[index - 1].answered_no = True
