"""Single keys from a real pseudo-terminal pair, read by TerminalKeys in this process."""

from __future__ import annotations

import io
import os
import sys
import termios
import threading
from collections.abc import Iterator

import pytest

from mockint.review.session import Prompt
from mockint.review.terminal import TerminalKeys

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX-only")


@pytest.fixture
def terminal() -> Iterator[tuple[int, TerminalKeys, io.StringIO]]:
    master, slave = os.openpty()
    stdin = os.fdopen(slave, "r", encoding="utf-8", closefd=True)
    out = io.StringIO()
    try:
        yield master, TerminalKeys(stdin, out), out
    finally:
        stdin.close()
        os.close(master)


def test_keys_become_commands_and_the_terminal_is_restored(terminal: tuple[int, TerminalKeys, io.StringIO]) -> None:
    master, keys, out = terminal
    before = termios.tcgetattr(keys._fd)
    few = Prompt(key_points=3, mistakes=2, score_max=5)
    os.write(master, b"f2")  # no Enter: a key point's number is one key when there are at most 9
    assert keys.read(few) == "f 2"
    os.write(master, b"\r")
    assert keys.read(few) == "a"
    os.write(master, b"m1")
    assert keys.read(few) == "m 1"
    many = Prompt(key_points=12, mistakes=0, score_max=5)
    os.write(master, b"f12\n")  # more than 9: a line
    assert keys.read(many) == "f 12"
    os.write(master, b"g3.5\n")
    assert keys.read(many) == "g 3.5"
    os.write(master, b"p")
    assert keys.read(many) == "p"
    os.write(master, b"x")
    assert keys.read(many) == ""  # not a key: nothing happens
    # Ctrl-D typed while the key is awaited (typed ahead, a canonical terminal would have turned it into EOF).
    timer = threading.Timer(0.2, os.write, (master, b"\x04"))
    timer.start()
    assert keys.read(many) is None  # Ctrl-D ends
    timer.join()
    assert "key point (1-3): " in out.getvalue() and "grade (0-5), then Enter: " in out.getvalue()
    assert "! not a key of the review" in out.getvalue()
    assert termios.tcgetattr(keys._fd) == before  # cbreak only while a key was awaited
