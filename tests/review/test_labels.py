"""The labels file: a journal whose last line per id wins, torn lines cut, compacted on close, eval-readable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockint.authoring.labels import read_labels
from mockint.errors import InputError
from mockint.review.labels import Label, LabelsJournal, read_label_file


def label(answer_id: str, score: float, state: str = "done", answer: str = "An answer.") -> Label:
    return Label(
        id=answer_id,
        question_id="cnn-explained",
        answer=answer,
        score=score,
        score_max=10,
        labels={"weight-sharing": "met"},
        mistakes=["no-weight-sharing"],
        note="ok",
        state=state,  # type: ignore[arg-type]
        human_criteria=["weight-sharing"],
    )


def test_every_decision_is_a_line_and_the_last_one_of_an_id_wins(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    journal = LabelsJournal(path)
    journal.append(label("a", 3, "open"))
    journal.append(label("b", 5))
    journal.append(label("a", 4))
    # Before close: three lines on disk, each complete (a kill now loses nothing).
    assert len(path.read_text(encoding="utf-8").splitlines()) == 3
    labels = read_label_file([path])
    assert [(x.id, x.score, x.state) for x in labels] == [("b", 5, "done"), ("a", 4, "done")]
    assert labels[1].note == "ok" and labels[1].human_criteria == ["weight-sharing"]
    assert labels[1].mistakes == ["no-weight-sharing"] and labels[1].labels == {"weight-sharing": "met"}
    journal.close()
    # Compacted: one line per id, in the order of the last decision, still read by `mockint eval`'s reader.
    assert [r.id for r in read_labels([path])] == ["b", "a"]


def test_a_torn_last_line_is_cut_off_when_the_journal_opens(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    journal = LabelsJournal(path)
    journal.append(label("a", 3))
    journal.close()
    with path.open("ab") as handle:
        handle.write(b'{"id": "b", "question_id": "cnn-expl')  # a kill in the middle of a write
    reopened = LabelsJournal(path)
    assert reopened.torn and list(reopened.labels) == ["a"]
    assert path.read_text(encoding="utf-8").endswith("}\n")


def test_line_separators_in_an_answer_do_not_split_its_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    journal = LabelsJournal(path)
    journal.append(label("a", 3, answer="first\u2028second\u2029third\x85end"))
    journal.append(label("b", 4))
    journal.close()
    records = read_labels([path])
    assert [r.id for r in records] == ["a", "b"]
    assert records[0].answer == "first\u2028second\u2029third\x85end"


BASE = '{"id": "x", "question_id": "q", "answer": "t", "score": 1'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "question_id": "q", "answer": "t", "score": 12, "score_max": 10}', r":2: score: 12 is outside"),
        (BASE + "}", r":2: score_max: missing"),
        (BASE + ', "score_max": 5, "state": "maybe"}', r":2: state:"),
        (BASE + ', "score_max": 5, "note": 3}', r":2: note: must be"),
        (BASE + ', "score_max": 5, "labels": {"k": "yes!"}}', r":2: labels\.k"),
        (BASE + ', "score_max": 5, "human": []}', r":2: human: must"),
        (BASE + ", ", r":2: invalid JSON"),
    ],
)
def test_bad_label_lines_are_one_line_errors_with_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    good = json.dumps({"id": "ok", "question_id": "q", "answer": "t", "score": 1, "score_max": 5})
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"labels\.jsonl" + message) as caught:
        read_label_file([path])
    assert "\n" not in str(caught.value)
    with pytest.raises(InputError, match=r"labels\.jsonl" + message):
        LabelsJournal(path)  # a review refuses to resume on it, rather than losing the line


def test_a_labels_file_that_cannot_be_written_is_refused_before_any_decision(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing/labels\.jsonl: cannot write \(No such file or directory\)"):
        LabelsJournal(tmp_path / "missing" / "labels.jsonl")
