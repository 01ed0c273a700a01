"""OpenAIJudge.ask: structured completions for work other than grading, over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply

import mockint.prompts
from mockint.errors import JudgeError
from mockint.judge import OpenAIJudge

SCHEMA = {
    "type": "object",
    "properties": {"question": {"type": "string"}},
    "required": ["question"],
    "additionalProperties": False,
}


def question_of(data: dict[str, Any]) -> str:
    value = data.get("question")
    if not isinstance(value, str) or not value.strip():
        raise ValueError("'question' must be a non-empty string")
    return value


@pytest.fixture
def prompt_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    real = mockint.prompts._prompts_dir()
    for file in real.glob("judge_*.md"):
        (tmp_path / file.name).write_bytes(file.read_bytes())
    (tmp_path / "probe_system.md").write_text("Write one follow-up question about: {topic}", encoding="utf-8")
    (tmp_path / "probe_user.md").write_text("Key point: {point}", encoding="utf-8")
    monkeypatch.setattr(mockint.prompts, "_prompts_dir", lambda: tmp_path)
    return tmp_path


def test_ask_returns_validated_value(prompt_dir: Path) -> None:
    with FakeOpenAI([FakeReply.ok(json.dumps({"question": "Why share weights?"}))]) as server:
        judge = OpenAIJudge("m", base_url=server.base_url, api_key="k", timeout=2)
        got = judge.ask("probe", {"topic": "CNN", "point": "weight sharing"}, SCHEMA, question_of)
        body = server.bodies[0]
    assert got == "Why share weights?"
    assert body["response_format"]["json_schema"]["name"] == "probe"
    assert body["messages"][0] == {"role": "system", "content": "Write one follow-up question about: CNN"}
    assert body["messages"][-1] == {"role": "user", "content": "Key point: weight sharing"}


def test_ask_reasks_once_then_fails(prompt_dir: Path) -> None:
    with FakeOpenAI(
        [FakeReply.ok('{"question": ""}'), FakeReply.ok(json.dumps({"question": "What is a filter?"}))]
    ) as server:
        judge = OpenAIJudge("m", base_url=server.base_url, api_key="k", timeout=2)
        assert judge.ask("probe", {"topic": "t", "point": "p"}, SCHEMA, question_of) == "What is a filter?"
        reask = server.bodies[1]["messages"][-1]["content"]
    assert "'question' must be a non-empty string" in reask
    with FakeOpenAI([FakeReply.ok("no json"), FakeReply.ok("still none")]) as server:
        judge = OpenAIJudge("m", base_url=server.base_url, api_key="k", timeout=2)
        with pytest.raises(JudgeError) as info:
            judge.ask("probe", {"topic": "t", "point": "p"}, SCHEMA, question_of)
        assert len(server.requests) == 2
    assert info.value.reason == "invalid_reply"
