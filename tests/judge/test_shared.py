"""One request per distinct request: identical judge requests in one run are sent once and shared."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply, correct_handler
from typer.testing import CliRunner

from mockint.cli import app
from mockint.errors import JudgeError
from mockint.judge.shared import SharedRequestsJudge
from mockint.models import JudgeReply, JudgeResult, Rubric
from mockint.rubrics import load_rubrics

runner = CliRunner()


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-shared")


def write_answers(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text(
        "".join(json.dumps({"id": i, "question_id": q, "answer": a}) + "\n" for i, q, a in rows), encoding="utf-8"
    )
    return path


ANSWER_A = "A p-value is the probability of data at least as extreme as observed, assuming the null hypothesis."
ANSWER_B = "Power is the chance of detecting a real effect; we fix the sample size before the test starts."


@pytest.mark.parametrize("cache", ["--no-cache", "--cache"], ids=["no-cache", "cache"])
def test_identical_requests_are_sent_once_also_while_in_flight(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: str
) -> None:
    rubrics = load_rubrics()
    handler = correct_handler(*rubrics.values())

    def slow(body: dict[str, Any]) -> FakeReply | str:
        # Slow enough that the copies of an answer are all in flight together at -c 8.
        reply = handler(body)
        return FakeReply.ok(reply, delay=0.3) if isinstance(reply, str) else reply

    rows = [(f"a{n}", "ab-significance", ANSWER_A) for n in range(4)]
    rows += [(f"b{n}", "ab-significance", ANSWER_B) for n in range(3)]
    rows += [("c0", "cnn-explained", ANSWER_A)]  # the same text for another question is another request
    answers = write_answers(tmp_path / "answers.jsonl", rows)
    with FakeOpenAI(handler=slow) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        args = ["grade", str(answers), "--format", "jsonl", "-c", "8"] + ([cache] if cache == "--no-cache" else [])
        result = runner.invoke(app, args)
        sent = server.chat_count
    assert result.exit_code == 0, result.output
    grades = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [g["id"] for g in grades] == [row[0] for row in rows]
    assert sent == 3
    assert all(g["grader"] == "llm" for g in grades)
    by_id = {g["id"]: g for g in grades}
    assert by_id["a0"]["criteria"] == by_id["a3"]["criteria"]
    assert "5 identical requests shared" in result.stderr


class _Scripted:
    """A judge whose first call blocks until released, counting calls."""

    model = "m"
    prompt_version = "judge@x"

    def __init__(self, outcome: JudgeResult | JudgeError) -> None:
        self.outcome = outcome
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        self.calls += 1
        self.started.set()
        self.release.wait(5)
        if isinstance(self.outcome, JudgeError):
            raise self.outcome
        return self.outcome


def _run_two(judge: SharedRequestsJudge, inner: _Scripted, rubric: Rubric) -> list[JudgeResult | JudgeError]:
    outcomes: list[JudgeResult | JudgeError] = []

    def call() -> None:
        try:
            outcomes.append(judge.judge("same answer", rubric))
        except JudgeError as exc:
            outcomes.append(exc)

    first = threading.Thread(target=call)
    first.start()
    assert inner.started.wait(5)
    second = threading.Thread(target=call)
    second.start()
    # The second request either waits on the first or (if it has not got that far yet) finds it done.
    inner.release.set()
    first.join(5)
    second.join(5)
    return outcomes


def test_a_failure_in_flight_is_shared_but_not_remembered() -> None:
    rubric = load_rubrics()["ab-significance"]
    inner = _Scripted(JudgeError("server down", reason="connection"))
    judge = SharedRequestsJudge(inner, {"model": "m"})
    outcomes = _run_two(judge, inner, rubric)
    assert len(outcomes) == 2 and all(isinstance(item, JudgeError) for item in outcomes)
    assert {item.reason for item in outcomes if isinstance(item, JudgeError)} == {"connection"}
    calls = inner.calls
    with pytest.raises(JudgeError):
        judge.judge("same answer", rubric)
    assert inner.calls == calls + 1, "a failure is not remembered: a later identical request is sent again"


def test_a_result_is_shared_with_zero_requests() -> None:
    rubric = load_rubrics()["ab-significance"]
    result = JudgeResult(reply=JudgeReply(criteria=[], mistakes=[]), model="m", prompt_version="judge@x", requests=2)
    inner = _Scripted(result)
    judge = SharedRequestsJudge(inner, {"model": "m"})
    outcomes = _run_two(judge, inner, rubric)
    assert inner.calls == 1
    assert sorted(item.requests for item in outcomes if isinstance(item, JudgeResult)) == [0, 2]
    assert judge.judge("same answer", rubric).requests == 0
    assert judge.judge("another answer", rubric).requests == 2
    assert inner.calls == 2 and judge.shared == 2
