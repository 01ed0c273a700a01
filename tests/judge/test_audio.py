"""The OpenAI-compatible speech engine, through the real SDK against a local fake server."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from fake_openai import FakeReply
from fake_speech import FakeSpeech, silent_wav, write_silent_wav

from mockint.errors import SpeechError
from mockint.judge.audio import OpenAISpeaker, OpenAITranscriber
from mockint.speech.transcript import Word

KEY = "sk-test-secret-key-1234"
WORDS = [("A", 0.0, 0.2), (" cache", 0.3, 0.7), (" keeps", 3.0, 3.4)]


def transcriber(server: FakeSpeech, **options: float | int) -> OpenAITranscriber:
    return OpenAITranscriber("whisper-1", base_url=server.base_url, api_key=KEY, **options)  # type: ignore[arg-type]


def test_verbose_json_with_word_timestamps(tmp_path: Path) -> None:
    audio = write_silent_wav(tmp_path / "answer.wav")
    with FakeSpeech(text=" A cache  keeps.", words=WORDS, duration=3.4) as server:
        with transcriber(server) as engine:
            transcript = engine.transcribe(audio, language="en", prompt="What is a cache? eviction, TTL.")
        (request,) = server.requests
    assert transcript.text == "A cache keeps."
    assert transcript.words == (Word("A", 0.0, 0.2), Word(" cache", 0.3, 0.7), Word(" keeps", 3.0, 3.4))
    assert transcript.language == "en"  # verbose_json says "english"
    assert transcript.duration == 3.4
    assert transcript.stt_model == "openai/whisper-1"
    assert engine.response_format == "verbose_json"
    assert request.fields["model"] == "whisper-1"
    assert request.fields["response_format"] == "verbose_json"
    assert request.fields["timestamp_granularities[]"] == ["word"]
    assert request.fields["language"] == "en"
    assert request.fields["prompt"] == "What is a cache? eviction, TTL."
    assert request.file_name == "answer.wav"
    assert request.file_bytes == audio.read_bytes()
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_a_server_without_verbose_json_is_asked_for_json_and_stays_on_it(tmp_path: Path) -> None:
    audio = write_silent_wav(tmp_path / "answer.wav", seconds=1.25)
    with FakeSpeech(text="plain text", verbose=False) as server:
        engine = transcriber(server)
        first = engine.transcribe(audio)
        second = engine.transcribe(audio)
        formats = [request.fields["response_format"] for request in server.requests]
    assert formats == ["verbose_json", "json", "json"]
    assert first.text == second.text == "plain text"
    assert first.words == ()
    assert first.duration == 1.25  # from the WAV header, as the server gave none
    assert first.language is None
    assert "language" not in server.requests[0].fields and "prompt" not in server.requests[0].fields


def test_transient_failures_are_retried(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    audio = write_silent_wav(tmp_path / "answer.wav")
    busy = FakeReply.error(503, "busy", headers={"Retry-After": "0"})
    with FakeSpeech(words=WORDS, replies=[busy, busy]) as server, caplog.at_level(logging.WARNING):
        transcript = transcriber(server).transcribe(audio)
        assert len(server.requests) == 3
    assert transcript.words
    assert "transcription request failed (HTTP 503); retrying" in caplog.text


def test_the_key_never_reaches_the_message(tmp_path: Path) -> None:
    audio = write_silent_wav(tmp_path / "answer.wav")
    with FakeSpeech(replies=[FakeReply.error(500, f"bad key {KEY}")] * 2 + [FakeReply.error(401, KEY)]) as server:
        with pytest.raises(SpeechError) as server_error:
            transcriber(server, max_attempts=1).transcribe(audio)
        with pytest.raises(SpeechError) as auth:
            transcriber(server, max_attempts=1).transcribe(audio)
    assert KEY not in str(server_error.value) and "***" in str(server_error.value)
    assert server_error.value.reason == "http_500"
    assert str(auth.value) == (
        f"{audio}: the speech server rejected the API key (HTTP 401); check MOCKINT_STT_API_KEY (or OPENAI_API_KEY)"
    )


def test_a_recording_the_server_cannot_decode_is_named(tmp_path: Path) -> None:
    audio = write_silent_wav(tmp_path / "answer.wav")
    with FakeSpeech(verbose=False) as server:
        engine = transcriber(server)
        engine.transcribe(audio)
        server.push(FakeReply.error(400, "Invalid file format."))
        with pytest.raises(SpeechError) as caught:
            engine.transcribe(audio)
    assert caught.value.reason == "undecodable"
    assert str(caught.value) == (
        f"{audio}: the speech server could not use the recording (HTTP 400): Invalid file format.; convert it to WAV"
    )


def test_missing_and_broken_files_fail_before_any_request(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....not a wave file")
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio", encoding="utf-8")
    with FakeSpeech() as server:
        engine = transcriber(server)
        with pytest.raises(SpeechError, match=r"missing\.wav: no such audio file") as missing:
            engine.transcribe(tmp_path / "missing.wav")
        with pytest.raises(SpeechError, match=r"broken\.wav: not a readable WAV file") as undecodable:
            engine.transcribe(broken)
        with pytest.raises(SpeechError, match=r"notes\.txt: not a known audio format"):
            engine.transcribe(notes)
        assert server.requests == []
    assert missing.value.reason == "missing_file"
    assert undecodable.value.reason == "undecodable"


def test_no_server_is_a_one_line_error_naming_the_setting(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = OpenAITranscriber("whisper-1", base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_attempts=1)
    with pytest.raises(SpeechError) as caught:
        engine.transcribe(write_silent_wav(tmp_path / "a.wav"))
    assert caught.value.reason == "connection"
    assert "connection refused" in str(caught.value) and "MOCKINT_STT_BASE_URL" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_speech_synthesis_writes_a_wav(tmp_path: Path) -> None:
    with FakeSpeech() as server:
        speaker = OpenAISpeaker("tts-1", "alloy", base_url=server.base_url, api_key=KEY)
        out = speaker.speak("What is a cache?", tmp_path / "question.wav")
        (request,) = server.requests
    assert out.read_bytes() == silent_wav(0.5)
    assert request.fields == {"model": "tts-1", "voice": "alloy", "input": "What is a cache?", "response_format": "wav"}


def test_speech_synthesis_errors_are_one_line(tmp_path: Path) -> None:
    with FakeSpeech(replies=[FakeReply.error(404, "no such model")]) as server:
        speaker = OpenAISpeaker("tts-9", "alloy", base_url=server.base_url, api_key=KEY, max_attempts=1)
        with pytest.raises(SpeechError) as caught:
            speaker.speak("hi", tmp_path / "q.wav")
    assert str(caught.value).startswith("model 'tts-9' or the speech synthesis endpoint was not found")
