"""Output: grades as JSONL, CSV, Markdown or a terminal table; rubrics as Markdown or tables.

Stream writers flush every record, so an interrupted run keeps every line it wrote. Every writer replaces lone
surrogates (which no UTF-8 stream can encode) by U+FFFD, so no text in a grade can stop a run.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

from mockint.files import replace_lone_surrogates as _safe
from mockint.models import Grade, Rubric

if TYPE_CHECKING:
    from rich.console import Console

FORMATS = ("jsonl", "csv", "md", "table", "gradebook")
_GRADE_KEYS = (
    "id",
    "question_id",
    "score",
    "grader",
    "model",
    "prompt_version",
    "criteria",
    "mistakes",
    "feedback",
    "warnings",
    "error",
    "extra",
    "layers",
    "fallback",
    "calibrated_score",
)


# The csv columns of a recorded answer's ``speech`` figures, in place of one ``speech`` column: name -> figure.
SPEECH_COLUMNS = {
    "speech_seconds": "seconds",
    "speech_wpm": "wpm",
    "speech_fillers": "filler_count",
    "speech_long_pauses": "long_pauses",
}


def recorded_speech(extra: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """How a recorded answer was said (its ``speech`` figures), from its grade's ``extra``; ``None`` for a typed
    answer, whose own ``speech`` column (if it has one) is the input's, passed through."""
    speech = extra.get("speech")
    return speech if "stt_model" in extra and isinstance(speech, Mapping) else None


def speech_line(speech: Mapping[str, Any]) -> str:
    """The ``speech`` figures in one line: ``"1:05 · 142 wpm · 3 filler words · 1 long pause"`` (the time against
    the limit when there is one; no pause figure without word timestamps)."""

    def clock(value: Any) -> str:
        whole = int(round(float(value)))
        return f"{whole // 60}:{whole % 60:02d}"

    parts = []
    seconds, limit = speech.get("seconds"), speech.get("time_limit")
    if isinstance(seconds, int | float):
        parts.append(clock(seconds) + (f" of {clock(limit)}" if isinstance(limit, int | float) else ""))
    wpm = speech.get("wpm")
    if isinstance(wpm, int | float):
        parts.append(f"{wpm:.0f} wpm")
    fillers = speech.get("filler_count")
    if isinstance(fillers, int):
        parts.append(f"{fillers} filler word{'' if fillers == 1 else 's'}")
    pauses = speech.get("long_pauses")
    if isinstance(pauses, int):
        parts.append(f"{pauses} long pause{'' if pauses == 1 else 's'}")
    return " · ".join(parts)


def _speech_cells(speech: Mapping[str, Any] | None) -> list[str]:
    return [_cell(speech.get(figure)) if speech is not None else "" for figure in SPEECH_COLUMNS.values()]


def grade_to_json(grade: Grade) -> dict[str, Any]:
    """The grade as the JSON object of the grade output contract (keys in contract order; a recorded answer adds
    ``transcript``, ``stt_model`` and ``speech``)."""
    data = grade.model_dump(mode="json")
    record = {key: data[key] for key in _GRADE_KEYS}
    if grade.judges is not None:  # several judges: the contract's documented additions
        record["judges"] = data["judges"]
        record["stability"] = data["stability"]
    if "stt_model" in grade.extra:  # a recorded answer: what was graded, and what heard it (kept in extra too)
        record["transcript"] = grade.extra.get("transcript")
        record["stt_model"] = grade.extra["stt_model"]
        speech = recorded_speech(grade.extra)
        if speech is not None:  # top-level only: extra stays the input's columns, transcript and stt_model
            record["speech"] = speech
            record["extra"] = {key: value for key, value in record["extra"].items() if key != "speech"}
    return record


class GradeWriter(Protocol):
    """Writes grades one by one; ``close`` finishes the document."""

    def write(self, grade: Grade) -> None:
        """Write one grade."""

    def close(self) -> None:
        """Finish the output (summaries, tables)."""


