"""Calibration on the Mohler dev set: fit on a quarter of each question's labels, measure on the rest.

Usage: python tests/benchmarks/bench_calibration.py [PATH/TO/mohler-dev.jsonl]
(default ../shared/eval/mohler-dev.jsonl next to the repository; skipped with a message when absent). The
rubrics are imported from the questions and reference answers (as bench_mohler.py does); the answers are graded
deterministically (the semantic layer when the extra is installed, ``MOCKINT_SEMANTIC=off`` for the checks
alone).

The split is fixed: within each question the answers are ordered by the sha256 of their id, and the first
quarter (rounded up) is the teacher's labels; the rest is where RMSE and QWK (on 0-5, rounded to the human
0.5 grid) are measured. Rows: mockint's score x 5; a least-squares line fitted on the labelled quarter (pooled);
the isotonic calibration pooled only, and per question (shrunk toward the pooled map) from 4 and from 8 labels
(the default), and per question without shrinkage.
"""

from __future__ import annotations

import hashlib
import math
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from mockint.authoring import metrics
from mockint.authoring.bank import draft_bank
from mockint.authoring.draft import write_drafts
from mockint.authoring.evaluation import Graded, evaluate
from mockint.authoring.labels import read_labels
from mockint.authoring.sources import read_bank
from mockint.review.calibration import Calibration, Scored, apply_calibration, fit_calibration
from mockint.review.fitting import deterministic_layers
from mockint.rubrics import load_rubrics

DEFAULT = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "mohler-dev.jsonl"


def split(graded: Sequence[Graded]) -> tuple[list[Graded], list[Graded]]:
    """The labelled quarter of each question (by sha256 of the answer id) and the rest."""
    by_question: dict[str, list[Graded]] = {}
    for item in graded:
        by_question.setdefault(item.record.question_id, []).append(item)
    fit: list[Graded] = []
    rest: list[Graded] = []
    for items in by_question.values():
        ordered = sorted(items, key=lambda g: hashlib.sha256(g.record.id.encode("utf-8")).hexdigest())
        cut = math.ceil(len(ordered) / 4)
        fit += ordered[:cut]
        rest += ordered[cut:]
    return fit, rest


def figures(predict: Callable[[Graded], float], rest: Sequence[Graded]) -> tuple[float, float]:
    """RMSE and QWK on the held-out answers."""
    predicted = [min(max(predict(g), 0.0), g.record.score_max) for g in rest]
    human = [g.record.score for g in rest]
    rmse = metrics.rmse(predicted, human)
    qwk = metrics.quadratic_weighted_kappa([round(h * 2) for h in human], [round(p * 2) for p in predicted])
    assert rmse is not None and qwk is not None
    return rmse, qwk


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    if not path.is_file():
        print(f"skipped: {path} not found (pass the path to mohler-dev.jsonl; see the README)")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        write_drafts(draft_bank(read_bank(path)), Path(folder))
        rubrics = load_rubrics(folder)
        report = evaluate(read_labels([path]), rubrics)
    fit, rest = split(report.graded)
    scored = [Scored(g.record.question_id, g.predicted, g.record.score, g.record.score_max) for g in fit]
    everything = report.scores
    print(f"layers: {'+'.join(deterministic_layers())}; labels {len(fit)}, measured on {len(rest)}")
    print(
        f"all {len(report.graded)} answers, score x 5: RMSE {everything['rmse']:.3f}, QWK {everything['qwk']:.3f}; "
        f"a line fitted on all of them (in sample): RMSE {everything['rmse_rescaled']:.3f}"
    )
    rows: list[tuple[str, Callable[[Graded], float]]] = [("score x 5", lambda g: g.predicted * g.record.score_max)]
    line = metrics.linear_fit([g.predicted * 5 for g in fit], [g.record.score for g in fit])
    assert line is not None
    rows.append(("linear fit on the labels", lambda g: line[0] * g.predicted * 5 + line[1]))

    def calibrated(calibration: Calibration) -> Callable[[Graded], float]:
        def predict(g: Graded) -> float:
            value = apply_calibration({"question_id": g.record.question_id, "score": g.predicted}, calibration)
            assert value is not None
            return value

        return predict

    variants = [
        ("isotonic, pooled only", 10**9, 8.0),
        ("isotonic, per question from 4 labels (shrunk)", 4, 8.0),
        ("isotonic, per question from 8 labels (shrunk; default)", 8, 8.0),
        ("isotonic, per question from 4 labels (no shrinkage)", 4, 0.0),
    ]
    for name, minimum, prior in variants:
        calibration = fit_calibration(
            scored, rubrics, grader="deterministic", min_question_labels=minimum, prior_weight=prior
        )
        rows.append((name, calibrated(calibration)))
    width = max(len(name) for name, _ in rows)
    print(f"{'':{width}s}  RMSE   QWK")
    for name, predict in rows:
        rmse, qwk = figures(predict, rest)
        print(f"{name:{width}s}  {rmse:.3f}  {qwk:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
