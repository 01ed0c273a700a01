"""Speech-to-text settings: their own server, key and model, defaulting to the judge's."""

from __future__ import annotations

import pytest

from mockint.errors import ConfigError
from mockint.speech.settings import load_stt_settings


def test_nothing_configured_means_the_offline_engine() -> None:
    settings = load_stt_settings({})
    assert (settings.engine, settings.base_url, settings.api_key, settings.model) == ("local", None, None, "whisper-1")


def test_the_judges_server_and_key_are_the_default() -> None:
    env = {"OPENAI_BASE_URL": "http://judge:8000/v1", "OPENAI_API_KEY": "sk-judge-key-0000", "MOCKINT_TIMEOUT": "5"}
    settings = load_stt_settings(env)
    assert settings.engine == "openai"
    assert settings.base_url == "http://judge:8000/v1"
    assert settings.key_for_client() == "sk-judge-key-0000"
    assert settings.timeout == 5.0
    assert "sk-judge-key-0000" not in repr(settings)


def test_speech_settings_override_the_judges() -> None:
    env = {
        "OPENAI_BASE_URL": "http://judge:8000/v1",
        "OPENAI_API_KEY": "sk-judge-key-0000",
        "MOCKINT_STT_BASE_URL": " http://stt:9000/v1 ",
        "MOCKINT_STT_API_KEY": "sk-speech-key-1111",
        "MOCKINT_STT_MODEL": "Systran/faster-whisper-base",
    }
    settings = load_stt_settings(env)
    assert settings.base_url == "http://stt:9000/v1"
    assert settings.key_for_client() == "sk-speech-key-1111"
    assert settings.model == "Systran/faster-whisper-base"


def test_a_keyless_local_server_gets_the_placeholder_key() -> None:
    assert load_stt_settings({"MOCKINT_STT_BASE_URL": "http://localhost:8000/v1"}).key_for_client() == "not-needed"


def test_the_engine_can_be_chosen() -> None:
    assert load_stt_settings({"OPENAI_API_KEY": "sk-x-0000", "MOCKINT_STT_ENGINE": "LOCAL"}).engine == "local"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MOCKINT_STT_ENGINE": "whisper"}, "MOCKINT_STT_ENGINE='whisper' is not an engine; set it to openai"),
        ({"MOCKINT_STT_ENGINE": "openai"}, "MOCKINT_STT_ENGINE=openai needs a speech server"),
        ({"MOCKINT_STT_BASE_URL": "localhost:8000"}, "MOCKINT_STT_BASE_URL must start with http:// or https://"),
        ({"OPENAI_BASE_URL": "ftp://x"}, "OPENAI_BASE_URL must start with http:// or https://"),
        ({"MOCKINT_TIMEOUT": "soon"}, "MOCKINT_TIMEOUT='soon' is not a number"),
    ],
)
def test_bad_settings_are_one_line_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_stt_settings(env)
    assert str(caught.value).startswith(message)