class JsonlWriter:
    """One JSON object per line, flushed per line."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, grade: Grade) -> None:
        """Write one grade as a JSON line."""
        self._stream.write(_safe(json.dumps(grade_to_json(grade), ensure_ascii=False)) + "\n")
        self._stream.flush()

    def close(self) -> None:
        """Nothing to finish: every line is complete."""


def _names(grade: Grade, verdict: str) -> str:
    return "; ".join(c.id for c in grade.criteria if c.verdict == verdict)


class CsvWriter:
    """A spreadsheet row per grade; pass-through columns taken from the first record (a recorded answer's
    ``speech`` figures as the :data:`SPEECH_COLUMNS`)."""

    _BASE = [
        "id",
        "question_id",
        "score",
        "grader",
        "model",
        "met",
        "partial",
        "missed",
        "mistakes",
        "warnings",
        "error",
        "feedback",
        "fallback",
        # Added later, so after the columns that were there: a spreadsheet that reads by position keeps working.
        "calibrated_score",
        "stability",
    ]

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._writer = csv.writer(stream)
        self._extra_columns: list[str] | None = None

    def write(self, grade: Grade) -> None:
        """Write one grade as a CSV row (the header before the first)."""
        speech = recorded_speech(grade.extra)
        if self._extra_columns is None:
            self._extra_columns = [key for key in grade.extra if key not in self._BASE]
            if speech is not None:
                at = self._extra_columns.index("speech")
                self._extra_columns[at : at + 1] = SPEECH_COLUMNS
            self._writer.writerow([_safe(name) for name in [*self._BASE, *self._extra_columns, "other_columns"]])
        known = set(self._extra_columns)
        if speech is not None and "speech_wpm" in known:
            known.add("speech")
        others = {k: v for k, v in grade.extra.items() if k not in known}
        cells = [
            grade.id or "",
            grade.question_id or "",
            "" if grade.score is None else f"{grade.score:.4f}",
            grade.grader or "",
            grade.model or "",
            _names(grade, "met"),
            _names(grade, "partial"),
            _names(grade, "missed"),
            "; ".join(m.id for m in grade.mistakes if m.committed),
            " | ".join(grade.warnings),
            grade.error or "",
            grade.feedback,
            grade.fallback or "",
            _number(grade.calibrated_score),
            "" if grade.stability is None else f"{grade.stability:.4f}",
            *self._extra_cells(grade, speech),
            json.dumps(others, ensure_ascii=False) if others else "",
        ]
        self._writer.writerow([_safe(cell) for cell in cells])
        self._stream.flush()

    def _extra_cells(self, grade: Grade, speech: Mapping[str, Any] | None) -> list[str]:
        figures = dict(zip(SPEECH_COLUMNS, _speech_cells(speech), strict=True))
        return [figures[key] if key in figures else _cell(grade.extra.get(key)) for key in self._extra_columns or ()]

    def close(self) -> None:
        """Nothing to finish: every row is complete."""


@dataclass(frozen=True)
class GradebookColumns:
    """What a gradebook has columns for: the input's extra columns, and its questions' key points and mistakes.

    Attributes:
        extra: The input's other columns (e.g. the candidate's name), in order of first appearance.
        rubrics: The rubrics of the questions answered, in order of first appearance.
        speech: Whether an answer was recorded: its ``speech`` figures become the :data:`SPEECH_COLUMNS`.
    """

    extra: tuple[str, ...] = ()
    rubrics: tuple[Rubric, ...] = ()
    speech: bool = False

    @classmethod
    def collect(
        cls, answers: Iterable[tuple[str | None, Mapping[str, Any]]], rubrics: Mapping[str, Rubric]
    ) -> GradebookColumns:
        """The columns for answers given as ``(question_id, extra columns)``; unknown questions get none."""
        extra: dict[str, None] = {}
        questions: dict[str, Rubric] = {}
        speech = False
        for question_id, columns in answers:
            extra.update(dict.fromkeys(columns))
            speech = speech or recorded_speech(columns) is not None
            if question_id is not None and question_id not in questions and question_id in rubrics:
                questions[question_id] = rubrics[question_id]
        return cls(tuple(extra), tuple(questions.values()), speech)


class GradebookWriter:
    """A gradebook for a spreadsheet: a row per answer, a column per key point (verdict) and per mistake (0/1).

    Columns: ``id``, ``question_id``, the input's extra columns (a recorded answer's ``speech`` figures as the
    :data:`SPEECH_COLUMNS`), ``score``, ``calibrated_score``, ``grader``,
    ``error``, then per question ``QUESTION/KEY_POINT`` (``met``, ``partial``, ``missed``) for each key point and
    ``QUESTION/mistake:MISTAKE`` (``1`` committed, ``0`` not) for each typical mistake; a cell is blank where the
    answer's question has no such column. An extra column named like one of the first ones is ``input.NAME``.
    The header is known before the first answer is graded (from :class:`GradebookColumns`), so rows stream.
    """

    _FIRST = ("id", "question_id")
    _SCORES = ("score", "calibrated_score", "grader", "error")

    def __init__(self, stream: IO[str], columns: GradebookColumns) -> None:
        self._stream = stream
        self._writer = csv.writer(stream)
        self._extra = columns.extra
        self._speech = columns.speech
        taken = {*self._FIRST, *self._SCORES}
        self._cells: list[tuple[str, str, str]] = []  # (question, kind, id) per key point or mistake column
        names = [*self._FIRST]
        for key in self._extra:
            if key == "speech" and self._speech:
                names += SPEECH_COLUMNS
            else:
                names.append(f"input.{key}" if key in taken else key)
        names += self._SCORES
        for rubric in columns.rubrics:
            for criterion in rubric.criteria:
                self._cells.append((rubric.id, "criterion", criterion.id))
                names.append(f"{rubric.id}/{criterion.id}")
            for mistake in rubric.mistakes:
                self._cells.append((rubric.id, "mistake", mistake.id))
                names.append(f"{rubric.id}/mistake:{mistake.id}")
        self._writer.writerow([_safe(name) for name in names])
        self._stream.flush()

    def write(self, grade: Grade) -> None:
        """Write one answer's row."""
        verdicts = {c.id: c.verdict for c in grade.criteria}
        committed = {m.id: m.committed for m in grade.mistakes}
        cells = [
            grade.id or "",
            grade.question_id or "",
            *self._extra_cells(grade),
            "" if grade.score is None else f"{grade.score:.4f}",
            _number(grade.calibrated_score),
            grade.grader or "",
            grade.error or "",
        ]
        for question, kind, item in self._cells:
            value: str = ""
            if question == grade.question_id and kind == "criterion" and item in verdicts:
                value = verdicts[item]
            elif question == grade.question_id and kind == "mistake" and item in committed:
                value = "1" if committed[item] else "0"
            cells.append(value)
        self._writer.writerow([_safe(cell) for cell in cells])
        self._stream.flush()

    def _extra_cells(self, grade: Grade) -> list[str]:
        cells: list[str] = []
        for key in self._extra:
            if key == "speech" and self._speech:
                cells += _speech_cells(recorded_speech(grade.extra))
            else:
                cells.append(_cell(grade.extra.get(key)))
        return cells

    def close(self) -> None:
        """Nothing to finish: every row is complete."""


