"""Reading a user's text file, with one-line errors that name the file (and line) and say what to pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from mockint.errors import InputError, MockintError

# A NUL byte in the first 64 KiB marks a binary file; text formats never hold one.
_SNIFF_BYTES = 65536


def read_text(path: Path, expected: str, error: type[MockintError] = InputError, noun: str = "file") -> str:
    """Read a UTF-8 text file (a BOM is dropped).

    Args:
        path: The file.
        expected: What the user should pass instead, e.g. ``"a rubric .yaml file"``; ends each message.
        error: The error type to raise.
        noun: What the file is, for the message when it is missing ("rubric file").

    Returns:
        The file's text.

    Raises:
        MockintError: ``error``, when the file is missing, a folder, unreadable, binary or not UTF-8.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such {noun}; check the path") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder; pass {expected}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    if b"\x00" in raw[:_SNIFF_BYTES]:
        raise error(f"{path}: binary file; pass {expected}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None


class _CsvReader(Protocol):
    """What ``csv.reader`` returns: rows, and the number of source lines read so far."""

    @property
    def line_num(self) -> int: ...

    def __iter__(self) -> Iterator[list[str]]: ...


def csv_rows(reader: _CsvReader) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows after the header, each with the line it starts on (a quoted field may span lines).

    Args:
        reader: A ``csv.reader`` whose header row has already been read.

    Yields:
        ``(line, row)`` pairs.
    """
    line_end = reader.line_num
    for row in reader:
        start = line_end + 1
        line_end = reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row
