"""Labelled answers from CSV go through the one CSV reader (files.csv_table): rows are named by where they start."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockint.authoring.labels import read_labels
from mockint.errors import InputError


def test_a_row_spanning_lines_is_read_whole_and_the_next_one_keeps_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        'id,question_id,answer,score,score_max\na1,q1,"first line\nsecond line",7,10\na2,q1,short,oops,10\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_labels([path])
    # a2 starts on line 4 (a1's answer spans lines 2-3): the error names where the bad row starts.
    assert str(caught.value).startswith(f"{path}:4: ")


def test_an_unclosed_quote_names_the_line_it_opens_on(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text('id,question_id,answer,score\na1,q1,"never closed,5\na2,q1,fine,6\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_labels([path])
    assert str(caught.value).startswith(f"{path}:2: a quoted field opens on this row")


def test_rows_read_with_their_answers(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text('id,question_id,answer,score,score_max\na1,q1,"a, b\nc",7,10\n', encoding="utf-8")
    (record,) = read_labels([path])
    assert record.answer == "a, b\nc" and record.score == 7
