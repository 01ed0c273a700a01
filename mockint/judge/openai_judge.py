"""The judge behind any OpenAI-compatible chat completions server: request body, structured-output ladder, usage.

How a request is made:

* **One call per answer.** The rubric and the instructions go in the system message; the candidate's answer is
  data in the last user message, between ``<answer question_id="...">`` and ``</answer>``, tag-like text
  neutralised (:func:`~mockint.judge.reply.neutralise_tags`).
* **Structured-output ladder** (:mod:`~mockint.judge.ladder`). While no request has succeeded yet, a
  400/404/422/500/501 steps down one rung at once (``json_schema`` -> ``json_object`` -> ``text``); the first
  success locks the mode for the judge's life.
* **Bounded retries.** :func:`~mockint.judge.transport.retrying`, bounded by ``max_attempts`` and by a total
  deadline per answer. Time spent queued behind the limiter or waiting out rate limits does not count
  against that deadline: it is about a server that does not answer.
* **Rate limits are waited out** by :class:`~mockint.judge.sender.Sender`, which sends every request: a 429
  spends no attempt, until ``rate_limit_patience`` runs out (:class:`~mockint.errors.RateLimitedError`, which
  the circuit breaker does not count).
* **The breaker stops retries.** With a shared :class:`~mockint.judge.circuit.Circuit`, every request
  reports whether it got a response, and once the circuit opens the answers in flight stop at once: no
  retry, no new request, their backoff sleeps cut short.
* **One re-ask.** A reply that is not valid JSON or breaks the contract is sent back once with the validation
  error. If the second reply breaks it too, or the re-ask itself fails (a small server's context cannot hold
  it), the usable verdicts of the fuller reply are kept (:func:`~mockint.judge.reply.salvage_reply`; the
  result's ``incomplete`` says what was wrong); with none, the answer fails as before (``invalid_reply``).
* **Shared limits.** With a :class:`~mockint.judge.ratelimit.RequestLimiter`, every HTTP request holds one of
  its in-flight slots and passes its per-minute buckets, and a ``Retry-After`` pauses every thread sharing it.
  The judge counts requests and the tokens servers report (:attr:`OpenAIJudge.usage`), for cost reports.
* **Batch engines.** :meth:`OpenAIJudge.request_body` is the exact body of a live request (for Batch API
  files).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from mockint.config import DEFAULT_MAX_REPLY_BYTES
from mockint.errors import ConfigError, JudgeError
from mockint.judge.circuit import Circuit
from mockint.judge.ladder import MODES, Ladder, Mode, response_format
from mockint.judge.ratelimit import RequestLimiter
from mockint.judge.reply import (
    SCHEMA_NAME,
    InvalidReply,
    check_reply,
    check_reply_size,
    extract_json,
    fuller_reply,
    neutralise_tags,
    reply_schema,
    salvage_reply,
)
from mockint.judge.rubric_text import key_points_text, mistakes_text
from mockint.judge.sender import ASK_REPLY_TOKENS, Call, Sender
from mockint.judge.transport import (
    DEFAULT_RATE_LIMIT_PATIENCE,
    DETAIL_CHARS,
    cause,
    make_client,
    redact,
    retrying,
    server_name,
    shorten,
)
from mockint.models import JudgeReply, JudgeResult, Rubric
from mockint.prompts import load_prompt

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletion
    from tenacity import RetryCallState

    from mockint.judge import Judge

__all__ = ["MODES", "Mode", "OpenAIJudge", "Usage"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

PROMPT_NAME = "judge"

# Reply allowance for the tokens-per-minute estimate: a rationale, a verdict and a quote per rubric item.
_REPLY_TOKENS_PER_ITEM = 80
_REPLY_TOKENS_BASE = 20


@dataclass(frozen=True)
class Usage:
    """Tokens and requests a judge has used so far (from the servers' ``usage`` fields).

    Attributes:
        requests: HTTP requests sent (retries and re-asks included).
        prompt_tokens: Input tokens the server reported.
        completion_tokens: Output tokens the server reported.
        unreported: Successful replies that carried no ``usage`` (their tokens are not counted).
    """

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    unreported: int = 0


class OpenAIJudge:
    """A judge behind any OpenAI-compatible chat completions server (OpenAI, vLLM, Ollama, llama.cpp ...).

    One object is meant to be shared by the threads of a batch: the client is thread-safe and the
    structured-output mode is guarded by a lock.

    Attributes:
        timeout: Seconds for one HTTP request.
        max_attempts: HTTP attempts per completion, retries included (a re-ask gets its own attempts).
        max_retry_wait: Longest pause between attempts, even when the server asks for more.
        total_timeout: Deadline for one ``judge()`` call, retries and re-ask included.
        limiter: Shared limits on requests in flight, per minute and tokens per minute, if any.
        max_reply_bytes: Largest reply accepted, in UTF-8 bytes.
        rate_limit_patience: Seconds of rate limiting (HTTP 429) waited out before an answer gives up.
        limiter: Limits on requests in flight, per minute and tokens per minute (a private one, with no
            limits, when none was given: it still shares Retry-After pauses between threads).
        circuit: The circuit breaker's state shared with the breaker around this judge, if any.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None,
        api_key: str,
        timeout: float = 60.0,
        max_attempts: int = 4,
        max_retry_wait: float = 30.0,
        total_timeout: float | None = None,
        limiter: RequestLimiter | None = None,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        rate_limit_patience: float = DEFAULT_RATE_LIMIT_PATIENCE,
        circuit: Circuit | None = None,
        temperature: float = 0.0,
        sample: int | None = None,
    ) -> None:
        """Create the judge; its HTTP client is made on the first request (none is made yet).

        Args:
            model: The model to ask for.
            base_url: The server's base URL (``.../v1``); ``None`` for OpenAI.
            api_key: The key; never shown in any message.
            timeout: Seconds for one HTTP request.
            max_attempts: HTTP attempts per completion, retries included.
            max_retry_wait: Longest pause between attempts, in seconds.
            total_timeout: Deadline for one ``judge()`` call; by default ``2 * timeout + max_retry_wait``,
                so a hung server costs about two timeouts per answer, not ``max_attempts`` of them.
            limiter: Limits shared with other judges or threads: every HTTP request holds one of its slots,
                and a server's ``Retry-After`` pauses every thread using it.
            max_reply_bytes: Largest reply accepted (UTF-8 bytes of its text); a larger one is an invalid
                reply at once, with no re-ask (it would be sent back whole), and is never cached.
            rate_limit_patience: Seconds of rate limiting waited out before an answer gives up: its own
                waits, or a run of nothing but 429s on the limiter (0: give up at the first 429).
            circuit: Shared with the :class:`~mockint.judge.CircuitBreakerJudge` around this judge: requests
                report to it, and once it opens, calls in flight stop retrying.
            temperature: The sampling temperature sent (0 for grading; ``--samples`` asks for more).
            sample: Which of several samples of one model this judge draws (1, 2, ...), or ``None``. It is not
                sent; it is part of :meth:`fingerprint`, so that samples are distinct requests to the cache and
                to the shared-request layer instead of copies of the first.

        Raises:
            ConfigError: A numeric setting is out of range, or the prompt files are missing or malformed.
        """
        if timeout <= 0:
            raise ConfigError("the judge timeout must be greater than 0; set e.g. MOCKINT_TIMEOUT=60")
        if max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1; set e.g. MOCKINT_MAX_ATTEMPTS=4")
        if max_retry_wait < 0:
            raise ConfigError("max_retry_wait must not be negative")
        if max_reply_bytes < 1:
            raise ConfigError("max_reply_bytes must be at least 1; set e.g. MOCKINT_MAX_REPLY_BYTES=1000000")
        if not rate_limit_patience >= 0:
            raise ConfigError(
                "the rate-limit patience must be 0 or more seconds; set e.g. MOCKINT_RATE_LIMIT_PATIENCE=300"
            )
        if not 0 <= temperature <= 2:
            raise ConfigError(f"the sampling temperature must be 0..2, not {temperature:g}; e.g. 0.7")
        self._model = model
        self.temperature = temperature
        self.sample = sample
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_wait = max_retry_wait
        self.total_timeout = total_timeout if total_timeout is not None else 2 * timeout + max_retry_wait
        self.rate_limit_patience = rate_limit_patience
        self.limiter = limiter if limiter is not None else RequestLimiter()
        self.circuit = circuit
        self.max_reply_bytes = max_reply_bytes
        self._prompt = load_prompt(PROMPT_NAME)
        self._check_prompt()
        self._secret = api_key
        self._base_url = base_url
        # Made on the first request (see _sdk_client): a run whose replies all come from the cache, or that only
        # writes request bodies for a batch, never imports the SDK nor builds a client it would not use.
        self._client: openai.OpenAI | None = None
        self._closed = False
        self._server = server_name(base_url)
        self._sender = Sender(
            self._sdk_client,
            server=self._server,
            model=model,
            secret=api_key,
            timeout=timeout,
            max_retry_wait=max_retry_wait,
            rate_limit_patience=rate_limit_patience,
            limiter=self.limiter,
            circuit=circuit,
        )
        self._lock = threading.Lock()
        self._ladder = Ladder()

    @property
    def model(self) -> str:
        """The model name the judge asks for."""
        return self._model

    @property
    def prompt_version(self) -> str:
        """The version of the prompt files, read once when the judge was built."""
        return self._prompt.version

    @property
    def mode(self) -> Mode:
        """The structured-output mode the next request uses (see the module docstring)."""
        return self._ladder.mode

    @property
    def mode_locked(self) -> bool:
        """Whether a request has succeeded, fixing :attr:`mode` for the life of this judge."""
        return self._ladder.locked

    @property
    def usage(self) -> Usage:
        """Requests and tokens used so far by this judge (all threads)."""
        return Usage(*self._sender.counts())

    def fingerprint(self) -> dict[str, Any]:
        """What, besides the rubric and the answer, decides the reply: for cache keys.

        The structured-output mode is left out on purpose: it is found by probing the server on each run, and
        every mode's reply is validated against the same contract.

        Returns:
            Model, prompt version, server (without credentials or query) and sampling settings (the temperature,
            and the sample's number when several samples are drawn).
        """
        fingerprint: dict[str, Any] = {
            "model": self._model,
            "prompt_version": self.prompt_version,
            "server": self._server.split("?", 1)[0],
            # 0 stays the integer it always was, so that the keys of existing caches still match.
            "temperature": self.temperature or 0,
        }
        if self.sample is not None:
            fingerprint["sample"] = self.sample
        return fingerprint

    def close(self) -> None:
        """Close the HTTP client's connections (if a request ever made one); the judge sends nothing after."""
        with self._lock:
            client, self._client, self._closed = self._client, None, True
        if client is not None:
            client.close()

    def _sdk_client(self) -> openai.OpenAI:
        """The one SDK client of this judge, made on first use and shared by every thread."""
        with self._lock:
            if self._client is None:
                if self._closed:
                    raise JudgeError("the judge was closed; build a new one to grade more answers", reason="closed")
                self._client, _ = make_client(base_url=self._base_url, api_key=self._secret, timeout=self.timeout)
            return self._client

    def __enter__(self) -> OpenAIJudge:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request_body(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> dict[str, Any]:
        """Return the JSON body :meth:`judge` would POST to ``/chat/completions`` in ``json_schema`` mode.

        ``judge`` builds its requests with the same code, so an exported batch file cannot drift from it.

        Args:
            answer: The candidate's answer text (neutralised here, as ``judge`` does).
            rubric: The rubric to grade against.
            answer_id: Accepted for symmetry with ``judge``; it is not sent, so identical answers give
                identical bodies.

        Returns:
            The request body: model, messages, temperature (0 unless sampling) and the ``json_schema`` response
            format.
        """
        return self._body(self._messages(answer, rubric), reply_schema(rubric), "json_schema")

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """Grade ``answer`` against ``rubric`` with one chat completion (plus retries and at most one re-ask).

        Args:
            answer: The candidate's answer text.
            rubric: The rubric to grade against.
            answer_id: The answer's id, to label log lines; it is not sent to the model.

        Returns:
            The validated reply, the model, the prompt version and the number of HTTP requests made.

        Raises:
            JudgeError: ``reason`` is ``timeout``, ``connection``, ``connection_reset``, ``http_<status>``,
                ``invalid_reply``, ``refusal`` or ``bad_response``; the message says how to fix it and never holds
                the key.
        """
        reply_tokens = _REPLY_TOKENS_BASE + _REPLY_TOKENS_PER_ITEM * (len(rubric.criteria) + len(rubric.mistakes))
        call = self._new_call(answer_id or "-", reply_tokens)
        messages = self._messages(answer, rubric)
        schema = reply_schema(rubric)
        content = self._complete(messages, schema, call)
        try:
            reply = check_reply(content, rubric)
        except InvalidReply as first:
            logger.info("answer %s: invalid judge reply (%s); asking once more", call.label, shorten(str(first)))
            reask = self._prompt.text(
                "reask",
                error=shorten(str(first), 1000),
                criterion_ids=", ".join(criterion.id for criterion in rubric.criteria),
                mistake_ids=", ".join(mistake.id for mistake in rubric.mistakes) or "none (an empty list)",
            )
            conversation = [
                *messages,
                {"role": "assistant", "content": content},
                {"role": "user", "content": reask},
            ]
            first_content = content
            try:
                content = self._complete(conversation, schema, call)
            except JudgeError as failed:
                # A small server's context may not hold the re-ask (HTTP 400): the first reply's verdicts stand.
                partial = salvage_reply(first_content, rubric)
                if partial is None:
                    raise
                return self._partial(partial, call, f"{shorten(str(first), DETAIL_CHARS)}; the re-ask failed: {failed}")
            try:
                reply = check_reply(content, rubric)
            except InvalidReply as second:
                partial = fuller_reply(salvage_reply(content, rubric), salvage_reply(first_content, rubric))
                if partial is None:
                    raise JudgeError(
                        self._redact(
                            f"the judge's reply was invalid twice ({shorten(str(second), DETAIL_CHARS)}); "
                            "try a stronger model with --model"
                        ),
                        reason="invalid_reply",
                    ) from None
                return self._partial(partial, call, str(second))
        return JudgeResult(reply=reply, model=self._model, prompt_version=self.prompt_version, requests=call.requests)

    def _partial(self, reply: JudgeReply, call: Call, problem: str) -> JudgeResult:
        logger.info("answer %s: judge reply incomplete after the re-ask; keeping what it holds", call.label)
        incomplete = self._redact(shorten(problem, 2 * DETAIL_CHARS))
        return JudgeResult(
            reply=reply,
            model=self._model,
            prompt_version=self.prompt_version,
            requests=call.requests,
            incomplete=incomplete,
        )

    def ask(
        self,
        prompt_name: str,
        variables: Mapping[str, str],
        schema: dict[str, Any],
        validate: Callable[[dict[str, Any]], T],
        *,
        label: str = "-",
    ) -> T:
        """One structured completion for work other than grading (follow-up questions, rubric drafting).

        The same ladder, retries, deadline and single re-ask as :meth:`judge`. The prompt is read from
        ``prompts/<prompt_name>_system.md`` and ``_user.md`` (and ``_reask.md`` with ``{error}``, if present);
        anything a candidate wrote must be passed through :func:`neutralise_tags` by the caller.

        Args:
            prompt_name: The prompt files' name.
            variables: The prompt's variables.
            schema: JSON Schema of the reply (sent as ``json_schema`` where the server takes it).
            validate: Turns the parsed JSON object into the result; raises ``ValueError`` (pydantic's
                ``ValidationError`` is one) when the reply does not fit.
            label: Names the request in log lines.

        Returns:
            What ``validate`` returned.

        Raises:
            JudgeError: As for :meth:`judge`.
        """
        prompt = load_prompt(prompt_name)
        call = self._new_call(label, ASK_REPLY_TOKENS)
        messages = prompt.messages(**variables)
        content = self._complete(messages, schema, call, prompt_name)
        try:
            return validate(extract_json(content))
        except ValueError as first:
            error = shorten(str(first), 1000)
            reask = (
                prompt.text("reask", error=error)
                if "reask" in prompt.parts
                else f"Your reply could not be used: {error}\n\nReply again with only the JSON object asked for."
            )
            conversation = [*messages, {"role": "assistant", "content": content}, {"role": "user", "content": reask}]
            content = self._complete(conversation, schema, call, prompt_name)
            try:
                return validate(extract_json(content))
            except ValueError as second:
                raise JudgeError(
                    self._redact(
                        f"the model's reply was invalid twice ({shorten(str(second), DETAIL_CHARS)}); "
                        "try a stronger model with --model"
                    ),
                    reason="invalid_reply",
                ) from None

    # -- request building ---------------------------------------------------------------------------------

    def _check_prompt(self) -> None:
        """Render the prompt once with placeholders so a broken prompt file fails at start-up, not per answer."""
        placeholders = dict.fromkeys(
            ("question", "model_answer", "key_points", "mistakes", "question_id", "answer"), "x"
        )
        self._prompt.messages(**placeholders)
        self._prompt.text("reask", error="x", criterion_ids="x", mistake_ids="x")

    def _messages(self, answer: str, rubric: Rubric) -> list[dict[str, str]]:
        return self._prompt.messages(
            question=rubric.question,
            model_answer=rubric.model_answer,
            key_points=key_points_text(rubric),
            mistakes=mistakes_text(rubric),
            question_id=rubric.id,
            answer=neutralise_tags(answer),
        )

    def _body(
        self, messages: list[dict[str, str]], schema: dict[str, Any], mode: Mode, schema_name: str = SCHEMA_NAME
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self._model, "messages": messages, "temperature": self.temperature or 0}
        format_ = response_format(mode, schema, schema_name)
        if format_ is not None:
            body["response_format"] = format_
        return body

    # -- sending, the ladder and retries ------------------------------------------------------------------

    def _new_call(self, label: str, reply_tokens: int) -> Call:
        generation = self.circuit.generation if self.circuit is not None else 0
        return Call(time.monotonic() + self.total_timeout, label, reply_tokens, generation)

    def _complete(
        self, messages: list[dict[str, str]], schema: dict[str, Any], call: Call, schema_name: str = SCHEMA_NAME
    ) -> str:
        """One completion: the ladder inside each attempt, tenacity around the attempts."""
        import openai

        circuit = self.circuit

        def stop_early(state: RetryCallState) -> bool:
            # A probe gets one request, and an open breaker stops every retry at once.
            if circuit is not None and not circuit.may_retry(call.generation):
                return True
            # Starting an attempt with only a sliver of the deadline left would just time out.
            return call.remaining() - state.upcoming_sleep < min(0.5, self.timeout / 4)

        attempts = retrying(
            max_attempts=self.max_attempts,
            max_retry_wait=self.max_retry_wait,
            stop_early=stop_early,
            # The server is overloaded for everyone, not just this request: pause the other threads.
            hold_off=self.limiter.hold_off,
            before_sleep=lambda state: self._log_retry(state, call),
            sleep=(lambda seconds: circuit.sleep(seconds, call.generation)) if circuit is not None else None,
        )
        try:
            for attempt in attempts:
                with attempt:
                    return self._send(messages, schema, call, schema_name)
        except openai.APIError as exc:
            self._ladder.forget_unconfirmed()
            error = self._error_for(exc, call)
            if circuit is not None and circuit.interrupted(call.generation):
                error = JudgeError(f"{error}; not retried: the circuit breaker is open", reason=error.reason)
            raise error from (exc if isinstance(exc, openai.APIConnectionError) else None)
        raise AssertionError("unreachable: tenacity either returns, raises or reraises")  # pragma: no cover

    def _send(
        self, messages: list[dict[str, str]], schema: dict[str, Any], call: Call, schema_name: str = SCHEMA_NAME
    ) -> str:
        """One attempt: POST in the current mode, stepping down the ladder while the mode is unconfirmed."""
        import openai

        mode = self.mode
        while True:
            remaining = call.remaining()
            if remaining <= 0:
                raise JudgeError(
                    f"the judge did not finish within {self.total_timeout:g}s ({call.requests} requests); "
                    "check the server, raise MOCKINT_TIMEOUT, or pass --no-llm",
                    reason="timeout",
                )
            body = self._body(messages, schema, mode, schema_name)
            try:
                completion = self._sender.post(body, call)
            except openai.APIStatusError as exc:
                lower = self._ladder.step_down(mode, exc.status_code)
                if lower is None:
                    raise
                logger.info(
                    "answer %s: judge server answered HTTP %d to response_format %s; trying %s",
                    call.label,
                    exc.status_code,
                    mode,
                    lower,
                )
                mode = lower
                continue
            self._ladder.confirm(mode)
            return self._content(completion)

    def _content(self, completion: ChatCompletion) -> str:
        choices = getattr(completion, "choices", None)
        if not choices:
            raise JudgeError(
                f"the judge server at {self._server} returned no completion; check that it serves chat completions",
                reason="bad_response",
            )
        message = choices[0].message
        content = getattr(message, "content", None)
        if content:
            check_reply_size(str(content), self.max_reply_bytes)
            return str(content)
        refusal = getattr(message, "refusal", None)
        if refusal:
            raise JudgeError(
                self._redact(f"the model refused to grade the answer: {shorten(str(refusal), DETAIL_CHARS)}"),
                reason="refusal",
            )
        return ""  # An empty reply is an invalid one: it gets the re-ask.

    def _log_retry(self, state: RetryCallState, call: Call) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        logger.info(
            "answer %s: judge request failed (%s); retrying in %.1fs (attempt %d of %d)",
            call.label,
            cause(error),
            state.upcoming_sleep,
            state.attempt_number + 1,
            self.max_attempts,
        )

    # -- errors -------------------------------------------------------------------------------------------

    def _error_for(self, exc: openai.APIError, call: Call) -> JudgeError:
        """Turn an SDK error into a one-line JudgeError that says how to fix it."""
        return self._sender.error_for(exc, call)

    def _redact(self, text: str) -> str:
        return redact(text, self._secret)


if TYPE_CHECKING:

    def _conforms(judge: OpenAIJudge) -> Judge:
        """Lets mypy check that OpenAIJudge satisfies the Judge protocol."""
        return judge
