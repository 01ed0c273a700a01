"""Playing a WAV file: through PortAudio (``sounddevice``) when it finds an output device, else ``aplay`` or
``paplay`` when one is on ``PATH``.

A machine without a sound card is normal (a server, a container, CI): playing then raises one
:class:`~mockint.errors.SpeechError` with ``reason="no_device"``, and the interview shows its questions as text.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

from mockint.errors import SpeechError

__all__ = ["play"]

# Frames written to the device per call: small enough that Ctrl-C stops the sound within a tenth of a second.
_BLOCK_SECONDS = 0.1
# sampwidth -> the sounddevice dtype of one sample.
_DTYPES = {1: "uint8", 2: "int16", 4: "int32"}


def play(path: Path) -> str:
    """Play the WAV file ``path`` to the end (blocking).

    Args:
        path: The WAV file.

    Returns:
        What played it: ``sounddevice``, ``aplay`` or ``paplay``.

    Raises:
        SpeechError: Nothing could play it: no output device, no player (``reason``: ``no_device``); or the file
            is not a WAV file (``undecodable``).
    """
    problems: list[str] = []
    why = _play_with_sounddevice(path)
    if why is None:
        return "sounddevice"
    problems.append(why)
    for tool in ("aplay", "paplay"):
        binary = shutil.which(tool)
        if binary is None:
            continue
        why = _play_with(binary, path)
        if why is None:
            return tool
        problems.append(f"{tool}: {why}")
    detail = "; ".join(problems) if problems else "no player found"
    raise SpeechError(f"no sound output device ({detail})", "no_device")


def _play_with_sounddevice(path: Path) -> str | None:
    """Play through PortAudio; ``None`` when it played, else why it could not."""
    try:
        import sounddevice
    except ImportError:
        return "sounddevice is not installed"
    except OSError:  # the module is there but the PortAudio library is not (Debian: libportaudio2)
        return "the PortAudio library is missing"
    try:
        with wave.open(str(path), "rb") as audio:
            rate, channels, width = audio.getframerate(), audio.getnchannels(), audio.getsampwidth()
            frames = audio.readframes(audio.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise SpeechError(f"{path}: not a playable WAV file ({exc})", "undecodable") from None
    dtype = _DTYPES.get(width)
    if dtype is None:
        return f"{width * 8}-bit samples are not supported"
    try:
        with sounddevice.RawOutputStream(samplerate=rate, channels=channels, dtype=dtype) as stream:
            step = max(1, int(rate * _BLOCK_SECONDS)) * channels * width
            for start in range(0, len(frames), step):
                stream.write(frames[start : start + step])
    except sounddevice.PortAudioError as exc:
        return f"PortAudio: {exc}"
    return None


def _play_with(binary: str, path: Path) -> str | None:
    """Play with a command-line player; ``None`` when it played, else its first line of complaint."""
    process = subprocess.Popen([binary, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = process.communicate()
    except BaseException:  # Ctrl-C while the question is read: stop the sound with the interview
        process.kill()
        process.wait()
        raise
    if process.returncode == 0:
        return None
    lines = err.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit {process.returncode}"
