"""A session's grader, derived from its answers' graders, and the words for it (mockint.practice.records)."""

from __future__ import annotations

import pytest

from mockint.practice.records import grading_label, grading_short, session_grading


@pytest.mark.parametrize(
    ("configured", "answers", "replies", "grader", "label", "short"),
    [
        ("llm", ["llm", "llm"], ["llm"], "llm", "LLM judge (m)", "LLM (m)"),
        ("llm", ["llm", "hybrid"], [], "hybrid", "LLM judge (m) with deterministic checks", "LLM (m) + checks"),
        (
            "llm",
            ["llm", "deterministic"],
            ["deterministic"],
            "hybrid",
            "LLM judge (m) for 1 of 3 graded answers and follow-up replies, deterministic checks for the rest",
            "LLM (m) 1/3",
        ),
        (
            "llm",
            ["deterministic", None],
            [],
            "deterministic",
            "deterministic checks (the LLM judge m was configured but graded nothing)",
            "deterministic",
        ),
        ("deterministic", ["deterministic"], [], "deterministic", "deterministic checks (no LLM)", "deterministic"),
        # nothing graded: nothing contradicts what was configured
        ("llm", [None], [], "llm", "LLM judge (m)", "LLM (m)"),
    ],
)
def test_session_grading_by_hand(
    configured: str, answers: list[str | None], replies: list[str | None], grader: str, label: str, short: str
) -> None:
    grading = session_grading(configured, "m" if configured == "llm" else None, answers, replies)
    assert grading.grader == grader
    assert grading.model == ("m" if grader != "deterministic" else None)
    assert grading_label(grading) == label and grading_short(grading) == short
