"""The judge reply size limit: an over-size reply is invalid, never parsed at length and never cached."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, correct_handler, correct_reply
from typer.testing import CliRunner

from mockint.cli import app
from mockint.config import DEFAULT_MAX_REPLY_BYTES, load_settings
from mockint.errors import ConfigError, JudgeError
from mockint.judge import OpenAIJudge, build_judge
from mockint.rubrics import load_rubrics

runner = CliRunner()
RUBRIC = load_rubrics()["ab-significance"]
ANSWER = "A p-value is the probability of data at least as extreme as observed, assuming the null hypothesis."


def padded(size: int) -> str:
    """A reply that meets the contract, its first rationale padded to about ``size`` bytes."""
    reply = json.loads(correct_reply(RUBRIC, ANSWER))
    reply["criteria"][0]["rationale"] = "x" * size
    return json.dumps(reply)


def test_an_over_size_reply_is_invalid_without_a_reask() -> None:
    huge = padded(DEFAULT_MAX_REPLY_BYTES + 1000)
    with FakeOpenAI([huge, huge]) as server:
        with OpenAIJudge("fake-model", base_url=server.base_url, api_key="k", timeout=5.0) as judge:
            with pytest.raises(JudgeError, match="MOCKINT_MAX_REPLY_BYTES") as caught:
                judge.judge(ANSWER, RUBRIC)
        assert len(server.requests) == 1, "sending a runaway reply back in a re-ask would cost as much again"
    assert caught.value.reason == "invalid_reply"
    assert "over the limit of 1,000,000 bytes" in str(caught.value)


def test_the_limit_is_settable_and_counts_utf8_bytes() -> None:
    small = correct_reply(RUBRIC, ANSWER)
    limit = len(small.encode("utf-8")) + 10
    # Cyrillic letters are two bytes each: under the limit in characters, over it in bytes.
    wide = json.loads(small)
    wide["criteria"][0]["rationale"] = "я" * (len(wide["criteria"][0]["rationale"]) + 5)
    wide_text = json.dumps(wide, ensure_ascii=False)
    assert len(wide_text) <= limit < len(wide_text.encode("utf-8"))
    settings = load_settings(env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "MOCKINT_MAX_REPLY_BYTES": str(limit)})
    assert settings.max_reply_bytes == limit
    with FakeOpenAI([small, wide_text, wide_text]) as server:
        settings = settings.model_copy(update={"base_url": server.base_url})
        with build_judge(settings) as judge:
            assert judge.judge(ANSWER, RUBRIC).requests == 1
            with pytest.raises(JudgeError, match="over the limit"):
                judge.judge(ANSWER, RUBRIC)


def test_an_over_size_reply_is_never_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-size")
    monkeypatch.setenv("MOCKINT_MAX_REPLY_BYTES", "5000")
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"id": "a1", "question_id": RUBRIC.id, "answer": ANSWER}) + "\n", encoding="utf-8")
    handler = correct_handler(RUBRIC)
    with FakeOpenAI([padded(20_000)], handler=handler) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        first = runner.invoke(app, ["grade", str(answers), "--format", "jsonl"])
        second = runner.invoke(app, ["grade", str(answers), "--format", "jsonl"])
        sent = server.chat_count
    assert first.exit_code == second.exit_code == 0, first.output
    grade = json.loads(first.stdout)
    assert grade["grader"] == "deterministic"
    assert any("invalid_reply" in w and "over the limit of 5,000 bytes" in w for w in grade["warnings"])
    assert json.loads(second.stdout)["grader"] == "llm"
    assert sent == 2, "the over-size reply was not cached: the second run asked again"
    with sqlite3.connect(Path(os.environ["MOCKINT_HOME"]) / "cache.db") as db:
        sizes = [row[0] for row in db.execute("SELECT length(result) FROM replies")]
    assert len(sizes) == 1 and sizes[0] < 5000


@pytest.mark.parametrize("raw", ["0", "-5", "1.5", "lots", "nan", "1e9"])
def test_a_bad_reply_limit_is_a_one_line_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="MOCKINT_MAX_REPLY_BYTES"):
        load_settings(env={"MOCKINT_MAX_REPLY_BYTES": raw})
