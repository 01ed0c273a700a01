"""Rubric files: validation errors are one line with file, line, field and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockint.cli import app
from mockint.errors import RubricError
from mockint.rubrics import load_rubric, load_rubrics, parse_rubric

runner = CliRunner()

GOOD = """\
id: tiny
title: Tiny
question: What is a p-value?
model_answer: The probability of data at least this extreme under the null hypothesis.
criteria:
  - id: definition
    text: Defines the p-value under the null hypothesis.
    weight: 2
    checks:
      - concepts: [[p-value], [null hypothesis, under the null]]
  - id: extreme
    text: Mentions results at least as extreme.
    checks:
      - concepts: [extreme]
mistakes:
  - id: wrong-definition
    text: Define p-value as probability the hypothesis is true.
    penalty: 0.2
    omission_of: [definition]
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_rubric_loads(tmp_path: Path) -> None:
    rubric = load_rubric(write(tmp_path, GOOD))
    assert rubric.id == "tiny"
    assert rubric.criteria[0].checks[0].concepts == [["p-value"], ["null hypothesis", "under the null"]]
    assert rubric.criteria[1].checks[0].concepts == [["extreme"]]


def test_unknown_field_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    weight: 2\n", "    weight: 2\n    wieght: 3\n"))
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    message = str(info.value)
    assert message.startswith(f"{path}:9: criteria[0].wieght:")
    assert "remove it or fix its spelling" in message
    assert "\n" not in message


def test_bad_weight_points_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("weight: 2", "weight: -1"))
    with pytest.raises(RubricError, match=r"r\.yaml:8: criteria\[0\]\.weight: .*greater than 0"):
        load_rubric(path)


def test_missing_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("title: Tiny\n", ""))
    with pytest.raises(RubricError, match=r"title: Field required; add this required field"):
        load_rubric(path)


def test_bad_cross_reference(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("omission_of: [definition]", "omission_of: [definitoin]"))
    with pytest.raises(RubricError, match=r"mistakes\[0\]\.omission_of: unknown key point id 'definitoin'"):
        load_rubric(path)


def test_duplicate_ids(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("  - id: extreme", "  - id: definition"))
    with pytest.raises(RubricError, match=r"criteria\[1\]\.id: duplicate id 'definition'"):
        load_rubric(path)


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("title: Tiny", "title: [Tiny"))
    with pytest.raises(RubricError, match=r"r\.yaml:\d+: invalid YAML"):
        load_rubric(path)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(RubricError, match="binary file"):
        load_rubric(binary)
    with pytest.raises(RubricError, match="no such rubric file"):
        load_rubric(tmp_path / "nope.yaml")


def test_not_a_mapping() -> None:
    with pytest.raises(RubricError, match="must be a YAML mapping"):
        parse_rubric("- just\n- a list\n", "x.yaml")


def test_duplicate_rubric_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RubricError, match="already used by"):
        load_rubrics(tmp_path)


