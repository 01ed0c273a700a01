"""Limits on judge requests: requests in flight, requests and tokens per minute, and a shared Retry-After pause.

One :class:`RequestLimiter` is shared by every thread of a batch and wraps each HTTP request the judge makes
(retries and re-asks included), so the limits hold for what really goes over the wire:

* **In flight.** At most ``max_in_flight`` requests are open at once. The slot is held only for the HTTP
  exchange, so a batch can run more worker threads than slots: while N requests wait on the network, other
  workers prepare the next answers (deterministic checks, prompt rendering) and parse the last replies.
* **Per minute.** ``rpm`` and ``tpm`` are token buckets refilled continuously. A bucket holds one second's
  worth of its rate (at least one request, or one request's tokens), so requests are spread evenly over the
  minute instead of bursting at its start and meeting the server's 429s. Token use is estimated before a
  request (prompt characters / 4 plus an allowance for the reply) and corrected with the server's reported
  usage afterwards.
* **Retry-After.** When one request is told to wait (429 or 503 with ``Retry-After``), no thread starts a new
  request before that moment: the others would only collect 429s of their own.

Stdlib only; time and sleep are injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["RequestLimiter", "RequestSlot", "TokenBucket", "estimate_tokens"]

# Characters per token for the estimate: ~4 for English, fewer for Russian; the server's usage corrects it.
CHARS_PER_TOKEN = 4
# A bucket holds this many seconds of its rate: small enough to keep requests evenly spaced.
BURST_SECONDS = 1.0


def estimate_tokens(prompt_chars: int, expected_reply_tokens: int) -> int:
    """Estimate the tokens a request will count against a tokens-per-minute limit.

    Args:
        prompt_chars: Characters sent (messages and schema).
        expected_reply_tokens: Tokens the reply is expected to take.

    Returns:
        The estimate, at least 1.
    """
    return max(1, prompt_chars // CHARS_PER_TOKEN + expected_reply_tokens)


class TokenBucket:
    """A continuously refilled bucket: ``rate_per_minute`` units per minute, holding at most ``capacity``.

    A take larger than the capacity is allowed once the bucket is full (the level goes negative and later
    takes wait for it to refill), so one oversized request cannot block forever while the average rate
    still holds.

    Args:
        rate_per_minute: Units added per minute (> 0).
        capacity: Most units held; default one second's worth of the rate, at least 1.
        clock: Monotonic time in seconds.
    """

    def __init__(
        self, rate_per_minute: float, capacity: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be greater than 0")
        self.rate = rate_per_minute / 60.0
        self.capacity = capacity if capacity is not None else max(1.0, self.rate * BURST_SECONDS)
        self._clock = clock
        self._level = self.capacity
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self.capacity, self._level + (now - self._updated) * self.rate)
        self._updated = now

    def wait_time(self, amount: float) -> float:
        """Seconds until ``amount`` can be taken (0 when it can be taken now). Not thread-safe on its own."""
        self._refill()
        needed = min(amount, self.capacity)
        if self._level >= needed:
            return 0.0
        return (needed - self._level) / self.rate

    def take(self, amount: float) -> None:
        """Take ``amount`` (call after :meth:`wait_time` returned 0). Not thread-safe on its own."""
        self._refill()
        self._level -= amount

    def give(self, amount: float) -> None:
        """Return ``amount`` (negative: take more), e.g. when a request used fewer tokens than estimated."""
        self._refill()
        self._level = min(self.capacity, self._level + amount)


class RequestSlot:
    """Handed to the code inside :meth:`RequestLimiter.request`, to report the tokens really used."""

    def __init__(self, limiter: RequestLimiter, estimate: int) -> None:
        self._limiter = limiter
        self.estimate = estimate

    def used(self, tokens: int | None) -> None:
        """Correct the token bucket with the server's reported usage (ignored when unknown)."""
        if tokens is not None:
            self._limiter._correct(self.estimate - tokens)


class RequestLimiter:
    """Caps requests in flight, requests per minute and tokens per minute; shares Retry-After pauses.

    Thread-safe. Every limit is optional; with none set it only shares Retry-After pauses.

    Args:
        max_in_flight: Requests open at once at most.
        rpm: Requests per minute at most.
        tpm: Tokens per minute at most (estimated, then corrected with reported usage).
        clock: Monotonic time in seconds (tests).
        sleep: Blocks for the given seconds (tests).
    """

    def __init__(
        self,
        *,
        max_in_flight: int | None = None,
        rpm: float | None = None,
        tpm: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self._slots = threading.BoundedSemaphore(max_in_flight) if max_in_flight else None
        self._requests = TokenBucket(rpm, clock=clock) if rpm else None
        self._tokens = TokenBucket(tpm, clock=clock) if tpm else None
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._resume_at = 0.0
        self._in_flight = 0
        self.peak_in_flight = 0

    @property
    def limits_tokens(self) -> bool:
        """Whether a tokens-per-minute limit is set (callers then estimate each request's tokens)."""
        return self._tokens is not None

    @property
    def in_flight(self) -> int:
        """Requests open right now."""
        with self._lock:
            return self._in_flight

    def hold_off(self, seconds: float) -> None:
        """Start no new request for ``seconds`` (a server's Retry-After); a longer pause already set stands."""
        with self._lock:
            self._resume_at = max(self._resume_at, self._clock() + max(0.0, seconds))

    @contextmanager
    def request(self, estimated_tokens: int = 1) -> Iterator[RequestSlot]:
        """Hold a slot for one HTTP request; blocks until every limit allows it.

        Args:
            estimated_tokens: Tokens the request is expected to use (for ``tpm``).

        Yields:
            A slot; call ``slot.used(total_tokens)`` with the server's usage when known.
        """
        if self._slots is not None:
            self._slots.acquire()
        try:
            self._wait_for_budget(estimated_tokens)
            with self._lock:
                self._in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            try:
                yield RequestSlot(self, estimated_tokens)
            finally:
                with self._lock:
                    self._in_flight -= 1
        finally:
            if self._slots is not None:
                self._slots.release()

    def _wait_for_budget(self, tokens: int) -> None:
        # Check every limit under one lock and take from all of them at once, so one thread cannot hold the
        # request budget while it waits for tokens (or the reverse).
        while True:
            with self._lock:
                wait = max(
                    self._resume_at - self._clock(),
                    self._requests.wait_time(1) if self._requests else 0.0,
                    self._tokens.wait_time(tokens) if self._tokens else 0.0,
                )
                if wait <= 0:
                    if self._requests:
                        self._requests.take(1)
                    if self._tokens:
                        self._tokens.take(tokens)
                    return
            self._sleep(min(wait, 1.0))

    def _correct(self, tokens: int) -> None:
        if self._tokens is not None:
            with self._lock:
                self._tokens.give(tokens)
