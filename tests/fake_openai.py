"""A small OpenAI-compatible HTTP server for offline tests (stdlib only).

Tests talk to it through the real ``openai`` SDK, so request building, HTTP errors, headers and timeouts are
exercised end to end::

    with FakeOpenAI([FakeReply.ok(correct_reply(rubric, answer))]) as server:
        judge = OpenAIJudge("fake-model", base_url=server.base_url, api_key="test-key")
        judge.judge(answer, rubric)
        assert len(server.requests) == 1

Each POST to ``/v1/chat/completions`` (or ``/chat/completions``) is recorded, then answered by the first
queued reply, else by ``handler(request_json)``, else with HTTP 500 "no scripted reply". Server-type switches
(``reject_json_schema`` for llama-cpp-python 0.3.x, ``text_only``) are applied before the queue.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mockint.models import Rubric

__all__ = [
    "FakeOpenAI",
    "FakeReply",
    "RecordedRequest",
    "answer_from_request",
    "completion",
    "correct_handler",
    "correct_reply",
    "error_body",
]

Handler = Callable[[dict[str, Any]], "FakeReply | str"]


def completion(content: str | None, *, model: str = "fake-model", finish_reason: str = "stop") -> dict[str, Any]:
    """A valid ``chat.completion`` object whose assistant message holds ``content``."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    }


