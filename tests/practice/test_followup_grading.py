"""Grading a follow-up reply against the probed key point only."""

from __future__ import annotations

from typer.testing import CliRunner

from mockint.cli import app
from mockint.grading import grade_answer
from mockint.practice.followup import followup_rubric
from mockint.rubrics import load_rubrics

runner = CliRunner()


def test_a_reply_is_graded_when_a_kept_mistake_denies_a_key_point_left_out() -> None:
    genai = load_rubrics().get_rubric("genai-tools")
    denying = [m for m in genai.mistakes if m.denies and not set(m.denies) <= {"verification"}]
    assert denying, "the case needs a mistake that denies other key points"
    sub = followup_rubric(genai, ["verification"], "What about verification?")
    kept = {c.id for c in sub.criteria}
    assert all(set(m.denies) <= kept for m in sub.mistakes)
    grade = grade_answer("We never review it; humans are not accountable, the tool is.", sub)
    assert [c.id for c in grade.criteria] == ["verification"]


def test_the_interview_grades_that_reply_without_a_traceback() -> None:
    script = "GenAI tools are useful for boilerplate.\n.\nI would run the tests and review the diff.\n.\n"
    result = runner.invoke(app, ["interview", "--no-llm", "-q", "genai-tools", "--followup"], input=script)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "after the prompt:" in result.stdout
