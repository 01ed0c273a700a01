"""Single keys at a terminal, turned into the review session's commands.

The terminal is put in cbreak mode only while a key is awaited (Ctrl-C still interrupts: signals stay on) and is
restored before anything else runs, also when Ctrl-C arrives. A grade or a note is typed as a line, with the
terminal's own line editing.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from mockint.review.session import HELP, Prompt

__all__ = ["TerminalKeys"]

_ENTER = ("\r", "\n")
_CTRL_D = "\x04"


class TerminalKeys:
    """Commands from single key presses at a terminal.

    Args:
        stdin: The terminal's input.
        out: Where prompts are echoed.
    """

    def __init__(self, stdin: IO[str] | None = None, out: IO[str] | None = None) -> None:
        self._stdin = stdin if stdin is not None else sys.stdin
        self._out = out if out is not None else sys.stdout
        self._fd = self._stdin.fileno()

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    def _key(self) -> str:
        import termios
        import tty

        saved = termios.tcgetattr(self._fd)
        try:
            # TCSANOW, not the default TCSAFLUSH: keys typed ahead (while an answer was shown) are kept.
            tty.setcbreak(self._fd, termios.TCSANOW)
            raw = os.read(self._fd, 1)
        finally:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, saved)
        return raw.decode("utf-8", "replace") if raw else _CTRL_D

    def _line(self, label: str) -> str | None:
        self._write(label)
        line = self._stdin.readline()
        return None if line == "" else line.rstrip("\r\n")

    def _number(self, what: str, count: int) -> str | None:
        if count <= 9:  # one key is enough
            self._write(f"{what} (1-{count}): ")
            key = self._key()
            self._write(key + "\n")
            return None if key == _CTRL_D else key
        return self._line(f"{what} (1-{count}), then Enter: ")

    def read(self, prompt: Prompt) -> str | None:
        """Wait for a key; ``a``/Enter accept, ``f``/``m`` ask for a number, ``g``/``n`` for a line."""
        self._write("[a]ccept [f]lip [m]istake [g]rade [n]ote [s]kip [q]uit [?] > ")
        key = self._key()
        if key == _CTRL_D:
            self._write("\n")
            return None
        if key in _ENTER:
            self._write("a\n")
            return "a"
        self._write(key + "\n")
        key = key.casefold()
        if key == "f":
            number = self._number("key point", prompt.key_points)
            return None if number is None else f"f {number}"
        if key == "m":
            if not prompt.mistakes:
                return "m"
            number = self._number("mistake", prompt.mistakes)
            return None if number is None else f"m {number}"
        if key == "g":
            line = self._line(f"grade (0-{prompt.score_max:g}), then Enter: ")
            return None if line is None else f"g {line}"
        if key == "n":
            line = self._line("note, then Enter (empty clears it): ")
            return None if line is None else f"n {line}"
        if key == "?":
            return "?"
        if key in ("a", "p", "s", "q"):
            return key
        self._write(f"! not a key of the review: {HELP}\n")
        return ""