def error_body(message: str, *, type_: str = "server_error", code: str | int | None = None) -> dict[str, Any]:
    """An OpenAI-style error body: ``{"error": {"message", "type", "param", "code"}}``."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


@dataclass
class FakeReply:
    """One scripted HTTP reply.

    Attributes:
        status: HTTP status code.
        json: A JSON body (used when ``text`` and ``content`` are None).
        text: A raw text body (sent as is).
        content: The assistant message content; builds a full chat completion (see :func:`completion`).
        headers: Extra response headers, e.g. ``{"Retry-After": "1"}``.
        delay: Seconds to wait before replying (a delay longer than the client's timeout is a timeout).
    """

    status: int = 200
    json: Any = None
    text: str | None = None
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def ok(cls, content: str, *, delay: float = 0.0, finish_reason: str = "stop") -> FakeReply:
        """A 200 chat completion with this assistant content."""
        return cls(json=completion(content, finish_reason=finish_reason), delay=delay)

    @classmethod
    def error(
        cls,
        status: int,
        message: str = "fake error",
        *,
        headers: dict[str, str] | None = None,
        code: str | int | None = None,
        delay: float = 0.0,
    ) -> FakeReply:
        """An OpenAI-style error reply."""
        return cls(status=status, json=error_body(message, code=code), headers=dict(headers or {}), delay=delay)

    def body_bytes(self) -> tuple[bytes, str]:
        if self.text is not None:
            return self.text.encode("utf-8"), "text/plain; charset=utf-8"
        payload = completion(self.content) if self.content is not None else self.json
        return json.dumps(payload if payload is not None else {}).encode("utf-8"), "application/json"


@dataclass
class RecordedRequest:
    """A request the server received.

    Attributes:
        path: The request path, e.g. ``/v1/chat/completions``.
        headers: Request headers, names lower-cased.
        body: The parsed JSON body (``None`` if it was not JSON).
        time: ``time.monotonic()`` when it arrived.
    """

    path: str
    headers: dict[str, str]
    body: Any
    time: float


class FakeOpenAI:
    """An OpenAI-compatible chat completions server on ``127.0.0.1`` (a free port), for use as a context manager.

    Args:
        replies: Scripted replies, used in order (a plain string is ``FakeReply.ok(string)``).
        handler: Called with the request JSON when the queue is empty.
        reject_json_schema: Emulate llama-cpp-python 0.3.x: ``response_format`` ``json_schema`` gets HTTP 500.
        text_only: Emulate a server without structured output: any ``response_format`` gets HTTP 400.
        latency: Seconds added before every reply (benchmarks).
    """

    def __init__(
        self,
        replies: Iterable[FakeReply | str] = (),
        *,
        handler: Handler | None = None,
        reject_json_schema: bool = False,
        text_only: bool = False,
        latency: float = 0.0,
    ) -> None:
        self.handler = handler
        self.reject_json_schema = reject_json_schema
        self.text_only = text_only
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self._queue: deque[FakeReply | str] = deque(replies)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def bodies(self) -> list[Any]:
        """The JSON bodies received so far."""
        with self._lock:
            return [request.body for request in self.requests]

    def push(self, *replies: FakeReply | str) -> None:
        """Queue more scripted replies."""
        with self._lock:
            self._queue.extend(replies)

    def __enter__(self) -> FakeOpenAI:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm each reply would wait ~40 ms.
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with fake._lock:
                    fake._sockets.add(self.connection)

            def finish(self) -> None:
                try:
                    super().finish()
                except OSError:
                    pass
                with fake._lock:
                    fake._sockets.discard(self.connection)

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                request = RecordedRequest(
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                    time=time.monotonic(),
                )
                with fake._lock:
                    fake.requests.append(request)
                if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                    reply = FakeReply.error(404, f"no route {self.path}")
                else:
                    reply = fake._reply_for(body if isinstance(body, dict) else {})
                self._send(reply)

            def _send(self, reply: FakeReply) -> None:
                wait = reply.delay + fake.latency
                if wait > 0 and fake._stopping.wait(wait):
                    return
                payload, content_type = reply.body_bytes()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                except OSError:
                    # The client gave up (timeout) and closed the connection.
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server API
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving: wake delayed replies, close open connections, join the server thread."""
        self._stopping.set()
        if self._server is None:
            return
        self._server.shutdown()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            # Idle keep-alive handlers block reading the next request; shutting the socket ends them.
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def _reply_for(self, body: dict[str, Any]) -> FakeReply:
        response_format = body.get("response_format")
        if self.text_only and response_format is not None:
            return FakeReply.error(400, "response_format is not supported by this server", code=400)
        if (
            self.reject_json_schema
            and isinstance(response_format, dict)
            and response_format.get("type") == "json_schema"
        ):
            # What llama-cpp-python 0.3.x answers to a json_schema response_format.
            return FakeReply.error(500, "Internal Server Error", code=500)
        with self._lock:
            scripted = self._queue.popleft() if self._queue else None
        if scripted is None and self.handler is not None:
            scripted = self.handler(body)
        if scripted is None:
            return FakeReply.error(500, "FakeOpenAI: no scripted reply left")
        return FakeReply.ok(scripted) if isinstance(scripted, str) else scripted


_ANSWER_TAG = re.compile(r"<answer(?P<attrs>[^>]*)>\n?(?P<answer>.*)\n?</answer>", re.DOTALL)


def answer_from_request(body: dict[str, Any]) -> tuple[str | None, str]:
    """The ``question_id`` attribute and the answer text of a judge request (from its last user message)."""
    user_messages = [m for m in body.get("messages", []) if m.get("role") == "user"]
    if not user_messages:
        raise ValueError("the request has no user message")
    # A re-ask's last user message is the validation error; the answer is in the first user message.
    for message in reversed(user_messages):
        match = _ANSWER_TAG.search(str(message.get("content", "")))
        if match:
            question = re.search(r'question_id="([^"]*)"', match.group("attrs"))
            return (question.group(1) if question else None), match.group("answer").strip("\n")
    raise ValueError("no <answer>...</answer> block in the request")


def _best_sentence(answer: str, text: str) -> str:
    sentences = [part.strip() for part in re.split(r"(?<=[.!?])\s+|\n+", answer) if part.strip()]
    if not sentences:
        return answer
    words = {word for word in re.findall(r"\w+", text.lower()) if len(word) > 3}
    return max(sentences, key=lambda sentence: len(words & set(re.findall(r"\w+", sentence.lower()))))


def correct_reply(rubric: Rubric, answer: str) -> str:
    """A valid judge reply for ``rubric``: every key point met, no mistake committed.

    Each key point's evidence is a verbatim sentence of ``answer`` (the one sharing most words with the key
    point, else the first), so evidence checks pass when ``answer`` is the text the judge saw.
    """
    reply = {
        "criteria": [
            {
                "id": criterion.id,
                "rationale": "The answer states this key point.",
                "verdict": "met",
                "evidence": _best_sentence(answer, criterion.text),
            }
            for criterion in rubric.criteria
        ],
        "mistakes": [
            {
                "id": mistake.id,
                "rationale": "The answer does not make this mistake.",
                "committed": False,
                "evidence": None,
            }
            for mistake in rubric.mistakes
        ],
    }
    return json.dumps(reply, ensure_ascii=False)


def correct_handler(*rubrics: Rubric) -> Handler:
    """A handler answering every judge request with :func:`correct_reply` for the rubric it names."""
    by_id = {rubric.id: rubric for rubric in rubrics}

    def handle(body: dict[str, Any]) -> FakeReply | str:
        question_id, answer = answer_from_request(body)
        rubric = by_id.get(question_id or "") or (rubrics[0] if len(rubrics) == 1 else None)
        if rubric is None:
            return FakeReply.error(400, f"FakeOpenAI: no rubric for question_id {question_id!r}")
        return correct_reply(rubric, answer)

    return handle
