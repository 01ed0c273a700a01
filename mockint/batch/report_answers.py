"""The batch report's per-answer section: what is kept of each answer, its need of review, its Markdown.

A report on 100k answers has to stay a file a browser opens, so :class:`AnswerLog` keeps at most
:data:`MAX_ANSWERS` answers (those most in need of review when there are more; every grade is in the output
file anyway) and of each only what the section shows, cut to size: :data:`MAX_EVIDENCE_CHARS` of a key point's
evidence, :data:`MAX_TEXT_CHARS` of the answer text, :data:`MAX_EXTRA_COLUMNS` extra columns of
:data:`MAX_EXTRA_CHARS` each. Key point texts are not repeated per answer: the report has them per question.

The need of review uses the weights of :mod:`mockint.review.queue`, so the report's "needs review" answers are
the ones ``mockint review`` puts first.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockint.files import shorten
from mockint.render import MD_SPECIAL, md_cell, md_inline, recorded_speech, speech_line
from mockint.review.queue import (
    DISAGREE_WEIGHT,
    FALLBACK_WEIGHT,
    NEAR_PASS_MARK,
    NEAR_WEIGHT,
    UNSTABLE_WEIGHT,
    UNVERIFIED_WEIGHT,
)

__all__ = [
    "MAX_ANSWERS",
    "MAX_EVIDENCE_CHARS",
    "MAX_EXTRA_CHARS",
    "MAX_EXTRA_COLUMNS",
    "MAX_TEXT_CHARS",
    "NEAR_PASS_MARK",
    "PASS_MARK",
    "AnswerEntry",
    "AnswerLog",
    "KeyPoint",
    "evidence_spans",
    "review_need",
]

MAX_ANSWERS = 5000
"""Answers in the per-answer section at most (about 3 KB of HTML each with a typical answer)."""
MAX_EVIDENCE_CHARS = 300
"""Characters of a key point's evidence kept."""
MAX_TEXT_CHARS = 4000
"""Characters of an answer's text kept."""
MAX_EXTRA_COLUMNS = 8
"""Extra input columns shown (the first ones met)."""
MAX_EXTRA_CHARS = 80
"""Characters of an extra column's value kept."""
PASS_MARK = 0.5
"""The pass mark on mockint's 0..1 score, as ``mockint review``'s default."""
# The review queue's weights (mockint.review.queue): the report puts the same answers first.

FLAGS = ("disagree", "fallback", "unverified", "unstable", "near-pass")
"""The causes of a need of review, as the HTML filters name them."""


@dataclass(slots=True)
class KeyPoint:
    """One key point's verdict on one answer.

    Attributes:
        id: The key point's id.
        verdict: ``met``, ``partial`` or ``missed``.
        evidence: The start of the quoted evidence (at most :data:`MAX_EVIDENCE_CHARS`).
        evidence_len: The whole quote's length (more than ``len(evidence)`` when it was cut).
        agree: Whether the judge and the deterministic checks agreed (``None``: only one of them spoke).
    """

    id: str
    verdict: str
    evidence: str | None
    evidence_len: int
    agree: bool | None


@dataclass(slots=True)
class AnswerEntry:
    """What the per-answer section shows of one graded answer.

    Attributes:
        seq: Its position in the run (input order).
        id: The answer's id.
        question_id: The rubric id.
        score: 0..1.
        grader: ``llm``, ``hybrid`` or ``deterministic``.
        calibrated: ``calibrated_score`` (on the teacher's scale), when the record has one.
        stability: How far several judges agreed (0..1), when the record has it.
        fallback: Why the judge's reply was not used, if it was not.
        extra: The input's extra columns, shortened.
        criteria: Per key point, the verdict and its evidence.
        mistakes: The typical mistakes made: id and evidence.
        need: How much it needs a person (the review queue's weights).
        flags: The causes of that need (see :data:`FLAGS`).
        reasons: The same, as phrases.
        text: The answer text (cut at :data:`MAX_TEXT_CHARS`), once attached.
        text_cut: Characters cut from the text.
    """

    seq: int
    id: str
    question_id: str
    score: float
    grader: str
    calibrated: float | None
    stability: float | None
    fallback: str | None
    extra: tuple[tuple[str, str], ...]
    criteria: tuple[KeyPoint, ...]
    mistakes: tuple[tuple[str, str | None], ...]
    need: float
    flags: tuple[str, ...]
    reasons: tuple[str, ...]
    text: str | None = None
    text_cut: int = 0


