"""Key points by meaning: the semantic layer applied to the lexical verdicts.

When the ``semantic`` extra is installed (:mod:`mockint.grading.semantic`), a key point the concept lists did
not find is looked for by meaning: each sentence of the answer, and each pair of adjacent sentences, is
embedded and compared with the key point's text. A close enough window meets the key point (or half-meets
it) in the candidate's own words, with that window as evidence.

The layer only adds credit, and only where the lexical layers left the sentence free to give it: never from a
sentence that is excluded (addressed to the grader, an echo of the question, a salad of terms), that states a
typical mistake, that negates or belittles anything (an embedding does not see "not") or that the stance rules
turned away (a question answered "no", a reported view, a dismissal later in the sentence), and never from a
sentence the English-only model cannot read (so a Russian answer keeps exactly its lexical grade).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mockint.grading import semantic
from mockint.grading.words import text_keys

if TYPE_CHECKING:
    from mockint.grading.sentence import Sentence
    from mockint.grading.text import Doc
    from mockint.models import Criterion, Verdict

# Cosine of the best window with the key point's text, for all-MiniLM-L6-v2. Chosen on the development part
# of the labelled set (tests/data/labelled/dev.jsonl) only, among 0.62/0.5, 0.70/0.60 and 0.74/0.71: the best
# Spearman there (0.873 against 0.870 without the layer). Below these, partial and wrong answers that talk
# about a key point without stating it gain credit. See tests/benchmarks/bench_semantic.py --quality.
MET_AT = 0.7
PARTIAL_AT = 0.6


# MOCKINT_SEMANTIC=off grades with the concept lists alone although the extra is installed (to compare, or to
# reproduce a grade made without it).
_OFF = frozenset({"0", "off", "false", "no"})


def switched_off() -> bool:
    """Whether MOCKINT_SEMANTIC turns the meaning layer off (``off``, ``0``, ``false``, ``no``)."""
    return os.environ.get("MOCKINT_SEMANTIC", "").strip().casefold() in _OFF


def enabled() -> bool:
    """Whether the layer runs: the ``semantic`` extra is installed and MOCKINT_SEMANTIC is not ``off``."""
    return not switched_off() and semantic.available()


def layer_name() -> str | None:
    """The semantic layer's model name when it runs, else None (never loads the model)."""
    return semantic.MODEL_ID if enabled() else None


def _adds_to(sentence: Sentence, question_keys: frozenset[str]) -> bool:
    """Whether a sentence says anything beyond the question's words ("What is a queue?" does not)."""
    return any(not any(key in question_keys for key in text_keys(sentence.words[raw])) for raw in sentence.content_raw)


def _turned_away(sentence: Sentence) -> bool:
    """Whether the stance rules turned a sentence away from its terms, which an embedding does not see: a
    question answered "no", others' view reported, a dismissal later in it or a comment on it, or a saying in
    quotes ("Hard negatives from similar categories, we avoided them", "Effect size and sample size? Overrated")."""
    return bool(
        sentence.answered_no
        or sentence.hearsay
        or sentence.dismissed_before is not None
        or sentence.comments
        or sentence.quoted
    )


def _windows(
    doc: Doc, blocked: set[int], readable: Sequence[bool], question_keys: frozenset[str]
) -> list[tuple[int, ...]]:
    eligible = [
        index
        for index, sentence in enumerate(doc.sentences)
        if readable[index]
        and index not in blocked
        and not sentence.excluded
        and not sentence.cues
        and not sentence.belittling
        and not _turned_away(sentence)
        and _adds_to(sentence, question_keys)
    ]
    windows: list[tuple[int, ...]] = [(index,) for index in eligible]
    chosen = set(eligible)
    windows += [(index, index + 1) for index in eligible if index + 1 in chosen]
    return windows


def by_meaning(
    doc: Doc,
    criteria: Sequence[Criterion],
    verdicts: Sequence[tuple[Verdict, str | None]],
    blocked: set[int],
    question_keys: frozenset[str] = frozenset(),
) -> list[tuple[Verdict, str | None]] | None:
    """Raise the verdicts that the meaning of some window of the answer supports.

    Args:
        doc: The parsed answer, with the guards' exclusions marked.
        criteria: The rubric's key points, in order.
        verdicts: The lexical ``(verdict, evidence)`` per key point, in the same order.
        blocked: Sentences that state a mistake or are a salad of terms.
        question_keys: Word keys of the question: a sentence made only of them restates it and earns nothing.

    Returns:
        The verdicts after the layer, or None when the layer is not installed (or nothing could be read).
    """
    encoder = semantic.get_encoder() if enabled() else None
    if encoder is None:
        return None
    readable = [encoder.supports(sentence.text) for sentence in doc.sentences]
    windows = _windows(doc, blocked, readable, question_keys)
    pending = [index for index, (verdict, _) in enumerate(verdicts) if verdict != "met"]
    if not windows or not pending:
        return list(verdicts)
    texts = [doc.sentences[index].text for index in range(len(doc.sentences))]
    rows = encoder.embed_joined([[texts[index] for index in window] for window in windows])
    targets = encoder.embed([criteria[index].text for index in pending])
    scores = semantic.similarity(targets, rows)
    result = list(verdicts)
    for row, index in enumerate(pending):
        best = int(scores[row].argmax())
        value = float(scores[row][best])
        evidence = " ".join(texts[position] for position in windows[best])
        if value >= MET_AT:
            result[index] = ("met", evidence)
        elif value >= PARTIAL_AT and verdicts[index][0] == "missed":
            result[index] = ("partial", evidence)
    return result
