"""One request per distinct request: identical judge requests in one run are sent once and shared.

A batch often holds the same answer to the same question more than once (a pasted template, a resubmission,
an empty-ish "I don't know"). The judge's reply depends only on the rubric, the answer and the judge's
fingerprint (model, prompt version, server, sampling settings: the grade cache's key), so a second identical
request would only pay for the same reply again. :class:`SharedRequestsJudge` sits in front of the judge
stack:

* **In flight.** While a request is on its way, an identical one waits for it and gets its result (or its
  error: it would have met the same server a moment later).
* **Done.** The results of the last :data:`SHARED_RESULTS` distinct requests are remembered for the run, so
  duplicates far apart in the input are shared too, with ``--no-cache`` as well. Failures are not remembered:
  a later identical answer asks again.

A shared result says ``requests=0``, as a cache hit does, so usage counts stay those of the server.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockint.errors import JudgeError
from mockint.judge.cache import cache_key
from mockint.judge.wrappers import JudgeWrapper

if TYPE_CHECKING:
    from mockint.judge import Judge
    from mockint.models import JudgeResult, Rubric

__all__ = ["SHARED_RESULTS", "SharedRequestsJudge"]

SHARED_RESULTS = 4096
"""Finished results remembered per run: a few MiB at most, while 100k-answer runs stay streamed."""


class _Flight:
    """One request on its way, and what came of it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: JudgeResult | None = None
        self.error: JudgeError | None = None


class SharedRequestsJudge(JudgeWrapper):
    """A judge that sends each distinct request once per run and shares its result; thread-safe.

    Args:
        inner: The judge to ask (the cache, or the breaker, in front of the OpenAI judge).
        fingerprint: The judge's model, prompt version and settings (``OpenAIJudge.fingerprint()``), for keys.
        remember: How many finished results to keep for later identical requests.

    Attributes:
        shared: Requests answered with another request's result instead of being sent.
    """

    def __init__(self, inner: Judge, fingerprint: Mapping[str, Any], remember: int = SHARED_RESULTS) -> None:
        super().__init__(inner)
        self._fingerprint = dict(fingerprint)
        self._remember = remember
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}
        self._done: OrderedDict[str, JudgeResult] = OrderedDict()
        self.shared = 0

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """The result of an identical request of this run if there is one (waiting for it while in flight),
        else the inner judge's.

        Raises:
            JudgeError: The inner judge failed, for this request or for the identical one it waited for.
        """
        key = cache_key(rubric, answer, self._fingerprint)
        with self._lock:
            done = self._done.get(key)
            if done is not None:
                self._done.move_to_end(key)
                self.shared += 1
                return done.model_copy(update={"requests": 0})
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.result is not None or flight.error is not None:
                with self._lock:
                    self.shared += 1
                if flight.error is not None:
                    raise JudgeError(str(flight.error), reason=flight.error.reason)
                assert flight.result is not None
                return flight.result.model_copy(update={"requests": 0})
            # The first request ended in something other than a reply or a JudgeError (an interrupt): send ours.
            return self._inner.judge(answer, rubric, answer_id=answer_id)
        try:
            result = self._inner.judge(answer, rubric, answer_id=answer_id)
        except JudgeError as exc:
            flight.error = exc
            raise
        else:
            flight.result = result
            return result
        finally:
            with self._lock:
                del self._flights[key]
                if flight.result is not None and self._remember > 0:
                    self._done[key] = flight.result
                    if len(self._done) > self._remember:
                        self._done.popitem(last=False)
            flight.done.set()


if TYPE_CHECKING:

    def _conforms(judge: SharedRequestsJudge) -> Judge:
        """Lets mypy check that SharedRequestsJudge satisfies the Judge protocol."""
        return judge