def number(value: Any) -> float | None:
    """``value`` as a float when it is a number (not a bool), else ``None``: fields read defensively."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def review_need(
    score: float,
    disagreeing: int,
    fallback: str | None,
    unverified: int,
    stability: float | None,
    pass_mark: float = PASS_MARK,
) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    """How much a grade needs a person, with the same weights as ``mockint review``'s queue.

    Args:
        score: The grade's score (0..1).
        disagreeing: Key points where the judge and the deterministic checks disagree.
        fallback: The fallback reason, if the judge's reply was not used.
        unverified: Judge verdicts whose quoted evidence was not found in the answer.
        stability: How far several judges agreed, when known.
        pass_mark: The pass mark on 0..1.

    Returns:
        ``(need, flags, reasons)``: 0 and empty tuples when nothing casts doubt on the grade.
    """
    need = 0.0
    flags: list[str] = []
    reasons: list[str] = []
    if disagreeing:
        need += DISAGREE_WEIGHT * disagreeing
        flags.append("disagree")
        reasons.append(f"judge and checks disagree on {disagreeing} key point{'s' if disagreeing > 1 else ''}")
    if fallback:
        need += FALLBACK_WEIGHT
        flags.append("fallback")
        reasons.append(f"judge failed ({fallback}), graded by the checks alone")
    if unverified:
        need += UNVERIFIED_WEIGHT * unverified
        flags.append("unverified")
        reasons.append(f"{unverified} judge quote{'s' if unverified > 1 else ''} not found in the answer")
    if stability is not None and stability < 1:
        need += UNSTABLE_WEIGHT * (1 - stability)
        flags.append("unstable")
        reasons.append(f"judges disagree (stability {stability:.2f})")
    distance = abs(score - pass_mark)
    if distance <= NEAR_PASS_MARK:
        need += NEAR_WEIGHT * (1 - distance / NEAR_PASS_MARK)
        flags.append("near-pass")
        reasons.append(f"score {score:.2f} near the pass mark {pass_mark:.2f}")
    return need, tuple(flags), tuple(reasons)


def short_extra(extra: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The first :data:`MAX_EXTRA_COLUMNS` extra columns, each value as text of :data:`MAX_EXTRA_CHARS` at most (a
    recorded answer's ``speech`` figures as one line, :func:`~mockint.render.speech_line`)."""
    out: list[tuple[str, str]] = []
    speech = recorded_speech(extra)
    for key, value in extra.items():
        if len(out) == MAX_EXTRA_COLUMNS:
            break
        if key == "speech" and speech is not None:
            text = speech_line(speech)
        elif isinstance(value, str):
            text = value
        else:
            text = "" if value is None else json.dumps(value, ensure_ascii=False)
        out.append((str(key)[:MAX_EXTRA_CHARS], shorten(text, MAX_EXTRA_CHARS)))
    return tuple(out)


class AnswerLog:
    """The answers of the per-answer section: at most ``limit``, the most in need of review when there are more.

    Args:
        limit: Answers kept at most.
    """

    def __init__(self, limit: int = MAX_ANSWERS) -> None:
        self.limit = limit
        self.seen = 0
        # A min-heap on (need, -seq): the root is the entry to drop first (least need, latest on ties).
        self._heap: list[tuple[float, int, AnswerEntry]] = []

    def add(self, entry: AnswerEntry) -> None:
        """Keep ``entry`` if it is among the ``limit`` most in need of review so far."""
        self.seen += 1
        if self.limit <= 0:
            return
        item = (entry.need, -entry.seq, entry)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
        elif item[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, item)

    def entries(self) -> list[AnswerEntry]:
        """The kept answers, in input order."""
        return sorted((item[2] for item in self._heap), key=lambda entry: entry.seq)

    def attach_texts(self, texts: Iterable[tuple[str, str]]) -> int:
        """Give the kept answers their text, from ``(id, text)`` pairs (the answers files read again).

        Returns:
            How many kept answers got a text.
        """
        wanted = {item[2].id: item[2] for item in self._heap if item[2].text is None}
        found = 0
        for answer_id, text in texts:
            entry = wanted.pop(answer_id, None)
            if entry is None:
                continue
            entry.text = text[:MAX_TEXT_CHARS]
            entry.text_cut = max(0, len(text) - MAX_TEXT_CHARS)
            found += 1
            if not wanted:
                break
        return found


