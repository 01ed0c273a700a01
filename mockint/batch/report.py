"""A self-contained report on a batch of grades, in Markdown or HTML.

:class:`ReportBuilder` takes grades one at a time (live ones, or lines read back from an output file when a run
is resumed) and keeps only counts, the scores and a few bounded "top" lists, so a report on 100k answers costs
a few megabytes. It reports:

* the score distribution (a histogram: text bars in Markdown, an inline SVG in HTML),
* per question: answers and mean score; per key point: met / partial / missed rates,
* the typical mistakes made most often,
* the answers where the LLM judge and the deterministic checks disagreed on the most key points,
* fallbacks to deterministic grading and their reasons, and input errors,
* tokens used and the estimated cost when the model's price is known (built-in list prices for a few
  well-known models, or ``--price-in`` / ``--price-out``),
* every answer: its extra columns, score, grader, verdicts with evidence, text, and what makes it need review
  (kept within bounds by :mod:`mockint.batch.report_answers`; sortable and filterable in HTML).

The HTML (:mod:`mockint.batch.report_html`) has its CSS and script inline and no external asset, so it can be
mailed or archived as one file.
"""

from __future__ import annotations

import heapq
import re
import statistics
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockint.batch.report_answers import (
    MAX_ANSWERS,
    MAX_EVIDENCE_CHARS,
    PASS_MARK,
    AnswerEntry,
    AnswerLog,
    KeyPoint,
    markdown_section,
    number,
    review_need,
    short_extra,
)
from mockint.errors import InputError
from mockint.files import shorten
from mockint.models import Grade
from mockint.render import md_cell

__all__ = ["PRICES", "Pricing", "ReportBuilder", "Usage", "price_for", "report_format"]

PRICES: dict[str, tuple[float, float]] = {
    # USD per 1M input / output tokens, OpenAI list prices (standard tier) as of 2025. Longest prefix wins, so
    # dated snapshots ("gpt-4o-mini-2024-07-18") find their model.
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "o4-mini": (1.10, 4.40),
    "o3-mini": (1.10, 4.40),
    "gpt-3.5-turbo": (0.50, 1.50),
}
"""Built-in prices: USD per million input and output tokens."""

