"""``mockint interview --voice`` in a pseudo-terminal, recording through a fake ALSA microphone.

The real program reads the question aloud with espeak-ng (to ALSA's null device), records the answer with the
real PortAudio code from a clip of espeak-ng saying the answer (``fake_alsa``), shows the level meter, and sends
the recording to a fake OpenAI-compatible speech server through the real SDK.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
import wave
from pathlib import Path

import pytest
from clips import espeak
from fake_alsa import fake_alsa_env, fake_alsa_home
from fake_speech import FakeSpeech

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX-only")

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
CNN = "A CNN slides a small learned filter across the image. Deeper layers compose edges into parts and objects."


def test_a_spoken_answer_recorded_from_the_microphone_until_enter(tmp_path: Path) -> None:
    clip = espeak(CNN, tmp_path / "cnn.wav")
    home = fake_alsa_home(tmp_path, clip)
    spoken = (home / "clip.raw").read_bytes()
    words = [(word, 0.4 * i, 0.4 * i + 0.3) for i, word in enumerate(CNN.split())]
    with FakeSpeech(text=CNN, words=words, duration=8.0) as server:
        env = fake_alsa_env(
            home,
            MOCKINT_STT_BASE_URL=server.base_url,
            MOCKINT_HOME=os.environ["MOCKINT_HOME"],
            TERM="xterm-256color",
            COLUMNS="120",
            LINES="60",
        )
        args = ["-m", "mockint", "interview", "-q", "cnn-explained", "--no-llm", "--no-followup", "--voice"]
        child = pexpect.spawn(
            sys.executable, [*args, "--tts", "espeak"], env=env, encoding="utf-8", timeout=20, dimensions=(60, 120)
        )
        child.logfile_read = io.StringIO()
        try:
            child.expect("Explain what a convolutional neural network is")
            child.expect("Recording: answer aloud, then press Enter to stop")
            time.sleep(len(spoken) / 2 / 16_000 + 0.5)  # let the clip play into the microphone
            child.sendline("")
            child.expect(r"Heard \(openai/whisper-1, 0:0\d recorded\): A CNN slides")
            child.expect("> ")
            child.sendline("")
            child.expect(r"Score 0\.50 \(deterministic\)")
            child.expect("How it was said")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        seen = ANSI.sub("", child.logfile_read.getvalue())
        (request,) = server.requests
    assert child.exitstatus == 0, seen
    assert "● REC 0:0" in seen and "▮" in seen  # the elapsed time and the level meter
    assert "Traceback" not in seen and "no sound output device" not in seen
    recording = tmp_path / "sent.wav"
    recording.write_bytes(request.file_bytes)
    with wave.open(str(recording), "rb") as audio:
        assert (audio.getframerate(), audio.getnchannels()) == (16_000, 1)
        frames = audio.readframes(audio.getnframes())
    assert frames.startswith(spoken)  # the microphone's samples, as the device gave them
    assert str(request.fields["prompt"]).startswith("Explain what a convolutional neural network is")
