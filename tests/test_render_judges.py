"""Several judges in the Markdown and table output: each judge's model and score, and the stability."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from mockint.models import CriterionResult, Grade, JudgeScore
from mockint.render import TableWriter, grade_markdown, judges_line, make_writer


def _grade(**changes: Any) -> Grade:
    data: dict[str, Any] = {
        "id": "a1",
        "question_id": "q1",
        "score": 0.625,
        "grader": "llm",
        "model": "a,b,c",
        "criteria": [CriterionResult(id="c1", text="Splits", verdict="met", evidence="we split", source="llm")],
        "feedback": "Good.",
        "judges": [
            JudgeScore(model="a", score=0.75),
            JudgeScore(model="b", score=0.5),
            JudgeScore(model="c", score=None, fallback="http_500"),
        ],
        "stability": 1 / 3,
    }
    data.update(changes)
    return Grade(**data)


def _table(grades: list[Grade]) -> str:
    stream = io.StringIO()
    writer = TableWriter(Console(file=stream, width=160, color_system=None))
    for grade in grades:
        writer.write(grade)
    writer.close()
    return stream.getvalue()


def test_judges_line_is_hand_checked() -> None:
    assert judges_line(_grade()) == "a 0.75 · b 0.50 · c failed (http_500) · stability 0.3333"
    samples = _grade(judges=[JudgeScore(model="m", sample=1, score=1.0), JudgeScore(model="m", sample=2, score=0.0)])
    assert judges_line(samples.model_copy(update={"stability": None})) == "m#1 1.00 · m#2 0.00 · stability —"
    assert judges_line(_grade(judges=None, stability=None)) == ""


def test_markdown_puts_the_judges_under_the_score() -> None:
    text = grade_markdown(_grade())
    assert text.startswith(
        "## a1 · q1\n\n**Score 0.62** (llm, model a,b,c)\n\n"
        "Judges: a 0.75 · b 0.50 · c failed (http\\_500) · stability 0.3333\n\n| key point |"
    )
    one = grade_markdown(_grade(judges=None, stability=None, model="a"))
    assert "Judges" not in one and "stability" not in one


def test_markdown_summary_has_a_stability_column_when_a_grade_has_one() -> None:
    stream = io.StringIO()
    writer = make_writer("md", stream)
    writer.write(_grade())
    writer.write(_grade(id="a2", judges=None, stability=None))
    writer.close()
    summary = stream.getvalue().split("## Summary\n\n", 1)[1]
    assert summary.splitlines() == [
        "| id | question | score | grader | stability |",
        "|---|---|---|---|---|",
        "| a1 | q1 | 0.62 | llm | 0.3333 |",
        "| a2 | q1 | 0.62 | llm |  |",
    ]


def test_table_has_a_stability_column_with_each_judge_when_a_grade_has_judges() -> None:
    out = _table([_grade(), _grade(id="solo", judges=None, stability=None)])
    header = next(line for line in out.splitlines() if "answer" in line)
    assert "stability" in header
    assert "0.3333" in out and "a 0.75" in out and "b 0.50" in out and "c failed (http_500)" in out
    plain = _table([_grade(judges=None, stability=None)])
    assert "stability" not in plain


def test_table_prints_judge_models_literally() -> None:
    out = _table([_grade(judges=[JudgeScore(model="[bold]x", score=1.0), JudgeScore(model="y", score=1.0)])])
    assert "[bold]x 1.00" in out
