"""Reading rubric sources: interview-prep documents and Q&A banks.

Two kinds of input become rubrics (see :mod:`mockint.authoring.draft` and :mod:`mockint.authoring.bank` for how):

* **Interview-prep documents** (``.txt``, ``.md``): one or more questions per file, each with sections under
  Russian or English headings — ``Короткий ответ`` / ``Short answer``, ``Полный разбор`` / ``Подробный разбор``
  / ``Breakdown``, ``Теория`` / ``Theory``, ``Типичные ошибки`` / ``Typical mistakes``, ``Как отвечать на
  собеседовании`` / ``Как сказать на собеседовании`` / ``How to answer``. A question after the first starts with
  a line ``Вопрос…`` / ``Question…`` (or, in Markdown, a ``#`` heading). The lines before the first section are
  the title and the question; UI lines of the prep site ("Показать разбор", "Сначала проговорите ответ…") are
  ignored. The same question in several files is one question with several sources.
* **Q&A banks** (``.jsonl``, ``.csv``): ``id``, ``question``, ``reference_answer``, optional
  ``reference_answers`` (a list; in CSV a JSON array or values separated by ``||``). The rubric id is the
  bank's id unchanged. A file of graded answers that carries ``question_id``, ``question`` and
  ``reference_answer`` on every row (e.g. the Mohler data) imports as a bank too: rows are grouped by
  ``question_id``, which becomes the rubric id.

Everything is read and checked before anything is written; errors name the file, the line and the field and
say how to fix it.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockint.errors import InputError
from mockint.files import DEFAULT_MAX_DOCUMENT_BYTES, csv_table, env_limit, parse_json_line, read_text, shorten
from mockint.models import ID_RE, normalise_id

__all__ = [
    "BANK_SUFFIXES",
    "BankItem",
    "DocQuestion",
    "merge_questions",
    "read_bank",
    "read_document",
    "read_sources",
]

BANK_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")

SectionKind = str  # "short" | "breakdown" | "theory" | "mistakes" | "tips"

SECTION_NAMES: dict[str, str] = {
    "short": "Короткий ответ / Short answer",
    "breakdown": "Полный разбор / Breakdown",
    "theory": "Теория / Theory",
    "mistakes": "Типичные ошибки / Typical mistakes",
    "tips": "Как отвечать на собеседовании / How to answer",
}

_HEADINGS: dict[str, SectionKind] = {
    "короткий ответ": "short",
    "краткий ответ": "short",
    "short answer": "short",
    "полный разбор": "breakdown",
    "подробный разбор": "breakdown",
    "разбор": "breakdown",
    "breakdown": "breakdown",
    "full breakdown": "breakdown",
    "detailed breakdown": "breakdown",
    "теория": "theory",
    "theory": "theory",
    "типичные ошибки": "mistakes",
    "частые ошибки": "mistakes",
    "typical mistakes": "mistakes",
    "common mistakes": "mistakes",
    "как отвечать на собеседовании": "tips",
    "как сказать на собеседовании": "tips",
    "как ответить на собеседовании": "tips",
    "how to answer": "tips",
    "how to answer in an interview": "tips",
    "how to answer in the interview": "tips",
    "how to say it in an interview": "tips",
}

# "Вопрос", "Вопрос по метрикам", "Вопрос про production ML", "Question", "Question 2": a short line, not the
# question itself (which ends with "?" or is long).
_QUESTION_MARKER_RE = re.compile(r"^(?:вопрос|question)(?:\s+[^?]{0,60})?$", re.IGNORECASE)

# Buttons and instructions of the prep site, in either language.
_NOISE_RE = re.compile(
    r"^(?:ответить самому|показать разбор|показать ответ|скрыть разбор|скрыть ответ|"
    r"сначала (?:сформулируйте|проговорите|ответьте|подумайте|попробуйте)\b.*|"
    r"откройте (?:разбор|ответ)\b.*|формулы, план решения, риски и примеры\.?|"
    r"show (?:the )?(?:answer|breakdown)|hide (?:the )?(?:answer|breakdown)|answer (?:it )?yourself(?: first)?\b.*|"
    r"try (?:it|to answer) yourself\b.*|say (?:your|the) answer (?:aloud|out loud)\b.*)$",
    re.IGNORECASE,
)
_BULLET_RE = re.compile(r"^(?:[-*•·]|\d{1,2}[.)])\s+")
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+")


@dataclass
class DocQuestion:
    """One question read from an interview-prep document.

    Attributes:
        title: The heading line (the question itself when the document has no separate title).
        question: What the interviewer asks.
        short_answer: The ``Короткий ответ`` / ``Short answer`` text.
        breakdown: Lines of the breakdown section.
        theory: Lines of the theory section.
        mistakes: The typical mistakes, one per line, verbatim (bullet marks removed).
        tips: The "how to answer" lines, verbatim (bullet marks removed).
        sources: ``(document file name, section)`` per document the question was read from.
        where: ``FILE:LINE`` of the question's start, for messages.
    """

    title: str
    question: str
    short_answer: str
    breakdown: list[str] = field(default_factory=list)
    theory: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    tips: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    where: str = ""


@dataclass
class BankItem:
    """One question of a Q&A bank.

    Attributes:
        id: The rubric id (the bank's id unchanged).
        question: The question text.
        references: The reference answers (at least one).
        where: ``FILE:LINE`` of its first record.
        document: The bank's file name.
    """

    id: str
    question: str
    references: list[str]
    where: str
    document: str


# ---------------------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------------------


def _heading_text(line: str) -> tuple[str, int]:
    """The line without Markdown heading marks, emphasis and a final colon; and its heading level (0: none)."""
    level = 0
    match = _MD_HEADING_RE.match(line)
    if match:
        level = len(match.group(1))
        line = line[match.end() :]
    text = line.strip().strip("*_").strip().rstrip(":").strip()
    return text, level


def _key(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def _section_kind(text: str) -> SectionKind | None:
    return _HEADINGS.get(_key(text).rstrip(".:"))


@dataclass
class _Open:
    start: int
    marker: str | None = None
    title: str | None = None
    preamble: list[tuple[int, str]] = field(default_factory=list)
    sections: dict[SectionKind, list[tuple[int, str]]] = field(default_factory=dict)
    heading_lines: dict[SectionKind, int] = field(default_factory=dict)
    current: SectionKind | None = None


def read_document(path: str | Path) -> list[DocQuestion]:
    """Read the questions of one interview-prep document.

    Args:
        path: A ``.txt`` or ``.md`` document in the layouts described in the module docstring.

    Returns:
        The questions, in document order.

    Raises:
        InputError: The file is missing, binary or not UTF-8, or a question lacks its text or its short
            answer, or a section is empty; the message names the line and says how to fix it.
    """
    file = Path(path)
    text = _read_source(file)
    finished: list[_Open] = []
    current: _Open | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        heading, level = _heading_text(line)
        kind = _section_kind(heading)
        if kind is not None:
            if current is None:
                raise InputError(
                    f"{file}:{number}: section {heading!r} before any question; put the question text on the "
                    "lines above it"
                )
            if kind in current.heading_lines:
                raise InputError(
                    f"{file}:{number}: a second {heading!r} section in one question (the first is on line "
                    f"{current.heading_lines[kind]}); start each new question with a line 'Вопрос' or 'Question'"
                )
            current.heading_lines[kind] = number
            current.sections[kind] = []
            current.current = kind
            continue
        starts_question = bool(_QUESTION_MARKER_RE.match(heading)) and not heading.endswith("?")
        if starts_question and current is not None and not current.sections:
            # "# Title" then "## Question": the marker belongs to the question already open.
            if current.preamble and current.title is None:
                current.title = current.preamble.pop(0)[1]
            current.marker = heading
            continue
        if starts_question or (level == 1 and current is not None and current.sections):
            if current is not None:
                finished.append(current)
            current = _Open(start=number, marker=heading if starts_question else None)
            if not starts_question:
                current.preamble.append((number, heading))
            continue
        if _NOISE_RE.match(heading):
            continue
        if current is None:
            current = _Open(start=number)
        item = _BULLET_RE.sub("", heading if level else line, count=1).strip()
        if current.current is None:
            current.preamble.append((number, item))
        else:
            current.sections[current.current].append((number, item))
    if current is not None:
        finished.append(current)
    if not any(question.sections for question in finished):
        raise InputError(
            f"{file}: no interview-prep sections found (expected headings such as 'Короткий ответ' or "
            "'Short answer'); for a Q&A bank use a .jsonl or .csv file"
        )
    return [_finish(file, question) for question in finished]


def _finish(file: Path, question: _Open) -> DocQuestion:
    where = f"{file}:{question.start}"
    if not question.preamble and question.title is not None:
        question.preamble.append((question.start, question.title))
    if not question.preamble:
        raise InputError(
            f"{where}: question has no text before its first section; write the question on the line after "
            f"{question.marker or 'the title'!r}"
        )
    for kind, section_lines in question.sections.items():
        if not section_lines:
            raise InputError(
                f"{file}:{question.heading_lines[kind]}: section {SECTION_NAMES[kind]!r} is empty; write its "
                "text or remove the heading"
            )
    if "short" not in question.sections:
        first_line = question.preamble[0][1]
        raise InputError(
            f"{where}: question {_shorten(first_line)!r} has no 'Короткий ответ' / 'Short answer' section; add "
            "one: it becomes the model answer"
        )
    lines = [text for _, text in question.preamble]
    if question.title is not None:
        title = question.title
        question_text = " ".join(lines)
    elif question.marker is not None or len(lines) == 1:
        question_text = " ".join(lines)
        title = _title_from(question_text)
    else:
        title = lines[0]
        question_text = " ".join(lines[1:])
    section = question.marker if question.marker is not None and question.title is None else title
    sections = {kind: [text for _, text in items] for kind, items in question.sections.items()}
    return DocQuestion(
        title=title,
        question=question_text,
        short_answer=" ".join(sections["short"]),
        breakdown=sections.get("breakdown", []),
        theory=sections.get("theory", []),
        mistakes=sections.get("mistakes", []),
        tips=sections.get("tips", []),
        sources=[(file.name, section)],
        where=where,
    )


def _title_from(question: str, limit: int = 90) -> str:
    first = re.split(r"(?<=[.?!])\s", question, maxsplit=1)[0]
    return _shorten(first, limit)


def _shorten(text: str, limit: int = 60) -> str:
    return shorten(text, limit)


def merge_questions(questions: list[DocQuestion]) -> list[DocQuestion]:
    """Merge questions with the same text (ignoring case and spacing) into one, keeping every source.

    The first occurrence gives the title, the question and the short answer; sections are united without
    repeating a line already present.

    Args:
        questions: Questions from all documents, in reading order.

    Returns:
        One question per distinct question text, in order of first occurrence.
    """
    merged: dict[str, DocQuestion] = {}
    for question in questions:
        key = re.sub(r"[^\w]+", " ", _key(question.question)).strip()
        kept = merged.get(key)
        if kept is None:
            merged[key] = DocQuestion(
                title=question.title,
                question=question.question,
                short_answer=question.short_answer,
                breakdown=list(question.breakdown),
                theory=list(question.theory),
                mistakes=list(question.mistakes),
                tips=list(question.tips),
                sources=list(question.sources),
                where=question.where,
            )
            continue
        for mine, theirs in (
            (kept.breakdown, question.breakdown),
            (kept.theory, question.theory),
            (kept.mistakes, question.mistakes),
            (kept.tips, question.tips),
        ):
            seen = {_key(line) for line in mine}
            mine.extend(line for line in theirs if _key(line) not in seen)
        if _key(question.short_answer) != _key(kept.short_answer):
            kept.breakdown.insert(0, question.short_answer)
        kept.sources.extend(source for source in question.sources if source not in kept.sources)
    return list(merged.values())


# ---------------------------------------------------------------------------------------------------------
# Q&A banks
# ---------------------------------------------------------------------------------------------------------


def _text_field(data: dict[str, Any], name: str, where: str) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"{where}: {name}: missing or empty; each bank record needs id, question and reference_answer")
    if not isinstance(value, str):
        raise InputError(f"{where}: {name}: must be text, not {type(value).__name__}; put it in quotes")
    return " ".join(value.split())


def _references(data: dict[str, Any], where: str, csv_row: bool) -> list[str]:
    references: list[str] = []
    single = data.get("reference_answer")
    if single is not None and not (isinstance(single, str) and not single.strip()):
        references.append(_text_field(data, "reference_answer", where))
    many = data.get("reference_answers")
    if isinstance(many, str) and csv_row:
        many = many.strip()
        if many.startswith("["):
            try:
                many = json.loads(many)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{where}: reference_answers: invalid JSON array ({exc.msg}); write a JSON list of strings "
                    "or separate the answers with ||"
                ) from None
        else:
            many = [part for part in many.split("||")] if many else []
    if many is not None:
        if not isinstance(many, list) or not all(isinstance(item, str) for item in many):
            raise InputError(f'{where}: reference_answers: must be a list of strings; write e.g. ["...", "..."]')
        for item in many:
            text = " ".join(item.split())
            if text and text not in references:
                references.append(text)
    if not references:
        raise InputError(
            f"{where}: reference_answer: missing or empty; give reference_answer or a non-empty reference_answers"
        )
    return references


def _bank_item(data: dict[str, Any], where: str, document: str, csv_row: bool) -> tuple[BankItem, bool]:
    """The item of one record, and whether the record is a graded answer (grouped by ``question_id``)."""
    grouped = data.get("question_id") not in (None, "")
    name = "question_id" if grouped else "id"
    raw = data.get(name)
    if raw in (None, ""):
        raise InputError(f"{where}: id: missing; each bank record needs id, question and reference_answer")
    try:
        item_id = normalise_id(raw)
    except ValueError as exc:
        raise InputError(f"{where}: {name}: {exc}") from None
    if not ID_RE.match(item_id):
        raise InputError(
            f"{where}: {name}: {item_id!r} cannot be a rubric id; use letters, digits, '.', '_' or '-', starting "
            "with a letter or digit"
        )
    item = BankItem(
        id=item_id,
        question=_text_field(data, "question", where),
        references=_references(data, where, csv_row),
        where=where,
        document=document,
    )
    return item, grouped


def read_bank(path: str | Path) -> list[BankItem]:
    """Read a Q&A bank (JSONL or CSV), or a graded-answers file carrying questions and references.

    Args:
        path: The bank file; ``.csv`` is CSV, anything else JSON Lines.

    Returns:
        One item per question id, in order of first appearance.

    Raises:
        InputError: With ``FILE:LINE: field: problem; fix`` for the first bad record, a duplicate id, or rows
            of one ``question_id`` that disagree on the question or the references.
    """
    file = Path(path)
    text = _read_source(file)
    records = _csv_records(file, text) if file.suffix.lower() == ".csv" else _jsonl_records(file, text)
    items: dict[str, BankItem] = {}
    for where, data, csv_row in records:
        item, grouped = _bank_item(data, where, file.name, csv_row)
        kept = items.get(item.id)
        if kept is None:
            items[item.id] = item
        elif not grouped:
            raise InputError(
                f"{where}: id: duplicate id {item.id!r} (first at {kept.where}); give each question its own id"
            )
        elif kept.question != item.question or kept.references != item.references:
            raise InputError(
                f"{where}: question_id {item.id!r} has a different question or reference than at {kept.where}; "
                "make them agree or give the questions different ids"
            )
    if not items:
        raise InputError(f"{file}: no records; a bank needs lines with id, question and reference_answer")
    return list(items.values())


def _read_source(file: Path) -> str:
    return read_text(
        file,
        "document (.txt, .md) or bank (.jsonl, .csv) files",
        noun="document or bank file",
        max_bytes=env_limit("MOCKINT_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES),
        limit_name="MOCKINT_MAX_DOCUMENT_BYTES",
    )


def _jsonl_records(file: Path, text: str) -> list[tuple[str, dict[str, Any], bool]]:
    records: list[tuple[str, dict[str, Any], bool]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{file}:{number}"
        parsed = parse_json_line(line.encode("utf-8", "surrogatepass"))
        if parsed is None:
            continue
        if parsed.error is not None:
            raise InputError(f"{where}: {parsed.error}")
        if not isinstance(parsed.data, dict):
            raise InputError(f"{where}: expected a JSON object with id, question and reference_answer")
        records.append((where, parsed.data, False))
    return records


def _csv_records(file: Path, text: str) -> list[tuple[str, dict[str, Any], bool]]:
    records: list[tuple[str, dict[str, Any], bool]] = []
    rows = csv_table(io.StringIO(text, newline=""))
    first = next(rows, None)
    if first is None:
        return records
    header = [name.strip() for name in first.cells]
    if first.error is not None or "question" not in header or not ({"id", "question_id"} & set(header)):
        raise InputError(f"{file}:1: the CSV header needs id, question and reference_answer columns")
    for row in rows:
        where = f"{file}:{row.line}"
        if row.error is not None:
            raise InputError(f"{where}: {row.error}")
        if len(row.cells) != len(header):
            raise InputError(
                f"{where}: row has {len(row.cells)} fields but the header has {len(header)}; quote fields that "
                "contain commas"
            )
        records.append((where, dict(zip(header, row.cells, strict=True)), True))
    return records


def read_sources(paths: list[Path]) -> tuple[list[DocQuestion], list[BankItem]]:
    """Read every input file: documents by their text layout, banks by suffix (``.jsonl``, ``.csv`` ...).

    Args:
        paths: Files to import.

    Returns:
        The merged document questions and the bank items (ids unique across all banks).

    Raises:
        InputError: Any file is bad, or two banks share an id.
    """
    questions: list[DocQuestion] = []
    items: list[BankItem] = []
    seen: dict[str, str] = {}
    for path in paths:
        if path.suffix.lower() in BANK_SUFFIXES:
            for item in read_bank(path):
                if item.id in seen:
                    raise InputError(
                        f"{item.where}: id: {item.id!r} is also in {seen[item.id]}; give each question its own id"
                    )
                seen[item.id] = item.where
                items.append(item)
        else:
            questions.extend(read_document(path))
    return merge_questions(questions), items
