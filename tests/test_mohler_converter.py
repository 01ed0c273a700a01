"""examples/mohler_to_jsonl.py: the UNT short-answer data set v2.0, in its documented layout, to mockint's format."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from typer.testing import CliRunner

from mockint.cli import app

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "examples" / "mohler_to_jsonl.py"
runner = CliRunner()


def load_converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mohler_to_jsonl", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def release(tmp_path: Path) -> Path:
    """A small tree laid out like ShortAnswerGrading_v2.0 (its README, section 2.b)."""
    root = tmp_path / "ShortAnswerGrading_v2.0"
    data = root / "data"
    write(data / "docs" / "files", "1.3\n#1.5\n11.1\n")
    write(
        data / "raw" / "questions",
        "1.3 What are the main advantages associated with object-oriented programming?\n"
        "1.5 Order these steps.\n"
        "11.1 What are the elements typically included in a class definition?\n",
    )
    write(
        data / "raw" / "answers",
        "1.3 Abstraction and reusability.\n1.5 a b c\n11.1 Function members and data members.\n",
    )
    write(
        data / "raw" / "1.3",
        "1.3 Abstraction: you hide details &amp; reuse code.<br>\n"
        "1.3 Existing classes can be reused, maintenance is <br><br>easier.\n"
        # "’" saved as UTF-8, read as Windows-1252 and saved again, as in the release.
        + "1.3 The class\u00e2\u20ac\u2122s code is reused \u2014 that\u2019s reusability.\n",
    )
    write(data / "raw" / "1.5", "1.5 c b a\n")
    write(data / "raw" / "11.1", "11.1 Data members and member functions.\n11.1 A name.\n")
    for question, ave, other, me in (
        ("1.3", "4.5\n3\n5\n", "5\n3\n5\n", "4\n3\n5\n"),
        ("1.5", "2\n", "2\n", "2\n"),
        ("11.1", "5\n1.5\n", "10\n3\n", "10\n2.5\n"),
    ):
        write(data / "scores" / question / "ave", ave)
        write(data / "scores" / question / "other", other)
        write(data / "scores" / question / "me", me)
    return root


def test_the_documented_layout_converts_to_labelled_answers(tmp_path: Path) -> None:
    records = load_converter().convert(release(tmp_path))
    assert [r["answer_id"] for r in records] == ["1.3.0", "1.3.1", "1.3.2", "11.1.0", "11.1.1"]  # 1.5 is commented out
    first = records[0]
    assert first == {
        "dataset": "mohler2011_unt_v2.0",
        "question_id": "1.3",
        "answer_id": "1.3.0",
        "question": "What are the main advantages associated with object-oriented programming?",
        "reference_answer": "Abstraction and reusability.",
        "answer": "Abstraction: you hide details & reuse code.",
        "score": 4.5,
        "score_max": 5,
        "score_grader1_ta": 5,
        "score_grader2_mohler": 4,
        "score_grader1_ta_raw": 5,
        "score_grader2_mohler_raw": 4,
        "raw_score_max": 5,
        "source_part": "assignment",
        "excluded_in_published_work": False,
    }
    assert records[1]["answer"] == "Existing classes can be reused, maintenance is\neasier."
    assert records[2]["answer"] == "The class's code is reused \u2014 that's reusability."
    exam = records[4]
    assert (exam["score"], exam["score_grader1_ta"], exam["score_grader2_mohler"]) == (1.5, 2, 1)  # 3/2, 2.5/2 up
    assert (exam["score_grader1_ta_raw"], exam["raw_score_max"], exam["source_part"]) == (3, 10, "exam")


def test_splits_and_excluded_questions(tmp_path: Path) -> None:
    converter = load_converter()
    root = release(tmp_path)
    assert {r["question_id"] for r in converter.convert(root, split="dev")} == {"1.3", "11.1"}
    assert converter.convert(root, split="rest") == []
    excluded = [r for r in converter.convert(root, include_excluded=True) if r["excluded_in_published_work"]]
    assert [r["answer_id"] for r in excluded] == ["1.5.0"]


def test_the_output_imports_as_a_bank_and_evaluates(tmp_path: Path) -> None:
    out = tmp_path / "mohler.jsonl"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(release(tmp_path)), "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"wrote 5 answers to 2 questions to {out}"
    rubrics = tmp_path / "rubrics"
    imported = runner.invoke(app, ["rubric", "import", str(out), "--out", str(rubrics), "--no-llm"])
    assert imported.exit_code == 0, imported.output
    evaluated = runner.invoke(app, ["eval", str(out), "--rubrics", str(rubrics), "--no-llm", "--format", "json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["answers"] == 5


def test_a_broken_tree_is_one_line_naming_the_file(tmp_path: Path) -> None:
    root = release(tmp_path)
    (root / "data" / "scores" / "11.1" / "me").write_text("10\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(root), "--out", str(tmp_path / "x.jsonl")], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"mohler_to_jsonl: error: {root / 'data' / 'scores' / '11.1' / 'me'}: 1 grades for 2 answers in "
        f"{root / 'data' / 'raw' / '11.1'}; the files of one question must have one line per answer"
    )
