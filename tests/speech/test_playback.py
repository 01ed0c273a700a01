"""Playing the spoken question: PortAudio first, then aplay or paplay, else one line saying there is no device."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fake_alsa import fake_alsa_env, fake_alsa_home
from fake_speech import write_silent_wav

from mockint.errors import SpeechError
from mockint.speech.playback import play


def player(folder: Path, name: str, *, exit_code: int = 0, complaint: str = "") -> Path:
    """A stand-in ``aplay``/``paplay`` that writes the file it was given beside itself."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            echo "$@" > "{folder}/{name}.played"
            [ -n "{complaint}" ] && echo "{complaint}" >&2
            exit {exit_code}
            """
        )
    )
    script.chmod(0o755)
    return script


@pytest.fixture
def no_sounddevice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)


@pytest.mark.usefixtures("no_sounddevice")
def test_without_portaudio_a_player_on_path_plays_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_folder = tmp_path / "bin"
    player(bin_folder, "aplay")
    monkeypatch.setenv("PATH", str(bin_folder))
    wav = write_silent_wav(tmp_path / "question.wav")
    assert play(wav) == "aplay"
    assert (bin_folder / "aplay.played").read_text().strip() == str(wav)


@pytest.mark.usefixtures("no_sounddevice")
def test_a_player_that_finds_no_device_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_folder = tmp_path / "bin"
    player(bin_folder, "aplay", exit_code=1, complaint="aplay: main:831: audio open error: No such file or directory")
    player(bin_folder, "paplay", exit_code=1, complaint="Connection failure: Connection refused")
    monkeypatch.setenv("PATH", str(bin_folder))
    with pytest.raises(SpeechError) as caught:
        play(write_silent_wav(tmp_path / "question.wav"))
    assert caught.value.reason == "no_device"
    assert str(caught.value) == (
        "no sound output device (sounddevice is not installed; aplay: aplay: main:831: audio open error: No such "
        "file or directory; paplay: Connection failure: Connection refused)"
    )


@pytest.mark.usefixtures("no_sounddevice")
def test_nothing_to_play_with_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(SpeechError, match=r"^no sound output device \(sounddevice is not installed\)$"):
        play(write_silent_wav(tmp_path / "question.wav"))


def test_portaudio_plays_to_the_default_device(tmp_path: Path) -> None:
    wav = write_silent_wav(tmp_path / "question.wav", seconds=0.3)
    home = fake_alsa_home(tmp_path, wav)
    code = (
        "import sys; from pathlib import Path; from mockint.speech.playback import play; print(play(Path(sys.argv[1])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(wav)],
        env=fake_alsa_env(home, PATH=os.defpath),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "sounddevice"