def _number(value: float | None) -> str:
    # 4 decimals like the score, trailing zeros dropped: a teacher's 7.5 stays 7.5 in the spreadsheet.
    return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# The characters Markdown reads as markup; a backslash makes each literal (HTML tags included: "<b>" shows).
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def md_inline(text: str) -> str:
    """User text as one line of Markdown that renders as itself: whitespace flattened, markup backslash-escaped."""
    return MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_cell(text: str) -> str:
    """User text for a Markdown table cell (``|`` escaped with the rest, so the row keeps its columns)."""
    return md_inline(text)


def judges_line(grade: Grade) -> str:
    """Several judges in one line: each judge's model and score (or why it failed), then the stability.

    Returns:
        ``"a 0.75 · b 0.50 · c failed (http_500) · stability 0.3333"`` (a sample is ``model#N``); ``""`` for one
        judge.
    """
    if grade.judges is None:
        return ""
    parts = [
        (judge.model if judge.sample is None else f"{judge.model}#{judge.sample}")
        + (f" {judge.score:.2f}" if judge.score is not None else f" failed ({judge.fallback or 'no reply'})")
        for judge in grade.judges
    ]
    stability = "—" if grade.stability is None else f"{grade.stability:.4f}"
    return " · ".join([*parts, f"stability {stability}"])


