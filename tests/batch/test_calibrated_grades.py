"""`mockint grade --calibration`: calibrated scores by hand, the refusals, resume, and the grades that get none."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI
from test_fallbacks import FailSome, write_answers
from typer.testing import CliRunner

from mockint.cli import app
from mockint.models import Grade
from mockint.review.calibration import Calibrator, Scored, fit_calibration
from mockint.rubrics import load_rubrics

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "answers.jsonl"
# The teacher's marks out of 5 for the cnn and ab example answers; the two strong answers and the two partial
# ones disagree with each other, so the isotonic fit has something to pool.
TEACHER = {"cnn-strong": 2, "ab-strong": 5, "cnn-partial": 3, "ab-partial": 1, "cnn-weak": 1, "ab-weak": 0}


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_rows(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    labelled = [{**row, "score": TEACHER[row["id"]], "score_max": 5} for row in rows(EXAMPLES) if row["id"] in TEACHER]
    return write_rows(tmp_path / "labels.jsonl", labelled)


def calibrate(labels: Path, out: Path, *options: str) -> None:
    result = runner.invoke(app, ["calibrate", str(labels), "--no-llm", "--out", str(out), *options])
    assert result.exit_code == 0, result.output


def test_grades_get_the_isotonic_map_of_the_teachers_marks(labels: Path, tmp_path: Path) -> None:
    calibration, out = tmp_path / "calibration.json", tmp_path / "grades.jsonl"
    calibrate(labels, calibration)
    answers = write_rows(
        tmp_path / "answers.jsonl",
        [*rows(EXAMPLES), {"id": "bad", "question_id": "no-such-question", "answer": "hello"}],
    )
    result = runner.invoke(app, ["grade", str(answers), "--no-llm", "--calibration", str(calibration), "-o", str(out)])
    assert result.exit_code == 1, result.output  # the bad line
    grades = {g["id"]: g for g in rows(out)}
    score = {key: grades[key]["score"] for key in TEACHER}
    # What the hand computation below assumes of mockint's scores.
    assert score["cnn-weak"] == score["ab-weak"] == 0.0 and score["cnn-strong"] == score["ab-strong"] == 1.0
    assert 0 < score["cnn-partial"] < score["ab-partial"] < 1
    # Pool-adjacent-violators on (score, mark / 5): at 0 the two weak answers pool to (1 + 0) / 2 / 5 = 0.1; the
    # partial ones violate the order (3 then 1) and pool to (3 + 1) / 2 / 5 = 0.4; at 1 (2 + 5) / 2 / 5 = 0.7.
    # Back on the teacher's scale (x 5): 0.5, 2, 3.5.
    assert {key: grades[key]["calibrated_score"] for key in TEACHER} == {
        "cnn-weak": 0.5,
        "ab-weak": 0.5,
        "cnn-partial": 2.0,
        "ab-partial": 2.0,
        "cnn-strong": 3.5,
        "ab-strong": 3.5,
    }
    # Questions without labels, and the error record, get none; each unlabelled question is named once.
    assert all(g["calibrated_score"] is None for g in grades.values() if g["question_id"] in ("genai-tools", "bad"))
    assert grades["bad"]["error"] is not None and grades["bad"]["calibrated_score"] is None
    for question in ("fashion-recommender", "genai-tools"):
        assert result.stderr.count(f"question {question!r} has no labels in the calibration") == 1
    assert "no-such-question' has no labels" not in result.stderr


def test_csv_md_and_table_show_the_calibrated_score(labels: Path, tmp_path: Path) -> None:
    calibration = tmp_path / "calibration.json"
    calibrate(labels, calibration)
    common = ["grade", str(labels), "--no-llm", "--calibration", str(calibration), "--format"]
    table = list(csv.DictReader(io.StringIO(runner.invoke(app, [*common, "csv"]).stdout)))
    assert {row["id"]: row["calibrated_score"] for row in table}["ab-strong"] == "3.5"
    md = runner.invoke(app, [*common, "md"]).stdout
    assert "**Score 1.00** · calibrated 3.5 (deterministic)" in md
    assert "| id | question | score | calibrated | grader |" in md and "| cnn-weak | cnn-explained | 0.00 | 0.5 |" in md
    shown = runner.invoke(app, [*common, "table"]).stdout
    assert "calibrated" in shown and "3.5" in shown
    # Without a calibration the columns stay out of md and table, and the JSON key is null.
    plain = runner.invoke(app, ["grade", str(labels), "--no-llm", "--format", "md"]).stdout
    assert "calibrated" not in plain
    jsonl = runner.invoke(app, ["grade", str(labels), "--no-llm", "--format", "jsonl"]).stdout.splitlines()
    assert len(jsonl) == len(TEACHER) and all(json.loads(line)["calibrated_score"] is None for line in jsonl)


def test_a_changed_rubric_refuses_the_calibration_in_one_line(labels: Path, tmp_path: Path) -> None:
    rubrics, calibration, out = tmp_path / "rubrics", tmp_path / "calibration.json", tmp_path / "grades.jsonl"
    shutil.copytree(REPO / "rubrics", rubrics)
    calibrate(labels, calibration, "--rubrics", str(rubrics))
    ok = runner.invoke(
        app, ["grade", str(labels), "--no-llm", "--rubrics", str(rubrics), "--calibration", str(calibration)]
    )
    assert ok.exit_code == 0, ok.output
    cnn = rubrics / "cnn-explained.yaml"
    text = cnn.read_text(encoding="utf-8")
    assert "    weight: 3\n" in text
    cnn.write_text(text.replace("    weight: 3\n", "    weight: 2\n", 1), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "grade",
            str(labels),
            "--no-llm",
            "--rubrics",
            str(rubrics),
            "--calibration",
            str(calibration),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in result.output
    assert message.startswith(f"mockint: error: {calibration}: rubric 'cnn-explained' is not the one it was fitted on")
    assert message.endswith("fit it again with `mockint calibrate` for these rubrics and grader")
    assert not out.exists()  # refused before anything was graded


def test_a_calibration_of_judge_grades_is_refused_for_deterministic_grading(labels: Path, tmp_path: Path) -> None:
    calibration = tmp_path / "calibration.json"
    calibrate(labels, calibration)
    data = json.loads(calibration.read_text(encoding="utf-8"))
    data.update(grader="llm", model="judge-x", prompt_version="judge@0123456789")
    calibration.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["grade", str(labels), "--no-llm", "--calibration", str(calibration)])
    assert result.exit_code == 1
    assert f"{calibration}: fitted on grades by judge judge-x, these are by deterministic checks" in result.stderr
    missing = runner.invoke(app, ["grade", str(labels), "--no-llm", "--calibration", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "nope.json" in missing.stderr and "Traceback" not in missing.output
    exported = runner.invoke(
        app, ["grade", str(labels), "--export-batch", str(tmp_path / "b.jsonl"), "--calibration", str(calibration)]
    )
    assert (
        exported.exit_code == 1 and "--export-batch only writes the request file; drop --calibration" in exported.stderr
    )


def test_resume_keeps_the_calibrated_scores(labels: Path, tmp_path: Path) -> None:
    calibration, full, resumed = tmp_path / "calibration.json", tmp_path / "full.jsonl", tmp_path / "resumed.jsonl"
    calibrate(labels, calibration)
    base = ["grade", str(EXAMPLES), "--no-llm", "--calibration", str(calibration)]
    assert runner.invoke(app, [*base, "-o", str(full)]).exit_code == 0
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    resumed.write_text("".join(lines[:5]), encoding="utf-8")  # a run killed after five answers
    result = runner.invoke(app, [*base, "-o", str(resumed), "--resume"])
    assert result.exit_code == 0, result.output
    assert "5 already in" in result.stderr
    assert [(g["id"], g["calibrated_score"]) for g in rows(resumed)] == [
        (g["id"], g["calibrated_score"]) for g in rows(full)
    ]
    assert rows(resumed)[4]["calibrated_score"] == 3.5  # cnn-strong, written before the kill


def test_a_judge_fallback_gets_no_calibrated_score_under_a_judge_calibration() -> None:
    scored = [Scored("cnn-explained", 0.0, 0.0, 10), Scored("cnn-explained", 1.0, 10.0, 10)]
    calibration = fit_calibration(scored, load_rubrics(), grader="llm", model="judge-x", prompt_version="judge@1")
    said: list[str] = []
    calibrator = Calibrator(calibration, notice=said.append, where="c.json")
    judged = Grade(id="a", question_id="cnn-explained", score=0.25, grader="llm")
    fallback = Grade(id="b", question_id="cnn-explained", score=0.25, grader="deterministic", fallback="http_500")
    assert calibrator(judged).calibrated_score == 2.5  # linear between (0, 0) and (1, 1), x 10
    assert calibrator(fallback).calibrated_score is None
    assert calibrator(fallback.model_copy(update={"id": "c"})).calibrated_score is None
    assert len(said) == 1 and said[0].startswith("c.json: answers graded deterministically after a judge failure")


def test_a_fallback_is_calibrated_once_retry_fallbacks_grades_it_with_the_judge(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers, labels, calibration = tmp_path / "answers.jsonl", tmp_path / "labels.jsonl", tmp_path / "c.json"
    out = tmp_path / "grades.jsonl"
    ids = write_answers(answers, 4)
    write_rows(labels, [{**row, "score": 2 * (n + 1), "score_max": 10} for n, row in enumerate(rows(answers))])
    with FakeOpenAI(handler=FailSome(set())) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        fitted = runner.invoke(app, ["calibrate", str(labels), "--out", str(calibration)])
    assert fitted.exit_code == 0, fitted.output
    with FakeOpenAI(handler=FailSome({"a0"})) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        first = runner.invoke(
            app, ["grade", str(answers), "--calibration", str(calibration), "-o", str(out), "-c", "1"]
        )
    assert first.exit_code == 0, first.output
    grades = rows(out)
    # The judge grades the four answers alike, so the map is flat at the teacher's mean: (2 + 4 + 6 + 8) / 4.
    assert [g["fallback"] is not None for g in grades] == [True, False, False, False]
    assert [g["calibrated_score"] for g in grades] == [None, 5.0, 5.0, 5.0]
    assert "answers graded deterministically after a judge failure (the first: 'a0') get no calibrated_score" in (
        first.stderr
    )
    with FakeOpenAI(handler=FailSome(set())) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        again = runner.invoke(
            app,
            ["grade", str(answers), "--calibration", str(calibration), "-o", str(out), "--resume", "--retry-fallbacks"],
        )
    assert again.exit_code == 0, again.output
    assert [(g["id"], g["calibrated_score"]) for g in rows(out)] == [(i, 5.0) for i in ids]
