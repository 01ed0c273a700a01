"""Answer records from files: JSONL or CSV rows with ``id``, ``question_id``, ``answer``, read lazily.

A recorded answer gives ``audio`` (a path relative to the file) instead of ``answer``: it is transcribed as it
is read (:mod:`mockint.batch.audio`; the next records' recordings in the background when the engine has several
workers), and its record keeps ``transcript``, ``stt_model`` and ``speech`` (how it was said) in ``extra``.

Each line (CSV: each row) becomes one :class:`Record`: a parsed answer, or the one-line reason it cannot be
graded, naming its file, line and field. :func:`error_grade` is that record's output line.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mockint.batch.audio import AudioAnswers, speech_figures
from mockint.errors import ConfigError, InputError, SpeechError
from mockint.files import (
    DEFAULT_MAX_ANSWER_CHARS,
    SNIFF_BYTES,
    answer_too_long,
    csv_header_problem,
    csv_table,
    open_checked,
    parse_json_line,
)
from mockint.models import Answer, Grade, normalise_id

REQUIRED_FIELDS = ("id", "question_id", "answer")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)


@dataclass(frozen=True)
class Record:
    """One input record: an answer to grade, or the reason it cannot be graded.

    Attributes:
        source: ``FILE:LINE`` of the record, for messages.
        answer: The parsed answer, when the record is valid.
        error: One-line message naming file, line and field, when it is not.
        raw_id: The record's id as far as it could be read (for the error's output line).
        raw_question_id: Likewise for ``question_id``.
        extra: The record's other fields, kept on an error record too.
        warnings: Repairs made while reading it, added to its grade's warnings.
    """

    source: str
    answer: Answer | None = None
    error: str | None = None
    raw_id: str | None = None
    raw_question_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Row:
    """A parsed line (CSV: row) not yet checked: its fields, where it is, and the repairs made reading it."""

    data: dict[str, Any]
    source: str
    warnings: tuple[str, ...] = ()


def _detect_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def _record_from_mapping(
    data: dict[str, Any],
    source: str,
    seen_ids: dict[str, str],
    max_chars: int,
    warnings: Sequence[str] = (),
    audio: tuple[Path, AudioAnswers] | None = None,
) -> Record:
    raw_id = data.get("id")
    raw_qid = data.get("question_id")
    id_text = str(raw_id) if raw_id is not None and not isinstance(raw_id, dict | list) else None
    qid_text = str(raw_qid) if isinstance(raw_qid, str | int) and not isinstance(raw_qid, bool) else None

    extra = {key: value for key, value in data.items() if key not in REQUIRED_FIELDS}

    def fail(message: str) -> Record:
        return Record(source, None, f"{source}: {message}", id_text, qid_text, extra, tuple(warnings))

    missing = [name for name in REQUIRED_FIELDS if data.get(name) in (None, "")]
    recording = data.get("audio")
    if recording not in (None, "") and audio is not None:
        if data.get("answer") not in (None, ""):
            return fail("give either answer or audio, not both; drop one of them")
        if not isinstance(recording, str):
            return fail("audio: must be a path to the recording, relative to the answers file")
        missing = [name for name in missing if name != "answer"]
    if "answer" in missing and "answer" in data:
        missing.remove("answer")
        return fail("answer: is empty; write the candidate's answer or remove the record")
    if missing:
        return fail(
            f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            "each record needs id, question_id and answer"
        )
    try:
        answer_id = normalise_id(raw_id)
    except ValueError as exc:
        return fail(f"id: {exc}")
    try:
        question_id = normalise_id(raw_qid)
    except ValueError as exc:
        return fail(f"question_id: {exc}")
    if isinstance(recording, str) and recording.strip() and audio is not None:
        if answer_id in seen_ids:
            return fail(f"id: duplicate id {answer_id!r} (first at {seen_ids[answer_id]}); give each answer its own id")
        folder, answers = audio
        try:
            transcript = answers.transcribe(folder / recording.strip(), question_id)
        except (SpeechError, ConfigError) as exc:
            return fail(f"audio: {exc}")
        extra = {
            **extra,
            "transcript": transcript.text,
            "stt_model": transcript.stt_model,
            "speech": speech_figures(transcript),
        }
        data = {**data, "answer": transcript.text}
    text = data["answer"]
    if not isinstance(text, str):
        return fail("answer: must be text; put the answer in quotes")
    if not text.strip():
        return fail("answer: is empty; write the candidate's answer or remove the record")
    if len(text) > max_chars:
        return fail(answer_too_long(len(text), max_chars))
    if answer_id in seen_ids:
        return fail(f"id: duplicate id {answer_id!r} (first at {seen_ids[answer_id]}); give each answer its own id")
    seen_ids[answer_id] = source
    answer = Answer(id=answer_id, question_id=question_id, answer=text, extra=extra)
    return Record(source, answer, None, answer_id, question_id, extra, tuple(warnings))


def _read_jsonl(handle: IO[bytes], path: Path) -> Iterator[Record | _Row]:
    for number, raw_line in enumerate(handle, start=1):
        source = f"{path}:{number}"
        parsed = parse_json_line(raw_line, first=number == 1)
        if parsed is None:
            continue
        if parsed.error is not None:
            yield Record(source, error=f"{source}: {parsed.error}")
        elif not isinstance(parsed.data, dict):
            yield Record(source, error=f"{source}: expected a JSON object with id, question_id, answer")
        else:
            yield _Row(parsed.data, source, tuple(parsed.warnings))


def _read_csv(handle: IO[bytes], path: Path) -> Iterator[Record | _Row]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape", newline="")
    rows = csv_table(text)
    try:
        first = next(rows, None)
        if first is None:
            return
        if first.error is not None:
            raise InputError(f"{path}:{first.line}: header: {first.error}")
        header = [name.strip() for name in first.cells]
        # A CSV of recordings has an audio column instead of an answer column.
        required = [name for name in REQUIRED_FIELDS if name != "answer" or "audio" not in header]
        missing = [name for name in required if name not in header]
        if missing:
            raise InputError(f"{path}:{first.line}: {csv_header_problem(header, missing)}")
        for row in rows:
            source = f"{path}:{row.line}"
            if row.error is not None:
                yield Record(source, error=f"{source}: {row.error}")
            elif len(row.cells) != len(header):
                yield Record(
                    source,
                    error=f"{source}: row has {len(row.cells)} fields but the header has "
                    f"{len(header)}; quote fields that contain commas",
                )
            else:
                warning = row.swallowed_rows(len(header)) if row.end > row.line else None
                data = dict(zip(header, row.cells, strict=True))
                yield _Row(data, source, (warning,) if warning else ())
    finally:
        text.detach()


def _prefetch(row: _Row, folder: Path, audio: AudioAnswers) -> None:
    """Start transcribing a row's recording, if it has one that :func:`_record_from_mapping` will transcribe."""
    recording, answer = row.data.get("audio"), row.data.get("answer")
    if not isinstance(recording, str) or not recording.strip() or answer not in (None, ""):
        return
    try:
        question_id = normalise_id(row.data.get("question_id"))
    except ValueError:
        return
    audio.prefetch(folder / recording.strip(), question_id)


