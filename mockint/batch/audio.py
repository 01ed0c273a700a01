"""Recorded answers in answers files: a record gives ``audio`` (a path relative to its file) instead of ``answer``.

:class:`AudioAnswers` turns such a record's recording into the text that is graded, with the engine that
``MOCKINT_STT_*`` choose (:func:`~mockint.speech.build_transcriber`, built on the first recording so that a
file without audio never loads an engine). The record keeps ``transcript`` and ``stt_model`` in its ``extra``,
and so in its output line. A missing or undecodable recording, or one in which nothing was heard, is an error
record on its line; it is never graded as an empty answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mockint.errors import SpeechError

if TYPE_CHECKING:
    from mockint.speech.transcript import Transcriber, Transcript

__all__ = ["AudioAnswers"]


class AudioAnswers:
    """Transcribes the recordings of answers files, with one engine for the whole run.

    Args:
        transcriber: The engine; by default the configured one, built on first use.
        prompt_for: A question id -> the prompt for its recordings (the question and the rubric's key terms,
            :func:`~mockint.speech.transcript.transcription_prompt`), or ``None``; no prompt by default.
        language: ``"en"``, ``"ru"`` ... when every recording is in one language; detected otherwise.
    """

    def __init__(
        self,
        transcriber: Transcriber | None = None,
        *,
        prompt_for: Callable[[str], str | None] | None = None,
        language: str | None = None,
    ) -> None:
        self._transcriber = transcriber
        self._prompt_for = prompt_for
        self._language = language
        self._lock = threading.Lock()

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

    def transcribe(self, audio: Path, question_id: str) -> Transcript:
        """The transcript of one recording.

        Args:
            audio: The recording (already resolved against its answers file's folder).
            question_id: The question answered, for the prompt.

        Returns:
            The transcript; its text is not empty.

        Raises:
            SpeechError: The recording is missing, undecodable or silent, or the engine failed.
            ConfigError: A speech setting is invalid.
        """
        prompt = self._prompt_for(question_id) if self._prompt_for is not None else None
        transcript = self.engine().transcribe(audio, language=self._language, prompt=prompt)
        if not transcript.text.strip():
            raise SpeechError(
                f"{audio}: nothing was heard in the recording; check that it holds the answer (and is not muted)",
                "empty_transcript",
            )
        return transcript
