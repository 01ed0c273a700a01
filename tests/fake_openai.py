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

Faults: a :class:`FakeReply` can be a 429 with ``Retry-After``, a 5xx, slow (``delay``), an invalid or
truncated reply (``content`` cut short), a truncated HTTP body (``truncate``: the connection closes before
the announced ``Content-Length``) or a connection reset with no reply at all (``reset``);
:class:`FaultInjector` wraps a handler and injects such faults at a seeded random rate, and :class:`Outage`
makes a server fail for a while (or hang) and then recover. The server tracks
requests in flight (``max_in_flight``).

The Batch API: ``POST /v1/files`` (multipart upload), ``GET /v1/files/{id}`` and ``/content``,
``POST /v1/batches``, ``GET /v1/batches/{id}`` and ``GET /v1/batches``. A batch completes on its
``batch_polls``-th retrieve, when each stored request line is answered like a live request (queue, then
handler) and the output and error files are written (``batch_outcome`` makes it fail or expire instead).
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from mockint.grading.evidence import supports
from mockint.models import Criterion, Rubric

__all__ = [
    "FakeOpenAI",
    "FakeReply",
    "FaultInjector",
    "Outage",
    "RecordedRequest",
    "answer_from_request",
    "completion",
    "correct_handler",
    "correct_reply",
    "error_body",
    "obeying_reply",
    "scripted_reply",
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
        truncate: Send only this many bytes of the body, then close the connection (a reply cut off in
            transit; ``Content-Length`` still announces the whole body).
        reset: Send nothing and reset the connection (TCP RST), as a crashing server or a proxy dropping the
            request does.
    """

    status: int = 200
    json: Any = None
    text: str | None = None
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: int | None = None
    reset: bool = False

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
    method: str = "POST"


class FakeOpenAI:
    """An OpenAI-compatible chat completions server on ``127.0.0.1`` (a free port), for use as a context manager.

    Args:
        replies: Scripted replies, used in order (a plain string is ``FakeReply.ok(string)``).
        handler: Called with the request JSON when the queue is empty.
        reject_json_schema: Emulate llama-cpp-python 0.3.x: ``response_format`` ``json_schema`` gets HTTP 500.
        text_only: Emulate a server without structured output: any ``response_format`` gets HTTP 400.
        latency: Seconds added before every reply (benchmarks).
        batch_polls: Retrieves of a batch before it completes.
        batch_outcome: ``completed``, ``failed`` (validation failure, no output) or ``expired`` (only the
            first half of the requests answered).
        record: Keep every request in :attr:`requests` (benchmarks with 100k requests turn it off).
    """

    def __init__(
        self,
        replies: Iterable[FakeReply | str] = (),
        *,
        handler: Handler | None = None,
        reject_json_schema: bool = False,
        text_only: bool = False,
        latency: float = 0.0,
        batch_polls: int = 2,
        batch_outcome: Literal["completed", "failed", "expired"] = "completed",
        record: bool = True,
    ) -> None:
        self.handler = handler
        self.reject_json_schema = reject_json_schema
        self.text_only = text_only
        self.latency = latency
        self.batch_polls = batch_polls
        self.batch_outcome = batch_outcome
        self.record = record
        self.requests: list[RecordedRequest] = []
        self.chat_count = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_bodies: list[Any] = []
        self._ids = itertools.count(1)
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

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The chat completion requests received so far (not file or batch calls)."""
        with self._lock:
            return [request for request in self.requests if _is_chat(request.path)]

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
                content_type = self.headers.get("Content-Type", "")
                try:
                    body: Any = json.loads(raw) if raw and "multipart" not in content_type else None
                except ValueError:
                    body = None
                self._record(body)
                path = self.path.split("?", 1)[0].rstrip("/")
                if _is_chat(path):
                    with fake._lock:
                        fake.chat_count += 1
                        fake.in_flight += 1
                        fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                    try:
                        self._send(fake._reply_for(body if isinstance(body, dict) else {}))
                    finally:
                        with fake._lock:
                            fake.in_flight -= 1
                elif path == "/v1/files":
                    self._send(fake._upload(content_type, raw))
                elif path == "/v1/batches":
                    self._send(fake._create_batch(body if isinstance(body, dict) else {}))
                else:
                    self._send(FakeReply.error(404, f"no route {self.path}"))

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                self._record(None)
                path = self.path.split("?", 1)[0].rstrip("/")
                parts = path.split("/")
                if len(parts) == 5 and parts[:3] == ["", "v1", "files"] and parts[4] == "content":
                    self._send_bytes(fake.file_bytes.get(parts[3]))
                elif len(parts) == 4 and parts[:3] == ["", "v1", "files"]:
                    found = fake.files.get(parts[3])
                    self._send(FakeReply(json=found) if found else FakeReply.error(404, "no such file"))
                elif len(parts) == 4 and parts[:3] == ["", "v1", "batches"]:
                    self._send(fake._retrieve_batch(parts[3]))
                elif path == "/v1/batches":
                    with fake._lock:
                        data = list(reversed(fake.batches.values()))
                    self._send(FakeReply(json={"object": "list", "data": data, "has_more": False}))
                else:
                    self._send(FakeReply.error(404, f"no route {self.path}"))

            def _record(self, body: Any) -> None:
                request = RecordedRequest(
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                    time=time.monotonic(),
                    method=self.command,
                )
                if fake.record:
                    with fake._lock:
                        fake.requests.append(request)

            def _send_bytes(self, data: bytes | None) -> None:
                if data is None:
                    self._send(FakeReply.error(404, "no such file"))
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()

            def _send(self, reply: FakeReply) -> None:
                wait = reply.delay + fake.latency
                if wait > 0 and fake._stopping.wait(wait):
                    return
                if reply.reset:
                    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return
                payload, content_type = reply.body_bytes()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if reply.truncate is not None:
                        # Cut off in transit: fewer bytes than announced, then the connection closes.
                        self.wfile.write(payload[: reply.truncate])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
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

    # -- files and batches ------------------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def _store_file(self, data: bytes, filename: str, purpose: str) -> str:
        file_id = self._new_id("file")
        with self._lock:
            self.file_bytes[file_id] = data
            self.files[file_id] = {
                "id": file_id,
                "object": "file",
                "bytes": len(data),
                "created_at": int(time.time()),
                "filename": filename,
                "purpose": purpose,
                "status": "processed",
            }
        return file_id

    def _upload(self, content_type: str, raw: bytes) -> FakeReply:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
        )
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = (part.get_filename(), payload)
        if "file" not in fields or fields.get("purpose", (None, b""))[1] != b"batch":
            return FakeReply.error(400, "expected multipart fields file and purpose=batch")
        file_id = self._store_file(fields["file"][1], fields["file"][0] or "upload.jsonl", "batch")
        return FakeReply(json=self.files[file_id])

    def _create_batch(self, body: dict[str, Any]) -> FakeReply:
        input_file_id = body.get("input_file_id")
        if input_file_id not in self.file_bytes:
            return FakeReply.error(400, f"no such file {input_file_id!r}")
        if body.get("endpoint") != "/v1/chat/completions" or body.get("completion_window") != "24h":
            return FakeReply.error(400, "endpoint must be /v1/chat/completions and completion_window 24h")
        batch_id = self._new_id("batch")
        batch = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "input_file_id": input_file_id,
            "completion_window": "24h",
            "status": "validating",
            "created_at": int(time.time()),
            "metadata": body.get("metadata"),
            "output_file_id": None,
            "error_file_id": None,
            "errors": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "_polls": 0,
        }
        with self._lock:
            self.batches[batch_id] = batch
        return FakeReply(json=_public(batch))

    def _retrieve_batch(self, batch_id: str) -> FakeReply:
        with self._lock:
            batch = self.batches.get(batch_id)
        if batch is None:
            return FakeReply.error(404, f"no batch {batch_id!r}")
        if batch["status"] not in ("completed", "failed", "expired"):
            batch["_polls"] += 1
            if batch["_polls"] >= self.batch_polls:
                self._run_batch(batch)
            else:
                lines = self.file_bytes[batch["input_file_id"]].count(b"\n")
                batch["status"] = "in_progress"
                batch["request_counts"] = {"total": lines, "completed": 0, "failed": 0}
        return FakeReply(json=_public(batch))

    def _run_batch(self, batch: dict[str, Any]) -> None:
        lines = [line for line in self.file_bytes[batch["input_file_id"]].splitlines() if line.strip()]
        if self.batch_outcome == "failed":
            batch["status"] = "failed"
            batch["errors"] = {
                "object": "list",
                "data": [{"code": "invalid_request", "message": "FakeOpenAI: told to fail", "line": 1}],
            }
            return
        if self.batch_outcome == "expired":
            lines = lines[: len(lines) // 2]
        outputs: list[bytes] = []
        errors: list[bytes] = []
        for number, line in enumerate(lines, start=1):
            request = json.loads(line)
            if request.get("method") != "POST" or request.get("url") != "/v1/chat/completions":
                batch["status"] = "failed"
                batch["errors"] = {"object": "list", "data": [{"code": "bad", "message": "bad line", "line": number}]}
                return
            with self._lock:
                self.batch_bodies.append(request["body"])
            reply = self._reply_for(request["body"])
            payload, _ = reply.body_bytes()
            try:
                body: Any = json.loads(payload)
            except ValueError:
                body = payload.decode("utf-8", "replace")
            record = {
                "id": f"batch_req_{number}",
                "custom_id": request["custom_id"],
                "response": {"status_code": reply.status, "request_id": f"req_{number}", "body": body},
                "error": None,
            }
            (outputs if reply.status == 200 else errors).append(json.dumps(record).encode("utf-8") + b"\n")
        batch["status"] = "expired" if self.batch_outcome == "expired" else "completed"
        total = self.file_bytes[batch["input_file_id"]].count(b"\n")
        batch["request_counts"] = {"total": total, "completed": len(outputs), "failed": len(errors)}
        if outputs:
            batch["output_file_id"] = self._store_file(b"".join(outputs), "output.jsonl", "batch_output")
        if errors:
            batch["error_file_id"] = self._store_file(b"".join(errors), "errors.jsonl", "batch_output")

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


def _is_chat(path: str) -> bool:
    return path.split("?", 1)[0].rstrip("/") in ("/v1/chat/completions", "/chat/completions")


def _public(batch: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in batch.items() if not key.startswith("_")}


class FaultInjector:
    """Wraps a handler and, at a seeded random rate, answers with a fault instead.

    Faults: ``429`` (with ``Retry-After``), ``500``, ``slow`` (a delay, then the real reply), ``invalid``
    (a reply that is not JSON), ``truncated`` (the real reply's JSON cut in half) and ``cut`` (the HTTP body
    cut off in transit). Thread-safe; :attr:`injected` counts what was injected.

    Args:
        handler: Answers the requests that get no fault.
        rate: Share of requests that get a fault.
        kinds: The faults to choose from (uniformly).
        seed: Seed of the random choices, so a test is repeatable.
        retry_after: The ``Retry-After`` header of a 429, in seconds.
        slow: Delay of a ``slow`` reply, in seconds.
    """

    KINDS = ("429", "500", "slow", "invalid", "truncated", "cut")

    def __init__(
        self,
        handler: Handler,
        *,
        rate: float = 0.3,
        kinds: Sequence[str] = KINDS,
        seed: int = 0,
        retry_after: str = "0",
        slow: float = 0.2,
    ) -> None:
        unknown = set(kinds) - set(self.KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; use {self.KINDS}")
        self.handler = handler
        self.rate = rate
        self.kinds = tuple(kinds)
        self.retry_after = retry_after
        self.slow = slow
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> FakeReply | str:
        with self._lock:
            kind = self._random.choice(self.kinds) if self._random.random() < self.rate else None
            if kind is not None:
                self.injected[kind] += 1
        if kind == "429":
            return FakeReply.error(429, "Rate limit reached", headers={"Retry-After": self.retry_after})
        if kind == "500":
            return FakeReply.error(500, "FakeOpenAI: injected failure")
        if kind == "invalid":
            return FakeReply.ok("Sorry, I cannot produce JSON today.")
        reply = self.handler(body)
        if isinstance(reply, str):
            reply = FakeReply.ok(reply)
        if kind == "slow":
            return FakeReply(
                status=reply.status,
                json=reply.json,
                text=reply.text,
                content=reply.content,
                headers=reply.headers,
                delay=reply.delay + self.slow,
            )
        if kind == "truncated" and reply.status == 200 and reply.json is not None:
            content = reply.json["choices"][0]["message"]["content"] or ""
            return FakeReply.ok(content[: len(content) // 2])
        if kind == "cut":
            payload, _ = reply.body_bytes()
            return FakeReply(status=reply.status, json=reply.json, truncate=len(payload) // 2)
        return reply


class Outage:
    """Wraps a handler: the first ``requests`` requests (or those within ``seconds`` of the first) get ``reply``,
    the rest the handler's answer; a server that fails for a while and then recovers.

    Thread-safe; :attr:`failed` counts the requests answered with ``reply`` and :attr:`served` the others.

    Args:
        handler: Answers the requests after the outage.
        reply: The outage's reply, e.g. ``FakeReply.error(503)``, a 429 with ``Retry-After``, or a hang
            (``FakeReply.ok("{}", delay=3600)``).
        requests: Requests answered with ``reply``.
        seconds: Or: how long the outage lasts, from the first request.
    """

    def __init__(
        self, handler: Handler, reply: FakeReply, *, requests: int | None = None, seconds: float | None = None
    ) -> None:
        if (requests is None) == (seconds is None):
            raise ValueError("give exactly one of requests and seconds")
        self.handler = handler
        self.reply = reply
        self.requests = requests
        self.seconds = seconds
        self.failed = 0
        self.served = 0
        self._started: float | None = None
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> FakeReply | str:
        with self._lock:
            now = time.monotonic()
            if self._started is None:
                self._started = now
            if self.requests is not None:
                down = self.failed < self.requests
            else:
                down = now - self._started < (self.seconds or 0.0)
            if down:
                self.failed += 1
            else:
                self.served += 1
        return self.reply if down else self.handler(body)


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


def _sentences(answer: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+|\n+", answer) if part.strip()]


def _overlap(sentence: str, text: str) -> int:
    words = {word for word in re.findall(r"\w+", text.lower()) if len(word) > 3}
    return len(words & set(re.findall(r"\w+", sentence.lower())))


def _best_sentence(answer: str, criterion: Criterion, rubric: Rubric) -> str | None:
    """The answer's sentence about the key point sharing most words with it; ``None`` when none is about it."""
    # Lexical layers only: the optional semantic layer would make each reply slow enough to time out.
    related = [sentence for sentence in _sentences(answer) if supports(sentence, criterion, rubric, semantic=False)]
    return max(related, key=lambda sentence: _overlap(sentence, criterion.text)) if related else None


def correct_reply(rubric: Rubric, answer: str) -> str:
    """A valid judge reply for ``rubric`` that the grader can verify in full: no mistake committed, and each key
    point met with a verbatim sentence of ``answer`` that is about it (the one sharing most words with the key
    point), or missed when no sentence is about it.

    Evidence checks (in the answer, and about the key point) then pass when ``answer`` is the text the judge
    saw, so every verdict is the judge's (``grader: llm``).
    """
    criteria: list[dict[str, Any]] = []
    for criterion in rubric.criteria:
        sentence = _best_sentence(answer, criterion, rubric)
        criteria.append(
            {
                "id": criterion.id,
                "rationale": "The answer states this key point." if sentence else "The answer does not say this.",
                "verdict": "met" if sentence else "missed",
                "evidence": sentence,
            }
        )
    reply = {
        "criteria": criteria,
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


def scripted_reply(
    rubric: Rubric,
    criteria: Mapping[str, tuple[str, str | None]],
    mistakes: Mapping[str, tuple[bool, str | None]] | None = None,
) -> str:
    """A valid judge reply with the given verdicts: ``{key point id: (verdict, evidence)}``.

    Key points not given are missed (no evidence) and mistakes not given are not committed, so the reply covers
    the whole rubric as the schema requires.
    """
    chosen_mistakes = mistakes or {}
    reply = {
        "criteria": [
            {
                "id": criterion.id,
                "rationale": "scripted",
                "verdict": criteria.get(criterion.id, ("missed", None))[0],
                "evidence": criteria.get(criterion.id, ("missed", None))[1],
            }
            for criterion in rubric.criteria
        ],
        "mistakes": [
            {
                "id": mistake.id,
                "rationale": "scripted",
                "committed": chosen_mistakes.get(mistake.id, (False, None))[0],
                "evidence": chosen_mistakes.get(mistake.id, (False, None))[1],
            }
            for mistake in rubric.mistakes
        ],
    }
    return json.dumps(reply, ensure_ascii=False)


def obeying_reply(rubric: Rubric, quotes: Sequence[str], real: Mapping[str, str] | None = None) -> str:
    """The reply of a judge that obeys an answer's instructions to the grader: every key point met, none of the
    mistakes made.

    Its evidence is real text of the answer: ``real[key point id]`` where given (a sentence that is about that
    key point), else the answer's own instructions, ``quotes`` in turn.
    """
    chosen = real or {}
    return scripted_reply(
        rubric,
        {
            criterion.id: ("met", chosen.get(criterion.id, quotes[index % len(quotes)]))
            for index, criterion in enumerate(rubric.criteria)
        },
    )


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
