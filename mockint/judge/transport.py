"""Talking to an OpenAI-compatible server: the one retry policy, SDK errors as ``JudgeError``, redaction.

* **Bounded retries in one place.** The SDK's own retries are off (:func:`make_client`). Timeouts, connection
  errors, 408/409 and 5xx (not 501) are retried with tenacity (:func:`retrying`): exponential backoff with
  jitter, or the server's ``Retry-After``/``retry-after-ms``, capped by ``max_retry_wait``, bounded by
  ``max_attempts`` and by whatever deadline or circuit breaker the caller adds.
* **Rate limits are waited out, not counted.** A 429 (other than an exhausted quota) says the server is busy,
  not broken: the caller waits :func:`rate_limit_pause` (the server's ``Retry-After``, else backoff) and sends
  again without spending an attempt, for as long as its rate-limit patience lasts
  (:data:`DEFAULT_RATE_LIMIT_PATIENCE`). An exhausted quota is not retried at all.
* **One-line errors.** An SDK error becomes a :class:`~mockint.errors.JudgeError` whose message says how to fix
  it (:func:`judge_error` for completions, :func:`batch_error` for the Batch API's files and batches).
* **No secrets.** The key is never part of a message or a log line (:func:`redact`), and the server is named
  without credentials in its URL.

``openai`` and ``tenacity`` are imported inside the functions, never at import time.
"""

from __future__ import annotations

import email.utils
import os
import random
import re
import socket
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mockint.errors import JudgeError

if TYPE_CHECKING:
    import openai
    import tenacity
    from tenacity import RetryCallState

__all__ = [
    "DEFAULT_RATE_LIMIT_PATIENCE",
    "DETAIL_CHARS",
    "batch_error",
    "cause",
    "connection_problem",
    "is_rate_limit",
    "is_transient",
    "judge_error",
    "make_client",
    "rate_limit_pause",
    "redact",
    "retry_after_seconds",
    "retrying",
    "server_name",
    "shorten",
]

# Where the SDK sends requests when neither the caller nor OPENAI_BASE_URL names a server.
_OPENAI_URL = "https://api.openai.com/v1"
# 501 is "not implemented": retrying it cannot help.
_NOT_RETRYABLE_5XX = frozenset({501})
# Exponential backoff: 0.5 s, 1 s, 2 s ... plus up to 0.5 s of jitter, capped by max_retry_wait.
_BACKOFF_MULTIPLIER = 0.5
_BACKOFF_JITTER = 0.5
DETAIL_CHARS = 200
"""Longest server message quoted in an error."""
DEFAULT_RATE_LIMIT_PATIENCE = 300.0
"""Seconds one answer waits out rate limits (HTTP 429), and the longest run of nothing but 429s that answers
keep waiting through, before the answer is graded deterministically (``MOCKINT_RATE_LIMIT_PATIENCE``)."""


def shorten(text: str, limit: int = 400) -> str:
    """``text`` on one line, cut to ``limit`` characters (with ``...``) when longer (:func:`mockint.files.shorten`)."""
    from mockint.files import shorten as cut

    return cut(text, limit, ellipsis="...")


def redact(text: str, secret: str) -> str:
    """``text`` with ``secret`` replaced by ``***``.

    A server may echo the key back (proxies, debug servers); it must not reach a message or a log. Secrets
    shorter than 4 characters are left alone: replacing them would garble messages and hide nothing.
    """
    if len(secret) >= 4 and secret in text:
        text = text.replace(secret, "***")
    return text


def make_client(*, base_url: str | None, api_key: str, timeout: float) -> tuple[openai.OpenAI, str]:
    """An SDK client with its own retries off, and the server's URL without credentials, for messages.

    Args:
        base_url: The server's base URL (``.../v1``); ``None`` for OpenAI.
        api_key: The key.
        timeout: Seconds per HTTP request.

    Returns:
        The client and the server's URL (no user info, no trailing slash).
    """
    import openai

    # Retries are ours (retrying(), below): SDK retries would multiply attempts and ignore our deadline.
    client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
    return client, _without_userinfo(str(client.base_url)).rstrip("/")


