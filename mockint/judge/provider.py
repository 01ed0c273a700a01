"""The provider's Batch API through the openai SDK, and the live judge's rules applied to stored replies.

* :class:`BatchClient` uploads a request file, submits it, polls and downloads the results, with the same
  retries as a live request (:func:`~mockint.judge.transport.retrying`) and one-line errors.
* :func:`completion_content` and :func:`completion_usage` read a ``chat.completion`` object from a Batch API
  output line by the rules a live reply follows.

Exporting requests, importing output files and running a whole batch are in :mod:`mockint.batch.provider`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mockint.config import DEFAULT_MAX_REPLY_BYTES
from mockint.errors import JudgeError
from mockint.judge.reply import check_reply_size
from mockint.judge.transport import DETAIL_CHARS, batch_error, make_client, retrying, shorten

if TYPE_CHECKING:
    from pathlib import Path

    import openai

    from mockint.config import Settings

__all__ = [
    "BATCH_COMPLETION_WINDOW",
    "BATCH_DONE",
    "BATCH_ENDPOINT",
    "BatchClient",
    "BatchStatus",
    "completion_content",
    "completion_usage",
]

T = TypeVar("T")


def completion_content(body: Any, *, max_bytes: int = DEFAULT_MAX_REPLY_BYTES) -> str:
    """The assistant's text in a ``chat.completion`` object read from a file (a Batch API output line).

    The same rules as a live reply: no choice is a bad response, a refusal is a refusal, an empty message is
    an empty (invalid) reply for :func:`parse_reply` to reject.

    Args:
        body: The ``response.body`` of a Batch API output line.
        max_bytes: Largest reply accepted, in UTF-8 bytes (``MOCKINT_MAX_REPLY_BYTES``).

    Returns:
        The message content (possibly empty).

    Raises:
        JudgeError: ``bad_response`` when the object is not a chat completion, ``refusal`` when the model
            refused, ``invalid_reply`` when the reply is over ``max_bytes``.
    """
    choices = body.get("choices") if isinstance(body, Mapping) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        raise JudgeError("the reply is not a chat completion (no choices)", reason="bad_response")
    message = choices[0].get("message")
    if not isinstance(message, Mapping):
        raise JudgeError("the reply is not a chat completion (no message)", reason="bad_response")
    content = message.get("content")
    if isinstance(content, str) and content:
        check_reply_size(content, max_bytes)
        return content
    refusal = message.get("refusal")
    if refusal:
        raise JudgeError(
            f"the model refused to grade the answer: {shorten(str(refusal), DETAIL_CHARS)}", reason="refusal"
        )
    return ""


def completion_usage(body: Any) -> tuple[int, int] | None:
    """``(prompt_tokens, completion_tokens)`` of a ``chat.completion`` object, or ``None`` when absent."""
    usage = body.get("usage") if isinstance(body, Mapping) else None
    if not isinstance(usage, Mapping):
        return None
    prompt, output = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if isinstance(prompt, int) and isinstance(output, int):
        return prompt, output
    return None


BATCH_ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
BATCH_COMPLETION_WINDOW: Literal["24h"] = "24h"
BATCH_DONE = frozenset({"completed", "failed", "expired", "cancelled"})
"""Batch statuses after which nothing changes any more."""


@dataclass(frozen=True)
class BatchStatus:
    """Where a provider batch job stands.

    Attributes:
        id: The batch id.
        status: ``validating``, ``in_progress``, ``finalizing``, ``completed``, ``failed``, ``expired``,
            ``cancelling`` or ``cancelled``.
        input_file_id: The uploaded request file.
        output_file_id: The file of successful replies, once there is one.
        error_file_id: The file of failed requests, once there is one.
        total: Requests in the batch (0 until the server has counted them).
        completed: Requests done.
        failed: Requests that failed.
        errors: The server's messages when the batch itself failed (e.g. a bad input line).
    """

    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        """Whether the batch has reached a final status."""
        return self.status in BATCH_DONE


class BatchClient:
    """The provider's Batch API through the openai SDK: upload a request file, submit, poll, download.

    Calls are retried like judge requests (tenacity; timeouts, connection errors, 429 and 5xx; the server's
    ``Retry-After`` honoured), and SDK errors become one-line :class:`~mockint.errors.JudgeError` s.

    Args:
        base_url: The server's base URL (``.../v1``); ``None`` for OpenAI.
        api_key: The key; never shown in any message.
        timeout: Seconds per HTTP request (uploads and downloads of large files get ten times this).
        max_attempts: Attempts per call, retries included.
        max_retry_wait: Longest pause between attempts.
    """

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str,
        timeout: float = 60.0,
        max_attempts: int = 4,
        max_retry_wait: float = 30.0,
    ) -> None:
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_wait = max_retry_wait
        self._secret = api_key
        self._client: openai.OpenAI
        self._client, self._server = make_client(base_url=base_url, api_key=api_key, timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> BatchClient:
        """A client for the server and key in ``settings``."""
        return cls(
            base_url=settings.base_url,
            api_key=settings.key_for_client(),
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
        )

    def close(self) -> None:
        """Close the HTTP client's connections."""
        self._client.close()

    def upload(self, path: Path) -> str:
        """Upload a request file (``purpose="batch"``) and return its file id."""
        with path.open("rb") as handle:

            def send() -> str:
                handle.seek(0)
                return self._client.files.create(
                    file=(path.name, handle), purpose="batch", timeout=self.timeout * 10
                ).id

            return self._call("upload the batch input file", send)

    def submit(self, input_file_id: str, metadata: Mapping[str, str] | None = None) -> BatchStatus:
        """Create a batch over an uploaded request file (chat completions, 24 h window)."""
        batch = self._call(
            "create the batch",
            lambda: self._client.batches.create(
                input_file_id=input_file_id,
                endpoint=BATCH_ENDPOINT,
                completion_window=BATCH_COMPLETION_WINDOW,
                metadata=dict(metadata) if metadata else None,
            ),
        )
        return self._status(batch)

    def retrieve(self, batch_id: str) -> BatchStatus:
        """The batch's current status and counts."""
        return self._status(self._call(f"read batch {batch_id}", lambda: self._client.batches.retrieve(batch_id)))

    def find_batch(self, input_file_id: str) -> BatchStatus | None:
        """The most recent batch over an uploaded file, when the server lists batches (``None`` otherwise).

        Used after a run was killed between creating a batch and saving its id, so the batch is not paid twice.
        """
        import openai

        try:
            page = self._client.batches.list(limit=100)
        except openai.APIError:
            return None
        for batch in page.data:
            if batch.input_file_id == input_file_id:
                return self._status(batch)
        return None

    def download(self, file_id: str, dest: Path) -> None:
        """Stream a result file to ``dest`` (replaced whole, so a failed download leaves no partial file)."""
        partial = dest.with_name(dest.name + ".part")

        def fetch() -> None:
            with self._client.files.with_streaming_response.content(file_id, timeout=self.timeout * 10) as reply:
                reply.stream_to_file(partial)

        self._call(f"download file {file_id}", fetch)
        partial.replace(dest)

    def _status(self, batch: Any) -> BatchStatus:
        counts = getattr(batch, "request_counts", None)
        errors = getattr(getattr(batch, "errors", None), "data", None) or []
        messages = tuple(
            shorten(f"line {error.line}: {error.message}" if getattr(error, "line", None) else str(error.message), 300)
            for error in errors
        )
        return BatchStatus(
            id=batch.id,
            status=str(batch.status),
            input_file_id=batch.input_file_id,
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
            total=counts.total if counts else 0,
            completed=counts.completed if counts else 0,
            failed=counts.failed if counts else 0,
            errors=messages,
        )

    def _call(self, what: str, send: Callable[[], T]) -> T:
        import openai

        try:
            for attempt in retrying(max_attempts=self.max_attempts, max_retry_wait=self.max_retry_wait):
                with attempt:
                    return send()
        except openai.APIError as exc:
            raise batch_error(what, exc, server=self._server, secret=self._secret) from None
        except OSError as exc:
            raise JudgeError(f"cannot {what}: {exc.strerror or exc}", reason="io") from None
        raise AssertionError("unreachable: tenacity either returns, raises or reraises")  # pragma: no cover
