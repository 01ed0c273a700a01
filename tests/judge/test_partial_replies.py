"""Partial judge replies: a reply still incomplete after the re-ask counts for the verdicts it holds.

Driven through the real openai SDK over HTTP against FakeOpenAI, as a small model behind llama.cpp would reply.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply, correct_reply

# The same small rubric and answer as the judge's own tests.
from test_judge import ANSWER, RUBRIC

from mockint.errors import JudgeError
from mockint.grading.grade import grade_answer
from mockint.judge import CachingJudge, OpenAIJudge
from mockint.judge.cache import GradeCache

GOOD: dict[str, Any] = json.loads(correct_reply(RUBRIC, ANSWER))


def without(reply: dict[str, Any], *ids: str) -> dict[str, Any]:
    return {
        "criteria": [item for item in reply["criteria"] if item["id"] not in ids],
        "mistakes": [item for item in reply["mistakes"] if item["id"] not in ids],
    }


# What SmolLM2-135M sent: a key point left out, and a mistake given twice.
LEFT_OUT = json.dumps(without(GOOD, "as-extreme"))
REPEATED = json.dumps({**without(GOOD, "as-extreme"), "mistakes": [GOOD["mistakes"][0]] * 2})


@pytest.fixture
def make_judge() -> Iterator[Callable[[FakeOpenAI], OpenAIJudge]]:
    judges: list[OpenAIJudge] = []

    def make(server: FakeOpenAI) -> OpenAIJudge:
        judge = OpenAIJudge("fake-model", base_url=server.base_url, api_key="k", timeout=2.0, max_retry_wait=0.02)
        judges.append(judge)
        return judge

    yield make
    for judge in judges:
        judge.close()


def test_an_incomplete_reply_after_the_reask_keeps_its_valid_verdicts(
    make_judge: Callable[[FakeOpenAI], OpenAIJudge],
) -> None:
    with FakeOpenAI([LEFT_OUT, REPEATED]) as server:
        grade = grade_answer(ANSWER, RUBRIC, make_judge(server), answer_id="a1")
        assert len(server.requests) == 2, "one re-ask, as before"

    assert grade.grader == "hybrid"
    sources = {item.id: item.source for item in [*grade.criteria, *grade.mistakes]}
    assert sources == {"under-null": "llm", "as-extreme": "deterministic", "prob-h0": "llm", "no-null": "llm"}
    under_null = grade.criteria[0]
    assert under_null.verdict == "met" and under_null.evidence == GOOD["criteria"][0]["evidence"]
    warning = [line for line in grade.warnings if "incomplete" in line]
    assert len(warning) == 1, grade.warnings
    assert "as-extreme" in warning[0] and "deterministic" in warning[0]
    assert "under-null" not in warning[0]


def test_a_repeated_id_with_conflicting_verdicts_is_not_used(make_judge: Callable[[FakeOpenAI], OpenAIJudge]) -> None:
    conflicting = {
        "criteria": [GOOD["criteria"][0], {**GOOD["criteria"][0], "verdict": "missed"}, GOOD["criteria"][1]],
        "mistakes": GOOD["mistakes"],
    }
    with FakeOpenAI([json.dumps(conflicting)] * 2) as server:
        result = make_judge(server).judge(ANSWER, RUBRIC)

    assert [item.id for item in result.reply.criteria] == ["as-extreme"]
    assert result.incomplete is not None and "under-null" in result.incomplete


def test_the_better_of_the_two_replies_is_kept(make_judge: Callable[[FakeOpenAI], OpenAIJudge]) -> None:
    with FakeOpenAI([LEFT_OUT, "Sorry, no JSON today."]) as server:
        result = make_judge(server).judge(ANSWER, RUBRIC)

    assert [item.id for item in result.reply.criteria] == ["under-null"]
    assert [item.id for item in result.reply.mistakes] == ["prob-h0", "no-null"]


@pytest.mark.parametrize(
    "reply",
    [
        "I think the answer is fine.",
        json.dumps({"criteria": [{**GOOD["criteria"][0], "id": "made-up"}], "mistakes": []}),
        json.dumps({"criteria": [{**GOOD["criteria"][0], "verdict": "yes"}], "mistakes": []}),
        json.dumps({"criteria": [], "mistakes": []}),
    ],
    ids=["not-json", "unknown-ids-only", "invalid-items-only", "empty-lists"],
)
def test_a_reply_with_no_usable_verdict_still_falls_back(
    make_judge: Callable[[FakeOpenAI], OpenAIJudge], reply: str
) -> None:
    with FakeOpenAI([reply, reply]) as server:
        judge = make_judge(server)
        with pytest.raises(JudgeError, match="invalid twice") as caught:
            judge.judge(ANSWER, RUBRIC)
        assert caught.value.reason == "invalid_reply"
        server.push(reply, reply)
        grade = grade_answer(ANSWER, RUBRIC, judge)

    assert grade.grader == "deterministic"
    assert any("LLM judge failed (invalid_reply)" in line for line in grade.warnings)


def test_an_incomplete_reply_is_not_cached(make_judge: Callable[[FakeOpenAI], OpenAIJudge], tmp_path: Path) -> None:
    with FakeOpenAI([LEFT_OUT, LEFT_OUT, LEFT_OUT, LEFT_OUT]) as server:
        inner = make_judge(server)
        cache = GradeCache(tmp_path / "cache.db")
        try:
            judge = CachingJudge(inner, cache, inner.fingerprint())
            first = judge.judge(ANSWER, RUBRIC)
            second = judge.judge(ANSWER, RUBRIC)
            assert cache.stats.stored == 0
        finally:
            cache.close()
        assert len(server.requests) == 4, "asked again: an incomplete reply is never served from the cache"
    assert first.incomplete is not None and second.requests == 2


def test_a_failed_reask_keeps_the_first_replys_verdicts(make_judge: Callable[[FakeOpenAI], OpenAIJudge]) -> None:
    # What llama.cpp's server answers when the re-ask no longer fits its context window.
    too_long = FakeReply.error(400, "This model's maximum context length is 2048 tokens.")
    with FakeOpenAI([LEFT_OUT, too_long]) as server:
        grade = grade_answer(ANSWER, RUBRIC, make_judge(server))
        assert len(server.requests) == 2

    assert grade.grader == "hybrid"
    assert [item.source for item in grade.criteria] == ["llm", "deterministic"]
    warning = [line for line in grade.warnings if "incomplete" in line]
    assert len(warning) == 1 and "the re-ask failed" in warning[0] and "HTTP 400" in warning[0]
    assert warning[0].endswith("graded deterministically: key point as-extreme")


def test_a_failed_reask_after_an_unusable_reply_still_fails(make_judge: Callable[[FakeOpenAI], OpenAIJudge]) -> None:
    with FakeOpenAI(["no JSON here", FakeReply.error(400, "context length exceeded")]) as server:
        with pytest.raises(JudgeError) as caught:
            make_judge(server).judge(ANSWER, RUBRIC)
    assert caught.value.reason == "http_400"
