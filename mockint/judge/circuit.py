"""The circuit breaker's state, shared by the breaker judge (whole answers) and the OpenAI judge (requests).

* **Closed**: calls go through. It opens when ``threshold`` answers in a row fail, or when ``threshold``
  requests in a row get no response at all (a timeout, a connection error). The second rule is what makes a
  hung server cheap: each of its requests costs a full timeout, so waiting for whole answers (several attempts
  each) to fail would cost minutes. Rate-limited answers (HTTP 429, see ``ratelimit``) and answers stopped by
  the breaker itself count neither way: a busy server is not a broken one.
* **Suspicion**: after a request got no response, new requests wait until the requests already in flight have
  finished. If the server hangs they all time out together and open the circuit, and nothing new is sent into
  the hang; if it answers them, the wait was short.
* **Open**: calls are refused at once (``JudgeError`` with reason ``circuit_open``), and answers in flight stop
  retrying at once: their backoff sleeps wake up and their next request is not sent.
* **Half-open**: once the cool-down has passed, one answer is let through as a probe, with a single request
  (no retries); the answers that arrive meanwhile wait for its verdict. Its success closes the circuit (and
  they go through); its failure opens it again for twice the cool-down (at most :data:`MAX_COOLDOWN`), so a
  long batch keeps checking whether the server came back, ever more rarely.

Stdlib only; the clock is injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from mockint.errors import JudgeError

__all__ = ["BREAKER_THRESHOLD", "DEFAULT_COOLDOWN", "MAX_COOLDOWN", "Circuit", "State"]

# Below this many failures in a row the server may just be having a bad minute; above it, every further call
# is likely to burn its full retry budget, so the batch stops calling.
BREAKER_THRESHOLD = 3
DEFAULT_COOLDOWN = 30.0
"""Seconds an open circuit waits before its first probe (``MOCKINT_BREAKER_COOLDOWN``)."""
MAX_COOLDOWN = 600.0
"""The cool-down doubles after each failed probe, up to this."""

State = Literal["closed", "open", "half_open"]


class Circuit:
    """Closed, open or half-open; thread-safe, shared by every thread of a run.

    Args:
        threshold: Failed answers, or requests without a response, in a row that open the circuit.
        cooldown: Seconds before an open circuit lets a probe through; ``None``: it stays open for good.
        max_cooldown: Longest cool-down after repeated failed probes.
        clock: Monotonic time in seconds (tests).
    """

    def __init__(
        self,
        *,
        threshold: int = BREAKER_THRESHOLD,
        cooldown: float | None = DEFAULT_COOLDOWN,
        max_cooldown: float = MAX_COOLDOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        if cooldown is not None and cooldown < 0:
            raise ValueError("cooldown must not be negative")
        self.threshold = threshold
        self.cooldown = cooldown
        self.max_cooldown = max(max_cooldown, cooldown or 0.0)
        self._clock = clock
        self._changed = threading.Condition()
        self._state: State = "closed"
        self._why = ""
        self._reason: str | None = None
        self._failed_answers = 0
        self._silent_requests = 0
        self._opened_at = 0.0
        self._wait = cooldown
        self._next_request = 0
        self._in_flight: set[int] = set()
        self._suspect_upto = -1
        self.openings = 0
        """Times the circuit opened (a failed probe opening it again included)."""
        self.probes = 0
        """Probes let through."""
        self.recoveries = 0
        """Probes that succeeded and closed the circuit."""

    # -- reading ------------------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """``closed``, ``open`` or ``half_open`` (an open circuit whose cool-down has passed still reads ``open``
        until the next call makes it a probe)."""
        with self._changed:
            return self._state

    @property
    def open_reason(self) -> str | None:
        """The failure that last opened the circuit (``reason: message``), ``None`` while closed."""
        with self._changed:
            return None if self._state == "closed" else self._reason

    @property
    def last_reason(self) -> str | None:
        """The failure that last opened the circuit, even once it closed again (``None``: it never opened)."""
        with self._changed:
            return self._reason

    def describe(self) -> str:
        """One line on why the circuit last opened and, while it is not closed, when it is tried again."""
        with self._changed:
            if self._reason is None:
                return ""
            if self._state == "closed":
                return f"{self._why} ({self._reason})"
            return f"{self._why} ({self._reason}); {self._next_try()}"

    @property
    def generation(self) -> int:
        """Changes each time the circuit opens: a call remembers it to notice an opening while it runs."""
        with self._changed:
            return self.openings

    def interrupted(self, generation: int) -> bool:
        """Whether a call that started at ``generation`` must stop: the circuit is open or opened since."""
        with self._changed:
            return self._interrupted(generation)

    def may_retry(self, generation: int) -> bool:
        """Whether a call that started at ``generation`` may retry a failed request (never in a probe)."""
        with self._changed:
            return self._state == "closed" and self.openings == generation

    # -- whole answers (the breaker judge) ----------------------------------------------------------------

    def enter(self) -> bool:
        """Let one answer's judge call through, or refuse it.

        Returns:
            True when the call is the half-open probe (report its end with ``probe=True``).

        Raises:
            JudgeError: The circuit is open, or the probe that was out failed (reason ``circuit_open``).
        """
        with self._changed:
            while self._state == "half_open":
                # A probe is out: wait for its verdict (one request, bounded by its timeout) instead of falling
                # back at once, or the spare workers race through the answers behind it while the server is
                # already back. Every end of a probe is reported, and each report notifies.
                self._changed.wait()
            if self._state == "closed":
                return False
            if self._state == "open" and self._wait is not None and self._clock() - self._opened_at >= self._wait:
                self._state = "half_open"
                self.probes += 1
                return True
            raise self._refusal()

    def answer_succeeded(self, *, probe: bool) -> None:
        """An answer got a valid reply: the failure count starts over; a probe closes the circuit."""
        with self._changed:
            self._failed_answers = 0
            if probe and self._state == "half_open":
                self._state = "closed"
                self._silent_requests = 0
                self._suspect_upto = -1
                self._wait = self.cooldown
                self.recoveries += 1
                self._changed.notify_all()

    def answer_failed(self, reason: str, *, probe: bool) -> None:
        """An answer's judge call failed with ``reason`` (``kind: message``)."""
        with self._changed:
            if probe:
                if self._state == "half_open":
                    self._open("the probe after the cool-down failed", reason, longer=True)
                return
            if self._state != "closed":
                return
            self._failed_answers += 1
            if self._failed_answers >= self.threshold:
                self._open(f"{self.threshold} answers in a row failed", reason)

    def answer_ended(self, *, probe: bool) -> None:
        """An answer ended in a way that says nothing about the server (rate limited, stopped by the breaker)."""
        with self._changed:
            if probe and self._state == "half_open":
                # Not a verdict on the server: wait one more cool-down (not a longer one) and probe again.
                self._state = "open"
                self._opened_at = self._clock()
                self._changed.notify_all()

    # -- single requests (the OpenAI judge) ---------------------------------------------------------------

    def before_request(self, generation: int) -> int:
        """Wait until a new request may go out, and register it.

        Args:
            generation: :attr:`generation` when the call started.

        Returns:
            The request's ticket, for :meth:`answered` or :meth:`unanswered`.

        Raises:
            JudgeError: The circuit is open or opened since the call started (reason ``circuit_open``).
        """
        with self._changed:
            while True:
                if self._interrupted(generation):
                    raise self._refusal()
                if not any(ticket <= self._suspect_upto for ticket in self._in_flight):
                    break
                self._changed.wait()
            ticket = self._next_request
            self._next_request += 1
            self._in_flight.add(ticket)
            return ticket

    def answered(self, ticket: int) -> None:
        """The request got a response (any status): the server is there."""
        with self._changed:
            self._in_flight.discard(ticket)
            self._silent_requests = 0
            self._suspect_upto = -1
            self._changed.notify_all()

    def unanswered(self, ticket: int, reason: str) -> None:
        """The request got no response (timeout, connection error); ``reason`` is ``kind: message``."""
        with self._changed:
            self._in_flight.discard(ticket)
            self._silent_requests += 1
            # New requests wait for the ones already out: they tell whether the server hangs.
            self._suspect_upto = max(self._suspect_upto, max(self._in_flight, default=-1))
            if self._state == "half_open":
                self._open("the probe after the cool-down got no response", reason, longer=True)
            elif self._state == "closed" and self._silent_requests >= self.threshold:
                self._open(f"{self.threshold} requests in a row got no response", reason)
            self._changed.notify_all()

    def release(self, ticket: int) -> None:
        """The request ended without telling anything (e.g. an error of ours); forget it."""
        with self._changed:
            self._in_flight.discard(ticket)
            self._changed.notify_all()

    def sleep(self, seconds: float, generation: int) -> None:
        """Sleep ``seconds`` (a retry's backoff), waking at once when the circuit opens."""
        with self._changed:
            self._changed.wait_for(lambda: self._interrupted(generation), timeout=max(0.0, seconds))

    # -- internals (hold the lock) ------------------------------------------------------------------------

    def _interrupted(self, generation: int) -> bool:
        return self._state == "open" or self.openings != generation

    def _open(self, why: str, reason: str, *, longer: bool = False) -> None:
        if longer and self._wait is not None:
            self._wait = min(self.max_cooldown, self._wait * 2)
        self._state = "open"
        self._why = why
        self._reason = reason
        self._opened_at = self._clock()
        self._failed_answers = 0
        self._silent_requests = 0
        self.openings += 1
        self._changed.notify_all()

    def _next_try(self) -> str:
        if self._wait is None:
            return "not tried again in this run"
        if self._state == "half_open":
            return "a probe is out"
        left = max(0.0, self._wait - (self._clock() - self._opened_at))
        return f"tried again in {left:.0f} s"

    def _refusal(self) -> JudgeError:
        return JudgeError(f"judge skipped: {self._why} ({self._reason}); {self._next_try()}", reason="circuit_open")
