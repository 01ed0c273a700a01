"""Reading a user's file: text, JSONL lines and CSV rows with line numbers, limits, and one-line errors.

Every message names the file (and line) and says what to do. Hostile input is a record-level error where it can
be: a NUL byte, a lone surrogate, a JSON value nested thousands deep or an unterminated CSV quote spoils its
own line or row, never the whole file or the run; only a file that is binary (or UTF-16) as a whole is refused.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mockint.errors import ConfigError, InputError, MockintError

SNIFF_BYTES = 8192
"""How much of a file's head decides whether it is binary or UTF-16."""

DEFAULT_MAX_ANSWER_CHARS = 100_000
"""Longest answer graded (``--max-answer-chars``, ``MOCKINT_MAX_ANSWER_CHARS``): about 25 pages, far beyond a
spoken or written interview answer; a longer one is an error record at once, before any grading."""
DEFAULT_MAX_RUBRIC_BYTES = 1 << 20
"""Largest rubric file read (``MOCKINT_MAX_RUBRIC_BYTES``); a shipped rubric is about 10 KiB."""
DEFAULT_MAX_DOCUMENT_BYTES = 64 << 20
"""Largest interview-prep document or Q&A bank read by ``rubric import`` (``MOCKINT_MAX_DOCUMENT_BYTES``)."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of a JSON value on one line; answers need two levels, ``extra`` columns a few more."""

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def env_limit(name: str, default: int, env: Mapping[str, str] | None = None) -> int:
    """A positive whole-number limit from the environment.

    Args:
        name: The variable, e.g. ``MOCKINT_MAX_ANSWER_CHARS``.
        default: Its value when unset or empty.
        env: The environment (``os.environ`` by default).

    Returns:
        The limit.

    Raises:
        ConfigError: The value is not a whole number of at least 1.
    """
    raw = (os.environ if env is None else env).get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; set e.g. {name}={default}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1; set e.g. {name}={default}")
    return value


