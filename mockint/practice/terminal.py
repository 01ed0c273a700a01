"""Line input for the interview: scripted lines (tests, scripts) and standard input (a terminal or a pipe)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, Protocol

__all__ = ["LineSource", "ScriptedLines", "StdinLines"]


class LineSource(Protocol):
    """Where the candidate's lines come from."""

    def readline(self, prompt: str) -> str | None:
        """Show ``prompt`` (when interactive) and return one line without its newline; ``None`` at end of input."""
        ...

    def reprompt(self, prompt: str) -> None:
        """Show ``prompt`` again, and what was typed of the line so far, after a message printed over the line.

        Called from a timer thread while :meth:`readline` waits.
        """
        ...


class ScriptedLines:
    """Lines from a string or a list (tests, scripts)."""

    def __init__(self, lines: str | Iterable[str]) -> None:
        self._lines: Iterator[str] = iter(lines.splitlines() if isinstance(lines, str) else list(lines))
        self.prompts: list[str] = []
        self.reprompts: list[str] = []

    def readline(self, prompt: str) -> str | None:
        """Return the next line, or ``None`` when there are no more."""
        self.prompts.append(prompt)
        return next(self._lines, None)

    def reprompt(self, prompt: str) -> None:
        """Record the prompt shown again."""
        self.reprompts.append(prompt)


class StdinLines:
    """Lines from standard input: ``input()`` on a terminal (with line editing when ``readline`` is loaded),
    plain reads from a pipe."""

    def __init__(self, stream: IO[str] | None = None, *, interactive: bool | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdin
        self.interactive = self._stream.isatty() if interactive is None else interactive
        self._reading = False

    def readline(self, prompt: str) -> str | None:
        """Read one line; Ctrl-D (or the end of a pipe) gives ``None``."""
        if self.interactive:
            self._reading = True
            try:
                return input(prompt)
            except EOFError:
                # input() leaves the cursor after the prompt; move to a fresh line for what comes next.
                print()
                return None
            finally:
                self._reading = False
        line = self._stream.readline()
        if line == "":
            return None
        return line.rstrip("\r\n")

    def reprompt(self, prompt: str) -> None:
        """Write the prompt again on a terminal, with the line typed so far when GNU readline holds it.

        Without readline the terminal itself holds the typed characters, which cannot be read back: they still
        count, only the prompt is shown.
        """
        if not self.interactive or not self._reading:
            return
        readline = sys.modules.get("readline")
        typed = readline.get_line_buffer() if readline is not None else ""
        sys.stdout.write(prompt + typed)
        sys.stdout.flush()
