"""Grading many answers: reading answer files, bounded concurrency, ordered streaming output.

Input is read lazily and at most a small window of answers is in flight, so memory does not grow with the
number of answers; each result is handed on as soon as every earlier one is done, so an interrupted run
keeps everything it graded, in input order.
"""

from __future__ import annotations

import csv
import io
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mockint.errors import InputError, MockintError
from mockint.grading import CircuitBreakerJudge, grade_answer
from mockint.models import Answer, Grade, normalise_id
from mockint.rubrics import RubricSet

REQUIRED_FIELDS = ("id", "question_id", "answer")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Record:
    """One input record: an answer to grade, or the reason it cannot be graded.

    Attributes:
        source: ``FILE:LINE`` of the record, for messages.
        answer: The parsed answer, when the record is valid.
        error: One-line message naming file, line and field, when it is not.
        raw_id: The record's id as far as it could be read (for the error's output line).
        raw_question_id: Likewise for ``question_id``.
    """

    source: str
    answer: Answer | None = None
    error: str | None = None
    raw_id: str | None = None
    raw_question_id: str | None = None


def _open_checked(path: Path) -> IO[bytes]:
    if str(path) == "-":
        raise InputError("-: reading answers from standard input is not supported; pass a file")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; pass a .jsonl or .csv answers file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    head = handle.peek(_SNIFF_BYTES)[:_SNIFF_BYTES] if isinstance(handle, io.BufferedReader) else b""
    if b"\x00" in head:
        handle.close()
        raise InputError(f"{path}: binary file, not answers; pass JSONL or CSV with id, question_id, answer")
    return handle


def _detect_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def _record_from_mapping(data: dict[str, Any], source: str, seen_ids: dict[str, str]) -> Record:
    raw_id = data.get("id")
    raw_qid = data.get("question_id")
    id_text = str(raw_id) if raw_id is not None and not isinstance(raw_id, dict | list) else None
    qid_text = str(raw_qid) if isinstance(raw_qid, str | int) and not isinstance(raw_qid, bool) else None

    def fail(message: str) -> Record:
        return Record(source, error=f"{source}: {message}", raw_id=id_text, raw_question_id=qid_text)

    missing = [name for name in REQUIRED_FIELDS if data.get(name) in (None, "")]
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
    text = data["answer"]
    if not isinstance(text, str):
        return fail("answer: must be text; put the answer in quotes")
    if not text.strip():
        return fail("answer: is empty; write the candidate's answer or remove the record")
    if answer_id in seen_ids:
        return fail(f"id: duplicate id {answer_id!r} (first at {seen_ids[answer_id]}); give each answer its own id")
    seen_ids[answer_id] = source
    extra = {key: value for key, value in data.items() if key not in REQUIRED_FIELDS}
    return Record(
        source,
        answer=Answer(id=answer_id, question_id=question_id, answer=text, extra=extra),
        raw_id=answer_id,
        raw_question_id=question_id,
    )


def _read_jsonl(handle: IO[bytes], path: Path, seen_ids: dict[str, str]) -> Iterator[Record]:
    for number, raw_line in enumerate(handle, start=1):
        source = f"{path}:{number}"
        try:
            line = raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield Record(source, error=f"{source}: not UTF-8 text; save the file as UTF-8")
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(
                source,
                error=f"{source}: invalid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object",
            )
            continue
        if not isinstance(data, dict):
            yield Record(source, error=f"{source}: expected a JSON object with id, question_id, answer")
            continue
        yield _record_from_mapping(data, source, seen_ids)


def _read_csv(handle: IO[bytes], path: Path, seen_ids: dict[str, str]) -> Iterator[Record]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
        if header is None:
            return
        header = [name.strip() for name in header]
        missing = [name for name in REQUIRED_FIELDS if name not in header]
        if missing:
            raise InputError(
                f"{path}:1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                "the CSV header needs id, question_id, answer"
            )
        line_end = reader.line_num
        for row in reader:
            source = f"{path}:{line_end + 1}"
            line_end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield Record(
                    source,
                    error=f"{source}: row has {len(row)} fields but the header has "
                    f"{len(header)}; quote fields that contain commas",
                )
                continue
            yield _record_from_mapping(dict(zip(header, row, strict=True)), source, seen_ids)
    except UnicodeDecodeError:
        raise InputError(f"{path}:{reader.line_num + 1}: not UTF-8 text; save the file as UTF-8") from None
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: malformed CSV ({exc}); fix the quoting") from None
    finally:
        text.detach()


