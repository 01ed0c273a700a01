"""grade_files and export_files from Python: what `mockint grade` does, byte for byte, without the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner

from mockint.batch import GradeRun, export_files, grade_files
from mockint.cli import app
from mockint.config import load_settings

runner = CliRunner()


def test_grade_files_writes_what_the_cli_writes(examples_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades.jsonl"
    said: list[str] = []
    run = grade_files([examples_file], settings=load_settings(no_llm=True), out=out, notice=said.append)
    assert isinstance(run, GradeRun)
    assert run.summary is not None and not run.failed and not run.interrupted and run.fallbacks == 0
    count = sum(1 for line in examples_file.read_text(encoding="utf-8").splitlines() if line.strip())
    assert run.summary.graded + run.summary.errors == count
    assert said[-1].startswith(f"graded {run.summary.graded} answer(s) to {out} in ")

    by_cli = tmp_path / "cli.jsonl"
    result = runner.invoke(app, ["grade", str(examples_file), "--no-llm", "-o", str(by_cli)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == by_cli.read_bytes()


def test_grade_files_without_out_writes_to_the_stream_given(examples_file: Path) -> None:
    stream = io.StringIO()
    run = grade_files([examples_file], settings=load_settings(no_llm=True), stdout=stream)
    assert run.summary is not None
    grades = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(grades) == run.summary.graded + run.summary.errors
    assert all(grade["grader"] == "deterministic" for grade in grades if grade["error"] is None)


def test_a_bad_record_fails_the_run_and_is_said_as_an_error(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "1", "question_id": "cnn-explained"}\n', encoding="utf-8")
    errors: list[str] = []
    run = grade_files([answers], settings=load_settings(no_llm=True), stdout=io.StringIO(), error=errors.append)
    assert run.failed
    assert errors == [f"{answers}:1: missing field answer; each record needs id, question_id and answer"]


def test_export_files_counts_the_requests(examples_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    summary = export_files([examples_file], path, settings=load_settings())
    assert summary.requests == len(path.read_text(encoding="utf-8").splitlines()) > 0
