"""Speech: recorded answers turned into text, and how they were said.

Modules: ``transcript`` (the :class:`Transcript` every engine returns, the :class:`Transcriber` protocol, the
prompt built from the question and the rubric's terms), ``delivery`` (speaking time, pace, filler words and long
pauses, with advice: pure functions), ``settings`` (``MOCKINT_STT_*``), ``engines`` (:func:`build_transcriber`:
the configured engine), ``recording`` (checking audio files), ``whisper`` (the offline engine: faster-whisper
with Whisper base from the ``voice`` extra), ``wer`` (word error rate), ``cache`` (transcripts kept by recording
and engine), ``microphone`` (recording through PortAudio), ``playback`` (playing a WAV file), ``tts`` (reading
questions aloud: espeak-ng, piper, a server). The OpenAI-compatible engines (speech to text, text to speech)
live in :mod:`mockint.judge.audio`, the one place that talks to servers.
Names load on first use so that importing the package (and ``mockint --help``) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint._lazy import lazy_attributes

__all__ = [
    "Delivery",
    "SttSettings",
    "Transcriber",
    "Transcript",
    "Word",
    "assess",
    "build_transcriber",
    "load_stt_settings",
    "transcription_prompt",
    "word_error_rate",
]

if TYPE_CHECKING:
    from mockint.speech.delivery import Delivery, assess
    from mockint.speech.engines import build_transcriber
    from mockint.speech.settings import SttSettings, load_stt_settings
    from mockint.speech.transcript import Transcriber, Transcript, Word, transcription_prompt
    from mockint.speech.wer import word_error_rate

_LAZY = {
    "Delivery": "mockint.speech.delivery",
    "assess": "mockint.speech.delivery",
    "build_transcriber": "mockint.speech.engines",
    "SttSettings": "mockint.speech.settings",
    "load_stt_settings": "mockint.speech.settings",
    "word_error_rate": "mockint.speech.wer",
    "Transcriber": "mockint.speech.transcript",
    "Transcript": "mockint.speech.transcript",
    "Word": "mockint.speech.transcript",
    "transcription_prompt": "mockint.speech.transcript",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
