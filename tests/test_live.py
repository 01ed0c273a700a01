"""Live suite: grades a few answers against a real OpenAI-compatible server.

Skipped unless MOCKINT_LIVE_BASE_URL is set (see the README for llama.cpp's server with SmolLM2-135M). The
model is MOCKINT_LIVE_MODEL (default: whatever the server serves); OPENAI_API_KEY is used if set.
"""

from __future__ import annotations

import os

import pytest

from mockint.grading import grade_answer
from mockint.judge import OpenAIJudge
from mockint.rubrics import load_rubrics

BASE_URL = os.environ.get("MOCKINT_LIVE_BASE_URL", "")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not BASE_URL, reason="set MOCKINT_LIVE_BASE_URL to run the live suite"),
    pytest.mark.timeout(900),
]

ANSWERS = {
    "ab-significance": (
        "Significance tells a real effect apart from random noise. The p-value is the probability of seeing a "
        "result at least as extreme as ours, assuming the null hypothesis is true. Whether we reach significance "
        "depends on effect size, sample size, variance and test design."
    ),
    "cnn-explained": (
        "A CNN slides a small learned filter, say 3x3, across the image. The same weights are reused at every "
        "position, so a pattern such as an edge can be found anywhere. Deeper layers combine edges into parts "
        "and objects."
    ),
    "genai-tools": "They are great, they can build whole production systems on their own, no review needed.",
}


@pytest.fixture(scope="module")
def judge() -> OpenAIJudge:
    model = os.environ.get("MOCKINT_LIVE_MODEL", "live-model")
    # live-test budget: a small CPU model can take a while per answer
    timeout = float(os.environ.get("MOCKINT_LIVE_TIMEOUT", "300"))
    return OpenAIJudge(
        model,
        base_url=BASE_URL,
        api_key=os.environ.get("OPENAI_API_KEY") or "not-needed",
        timeout=timeout,
        max_attempts=2,
    )


@pytest.mark.parametrize("question_id", sorted(ANSWERS))
def test_live_grade(judge: OpenAIJudge, question_id: str) -> None:
    rubric = load_rubrics()[question_id]
    grade = grade_answer(ANSWERS[question_id], rubric, judge, answer_id=question_id)
    assert grade.error is None
    assert grade.score is not None and 0.0 <= grade.score <= 1.0
    assert [c.id for c in grade.criteria] == [c.id for c in rubric.criteria]
    if grade.grader == "deterministic":
        # a small model may fail to produce valid JSON; that must be a warned fallback, not a silent zero
        assert any(w.startswith("LLM judge failed") for w in grade.warnings), grade.warnings
    else:
        assert grade.model == judge.model
        for criterion in grade.criteria:
            if criterion.source == "llm" and criterion.verdict != "missed":
                assert criterion.evidence and criterion.evidence.strip()
        # A reply still incomplete after the re-ask (small models) names what it left to the checks.
        for warning in (w for w in grade.warnings if "incomplete after a re-ask" in w):
            named = set(warning.split("graded deterministically: ", 1)[1].split(", "))
            for criterion in grade.criteria:
                if f"key point {criterion.id}" in named:
                    assert criterion.source == "deterministic"
    print(f"{question_id}: grader={grade.grader} score={grade.score} mode={judge.mode} warnings={len(grade.warnings)}")
