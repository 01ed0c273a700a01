"""A small OpenAI-compatible speech server for offline tests (stdlib only): ``/v1/audio/transcriptions`` and
``/v1/audio/speech``, played through the real ``openai`` SDK.

::

    with FakeSpeech(text="A cache keeps hot data close.", words=[("A", 0.0, 0.2), ...]) as server:
        transcriber = OpenAITranscriber("whisper-1", base_url=server.base_url, api_key="test-key")
        transcriber.transcribe(path)
        assert server.requests[0].fields["response_format"] == "verbose_json"

A transcription request (multipart) is recorded with its form fields and the uploaded file, then answered by
the first queued :class:`fake_openai.FakeReply` (faults: errors, ``Retry-After``, delays), else as a
server would: ``verbose_json`` with the words when ``"word"`` timestamps were asked for, or plain ``json``. With
``verbose=False`` the server is one that takes only ``json`` (vLLM): ``verbose_json`` gets HTTP 400. A speech
request (JSON) is answered with a short WAV of silence.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import threading
import wave
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fake_openai import FakeReply

__all__ = ["FakeSpeech", "SpeechRequest", "silent_wav", "write_silent_wav"]


def silent_wav(seconds: float = 0.5, rate: int = 16_000) -> bytes:
    """A mono 16-bit WAV file of ``seconds`` of silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


def write_silent_wav(path: Path, seconds: float = 0.5) -> Path:
    """Write :func:`silent_wav` to ``path``; return ``path``."""
    path.write_bytes(silent_wav(seconds))
    return path


@dataclass
class SpeechRequest:
    """A request the server received.

    Attributes:
        path: The request path.
        headers: Request headers, names lower-cased.
        fields: Form fields (transcriptions; repeated fields such as ``timestamp_granularities[]`` as lists) or
            the JSON body (speech).
        file_name: The uploaded file's name (transcriptions).
        file_bytes: The uploaded file (transcriptions).
    """

    path: str
    headers: dict[str, str]
    fields: dict[str, Any]
    file_name: str | None = None
    file_bytes: bytes = b""


@dataclass
class FakeSpeech:
    """An OpenAI-compatible speech server on ``127.0.0.1`` (a free port), for use as a context manager.

    Attributes:
        text: What every recording "says".
        words: ``(word, start, end)`` for ``verbose_json`` with word timestamps.
        language: The language ``verbose_json`` reports (OpenAI gives full names: ``english``).
        duration: The duration ``verbose_json`` reports.
        verbose: False for a server that takes only ``json``.
        replies: Scripted replies, used first, in order.
    """

    text: str = "A cache keeps hot data close to where it is used."
    words: Sequence[tuple[str, float, float]] = ()
    language: str = "english"
    duration: float = 3.0
    verbose: bool = True
    replies: Iterable[FakeReply] = ()
    requests: list[SpeechRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: deque[FakeReply] = deque(self.replies)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        if self._server is None:
            raise RuntimeError("FakeSpeech is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeSpeech:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {key.lower(): value for key, value in self.headers.items()}
                path = self.path.split("?", 1)[0].rstrip("/")
                if path == "/v1/audio/transcriptions":
                    request = _multipart(path, headers, raw)
                    fake._record(request)
                    self._send(fake._transcription(request))
                elif path == "/v1/audio/speech":
                    body = json.loads(raw) if raw else {}
                    fake._record(SpeechRequest(path, headers, body if isinstance(body, dict) else {}))
                    scripted = fake._next()
                    if scripted is not None:
                        self._send(scripted)
                    else:
                        self._send_bytes(silent_wav(0.5), "audio/wav")
                else:
                    self._send(FakeReply.error(404, f"no route {self.path}"))

            def _send(self, reply: FakeReply) -> None:
                if reply.delay:
                    threading.Event().wait(reply.delay)
                payload, content_type = reply.body_bytes()
                self._send_bytes(payload, content_type, reply.status, reply.headers)

            def _send_bytes(
                self, payload: bytes, content_type: str, status: int = 200, headers: dict[str, str] | None = None
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                except OSError:
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
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def push(self, *replies: FakeReply) -> None:
        """Queue more scripted replies."""
        with self._lock:
            self._queue.extend(replies)

    def _record(self, request: SpeechRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next(self) -> FakeReply | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def _transcription(self, request: SpeechRequest) -> FakeReply:
        scripted = self._next()
        if scripted is not None:
            return scripted
        if "file" not in request.fields or not request.file_bytes or "model" not in request.fields:
            return FakeReply.error(400, "expected multipart fields file and model")
        response_format = request.fields.get("response_format", "json")
        if response_format == "verbose_json" and not self.verbose:
            return FakeReply.error(400, "response_format 'verbose_json' is not supported")
        if response_format == "json":
            return FakeReply(json={"text": self.text})
        if response_format != "verbose_json":
            return FakeReply.error(400, f"unknown response_format {response_format!r}")
        body: dict[str, Any] = {
            "task": "transcribe",
            "language": self.language,
            "duration": self.duration,
            "text": self.text,
            "segments": [],
        }
        if "word" in request.fields.get("timestamp_granularities[]", []):
            body["words"] = [{"word": word, "start": start, "end": end} for word, start, end in self.words]
        return FakeReply(json=body)


def _multipart(path: str, headers: dict[str, str], raw: bytes) -> SpeechRequest:
    content_type = headers.get("content-type", "")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    fields: dict[str, Any] = {}
    file_name, file_bytes = None, b""
    if message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            if name == "file":
                file_name, file_bytes = part.get_filename(), payload
                fields["file"] = True
            elif name.endswith("[]"):
                fields.setdefault(name, []).append(payload.decode("utf-8"))
            else:
                fields[name] = payload.decode("utf-8")
    return SpeechRequest(path, headers, fields, file_name, file_bytes)