def grade_markdown(grade: Grade) -> str:
    """One grade as a Markdown section: score (and several judges' scores), key points with evidence, mistakes,
    feedback, warnings."""
    title = f"## {grade.id or '(no id)'} · {grade.question_id or '(no question)'}"
    if grade.error is not None:
        return f"{title}\n\n**Not graded:** {grade.error}\n"
    model = f", model {grade.model}" if grade.model else ""
    calibrated = "" if grade.calibrated_score is None else f" · calibrated {grade.calibrated_score:g}"
    lines = [title, "", f"**Score {grade.score:.2f}**{calibrated} ({grade.grader}{model})", ""]
    speech = recorded_speech(grade.extra)
    if speech is not None:
        lines += [f"How it was said: {speech_line(speech)} ({md_inline(str(grade.extra['stt_model']))})", ""]
    if grade.judges is not None:
        lines += [f"Judges: {md_inline(judges_line(grade))}", ""]
    lines += ["| key point | verdict | evidence | source |", "|---|---|---|---|"]
    for c in grade.criteria:
        evidence = f"“{md_cell(c.evidence)}”" if c.evidence else ""
        lines.append(f"| {md_cell(c.text)} | {c.verdict} | {evidence} | {c.source} |")
    made = [m for m in grade.mistakes if m.committed]
    if made:
        lines += ["", "**Typical mistakes made**", ""]
        lines += [f"- {m.text}" + (f" — “{md_cell(m.evidence)}”" if m.evidence else "") for m in made]
    lines += ["", "**Feedback**", "", *(f"> {line}" if line else ">" for line in grade.feedback.splitlines())]
    if grade.warnings:
        lines += ["", "**Warnings**", "", *(f"- {w}" for w in grade.warnings)]
    return "\n".join(lines) + "\n"


class MarkdownWriter:
    """A Markdown report: a section per answer, flushed per answer, then a summary table."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._rows: list[tuple[str, ...]] = []
        self._calibrated = False
        self._stability = False
        stream.write("# mockint grades\n\n")

    def write(self, grade: Grade) -> None:
        """Write one answer's section."""
        self._stream.write(_safe(grade_markdown(grade)) + "\n")
        self._stream.flush()
        score = "error" if grade.score is None else f"{grade.score:.2f}"
        self._calibrated = self._calibrated or grade.calibrated_score is not None
        calibrated = _number(grade.calibrated_score)
        self._stability = self._stability or grade.stability is not None
        stability = "" if grade.stability is None else f"{grade.stability:.4f}"
        self._rows.append((grade.id or "", grade.question_id or "", score, calibrated, grade.grader or "", stability))

    def close(self) -> None:
        """Write the summary table (with a calibrated column when any answer has a calibrated score, a stability
        column when any has several judges' stability)."""
        if not self._rows:
            return
        keep = [0, 1, 2, *([3] if self._calibrated else []), 4, *([5] if self._stability else [])]
        header = ["id", "question", "score", "calibrated", "grader", "stability"]
        lines = ["## Summary", "", f"| {' | '.join(header[i] for i in keep)} |", "|---" * len(keep) + "|"]
        lines += [f"| {' | '.join(md_cell(row[i]) for i in keep)} |" for row in self._rows]
        self._stream.write(_safe("\n".join(lines)) + "\n")
        self._stream.flush()


class TableWriter:
    """A rich table on the terminal, printed when the run ends (or is interrupted)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._grades: list[Grade] = []

    def write(self, grade: Grade) -> None:
        """Remember one grade for the table."""
        self._grades.append(grade)

    def close(self) -> None:
        """Print the table."""
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="mockint grades", show_lines=True)
        table.add_column("answer", no_wrap=True)
        table.add_column("score", justify="right", no_wrap=True)
        calibrated = any(grade.calibrated_score is not None for grade in self._grades)
        if calibrated:
            table.add_column("calibrated", justify="right", no_wrap=True)
        # Several judges: the stability, and under it each judge's model and score.
        stable = any(grade.stability is not None or grade.judges is not None for grade in self._grades)
        if stable:
            table.add_column("stability", justify="right", overflow="fold")
        table.add_column("key points missed or partial", overflow="fold", ratio=1)
        table.add_column("typical mistakes made", overflow="fold", ratio=1)
        for grade in self._grades:
            # Ids, errors and warnings are the user's text: printed literally, never as rich markup.
            who = f"{escape(grade.id or '(no id)')}\n[dim]{escape(grade.question_id or '')}[/dim]"
            shown = [_number(grade.calibrated_score) or "—"] if calibrated else []
            if stable:
                shown.append(_safe(_stability_cell(grade)))
            if grade.error is not None:
                table.add_row(_safe(who), "error", *shown, _safe(escape(grade.error)), "")
                continue
            missed = [
                c.id + (" (partial)" if c.verdict == "partial" else "") for c in grade.criteria if c.verdict != "met"
            ]
            made = [m.id for m in grade.mistakes if m.committed]
            table.add_row(
                _safe(who),
                f"{grade.score:.2f}\n[dim]{grade.grader}[/dim]",
                *shown,
                _safe("\n".join(missed)) or "—",
                _safe(escape("\n".join([*made, *(f"⚠ {w}" for w in grade.warnings)]))) or "—",
            )
        self._console.print(table)
        if self._grades:
            self._console.print("Full feedback, evidence and tips: --format md (or jsonl).", style="dim")


def _stability_cell(grade: Grade) -> str:
    """The table's stability cell: the value, then each judge as ``model score`` (dim); ``—`` for one judge."""
    from rich.markup import escape

    if grade.judges is None:
        return "—"
    judges = judges_line(grade).split(" · ")[:-1]
    value = "—" if grade.stability is None else f"{grade.stability:.4f}"
    return "\n".join([value, *(f"[dim]{escape(judge)}[/dim]" for judge in judges)])


