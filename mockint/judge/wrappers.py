"""Judges that wrap a judge: a circuit breaker, and a cache in front.

Each keeps the :class:`~mockint.judge.Judge` protocol, so the grader neither knows nor cares what it is
talking to.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockint.errors import JudgeError
from mockint.judge.cache import GradeCache, cache_key

if TYPE_CHECKING:
    from mockint.judge import Judge
    from mockint.models import JudgeResult, Rubric

__all__ = ["BREAKER_THRESHOLD", "CachingJudge", "CircuitBreakerJudge"]

# Below this many failed answers in a row the server may just be having a bad minute; above it, every
# further call is likely to burn its full retry budget, so the batch stops calling.
BREAKER_THRESHOLD = 3


class CachingJudge:
    """A judge that answers from the cache when it can and asks ``inner`` (and stores the reply) when not.

    A hit costs no request: its result says ``requests=0``. Failures pass through and are not stored, nor
    are incomplete replies (``JudgeResult.incomplete``).

    Args:
        inner: The judge to ask on a miss (usually the circuit breaker around the OpenAI judge).
        cache: Where replies are kept.
        fingerprint: The judge's model, prompt version and settings, for the keys.
    """

    def __init__(self, inner: Judge, cache: GradeCache, fingerprint: Mapping[str, Any]) -> None:
        self._inner = inner
        self.cache = cache
        self._fingerprint = dict(fingerprint)
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        """The wrapped judge's model."""
        return self._inner.model

    @property
    def prompt_version(self) -> str:
        """The wrapped judge's prompt version."""
        return self._inner.prompt_version

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """A cached reply for this rubric, answer and judge, else the inner judge's (then stored).

        Raises:
            JudgeError: The inner judge failed (nothing is stored).
        """
        key = cache_key(rubric, answer, self._fingerprint)
        cached = self.cache.get(key)
        if cached is not None:
            with self._lock:
                self.cache.stats.hits += 1
            return cached.model_copy(update={"requests": 0})
        with self._lock:
            self.cache.stats.misses += 1
        result = self._inner.judge(answer, rubric, answer_id=answer_id)
        # An incomplete reply is kept for this grade only: the next run asks again for a whole one.
        if result.incomplete is None:
            self.cache.put(key, result)
        return result


class CircuitBreakerJudge:
    """Wraps a judge; after several answers in a row whose judge calls failed, stops calling it.

    A dead server then costs a few answers' retry budgets instead of one per answer. Thread-safe: a batch
    shares one breaker between its workers.

    Attributes:
        threshold: Consecutive failed answers that open the breaker.
    """

    def __init__(self, inner: Judge, threshold: int = BREAKER_THRESHOLD) -> None:
        self._inner = inner
        self.threshold = threshold
        self._failures = 0
        self._open_reason: str | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        """The wrapped judge's model."""
        return self._inner.model

    @property
    def prompt_version(self) -> str:
        """The wrapped judge's prompt version."""
        return self._inner.prompt_version

    @property
    def is_open(self) -> bool:
        """Whether the judge is no longer called."""
        with self._lock:
            return self._open_reason is not None

    @property
    def open_reason(self) -> str | None:
        """Why the breaker opened (``None`` while closed)."""
        with self._lock:
            return self._open_reason

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """Call the wrapped judge unless the breaker is open.

        Raises:
            JudgeError: The wrapped judge failed, or the breaker is open (reason ``circuit_open``).
        """
        with self._lock:
            if self._open_reason is not None:
                raise JudgeError(
                    f"judge skipped after {self.threshold} answers in a row failed ({self._open_reason})",
                    reason="circuit_open",
                )
        try:
            result = self._inner.judge(answer, rubric, answer_id=answer_id)
        except JudgeError as exc:
            with self._lock:
                self._failures += 1
                if self._failures >= self.threshold and self._open_reason is None:
                    self._open_reason = f"{exc.reason}: {exc}"
            raise
        with self._lock:
            self._failures = 0
        return result