def _records(
    rows: Iterator[Record | _Row], seen_ids: dict[str, str], max_chars: int, audio: tuple[Path, AudioAnswers]
) -> Iterator[Record]:
    """Check the rows in order, with the recordings of the next ``audio.window`` rows transcribing meanwhile."""
    folder, answers = audio
    ahead: deque[Record | _Row] = deque()
    try:
        for row in rows:
            if isinstance(row, _Row) and answers.window:
                _prefetch(row, folder, answers)
            ahead.append(row)
            if len(ahead) > answers.window:
                yield _checked(ahead.popleft(), seen_ids, max_chars, audio)
        while ahead:
            yield _checked(ahead.popleft(), seen_ids, max_chars, audio)
    finally:
        answers.settle()  # a reader stopped early (Ctrl-C) leaves no transcription queued


def _checked(row: Record | _Row, seen_ids: dict[str, str], max_chars: int, audio: tuple[Path, AudioAnswers]) -> Record:
    if isinstance(row, Record):
        return row
    return _record_from_mapping(row.data, row.source, seen_ids, max_chars, row.warnings, audio)


def read_answers(
    path: str | Path,
    seen_ids: dict[str, str] | None = None,
    *,
    max_answer_chars: int = DEFAULT_MAX_ANSWER_CHARS,
    audio: AudioAnswers | None = None,
) -> Iterator[Record]:
    """Read an answers file (JSONL or CSV with ``id``, ``question_id``, ``answer``) lazily.

    Bad records are yielded with ``error`` set (file and line named); the rest are still read. A record with
    ``audio`` instead of ``answer`` is transcribed as it is read (up to ``audio.window`` records ahead); its
    recording's problems are its error.

    Args:
        path: The file; the format comes from the suffix, else from its first character.
        seen_ids: Ids already read (shared across files to catch duplicates); updated in place.
        max_answer_chars: A longer answer is an error record (``--max-answer-chars``).
        audio: Transcribes recordings; by default the configured engine, built only if a record has audio.

    Yields:
        One record per non-blank line (CSV: per row).

    Raises:
        InputError: The file cannot be read at all (missing, binary, not UTF-8, CSV header incomplete).
    """
    file = Path(path)
    seen = {} if seen_ids is None else seen_ids
    handle = open_checked(file, "JSONL or CSV with id, question_id, answer", "answers")
    with handle:
        head = handle.peek(SNIFF_BYTES)[:SNIFF_BYTES] if isinstance(handle, io.BufferedReader) else b""
        recordings = (file.parent, audio if audio is not None else AudioAnswers())
        rows = _read_jsonl(handle, file) if _detect_format(file, head) == "jsonl" else _read_csv(handle, file)
        yield from _records(rows, seen, max_answer_chars, recordings)


def error_grade(record: Record, message: str | None = None) -> Grade:
    """The output line for a record that could not be graded."""
    return Grade(
        id=record.raw_id,
        question_id=record.raw_question_id,
        score=None,
        grader=None,
        error=message or record.error,
        warnings=list(record.warnings),
        extra=record.extra,
    )