BINS = 10
TOP = 10
_EXAMPLES = 5
_FAILED = re.compile(r"^LLM judge failed \(([^)]*)\): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class Pricing:
    """A model's price per million tokens.

    Attributes:
        input: USD per 1M input tokens.
        output: USD per 1M output tokens.
        source: Where the price comes from ("built-in list price for gpt-4o-mini", "--price-in/--price-out").
    """

    input: float
    output: float
    source: str


def price_for(model: str | None) -> Pricing | None:
    """The built-in price of ``model`` (exact name or a dated snapshot of it), or ``None`` when unknown."""
    if not model:
        return None
    name = model.lower().rsplit("/", 1)[-1]
    for known in sorted(PRICES, key=len, reverse=True):
        if name == known or name.startswith(known + "-"):
            price_in, price_out = PRICES[known]
            return Pricing(price_in, price_out, f"built-in list price for {known}")
    return None


@dataclass
class Usage:
    """Tokens and requests of this run, for the report.

    Attributes:
        requests: HTTP requests sent to the judge (retries included), or batch replies imported.
        prompt_tokens: Input tokens reported by the server.
        completion_tokens: Output tokens reported by the server.
        cache_hits: Answers whose judge reply came from the cache (no request).
        cache_misses: Answers the cache did not have.
        model: The judge's model.
        pricing: Its price, when known.
        batch: Whether the replies came from a provider batch (priced at half the list price by OpenAI).
    """

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    model: str | None = None
    pricing: Pricing | None = None
    batch: bool = False

    def cost(self) -> float | None:
        """Estimated USD for this run's tokens, or ``None`` when the price is unknown."""
        if self.pricing is None:
            return None
        cost = (self.prompt_tokens * self.pricing.input + self.completion_tokens * self.pricing.output) / 1e6
        return cost / 2 if self.batch else cost


@dataclass
class _Question:
    answers: int = 0
    score_sum: float = 0.0
    criteria: dict[str, list[Any]] = field(default_factory=dict)  # id -> [text, met, partial, missed]
    mistakes: dict[str, list[Any]] = field(default_factory=dict)  # id -> [text, committed]


@dataclass
class _Fallback:
    count: int = 0
    example: str = ""
    ids: list[str] = field(default_factory=list)


def report_format(path: Path) -> str:
    """``md`` or ``html`` from the report file's suffix.

    Raises:
        InputError: Another suffix.
    """
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix in (".html", ".htm"):
        return "html"
    raise InputError(f"{path}: the report must be a .md or .html file; pass e.g. --report report.html")


class ReportBuilder:
    """Collects grades and renders the batch report.

    Args:
        title: The report's heading.
        max_answers: Answers in the per-answer section at most (the most in need of review when there are more).
        pass_mark: The pass mark on 0..1; a score near it makes an answer need review.

    Attributes:
        usage: This run's requests and tokens, set by the caller before rendering.
        earlier: Grades read back from an earlier run's output (resumed).
        interrupted: The run was stopped; the report covers what was graded.
        answers: The answers of the per-answer section.
    """

    def __init__(
        self, title: str = "mockint batch report", *, max_answers: int = MAX_ANSWERS, pass_mark: float = PASS_MARK
    ) -> None:
        self.title = title
        self.pass_mark = pass_mark
        self.answers = AnswerLog(max_answers)
        self.usage = Usage()
        self.earlier = 0
        self.interrupted = False
        self._total = 0
        self._errors = 0
        self._error_examples: list[str] = []
        self._graders: Counter[str] = Counter()
        self._scores = array("d")
        self._questions: dict[str, _Question] = {}
        self._mistakes: Counter[tuple[str, str]] = Counter()
        self._mistake_text: dict[tuple[str, str], str] = {}
        self._disagree: list[tuple[int, int, str, str, list[str], float, str]] = []
        self._fallbacks: dict[str, _Fallback] = {}
        self._unverified = 0
        self._seq = 0

    def add(self, grade: Grade) -> None:
        """Count one grade of this run."""
        self._add(
            grade.id,
            grade.question_id,
            grade.score,
            grade.grader,
            [(c.id, c.text, c.verdict, c.agree, c.evidence) for c in grade.criteria],
            [(m.id, m.text, m.committed, m.evidence) for m in grade.mistakes],
            grade.warnings,
            grade.error,
            grade.fallback,
            grade.extra,
            # Fields other helpers add to Grade (calibration, several judges): read only when there.
            number(getattr(grade, "calibrated_score", None)),
            number(getattr(grade, "stability", None)),
        )

    def add_json(self, data: Mapping[str, Any], *, earlier: bool = True) -> None:
        """Count one grade read back from a JSONL output file.

        Args:
            data: The grade object.
            earlier: Whether an earlier run wrote it (its tokens are not in this run's usage).
        """
        self.earlier += earlier
        criteria = [
            (str(c.get("id")), str(c.get("text", "")), str(c.get("verdict")), c.get("agree"), _text(c.get("evidence")))
            for c in data.get("criteria") or []
            if isinstance(c, Mapping)
        ]
        mistakes = [
            (str(m.get("id")), str(m.get("text", "")), bool(m.get("committed")), _text(m.get("evidence")))
            for m in data.get("mistakes") or []
            if isinstance(m, Mapping)
        ]
        score = data.get("score")
        extra = data.get("extra") if isinstance(data.get("extra"), Mapping) else {}
        speech = data.get("speech")
        if isinstance(speech, Mapping) and isinstance(extra, Mapping) and "stt_model" in extra:
            extra = {**extra, "speech": speech}  # a recorded answer's figures, top-level in the output line
        self._add(
            data.get("id") if isinstance(data.get("id"), str) else None,
            data.get("question_id") if isinstance(data.get("question_id"), str) else None,
            float(score) if isinstance(score, int | float) else None,
            data.get("grader") if isinstance(data.get("grader"), str) else None,
            criteria,
            mistakes,
            [str(w) for w in data.get("warnings") or []],
            data.get("error") if isinstance(data.get("error"), str) else None,
            data.get("fallback") if isinstance(data.get("fallback"), str) else None,
            extra if isinstance(extra, Mapping) else {},
            number(data.get("calibrated_score")),
            number(data.get("stability")),
        )

    def attach_texts(self, texts: Iterable[tuple[str, str]]) -> int:
        """Give the answers of the per-answer section their text, from ``(id, answer text)`` pairs.

        Grades do not carry the answer, so the caller reads the answers files again once the run is over; only
        the answers the section keeps take memory.

        Returns:
            How many answers got their text.
        """
        return self.answers.attach_texts(texts)

    def _add(
        self,
        answer_id: str | None,
        question_id: str | None,
        score: float | None,
        grader: str | None,
        criteria: Sequence[tuple[str, str, str, bool | None, str | None]],
        mistakes: Sequence[tuple[str, str, bool, str | None]],
        warnings: Sequence[str],
        error: str | None,
        fallback: str | None = None,
        extra: Mapping[str, Any] | None = None,
        calibrated: float | None = None,
        stability: float | None = None,
    ) -> None:
        self._total += 1
        self._seq += 1
        if error is not None or score is None:
            self._errors += 1
            if len(self._error_examples) < _EXAMPLES:
                self._error_examples.append(error or "no score")
            return
        self._graders[grader or "unknown"] += 1
        self._scores.append(score)
        question = self._questions.setdefault(question_id or "(none)", _Question())
        question.answers += 1
        question.score_sum += score
        for criterion_id, text, verdict, _, _ in criteria:
            row = question.criteria.setdefault(criterion_id, [text, 0, 0, 0])
            row[{"met": 1, "partial": 2}.get(verdict, 3)] += 1
        for mistake_id, text, committed, _ in mistakes:
            row = question.mistakes.setdefault(mistake_id, [text, 0])
            if committed:
                row[1] += 1
                key = (question_id or "(none)", mistake_id)
                self._mistakes[key] += 1
                self._mistake_text.setdefault(key, text)
        disagreeing = [criterion_id for criterion_id, _, _, agree, _ in criteria if agree is False]
        if disagreeing:
            # A bounded min-heap: the TOP answers with the most disagreeing key points (earliest first on ties).
            item = (len(disagreeing), -self._seq, answer_id or "", question_id or "", disagreeing, score, grader or "")
            if len(self._disagree) < TOP:
                heapq.heappush(self._disagree, item)
            elif item[:2] > self._disagree[0][:2]:
                heapq.heapreplace(self._disagree, item)
        unverified = sum(1 for warning in warnings if "(unverified)" in warning)
        self._unverified += unverified
        reason = _fallback_reason(warnings, fallback)
        if reason is not None:
            reason_key, example = reason
            entry = self._fallbacks.setdefault(reason_key, _Fallback(example=example))
            entry.count += 1
            if answer_id and len(entry.ids) < _EXAMPLES:
                entry.ids.append(answer_id)
        need, flags, reasons = review_need(score, len(disagreeing), fallback, unverified, stability, self.pass_mark)
        self.answers.add(
            AnswerEntry(
                seq=self._seq,
                id=answer_id or f"(line {self._seq})",
                question_id=question_id or "(none)",
                score=score,
                grader=grader or "unknown",
                calibrated=calibrated,
                stability=stability,
                fallback=fallback,
                extra=short_extra(extra or {}),
                criteria=tuple(
                    KeyPoint(cid, verdict, ev[:MAX_EVIDENCE_CHARS] if ev else None, len(ev or ""), agree)
                    for cid, _, verdict, agree, ev in criteria
                ),
                mistakes=tuple(
                    (mid, ev[:MAX_EVIDENCE_CHARS] if ev else None) for mid, _, committed, ev in mistakes if committed
                ),
                need=need,
                flags=flags,
                reasons=reasons,
            )
        )

    # -- rendering -----------------------------------------------------------------------------------------

    def _histogram(self) -> list[int]:
        counts = [0] * BINS
        for score in self._scores:
            counts[min(BINS - 1, int(score * BINS))] += 1
        return counts

    def _summary_lines(self) -> list[str]:
        graded = len(self._scores)
        lines = [
            f"{self._total} answers: {graded} graded ("
            + ", ".join(f"{name} {self._graders[name]}" for name in ("llm", "hybrid", "deterministic"))
            + f"), {self._errors} not gradeable."
        ]
        if graded:
            ordered = sorted(self._scores)
            lines.append(
                f"Score: mean {statistics.fmean(ordered):.2f}, median {statistics.median(ordered):.2f}, "
                f"10th percentile {_quantile(ordered, 0.1):.2f}, 90th percentile {_quantile(ordered, 0.9):.2f}."
            )
        if self.earlier:
            lines.append(f"{self.earlier} of these grades were written by an earlier run (resumed).")
        if self.interrupted:
            lines.append("The run was interrupted: this report covers the answers graded so far.")
        return lines

    def _usage_lines(self) -> list[str]:
        usage = self.usage
        tokens = usage.prompt_tokens + usage.completion_tokens
        where = "batch replies imported" if usage.batch else "requests sent"
        lines = [
            f"Model: {usage.model or 'none (deterministic grading)'}.",
            f"Tokens used by this run: {tokens:,} ({usage.prompt_tokens:,} input, "
            f"{usage.completion_tokens:,} output); {usage.requests:,} {where}.",
        ]
        if usage.cache_hits or usage.cache_misses:
            asked = usage.cache_hits + usage.cache_misses
            lines.append(
                f"Grade cache: {usage.cache_hits:,} of {asked:,} judge replies served from the cache "
                f"({usage.cache_hits / asked:.0%}), no request sent for them."
            )
        cost = usage.cost()
        if cost is not None and usage.pricing is not None:
            batch = ", at the Batch API's half price" if usage.batch else ""
            lines.append(
                f"Estimated cost: ${cost:,.4f} (${usage.pricing.input:g} / ${usage.pricing.output:g} per 1M "
                f"input / output tokens, {usage.pricing.source}{batch})."
            )
        elif tokens:
            lines.append(
                f"Estimated cost: unknown (no price known for {usage.model}; pass --price-in and --price-out)."
            )
        if self.earlier:
            lines.append(f"Tokens of the {self.earlier} grades from the earlier run are not included.")
        return lines

    def _question_rows(self) -> list[tuple[str, _Question]]:
        return sorted(self._questions.items())

    def _top_mistakes(self) -> list[tuple[str, str, str, int, float]]:
        # By rate (share of the question's answers), not count: a question with many answers would else crowd
        # out the mistake that most of another question's answers make.
        rows = [
            (qid, mid, self._mistake_text[(qid, mid)], count, count / self._questions[qid].answers)
            for (qid, mid), count in self._mistakes.items()
        ]
        rows.sort(key=lambda row: (-row[4], -row[3], row[0], row[1]))
        return rows[:TOP]

    def _fallback_rows(self) -> list[tuple[str, _Fallback]]:
        return sorted(self._fallbacks.items(), key=lambda item: -item[1].count)

    def _key_point_texts(self) -> dict[str, dict[str, str]]:
        return {qid: {cid: row[0] for cid, row in q.criteria.items()} for qid, q in self._questions.items()}

    def _top_disagreements(self) -> list[tuple[int, int, str, str, list[str], float, str]]:
        return sorted(self._disagree, reverse=True)

    def markdown(self) -> str:
        """The report as Markdown."""
        out = [f"# {self.title}", "", *self._summary_lines(), ""]
        out += ["## Score distribution", "", "| score | answers | |", "|---|---:|---|"]
        counts = self._histogram()
        peak = max(counts) or 1
        for index, count in enumerate(counts):
            bar = "█" * round(30 * count / peak)
            out.append(f"| {_bin_label(index)} | {count} | {bar} |")
        out += ["", "## Per question", "", "| question | answers | mean score |", "|---|---:|---:|"]
        for question_id, question in self._question_rows():
            out.append(f"| {_md(question_id)} | {question.answers} | {question.score_sum / question.answers:.2f} |")
        for question_id, question in self._question_rows():
            out += ["", f"### {_md(question_id)}: key points", ""]
            out += ["| key point | met | partial | missed | met |", "|---|---:|---:|---:|---|"]
            for criterion_id, (text, met, partial, missed) in question.criteria.items():
                total = met + partial + missed or 1
                out.append(
                    f"| {_md(text)} (`{criterion_id}`) | {met / total:.0%} | {partial / total:.0%} | "
                    f"{missed / total:.0%} | {_text_bar(met / total)} |"
                )
        out += ["", "## Most frequent typical mistakes", ""]
        mistakes = self._top_mistakes()
        if mistakes:
            out += ["| mistake | question | answers | rate | |", "|---|---|---:|---:|---|"]
            out += [
                f"| {_md(text)} (`{mid}`) | {_md(qid)} | {n} | {rate:.0%} | {_text_bar(rate)} |"
                for qid, mid, text, n, rate in mistakes
            ]
        else:
            out.append("No typical mistake was made.")
        out += ["", "## Where the LLM and the deterministic checks disagree most", ""]
        disagreements = self._top_disagreements()
        if disagreements:
            out += ["| answer | question | key points in disagreement | score | grader |", "|---|---|---|---:|---|"]
            for n, _, answer_id, qid, ids, score, grader in disagreements:
                out.append(f"| {_md(answer_id)} | {_md(qid)} | {n}: {_md(', '.join(ids))} | {score:.2f} | {grader} |")
            if self._unverified:
                out.append("")
                out.append(f"{self._unverified} judge verdicts quoted evidence not found in the answer (unverified).")
        else:
            out.append("No disagreement (or no LLM judge).")
        out += ["", "## Fallbacks to deterministic grading", ""]
        if self._fallbacks:
            out += ["| reason | answers | example answers | example message |", "|---|---:|---|---|"]
            for reason, fallback in self._fallback_rows():
                out.append(
                    f"| {_md(reason)} | {fallback.count} | {_md(', '.join(fallback.ids))} | "
                    f"{_md(_shorten(fallback.example))} |"
                )
        else:
            out.append("None.")
        if self._errors:
            out += ["", "## Input errors", "", f"{self._errors} lines could not be graded, e.g.:", ""]
            out += [f"- {_md(message)}" for message in self._error_examples]
        out += ["", "## Tokens and cost", "", *self._usage_lines(), ""]
        out += markdown_section(self.answers.entries(), self.answers.seen, self._key_point_texts())
        return "\n".join(out)

    def html(self) -> str:
        """The report as one self-contained HTML page (inline CSS, SVG and script, no external assets)."""
        from mockint.batch.report_html import render_html

        return render_html(self)

    def write(self, path: Path) -> None:
        """Write the report to ``path`` (Markdown or HTML by its suffix), whole or not at all.

        Raises:
            InputError: The suffix is not .md/.html, or the file cannot be written.
        """
        from mockint.files import replace_lone_surrogates

        text = replace_lone_surrogates(self.html() if report_format(path) == "html" else self.markdown())
        part = path.with_name(path.name + ".part")
        try:
            part.write_text(text, encoding="utf-8")
            part.replace(path)
        except OSError as exc:
            raise InputError(f"{path}: cannot write the report ({exc.strerror}); check the path") from None


def _fallback_reason(warnings: Sequence[str], fallback: str | None = None) -> tuple[str, str] | None:
    """``(reason, warning)`` when the judge's reply was not used for this grade.

    The grade's ``fallback`` reason when it has one; else (output written before that field, or the judge not
    asked) read from grade_answer's warnings.
    """
    if fallback is not None:
        example = next((w for w in warnings if w.startswith("LLM judge failed")), fallback)
        return fallback, example
    for warning in warnings:
        if warning.startswith("LLM judge not asked"):
            return "not asked: no gradeable text", warning
        failed = _FAILED.match(warning)
        if failed is not None:
            return failed.group(1), warning
    return None


def _quantile(ordered: Sequence[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _bin_label(index: int) -> str:
    low, high = index / BINS, (index + 1) / BINS
    return f"{low:.1f}–{high:.1f}"


def _md(text: str) -> str:
    return md_cell(str(text))


def _shorten(text: str, limit: int = 160) -> str:
    return shorten(text, limit)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _text_bar(rate: float, width: int = 20) -> str:
    """A rate (0..1) as a bar of ``width`` cells: full blocks for the rate, light shade for the rest."""
    full = round(rate * width)
    return "█" * full + "░" * (width - full)