def server_name(base_url: str | None) -> str:
    """The server's URL as :func:`make_client` names it (no user info, no trailing slash), without an SDK client.

    Args:
        base_url: The server's base URL; ``None`` for the SDK's choice (``OPENAI_BASE_URL``, else OpenAI).
    """
    url = base_url or os.environ.get("OPENAI_BASE_URL") or _OPENAI_URL
    return _without_userinfo(url.strip()).rstrip("/")


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """How long a server asked us to wait, from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date).

    Args:
        headers: Response headers (any letter case).

    Returns:
        Seconds to wait (never negative), or ``None`` when no usable header is present.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    milliseconds = lowered.get("retry-after-ms", "").strip()
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def rate_limit_pause(asked: float | None, *, waits: int, max_retry_wait: float) -> float:
    """How long to wait before sending a rate-limited (HTTP 429) request again.

    Args:
        asked: The server's ``Retry-After`` in seconds (:func:`retry_after_seconds`), if it gave one.
        waits: Rate-limit waits this request has had already (for the backoff).
        max_retry_wait: Longest single pause, even when the server asks for more: a capped wait meets either a
            success or a fresh ``Retry-After``.

    Returns:
        ``asked`` when given, else exponential backoff with jitter (0.5 s, 1 s, 2 s ... plus up to 0.5 s);
        never more than ``max_retry_wait``.
    """
    if asked is not None:
        return min(asked, max_retry_wait)
    backoff = _BACKOFF_MULTIPLIER * 2.0 ** min(waits, 30) + random.uniform(0, _BACKOFF_JITTER)
    return min(backoff, max_retry_wait)


def retrying(
    *,
    max_attempts: int,
    max_retry_wait: float,
    stop_early: Callable[[RetryCallState], bool] | None = None,
    hold_off: Callable[[float], None] | None = None,
    before_sleep: Callable[[RetryCallState], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> tenacity.Retrying:
    """The retry policy of every request to the server.

    Args:
        max_attempts: Attempts at most, the first included.
        max_retry_wait: Longest pause between attempts, even when the server asks for more.
        stop_early: Also stop when this says so (a deadline that the next pause would overrun, an open
            circuit breaker).
        hold_off: Called with the pause when the server gave a ``Retry-After``, to pause other threads too.
        before_sleep: Called before each pause (logging).
        sleep: Sleeps between attempts (one that wakes early when the circuit breaker opens); ``time.sleep``
            by default.

    Returns:
        A tenacity ``Retrying`` that retries transient errors and re-raises the last one.
    """
    import tenacity

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number >= max_attempts:
            return True
        return stop_early is not None and stop_early(state)

    def wait(state: RetryCallState) -> float:
        # Honour the server's Retry-After when it gives one, else exponential backoff with jitter.
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        response = getattr(error, "response", None)
        if response is not None:
            asked = retry_after_seconds(response.headers)
            if asked is not None:
                pause = min(asked, max_retry_wait)
                if hold_off is not None:
                    hold_off(pause)
                return pause
        backoff = tenacity.wait_exponential_jitter(
            multiplier=_BACKOFF_MULTIPLIER, max=max_retry_wait, jitter=_BACKOFF_JITTER
        )
        return float(backoff(state))

    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        stop=stop,
        wait=wait,
        before_sleep=before_sleep,
        reraise=True,
        sleep=sleep if sleep is not None else time.sleep,
    )


def is_rate_limit(error: BaseException) -> bool:
    """Whether ``error`` is an HTTP 429 that waiting can cure (not an exhausted quota)."""
    import openai

    return isinstance(error, openai.RateLimitError) and not _quota_exhausted(error)


def is_transient(error: BaseException) -> bool:
    """Whether to try again: timeouts, connection errors, 408/409/429 and 5xx (not 501)."""
    import openai

    if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status == 429:
            return not _quota_exhausted(error)
        return status in (408, 409) or (status >= 500 and status not in _NOT_RETRYABLE_5XX)
    return False


def cause(error: BaseException | None) -> str:
    """A short name for why a request failed, for log lines (``HTTP 503``, ``timeout`` ...)."""
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        return f"HTTP {status}"
    name = type(error).__name__ if error is not None else "unknown"
    if "Timeout" in name:
        return "timeout"
    if "Connection" in name and error is not None:
        problem = connection_problem(error)
        return "connection error" if problem == "unknown" else f"connection error: {problem}"
    return name


def connection_problem(error: BaseException) -> str:
    """What went wrong on the wire under an SDK connection error, from the exceptions it was raised from.

    Returns:
        ``"reset"`` when an open connection was reset or closed before the reply (the request may have
        reached the server), ``"connection refused"`` or ``"name not found"`` when none could be opened,
        else ``"unknown"``.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    # The SDK raises from httpx (or its successor), which raises from httpcore, which raises from the OS error:
    # the builtin exception at the bottom is what tells a refused connection from a reset one.
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
            return "reset"
        if isinstance(current, socket.gaierror):
            return "name not found"
        name = type(current).__name__
        if name == "RemoteProtocolError" and "disconnected" in str(current).lower():
            return "reset"
        current = current.__cause__ or current.__context__
    return "unknown"


