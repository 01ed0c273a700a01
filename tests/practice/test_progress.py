"""`mockint progress` and coming back the next day: due and weak questions first."""

from __future__ import annotations

import functools
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from mockint.cli import app
from mockint.practice.history import HistoryStore, history_path
from mockint.practice.progress import build_progress, sparkline
from mockint.practice.session import Interviewer
from mockint.practice.terminal import PlainView, ScriptedLines
from mockint.rubrics import RubricSet, load_rubrics


@functools.cache
def shipped() -> RubricSet:
    """The shipped rubrics, loaded once per test module (loading takes ~0.2 s)."""
    return load_rubrics()


runner = CliRunner()


def db_file() -> Path:
    return history_path(Path(os.environ["MOCKINT_HOME"]))


def practise(at: datetime, script: list[str], questions: list[str], followup: bool = False) -> None:
    rubrics = shipped()
    with HistoryStore(db_file()) as store:
        Interviewer(store, PlainView(io.StringIO()), ScriptedLines(script), clock=lambda: at, followup=followup).run(
            [rubrics.get_rubric(q) for q in questions]
        )


def strong(question_id: str) -> str:
    return next(e.answer for e in shipped().get_rubric(question_id).examples if e.label == "strong")


def weak(question_id: str) -> str:
    return next(e.answer for e in shipped().get_rubric(question_id).examples if e.label == "partial")


def test_progress_with_no_history() -> None:
    result = runner.invoke(app, ["progress", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["algorithm"] == "sm2"
    assert data["next"] == ["ab-significance", "cnn-explained", "fashion-recommender", "genai-tools"]
    assert all(q["attempts"] == 0 and q["status"] == "unseen" for q in data["questions"])
    assert all(k["mastery"] is None and k["due"] is None for k in data["key_points"])
    assert not db_file().exists()


def test_next_day_the_weakest_comes_first() -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    # yesterday: a strong genai answer, a partial cnn one, a strong ab one
    practise(
        yesterday,
        [strong("genai-tools"), ".", weak("cnn-explained"), ".", strong("ab-significance"), "."],
        ["genai-tools", "cnn-explained", "ab-significance"],
    )
    result = runner.invoke(app, ["progress", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["next"] == ["cnn-explained", "ab-significance", "genai-tools", "fashion-recommender"]
    by_id = {q["id"]: q for q in data["questions"]}
    assert by_id["cnn-explained"]["attempts"] == 1 and by_id["cnn-explained"]["last_score"] == 0.3125
    assert by_id["cnn-explained"]["status"] == "due" and by_id["fashion-recommender"]["status"] == "unseen"
    points = {(k["question_id"], k["id"]): k for k in data["key_points"]}
    assert points[("cnn-explained", "weight-sharing")]["last_outcome"] == "missed"
    assert points[("cnn-explained", "weight-sharing")]["mastery"] == 0.0
    assert points[("cnn-explained", "weight-sharing")]["is_due"] is True
    assert points[("genai-tools", "verification")]["mastery"] == 1.0

    # and `mockint interview` with no --question asks the weakest first
    today = runner.invoke(app, ["interview", "--no-llm", "--count", "2"], input="")
    assert today.exit_code == 0, today.output
    assert "== Question 1/2 · cnn-explained" in today.stdout


def test_scores_over_time_and_best() -> None:
    start = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
    practise(start, [weak("cnn-explained"), "."], ["cnn-explained"])
    practise(start + timedelta(days=1), [strong("cnn-explained"), "."], ["cnn-explained"])
    practise(
        start + timedelta(days=2), ["A CNN slides a small learned filter across the image.", "."], ["cnn-explained"]
    )
    with HistoryStore(db_file()) as store:
        report = build_progress(shipped().values(), store.reviews(), store.attempts(), start + timedelta(days=3))
    cnn = next(q for q in report.questions if q.id == "cnn-explained")
    assert [score for _, score in cnn.scores] == [0.3125, 1.0, 0.3125]
    assert (cnn.attempts, cnn.last_score, cnn.best_score) == (3, 0.3125, 1.0)
    table = runner.invoke(app, ["progress"])
    assert table.exit_code == 0, table.output
    row = next(line for line in table.stdout.splitlines() if line.lstrip().startswith("cnn-explained"))
    assert "▃█▃ 0.31→0.31" in row and "1.00" in row
    assert "Key points (SM-2 spaced repetition)" in table.stdout
    assert "Next interview asks: cnn-explained" in table.stdout.replace("\n", " ")


def test_recovered_points_are_weaker_than_unprompted_ones() -> None:
    at = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
    reply = "The same weights are reused at every position, so a pattern is detected anywhere in the image."
    practise(at, [weak("cnn-explained"), ".", reply, "."], ["cnn-explained"], followup=True)
    with HistoryStore(db_file()) as store:
        report = build_progress(shipped().values(), store.reviews(), store.attempts(), at + timedelta(hours=1))
    states = {k.id: k.state for k in report.key_points if k.question_id == "cnn-explained"}
    assert states["weight-sharing"].last_outcome == "recovered" and states["weight-sharing"].mastery == 0.6
    assert states["small-filter-slides"].last_outcome == "met" and states["small-filter-slides"].mastery == 1.0
    assert states["hierarchy"].last_outcome == "missed" and states["hierarchy"].mastery == 0.0
    data = report.to_json()
    assert data["next"][0] == "cnn-explained"  # weak, so before the unseen ones the same evening
    assert data["questions"][0]["scores"][0]["score"] == 0.3125


def test_sparkline() -> None:
    assert sparkline([0.0, 0.3, 0.55, 1.0]) == "▁▃▅█"
    assert sparkline([]) == ""
