"""The structured-output ladder: which ``response_format`` a judge server takes, found by trying.

Servers differ: OpenAI and vLLM take ``response_format`` ``json_schema``; llama-cpp-python 0.3.x answers that
with HTTP 500 but takes ``json_object`` with a ``schema``; some servers take neither. While no request has
succeeded yet, a 400/404/422/500/501 steps down one rung at once (``json_schema`` -> ``json_object`` ->
``text``); the first success locks the mode for the judge's life. :class:`Ladder` keeps that state for the
threads of one judge; :func:`response_format` is what each rung puts in the request body.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Literal

__all__ = ["MODES", "Ladder", "Mode", "response_format"]

logger = logging.getLogger("mockint.judge.openai_judge")

Mode = Literal["json_schema", "json_object", "text"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object", "text")
"""The structured-output ladder, most constrained first."""

# Statuses that, before any success, mean "this server does not take this response_format".
_LADDER_STATUSES = frozenset({400, 404, 422, 500, 501})


def response_format(mode: Mode, schema: dict[str, Any], schema_name: str) -> dict[str, Any] | None:
    """The request's ``response_format`` in ``mode``; ``None`` in ``text`` mode (the field is left out)."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": schema_name, "strict": True, "schema": schema}}
    if mode == "json_object":
        # llama-cpp-python constrains json_object output with this (non-OpenAI) "schema" field.
        return {"type": "json_object", "schema": schema}
    return None


class Ladder:
    """The mode one judge's requests use, shared by its threads (guarded by a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rung = 0
        self._locked = False

    @property
    def mode(self) -> Mode:
        """The mode the next request uses."""
        with self._lock:
            return MODES[self._rung]

    @property
    def locked(self) -> bool:
        """Whether a request has succeeded, fixing :attr:`mode` for good."""
        with self._lock:
            return self._locked

    def step_down(self, mode: Mode, status: int) -> Mode | None:
        """The next rung below ``mode``, or None when the mode is confirmed or already at the bottom."""
        if status not in _LADDER_STATUSES:
            return None
        with self._lock:
            index = MODES.index(mode)
            if self._locked or index + 1 >= len(MODES):
                return None
            # max(): another thread may already have stepped further down.
            self._rung = max(self._rung, index + 1)
            return MODES[self._rung]

    def confirm(self, mode: Mode) -> None:
        """A request in ``mode`` succeeded: use it from now on."""
        with self._lock:
            if not self._locked:
                self._locked = True
                self._rung = MODES.index(mode)
                logger.info("judge server takes response_format mode %s; using it from now on", mode)

    def forget_unconfirmed(self) -> None:
        """Every rung failed: start the next answer from the top again (unless a mode is confirmed)."""
        # Every rung failing proves nothing about response_format (the server may be down or the request too
        # long), so the next answer starts from the top again instead of settling for "text".
        with self._lock:
            if not self._locked:
                self._rung = 0
