"""Shared fixtures: every test runs offline, with no API key and its own MOCKINT_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# The lexical rules are tested on their own whether or not the `semantic` extra is installed, in module-scoped
# fixtures and subprocesses too; tests of the meaning layer turn it back on.
os.environ["MOCKINT_SEMANTIC"] = "off"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "MOCKINT_MODEL",
        "MOCKINT_TIMEOUT",
        "MOCKINT_MAX_ATTEMPTS",
        "MOCKINT_MAX_REPLY_BYTES",
        "MOCKINT_RATE_LIMIT_PATIENCE",
        "MOCKINT_BREAKER_COOLDOWN",
        "MOCKINT_STT_BASE_URL",
        "MOCKINT_STT_API_KEY",
        "MOCKINT_STT_MODEL",
        "MOCKINT_STT_ENGINE",
        "MOCKINT_TTS_BASE_URL",
        "MOCKINT_TTS_API_KEY",
        "MOCKINT_TTS_MODEL",
        "MOCKINT_TTS_VOICE",
        "MOCKINT_PIPER_VOICE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOCKINT_HOME", str(tmp_path / "mockint-home"))
    monkeypatch.setenv("MOCKINT_SEMANTIC", "off")


@pytest.fixture
def examples_file() -> Path:
    return REPO / "examples" / "answers.jsonl"
