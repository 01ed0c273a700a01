"""Helpers shared by the commands: one-line errors, notices, option types."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

P = ParamSpec("P")
R = TypeVar("R")


class TableFormat(StrEnum):
    """A listing: a table for people, JSON for tools."""

    table = "table"
    json = "json"


class DocumentFormat(StrEnum):
    """One document: Markdown for people, JSON for tools."""

    md = "md"
    json = "json"


class TextFormat(StrEnum):
    """A report: plain text for people, JSON for tools."""

    text = "text"
    json = "json"


RubricsOption = Annotated[
    Path | None,
    typer.Option("--rubrics", help="Folder (or file) of rubric YAML files. Default: the rubrics shipped with mockint."),
]


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` with the noun in the right number: ``"no replies"``, ``"1 reply"``, ``"3 replies"``.

    Args:
        count: How many.
        singular: The noun (and any words before it) for one.
        plural: The form for several; ``singular + "s"`` by default.
    """
    if count == 1:
        return f"1 {singular}"
    return f"{count if count else 'no'} {plural if plural is not None else singular + 's'}"


def error(message: str) -> None:
    """Print a one-line error on stderr."""
    print(f"mockint: error: {message}", file=sys.stderr)


def notice(message: str) -> None:
    """Print a one-line notice on stderr."""
    print(f"mockint: {message}", file=sys.stderr)


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a ``MockintError`` into a one-line message and exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from mockint.errors import MockintError

        try:
            return func(*args, **kwargs)
        except MockintError as exc:
            error(str(exc))
            raise typer.Exit(1) from None

    return wrapper
