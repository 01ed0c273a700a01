"""The review session through the library (scripted commands) and `mockint review` through a pipe (CliRunner)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mockint.cli import app
from mockint.review.run import review
from mockint.review.session import Prompt, ScriptedCommands
from mockint.rubrics import load_rubrics

runner = CliRunner()
RUBRICS = load_rubrics()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "answers.jsonl"


@pytest.fixture
def grades(tmp_path: Path) -> Path:
    out = tmp_path / "grades.jsonl"
    result = runner.invoke(app, ["grade", str(EXAMPLES), "--no-llm", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(grades: Path, labels: Path, commands: list[str], **options: Any) -> tuple[Any, str]:
    out = io.StringIO()
    result = review(grades, [EXAMPLES], RUBRICS, labels, ScriptedCommands(commands), out, **options)
    return result, out.getvalue()


def test_flip_mark_grade_note_accept_and_the_corrected_grades(grades: Path, tmp_path: Path) -> None:
    labels, corrected = tmp_path / "labels.jsonl", tmp_path / "corrected.jsonl"
    # The first answer in the queue (the examples grade ab-partial nearest the pass mark).
    first, shown = run(
        grades, labels, ["f 2", "f 4 partial", "m 1", "n the p-value is wrong", "a", "q"], corrected=corrected
    )
    assert "== 1/13 · ab-partial · ab-significance · score 0.40 near the pass mark 0.50 ==" in shown
    assert "«Without significance testing we could ship changes" in shown  # evidence marked in the answer
    assert "key point 2: met; score now" in shown and "key point 4: partial" in shown
    assert first.result.reviewed == 1 and first.result.status == "quit" and first.result.remaining == 12
    saved = lines(labels)[-1]
    assert saved["id"] == "ab-partial" and saved["state"] == "done" and saved["note"] == "the p-value is wrong"
    assert saved["labels"]["pvalue-definition"] == "met" and saved["labels"]["effect-size"] == "partial"
    assert saved["human"] == {"criteria": ["pvalue-definition", "effect-size"], "mistakes": ["pvalue-hypothesis-true"]}
    assert "pvalue-hypothesis-true" in saved["mistakes"]
    # Weights 3, 3, 1, 2, 2, 2, 1, 1 (15): met noise 3 + p-value 3 (flipped) + alpha 1 + sample size 2, effect size
    # partial 2 x 0.5 = 10 of 15, minus the marked mistake's penalty 0.25 (the omission, with no quote, costs
    # nothing): 0.4167 of 10.
    assert saved["score"] == pytest.approx(4.167)
    fixed = {g["id"]: g for g in lines(corrected)}
    assert len(fixed) == 13 and "review" not in fixed["fr-strong"]
    graded = fixed["ab-partial"]
    by_id = {c["id"]: c for c in graded["criteria"]}
    assert by_id["pvalue-definition"]["source"] == "human" and by_id["pvalue-definition"]["verdict"] == "met"
    assert by_id["noise-vs-effect"]["source"] == "deterministic"  # accepted, not set by a person
    assert graded["score"] == pytest.approx(saved["score"] / 10)
    assert graded["review"]["note"] == "the p-value is wrong"


def test_a_grade_typed_wins_and_bad_commands_change_nothing(grades: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    _, shown = run(grades, labels, ["g 11", "g many", "f 99", "zz", "g 7.5", "a"], score_max=10)
    assert "! 11 is outside 0..10" in shown and "! g needs a number" in shown
    assert "! which key point? f 1..8" in shown and "! unknown command 'zz'" in shown
    (saved,) = lines(labels)  # the typed grade, then the accept: one line once the review ends
    assert saved["state"] == "done" and saved["score"] == 7.5 and saved["score_set"] is True


def test_skip_saves_nothing_and_end_of_input_ends(grades: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    result, shown = run(grades, labels, ["s", "a"])
    assert result.result.skipped == 1 and result.result.reviewed == 1 and result.result.status == "ended"
    assert [label["id"] for label in lines(labels)] == ["cnn-partial"]  # the second in the queue


class Interrupted:
    """Commands, then Ctrl-C."""

    def __init__(self, commands: list[str]) -> None:
        self._commands: Iterator[str] = iter(commands)

    def read(self, prompt: Prompt) -> str | None:
        command = next(self._commands, None)
        if command is None:
            raise KeyboardInterrupt
        return command


def test_ctrl_c_loses_nothing_and_the_next_run_resumes(grades: Path, tmp_path: Path) -> None:
    labels, corrected = tmp_path / "labels.jsonl", tmp_path / "corrected.jsonl"
    out = io.StringIO()
    first = review(grades, [EXAMPLES], RUBRICS, labels, Interrupted(["a", "f 1"]), out, corrected=corrected)
    assert first.result.status == "interrupted" and first.result.reviewed == 1
    saved = {label["id"]: label for label in lines(labels)}
    assert saved["ab-partial"]["state"] == "done" and saved["cnn-partial"]["state"] == "open"
    assert saved["cnn-partial"]["labels"]["small-filter-slides"] == "missed"
    # The corrections were written after Ctrl-C too, with the open answer's flip.
    fixed = {g["id"]: g for g in lines(corrected)}
    assert fixed["cnn-partial"]["criteria"][0]["source"] == "human"
    second, shown = run(grades, labels, ["a", "q"])
    assert "1 answer(s) already reviewed" in shown and "12 to go" in shown
    assert "== 1/12 · cnn-partial" in shown
    assert "1 [missed ] (you) A convolutional layer slides" in shown  # the open answer's flip came back
    final = {label["id"]: label for label in lines(labels)}
    assert final["cnn-partial"]["state"] == "done" and final["cnn-partial"]["human"]["criteria"] == [
        "small-filter-slides"
    ]
    assert len(lines(labels)) == 2  # compacted: one line per answer


def test_review_through_a_pipe(grades: Path, tmp_path: Path) -> None:
    labels, corrected = tmp_path / "labels.jsonl", tmp_path / "corrected.jsonl"
    args = ["review", str(grades), "--answers", str(EXAMPLES), "--labels", str(labels), "-o", str(corrected)]
    result = runner.invoke(app, args, input="a\nf 1\ng 4\na\nq\n")
    assert result.exit_code == 0, result.output
    assert "Review stopped: 2 reviewed now, 0 before, 0 skipped; 11 of 13 still to review." in result.stdout
    assert [label["id"] for label in lines(labels)] == ["ab-partial", "cnn-partial"]
    again = runner.invoke(app, args, input="")
    assert again.exit_code == 0 and "2 answer(s) already reviewed" in again.stdout
    assert "Review ended with the input: 0 reviewed now, 2 before" in again.stdout


def test_a_bad_labels_line_is_one_line_error_and_the_file_is_kept(grades: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    text = '{"id": "ab-partial", "question_id": "ab-significance", "answer": "x", "score": 40, "score_max": 10}\n'
    labels.write_text(text, encoding="utf-8")
    result = runner.invoke(
        app, ["review", str(grades), "--answers", str(EXAMPLES), "--labels", str(labels)], input="a\n"
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"mockint: error: {labels}:1: score: 40 is outside 0..10; fix the score or score_max"
    )
    assert labels.read_text(encoding="utf-8") == text


def test_labels_on_another_scale_are_refused(grades: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    run(grades, labels, ["a"], score_max=5)
    result = runner.invoke(app, ["review", str(grades), "--answers", str(EXAMPLES), "--labels", str(labels)], input="")
    assert result.exit_code == 1
    assert "score_max: 5, but this review grades out of 10; pass --score-max 5" in result.stderr


def test_labels_of_another_question_for_an_id_are_refused(grades: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    other = {"id": "ab-partial", "question_id": "cnn-explained", "answer": "x", "score": 4, "score_max": 10}
    labels.write_text(json.dumps(other) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["review", str(grades), "--answers", str(EXAMPLES), "--labels", str(labels)], input="")
    assert result.exit_code == 1
    assert f"{labels}:1: question_id: 'cnn-explained' for answer 'ab-partial', but {grades}:" in result.stderr
