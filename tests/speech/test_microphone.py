"""Recording from the microphone: the real PortAudio code through a fake ALSA device, paced to the clock, saved
as 16 kHz mono WAV; no device is one line; and the pure helpers (level, resampling) by hand."""

from __future__ import annotations

import array
import json
import math
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import pytest
from clips import espeak
from fake_alsa import fake_alsa_env, fake_alsa_home, require_portaudio

from mockint.speech.microphone import level_of, resample

RECORD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from mockint.speech.microphone import Microphone

    levels = []
    microphone = Microphone()
    microphone.check()
    capture = microphone.start(Path(sys.argv[1]), lambda seconds, level: levels.append(level))
    started = time.monotonic()
    time.sleep(float(sys.argv[2]))
    seconds = capture.stop()
    wall = time.monotonic() - started
    print(json.dumps({"seconds": seconds, "wall": wall, "peak": max(levels), "full": capture.full}))
    """
)


def test_the_real_recording_code_records_the_fake_microphone_as_16_khz_mono_wav(tmp_path: Path) -> None:
    clip = espeak("A cache keeps hot data close to where it is used.", tmp_path / "clip.wav")
    home = fake_alsa_home(tmp_path, clip)
    spoken = (home / "clip.raw").read_bytes()
    length = len(spoken) / 2 / 16_000
    out = tmp_path / "answer.wav"
    done = subprocess.run(
        [sys.executable, "-c", RECORD, str(out), f"{length + 0.5:.2f}"],
        env=fake_alsa_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    with wave.open(str(out), "rb") as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (16_000, 1, 2)
        frames = audio.readframes(audio.getnframes())
    # what the device gave, sample for sample, then the silence after the clip's end
    assert frames.startswith(spoken) and not frames[len(spoken) :].strip(b"\0")
    # a device faster than real time (this one) is paced to the wall clock: no hour-long recordings
    assert figures["seconds"] == pytest.approx(figures["wall"], abs=0.3)
    assert figures["seconds"] == pytest.approx(len(frames) / 2 / 16_000)
    assert figures["peak"] > 0.3 and figures["full"] is False


NO_DEVICE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import sounddevice
    if len(sounddevice.query_devices()):
        print("DEVICES")
        sys.exit(0)
    from mockint.errors import SpeechError
    from mockint.speech.microphone import Microphone
    from mockint.speech.playback import play
    for attempt in (Microphone().check, lambda: Microphone().start(Path("x.wav")), lambda: play(Path(sys.argv[1]))):
        try:
            attempt()
        except SpeechError as exc:
            print(exc.reason, exc)
    """
)


def test_no_sound_device_is_a_one_line_speech_error(tmp_path: Path) -> None:
    require_portaudio()
    home = tmp_path / "no-card"
    home.mkdir()
    # The default device is a card that is not there; PortAudio then finds no device at all.
    (home / ".asoundrc").write_text("pcm.!default {\n type hw\n card 99\n}\nctl.!default {\n type hw\n card 99\n}\n")
    clip = tmp_path / "clip.wav"
    with wave.open(str(clip), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(16_000)
        audio.writeframes(b"\0\0" * 1600)
    done = subprocess.run(
        [sys.executable, "-c", NO_DEVICE, str(clip)],
        env=fake_alsa_env(home, PATH="/nonexistent"),  # no aplay or paplay either
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    if done.stdout.strip() == "DEVICES":
        pytest.skip("this machine has a sound card that ALSA finds without the default device")
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("no_device no microphone found (PortAudio: ")
    assert lines[1].startswith("no_device no microphone found (PortAudio: ")
    assert lines[2].startswith("no_device no sound output device (PortAudio: ")
    assert len(lines) == 3


def test_without_sounddevice_recording_names_the_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from mockint.errors import SpeechError
    from mockint.speech.microphone import Microphone

    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(SpeechError, match=r"pip install 'mockint\[voice\]'") as caught:
        Microphone().check()
    assert caught.value.reason == "missing_extra"


def test_the_level_is_the_rms_in_decibels_from_minus_60_to_0() -> None:
    assert level_of(b"") == 0.0
    assert level_of(array.array("h", [0] * 800).tobytes()) == 0.0
    assert level_of(array.array("h", [32767, -32767] * 400).tobytes()) == pytest.approx(1.0, abs=1e-4)
    # RMS of 32768 * 10^(-30/20) is -30 dBFS: half way
    half = round(32768 * 10 ** (-30 / 20))
    assert level_of(array.array("h", [half, -half] * 400).tobytes()) == pytest.approx(0.5, abs=1e-3)


def test_resampling_interpolates_linearly() -> None:
    samples = array.array("h", [0, 300, 600, 900])
    # 3 Hz -> 2 Hz: positions 0, 1.5, 3 (4 * 2/3 = 2 samples: 0 and 1.5)
    assert list(resample(samples, 3, 2)) == [0, 450]
    assert list(resample(samples, 16_000, 16_000)) == [0, 300, 600, 900]
    doubled = resample(samples, 1, 2)
    assert list(doubled) == [0, 150, 300, 450, 600, 750, 900, 900]
    tone = array.array("h", [round(10_000 * math.sin(2 * math.pi * 440 * i / 48_000)) for i in range(48_000)])
    assert len(resample(tone, 48_000, 16_000)) == 16_000
