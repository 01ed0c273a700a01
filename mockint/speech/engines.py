"""The configured speech-to-text engine: a speech server (``openai``) or faster-whisper offline (``local``)."""

from __future__ import annotations

from pathlib import Path

from mockint.config import load_settings
from mockint.speech.settings import SttSettings, load_stt_settings
from mockint.speech.transcript import Transcriber

__all__ = ["build_transcriber"]


def build_transcriber(settings: SttSettings | None = None, *, home: Path | None = None) -> Transcriber:
    """The engine ``MOCKINT_STT_*`` choose (:func:`~mockint.speech.settings.load_stt_settings`).

    Args:
        settings: The speech settings; read from the environment by default.
        home: ``MOCKINT_HOME``, where the offline engine keeps its model; read from the environment by default.

    Returns:
        An :class:`~mockint.judge.audio.OpenAITranscriber` for a speech server, else a
        :class:`~mockint.speech.whisper.WhisperTranscriber` (which needs ``pip install 'mockint[voice]'``; a
        missing extra is reported when it first transcribes).

    Raises:
        ConfigError: A setting is invalid.
    """
    settings = settings if settings is not None else load_stt_settings()
    if settings.engine == "openai":
        from mockint.judge.audio import OpenAITranscriber

        return OpenAITranscriber.from_settings(settings)
    from mockint.speech.whisper import WhisperTranscriber

    return WhisperTranscriber(home if home is not None else load_settings().home)
