"""The gradebook writer (render.GradebookWriter) and how mockint grade picks it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from mockint.cli import app
from mockint.models import CriterionResult, Grade, MistakeResult
from mockint.render import GradebookColumns, GradebookWriter, make_writer
from mockint.rubrics import load_rubrics

runner = CliRunner()
RUBRICS = load_rubrics()


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_gradebook_columns_are_the_union_of_the_questions_answered_in_order_of_first_answer() -> None:
    answers = [
        ("ab-significance", {"candidate": "A"}),
        ("no-such-question", {"room": "3"}),
        ("cnn-explained", {"candidate": "B", "score": 7}),
        ("ab-significance", {}),
        (None, {}),
    ]
    columns = GradebookColumns.collect(answers, RUBRICS)
    assert [rubric.id for rubric in columns.rubrics] == ["ab-significance", "cnn-explained"]
    assert columns.extra == ("candidate", "room", "score")


def test_a_gradebook_row_has_verdicts_and_mistakes_of_its_own_question_and_blanks_elsewhere() -> None:
    cnn, ab = RUBRICS["cnn-explained"], RUBRICS["ab-significance"]
    stream = io.StringIO()
    writer = make_writer("gradebook", stream, gradebook=GradebookColumns(("candidate", "score"), (cnn, ab)))
    assert isinstance(writer, GradebookWriter)
    verdicts = ["met", "partial"] + ["missed"] * (len(cnn.criteria) - 2)
    writer.write(
        Grade(
            id="a1",
            question_id="cnn-explained",
            score=0.375,
            calibrated_score=7.5,
            grader="hybrid",
            criteria=[
                CriterionResult(id=c.id, text=c.text, verdict=v) for c, v in zip(cnn.criteria, verdicts, strict=True)
            ],
            mistakes=[MistakeResult(id=m.id, text=m.text, committed=i == 0) for i, m in enumerate(cnn.mistakes)],
            extra={"candidate": "A. Ivanova", "score": 9},
        )
    )
    writer.write(Grade(id="x", question_id="ab-significance", score=None, grader=None, error="answers.jsonl:2: bad"))
    writer.close()
    header, first, second = table(stream.getvalue())
    cnn_columns = [f"cnn-explained/{c.id}" for c in cnn.criteria]
    cnn_columns += [f"cnn-explained/mistake:{m.id}" for m in cnn.mistakes]
    ab_columns = [f"ab-significance/{c.id}" for c in ab.criteria]
    ab_columns += [f"ab-significance/mistake:{m.id}" for m in ab.mistakes]
    # The input's own "score" column does not take the name of mockint's.
    fixed = ["id", "question_id", "candidate", "input.score", "score", "calibrated_score", "grader", "error"]
    assert header == fixed + cnn_columns + ab_columns
    row = dict(zip(header, first, strict=True))
    assert first[:8] == ["a1", "cnn-explained", "A. Ivanova", "9", "0.3750", "7.5", "hybrid", ""]
    assert [row[name] for name in cnn_columns] == verdicts + ["1"] + ["0"] * (len(cnn.mistakes) - 1)
    assert all(row[name] == "" for name in ab_columns)
    assert second[:8] == ["x", "ab-significance", "", "", "", "", "", "answers.jsonl:2: bad"]
    assert set(second[8:]) == {""}


def test_grade_writes_a_gradebook_chosen_by_its_suffix(examples_file: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    kept = [
        line for line in examples_file.read_text(encoding="utf-8").splitlines() if '"cnn-' in line or '"ab-' in line
    ]
    answers.write_text("\n".join(kept) + '\n{"id": "bad", "question_id": "cnn-explained"}\n', encoding="utf-8")
    out = tmp_path / "class.gradebook.csv"
    result = runner.invoke(app, ["grade", str(answers), "--no-llm", "-o", str(out)])
    assert result.exit_code == 1, result.output  # the line without an answer
    header, *rows = table(out.read_text(encoding="utf-8"))
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # Only the questions of the input have columns.
    assert {name.split("/")[0] for name in header if "/" in name} == {"cnn-explained", "ab-significance"}
    assert header[:7] == ["id", "question_id", "candidate", "score", "calibrated_score", "grader", "error"]
    # The same verdicts as the JSONL grades, cell by cell.
    grades = runner.invoke(app, ["grade", str(answers), "--no-llm", "--format", "jsonl"]).stdout.splitlines()
    for grade in map(json.loads, grades):
        row = by_id[grade["id"]]
        assert row["score"] == ("" if grade["score"] is None else f"{grade['score']:.4f}")
        for criterion in grade["criteria"]:
            assert row[f"{grade['question_id']}/{criterion['id']}"] == criterion["verdict"]
        for mistake in grade["mistakes"]:
            assert row[f"{grade['question_id']}/mistake:{mistake['id']}"] == str(int(mistake["committed"]))
        other = "ab-significance" if grade["question_id"] == "cnn-explained" else "cnn-explained"
        assert all(value == "" for name, value in row.items() if name.startswith(other + "/"))
    assert by_id["bad"]["error"] == f"{answers}:7: missing field answer; each record needs id, question_id and answer"
    assert by_id["bad"]["score"] == "" and not any(value for name, value in by_id["bad"].items() if "/" in name)
    assert by_id["cnn-strong"]["candidate"] == "A. Ivanova"