def judge_error(
    exc: openai.APIError, *, server: str, model: str, timeout: float, requests: int, secret: str
) -> JudgeError:
    """Turn an SDK error from a chat completion into a one-line ``JudgeError`` that says how to fix it.

    Args:
        exc: The SDK's error after the last attempt.
        server: The server's URL without credentials.
        model: The model asked for.
        timeout: Seconds per HTTP request.
        requests: HTTP requests made for this answer.
        secret: The API key, redacted from the message.

    Returns:
        The error; ``reason`` is ``timeout``, ``connection`` (none could be opened), ``connection_reset`` (an
        open one was reset or closed before the reply), ``bad_response`` or ``http_<status>``.
    """
    import openai

    made = f"{requests} request{'s' if requests != 1 else ''}"
    if isinstance(exc, openai.APITimeoutError):
        message = (
            f"the judge server at {server} did not answer within {timeout:g}s ({made}); "
            "check that it is running, raise MOCKINT_TIMEOUT, or pass --no-llm"
        )
        return JudgeError(redact(message, secret), reason="timeout")
    if isinstance(exc, openai.APIConnectionError):
        problem = connection_problem(exc)
        if problem == "reset":
            message = (
                f"the judge server at {server} reset the connection before replying ({made}); it may have crashed "
                "or a proxy dropped the request: check the server's log, try again later, or pass --no-llm"
            )
            return JudgeError(redact(message, secret), reason="connection_reset")
        detail = f"{problem}; " if problem != "unknown" else ""
        message = (
            f"cannot connect to the judge server at {server} ({detail}{made}); start it or fix OPENAI_BASE_URL, "
            "or pass --no-llm"
        )
        return JudgeError(redact(message, secret), reason="connection")
    if not isinstance(exc, openai.APIStatusError):
        message = f"unexpected reply from the judge server at {server}: {shorten(str(exc), DETAIL_CHARS)}"
        return JudgeError(redact(message, secret), reason="bad_response")
    status = exc.status_code
    if status == 401:
        # No server detail: OpenAI's 401 message quotes part of the key.
        message = "the server rejected the API key (HTTP 401); check OPENAI_API_KEY"
    elif status == 403:
        message = f"the server refused access (HTTP 403){_detail(exc)}; check that the API key may use model {model!r}"
    elif status == 404:
        message = (
            f"model {model!r} or the chat completions endpoint was not found at {server} "
            f"(HTTP 404){_detail(exc)}; check --model / MOCKINT_MODEL and OPENAI_BASE_URL (it usually "
            "ends in /v1)"
        )
    elif status == 429 and _quota_exhausted(exc):
        message = "the API quota is exhausted (HTTP 429 insufficient_quota); check your plan and billing"
    elif status == 429:
        message = (
            f"the judge server is rate limiting (HTTP 429) and still was after {made}; try again later "
            "or grade fewer answers at a time"
        )
    elif status >= 500:
        message = (
            f"the judge server failed (HTTP {status}){_detail(exc)} ({made}); check the server's log or try again later"
        )
    else:
        message = (
            f"the judge server rejected the request (HTTP {status}){_detail(exc)}; check --model and "
            "that the server supports chat completions"
        )
    return JudgeError(redact(message, secret), reason=f"http_{status}")


def batch_error(what: str, exc: openai.APIError, *, server: str, secret: str) -> JudgeError:
    """Turn an SDK error from the files or batches endpoints into a one-line ``JudgeError``.

    Args:
        what: What was being done, completing "cannot ..." (``"create the batch"``).
        exc: The SDK's error after the last attempt.
        server: The server's URL without credentials.
        secret: The API key, redacted from the message.

    Returns:
        The error; ``reason`` is ``timeout``, ``connection`` or ``http_<status>``.
    """
    return JudgeError(redact(_describe_batch_error(what, exc, server), secret), reason=_batch_reason(exc))


def _describe_batch_error(what: str, exc: openai.APIError, server: str) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"cannot {what}: the server at {server} did not answer in time; try again later"
    if isinstance(exc, openai.APIConnectionError):
        if connection_problem(exc) == "reset":
            return f"cannot {what}: {server} reset the connection before replying; try again later"
        return f"cannot {what}: cannot connect to {server}; check OPENAI_BASE_URL and try again"
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 401:
            return f"cannot {what}: the server rejected the API key (HTTP 401); check OPENAI_API_KEY"
        if status == 404:
            return (
                f"cannot {what}: HTTP 404 from {server}: no such batch or file there, or no Batch API at "
                "all; check --batch-id (or delete OUT.batch.json), or use --export-batch, the provider's batch "
                "tool (vLLM: run-batch) and --import-batch"
            )
        if status in (405, 501):
            return (
                f"cannot {what}: the server at {server} has no Batch API (HTTP {status}); use "
                "--export-batch, the provider's batch tool (vLLM: run-batch) and --import-batch"
            )
        detail = ""
        if isinstance(exc.body, Mapping):
            message = exc.body.get("message")
            detail = f": {shorten(str(message), DETAIL_CHARS)}" if message else ""
        return f"cannot {what}: the server answered HTTP {status}{detail}; check the request and try again"
    return f"cannot {what}: {shorten(str(exc), DETAIL_CHARS)}"


def _batch_reason(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return f"http_{status}"
    return "timeout" if "Timeout" in type(exc).__name__ else "connection"


def _quota_exhausted(error: openai.APIStatusError) -> bool:
    # OpenAI's "insufficient_quota" 429 does not go away by waiting.
    return error.code == "insufficient_quota" or error.type == "insufficient_quota"


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    text: object = None
    if isinstance(body, Mapping):
        text = body.get("message") or body.get("detail") or body.get("error")
    elif isinstance(body, str):
        text = body
    if not text:
        return ""
    return ": " + shorten(str(text), DETAIL_CHARS)


def _without_userinfo(url: str) -> str:
    return re.sub(r"(?<=//)[^/@]*@", "", url)