def read_answers(path: str | Path, seen_ids: dict[str, str] | None = None) -> Iterator[Record]:
    """Read an answers file (JSONL or CSV with ``id``, ``question_id``, ``answer``) lazily.

    Bad records are yielded with ``error`` set (file and line named); the rest are still read.

    Args:
        path: The file; the format comes from the suffix, else from its first character.
        seen_ids: Ids already read (shared across files to catch duplicates); updated in place.

    Yields:
        One record per non-blank line (CSV: per row).

    Raises:
        InputError: The file cannot be read at all (missing, binary, not UTF-8, CSV header incomplete).
    """
    file = Path(path)
    seen = {} if seen_ids is None else seen_ids
    handle = _open_checked(file)
    with handle:
        head = handle.peek(_SNIFF_BYTES)[:_SNIFF_BYTES] if isinstance(handle, io.BufferedReader) else b""
        if _detect_format(file, head) == "jsonl":
            yield from _read_jsonl(handle, file, seen)
        else:
            yield from _read_csv(handle, file, seen)


def error_grade(record: Record, message: str | None = None) -> Grade:
    """The output line for a record that could not be graded."""
    return Grade(
        id=record.raw_id,
        question_id=record.raw_question_id,
        score=None,
        grader=None,
        error=message or record.error,
        extra=record.answer.extra if record.answer else {},
    )


@dataclass
class RunSummary:
    """What a batch run did.

    Attributes:
        graded: Answers graded.
        errors: Records that could not be graded (``error`` set).
        fallbacks: Answers graded deterministically because the judge failed.
        breaker_reason: Why the judge stopped being called, when it did.
        messages: The one-line error messages, in input order.
    """

    graded: int = 0
    errors: int = 0
    fallbacks: int = 0
    breaker_reason: str | None = None
    messages: list[str] = field(default_factory=list)


def _grade_record(record: Record, rubrics: RubricSet, judge: CircuitBreakerJudge | None) -> Grade:
    answer = record.answer
    if answer is None:
        return error_grade(record)
    try:
        rubric = rubrics.get_rubric(answer.question_id)
    except MockintError as exc:
        return error_grade(record, f"{record.source}: question_id: {exc}")
    grade = grade_answer(answer.answer, rubric, judge, answer_id=answer.id)
    grade.extra = answer.extra
    return grade


def grade_records(
    records: Iterable[Record],
    rubrics: RubricSet,
    judge: CircuitBreakerJudge | None,
    emit: Callable[[Grade], None],
    *,
    concurrency: int = 4,
    notice: Callable[[str], None] | None = None,
) -> RunSummary:
    """Grade records and hand each grade to ``emit`` in input order, as soon as it is ready.

    Args:
        records: Input records, read lazily.
        rubrics: Rubrics by question id.
        judge: The (breaker-wrapped) judge, or ``None`` for deterministic grading.
        emit: Called once per record, in input order.
        concurrency: Judge requests in flight at most (deterministic grading runs inline).
        notice: Called once with a message when the judge stops being called.

    Returns:
        Counts of what happened.
    """
    summary = RunSummary()

    def account(grade: Grade) -> None:
        if grade.error is not None:
            summary.errors += 1
            summary.messages.append(grade.error)
        else:
            summary.graded += 1
            if judge is not None and grade.grader == "deterministic":
                summary.fallbacks += 1
        if judge is not None and summary.breaker_reason is None and judge.is_open:
            summary.breaker_reason = judge.open_reason
            if notice is not None:
                notice(
                    f"the LLM judge failed for {judge.threshold} answers in a row ({judge.open_reason}); "
                    "grading the rest deterministically"
                )
        emit(grade)

    if judge is None or concurrency <= 1:
        for record in records:
            account(_grade_record(record, rubrics, judge))
        return summary

    window = max(2, concurrency * 2)
    pending: deque[Future[Grade]] = deque()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="mockint-grade") as pool:
        try:
            for record in records:
                pending.append(pool.submit(_grade_record, record, rubrics, judge))
                while len(pending) >= window or (pending and pending[0].done()):
                    account(pending.popleft().result())
            while pending:
                account(pending.popleft().result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return summary
