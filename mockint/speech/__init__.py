"""Speech: recorded answers turned into text, and how they were said.

Modules: ``transcript`` (the :class:`Transcript` every engine returns, the :class:`Transcriber` protocol, the
prompt built from the question and the rubric's terms), ``delivery`` (speaking time, pace, filler words and long
pauses, with advice: pure functions), ``settings`` (``MOCKINT_STT_*``), ``engines`` (building the configured
engine). The OpenAI-compatible engine lives in :mod:`mockint.judge.audio`, the one place that talks to servers.
Names load on first use so that importing the package (and ``mockint --help``) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint._lazy import lazy_attributes

__all__ = [
    "Delivery",
    "Transcriber",
    "Transcript",
    "Word",
    "assess",
    "transcription_prompt",
]

if TYPE_CHECKING:
    from mockint.speech.delivery import Delivery, assess
    from mockint.speech.transcript import Transcriber, Transcript, Word, transcription_prompt

_LAZY = {
    "Delivery": "mockint.speech.delivery",
    "assess": "mockint.speech.delivery",
    "Transcriber": "mockint.speech.transcript",
    "Transcript": "mockint.speech.transcript",
    "Word": "mockint.speech.transcript",
    "transcription_prompt": "mockint.speech.transcript",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
