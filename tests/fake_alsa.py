"""A fake microphone for tests: ALSA's ``file`` plugin reads a raw 16 kHz clip as the default capture device.

An ``.asoundrc`` in a test folder makes the default device ``asym``: playback goes to the ``null`` device,
capture comes from a ``file`` pcm whose ``infile`` is the clip (its ``null`` slave gives silence after the clip's
end). With ``HOME`` pointed at the folder, the real PortAudio (``sounddevice``) records the clip. PortAudio reads
the ALSA configuration when it starts, so whatever uses the fake device runs in a fresh process
(:func:`fake_alsa_env`).

::

    home = fake_alsa_home(tmp_path, espeak("A cache keeps hot data close.", tmp_path / "clip.wav"))
    subprocess.run([sys.executable, "-m", "mockint", ...], env=fake_alsa_env(home))
"""

from __future__ import annotations

import array
import ctypes.util
import importlib.util
import os
import wave
from pathlib import Path

import pytest

__all__ = ["fake_alsa_env", "fake_alsa_home", "raw_clip", "require_portaudio"]

RATE = 16_000

ASOUNDRC = """\
pcm.!default {{
    type asym
    playback.pcm "null"
    capture.pcm "fakemic"
}}
pcm.fakemic {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{clip}"
    format "raw"
}}
"""


def require_portaudio() -> None:
    """Skip the test unless sounddevice and the PortAudio library (Debian libportaudio2) are installed."""
    if importlib.util.find_spec("sounddevice") is None:
        pytest.skip("sounddevice is not installed (pip install 'mockint[voice]')")
    if ctypes.util.find_library("portaudio") is None:
        pytest.skip("the PortAudio library is not installed (apt-get install libportaudio2)")
    if ctypes.util.find_library("asound") is None:
        pytest.skip("ALSA's library is not installed (apt-get install libasound2)")


def raw_clip(wav: Path, out: Path) -> bytes:
    """Write ``wav`` to ``out`` as raw 16 kHz mono 16-bit samples (linear interpolation); return the bytes."""
    with wave.open(str(wav), "rb") as audio:
        rate, channels = audio.getframerate(), audio.getnchannels()
        assert audio.getsampwidth() == 2, "a 16-bit clip"
        samples = array.array("h", audio.readframes(audio.getnframes()))
    mono = samples[::channels]
    count = int(len(mono) * RATE / rate)
    step, last = rate / RATE, len(mono) - 1
    resampled = array.array("h", bytes(2 * count))
    for index in range(count):
        position = index * step
        left = int(position)
        right = min(left + 1, last)
        resampled[index] = int(round(mono[left] + (mono[right] - mono[left]) * (position - left)))
    data = resampled.tobytes()
    out.write_bytes(data)
    return data


def fake_alsa_home(folder: Path, clip: Path) -> Path:
    """A HOME folder whose ``.asoundrc`` makes ``clip`` (a WAV file) the default microphone; returns it.

    The clip is converted to raw 16 kHz samples beside it (``clip.raw``), which is what the device gives.
    """
    require_portaudio()
    home = folder / "alsa-home"
    home.mkdir(parents=True, exist_ok=True)
    raw = home / "clip.raw"
    raw_clip(clip, raw)
    (home / ".asoundrc").write_text(ASOUNDRC.format(clip=raw), encoding="utf-8")
    return home


def fake_alsa_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a process that records from the fake microphone in ``home``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENAI_")}
    env.update({"HOME": str(home), "PYTHONUNBUFFERED": "1", **extra})
    env.pop("ALSA_CONFIG_PATH", None)
    return env
