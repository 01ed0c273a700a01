"""`mockint rubric test`: expected-vs-actual diff, exit codes, and the LLM run (local test server)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fake_openai import FakeOpenAI, FakeReply, correct_handler
from typer.testing import CliRunner

from mockint.authoring.examples import run_examples
from mockint.cli import app
from mockint.judge import OpenAIJudge
from mockint.models import Rubric
from mockint.rubrics import load_rubric

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def wrong_expectation(tmp_path: Path) -> tuple[Path, Rubric]:
    rubric = load_rubric(ROOT / "rubrics" / "cnn-explained.yaml")
    weak = next(e for e in rubric.examples if e.label == "weak")
    first = rubric.criteria[0].id
    expect = weak.expect.model_copy(update={"criteria": {first: "met"}, "score": (0.8, 1.0)})
    changed = rubric.model_copy(update={"examples": [weak.model_copy(update={"expect": expect})]})
    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(changed.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    return path, changed


def test_diff_shows_expected_and_actual(tmp_path: Path) -> None:
    path, rubric = wrong_expectation(tmp_path)
    report = run_examples(rubric, str(path))
    [run] = report.failed_runs
    first = rubric.criteria[0].id
    assert f"- key point {first}: met" in run.diff()
    assert f"+ key point {first}: missed" in run.diff()
    assert any(line.startswith("- score: [0.8, 1]") for line in run.diff())
    result = runner.invoke(app, ["rubric", "test", str(path), "--no-llm"])
    assert result.exit_code == 1
    assert f"FAIL {path}: examples[0] (weak): key point {first}: expected met, got missed" in result.stdout
    assert f"    - key point {first}: met" in result.stdout
    assert "0 passed, 1 failed (deterministic)" in result.stdout


def test_shipped_examples_pass() -> None:
    result = runner.invoke(app, ["rubric", "test", "--no-llm"])
    assert result.exit_code == 0, result.stdout
    assert " 0 failed" in result.stdout


def test_llm_run_is_compared_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rubric = load_rubric(ROOT / "rubrics" / "cnn-explained.yaml")
    weak = next(e for e in rubric.examples if e.label == "weak")
    only_weak = rubric.model_copy(update={"examples": [weak]})
    # The fake judge says every key point is met (with verbatim evidence): the weak example must then fail
    # on the LLM run while it passes deterministically.
    with FakeOpenAI(handler=correct_handler(rubric)) as server:
        judge = OpenAIJudge("m", base_url=server.base_url, api_key="k", timeout=2)
        report = run_examples(only_weak, "cnn", judge)
    graders = {run.grader: run.passed for run in report.runs}
    assert graders == {"deterministic": True, "llm": False}
    assert any("[llm]" in line for line in report.mismatches)
    path = tmp_path / "weak.yaml"
    path.write_text(yaml.safe_dump(only_weak.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    with FakeOpenAI(handler=correct_handler(rubric)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["rubric", "test", str(path)])
    assert result.exit_code == 1
    assert "(llm grader)" in result.stdout and "(deterministic and LLM)" in result.stdout


def test_judge_failure_is_skipped_not_failed() -> None:
    rubric = load_rubric(ROOT / "rubrics" / "cnn-explained.yaml")
    strong = rubric.model_copy(update={"examples": [next(e for e in rubric.examples if e.label == "strong")]})
    with FakeOpenAI([FakeReply.error(400, "bad request")] * 10) as server:
        judge = OpenAIJudge("m", base_url=server.base_url, api_key="k", timeout=2, max_attempts=1)
        report = run_examples(strong, "cnn", judge)
    assert report.failed_examples == []
    assert report.skipped and "LLM run not compared" in report.skipped[0]
