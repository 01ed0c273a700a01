"""Settings from the environment: every numeric setting that cannot be used is a one-line error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockint.cli import app
from mockint.config import load_settings
from mockint.errors import ConfigError

runner = CliRunner()
LOCAL = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "1e12", "0", "-1", "soon"])
def test_a_timeout_that_is_not_a_finite_positive_number_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="MOCKINT_TIMEOUT") as caught:
        load_settings(env={**LOCAL, "MOCKINT_TIMEOUT": raw})
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("name", ["MOCKINT_MAX_ATTEMPTS", "MOCKINT_MAX_REPLY_BYTES"])
@pytest.mark.parametrize("raw", ["nan", "inf", "2.5", "0", "-3", "many"])
def test_whole_number_settings_refuse_what_is_not_one(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(env={**LOCAL, name: raw})


def test_good_values_are_read() -> None:
    settings = load_settings(
        env={**LOCAL, "MOCKINT_TIMEOUT": " 2.5 ", "MOCKINT_MAX_ATTEMPTS": "2", "MOCKINT_MAX_REPLY_BYTES": "5000"}
    )
    assert (settings.timeout, settings.max_attempts, settings.max_reply_bytes) == (2.5, 2, 5000)


@pytest.mark.parametrize("raw", ["nan", "inf"])
def test_the_cli_prints_one_line_without_a_traceback(
    raw: str, monkeypatch: pytest.MonkeyPatch, examples_file: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("MOCKINT_TIMEOUT", raw)
    result = runner.invoke(app, ["grade", str(examples_file), "--format", "jsonl"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mockint: error: MOCKINT_TIMEOUT"), result.stderr
    assert "Traceback" not in result.output
    assert not [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
