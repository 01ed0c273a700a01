"""mockint.config beyond the numeric checks of test_config.py: flags against the environment, whether the LLM
is on and why, the key's secrecy, the durations that may be 0, MOCKINT_HOME and MOCKINT_MAX_ANSWER_CHARS."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mockint.config import (
    DEFAULT_BREAKER_COOLDOWN,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_REPLY_BYTES,
    DEFAULT_MODEL,
    DEFAULT_RATE_LIMIT_PATIENCE,
    DEFAULT_TIMEOUT,
    LOCAL_PLACEHOLDER_KEY,
    load_settings,
)
from mockint.errors import ConfigError
from mockint.files import DEFAULT_MAX_ANSWER_CHARS

LOCAL = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "MOCKINT_HOME": "/tmp/mockint-test-home"}


def _one_line_error(match: str, **kwargs: object) -> str:
    with pytest.raises(ConfigError, match=match) as caught:
        load_settings(**kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- whether a judge is used -------------------------------------------------------------------------------


def test_nothing_configured_means_no_llm_with_a_reason_and_all_defaults() -> None:
    settings = load_settings(env={"MOCKINT_HOME": "/tmp/h"})
    assert settings.use_llm is False
    assert settings.llm_reason == "no LLM configured (set OPENAI_API_KEY or OPENAI_BASE_URL to use one)"
    assert settings.api_key is None and settings.base_url is None
    assert (settings.model, settings.timeout, settings.max_attempts, settings.max_reply_bytes) == (
        DEFAULT_MODEL,
        DEFAULT_TIMEOUT,
        DEFAULT_MAX_ATTEMPTS,
        DEFAULT_MAX_REPLY_BYTES,
    )
    assert (settings.rate_limit_patience, settings.breaker_cooldown) == (
        DEFAULT_RATE_LIMIT_PATIENCE,
        DEFAULT_BREAKER_COOLDOWN,
    )
    assert settings.max_answer_chars == DEFAULT_MAX_ANSWER_CHARS


@pytest.mark.parametrize(
    "env",
    [
        {"OPENAI_API_KEY": "sk-test"},
        {"OPENAI_BASE_URL": "http://localhost:11434/v1"},
        {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://localhost:11434/v1"},
    ],
)
def test_a_key_or_a_base_url_turns_the_llm_on(env: dict[str, str]) -> None:
    settings = load_settings(env={**env, "MOCKINT_HOME": "/tmp/h"})
    assert settings.use_llm is True and settings.llm_reason == ""
    assert settings.base_url == env.get("OPENAI_BASE_URL")


def test_blank_key_and_base_url_count_as_unset() -> None:
    settings = load_settings(env={"OPENAI_API_KEY": "   ", "OPENAI_BASE_URL": " \t", "MOCKINT_HOME": "/tmp/h"})
    assert settings.use_llm is False and settings.api_key is None and settings.base_url is None


def test_no_llm_wins_over_a_configured_server() -> None:
    settings = load_settings(no_llm=True, env={"OPENAI_API_KEY": "sk-test", "MOCKINT_HOME": "/tmp/h"})
    assert settings.use_llm is False and settings.llm_reason == "--no-llm given"


def test_model_with_no_llm_is_a_one_line_error() -> None:
    message = _one_line_error("contradict", model="m", no_llm=True, env=LOCAL)
    assert message == "--model and --no-llm contradict each other; drop one of them"


def test_model_without_a_server_is_a_one_line_error() -> None:
    message = _one_line_error("needs a server", model="qwen", env={"MOCKINT_HOME": "/tmp/h"})
    assert message.startswith("--model qwen needs a server: set OPENAI_BASE_URL")


def test_mockint_model_without_a_server_is_no_error_and_keeps_the_name() -> None:
    settings = load_settings(env={"MOCKINT_MODEL": "qwen", "MOCKINT_HOME": "/tmp/h"})
    assert settings.use_llm is False and settings.model == "qwen"


@pytest.mark.parametrize(
    ("flag", "env_model", "expected"),
    [
        (None, None, DEFAULT_MODEL),
        (None, "  llama3  ", "llama3"),
        ("qwen", "llama3", "qwen"),
        (None, "   ", DEFAULT_MODEL),
        (" qwen ", None, "qwen"),
    ],
)
def test_model_flag_beats_the_environment_beats_the_default(
    flag: str | None, env_model: str | None, expected: str
) -> None:
    env = dict(LOCAL)
    if env_model is not None:
        env["MOCKINT_MODEL"] = env_model
    assert load_settings(model=flag, env=env).model == expected


# --- the key ----------------------------------------------------------------------------------------------


def test_the_key_is_stripped_hidden_and_handed_to_the_client() -> None:
    settings = load_settings(env={"OPENAI_API_KEY": "  sk-very-secret  ", "MOCKINT_HOME": "/tmp/h"})
    assert settings.key_for_client() == "sk-very-secret"
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert "sk-very-secret" not in text


def test_a_keyless_local_server_gets_the_placeholder_key() -> None:
    assert load_settings(env=LOCAL).key_for_client() == LOCAL_PLACEHOLDER_KEY


def test_settings_are_frozen() -> None:
    settings = load_settings(env=LOCAL)
    with pytest.raises(ValidationError):
        settings.use_llm = False  # type: ignore[misc]


# --- durations --------------------------------------------------------------------------------------------


def test_rate_limit_patience_flag_beats_the_environment_and_skips_its_check() -> None:
    assert (
        load_settings(rate_limit_patience=5.0, env={**LOCAL, "MOCKINT_RATE_LIMIT_PATIENCE": "9"}).rate_limit_patience
        == 5.0
    )
    # The flag is used as given, so a bad environment value behind it does not matter.
    assert (
        load_settings(rate_limit_patience=0.0, env={**LOCAL, "MOCKINT_RATE_LIMIT_PATIENCE": "soon"}).rate_limit_patience
        == 0.0
    )
    assert load_settings(env={**LOCAL, "MOCKINT_RATE_LIMIT_PATIENCE": " 12.5 "}).rate_limit_patience == 12.5


@pytest.mark.parametrize("name", ["MOCKINT_RATE_LIMIT_PATIENCE", "MOCKINT_BREAKER_COOLDOWN"])
def test_waits_that_may_be_zero_take_zero(name: str) -> None:
    settings = load_settings(env={**LOCAL, name: "0"})
    assert getattr(settings, name.removeprefix("MOCKINT_").lower()) == 0.0


@pytest.mark.parametrize("name", ["MOCKINT_RATE_LIMIT_PATIENCE", "MOCKINT_BREAKER_COOLDOWN"])
@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("-1", "must be 0 or more seconds"),
        ("nan", "is not a finite number"),
        ("inf", "is not a finite number"),
        ("86401", "must be at most 86400 seconds (a day)"),
        ("half a minute", "is not a number"),
    ],
)
def test_waits_that_may_be_zero_refuse_bad_values_in_one_line(name: str, raw: str, says: str) -> None:
    message = _one_line_error(name, env={**LOCAL, name: raw})
    assert says in message and f"e.g. {name}=" in message


def test_a_timeout_of_exactly_a_day_is_accepted() -> None:
    assert load_settings(env={**LOCAL, "MOCKINT_TIMEOUT": "86400"}).timeout == 86_400.0


def test_the_timeout_message_says_greater_than_zero() -> None:
    message = _one_line_error("MOCKINT_TIMEOUT", env={**LOCAL, "MOCKINT_TIMEOUT": "0"})
    assert message == "MOCKINT_TIMEOUT must be greater than 0 seconds; set e.g. MOCKINT_TIMEOUT=30"


# --- MOCKINT_HOME and the answer limit --------------------------------------------------------------------


def test_mockint_home_is_expanded_and_stripped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_settings(env={"MOCKINT_HOME": " ~/prep "}).home == tmp_path / "prep"


def test_without_mockint_home_the_platform_data_folder_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    from platformdirs import user_data_dir

    expected = Path(user_data_dir("mockint", appauthor=False))
    assert load_settings(env={}).home == expected
    assert load_settings(env={"MOCKINT_HOME": "  "}).home == expected


def test_max_answer_chars_is_read_from_the_given_env_not_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MAX_ANSWER_CHARS", "5")
    assert load_settings(env={**LOCAL, "MOCKINT_MAX_ANSWER_CHARS": "1_000"}).max_answer_chars == 1000
    assert load_settings(env=LOCAL).max_answer_chars == DEFAULT_MAX_ANSWER_CHARS


@pytest.mark.parametrize("raw", ["0", "-5", "lots", "2.5"])
def test_bad_max_answer_chars_is_a_one_line_error(raw: str) -> None:
    _one_line_error("MOCKINT_MAX_ANSWER_CHARS", env={**LOCAL, "MOCKINT_MAX_ANSWER_CHARS": raw})


def test_load_settings_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("MOCKINT_MODEL", "from-env")
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "7")
    settings = load_settings()
    assert (settings.use_llm, settings.model, settings.max_attempts) == (True, "from-env", 7)