def evidence_spans(text: str, criteria: Sequence[KeyPoint]) -> list[tuple[int, int, list[int]]]:
    """Where each key point's evidence stands in ``text``: ``(start, end, key point numbers)``, no overlaps.

    The numbers count from 1 in rubric order; a missed key point's quote is not marked (it is no evidence for
    it); a quote found only case-insensitively is marked too; one overlapping a quote already marked is left to
    the key point list.
    """
    lowered = text.lower() if len(text.lower()) == len(text) else None
    spans: dict[tuple[int, int], list[int]] = {}
    for index, point in enumerate(criteria, start=1):
        quote = point.evidence
        if point.verdict == "missed" or not quote or not quote.strip():
            continue
        start = text.find(quote)
        if start < 0 and lowered is not None:
            start = lowered.find(quote.lower())
        if start >= 0:
            # A quote cut for the report is marked at its whole length when the answer goes on like it.
            end = min(len(text), start + max(len(quote), point.evidence_len))
            spans.setdefault((start, end), []).append(index)
    out: list[tuple[int, int, list[int]]] = []
    position = 0
    for (start, end), numbers in sorted(spans.items()):
        if start < position:
            continue
        out.append((start, end, numbers))
        position = end
    return out


def markdown_section(
    entries: Sequence[AnswerEntry], seen: int, key_point_texts: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """The per-answer section in Markdown: a heading per answer, its key points with evidence, its text.

    Args:
        entries: The kept answers, in input order.
        seen: Graded answers in the run (more than ``len(entries)`` when the cap was reached).
        key_point_texts: Per question, key point id -> text.
    """
    out = ["## Every answer", ""]
    if not entries:
        return [*out, "No graded answer.", ""]
    out += [cap_sentence(len(entries), seen) + " In input order; the evidence is marked «like this»[key point].", ""]
    for entry in entries:
        calibrated = f", calibrated {entry.calibrated:.2f}" if entry.calibrated is not None else ""
        out += [
            f"### {md_inline(entry.id)} · {md_inline(entry.question_id)}",
            "",
            f"Score **{entry.score:.2f}**{calibrated} ({entry.grader})"
            + (f"; {', '.join(md_inline(f'{k}: {v}') for k, v in entry.extra)}" if entry.extra else "")
            + ".",
        ]
        if entry.reasons:
            out.append(f"Needs review: {'; '.join(entry.reasons)}.")
        texts = key_point_texts.get(entry.question_id, {})
        out += ["", "| # | key point | verdict | evidence |", "|---:|---|---|---|"]
        for index, point in enumerate(entry.criteria, start=1):
            evidence = f"“{md_cell(evidence_text(point))}”" if point.evidence else ""
            disagree = " (judge and checks disagree)" if point.agree is False else ""
            out.append(
                f"| {index} | {md_cell(texts.get(point.id, point.id))} | {point.verdict}{disagree} | {evidence} |"
            )
        if entry.mistakes:
            made = ", ".join(md_inline(mid) + (f" “{md_inline(ev)}”" if ev else "") for mid, ev in entry.mistakes)
            out += ["", f"Typical mistakes made: {made}."]
        if entry.text is not None:
            out += ["", "> " + marked_markdown(entry)]
        out.append("")
    return out


def cap_sentence(shown: int, seen: int) -> str:
    """Says how many answers the section shows, and why not all when it does not."""
    if shown == seen:
        return f"All {seen:,} graded answers."
    return (
        f"The {shown:,} of {seen:,} graded answers most in need of review (the report keeps {shown:,} at most, so "
        "that it stays one file a browser opens); every grade is in the output file."
    )


def evidence_text(point: KeyPoint) -> str:
    """The kept evidence, with an ellipsis when it was cut."""
    evidence = point.evidence or ""
    return evidence + "…" if point.evidence_len > len(evidence) else evidence


def marked_markdown(entry: AnswerEntry) -> str:
    """The answer text as one escaped Markdown line, each key point's evidence marked ``«quote»[N]``."""
    text = entry.text or ""
    out: list[str] = []
    position = 0
    for start, end, numbers in evidence_spans(text, entry.criteria):
        out.append(_md_piece(text[position:start]))
        out.append(f"«{_md_piece(text[start:end])}»[{','.join(map(str, numbers))}]")
        position = end
    out.append(_md_piece(text[position:]))
    cut = f" … ({entry.text_cut:,} more characters)" if entry.text_cut else ""
    return "".join(out).strip() + cut


def _md_piece(text: str) -> str:
    # Like md_inline, but a piece keeps its edge spaces: the pieces of one text are joined as they were.
    return MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))
