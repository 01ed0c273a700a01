"""Speech through any OpenAI-compatible server: ``audio.transcriptions`` (speech to text) and ``audio.speech``.

This is the judge package because it is the one place that imports ``openai``; it follows the judge's transport
conventions (:mod:`mockint.judge.transport`): the SDK's own retries off, the one retry policy (timeouts,
connection errors, 408/409/429 and 5xx but 501, the server's ``Retry-After`` honoured), SDK errors turned into one
line that says how to fix them, and the key redacted from every message.

**Word timestamps when the server has them.** The first request asks for ``response_format="verbose_json"``
with ``timestamp_granularities=["word"]`` (OpenAI ``whisper-1``, faster-whisper-server, LocalAI). A server that
rejects it (HTTP 400/404/415/422/500/501 before any success: vLLM and some proxies take only ``json``) is asked
again with plain ``json`` at once, and the first success fixes the format for the transcriber's life, as the
judge's structured-output ladder does.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mockint.errors import SpeechError
from mockint.judge.transport import DETAIL_CHARS, cause, connection_problem, make_client, redact, retrying, shorten
from mockint.speech.recording import check_recording
from mockint.speech.transcript import Transcript, Word, words_text

if TYPE_CHECKING:
    import openai
    from tenacity import RetryCallState

    from mockint.speech.settings import SttSettings, TtsSettings
    from mockint.speech.transcript import Transcriber
    from mockint.speech.tts import Speaker

__all__ = ["OpenAISpeaker", "OpenAITranscriber", "speech_error"]

logger = logging.getLogger(__name__)

Format = Literal["verbose_json", "json"]
# Statuses that say "not this response format" from a server that never answered one yet (see the docstring).
_FORMAT_REJECTED = frozenset({400, 404, 415, 422, 500, 501})
# verbose_json names the language ("english"); the rest of mockint uses ISO 639-1 codes.
_LANGUAGE_CODES = {"english": "en", "russian": "ru"}


@dataclass
class _Tally:
    """HTTP requests made for one recording, across retries and formats (for the error message)."""

    requests: int = 0


class OpenAITranscriber:
    """A :class:`~mockint.speech.transcript.Transcriber` behind an OpenAI-compatible ``/audio/transcriptions``.

    Args:
        model: The speech model (``whisper-1``, ``Systran/faster-whisper-base`` ...).
        base_url: The server's base URL (``.../v1``); ``None`` for OpenAI.
        api_key: The key (a placeholder for a keyless local server); never shown.
        timeout: Seconds per HTTP request (a long recording takes a while to transcribe).
        max_attempts: Attempts per recording, the first included.
        max_retry_wait: Longest pause between attempts, in seconds.
    """

    engine = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None,
        api_key: str,
        timeout: float = 60.0,
        max_attempts: int = 4,
        max_retry_wait: float = 30.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._model = model
        self._base_url = base_url
        self._secret = api_key
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_wait = max_retry_wait
        self._client: openai.OpenAI | None = None
        self._server = ""
        self._format: Format | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: SttSettings) -> OpenAITranscriber:
        """The transcriber that ``MOCKINT_STT_*`` (:func:`~mockint.speech.settings.load_stt_settings`) describe."""
        return cls(
            settings.model,
            base_url=settings.base_url,
            api_key=settings.key_for_client(),
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
        )

    @property
    def model(self) -> str:
        """The speech model asked for."""
        return self._model

    @property
    def response_format(self) -> Format | None:
        """The format fixed by the first success (``None`` before it)."""
        return self._format

    def close(self) -> None:
        """Close the HTTP client's connections."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> OpenAITranscriber:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def transcribe(self, audio: Path, *, language: str | None = None, prompt: str | None = None) -> Transcript:
        """Send ``audio`` to the server and return what it heard.

        Args:
            audio: The recording (:data:`~mockint.speech.recording.AUDIO_SUFFIXES`).
            language: ``"en"``, ``"ru"`` ... when known; the server detects it otherwise.
            prompt: The question and the rubric's terms (:func:`~mockint.speech.transcript.transcription_prompt`).

        Returns:
            The transcript, with word timestamps when the server gave them.

        Raises:
            SpeechError: The file is missing or broken, or the server failed after the retries.
        """
        import openai

        length = check_recording(audio)
        data = audio.read_bytes()
        client = self._sdk_client()
        formats: tuple[Format, ...] = (self._format,) if self._format is not None else ("verbose_json", "json")
        tally = _Tally()
        for index, chosen in enumerate(formats):
            try:
                reply = self._send(client, audio.name, data, chosen, language, prompt, tally)
            except openai.APIError as exc:
                rejected = isinstance(exc, openai.APIStatusError) and exc.status_code in _FORMAT_REJECTED
                if rejected and index + 1 < len(formats):
                    logger.info("%s: %s refused by the speech server (%s); asking for json", audio, chosen, cause(exc))
                    continue
                raise speech_error(
                    exc,
                    server=self._server,
                    model=self._model,
                    timeout=self.timeout,
                    requests=tally.requests,
                    secret=self._secret,
                    audio=audio,
                ) from None
            self._format = chosen
            return self._transcript(reply, language, length)
        raise AssertionError("unreachable: the last format either returns or raises")  # pragma: no cover

    def _sdk_client(self) -> openai.OpenAI:
        with self._lock:
            if self._client is None:
                self._client, self._server = make_client(
                    base_url=self._base_url, api_key=self._secret, timeout=self.timeout
                )
            return self._client

    def _send(
        self,
        client: openai.OpenAI,
        name: str,
        data: bytes,
        chosen: Format,
        language: str | None,
        prompt: str | None,
        tally: _Tally,
    ) -> Any:
        options: dict[str, Any] = {"response_format": chosen}
        if chosen == "verbose_json":
            options["timestamp_granularities"] = ["word"]
        if language:
            options["language"] = language
        if prompt:
            options["prompt"] = prompt

        def log_retry(state: RetryCallState) -> None:
            outcome = state.outcome
            error = outcome.exception() if outcome is not None else None
            pause = state.next_action.sleep if state.next_action is not None else 0.0
            logger.warning(
                "%s: transcription request failed (%s); retrying in %.1fs (attempt %d of %d)",
                name,
                cause(error),
                pause,
                state.attempt_number,
                self.max_attempts,
            )

        for attempt in retrying(
            max_attempts=self.max_attempts, max_retry_wait=self.max_retry_wait, before_sleep=log_retry
        ):
            with attempt:
                tally.requests += 1
                reply = client.audio.transcriptions.create(model=self._model, file=(name, data), **options)
        return reply

    def _transcript(self, reply: Any, language: str | None, length: float | None) -> Transcript:
        text = reply if isinstance(reply, str) else str(getattr(reply, "text", "") or "")
        words = tuple(
            Word(text=str(word.word), start=float(word.start), end=max(float(word.start), float(word.end)))
            for word in (getattr(reply, "words", None) or ())
        )
        heard = getattr(reply, "language", None)
        if isinstance(heard, str) and heard.strip():
            code: str | None = _LANGUAGE_CODES.get(heard.strip().lower(), heard.strip().lower())
        else:
            code = language
        duration = getattr(reply, "duration", None)
        return Transcript(
            text=" ".join(text.split()) or words_text(words),
            engine=self.engine,
            model=self._model,
            language=code,
            duration=float(duration) if isinstance(duration, int | float) else length,
            words=words,
        )

    @staticmethod
    def _conforms(transcriber: OpenAITranscriber) -> Transcriber:
        """Lets mypy check that OpenAITranscriber satisfies the Transcriber protocol."""
        return transcriber


