"""`mockint calibrate`: graded now (deterministic or judge) or from a grades file, and its one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, correct_handler
from typer.testing import CliRunner

from mockint.cli import app
from mockint.review.calibration import apply_calibration, load_calibration
from mockint.rubrics import load_rubrics

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "answers.jsonl"


def answers() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    """Every example answer with a teacher's score out of 5: 4 for strong answers, 2 for partial, 0 else."""
    path = tmp_path / "labels.jsonl"
    rows = []
    for row in answers():
        score = 4 if "strong" in row["id"] else 2 if "partial" in row["id"] else 0
        rows.append({**row, "score": score, "score_max": 5})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_calibrate_deterministically_and_from_a_grades_file_agree(labels: Path, tmp_path: Path) -> None:
    now, reused, grades = tmp_path / "now.json", tmp_path / "reused.json", tmp_path / "grades.jsonl"
    result = runner.invoke(app, ["calibrate", str(labels), "--no-llm", "--out", str(now)])
    assert result.exit_code == 0, result.output
    assert f"calibrated on {len(answers())} labels of 4 question(s) (deterministic grades)" in result.stdout
    assert runner.invoke(app, ["grade", str(EXAMPLES), "--no-llm", "-o", str(grades)]).exit_code == 0
    result = runner.invoke(app, ["calibrate", str(labels), "--grades", str(grades), "--out", str(reused)])
    assert result.exit_code == 0, result.output
    first, second = load_calibration(now), load_calibration(reused)
    assert first.pooled == second.pooled and first.questions == second.questions
    assert first.grader == "deterministic" and first.model is None and first.layers == ["lexical"]
    assert set(first.rubrics) == {"ab-significance", "cnn-explained", "fashion-recommender", "genai-tools"}
    # The map is monotone and on the teacher's scale.
    values = [apply_calibration({"question_id": "cnn-explained", "score": s / 10}, first) for s in range(11)]
    assert all(v is not None and 0 <= v <= 5 for v in values)
    assert values == sorted(values)  # type: ignore[type-var]


def test_calibrate_with_the_judge_records_model_and_prompt(labels: Path, tmp_path: Path, monkeypatch: Any) -> None:
    out = tmp_path / "calibration.json"
    rubrics = load_rubrics()
    with FakeOpenAI(handler=correct_handler(*rubrics.values())) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["calibrate", str(labels), "--model", "judge-x", "--out", str(out)])
        asked = server.chat_count
    assert result.exit_code == 0, result.output
    calibration = load_calibration(out)
    assert asked > 0 and calibration.grader == "llm" and calibration.model == "judge-x"
    assert calibration.prompt_version is not None and calibration.prompt_version.startswith("judge")


def test_unfinished_labels_are_left_out(labels: Path, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    rows[0]["state"] = "open"
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "calibration.json"
    result = runner.invoke(app, ["calibrate", str(labels), "--no-llm", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 label(s) left out: their review is not finished" in result.stderr
    assert load_calibration(out).pooled.n == len(rows) - 1


def test_bad_input_is_one_line_and_writes_nothing(labels: Path, tmp_path: Path) -> None:
    out = tmp_path / "calibration.json"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(labels.read_text(encoding="utf-8") + '{"id": "x", "question_id": "cnn-explained"}\n', "utf-8")
    result = runner.invoke(app, ["calibrate", str(bad), "--no-llm", "--out", str(out)])
    line = len(answers()) + 1
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr.strip().splitlines()[-1] == (
        f"mockint: error: {bad}:{line}: answer: missing; each record needs question_id, answer and score"
    )
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"id": "u", "question_id": "nope", "answer": "x", "score": 1, "score_max": 5}\n', "utf-8")
    result = runner.invoke(app, ["calibrate", str(unknown), "--no-llm", "--out", str(out)])
    assert result.exit_code == 1 and f"{unknown}:1: question_id: no rubric 'nope'" in result.stderr
    pasted = tmp_path / "pasted.jsonl"  # the labels passed as grades
    pasted.write_text(labels.read_text(encoding="utf-8").splitlines()[0] + "\n", "utf-8")
    result = runner.invoke(app, ["calibrate", str(labels), "--grades", str(pasted), "--out", str(out)])
    assert result.exit_code == 1 and f"{pasted}:1: grader: Field required; pass the JSONL that" in result.stderr
    grades, few = tmp_path / "grades.jsonl", tmp_path / "few.jsonl"
    assert runner.invoke(app, ["grade", str(EXAMPLES), "--no-llm", "-o", str(grades)]).exit_code == 0
    few.write_text(grades.read_text(encoding="utf-8").splitlines()[0] + "\n", "utf-8")
    second = answers()[1]["id"]
    result = runner.invoke(app, ["calibrate", str(labels), "--grades", str(few), "--out", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert f"{labels}:2: id: no grade for {second!r} in {few}; grade the labelled answers" in result.stderr
