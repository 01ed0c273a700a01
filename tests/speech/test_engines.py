"""Choosing the engine from the settings."""

from __future__ import annotations

from pathlib import Path

from mockint.judge.audio import OpenAITranscriber
from mockint.speech import Transcriber, build_transcriber, load_stt_settings
from mockint.speech.whisper import WhisperTranscriber


def test_a_configured_server_means_the_openai_engine() -> None:
    env = {"MOCKINT_STT_BASE_URL": "http://127.0.0.1:9/v1", "MOCKINT_STT_MODEL": "Systran/faster-whisper-base"}
    engine = build_transcriber(load_stt_settings(env))
    assert isinstance(engine, OpenAITranscriber) and isinstance(engine, Transcriber)
    assert (engine.engine, engine.model) == ("openai", "Systran/faster-whisper-base")


def test_no_server_means_the_offline_engine_with_its_model_under_home(tmp_path: Path) -> None:
    engine = build_transcriber(load_stt_settings({}), home=tmp_path)
    assert isinstance(engine, WhisperTranscriber) and isinstance(engine, Transcriber)
    assert (engine.engine, engine.model) == ("faster-whisper", "base")
