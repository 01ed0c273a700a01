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
* **Adaptive concurrency.** A 429 halves the requests allowed in flight (at most once per round: 429s of
  requests sent before the last cut do not cut again), down to 1; each run of as many successes in a row as
  the current cap raises it by one, back up to ``max_in_flight``. A server that rate limits under load gets
  less load; one that stopped gets it all back within a few rounds.
* **Rate-limit clock.** :meth:`RequestLimiter.rate_limited_for` says how long the server has been answering
  nothing but 429s (since the first 429 after the last success): the judge's rate-limit patience reads it.

Stdlib only; time and sleep are injectable for tests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["RequestLimiter", "RequestSlot", "TokenBucket", "estimate_tokens"]

logger = logging.getLogger(__name__)

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
    """Handed to the code inside :meth:`RequestLimiter.request`, to report what became of the request.

    Attributes:
        estimate: The tokens the request was expected to use.
        waited: Seconds spent waiting for a slot and for the per-minute budgets before the request could go.
    """

    def __init__(self, limiter: RequestLimiter, estimate: int, waited: float = 0.0) -> None:
        self._limiter = limiter
        self.estimate = estimate
        self.waited = waited
        self.was_rate_limited = False
        self._epoch = limiter._current_epoch()

    def used(self, tokens: int | None) -> None:
        """Correct the token bucket with the server's reported usage (ignored when unknown)."""
        if tokens is not None:
            self._limiter._correct(self.estimate - tokens)

    def rate_limited(self) -> None:
        """The server answered HTTP 429: fewer requests go out at once for a while."""
        self.was_rate_limited = True
        self._limiter._on_rate_limited(self._epoch)


class RequestLimiter:
    """Caps requests in flight, requests per minute and tokens per minute; shares Retry-After pauses.

    Thread-safe. Every limit is optional; with none set it only shares Retry-After pauses and keeps the
    rate-limit clock.

    Args:
        max_in_flight: Requests open at once at most; under 429s fewer (see the module docstring).
        rpm: Requests per minute at most.
        tpm: Tokens per minute at most (estimated, then corrected with reported usage).
        clock: Monotonic time in seconds (tests).
        sleep: Blocks for the given seconds (tests).

    Attributes:
        peak_in_flight: Most requests open at once so far.
        lowest_concurrency: The lowest cap on requests in flight so far (``None`` without ``max_in_flight``).
        rate_limited_requests: Requests the server answered with HTTP 429.
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
        self._requests = TokenBucket(rpm, clock=clock) if rpm else None
        self._tokens = TokenBucket(tpm, clock=clock) if tpm else None
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slot_free = threading.Condition(self._lock)
        self._cap = max_in_flight
        self._held = 0
        self._epoch = 0
        self._successes = 0
        self._limited_since: float | None = None
        self._resume_at = 0.0
        self._in_flight = 0
        self.peak_in_flight = 0
        self.lowest_concurrency = max_in_flight
        self.rate_limited_requests = 0

    @property
    def limits_tokens(self) -> bool:
        """Whether a tokens-per-minute limit is set (callers then estimate each request's tokens)."""
        return self._tokens is not None

    @property
    def in_flight(self) -> int:
        """Requests open right now."""
        with self._lock:
            return self._in_flight

    @property
    def concurrency(self) -> int | None:
        """Requests allowed in flight right now (``max_in_flight`` unless 429s cut it; ``None``: no cap)."""
        with self._lock:
            return self._cap

    def rate_limited_for(self) -> float:
        """Seconds since the first 429 after the last successful request (0 when the last outcome was not a 429)."""
        with self._lock:
            return 0.0 if self._limited_since is None else max(0.0, self._clock() - self._limited_since)

    def hold_off(self, seconds: float) -> None:
        """Start no new request for ``seconds`` (a server's Retry-After); a longer pause already set stands."""
        with self._lock:
            self._resume_at = max(self._resume_at, self._clock() + max(0.0, seconds))

    @contextmanager
    def request(self, estimated_tokens: int = 1) -> Iterator[RequestSlot]:
        """Hold a slot for one HTTP request; blocks until every limit allows it.

        The request counts as a success when the block ends without an exception and without
        ``slot.rate_limited()``.

        Args:
            estimated_tokens: Tokens the request is expected to use (for ``tpm``).

        Yields:
            A slot; call ``slot.used(total_tokens)`` with the server's usage when known, and
            ``slot.rate_limited()`` when the server answered HTTP 429.
        """
        started = self._clock()
        with self._lock:
            while self._cap is not None and self._held >= self._cap:
                self._slot_free.wait()
            self._held += 1
        try:
            self._wait_for_budget(estimated_tokens)
            with self._lock:
                self._in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            slot = RequestSlot(self, estimated_tokens, waited=max(0.0, self._clock() - started))
            try:
                yield slot
            finally:
                with self._lock:
                    self._in_flight -= 1
            if not slot.was_rate_limited:
                self._on_success()
        finally:
            with self._lock:
                self._held -= 1
                self._slot_free.notify_all()

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

    def _current_epoch(self) -> int:
        with self._lock:
            return self._epoch

    def _on_rate_limited(self, epoch: int) -> None:
        with self._lock:
            self.rate_limited_requests += 1
            if self._limited_since is None:
                self._limited_since = self._clock()
            # Requests sent before the last cut met the old load: their 429s are not news.
            if self._cap is None or epoch != self._epoch:
                return
            self._epoch += 1
            self._successes = 0
            lower = max(1, self._cap // 2)
            if lower < self._cap:
                logger.info("judge server rate limiting (HTTP 429): %d requests in flight at most now", lower)
                self._cap = lower
                self.lowest_concurrency = min(self.lowest_concurrency or lower, lower)

    def _on_success(self) -> None:
        with self._lock:
            self._limited_since = None
            if self._cap is None or self.max_in_flight is None or self._cap >= self.max_in_flight:
                return
            self._successes += 1
            if self._successes >= self._cap:
                self._successes = 0
                self._cap += 1
                logger.info("judge server accepting requests again: %d requests in flight at most now", self._cap)
                self._slot_free.notify_all()

    def _correct(self, tokens: int) -> None:
        if self._tokens is not None:
            with self._lock:
                self._tokens.give(tokens)