class OpenAISpeaker:
    """Text to speech through an OpenAI-compatible ``/audio/speech`` (for reading questions aloud).

    Args:
        model: The speech model (``tts-1``, ``kokoro`` ...).
        voice: The voice (``alloy`` ...).
        base_url: The server's base URL (``.../v1``); ``None`` for OpenAI.
        api_key: The key; never shown.
        timeout: Seconds per HTTP request.
        max_attempts: Attempts per text, the first included.
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        voice: str,
        *,
        base_url: str | None,
        api_key: str,
        timeout: float = 60.0,
        max_attempts: int = 4,
    ) -> None:
        self.model = model
        self.voice = voice
        self._base_url = base_url
        self._secret = api_key
        self.timeout = timeout
        self.max_attempts = max_attempts

    @classmethod
    def from_settings(cls, settings: TtsSettings) -> OpenAISpeaker:
        """The speaker that ``MOCKINT_TTS_*`` (:func:`~mockint.speech.settings.load_tts_settings`) describe."""
        return cls(
            settings.model,
            settings.voice,
            base_url=settings.base_url,
            api_key=settings.key_for_client(),
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
        )

    def speak(self, text: str, out: Path) -> Path:
        """Write ``text`` spoken as a WAV file.

        Args:
            text: What to say.
            out: Where to write the WAV file.

        Returns:
            ``out``.

        Raises:
            SpeechError: The server failed after the retries, or ``out`` cannot be written.
        """
        import openai

        client, server = make_client(base_url=self._base_url, api_key=self._secret, timeout=self.timeout)
        made = 0
        try:
            for attempt in retrying(max_attempts=self.max_attempts, max_retry_wait=30.0):
                with attempt:
                    made += 1
                    reply = client.audio.speech.create(
                        model=self.model, voice=self.voice, input=text, response_format="wav"
                    )
                    data = reply.read()
        except openai.APIError as exc:
            raise speech_error(
                exc,
                server=server,
                model=self.model,
                timeout=self.timeout,
                requests=made,
                secret=self._secret,
                what="speech synthesis",
            ) from None
        finally:
            client.close()
        if not data:
            raise SpeechError(
                f"the speech server at {server} sent no audio for the question; check MOCKINT_TTS_MODEL and "
                "MOCKINT_TTS_VOICE, or choose --tts espeak",
                "bad_response",
            )
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise SpeechError(f"{out}: cannot write the spoken question ({exc.strerror}); check the folder") from None
        return out

    @staticmethod
    def _conforms(speaker: OpenAISpeaker) -> Speaker:
        """Lets mypy check that OpenAISpeaker satisfies the Speaker protocol."""
        return speaker


def speech_error(
    exc: openai.APIError,
    *,
    server: str,
    model: str,
    timeout: float,
    requests: int,
    secret: str,
    audio: Path | None = None,
    what: str = "transcription",
) -> SpeechError:
    """Turn an SDK error from a speech endpoint into a one-line ``SpeechError`` that says how to fix it.

    Args:
        exc: The SDK's error after the last attempt.
        server: The server's URL without credentials.
        model: The model asked for.
        timeout: Seconds per HTTP request.
        requests: HTTP requests made.
        secret: The API key, redacted from the message.
        audio: The recording, named at the start of the message.
        what: ``transcription`` or ``speech synthesis``.

    Returns:
        The error; ``reason`` is ``timeout``, ``connection``, ``connection_reset``, ``bad_response`` or
        ``http_<status>`` (``undecodable`` for a 400 about the audio itself).
    """
    import openai

    where = f"{audio}: " if audio is not None else ""
    made = f"{requests} request{'s' if requests != 1 else ''}"
    # The settings to fix are the speech server's for a transcription, the question reader's for a synthesis.
    env = "MOCKINT_TTS" if what == "speech synthesis" else "MOCKINT_STT"
    fallback = (
        "choose --tts espeak" if what == "speech synthesis" else "set MOCKINT_STT_ENGINE=local for the offline engine"
    )
    reason: str
    if isinstance(exc, openai.APITimeoutError):
        message = (
            f"the speech server at {server} did not finish the {what} within {timeout:g}s ({made}); "
            f"raise MOCKINT_TIMEOUT or {'choose --tts espeak' if env == 'MOCKINT_TTS' else 'send a shorter recording'}"
        )
        reason = "timeout"
    elif isinstance(exc, openai.APIConnectionError):
        problem = connection_problem(exc)
        reason = "connection_reset" if problem == "reset" else "connection"
        detail = f"{problem}; " if problem != "unknown" else ""
        message = (
            f"cannot reach the speech server at {server} ({detail}{made}); start it or fix {env}_BASE_URL "
            f"(or {fallback})"
        )
    elif isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        reason = f"http_{status}"
        detail = _detail(exc)
        if status == 401:
            # No server detail: OpenAI's 401 message quotes part of the key.
            message = f"the speech server rejected the API key (HTTP 401); check {env}_API_KEY (or OPENAI_API_KEY)"
        elif status == 404:
            message = (
                f"model {model!r} or the {what} endpoint was not found at {server} (HTTP 404){detail}; check "
                f"{env}_MODEL and {env}_BASE_URL (it usually ends in /v1)"
            )
        elif status in (400, 415) and audio is not None:
            reason = "undecodable"
            message = f"the speech server could not use the recording (HTTP {status}){detail}; convert it to WAV"
        elif status == 429:
            message = f"the speech server is rate limiting (HTTP 429) and still was after {made}; try again later"
        elif status >= 500:
            message = f"the speech server failed (HTTP {status}){detail} ({made}); check its log or try again later"
        else:
            message = f"the speech server rejected the request (HTTP {status}){detail}; check {env}_MODEL"
    else:
        message = f"unexpected reply from the speech server at {server}: {shorten(str(exc), DETAIL_CHARS)}"
        reason = "bad_response"
    return SpeechError(redact(where + message, secret), reason=reason)


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    text: object = body.get("message") if isinstance(body, dict) else body
    return ": " + shorten(str(text), DETAIL_CHARS) if text else ""