def make_writer(
    fmt: str, stream: IO[str], console: Console | None = None, gradebook: GradebookColumns | None = None
) -> GradeWriter:
    """The writer for an output format (``jsonl``, ``csv``, ``md``, ``table``, ``gradebook``).

    Args:
        fmt: The format.
        stream: Where the grades go.
        console: The console of a ``table`` (default: one on ``stream``).
        gradebook: The columns of a ``gradebook`` (default: none beyond the scores).
    """
    if fmt == "jsonl":
        return JsonlWriter(stream)
    if fmt == "csv":
        return CsvWriter(stream)
    if fmt == "md":
        return MarkdownWriter(stream)
    if fmt == "table":
        if console is None:
            from rich.console import Console

            console = Console(file=stream)
        return TableWriter(console)
    if fmt == "gradebook":
        return GradebookWriter(stream, gradebook if gradebook is not None else GradebookColumns())
    raise ValueError(f"unknown format {fmt!r}")


def rubric_markdown(rubric: Rubric) -> str:
    """A rubric as Markdown for a person: question, model answer, key points, mistakes, tips."""
    lines = [
        f"# {rubric.title}",
        "",
        f"`{rubric.id}` · {rubric.topic}" if rubric.topic else f"`{rubric.id}`",
        "",
        "## Question",
        "",
        rubric.question,
        "",
        "## Model answer",
        "",
        rubric.model_answer,
        "",
        "## Key points",
        "",
    ]
    lines += [f"{i}. **{c.text}** (`{c.id}`, weight {c.weight:g})" for i, c in enumerate(rubric.criteria, 1)]
    if rubric.mistakes:
        lines += ["", "## Typical mistakes", ""]
        lines += [f"- {m.text} (`{m.id}`, penalty {m.penalty:g})" for m in rubric.mistakes]
    if rubric.tips:
        lines += ["", "## How to say it in an interview", ""]
        lines += [f"- {tip}" for tip in rubric.tips]
    if rubric.source:
        lines += ["", "## Source", ""]
        lines += [f"- {s.document}" + (f" — {s.section}" if s.section else "") for s in rubric.source]
    return "\n".join(lines) + "\n"


def questions_table(rubrics: Sequence[Rubric], console: Console) -> None:
    """Print the list of questions as a table."""
    from rich.table import Table

    table = Table(title="mockint questions")
    table.add_column("id", no_wrap=True)
    table.add_column("topic")
    table.add_column("key points", justify="right")
    table.add_column("question")
    for rubric in rubrics:
        table.add_row(rubric.id, rubric.topic, str(len(rubric.criteria)), rubric.question)
    console.print(table)


def questions_json(rubrics: Sequence[Rubric]) -> list[dict[str, Any]]:
    """The list of questions as JSON data."""
    return [
        {
            "id": r.id,
            "title": r.title,
            "topic": r.topic,
            "tags": r.tags,
            "question": r.question,
            "criteria": len(r.criteria),
            "mistakes": len(r.mistakes),
        }
        for r in rubrics
    ]
