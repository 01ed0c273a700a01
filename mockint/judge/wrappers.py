"""Judges that wrap a judge: a circuit breaker (its state machine is in ``circuit``), and a cache in front.

Each keeps the :class:`~mockint.judge.Judge` protocol, so the grader neither knows nor cares what it is
talking to.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockint.errors import JudgeError, RateLimitedError
from mockint.judge.cache import GradeCache, cache_key
from mockint.judge.circuit import BREAKER_THRESHOLD, Circuit

if TYPE_CHECKING:
    from mockint.judge import Judge
    from mockint.models import JudgeResult, Rubric

__all__ = ["BREAKER_THRESHOLD", "CachingJudge", "CircuitBreakerJudge", "JudgeWrapper"]


class JudgeWrapper:
    """Base of the judges that wrap another: the model and prompt version are the wrapped judge's.

    Args:
        inner: The judge wrapped.
    """

    def __init__(self, inner: Judge) -> None:
        self._inner = inner

    @property
    def model(self) -> str:
        """The wrapped judge's model."""
        return self._inner.model

    @property
    def prompt_version(self) -> str:
        """The wrapped judge's prompt version."""
        return self._inner.prompt_version


class CachingJudge(JudgeWrapper):
    """A judge that answers from the cache when it can and asks ``inner`` (and stores the reply) when not.

    A hit costs no request: its result says ``requests=0``. Failures pass through and are not stored, nor
    are incomplete replies (``JudgeResult.incomplete``).

    Args:
        inner: The judge to ask on a miss (usually the circuit breaker around the OpenAI judge).
        cache: Where replies are kept.
        fingerprint: The judge's model, prompt version and settings, for the keys.
    """

    def __init__(self, inner: Judge, cache: GradeCache, fingerprint: Mapping[str, Any]) -> None:
        super().__init__(inner)
        self.cache = cache
        self._fingerprint = dict(fingerprint)
        self._lock = threading.Lock()

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


class CircuitBreakerJudge(JudgeWrapper):
    """Wraps a judge; after several failed answers in a row, stops calling it for a cool-down, then probes.

    A dead server then costs a few answers' retry budgets instead of one per answer. Share its
    :class:`~mockint.judge.circuit.Circuit` with the :class:`~mockint.judge.OpenAIJudge` inside (as
    :func:`~mockint.judge.judge_stack` does) and it also opens after requests in a row without a response, and
    in-flight answers stop retrying the moment it opens. Rate-limited answers (:class:`RateLimitedError`) do not
    count. Thread-safe: a batch shares one breaker between its workers.

    Args:
        inner: The judge to call.
        threshold: Consecutive failed answers that open the breaker (ignored when ``circuit`` is given).
        circuit: The state to use; by default a new one with ``threshold`` and no cool-down (once open, the
            breaker stays open, as an interview wants).

    Attributes:
        circuit: The breaker's state.
    """

    def __init__(self, inner: Judge, threshold: int = BREAKER_THRESHOLD, *, circuit: Circuit | None = None) -> None:
        super().__init__(inner)
        self.circuit = circuit if circuit is not None else Circuit(threshold=threshold, cooldown=None)

    @property
    def threshold(self) -> int:
        """Consecutive failures that open the breaker."""
        return self.circuit.threshold

    @property
    def is_open(self) -> bool:
        """Whether the judge is not being called (open, or half-open with its probe out)."""
        return self.circuit.state != "closed"

    @property
    def open_reason(self) -> str | None:
        """The failure that opened the breaker (``None`` while closed)."""
        return self.circuit.open_reason

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """Call the wrapped judge unless the breaker is open.

        Raises:
            JudgeError: The wrapped judge failed, or the breaker is open (reason ``circuit_open``).
        """
        probe = self.circuit.enter()
        try:
            result = self._inner.judge(answer, rubric, answer_id=answer_id)
        except RateLimitedError:
            self.circuit.answer_ended(probe=probe)
            raise
        except JudgeError as exc:
            if exc.reason == "circuit_open":
                self.circuit.answer_ended(probe=probe)
            else:
                self.circuit.answer_failed(f"{exc.reason}: {exc}", probe=probe)
            raise
        except BaseException:
            self.circuit.answer_ended(probe=probe)
            raise
        self.circuit.answer_succeeded(probe=probe)
        return result