def test_unknown_question_id_lists_known(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    with pytest.raises(RubricError, match="unknown question id 'nope'; known ids: tiny"):
        load_rubrics(tmp_path).get_rubric("nope")


def test_shipped_rubrics_found() -> None:
    rubrics = load_rubrics()
    assert {"fashion-recommender", "cnn-explained", "ab-significance", "genai-tools"} <= set(rubrics)


def test_schema_command_prints_json_schema() -> None:
    result = CliRunner().invoke(app, ["rubric", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert {"id", "question", "criteria", "mistakes", "tips", "examples"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_broken_rubric_in_cli_is_one_line(tmp_path: Path, examples_file: Path) -> None:
    write(tmp_path, GOOD.replace("weight: 2", "weight: heavy"))
    result = CliRunner().invoke(app, ["questions", "list", "--rubrics", str(tmp_path)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "r.yaml:8: criteria[0].weight:" in lines[0]
    assert "Traceback" not in result.output


# -- hostile rubric files: deep nesting and size ----------------------------------------------------------------

ROOT_RUBRICS = Path(__file__).resolve().parent.parent / "rubrics"
DEEP_CRITERIA = "id: deep\ntitle: Deep\nquestion: Q?\nmodel_answer: A.\ncriteria: " + "[" * 5000 + "]" * 5000 + "\n"


def test_deeply_nested_rubric_is_a_one_line_error(tmp_path: Path) -> None:
    path = write(tmp_path, DEEP_CRITERIA)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    message = str(info.value)
    assert message.startswith(f"{path}:5: ")
    assert "nested more than" in message and "\n" not in message


def test_deeply_nested_rubric_from_grade_and_lint_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "rubrics"
    folder.mkdir()
    path = write(folder, DEEP_CRITERIA)
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "a", "question_id": "deep", "answer": "x"}\n', encoding="utf-8")
    graded = runner.invoke(app, ["grade", str(answers), "--rubrics", str(folder)])
    assert graded.exit_code == 1
    assert "Traceback" not in graded.stderr and "RecursionError" not in graded.stderr
    assert graded.stderr.strip().splitlines()[-1].startswith(f"mockint: error: {path}:5: ")
    linted = runner.invoke(app, ["rubric", "lint", str(path)])
    assert linted.exit_code == 1
    assert "RecursionError" not in linted.output
    assert f"{path}:5" in linted.stdout and "nested more than" in linted.stdout


def test_oversized_rubric_file_is_refused_and_the_limit_can_be_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, GOOD + "tips:\n" + "  - say it plainly\n" * 70_000)  # ~1.3 MB
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "over the 1 MiB limit" in message
    assert "MOCKINT_MAX_RUBRIC_BYTES" in message
    monkeypatch.setenv("MOCKINT_MAX_RUBRIC_BYTES", "4000000")
    assert load_rubric(path).id == "tiny"


def test_oversized_document_or_bank_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bank = tmp_path / "bank.jsonl"
    bank.write_text(
        json.dumps({"id": "q1", "question": "What?", "reference_answer": "That. " * 400}) + "\n", encoding="utf-8"
    )
    monkeypatch.setenv("MOCKINT_MAX_DOCUMENT_BYTES", "1000")
    result = runner.invoke(app, ["rubric", "import", str(bank), "--out", str(tmp_path / "out"), "--no-llm"])
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"mockint: error: {bank}: ") and "MOCKINT_MAX_DOCUMENT_BYTES" in last


def test_deeply_nested_bank_line_is_a_one_line_error(tmp_path: Path) -> None:
    bank = tmp_path / "bank.jsonl"
    bank.write_text('{"id": "q1", "question": "What?", "reference_answer": ' + "[" * 5000 + "]" * 5000 + "}\n")
    result = runner.invoke(app, ["rubric", "import", str(bank), "--out", str(tmp_path / "out"), "--no-llm"])
    assert result.exit_code == 1
    assert "RecursionError" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith(f"mockint: error: {bank}:1: ")


def test_without_libyaml_the_pure_python_loader_reads_and_refuses_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mockint.rubrics as rubrics_module

    fast = {rubric.id: rubric for rubric in load_rubrics().values()}
    monkeypatch.setattr(rubrics_module, "_FAST_LOADER", None)
    slow = {rubric.id: rubric for rubric in load_rubrics().values()}
    assert slow == fast
    path = write(tmp_path, DEEP_CRITERIA)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert str(info.value).startswith(f"{path}:5: ") and "nested more than" in str(info.value)


def test_block_nesting_past_the_limit_is_refused_before_composing(tmp_path: Path) -> None:
    # Block style, one level per line: libyaml has no limit of its own here, the event scan refuses it.
    lines = ["id: deep", "title: t", "question: q", "model_answer: m", "criteria:"]
    lines += [" " * (2 * level) + "- " for level in range(1, 40)]
    path = tmp_path / "block.yaml"
    path.write_text("\n".join(lines) + "x\n", encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert "nested more than" in str(info.value) and "\n" not in str(info.value)


def test_an_empty_subject_phrase_is_a_one_line_error_naming_the_field(tmp_path: Path) -> None:
    text = (
        (ROOT_RUBRICS / "cnn-explained.yaml")
        .read_text(encoding="utf-8")
        .replace("subject: [CNN,", 'subject: ["", CNN,')
    )
    path = write(tmp_path, text)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    message = str(info.value)
    assert message.startswith(f"{path}:") and "subject: has an empty phrase" in message and "\n" not in message


def test_a_single_subject_word_may_stand_for_the_list(tmp_path: Path) -> None:
    text = (ROOT_RUBRICS / "cnn-explained.yaml").read_text(encoding="utf-8")
    start = text.index("subject: [")
    end = text.index("]", start) + 1
    rubric = load_rubric(write(tmp_path, text[:start] + "subject: image" + text[end:]))
    assert rubric.subject == ["image"]
