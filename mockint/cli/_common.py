"""Helpers shared by the commands: one-line errors, notices, SIGTERM as Ctrl-C, option types."""

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
# The judge options of every command that grades (grade, eval, calibrate).
NoLlmOption = Annotated[bool, typer.Option("--no-llm", help="Grade deterministically; never call an LLM.")]
ModelOption = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Judge model (default: $MOCKINT_MODEL or gpt-4o-mini)."),
]


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


# The exit code of a command stopped by Ctrl-C, and of one stopped by SIGTERM (128 + the signal's number).
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def sigterm_as_ctrl_c(func: Callable[P, R]) -> Callable[P, R]:
    """Handle SIGTERM (``kill PID``, a job runner stopping the command) the way the command handles Ctrl-C.

    SIGTERM raises ``KeyboardInterrupt`` in the main thread, so the command's Ctrl-C path runs: what was done
    is kept and said once. Its exit code 130 becomes 143, so a caller still sees which signal stopped it. A
    worker process forked while the handler is installed dies of SIGTERM as it would without it.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        import os
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return func(*args, **kwargs)  # signal handlers can only be set from the main thread
        owner = os.getpid()
        received = False

        def on_sigterm(signum: int, frame: object) -> None:
            nonlocal received
            if os.getpid() != owner:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            received = True
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        try:
            return func(*args, **kwargs)
        except typer.Exit as exc:
            if received and exc.exit_code == EXIT_INTERRUPTED:
                raise typer.Exit(EXIT_TERMINATED) from None
            raise
        finally:
            signal.signal(signal.SIGTERM, previous)

    return wrapper