def _size(count: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            value = count / (1 << shift)
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def replace_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (from a ``\\udXXX`` JSON escape) replaced by U+FFFD.

    No UTF-8 writer can encode a lone surrogate, so every output path passes text through here.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


def _clean(value: Any) -> Any:
    # The depth is already bounded by MAX_JSON_DEPTH, so recursion is safe here.
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {replace_lone_surrogates(key): _clean(item) for key, item in value.items()}
    return value


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON (or YAML) value nests lists and mappings more than ``limit`` levels deep."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def sniff(head: bytes) -> str | None:
    """What kind of non-text file ``head`` (a file's first bytes) begins, if any.

    Returns:
        ``"utf-16"`` (or UTF-32) text, ``"binary"``, or ``None`` for a file to read line by line, where a stray NUL
        byte spoils only its own line.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    nuls = head.count(b"\x00")
    if not nuls:
        return None
    # ASCII text in UTF-16 has a NUL at every other byte, at even offsets (big-endian) or odd ones (little-endian),
    # and reads as printable text in that byte order.
    pairs = len(head) // 2
    for zeros, codec in ((head[0::2].count(0), "utf-16-be"), (head[1::2].count(0), "utf-16-le")):
        if pairs and zeros >= pairs * 0.4:
            text = head[: pairs * 2].decode(codec, errors="replace")
            if sum(char.isprintable() or char in "\t\r\n" for char in text) >= len(text) * 0.9:
                return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end < len(head) - 3 or exc.reason != "unexpected end of data":  # not just a cut last character
            return "binary"
    return "binary" if nuls * 16 >= len(head) else None


def not_text_message(path: Path, kind: str, expected: str, what: str = "") -> str:
    """The one-line refusal of a UTF-16 or binary file (``what``: "answers" gives "binary file, not answers")."""
    if kind == "utf-16":
        return f"{path}: UTF-16 text, not UTF-8; save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8) and pass {expected}"
    return f"{path}: binary file{', not ' + what if what else ''}; pass {expected}"


def read_text(
    path: Path,
    expected: str,
    error: type[MockintError] = InputError,
    noun: str = "file",
    *,
    max_bytes: int | None = None,
    limit_name: str = "",
) -> str:
    """Read a UTF-8 text file (a BOM is dropped).

    Args:
        path: The file.
        expected: What the user should pass instead, e.g. ``"a rubric .yaml file"``; ends each message.
        error: The error type to raise.
        noun: What the file is, for the message when it is missing ("rubric file").
        max_bytes: Refuse a larger file (read no more than this).
        limit_name: The setting that raises ``max_bytes``, named in the message.

    Returns:
        The file's text.

    Raises:
        MockintError: ``error``, when the file is missing, a folder, unreadable, too large, binary, UTF-16 or not
            UTF-8.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise error(f"{path}: no such {noun}; check the path") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder; pass {expected}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    if max_bytes is not None and len(raw) > max_bytes:
        size = _size(path.stat().st_size)
        raise error(
            f"{path}: {size}, over the {_size(max_bytes)} limit for a {noun}; split it, or raise the limit "
            f"({limit_name}=BYTES)"
        )
    kind = sniff(raw[:SNIFF_BYTES])
    if kind is not None:
        raise error(not_text_message(path, kind, expected))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None


@dataclass
class JsonLine:
    """One parsed JSONL line: its value, or why it cannot be used.

    Attributes:
        data: The parsed value (``None`` with ``error`` set).
        error: What is wrong and how to fix it, without the ``FILE:LINE:`` prefix.
        warnings: Repairs made (lone surrogates replaced).
    """

    data: Any = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def parse_json_line(raw: bytes, first: bool = False) -> JsonLine | None:
    """Parse one line of a JSON Lines file; ``None`` for a blank line.

    A NUL byte, invalid JSON or nesting deeper than :data:`MAX_JSON_DEPTH` is an ``error``; lone surrogate
    escapes are replaced by U+FFFD, with a warning.
    """
    try:
        line = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        return JsonLine(error="not UTF-8 text; save the file as UTF-8")
    if not line.strip():
        return None
    nul = line.find("\x00")
    if nul >= 0:
        return JsonLine(error=f"NUL byte at column {nul + 1}; remove it (text never holds one)")
    deep = f"a value nested more than {MAX_JSON_DEPTH} levels deep; flatten it (extra fields hold plain values)"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        if exc.msg.startswith("Invalid control character"):
            code = ord(line[exc.pos]) if exc.pos < len(line) else 0
            problem = f"control character U+{code:04X} at column {exc.colno}; write it as \\u{code:04x} or remove it"
        else:
            problem = f"{exc.msg} at column {exc.colno}"
        return JsonLine(error=f"invalid JSON ({problem}); each line must be one JSON object")
    except RecursionError:
        return JsonLine(error=deep)
    if too_deep(data):
        return JsonLine(error=deep)
    result = JsonLine(data)
    if _SURROGATE_ESCAPE.search(raw) and isinstance(data, dict | list | str):
        cleaned = _clean(data)
        if cleaned != data:
            result.data = cleaned
            result.warnings.append(
                "the record held lone surrogate escapes (\\ud800-\\udfff, half of a character); each was replaced "
                "by U+FFFD"
            )
    return result


def _raise_field_limit() -> None:
    # The csv module refuses fields over 128 KiB, which would end the whole file at one long answer; lengths are
    # checked per record instead (--max-answer-chars), so the module's own limit is lifted as far as it goes.
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


class _Feed:
    """The lines handed to ``csv.reader``, counted, with the lines of the row being read kept for a re-read."""

    def __init__(self, lines: Iterator[str], next_line: int) -> None:
        self._lines = lines
        self.next_line = next_line
        self.row_lines: list[str] = []
        self.exhausted = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        try:
            text = next(self._lines)
        except StopIteration:
            self.exhausted = True
            raise
        self.row_lines.append(text)
        self.next_line += 1
        return text


@dataclass(frozen=True)
class CsvRow:
    """One CSV row: the line it starts on, and its cells or why it cannot be read.

    Attributes:
        line: 1-based line where the row starts (a quoted field may span lines).
        cells: The fields (empty with ``error`` set).
        error: What is wrong and how to fix it, without the ``FILE:LINE:`` prefix.
        end: The line it ends on.
    """

    line: int
    cells: list[str]
    error: str | None = None
    end: int = 0

    def swallowed_rows(self, width: int) -> str | None:
        """A warning when a field spanning lines holds lines that read as rows of ``width`` fields of their own.

        Two quotes that do not pair up (one left open, another closing it rows later) make one field of the rows
        between: not an error, as a long answer may span lines, but never silent.
        """
        for cell in self.cells:
            for offset, text in enumerate(cell.splitlines()[1:], start=1):
                if text.count(",") >= width - 1 and len(next(csv.reader([text]), [])) == width:
                    return (
                        f"a quoted field spans lines {self.line}-{self.end} and its line {self.line + offset} reads "
                        "as a row of its own; check the quotes on these lines"
                    )
        return None


def csv_table(lines: Iterable[str]) -> Iterator[CsvRow]:
    """The rows of CSV text (the header first), each with the line it starts on; blank rows are left out.

    A quote that is never closed would swallow the rest of the file into one field: its row is an error naming
    the line where it starts, and the lines after that line are read again as rows, so nothing is lost. A row
    holding a NUL byte, or bytes that are not UTF-8, is an error of its own.

    Args:
        lines: The text's lines with their line ends (a file opened with ``newline=""``; decoded with
            ``errors="surrogateescape"``, so that a bad byte spoils its row only).

    Yields:
        The rows, in order.
    """
    _raise_field_limit()
    source = iter(lines)
    next_line = 1
    while True:
        feed = _Feed(source, next_line)
        reader = csv.reader(feed)
        while True:
            feed.row_lines = []
            start = feed.next_line
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield CsvRow(start, [], f"malformed CSV ({exc}); fix the quoting")
                continue
            if feed.exhausted:
                # The reader asked for a line past the end: a quoted field was still open at the end of the file.
                yield CsvRow(
                    start,
                    [],
                    "a quoted field opens on this row and is never closed (it would run to the end of the file); "
                    'close the quote, or double a quote inside a field ("")',
                )
                source = iter(feed.row_lines[1:])
                next_line = start + 1
                break
            if not any(cell.strip() for cell in row):
                continue
            joined = "\n".join(row)  # one scan per row, not per cell
            if "\x00" in joined:
                yield CsvRow(start, [], "NUL byte in this row; remove it (text never holds one)")
                continue
            if _LONE_SURROGATE.search(joined):  # bytes that were not UTF-8 (decoded with surrogateescape)
                yield CsvRow(start, [], "not UTF-8 text; save the file as UTF-8")
                continue
            yield CsvRow(start, row, end=feed.next_line - 1)


MAX_ERROR_MESSAGES = 20
"""Error lines printed for one run; the rest are counted (each is still in its output record)."""


def answer_too_long(length: int, limit: int) -> str:
    """The error of an answer over ``--max-answer-chars`` (without the ``FILE:LINE:`` prefix)."""
    return (
        f"answer: {length:,} characters, over the {limit:,}-character limit; shorten it, or raise the limit "
        "(--max-answer-chars N or MOCKINT_MAX_ANSWER_CHARS=N)"
    )


def csv_header_problem(header: list[str], missing: list[str]) -> str:
    """Why a CSV header lacks required columns, with a hint when the file is separated by ``;`` or tabs."""
    plural = "s" if len(missing) > 1 else ""
    text = f"missing column{plural} {', '.join(missing)}; the CSV header needs id, question_id, answer"
    joined = ",".join(header)
    for separator, name in ((";", "';'"), ("\t", "tabs")):
        if all(column in joined.split(separator) for column in missing):
            return f"{text}; the header is separated by {name}, not commas: save the file as comma-separated CSV"
    return text


def open_checked(path: Path, expected: str, what: str = "") -> IO[bytes]:
    """Open a file to read line by line, refusing at once one that is missing, a folder, binary or UTF-16.

    Args:
        path: The file.
        expected: What to pass instead, e.g. ``"JSONL or CSV with id, question_id, answer"``.
        what: What the file should be, for the binary message (``"answers"``: "binary file, not answers").

    Returns:
        The open binary handle (buffered, so its head can be peeked at).

    Raises:
        InputError: The file cannot be read as text; the message says why and what to pass.
    """
    if str(path) == "-":
        raise InputError("-: reading answers from standard input is not supported; pass a file")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; pass {expected}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    kind = sniff(handle.peek(SNIFF_BYTES)[:SNIFF_BYTES])
    if kind is not None:
        handle.close()
        raise InputError(not_text_message(path, kind, expected, what))
    return handle


def shorten(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """``text`` on one line (whitespace runs as one space), cut to ``limit`` characters ending in ``ellipsis``.

    The one shortener of the package: messages, reports and drafts all cut text the same way.

    Args:
        text: Any text.
        limit: The most characters returned, ``ellipsis`` included.
        ellipsis: What marks a cut.
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(0, limit - len(ellipsis))].rstrip() + ellipsis


def fsync_folder(path: Path) -> None:
    """Make a rename of ``path`` durable: fsync the folder that holds it (POSIX; elsewhere nothing to do).

    Args:
        path: The file that was renamed into place.
    """
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return  # not every system can open a folder (Windows); the rename itself is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
