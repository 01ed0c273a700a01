"""The installed command, driven with typer's CliRunner (and a subprocess for start-up imports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from mockint import __version__
from mockint.cli import app

runner = CliRunner()


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mockint {__version__}"


def test_grade_examples_deterministically(examples_file: Path) -> None:
    result = runner.invoke(app, ["grade", str(examples_file), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    inputs = jsonl(examples_file.read_text(encoding="utf-8"))
    grades = jsonl(result.stdout)
    assert [g["id"] for g in grades] == [str(i["id"]) for i in inputs]
    assert all(g["grader"] == "deterministic" and g["error"] is None for g in grades)
    assert all(0.0 <= float(str(g["score"])) <= 1.0 for g in grades)
    assert set(grades[0]) == {
        "id",
        "question_id",
        "score",
        "calibrated_score",
        "grader",
        "model",
        "prompt_version",
        "criteria",
        "mistakes",
        "feedback",
        "warnings",
        "error",
        "extra",
        "layers",
        "fallback",
    }
    # said once, on stderr
    assert result.stderr.count("grading deterministically") == 1
    # strong answers beat weak ones for every question
    by_id = {g["id"]: g for g in grades}
    for item in inputs:
        if str(item["id"]).endswith("-strong"):
            weak = by_id[str(item["id"]).replace("-strong", "-weak")]
            assert float(str(by_id[str(item["id"])]["score"])) > float(str(weak["score"]))


def test_bad_lines_are_reported_and_the_rest_graded(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text(
        '{"id": "1", "question_id": "cnn-explained", "answer": "A CNN slides a small learned filter across '
        'the image and reuses the same weights at every position."}\n'
        "{not json}\n"
        '{"id": "3", "question_id": "no-such-question", "answer": "hello there"}\n'
        '{"id": "4", "question_id": "cnn-explained", "answer": ""}\n'
        '{"id": "5", "question_id": "ab-significance", "answer": "Significance separates a real effect '
        'from random noise."}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["grade", str(path), "--format", "jsonl"])
    assert result.exit_code == 1
    grades = jsonl(result.stdout)
    assert [g["id"] for g in grades] == ["1", None, "3", "4", "5"]
    assert grades[0]["error"] is None and grades[4]["error"] is None
    assert str(grades[1]["error"]).startswith(f"{path}:2: invalid JSON")
    assert f"{path}:3: question_id: unknown question id 'no-such-question'" in str(grades[2]["error"])
    assert str(grades[3]["error"]).startswith(f"{path}:4: answer: is empty")
    errors = [line for line in result.stderr.splitlines() if line.startswith("mockint: error:")]
    assert len(errors) == 3
    assert "Traceback" not in result.output


def test_out_file_and_formats(tmp_path: Path, examples_file: Path) -> None:
    out = tmp_path / "grades.csv"
    result = runner.invoke(app, ["grade", str(examples_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("id,question_id,score,grader,model,met,partial,missed,mistakes")
    md = runner.invoke(app, ["grade", str(examples_file), "--format", "md"])
    assert md.exit_code == 0
    assert md.stdout.startswith("# mockint grades")
    assert "| key point | verdict | evidence | source |" in md.stdout
    table = runner.invoke(app, ["grade", str(examples_file), "--format", "table"])
    assert table.exit_code == 0
    assert "mockint grades" in table.stdout
    assert "cnn-explained" in table.stdout


def test_binary_answers_file_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_bytes(b"\x00\x01\x02\x03")
    result = runner.invoke(app, ["grade", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"mockint: error: {path}: binary file, not answers; pass JSONL or CSV with id, question_id, answer"
    )


def test_model_without_server_is_a_config_error(examples_file: Path) -> None:
    result = runner.invoke(app, ["grade", str(examples_file), "--model", "qwen"])
    assert result.exit_code == 1
    assert "--model qwen needs a server: set OPENAI_BASE_URL" in result.stderr


def test_questions_list_and_show() -> None:
    listed = runner.invoke(app, ["questions", "list", "--format", "json"])
    assert listed.exit_code == 0
    ids = [q["id"] for q in json.loads(listed.stdout)]
    assert {"fashion-recommender", "cnn-explained", "ab-significance", "genai-tools"} <= set(ids)
    shown = runner.invoke(app, ["questions", "show", "ab-significance", "--format", "json"])
    assert shown.exit_code == 0
    rubric = json.loads(shown.stdout)
    assert rubric["id"] == "ab-significance"
    assert all({"id", "text"} <= set(c) for c in rubric["criteria"])
    assert all({"id", "text"} <= set(m) for m in rubric["mistakes"])
    md = runner.invoke(app, ["questions", "show", "cnn-explained"])
    assert md.exit_code == 0 and "## Key points" in md.stdout
    unknown = runner.invoke(app, ["questions", "show", "nope"])
    assert unknown.exit_code == 1
    assert "unknown question id 'nope'; known ids:" in unknown.stderr


def test_rubric_test_passes_on_shipped_and_fails_on_wrong_expectation(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["rubric", "test"])
    assert ok.exit_code == 0, ok.output
    shipped = Path(__file__).resolve().parent.parent / "rubrics" / "cnn-explained.yaml"
    from mockint.rubrics import load_rubric

    rubric = load_rubric(shipped)
    strong = next(e for e in rubric.examples if e.label == "strong")
    wrong = rubric.model_copy(deep=True)
    wrong.examples = [strong.model_copy(update={"expect": strong.expect.model_copy(update={"score": (0.0, 0.05)})})]
    import yaml

    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(wrong.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    bad = runner.invoke(app, ["rubric", "test", str(path)])
    assert bad.exit_code == 1
    assert f"FAIL {path}: examples[0] (strong): score" in bad.stdout
    assert "0 passed, 1 failed" in bad.stdout


def test_help_and_deterministic_runs_do_not_import_the_llm_stack(examples_file: Path) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from mockint.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0\n"
        f"r = CliRunner().invoke(app, ['grade', {str(examples_file)!r}, '--format', 'jsonl'])\n"
        "assert r.exit_code == 0, r.output\n"
        "bad = [m for m in ('openai', 'langchain_core', 'tenacity') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_python_dash_m_works() -> None:
    result = subprocess.run([sys.executable, "-m", "mockint", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "grade" in result.stdout and "questions" in result.stdout


def test_shipped_rubrics_and_prompts_found_from_another_folder(tmp_path: Path) -> None:
    # In CI mockint is installed from a wheel (pip install .): the data must come from inside the package.
    code = (
        "from mockint.rubrics import default_rubrics_dir, load_rubrics\n"
        "from mockint.prompts import prompt_version\n"
        "print(len(load_rubrics()), prompt_version('judge'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    count, version = result.stdout.split()
    assert int(count) >= 4 and version.startswith("judge@")
