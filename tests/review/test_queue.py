"""The review queue: what casts doubt on a grade, in which order, and bad grades files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockint.errors import InputError
from mockint.review.queue import read_grades, review_queue
from mockint.rubrics import load_rubrics

RUBRICS = load_rubrics()
CNN = RUBRICS["cnn-explained"]


def grade(answer_id: str, score: float, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": answer_id,
        "question_id": "cnn-explained",
        "score": score,
        "grader": "deterministic",
        "criteria": [
            {"id": c.id, "text": c.text, "verdict": "met", "evidence": None, "source": "deterministic", "agree": None}
            for c in CNN.criteria
        ],
        "mistakes": [],
        "feedback": "",
        "warnings": [],
        "error": None,
    }
    data.update(changes)
    return data


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_the_most_doubtful_come_first(tmp_path: Path) -> None:
    disagree = grade("g3", 0.9)
    disagree["criteria"][1].update(agree=False, source="llm")
    unverified = "key point hierarchy: the judge said 'met' but the quote is not in the answer (unverified); kept"
    records = [
        grade("g1", 0.9),  # nothing: 0
        grade("g2", 0.5),  # on the pass mark: 2
        disagree,  # one disagreement: 3
        grade("g4", 0.95, fallback="timeout"),  # 3, after g3 (file order)
        grade("g5", 0.9, warnings=[unverified, unverified]),  # 2 x 2 = 4
        grade("g6", 0.9, stability=0.5),  # 4 x 0.5 = 2, after g2
        grade("g7", 0.6),  # 0.1 from the mark: 2 x (1 - 0.1 / 0.15) = 0.67
        grade("g8", None, grader=None, criteria=[], error="bad record"),  # not reviewed
    ]
    lines = read_grades(write(tmp_path / "grades.jsonl", records))
    queue = review_queue(lines, {f"g{i}": "text" for i in range(1, 8)}, RUBRICS)
    assert [item.id for item in queue] == ["g5", "g3", "g4", "g2", "g6", "g7", "g1"]
    assert [round(item.need, 2) for item in queue] == [4.0, 3.0, 3.0, 2.0, 2.0, 0.67, 0.0]
    reasons = {item.id: item.reasons for item in queue}
    assert reasons["g5"] == ["2 judge quotes not found in the answer"]
    assert reasons["g3"] == ["judge and checks disagree on 1 key point"]
    assert reasons["g4"] == ["judge failed (timeout), graded by the checks alone"]
    assert reasons["g6"] == ["judges disagree (stability 0.50)"]
    assert reasons["g2"] == ["score 0.50 near the pass mark 0.50"] and reasons["g1"] == []


def test_the_pass_mark_moves_the_queue(tmp_path: Path) -> None:
    lines = read_grades(write(tmp_path / "grades.jsonl", [grade("low", 0.3), grade("high", 0.8)]))
    texts = {"low": "x", "high": "y"}
    assert [i.id for i in review_queue(lines, texts, RUBRICS, pass_mark=0.3)] == ["low", "high"]
    assert [i.id for i in review_queue(lines, texts, RUBRICS, pass_mark=0.8)] == ["high", "low"]


def test_a_grade_without_its_answer_or_rubric_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "grades.jsonl", [grade("a", 0.5), grade("b", 0.5, question_id="nope")])
    lines = read_grades(path)
    with pytest.raises(InputError, match=r"grades\.jsonl:1: id: no answer 'a' in the answers files; .*--answers"):
        review_queue(lines, {}, RUBRICS)
    with pytest.raises(InputError, match=r"grades\.jsonl:2: question_id: no rubric 'nope'"):
        review_queue(lines, {"a": "x", "b": "y"}, RUBRICS)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "a", "score": ', r"grades\.jsonl:2: invalid JSON"),
        ('{"id": "a", "question_id": "q"}', r"grades\.jsonl:2: not a mockint grade"),
        ("[1, 2]", r"grades\.jsonl:2: not a mockint grade"),
        (
            json.dumps(grade("a", 0.5, criteria=[{"id": "x", "text": "t", "verdict": "maybe"}])),
            r"grades\.jsonl:2: criteria\.0\.verdict: Input should be 'met', 'partial' or 'missed'",
        ),
    ],
)
def test_bad_grades_lines_are_one_line_errors(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "grades.jsonl"
    path.write_text(json.dumps(grade("ok", 0.5)) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_grades(path)


def test_an_empty_grades_file_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "grades.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no grades in the file; grade the answers first"):
        read_grades(path)
