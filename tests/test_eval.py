"""`mockint eval`: agreement with human grades, key point labels, bad input, and the LLM run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, correct_handler
from typer.testing import CliRunner

from mockint import metrics
from mockint.cli import app
from mockint.docimport import read_bank
from mockint.drafting import draft_bank, write_drafts
from mockint.errors import InputError
from mockint.evaluation import evaluate, read_labels
from mockint.rubrics import load_rubrics

DATA = Path(__file__).parent / "data" / "authoring"
LABELS = DATA / "labels.jsonl"
runner = CliRunner()


@pytest.fixture
def bank_rubrics(tmp_path: Path) -> Path:
    out = tmp_path / "rubrics"
    write_drafts(draft_bank(read_bank(DATA / "bank.jsonl")), out)
    return out


def test_eval_json_matches_the_metrics(bank_rubrics: Path) -> None:
    result = runner.invoke(app, ["eval", str(LABELS), "--rubrics", str(bank_rubrics), "--no-llm", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["grader"] == "deterministic" and report["answers"] == 5
    records = read_labels([LABELS])
    rubrics = load_rubrics(bank_rubrics)
    graded = evaluate(records, rubrics).graded
    human = [g.record.score for g in graded]
    predicted = [g.predicted * 5 for g in graded]
    assert report["scores"]["pearson"] == pytest.approx(metrics.pearson(predicted, human))
    assert report["scores"]["spearman"] == pytest.approx(metrics.spearman(predicted, human))
    assert report["scores"]["rmse"] == pytest.approx(metrics.rmse(predicted, human))
    # Human scores are halves: QWK is computed on the 0..10 grid.
    assert report["scores"]["qwk"] == pytest.approx(
        metrics.quadratic_weighted_kappa([round(h * 2) for h in human], [round(p * 2) for p in predicted])
    )
    assert report["scores"]["pearson"] > 0.8
    assert report["key_points"]["q-stack/push"]["n"] == 3
    assert report["key_points"]["all"]["kappa"] == pytest.approx(1.0)
    assert len(report["disagreements"]) == 5 and report["llm_vs_deterministic"] is None


def test_eval_text_report(bank_rubrics: Path) -> None:
    result = runner.invoke(app, ["eval", str(LABELS), "--rubrics", str(bank_rubrics), "--no-llm"])
    assert result.exit_code == 0
    for heading in ("pearson r", "spearman rho", "quadratic kappa", "rmse", "largest disagreements", "q-stack/pop"):
        assert heading in result.stdout


def test_csv_labels_with_score_max_option(tmp_path: Path, bank_rubrics: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "id,question_id,answer,score,label:push\nx1,q-stack,push and pop,10,met\nx2,q-stack,pop,4,missed\n"
        "x3,q-stack,nothing useful here at all,0,missed\n",
        encoding="utf-8",
    )
    missing = runner.invoke(app, ["eval", str(path), "--rubrics", str(bank_rubrics), "--no-llm"])
    assert missing.exit_code == 1 and f"{path}:2: score_max: missing" in missing.stderr
    result = runner.invoke(
        app, ["eval", str(path), "--rubrics", str(bank_rubrics), "--no-llm", "--score-max", "10", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["answers"] == 3 and report["key_points"]["q-stack/push"]["n"] == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"question_id": "q", "answer": "a", "score": "high", "score_max": 5}', ":1: score: 'high' is not a number"),
        ('{"question_id": "q", "answer": "a", "score": 7, "score_max": 5}', ":1: score: 7 is outside 0..5"),
        ('{"question_id": "q", "score": 1, "score_max": 5}', ":1: answer: missing"),
        ('{"question_id": "q", "answer": "a", "score": 1, "score_max": 5, "labels": {"k": "maybe"}}', "labels.k"),
    ],
)
def test_bad_labels(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_labels([path])
    assert f"{path}{message}" in str(info.value) or message in str(info.value)


def test_unknown_question_is_reported(tmp_path: Path, bank_rubrics: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"id": "z", "question_id": "nope", "answer": "x", "score": 1, "score_max": 5}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", str(path), "--rubrics", str(bank_rubrics), "--no-llm"])
    assert result.exit_code == 1 and "unknown question id 'nope'" in result.stderr


def test_eval_with_llm_reports_agreement(bank_rubrics: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rubrics = load_rubrics(bank_rubrics)
    with FakeOpenAI(handler=correct_handler(*rubrics.values())) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["eval", str(LABELS), "--rubrics", str(bank_rubrics), "-f", "json"])
        requests = len(server.requests)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert requests == 5 and report["grader"] == "llm"
    agreement = report["llm_vs_deterministic"]
    assert agreement["n"] == 5 and 0 <= agreement["verdict_agreement"] <= 1
