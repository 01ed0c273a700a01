"""Recorded answers in answers files: a record gives ``audio`` (a path relative to its file) instead of ``answer``.

:class:`AudioAnswers` turns such a record's recording into the text that is graded, with the engine that
``MOCKINT_STT_*`` choose (:func:`~mockint.speech.build_transcriber`, built on the first recording so that a
file without audio never loads an engine). The record keeps ``transcript``, ``stt_model`` and ``speech`` (how it
was said, :func:`speech_figures`) in its ``extra``; its output line has all three as top-level fields, and
``transcript`` and ``stt_model`` under ``extra`` too. A missing or undecodable recording, or one in
which nothing was heard, is an error record on its line; it is never graded as an empty answer.

**Concurrently.** The reader (:func:`~mockint.batch.answers.read_answers`) looks :attr:`AudioAnswers.window`
records ahead and :meth:`~AudioAnswers.prefetch` es their recordings, so that up to ``workers`` are transcribed at
once (threads: the engines wait on a server or run in CTranslate2, which releases the GIL) while the records are
still read, checked and graded in input order. A speech server gains the most; the offline engine's one model
serialises its calls and uses every core for each (on 2 cores, 4 espeak-ng clips took 6.2-7.0 s with 1 worker or
4).

**Cached.** A transcript is kept by the recording's sha256, the engine, its model, the prompt and the language
(:mod:`mockint.speech.cache`, under ``MOCKINT_HOME/transcripts``), and within a run in memory too, since a run
may read its files more than once (a report, a gradebook).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockint.errors import SpeechError

if TYPE_CHECKING:
    from mockint.speech.cache import TranscriptCache
    from mockint.speech.transcript import Transcriber, Transcript

__all__ = ["AudioAnswers", "speech_figures"]

# The pause figures of :func:`~mockint.speech.delivery.delivery_json`: without word timestamps they are unknown.
_PAUSE_FIGURES = ("long_pauses", "longest_pause")


def speech_figures(transcript: Transcript, time_limit: float | None = None) -> dict[str, Any]:
    """How a recorded answer was said, as the ``speech`` object of its output line.

    The interview's figures (:func:`~mockint.speech.delivery.assess`, shaped by
    :func:`~mockint.speech.delivery.delivery_json`): ``seconds``, ``time_limit``, ``words``, ``wpm``, ``fillers``,
    ``filler_count``, ``filler_rate``, ``long_pauses``, ``longest_pause``, ``timestamps`` and ``advice``. Without
    word timestamps (``timestamps`` false) the two pause figures are left out rather than given as zero.

    Args:
        transcript: The recording's transcript (a cached one keeps the duration and the word timestamps).
        time_limit: The question's soft time limit in seconds, if any.
    """
    from mockint.speech.delivery import assess, delivery_json

    figures = delivery_json(assess(transcript, time_limit=time_limit))
    if not figures["timestamps"]:
        for name in _PAUSE_FIGURES:
            del figures[name]
    return figures


class AudioAnswers:
    """Transcribes the recordings of answers files, with one engine for the whole run.

    Args:
        transcriber: The engine; by default the configured one, built on first use.
        prompt_for: A question id -> the prompt for its recordings (the question and the rubric's key terms,
            :func:`~mockint.speech.transcript.transcription_prompt`), or ``None``; no prompt by default.
        language: ``"en"``, ``"ru"`` ... when every recording is in one language; detected otherwise.
        workers: Recordings transcribed at once (``mockint grade -c``); 1 transcribes each as it is read.
        cache: Where transcripts are kept between runs; none by default.
    """

    def __init__(
        self,
        transcriber: Transcriber | None = None,
        *,
        prompt_for: Callable[[str], str | None] | None = None,
        language: str | None = None,
        workers: int = 1,
        cache: TranscriptCache | None = None,
    ) -> None:
        self._transcriber = transcriber
        self._prompt_for = prompt_for
        self._language = language
        self._workers = max(1, workers)
        self._cache = cache
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[tuple[Path, str], deque[Future[Transcript]]] = {}
        self._done: dict[str, Transcript] = {}

    @property
    def window(self) -> int:
        """How many records ahead the reader prefetches: enough to keep every worker busy."""
        return 2 * self._workers if self._workers > 1 else 0

    @property
    def cache(self) -> TranscriptCache | None:
        """The transcript cache, if any."""
        return self._cache

    def engine(self) -> Transcriber:
        """The engine, built from the settings on first use.

        Raises:
            ConfigError: A ``MOCKINT_STT_*`` setting is invalid.
        """
        with self._lock:
            if self._transcriber is None:
                from mockint.speech.engines import build_transcriber

                self._transcriber = build_transcriber()
            return self._transcriber

    def prefetch(self, audio: Path, question_id: str) -> None:
        """Start transcribing ``audio`` in the background; :meth:`transcribe` of the same pair picks it up."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="mockint-stt")
            future = self._pool.submit(self._heard, audio, question_id)
            self._pending.setdefault((audio, question_id), deque()).append(future)

    def transcribe(self, audio: Path, question_id: str) -> Transcript:
        """The transcript of one recording (prefetched, cached, or made now).

        Args:
            audio: The recording (already resolved against its answers file's folder).
            question_id: The question answered, for the prompt.

        Returns:
            The transcript; its text is not empty.

        Raises:
            SpeechError: The recording is missing, undecodable or silent, or the engine failed.
            ConfigError: A speech setting is invalid.
        """
        with self._lock:
            queued = self._pending.get((audio, question_id))
            future = queued.popleft() if queued else None
            if queued is not None and not queued:
                del self._pending[(audio, question_id)]
        transcript = future.result() if future is not None else self._heard(audio, question_id)
        if not transcript.text.strip():
            raise SpeechError(
                f"{audio}: nothing was heard in the recording; check that it holds the answer (and is not muted)",
                "empty_transcript",
            )
        return transcript

    def _heard(self, audio: Path, question_id: str) -> Transcript:
        from mockint.speech.cache import audio_digest, transcript_key
        from mockint.speech.recording import check_recording

        engine = self.engine()
        prompt = self._prompt_for(question_id) if self._prompt_for is not None else None
        check_recording(audio)  # a missing or broken file is named before it is hashed
        try:
            digest = audio_digest(audio)
        except OSError as exc:
            raise SpeechError(
                f"{audio}: cannot read the recording ({exc.strerror}); check it", "missing_file"
            ) from None
        key = transcript_key(digest, engine.engine, engine.model, prompt, self._language)
        with self._lock:
            known = self._done.get(key)
        if known is None and self._cache is not None:
            known = self._cache.get(key)
        if known is None:
            known = engine.transcribe(audio, language=self._language, prompt=prompt)
            if self._cache is not None:
                self._cache.put(key, known)
        with self._lock:
            self._done[key] = known
        return known

    def settle(self) -> None:
        """End a pass over a file: drop the transcriptions not started and let the workers go (a next
        :meth:`prefetch` starts new ones). Those running finish in the background (their transcripts are kept)."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._pending.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
