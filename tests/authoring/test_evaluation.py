"""`mockint eval`: agreement with human grades, key point labels, bad input, and the LLM run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, correct_handler
from typer.testing import CliRunner

from mockint.authoring import metrics
from mockint.authoring.bank import draft_bank
from mockint.authoring.draft import write_drafts
from mockint.authoring.evaluation import (
    Graded,
    evaluate,
    key_point_statistics,
    kind_statistics,
    mistake_statistics,
    question_statistics,
)
from mockint.authoring.labels import LabelRecord, read_labels
from mockint.authoring.sources import read_bank
from mockint.cli import app
from mockint.errors import InputError
from mockint.models import MistakeResult, Verdict
from mockint.rubrics import load_rubrics

DATA = Path(__file__).resolve().parents[1] / "data" / "authoring"
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


def test_eval_sends_identical_answers_once(bank_rubrics: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rubrics = load_rubrics(bank_rubrics)
    first = json.loads(LABELS.read_text(encoding="utf-8").splitlines()[0])
    twice = tmp_path / "twice.jsonl"
    twice.write_text("".join(json.dumps({**first, "id": f"copy-{n}"}) + "\n" for n in range(3)), encoding="utf-8")
    with FakeOpenAI(handler=correct_handler(*rubrics.values())) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["eval", str(twice), "--rubrics", str(bank_rubrics), "-f", "json"])
        requests = server.chat_count
    assert result.exit_code == 0, result.output
    assert requests == 1 and json.loads(result.stdout)["grader"] == "llm"


# Typical mistakes, kinds, per question: small files graded with the shipped rubrics.

PVALUE = "The p-value is the probability that the null hypothesis is true."
OFF_TOPIC = "I like pizza and sunny weather."


def _graded(
    question_id: str,
    score: float,
    predicted: float,
    mistakes: list[tuple[str, bool, str | None]] | None = None,
    truth: list[str] | None = None,
    kind: str | None = None,
) -> Graded:
    record = LabelRecord(
        "a", question_id, "answer", score, 10, mistakes=None if truth is None else frozenset(truth), kind=kind
    )
    results = [MistakeResult(id=m, text=m, committed=c, evidence=e) for m, c, e in mistakes or []]
    return Graded(record, predicted, None, {}, {}, results)


def test_mistake_statistics_hand_computed() -> None:
    graded = [
        # stated: m1 (tp). m2 is an omission (committed, no evidence): not stated, so a fn; with every
        # committed mistake it is a tp.
        _graded("q", 0, 0, [("m1", True, "quote"), ("m2", True, None)], truth=["m1", "m2"]),
        # stated: m1 is a fp; m2 committed without evidence is a fp only with every committed mistake.
        _graded("q", 0, 0, [("m1", True, "quote"), ("m2", True, None)], truth=[]),
        # Nothing said, nothing labelled: a true negative for both.
        _graded("q", 0, 0, [("m1", False, None), ("m2", False, None)], truth=[]),
        # No mistake labels: left out.
        _graded("q", 0, 0, [("m1", True, "quote"), ("m2", True, None)]),
    ]
    stats = mistake_statistics(graded)
    assert stats is not None and stats["answers"] == 3 and stats["pairs"] == 6
    # stated: tp 1, fp 1, fn 1 -> precision 1/2, recall 1/2, F1 2/(2+1+1) = 1/2
    assert stats["stated"] == {"tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    # every committed: tp 2, fp 2, fn 0 -> precision 1/2, recall 1, F1 4/(4+2) = 2/3
    everything = stats["all_committed"]
    assert (everything["tp"], everything["fp"], everything["fn"]) == (2, 2, 0)
    assert (everything["precision"], everything["recall"], everything["f1"]) == pytest.approx((0.5, 1.0, 2 / 3))
    m1, m2 = stats["per_mistake"]
    assert (m1["id"], m1["n"], m1["tp"], m1["fp"], m1["fn"], m1["f1"]) == ("q/m1", 3, 1, 1, 0, pytest.approx(2 / 3))
    assert (m2["id"], m2["n"], m2["tp"], m2["fp"], m2["fn"], m2["f1"]) == ("q/m2", 3, 0, 0, 1, 0.0)
    assert m2["precision"] is None and m2["all_committed"]["tp"] == 1 and m2["all_committed"]["fp"] == 1
    assert mistake_statistics(graded[3:]) is None
    # Without omission forms, commission is stated; with q/m2 an omission form, only m1's 3 pairs count:
    # tp 1 (the first answer), fp 1 (the second), fn 0 -> precision 1/2, recall 1, F1 2/3.
    assert stats["commission"] == stats["stated"]
    commission = mistake_statistics(graded, frozenset({"q/m2"}))
    assert commission is not None and commission["stated"] == stats["stated"]
    assert commission["commission"] == {
        "tp": 1,
        "fp": 1,
        "fn": 0,
        "precision": 0.5,
        "recall": 1.0,
        "f1": pytest.approx(2 / 3),
    }


def test_question_and_kind_statistics_hand_computed() -> None:
    # q1: mockint 1, 2, 3 (0.1 .. 0.3 on a /10 scale) vs human 1, 4, 4 -> pearson 3 / sqrt(12) (see test_metrics)
    graded = [
        _graded("q1", 1, 0.1, kind="bad"),
        _graded("q1", 4, 0.2, kind="good"),
        _graded("q1", 4, 0.3, kind="good"),
        _graded("q2", 5, 0.5),
    ]
    questions = question_statistics(graded)
    assert list(questions) == ["q1", "q2"]
    assert questions["q1"]["n"] == 3 and questions["q1"]["pearson"] == pytest.approx(3 / math.sqrt(12))
    # ranks: mockint 1 2 3, human 1 2.5 2.5 -> sxy = 1.5, sxx = 2, syy = 1.5 -> 1.5 / sqrt(3)
    assert questions["q1"]["spearman"] == pytest.approx(1.5 / math.sqrt(3))
    assert questions["q2"] == {"n": 1, "pearson": None, "spearman": None}
    kinds = kind_statistics(graded)
    assert list(kinds) == ["bad", "good"]  # records without a kind are left out
    assert kinds["bad"] == {"n": 1, "human": pytest.approx(0.1), "mockint": 0.1, "above_0_30": 0, "below_0_60": 1}
    # good: human (0.4 + 0.4) / 2, mockint (0.2 + 0.3) / 2; 0.3 is not above 0.30
    good = kinds["good"]
    assert (good["n"], good["human"], good["mockint"]) == (2, pytest.approx(0.4), pytest.approx(0.25))
    assert (good["above_0_30"], good["below_0_60"]) == (0, 2)


def rubric_mistakes(question_id: str) -> list[str]:
    return [m.id for m in load_rubrics(None).get_rubric(question_id).mistakes]


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def ab_labels(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "ab.jsonl",
        [
            # The shipped rubric detects this mistake, quoting the sentence.
            {"id": "a1", "question_id": "ab-significance", "answer": PVALUE, "score": 0, "score_max": 10,
             "mistakes": ["pvalue-hypothesis-true"], "kind": "confidently-wrong"},
            {"id": "a2", "question_id": "ab-significance", "answer": OFF_TOPIC, "score": 0, "score_max": 10,
             "mistakes": [], "kind": "off-topic", "extra": {"rater": "r1"}, "notes": "kept, not an error"},
            # Labelled as stated, but nothing in the answer says it: a false negative.
            {"id": "a3", "question_id": "ab-significance", "answer": OFF_TOPIC, "score": 0, "score_max": 10,
             "mistakes": ["magic-five-percent"], "kind": "off-topic"},
            # No mistake labels: not counted for mistakes.
            {"id": "c1", "question_id": "cnn-explained", "answer": OFF_TOPIC, "score": 1, "score_max": 10},
        ],
    )  # fmt: skip


def test_eval_mistakes_kinds_and_questions_json(ab_labels: Path) -> None:
    result = runner.invoke(app, ["eval", str(ab_labels), "--no-llm", "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # Additions only: every earlier key is still there.
    for key in ("grader", "answers", "errors", "scores", "key_points", "llm_vs_deterministic", "disagreements"):
        assert key in report
    mistakes = report["mistakes"]
    assert mistakes["answers"] == 3 and mistakes["pairs"] == 3 * len(rubric_mistakes("ab-significance"))
    # Stated: a1's p-value mistake (tp); a3's labelled mistake is not said (fn); nothing else is quoted.
    assert mistakes["stated"] == {
        "tp": 1,
        "fp": 0,
        "fn": 1,
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
    }
    rows = {row["id"]: row for row in mistakes["per_mistake"]}
    assert set(rows) == {f"ab-significance/{m}" for m in rubric_mistakes("ab-significance")}
    pvalue = rows["ab-significance/pvalue-hypothesis-true"]
    assert (pvalue["n"], pvalue["tp"], pvalue["fp"], pvalue["fn"], pvalue["f1"]) == (3, 1, 0, 0, 1.0)
    magic = rows["ab-significance/magic-five-percent"]
    assert (magic["tp"], magic["fp"], magic["fn"], magic["f1"]) == (0, 0, 1, 0.0)
    # Every committed mistake adds the omissions, cited without evidence, to the stated ones.
    everything = mistakes["all_committed"]
    assert everything["tp"] >= 1 and everything["fp"] >= 0 and everything["fn"] <= 1
    assert everything["tp"] + everything["fn"] == 2  # the human labels do not change
    assert sum(r["all_committed"]["fp"] for r in rows.values()) == everything["fp"]
    # Commission leaves out the two mistakes with an omission form (power planning; variance, randomization):
    # a1's p-value mistake is still a tp and a3's labelled magic 5% still a fn.
    commission = mistakes["commission"]
    assert (commission["tp"], commission["fp"], commission["fn"]) == (1, 0, 1)
    kinds = report["kinds"]
    assert list(kinds) == ["confidently-wrong", "off-topic"]
    assert kinds["off-topic"]["n"] == 2 and kinds["off-topic"]["human"] == 0.0
    assert set(kinds["off-topic"]) == {"n", "human", "mockint", "above_0_30", "below_0_60"}
    questions = report["questions"]
    assert list(questions) == ["ab-significance", "cnn-explained"]
    assert questions["ab-significance"]["n"] == 3 and questions["cnn-explained"]["n"] == 1


def test_eval_mistakes_kinds_and_questions_text(ab_labels: Path) -> None:
    result = runner.invoke(app, ["eval", str(ab_labels), "--no-llm"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    for heading in (
        "pearson r",
        "largest disagreements",
        "per question (pearson r, spearman rho)",
        "typical mistakes vs human labels (3 answers, 12 answer-mistake pairs)",
        "stated (committed with evidence)",
        "every committed mistake",
        "kinds (mean score on 0..1",
        "confidently-wrong",
    ):
        assert heading in text
    assert "precision 1.000  recall 0.500  F1 0.667" in text
    worst = text.split("by F1 (stated)\n", 1)[1].splitlines()
    # Worst first: magic-five-percent (F1 0) before pvalue-hypothesis-true (F1 1).
    assert "ab-significance/magic-five-percent" in worst[0] and "F1 0.000" in worst[0]
    assert any("ab-significance/pvalue-hypothesis-true" in line and "F1 1.000" in line for line in worst[1:5])


def test_no_mistake_labels_no_mistake_section(bank_rubrics: Path) -> None:
    result = runner.invoke(app, ["eval", str(LABELS), "--rubrics", str(bank_rubrics), "--no-llm", "-f", "json"])
    report = json.loads(result.stdout)
    assert report["mistakes"] is None and report["kinds"] == {} and list(report["questions"])
    text = runner.invoke(app, ["eval", str(LABELS), "--rubrics", str(bank_rubrics), "--no-llm"]).stdout
    assert "typical mistakes" not in text and "kinds (" not in text


def test_unknown_mistake_id_is_an_input_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "labels.jsonl",
        [
            {"question_id": "ab-significance", "answer": PVALUE, "score": 0, "score_max": 10, "mistakes": []},
            {"question_id": "ab-significance", "answer": PVALUE, "score": 0, "score_max": 10, "mistakes": ["nope"]},
        ],
    )
    result = runner.invoke(app, ["eval", str(path), "--no-llm"])
    assert result.exit_code == 1
    message = result.stderr.strip().splitlines()[-1]
    assert f"{path}:2: mistakes: unknown mistake id 'nope' for question 'ab-significance'" in message
    assert "; use one of: " in message and "pvalue-hypothesis-true" in message and "Traceback" not in result.output
    with pytest.raises(InputError, match="unknown mistake id"):
        evaluate(read_labels([path]), load_rubrics(None))


@pytest.mark.parametrize(
    ("field", "value"),
    [("mistakes", [1]), ("mistakes", {"pvalue-hypothesis-true": True}), ("mistakes", [""]), ("kind", ["salad"])],
)
def test_bad_mistakes_or_kind(tmp_path: Path, field: str, value: object) -> None:
    record = {"question_id": "ab-significance", "answer": PVALUE, "score": 0, "score_max": 10, field: value}
    path = _write(tmp_path / "bad.jsonl", [record])
    with pytest.raises(InputError, match=f"{path}:1: {field}: must be"):
        read_labels([path])


def test_extra_fields_and_csv_mistakes(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "id,question_id,answer,score,score_max,kind,mistakes,label:pvalue-definition,reviewer\n"
        f'x1,ab-significance,"{PVALUE}",0,10,salad,pvalue-hypothesis-true; magic-five-percent,missed,ann\n'
        f"x2,ab-significance,{OFF_TOPIC},0,10,,,,\n",
        encoding="utf-8",
    )
    first, second = read_labels([path])
    assert first.mistakes == {"pvalue-hypothesis-true", "magic-five-percent"} and first.kind == "salad"
    assert first.labels == {"pvalue-definition": "missed"}
    assert second.mistakes == frozenset() and second.kind is None  # an empty cell: labelled, no mistakes
    json_path = _write(
        tmp_path / "labels.jsonl",
        [{"question_id": "ab-significance", "answer": PVALUE, "score": 0, "score_max": 10, "kind": "salad",
          "mistakes": None, "labels": {}, "extra": {"anything": [1, 2]}, "reviewer": "ann"}],
    )  # fmt: skip
    (record,) = read_labels([json_path])
    assert record.mistakes is None and record.kind == "salad"


def _labelled(question_id: str, human: dict[str, Verdict], mockint: dict[str, Verdict]) -> Graded:
    record = LabelRecord("a", question_id, "answer", 5, 10, labels=human)
    return Graded(record, 0.5, None, mockint, mockint)


def test_key_point_leniency_rates_hand_computed() -> None:
    graded = [
        _labelled("q", {"k1": "met", "k2": "missed"}, {"k1": "met", "k2": "met"}),
        _labelled("q", {"k1": "partial", "k2": "missed"}, {"k1": "missed", "k2": "missed"}),
        _labelled("q", {"k1": "missed", "k2": "missed"}, {"k1": "missed", "k2": "partial"}),
        _labelled("r", {"k1": "met"}, {"k1": "partial"}),
        # A label for a key point mockint did not grade (another rubric's id) is left out.
        _labelled("r", {"gone": "missed"}, {"k1": "met"}),
    ]
    stats = key_point_statistics(graded)
    assert list(stats) == ["q/k1", "q/k2", "r/k1", "all"]
    # q/k1: the human credits 2 (met, partial), mockint credits the met one: TPR 1/2; 1 missed, missed too: TNR 1.
    assert (stats["q/k1"]["tpr"], stats["q/k1"]["tnr"]) == (0.5, 1.0)
    # q/k2: the human credits none; 3 missed, of which mockint misses 1 (met and partial are credit): TNR 1/3.
    assert stats["q/k2"]["tpr"] is None and stats["q/k2"]["tnr"] == pytest.approx(1 / 3)
    # r/k1: partial credit for a met is still credit.
    assert (stats["r/k1"]["tpr"], stats["r/k1"]["tnr"]) == (1.0, None)
    # all: credited 3, credited by mockint 2; missed 4, missed by mockint 2.
    assert stats["all"]["n"] == 7 and stats["all"]["tpr"] == pytest.approx(2 / 3) and stats["all"]["tnr"] == 0.5


def test_eval_prints_the_leniency_rates_beside_kappa(bank_rubrics: Path) -> None:
    text = runner.invoke(app, ["eval", str(LABELS), "--rubrics", str(bank_rubrics), "--no-llm"]).stdout
    report = json.loads(
        runner.invoke(app, ["eval", str(LABELS), "--rubrics", str(bank_rubrics), "--no-llm", "-f", "json"]).stdout
    )
    assert {"q-stack/push", "all"} <= set(report["key_points"])
    for key, values in report["key_points"].items():
        line = next(line for line in text.splitlines() if line.startswith(f"  {key} "))
        tpr = "n/a" if values["tpr"] is None else f"{values['tpr']:.3f}"
        tnr = "n/a" if values["tnr"] is None else f"{values['tnr']:.3f}"
        assert line.endswith(f"TPR {tpr}  TNR {tnr}"), line
    assert "TNR: of the human missed, the share it misses" in text
