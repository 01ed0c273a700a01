"""Keyword salads: sentences that string the rubric's terms together without explaining them.

Such a sentence earns no key point; an answer made mostly of them is capped (see :mod:`mockint.grading.guards`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from mockint.grading.cues import BUZZWORD_PHRASES, BUZZWORD_PREFIXES, PRAISE_PREFIXES, STEP_OPENERS, STEP_VERBS
from mockint.grading.sentence import Sentence
from mockint.grading.text import Doc
from mockint.grading.words import PhraseIndex, is_function_word, text_keys

# Items of a bulleted or semicolon list of bare terms have at most this many content words.
_BARE_ITEM_WORDS = 3
_BARE_ITEMS_MIN = 3
_BARE_ITEMS_SHARE = 0.6
_SALAD_KEY_POINTS = 3
# A sentence stating this many key points at once is dense: see salad_sentences.
_DENSE_KEY_POINTS = 4
# ... and, in an answer without list shapes, lists this many of their terms one after another.
_CROWDED_LIST = 3
_SALAD_TERMS = 4
_TERM_MAX_TOKENS = 3
# Words between two terms may be other short items of the same list ("..., context, tests, review, ...").
_LIST_ITEM_WORDS = 2
# Words other than the terms a salad may hold ("... all matter a lot here", "those are the big themes").
_SALAD_EXPLAINING_WORDS = 3


# Relations written as symbols in terse notes ("p -> P(data | H0)", "randomization ≠ fixed by time", "p < 0.05"):
# each says how two terms relate, as a verb or preposition would in running text; a list of terms has none.
RELATION_RE = re.compile(r"-+>|<-+|=>|[→←⇒≠≈=<>|]")


# Consulting-speak (see cues.BUZZWORD_PREFIXES): a sentence naming key points among two of these explains none.
_BUZZWORD_PHRASES = PhraseIndex(tuple(phrase.split()) for phrase in BUZZWORD_PHRASES)
_BUZZWORDS_MIN = 2
# A sentence naming three key points or more among this many connectives that relate nothing (see _FILLERS).
_EMPTY_CONNECTIVES_MIN = 3


def buzzwords(sentence: Sentence) -> int:
    """How many words or phrases of consulting-speak the sentence holds (see BUZZWORD_PREFIXES)."""
    words = sentence.words
    return sum(1 for word in words if word.startswith(BUZZWORD_PREFIXES)) + _BUZZWORD_PHRASES.count(words)


_PRAISE_SENTENCES_MIN = 3
# A praise sentence holds at most this many words that are neither a term, the question's, nor praise.
_PRAISE_OTHER_WORDS = 1


def may_hold_salad(doc: Doc) -> bool:
    """A cheap test before :func:`salad_sentences`: is any sentence list-shaped, or are there bare items?

    A salad sentence has at least two short comma-separated items, or a long run of words without a function
    word; a bare list has three bare items, an outline three short items or headings. Most answers have none of
    these, and then their key point terms need not be located.
    """
    bare = 0
    outline = 0
    praising = 0
    for sentence in doc.sentences:
        if sentence.excluded:
            continue
        if sum(1 for words in sentence.clause_words.values() if words <= _LIST_ITEM_WORDS) >= 2:
            return True
        if _telegraphic(sentence) or _wordless(sentence) or buzzwords(sentence) >= _BUZZWORDS_MIN:
            return True
        praising += any(sentence.words[raw].startswith(PRAISE_PREFIXES) for raw in sentence.content_raw)
        if praising >= _PRAISE_SENTENCES_MIN:
            return True
        bare += _bare_item(sentence)
        outline += _outline_item(sentence)
    return bare >= _BARE_ITEMS_MIN or outline >= _BARE_ITEMS_MIN


def crowded(stated: Mapping[int, int]) -> bool:
    """A second cheap test: does some sentence state four or more key points at once?

    Such a sentence may be a salad dressed as prose, its terms joined by long clauses rather than commas
    ("A CNN leverages kernels, weight sharing and pooling within a hierarchical receptive-field paradigm, so
    that ..."), which :func:`may_hold_salad` does not look for.

    Args:
        stated: Per sentence, how many key points one of their checks states there whole.
    """
    return any(count >= _DENSE_KEY_POINTS for count in stated.values())


def _bare_item(sentence: Sentence) -> bool:
    """A list item of bare terms: at most three content words and at most one function word."""
    content = len(sentence.content_raw)
    return content <= _BARE_ITEM_WORDS and len(sentence.words) - content <= 1


# The answer is a salad when its salad sentences hold at least this share of its content words.
SALAD_SHARE = 0.5


# What may stand between two items of a list: conjunctions and articles ("A, B and the C").
# Items said as actions that make a sentence a list of what to do rather than a salad of terms.
_ACTION_ITEMS = 2
_LIST_GLUE = frozenset({"and", "or", "plus", "a", "an", "the", "и", "или", "плюс", "а также"})
_LIST_SEPARATORS = frozenset({",", ";", ":", "-", "(", ")"})


# Connectives that relate terms without saying how ("which in turn brings us to", "come into play alongside",
# "are all connected to", "all play a role in the bigger picture", "there's"): between terms they are glue, and
# they explain nothing.
_FILLERS = PhraseIndex(
    tuple(phrase.split())
    for phrase in (
        "which in turn brings us to",
        "brings us to",
        "in turn",
        "and therefore to",
        "and therefore",
        "come into play",
        "comes into play",
        "alongside",
        "as well as",
        "are all connected to",
        "all connected to",
        "connected to",
        "belong to the same picture",
        "the same picture",
        "the bigger picture",
        "the big picture",
        "play a role in",
        "play a role",
        "plays a role",
        "in that sense",
        "go hand in hand",
        "goes hand in hand",
        "tie into",
        "ties into",
        "there are",
        "there is",
        "there's",
        "moreover",
        "furthermore",
        "all matter",
        "all important",
        "are all",
        "also",
        "together",
        "overall",
        "so overall",
        "in this context",
        "и так далее",
        "а также",
        "всё это",
    )
)


def _listed(
    sentence: Sentence,
    previous_last: int,
    next_first: int,
    vocabulary: frozenset[str],
    filler: AbstractSet[int] = frozenset(),
    telegraphic: bool = False,
) -> bool:
    """Whether two terms are neighbouring items of a list: separated by a comma or a conjunction, with only
    conjunctions, articles, connective filler, other short items or other rubric words between them (not "of",
    "to", a verb). In a ``telegraphic`` sentence (:func:`_telegraphic`) terms side by side are listed too."""
    gap = range(previous_last + 1, next_first)
    if next_first <= previous_last:
        return True
    # Terms side by side in a long run without function words ("effect size sample size power variance CUPED
    # randomization ...") are a list written without its commas.
    separated = (
        sentence.clause[previous_last] != sentence.clause[next_first]
        or any(sentence.words[position] in _LIST_GLUE or position in filler for position in gap)
        or telegraphic
    )
    return separated and all(
        sentence.words[position] in _LIST_GLUE
        or position in filler
        or sentence.clause_words.get(sentence.clause[position], 0) <= _LIST_ITEM_WORDS
        or any(key in vocabulary for key in text_keys(sentence.words[position]))
        for position in gap
    )


def salad_sentences(
    doc: Doc,
    touched: dict[int, list[tuple[int, int, int]]],
    vocabulary: frozenset[str] = frozenset(),
    *,
    stated: Mapping[int, int] | None = None,
    summary_keys: frozenset[str] = frozenset(),
    question_keys: frozenset[str] = frozenset(),
) -> set[int]:
    """Sentences that string the rubric's terms together without explaining them.

    A sentence is a salad when it names four or more terms of three or more key points, the terms follow each
    other with only punctuation, function words, short list items or other rubric words between them, and at
    most three other words stand beside them ("Retrieval, reranking, hard negatives and color dominance all
    matter a lot here."). Bare items of at most three content words that each name a key point's term are a
    salad when they make most of the answer (a bulleted or semicolon-separated list of terms).

    Args:
        doc: The parsed answer.
        touched: Per sentence, ``(key point index, first token, last token)`` of each key point term found there.
        vocabulary: Word keys of the rubric: between two terms they are more of the list.
        stated: Per sentence, how many key points one of their checks states there whole. With it, an answer
            made mostly of sentences that each state four or more and list three of their terms is a salad too.
        summary_keys: Word keys of the rubric's model answer: a dense sentence made of them is that summary
            said back, a correct answer, and not counted.
        question_keys: Word keys of the question: naming its subject ("a convolutional neural network is
            convolution plus filters plus pooling") explains nothing beside a list.

    Returns:
        Indexes of the salad sentences.
    """
    salad: set[int] = set()
    # Per sentence naming three or more key points: its terms and its connective filler.
    named: dict[int, tuple[list[tuple[int, int, set[int]]], AbstractSet[int]]] = {}
    for index, items in touched.items():
        if len({criterion for criterion, _, _ in items}) < _SALAD_KEY_POINTS:
            continue
        sentence = doc.sentences[index]
        terms = _terms(sentence, items)
        filler = _FILLERS.positions(sentence.words)
        named[index] = (terms, filler)
        if len(terms) < _SALAD_TERMS:
            continue
        inside = {position for first, last, _ in terms for position in range(first, last + 1)}
        # Items chained by "and" ("..., so the kernel and the stride and the pooling and the weight sharing") are
        # more of the list, neither an explanation of it nor actions.
        inside |= _and_chained(sentence)
        summing = _summing_up(sentence)
        explaining = sum(
            1
            for raw in sentence.content_raw
            if raw not in inside
            and raw not in filler
            # "convolution plus filters plus pooling": a conjunction between items explains nothing
            and sentence.words[raw] not in _LIST_GLUE
            and question_keys.isdisjoint(text_keys(sentence.words[raw]))
            and sentence.clause_words.get(sentence.clause[raw], 0) > _LIST_ITEM_WORDS
            and sentence.clause[raw] not in summing
        )
        if (
            explaining > _SALAD_EXPLAINING_WORDS
            or _action_items(sentence, inside) >= _ACTION_ITEMS
            or _steps(sentence) >= _ACTION_ITEMS
        ):
            continue
        if _longest_list(sentence, terms, filler, vocabulary) >= _SALAD_TERMS:
            salad.add(index)
    live = [index for index, sentence in enumerate(doc.sentences) if not sentence.excluded]
    # Key points named among consulting-speak: "A CNN holistically leverages convolutional kernels, synergising
    # weight sharing with hierarchical representations ...".
    salad.update(
        index
        for index in live
        if index in touched
        and len({criterion for criterion, _, _ in touched[index]}) >= 2
        and buzzwords(doc.sentences[index]) >= _BUZZWORDS_MIN
    )
    # ... or among empty connectives: "... which in turn brings us to the p-value and the null hypothesis, and
    # therefore to ..., which is why the alpha threshold comes into play alongside ..."
    salad.update(
        index
        for index in named
        if _FILLERS.count(doc.sentences[index].words) + buzzwords(doc.sentences[index]) >= _EMPTY_CONNECTIVES_MIN
    )
    # An answer of terms called important and nothing else ("Effect size and sample size matter a lot. Variance
    # is also very important. Randomization and power are essential.").
    praise = [
        index
        for index in live
        if index in touched and _praises_only(doc.sentences[index], touched[index], question_keys)
    ]
    if len(praise) >= _PRAISE_SENTENCES_MIN and doc.content_words(praise) >= SALAD_SHARE * doc.content_words():
        salad.update(praise)
    # An outline with nothing under its headings ("1. Sliding small filter (kernel, 3x3)", "### 3. Hallucinated
    # APIs", a table of "Component | Keywords | covered"): headings name key points, they do not explain them.
    outline = [index for index in live if _outline_item(doc.sentences[index])]
    outline_words = doc.content_words(outline)
    all_words = doc.content_words()
    headed = [index for index in outline if index in touched]
    if len(headed) >= _BARE_ITEMS_MIN and all_words and outline_words >= _OUTLINE_SHARE * all_words:
        salad.update(headed)
    bare = [index for index in live if index in touched and _bare_item(doc.sentences[index])]
    # ... of the terms of three or more key points, as a salad sentence names: short steps of one key point
    # ("traverse the left subtree. visit the root. traverse the right subtree.") state that point in pieces.
    if (
        len(bare) >= _BARE_ITEMS_MIN
        and len(bare) >= _BARE_ITEMS_SHARE * len(live)
        and len({criterion for index in bare for criterion, _, _ in touched[index]}) >= _SALAD_KEY_POINTS
    ):
        salad.update(bare)
    # Four or more key points stated in one sentence that lists their terms are named, not explained: an answer
    # made mostly of such sentences ("The recommender uses candidate generation and reranking with FashionCLIP
    # embeddings, hard negatives and outfit triplets, where ... meets CTR, stock and margin features ...") is
    # a salad dressed as prose, however its terms are joined.
    crowded = [
        index
        for index in live
        if stated is not None
        and stated.get(index, 0) >= _DENSE_KEY_POINTS
        and not _says_summary(doc.sentences[index], summary_keys)
        # "set alpha before starting, use a sample size calculator with the expected effect size, then run
        # the t-test": steps of a procedure, each an action, explain how the points are used.
        and _steps(doc.sentences[index]) < _ACTION_ITEMS
        # ... and only if it lists three of their terms ("leverages kernels, weight sharing and pooling within
        # ..."), whatever the rest of the answer looks like: "a small stencil dragged over every spot of the
        # picture, tuned during training, the same stencil reused everywhere" describes each point, and so does
        # one long sentence of a dense, correct answer. Consulting-speak and empty connectives are found above.
        and index in named
        and _longest_list(doc.sentences[index], *named[index], vocabulary) >= _CROWDED_LIST
    ]
    if crowded and doc.content_words(crowded) >= SALAD_SHARE * all_words:
        salad.update(crowded)
    # Lists of terms said as sentences ("Ranker with CTR, stock, price, margin features. Images, text
    # attributes, category, season, material. Color dominance, monochrome similarity."): each may list the
    # examples of one key point, but an answer made of them explains nothing.
    listed = [index for index in live if index in touched and _term_list(doc.sentences[index], vocabulary)]
    if len(listed) >= _BARE_ITEMS_MIN and all_words and doc.content_words(listed) >= _BARE_ITEMS_SHARE * all_words:
        salad.update(listed)
    # Terms of different key points chained by "of" ("the verification of the context reviews the boilerplate
    # of the edge cases", "the hierarchy of the locality"): grammar without meaning. One such pair happens in
    # prose ("the probability of a result", "embeddings of the images"); two in an answer are a salad's.
    chained = {
        index: _chained_pairs(
            doc.sentences[index], named[index][0] if index in named else _terms(doc.sentences[index], touched[index])
        )
        for index in live
        if index in touched
    }
    if sum(chained.values()) >= _CHAINED_PAIRS:
        salad.update(index for index, pairs in chained.items() if pairs)
    return salad


_CHAINED_PAIRS = 2
_CHAINING = frozenset({"and", "or", "и", "или"})
_CHAINED_ITEMS = 3
_OF_WORDS = frozenset({"of", "из"})
_ARTICLES = frozenset({"the", "a", "an"})


def _praises_only(sentence: Sentence, items: list[tuple[int, int, int]], question_keys: frozenset[str]) -> bool:
    """Whether a sentence only calls key point terms important: a word of praise, and besides the terms, the
    question's words and praise at most one other content word."""
    inside = {position for _, first, last in items for position in range(first, last + 1)}
    praised = False
    others = 0
    for raw in sentence.content_raw:
        if raw in inside:
            continue
        word = sentence.words[raw]
        if word.startswith(PRAISE_PREFIXES):
            praised = True
        elif question_keys.isdisjoint(text_keys(word)):
            others += 1
            if others > _PRAISE_OTHER_WORDS:
                return False
    return praised


def _chained_pairs(sentence: Sentence, terms: list[tuple[int, int, set[int]]]) -> int:
    """How many pairs of neighbouring terms (see :func:`_terms`) of different key points "of" joins ("the
    pooling of weights")."""
    pairs = 0
    for (_, last, before), (first, _, after) in itertools.pairwise(terms):
        gap = sentence.words[last + 1 : first]
        if gap and gap[0] in _OF_WORDS and all(word in _ARTICLES for word in gap[1:]) and before.isdisjoint(after):
            pairs += 1
    return pairs


def _and_chained(sentence: Sentence) -> set[int]:
    """Content words of clauses that chain three or more short items with "and" or "or" ("so the kernel and the
    stride and the pooling and the feature maps"): a list said aloud, its items of at most two content words."""
    found: set[int] = set()
    items: dict[int, list[list[int]]] = {}
    for position, word in enumerate(sentence.words):
        segments = items.setdefault(sentence.clause[position], [[]])
        if word in _CHAINING:
            segments.append([])
        elif not is_function_word(word):
            segments[-1].append(position)
    for segments in items.values():
        if len(segments) >= _CHAINED_ITEMS and all(0 < len(segment) <= _LIST_ITEM_WORDS for segment in segments):
            found.update(position for segment in segments for position in segment)
    return found


def _steps(sentence: Sentence) -> int:
    """How many clauses of the sentence open with the verb of a step ("set alpha = 0.05 before starting, use
    a sample size calculator ..., then run the t-test"): a procedure, not a string of terms."""
    steps = 0
    seen: set[int] = set()
    for position, word in enumerate(sentence.words):
        clause = sentence.clause[position]
        if clause in seen or word in STEP_OPENERS:
            continue
        seen.add(clause)
        steps += word in STEP_VERBS
    return steps


def _terms(sentence: Sentence, items: list[tuple[int, int, int]]) -> list[tuple[int, int, set[int]]]:
    """The key point terms of a sentence in order: ``(first, last, key points)``, one phrase inside another
    counted once ("candidate generation" may stand for two key points, but it is one term)."""
    # Examples in brackets ("when the context they need (other modules, constraints) isn't given") are an
    # aside of the item before them, not more items of the sentence's own list.
    aside = _in_brackets(sentence)
    if aside:
        items = [item for item in items if sentence.clause[item[1]] not in aside]
    terms: list[tuple[int, int, set[int]]] = []
    for criterion, first, last in sorted(items, key=lambda item: (item[1], -item[2])):
        # A phrase found spread over running text ("outfit ... end up close together") is not a bare term.
        if last - first >= _TERM_MAX_TOKENS:
            continue
        if terms and first >= terms[-1][0] and last <= terms[-1][1]:
            terms[-1][2].add(criterion)
            continue
        terms.append((first, last, {criterion}))
    return terms


def _longest_list(
    sentence: Sentence,
    terms: list[tuple[int, int, set[int]]],
    filler: AbstractSet[int],
    vocabulary: frozenset[str],
) -> int:
    """The most terms that follow each other as items of one list while naming three or more key points (a
    list of examples of one key point, "CTR, stock, margin", is an explanation); 0 when no run names three."""
    longest = 0
    # ... or a sentence of terms alone, with no function word at all ("Multimodal embeddings hard negatives
    # reranking, candidate generation outfits triplets color dominance."): its terms side by side are listed.
    telegraphic = _telegraphic(sentence) or _wordless(sentence)
    run: list[tuple[int, int, set[int]]] = terms[:1]
    for term in terms[1:]:
        listed = _listed(sentence, run[-1][1], term[0], vocabulary, filler, telegraphic)
        run = [*run, term] if listed else [term]
        if len(set().union(*(criteria for _, _, criteria in run))) >= _SALAD_KEY_POINTS:
            longest = max(longest, len(run))
    return longest


def _in_brackets(sentence: Sentence) -> set[int]:
    """The clauses inside round brackets: from one opened by "(" up to the one that ")" closes."""
    inside: set[int] = set()
    open_at: int | None = None
    for clause in sorted(sentence.clause_sep):
        separator = sentence.clause_sep[clause]
        if separator == "(":
            open_at = clause
        elif separator == ")" and open_at is not None:
            inside.update(range(open_at, clause))
            open_at = None
    return inside


# Share of a sentence's content words that must be the model answer's for it to be that summary said back.
_SUMMARY_SHARE = 0.8


# Running prose puts a function word among every few words; the longest run without one inside a clause of
# the labelled development answers is 11 words ("classical computer vision people hand crafted filters like
# sobel edge detectors"). A run this long is terms side by side, a list written without its commas.
_TELEGRAPHIC_RUN = 14


def _telegraphic(sentence: Sentence) -> bool:
    """Whether a clause of the sentence runs 14 or more words without a function word."""
    run = 0
    previous = -1
    for position, word in enumerate(sentence.words):
        if sentence.clause[position] != previous:
            run = 0
            previous = sentence.clause[position]
        run = 0 if is_function_word(word) else run + 1
        if run >= _TELEGRAPHIC_RUN:
            return True
    return False


_WORDLESS_MIN = 8


def _wordless(sentence: Sentence) -> bool:
    """Whether the sentence has eight words or more and not one function word, and asks nothing ("Metric
    variance? Important, noisy metrics need more users" is a topic and its answer)."""
    return (
        len(sentence.words) >= _WORDLESS_MIN
        and "?" not in sentence.clause_sep.values()
        and not any(map(is_function_word, sentence.words))
    )


def _says_summary(sentence: Sentence, summary_keys: frozenset[str]) -> bool:
    if not summary_keys or not sentence.content_raw:
        return False
    # "Retrieval reranking FashionCLIP embeddings hard negatives ...: that is the recommender" says the model
    # answer's terms, not the model answer.
    if _telegraphic(sentence):
        return False
    own = sum(1 for raw in sentence.content_raw if any(key in summary_keys for key in text_keys(sentence.words[raw])))
    return own >= _SUMMARY_SHARE * len(sentence.content_raw)


def _term_list(sentence: Sentence, vocabulary: frozenset[str]) -> bool:
    """A sentence that is only a list: three or more items of at most three content words, mostly the
    rubric's words."""
    items = [count for count in sentence.clause_words.values() if count]
    if len(items) < _BARE_ITEMS_MIN or max(items) > _BARE_ITEM_WORDS:
        return False
    # Items of a list are cut by punctuation and hold no function words but the list's own "and" ("...,
    # чтобы понять, что новая версия лучше" is short clauses, not a list).
    if any(separator not in _LIST_SEPARATORS for separator in sentence.clause_sep.values()):
        return False
    if RELATION_RE.search(sentence.text):
        return False
    glue = sum(
        1 for raw, word in enumerate(sentence.words) if raw not in set(sentence.content_raw) and word not in _LIST_GLUE
    )
    if glue > 1:
        return False
    known = sum(1 for raw in sentence.content_raw if any(key in vocabulary for key in text_keys(sentence.words[raw])))
    return known >= _BARE_ITEMS_SHARE * len(sentence.content_raw)


_ALL_OF = frozenset({"all", "все", "всё"})
_SUMMED = frozenset({"that", "this", "these", "those", "of", "это", "эти"})


def _summing_up(sentence: Sentence) -> set[int]:
    """Clauses that sum up a list by pointing back at it ("... - so we combined all that in one pipeline"): they
    explain none of its items, however many words they hold."""
    words = sentence.words
    return {
        sentence.clause[position]
        for position in range(len(words) - 1)
        if words[position] in _ALL_OF and words[position + 1] in _SUMMED and position > 0
    }


# Words that make a clause of a line: a subject pronoun or an auxiliary ("we mine them", "it is", "didn't").
_CLAUSE_MARKERS = frozenset(
    """
    i we you they he she it it's they're we're i'm is are was were be been has have had do does did don't
    doesn't didn't can can't will won't would should must may might мы я они он она оно это был была были
    было есть
    """.split()
)
# An outline's items are short; a longer item is a sentence without its verb.
_OUTLINE_ITEM_WORDS = 6
# Share of the answer's content words in such items that makes the answer an outline and nothing more.
_OUTLINE_SHARE = 0.6


def _outline_item(sentence: Sentence) -> bool:
    """A heading, a table row, or a short list item with no clause of its own (no subject pronoun or
    auxiliary); numbers of items are not counted as words."""
    if not sentence.outline:
        return False
    if sentence.text.startswith(("#", "|")):
        return True
    if not _CLAUSE_MARKERS.isdisjoint(sentence.words):
        return False
    words = sum(1 for raw in sentence.content_raw if not sentence.words[raw][:1].isdigit())
    return words <= _OUTLINE_ITEM_WORDS


def _action_items(sentence: Sentence, inside: set[int]) -> int:
    """Items said as actions ("insist on tests", "spell out the task in small pieces"): an item that opens with
    a word of its own, followed by a function word. Two of them make a list of what to do, not of terms; an
    item that opens with its term ("hard negatives for training") is a term with a tag."""
    opened: set[int] = set()
    actions = 0
    for raw in sentence.content_raw:
        clause = sentence.clause[raw]
        if clause in opened:
            continue
        opened.add(clause)
        following = raw + 1 < len(sentence.words) and sentence.clause[raw + 1] == clause
        if raw not in inside and following and is_function_word(sentence.words[raw + 1]):
            actions += 1
    return actions


def salad_share(doc: Doc, salad: set[int]) -> float:
    """The share of the answer's content words (outside excluded sentences) that are in salad sentences."""
    total = doc.content_words()
    in_salad = doc.content_words(salad)
    return in_salad / total if total else 0.0
