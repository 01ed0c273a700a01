"""One HTTP exchange with the judge server: under the shared limits and the circuit breaker, 429s waited out.

:class:`Sender` is what :class:`~mockint.judge.OpenAIJudge` sends each request through:

* **Limits.** Every request holds one of the :class:`~mockint.judge.ratelimit.RequestLimiter`'s slots and
  passes its per-minute buckets; time spent queued there (or behind the breaker) does not count against the
  answer's deadline, which is about a server that does not answer.
* **Rate limits are waited out.** A 429 (not an exhausted quota) is sent again after the server's
  ``Retry-After``, else backoff (:func:`~mockint.judge.transport.rate_limit_pause`), spending no attempt of the
  retry policy, until ``rate_limit_patience`` runs out: for this answer's own waiting, or for a run of nothing
  but 429s across every thread sharing the limiter. Then the answer fails with
  :class:`~mockint.errors.RateLimitedError`, which the circuit breaker does not count.
* **The breaker.** With a :class:`~mockint.judge.circuit.Circuit`, each request says whether it got a
  response, and none is sent once the circuit opened since the call began.
* **Usage.** Requests and the tokens the server reports, for cost reports.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mockint.errors import JudgeError, RateLimitedError
from mockint.judge.circuit import Circuit
from mockint.judge.ratelimit import RequestLimiter, estimate_tokens
from mockint.judge.transport import (
    is_rate_limit,
    judge_error,
    rate_limit_pause,
    redact,
    retry_after_seconds,
)

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletion

__all__ = ["Call", "Sender"]

logger = logging.getLogger("mockint.judge.openai_judge")

# Reply allowance for the tokens-per-minute estimate of a request other than grading (one small JSON object).
ASK_REPLY_TOKENS = 300


class Call:
    """Book-keeping for one ``judge()`` or ``ask()`` call: requests made, the deadline shared by its retries and
    re-ask, the time waited out on rate limits, and the circuit's generation when the call started.

    Args:
        deadline: ``time.monotonic()`` by which the call must be done (moved on by time queued or rate limited).
        label: Names the call in log lines (the answer's id).
        reply_tokens: Tokens the reply is expected to take (for ``tpm``).
        generation: :attr:`Circuit.generation` when the call started.
    """

    def __init__(self, deadline: float, label: str, reply_tokens: int = ASK_REPLY_TOKENS, generation: int = 0) -> None:
        self.deadline = deadline
        self.label = label
        self.requests = 0
        self.reply_tokens = reply_tokens
        self.generation = generation
        self.rate_limited = 0.0
        self.rate_limit_waits = 0

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.monotonic()


class Sender:
    """Sends requests for one judge; shared by the threads of a batch (thread-safe).

    Args:
        client: Returns the SDK client (its own retries off); called for each request, so that the judge can
            make its one client on the first request rather than at start-up.
        server: The server's URL without credentials, for messages.
        model: The model asked for, for messages.
        secret: The API key, redacted from every message.
        timeout: Seconds per HTTP request.
        max_retry_wait: Longest single rate-limit pause.
        rate_limit_patience: Seconds of rate limiting waited out before an answer gives up.
        limiter: The shared limits.
        circuit: The circuit breaker's state, if any.
    """

    def __init__(
        self,
        client: Callable[[], openai.OpenAI],
        *,
        server: str,
        model: str,
        secret: str,
        timeout: float,
        max_retry_wait: float,
        rate_limit_patience: float,
        limiter: RequestLimiter,
        circuit: Circuit | None,
    ) -> None:
        self._client = client
        self._server = server
        self._model = model
        self._secret = secret
        self.timeout = timeout
        self.max_retry_wait = max_retry_wait
        self.rate_limit_patience = rate_limit_patience
        self.limiter = limiter
        self.circuit = circuit
        self._lock = threading.Lock()
        # requests, prompt tokens, completion tokens, replies without usage (see openai_judge.Usage)
        self._counts = [0, 0, 0, 0]

    def counts(self) -> tuple[int, int, int, int]:
        """Requests sent, prompt and completion tokens reported, and successful replies without usage."""
        with self._lock:
            return (self._counts[0], self._counts[1], self._counts[2], self._counts[3])

    def error_for(self, exc: openai.APIError, call: Call) -> JudgeError:
        """Turn an SDK error into a one-line JudgeError that says how to fix it."""
        return judge_error(
            exc,
            server=self._server,
            model=self._model,
            timeout=self.timeout,
            requests=call.requests,
            secret=self._secret,
        )

    def post(self, body: dict[str, Any], call: Call) -> ChatCompletion:
        """One HTTP exchange, sent again after each 429 until the rate-limit patience runs out.

        A 429 spends no attempt of the retry policy and, being a response, never counts toward the breaker.
        """
        import openai

        while True:
            started = time.monotonic()
            try:
                return self._post_once(body, call)
            except openai.RateLimitError as exc:
                if not is_rate_limit(exc):
                    raise  # an exhausted quota: waiting does not help
                pause = self._rate_limit_pause(exc, call)
                # Rate-limited time does not count against the answer's deadline (it is about a hung server).
                call.deadline += time.monotonic() - started + pause
                if self.circuit is not None:
                    self.circuit.sleep(pause, call.generation)
                else:
                    time.sleep(pause)

    def _rate_limit_pause(self, exc: openai.RateLimitError, call: Call) -> float:
        """How long to wait before sending again; raises RateLimitedError once the patience has run out."""
        asked = retry_after_seconds(exc.response.headers)
        waited = max(call.rate_limited, self.limiter.rate_limited_for())
        left = self.rate_limit_patience - waited
        if left <= 0:
            raise RateLimitedError(
                redact(
                    f"the judge server was still rate limiting (HTTP 429) after {waited:.0f}s of waiting "
                    f"({call.requests} request{'s' if call.requests != 1 else ''}); raise --rate-limit-patience or "
                    f"MOCKINT_RATE_LIMIT_PATIENCE (now {self.rate_limit_patience:g}s), lower --concurrency or "
                    "--rpm, or try again later",
                    self._secret,
                ),
                reason="http_429",
            )
        pause = min(rate_limit_pause(asked, waits=call.rate_limit_waits, max_retry_wait=self.max_retry_wait), left)
        if asked is not None:
            # The server is busy for everyone, not just this request: pause the other threads too.
            self.limiter.hold_off(pause)
        call.rate_limit_waits += 1
        call.rate_limited += pause
        logger.info(
            "answer %s: judge server rate limiting (HTTP 429); sending again in %.1fs (waited %.0fs of %gs)",
            call.label,
            pause,
            waited,
            self.rate_limit_patience,
        )
        return pause

    def _post_once(self, body: dict[str, Any], call: Call) -> ChatCompletion:
        """One HTTP request inside the limiter's slot, reported to the circuit; counts requests and usage."""
        import openai

        estimate = 1
        if self.limiter.limits_tokens:
            chars = sum(len(str(message.get("content", ""))) for message in body["messages"])
            chars += len(json.dumps(body["response_format"])) if "response_format" in body else 0
            estimate = estimate_tokens(chars, call.reply_tokens)
        circuit = self.circuit
        with self.limiter.request(estimate) as slot:
            queued = time.monotonic()
            ticket = circuit.before_request(call.generation) if circuit is not None else None
            # Time queued for a slot or behind the breaker does not count against the answer's deadline.
            call.deadline += slot.waited + (time.monotonic() - queued)
            call.requests += 1
            with self._lock:
                self._counts[0] += 1
            try:
                completion: ChatCompletion = self._client().chat.completions.create(
                    **body, timeout=max(0.001, min(self.timeout, call.remaining()))
                )
            except openai.APIStatusError as exc:
                if isinstance(exc, openai.RateLimitError):
                    slot.rate_limited()
                if circuit is not None and ticket is not None:
                    circuit.answered(ticket)
                raise
            except openai.APIConnectionError as exc:
                if circuit is not None and ticket is not None:
                    error = self.error_for(exc, call)
                    circuit.unanswered(ticket, f"{error.reason}: {error}")
                raise
            except BaseException:
                if circuit is not None and ticket is not None:
                    circuit.release(ticket)
                raise
            if circuit is not None and ticket is not None:
                circuit.answered(ticket)
            usage = getattr(completion, "usage", None)
            slot.used(getattr(usage, "total_tokens", None) if usage is not None else None)
        prompt = getattr(usage, "prompt_tokens", None)
        output = getattr(usage, "completion_tokens", None)
        with self._lock:
            if isinstance(prompt, int) and isinstance(output, int):
                self._counts[1] += prompt
                self._counts[2] += output
            else:
                self._counts[3] += 1
        return completion
