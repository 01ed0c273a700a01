"""Recording an answer from the microphone into a 16 kHz mono 16-bit WAV file, until told to stop.

:class:`Microphone` reads the default input device through PortAudio (the ``sounddevice`` package of the
``voice`` extra; Debian's ``libportaudio2``). :meth:`Microphone.start` opens the device at once, so that a
machine without one fails before the candidate speaks (``SpeechError`` with ``reason="no_device"``), then reads
blocks in a thread, reporting the elapsed time and the level of each block, until :meth:`Capture.stop`.

**Pacing.** Blocks are read no faster than the wall clock: a microphone delivers them in real time anyway, and a
device that delivers faster (a file played as a microphone, a virtual device) would otherwise fill memory in a
second and make a recording of hours.

**Rate.** A device that refuses 16 kHz is opened at its own rate and the recording is resampled to 16 kHz
(linear interpolation) when it stops: Whisper-style engines hear 16 kHz.
"""

from __future__ import annotations

import array
import math
import sys
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from mockint.errors import SpeechError

__all__ = [
    "MAX_SECONDS",
    "SAMPLE_RATE",
    "Capture",
    "Level",
    "Microphone",
    "Recorder",
    "level_of",
    "resample",
]

SAMPLE_RATE = 16_000
"""The rate recordings are saved at: what Whisper hears."""
MAX_SECONDS = 15 * 60.0
"""The longest recording: an interview answer is a few minutes; 15 minutes of 16 kHz WAV is 29 MB."""
INSTALL_HINT = "pip install 'mockint[voice]'"
_BLOCK_SECONDS = 0.05

Level = Callable[[float, float], None]
"""Called after each block: ``(seconds recorded, level 0..1)``."""


class Capture(Protocol):
    """A recording in progress."""

    @property
    def full(self) -> bool:
        """Whether the recording stopped by itself at its longest."""
        ...

    def stop(self) -> float:
        """Stop recording and write the file.

        Returns:
            Seconds recorded.

        Raises:
            SpeechError: The device failed while recording, or the file cannot be written.
        """
        ...


class Recorder(Protocol):
    """Something that records answers (:class:`Microphone`, or a fake one in tests)."""

    def check(self) -> None:
        """Check that recording can work here.

        Raises:
            SpeechError: ``missing_extra`` (sounddevice or PortAudio is not installed) or ``no_device``.
        """
        ...

    def start(self, out: Path, level: Level | None = None) -> Capture:
        """Start recording into the WAV file ``out``.

        Raises:
            SpeechError: As :meth:`check`.
        """
        ...


def _sounddevice() -> Any:
    try:
        import sounddevice
    except ImportError:
        raise SpeechError(f"recording needs the sounddevice package: {INSTALL_HINT}", "missing_extra") from None
    except OSError:
        raise SpeechError(
            "recording needs the PortAudio library, which is not installed: apt-get install libportaudio2 "
            "(macOS: brew install portaudio)",
            "missing_extra",
        ) from None
    return sounddevice


def _no_device(exc: Exception) -> SpeechError:
    detail = str(exc).strip() or type(exc).__name__
    return SpeechError(f"no microphone found (PortAudio: {detail})", "no_device")


class Microphone:
    """The default input device, through PortAudio.

    Args:
        rate: The rate the recording is saved at.
        device: A PortAudio device (index or name); the default input device by default.
        max_seconds: The recording stops by itself after this long.
    """

    def __init__(self, *, rate: int = SAMPLE_RATE, device: int | str | None = None, max_seconds: float = MAX_SECONDS):
        self.rate = rate
        self.device = device
        self.max_seconds = max_seconds

    def check(self) -> None:
        """Check that sounddevice, PortAudio and an input device are there (see :class:`Recorder`)."""
        sd = _sounddevice()
        try:
            sd.query_devices(self.device, kind="input")
        except (sd.PortAudioError, ValueError) as exc:
            raise _no_device(exc) from None

    def start(self, out: Path, level: Level | None = None) -> _Capture:
        """Open the device and record into ``out`` in a thread until :meth:`Capture.stop`.

        Raises:
            SpeechError: No device, or sounddevice or PortAudio is missing.
        """
        sd = _sounddevice()
        stream, rate = self._open(sd)
        capture = _Capture(stream, rate, self.rate, out, level, self.max_seconds, sd.PortAudioError)
        capture.begin()
        return capture

    def _open(self, sd: Any) -> tuple[Any, int]:
        try:
            return sd.RawInputStream(samplerate=self.rate, channels=1, dtype="int16", device=self.device), self.rate
        except sd.PortAudioError as first:
            try:
                info = sd.query_devices(self.device, kind="input")
                native = int(info["default_samplerate"])
            except (sd.PortAudioError, ValueError, KeyError, TypeError):
                raise _no_device(first) from None
            if native == self.rate:
                raise _no_device(first) from None
            try:
                stream = sd.RawInputStream(samplerate=native, channels=1, dtype="int16", device=self.device)
            except sd.PortAudioError as exc:
                raise _no_device(exc) from None
            return stream, native

    @staticmethod
    def _conforms(microphone: Microphone) -> Recorder:
        """Lets mypy check that Microphone satisfies the Recorder protocol."""
        return microphone


