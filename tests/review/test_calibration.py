"""Calibration: isotonic fits by hand, the per-question blend, the file, and its refusal for other rubrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockint.errors import InputError
from mockint.models import Grade
from mockint.review.calibration import (
    Scored,
    apply_calibration,
    check_calibration,
    fit_calibration,
    isotonic_fit,
    load_calibration,
    with_calibrated_score,
    write_calibration,
)
from mockint.rubrics import load_rubrics

RUBRICS = load_rubrics()


def test_pav_pools_a_violating_pair() -> None:
    # 1, 3, 2, 4: the pair (3, 2) violates the order and becomes its mean, 2.5.
    fitted = isotonic_fit([0, 1, 2, 3], [1, 3, 2, 4])
    assert fitted.xs == (0, 1, 2, 3) and fitted.ys == (1, 2.5, 2.5, 4)
    assert fitted(0.5) == pytest.approx(1.75)  # linear between knots
    assert fitted(1.5) == 2.5
    assert fitted(-1) == 1 and fitted(9) == 4  # flat outside


def test_pav_merges_back_across_blocks() -> None:
    # 3, 2, 1: each new point violates the block before; all three pool to 2.
    fitted = isotonic_fit([0, 1, 2], [3, 2, 1])
    assert fitted.ys == (2, 2) and fitted.xs == (0, 2)


def test_pav_pools_equal_positions_and_uses_weights() -> None:
    # x=0 holds 0 and 2 (mean 1); x=1 holds 0, below it: everything pools to 2/3.
    ties = isotonic_fit([0, 0, 1], [0, 2, 0])
    assert ties.ys == pytest.approx((2 / 3, 2 / 3))
    # weights 3 and 1: (3 * 1 + 1 * 0) / 4
    weighted = isotonic_fit([0, 1], [1, 0], [3, 1])
    assert weighted.ys == pytest.approx((0.75, 0.75))
    monotone = isotonic_fit([0.1, 0.5, 0.9], [0.2, 0.4, 0.8])
    assert monotone.ys == pytest.approx((0.2, 0.4, 0.8))


def _labels() -> list[Scored]:
    # cnn-explained: 8 labels, a map of its own; ab-significance: 4, the pooled map.
    cnn = [Scored("cnn-explained", 0.2, 2.0, 10)] * 4 + [Scored("cnn-explained", 0.8, 10.0, 10)] * 4
    ab = [Scored("ab-significance", 0.2, 0.0, 10)] * 2 + [Scored("ab-significance", 0.8, 6.0, 10)] * 2
    return cnn + ab


def test_a_question_with_enough_labels_gets_its_own_map_shrunk_toward_the_pooled_one() -> None:
    calibration = fit_calibration(_labels(), RUBRICS, grader="deterministic")
    assert calibration.questions["cnn-explained"].own and not calibration.questions["ab-significance"].own
    # pooled: at 0.2 (4 * 0.2 + 2 * 0) / 6 = 0.1333, at 0.8 (4 * 1 + 2 * 0.6) / 6 = 0.8667
    # cnn: own 0.2 and 1.0, blended 8:8 with pooled -> 0.16667 and 0.93333; x 10
    assert apply_calibration({"question_id": "cnn-explained", "score": 0.2}, calibration) == pytest.approx(1.6667)
    assert apply_calibration({"question_id": "cnn-explained", "score": 0.5}, calibration) == pytest.approx(5.5)
    assert apply_calibration({"question_id": "ab-significance", "score": 0.8}, calibration) == pytest.approx(8.6667)
    grade = Grade(id="a", question_id="ab-significance", score=0.1, grader="deterministic")
    assert apply_calibration(grade, calibration) == pytest.approx(1.3333)
    assert apply_calibration({"question_id": "ab-significance", "score": None, "error": "bad"}, calibration) is None
    record = {"id": "a", "question_id": "cnn-explained", "score": 0.5}
    assert with_calibrated_score(record, calibration) == {**record, "calibrated_score": pytest.approx(5.5)}
    assert calibration.covers("cnn-explained") and not calibration.covers("genai-tools")


def test_in_sample_rmse_before_and_after() -> None:
    calibration = fit_calibration(_labels(), RUBRICS, grader="deterministic", prior_weight=0)
    # Without shrinkage cnn fits exactly; ab is off by the pooled map: |1.333 - 0| and |8.667 - 6| twice each.
    assert calibration.fit["rmse_after"] == pytest.approx(((2 * 1.3333**2 + 2 * 2.6667**2) / 12) ** 0.5, abs=1e-3)
    # before: score x 10 against the teacher: cnn |2-2|, |8-10|; ab |2-0|, |8-6|
    assert calibration.fit["rmse_before"] == pytest.approx(((4 * 4 + 2 * 4 + 2 * 4) / 12) ** 0.5)


def test_key_point_rates_and_credits() -> None:
    def item(human: str, mine: str) -> Scored:
        return Scored("cnn-explained", 0.5, 5, 10, {"weight-sharing": mine}, {"weight-sharing": human})  # type: ignore[dict-item]

    calibration = fit_calibration(
        [item("met", "met"), item("met", "met"), item("missed", "met"), item("missed", "missed")],
        RUBRICS,
        grader="deterministic",
    )
    point = calibration.key_points["cnn-explained/weight-sharing"]
    assert point.n == 4 and point.tpr == 1.0 and point.tnr == 0.5
    # mockint's met: teacher credits 1, 1, 0 plus two pseudo-labels at 1 -> 4/5
    assert point.credit == {"met": 0.8, "partial": 0.5, "missed": 0.0}


def test_the_file_round_trips_and_is_refused_for_a_changed_rubric(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    write_calibration(fit_calibration(_labels(), RUBRICS, grader="deterministic"), path)
    loaded = load_calibration(path)
    assert apply_calibration({"question_id": "cnn-explained", "score": 0.5}, loaded) == pytest.approx(5.5)
    check_calibration(loaded, RUBRICS, grader="deterministic", layers=["lexical"])  # the same rubrics: fine
    edited = dict(RUBRICS)
    edited["cnn-explained"] = RUBRICS["cnn-explained"].model_copy(update={"title": "Another title"})
    with pytest.raises(InputError, match=r"calibration\.json: rubric 'cnn-explained' is not the one it was fitted on"):
        check_calibration(loaded, edited, grader="deterministic", where=str(path))
    with pytest.raises(InputError, match="fitted on grades by deterministic checks, these are by judge gpt-4o-mini"):
        check_calibration(loaded, RUBRICS, grader="llm", model="gpt-4o-mini")
    with pytest.raises(InputError, match="fitted with layers lexical, now lexical"):
        check_calibration(loaded, RUBRICS, grader="deterministic", layers=["lexical", "semantic:x"])
    with pytest.raises(InputError, match="'genai-tools' has no labels in the calibration"):
        apply_calibration({"question_id": "genai-tools", "score": 0.5}, loaded)


def test_bad_calibration_files_are_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "mockint-calibration",\n  "version": }\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.json:2: invalid JSON"):
        load_calibration(broken)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"scores": [1, 2]}), encoding="utf-8")
    with pytest.raises(InputError, match="not a mockint calibration file"):
        load_calibration(other)
    good = tmp_path / "good.json"
    write_calibration(fit_calibration(_labels(), RUBRICS, grader="deterministic"), good)
    data = json.loads(good.read_text(encoding="utf-8"))
    del data["pooled"]
    good.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"good\.json: pooled: Field required"):
        load_calibration(good)


def test_two_scales_for_one_question_are_refused() -> None:
    mixed = [Scored("cnn-explained", 0.5, 3, 5), Scored("cnn-explained", 0.5, 3, 10)]
    with pytest.raises(InputError, match="'cnn-explained': labels on two scales"):
        fit_calibration(mixed, RUBRICS, grader="deterministic")
