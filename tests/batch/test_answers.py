"""Reading answer files: every bad record is named by file and line, the rest are still read."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockint.batch import read_answers
from mockint.errors import InputError


def records(path: Path) -> list[tuple[str | None, str | None]]:
    return [(r.answer.id if r.answer else None, r.error) for r in read_answers(path)]


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"id": 1, "question_id": "q", "answer": "fine", "student": "Ann"}\n'
        "\n"
        '{"id": "2", "question_id": "q", "answer": "broken\n'
        '["not", "an", "object"]\n'
        '{"id": "3", "question_id": "q"}\n'
        '{"id": "4", "question_id": "q", "answer": "   "}\n'
        '{"id": "1", "question_id": "q", "answer": "again"}\n'
        '{"id": "5", "question_id": "q", "answer": 42}\n'
        '{"id": "6", "question_id": "q", "answer": "last one"}\n',
        encoding="utf-8",
    )
    got = list(read_answers(path))
    assert [r.answer.id for r in got if r.answer] == ["1", "6"]
    assert got[0].answer is not None and got[0].answer.extra == {"student": "Ann"}
    errors = [r.error for r in got if r.error]
    assert errors[0] is not None and errors[0].startswith(f"{path}:3: invalid JSON")
    assert errors[1] == f"{path}:4: expected a JSON object with id, question_id, answer"
    assert errors[2] is not None and errors[2].startswith(f"{path}:5: missing field answer")
    assert errors[3] is not None and errors[3].startswith(f"{path}:6: answer: is empty")
    assert errors[4] is not None and errors[4].startswith(f"{path}:7: id: duplicate id '1' (first at {path}:1)")
    assert errors[5] is not None and errors[5].startswith(f"{path}:8: answer: must be text")


def test_csv_with_multiline_field_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        'id,question_id,answer,candidate\n1,q,"line one\nline two",Ann\n2,q,,Bob\n3,q,"x, y",Cy\n',
        encoding="utf-8",
    )
    got = list(read_answers(path))
    assert got[0].answer is not None
    assert got[0].answer.answer == "line one\nline two"
    assert got[0].answer.extra == {"candidate": "Ann"}
    assert got[1].error is not None and got[1].error.startswith(f"{path}:4: answer: is empty")
    assert got[2].answer is not None and got[2].answer.id == "3"


def test_csv_missing_column_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,answer\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"a\.csv:1: missing column question_id"):
        list(read_answers(path))


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="binary file"):
        list(read_answers(path))


def test_non_utf8_line_is_reported_and_others_read(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        b'{"id": "1", "question_id": "q", "answer": "caf\xe9"}\n{"id": "2", "question_id": "q", "answer": "ok"}\n'
    )
    got = list(read_answers(path))
    assert got[0].error == f"{path}:1: not UTF-8 text; save the file as UTF-8"
    assert got[1].answer is not None


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_answers(Path("/nonexistent/answers.jsonl")))


def test_format_sniffed_without_suffix(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text('{"id": "1", "question_id": "q", "answer": "x"}\n', encoding="utf-8")
    assert records(path) == [("1", None)]