class _Capture:
    """Reads blocks from an open stream in a thread; :meth:`stop` writes the WAV file."""

    def __init__(
        self,
        stream: Any,
        rate: int,
        target_rate: int,
        out: Path,
        level: Level | None,
        max_seconds: float,
        device_error: type[Exception],
    ) -> None:
        self._stream = stream
        self._rate = rate
        self._target_rate = target_rate
        self._out = out
        self._level = level
        self._max_frames = int(max_seconds * rate)
        self._device_error = device_error
        self._chunks: list[bytes] = []
        self._frames = 0
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mockint-recording", daemon=True)
        self.full = False

    def begin(self) -> None:
        try:
            self._stream.start()
        except self._device_error as exc:
            self._stream.close()
            raise _no_device(exc) from None
        self._thread.start()

    def _run(self) -> None:
        block = max(1, int(self._rate * _BLOCK_SECONDS))
        started = time.monotonic()
        try:
            while not self._stop.is_set():
                data, _overflowed = self._stream.read(block)
                chunk = bytes(data)
                self._chunks.append(chunk)
                self._frames += len(chunk) // 2
                seconds = self._frames / self._rate
                if self._level is not None:
                    self._level(seconds, level_of(chunk))
                if self._frames >= self._max_frames:
                    self.full = True
                    return
                ahead = seconds - (time.monotonic() - started)
                if ahead > 0:
                    self._stop.wait(ahead)
        except BaseException as exc:  # reported by stop(), in the caller's thread
            self._error = exc

    def stop(self) -> float:
        """Stop, close the device and write the WAV file; return the seconds recorded."""
        self._stop.set()
        self._thread.join()
        try:
            self._stream.stop()
        except self._device_error:
            pass  # the device went away; what was read is kept
        finally:
            self._stream.close()
        if self._error is not None:
            raise SpeechError(f"the microphone failed while recording ({self._error}); record again", "no_device")
        samples = array.array("h")
        samples.frombytes(b"".join(self._chunks))
        if sys.byteorder == "big":  # PortAudio gives native order; WAV is little-endian
            samples.byteswap()
        if self._rate != self._target_rate:
            samples = resample(samples, self._rate, self._target_rate)
        try:
            with wave.open(str(self._out), "wb") as audio:
                audio.setnchannels(1)
                audio.setsampwidth(2)
                audio.setframerate(self._target_rate)
                audio.writeframes(samples.tobytes())
        except OSError as exc:
            raise SpeechError(f"{self._out}: cannot write the recording ({exc.strerror}); check the folder") from None
        return len(samples) / self._target_rate


def level_of(chunk: bytes) -> float:
    """The loudness of a block of 16-bit samples, 0 (silence, or below -60 dBFS) to 1 (full scale), by its RMS."""
    samples = array.array("h")
    samples.frombytes(chunk[: len(chunk) // 2 * 2])
    if not samples:
        return 0.0
    rms = math.sqrt(sum(sample * sample for sample in samples) / len(samples))
    if rms < 1.0:
        return 0.0
    decibels = 20.0 * math.log10(rms / 32768.0)
    return min(1.0, max(0.0, (decibels + 60.0) / 60.0))


def resample(samples: array.array[int], rate: int, target: int) -> array.array[int]:
    """``samples`` at ``rate`` Hz as ``target`` Hz, by linear interpolation (good enough for speech recognition).

    Args:
        samples: 16-bit samples.
        rate: Their rate.
        target: The rate wanted.

    Returns:
        The resampled 16-bit samples.
    """
    if rate == target or not samples:
        return array.array("h", samples)
    count = int(len(samples) * target / rate)
    step = rate / target
    last = len(samples) - 1
    out = array.array("h", bytes(2 * count))
    for index in range(count):
        position = index * step
        left = int(position)
        right = min(left + 1, last)
        fraction = position - left
        out[index] = int(round(samples[left] + (samples[right] - samples[left]) * fraction))
    return out
