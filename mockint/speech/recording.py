"""Recordings on disk: is the file there, is it audio we can send, and how long is it.

Checked before any engine runs so that a missing or broken file is a one-line error naming the file, not an
HTTP 400 from a server or a decoder's traceback. WAV is read with the standard library (``wave``), which also
gives the duration; other formats are passed to the engine, which decodes them.
"""

from __future__ import annotations

import wave
from pathlib import Path

from mockint.errors import SpeechError

__all__ = ["AUDIO_SUFFIXES", "MAX_AUDIO_BYTES", "check_recording"]

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".ogg", ".webm"})
"""The formats the OpenAI transcription endpoint takes (and faster-whisper decodes)."""
MAX_AUDIO_BYTES = 25 * 1024 * 1024
"""OpenAI's upload limit for one transcription; about 13 minutes of 16 kHz 16-bit mono WAV."""


def check_recording(path: Path) -> float | None:
    """Check that ``path`` is a recording an engine can take.

    Args:
        path: The audio file.

    Returns:
        Its duration in seconds for a WAV file, else ``None`` (the engine will tell).

    Raises:
        SpeechError: The file is missing, empty, too large, of an unknown format, or a WAV file that does not
            decode (``reason``: ``missing_file``, ``undecodable``, ``too_large``).
    """
    if not path.is_file():
        raise SpeechError(f"{path}: no such audio file; check the path (relative to the answers file)", "missing_file")
    suffix = path.suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        known = ", ".join(sorted(AUDIO_SUFFIXES))
        raise SpeechError(f"{path}: not a known audio format; convert it to one of {known}", "undecodable")
    size = path.stat().st_size
    if size == 0:
        raise SpeechError(f"{path}: the audio file is empty; record the answer again", "undecodable")
    if size > MAX_AUDIO_BYTES:
        raise SpeechError(
            f"{path}: {size / 1024 / 1024:.0f} MiB is over the 25 MiB a speech server takes; cut it or convert it "
            "to 16 kHz mono (sox IN -r 16000 -c 1 OUT.wav)",
            "too_large",
        )
    if suffix != ".wav":
        return None
    try:
        with wave.open(str(path), "rb") as audio:
            frames, rate = audio.getnframes(), audio.getframerate()
    except (wave.Error, EOFError, OSError) as exc:
        raise SpeechError(
            f"{path}: not a readable WAV file ({exc}); record it again or convert it (sox IN -r 16000 -c 1 OUT.wav)",
            "undecodable",
        ) from None
    if rate <= 0:
        raise SpeechError(f"{path}: the WAV header gives no sample rate; convert it (sox IN OUT.wav)", "undecodable")
    return frames / rate
