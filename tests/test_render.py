"""The grade writers of mockint.render: the output contract, escaping, quoting, error records, streaming."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from mockint.models import CriterionResult, Grade, MistakeResult, Rubric
from mockint.render import (
    FORMATS,
    CsvWriter,
    GradebookWriter,
    JsonlWriter,
    MarkdownWriter,
    TableWriter,
    grade_markdown,
    grade_to_json,
    make_writer,
    questions_json,
    rubric_markdown,
)

# The Grade output contract of DESIGN.md, in its order, then the fields added later that Grade carries.
CONTRACT_KEYS = [
    "id",
    "question_id",
    "score",
    "grader",
    "model",
    "criteria",
    "mistakes",
    "feedback",
    "warnings",
    "error",
]
LATER_KEYS = ["prompt_version", "extra", "layers", "fallback", "calibrated_score"]
CRITERION_KEYS = {"id", "text", "verdict", "evidence", "source", "agree"}
MISTAKE_KEYS = {"id", "text", "committed", "evidence", "source"}


def _grade(**changes: Any) -> Grade:
    data: dict[str, Any] = {
        "id": "a1",
        "question_id": "q1",
        "score": 0.625,
        "grader": "hybrid",
        "model": "gpt-test",
        "prompt_version": "7",
        "criteria": [
            CriterionResult(id="c1", text="Splits retrieval", verdict="met", evidence="we split it", source="llm"),
            CriterionResult(id="c2", text="Hard negatives", verdict="partial", evidence="negatives", agree=False),
            CriterionResult(id="c3", text="Failure modes", verdict="missed"),
        ],
        "mistakes": [
            MistakeResult(id="m1", text="Random negatives only", committed=True, evidence="random ones"),
            MistakeResult(id="m2", text="Hides failures", committed=False),
        ],
        "feedback": "Good start.\n\nName a failure mode.",
        "warnings": ["judge said partial"],
        "extra": {"lang": "en"},
        "layers": ["lexical"],
    }
    data.update(changes)
    return Grade(**data)


def _error_grade(**changes: Any) -> Grade:
    data: dict[str, Any] = {
        "id": "a2",
        "question_id": "nope",
        "score": None,
        "grader": None,
        "error": "unknown question_id 'nope'",
    }
    data.update(changes)
    return Grade(**data)


def _written(fmt: str, grades: list[Grade]) -> str:
    stream = io.StringIO()
    writer = make_writer(fmt, stream)
    for grade in grades:
        writer.write(grade)
    writer.close()
    return stream.getvalue()


class _FlushLog(io.StringIO):
    """A stream that remembers what it held at every flush."""

    def __init__(self) -> None:
        super().__init__()
        self.at_flush: list[str] = []

    def flush(self) -> None:
        self.at_flush.append(self.getvalue())
        super().flush()


# --------------------------------------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------------------------------------


def test_jsonl_objects_carry_the_contract_keys_in_contract_order() -> None:
    line = _written("jsonl", [_grade()]).splitlines()[0]
    data = json.loads(line)
    keys = list(data)
    assert set(keys) == set(CONTRACT_KEYS) | set(LATER_KEYS)
    # The contract's own keys keep their relative order; the additions never sit between id and question_id.
    assert [key for key in keys if key in CONTRACT_KEYS] == CONTRACT_KEYS
    assert data["criteria"][1] == {
        "id": "c2",
        "text": "Hard negatives",
        "verdict": "partial",
        "evidence": "negatives",
        "source": "deterministic",
        "agree": False,
    }
    assert all(set(item) == CRITERION_KEYS for item in data["criteria"])
    assert all(set(item) == MISTAKE_KEYS for item in data["mistakes"])
    assert (data["score"], data["grader"], data["model"], data["error"]) == (0.625, "hybrid", "gpt-test", None)
    assert data["extra"] == {"lang": "en"}


def test_grade_to_json_is_what_the_jsonl_writer_writes() -> None:
    grade = _grade()
    assert json.loads(_written("jsonl", [grade])) == grade_to_json(grade)


def test_jsonl_error_record_has_null_score_and_grader_and_the_message() -> None:
    data = json.loads(_written("jsonl", [_error_grade()]))
    assert data["score"] is None and data["grader"] is None
    assert data["error"] == "unknown question_id 'nope'"
    assert data["criteria"] == [] and data["mistakes"] == []


def test_jsonl_writes_one_line_per_grade_in_input_order_and_keeps_non_ascii() -> None:
    grades = [_grade(id=str(n), feedback="хорошо\nline two") for n in range(5)]
    out = _written("jsonl", grades)
    lines = out.split("\n")
    assert lines[-1] == "" and len(lines) == 6  # every record ends with a newline, a newline inside is escaped
    assert [json.loads(line)["id"] for line in lines[:-1]] == ["0", "1", "2", "3", "4"]
    assert "хорошо\\nline two" in lines[0]  # ensure_ascii=False: Cyrillic as written


def test_jsonl_replaces_lone_surrogates_so_utf8_can_encode_the_line() -> None:
    out = _written("jsonl", [_grade(feedback="half \ud83d of a pair")])
    out.encode("utf-8")  # would raise on a lone surrogate
    assert json.loads(out)["feedback"] == "half \ufffd of a pair"


def test_jsonl_flushes_every_record_as_it_is_written() -> None:
    stream = _FlushLog()
    writer = JsonlWriter(stream)
    writer.write(_grade(id="first"))
    assert len(stream.at_flush) == 1 and json.loads(stream.at_flush[0])["id"] == "first"
    writer.write(_grade(id="second"))
    assert len(stream.at_flush) == 2 and stream.at_flush[1].count("\n") == 2
    writer.close()
    assert stream.getvalue() == stream.at_flush[1]


# --------------------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------------------

CSV_BASE = [
    "id",
    "question_id",
    "score",
    "grader",
    "model",
    "met",
    "partial",
    "missed",
    "mistakes",
    "warnings",
    "error",
    "feedback",
    "fallback",
    "calibrated_score",
    "stability",
]


def test_csv_row_is_hand_checked() -> None:
    out = _written("csv", [_grade(warnings=["w1", "w2"], fallback=None)])
    assert out == (
        "id,question_id,score,grader,model,met,partial,missed,mistakes,warnings,error,feedback,fallback,"
        "calibrated_score,stability,lang,other_columns\r\n"
        'a1,q1,0.6250,hybrid,gpt-test,c1,c2,c3,m1,w1 | w2,,"Good start.\n\nName a failure mode.",,,,en,\r\n'
    )


def test_csv_quotes_commas_quotes_and_newlines_and_round_trips_through_csv_reader() -> None:
    nasty = 'He said "no", then\nleft; a,b\r\nend'
    grade = _grade(
        id='id,"1"',
        feedback=nasty,
        warnings=['quote " inside', "comma, inside"],
        extra={"note": nasty, "tags": ["x", "y"]},
    )
    out = _written("csv", [grade, _error_grade(error='bad, "very"\nbad', extra={"note": "n2"})])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    header = rows[0]
    assert header == [*CSV_BASE, "note", "tags", "other_columns"]
    first = dict(zip(header, rows[1], strict=True))
    assert first["id"] == 'id,"1"'
    assert first["feedback"] == nasty
    assert first["note"] == nasty
    assert json.loads(first["tags"]) == ["x", "y"]  # non-string pass-through values as JSON
    assert first["warnings"] == 'quote " inside | comma, inside'
    second = dict(zip(header, rows[2], strict=True))
    assert second["error"] == 'bad, "very"\nbad'
    assert (second["score"], second["grader"], second["met"], second["note"], second["tags"]) == ("", "", "", "n2", "")
    assert len(rows) == 3


def test_csv_columns_come_from_the_first_record_and_later_extras_go_to_other_columns() -> None:
    out = _written("csv", [_grade(extra={"lang": "en"}), _grade(id="b", extra={"lang": "ru", "team": "x", "n": 2})])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0][-2:] == ["lang", "other_columns"]
    assert rows[2][-2] == "ru"
    assert json.loads(rows[2][-1]) == {"team": "x", "n": 2}
    assert rows[1][-1] == ""


def test_csv_pass_through_column_named_like_a_base_column_is_not_doubled() -> None:
    out = _written("csv", [_grade(extra={"score": "9/10"})])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0].count("score") == 1
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["score"] == "0.6250"
    assert json.loads(row["other_columns"]) == {"score": "9/10"}


def test_csv_error_record_and_surrogates() -> None:
    out = _written("csv", [_error_grade(id="x\udc80y", error="bad \ud800 byte")])
    out.encode("utf-8")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["id"] == "x\ufffdy"
    assert row["error"] == "bad \ufffd byte"
    assert row["score"] == "" and row["grader"] == "" and row["feedback"] == ""


def test_csv_surrogate_in_a_header_name_is_replaced() -> None:
    out = _written("csv", [_grade(extra={"col\ud800": "v"})])
    out.encode("utf-8")
    assert "col\ufffd" in out.splitlines()[0]


def test_csv_flushes_header_and_row_together_then_each_row() -> None:
    stream = _FlushLog()
    writer = CsvWriter(stream)
    writer.write(_grade())
    assert len(stream.at_flush) == 1 and stream.at_flush[0].count("\r\n") == 2  # header and row
    writer.write(_grade(id="b", feedback="one line"))
    assert len(stream.at_flush) == 2 and stream.at_flush[1].endswith(
        "b,q1,0.6250,hybrid,gpt-test,c1,c2,c3,m1,judge said partial,,one line,,,,en,\r\n"
    )


# --------------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------------


def test_grade_markdown_is_hand_checked() -> None:
    grade = _grade()
    assert grade_markdown(grade) == (
        "## a1 · q1\n"
        "\n"
        "**Score 0.62** (hybrid, model gpt-test)\n"
        "\n"
        "| key point | verdict | evidence | source |\n"
        "|---|---|---|---|\n"
        "| Splits retrieval | met | “we split it” | llm |\n"
        "| Hard negatives | partial | “negatives” | deterministic |\n"
        "| Failure modes | missed |  | deterministic |\n"
        "\n"
        "**Typical mistakes made**\n"
        "\n"
        "- Random negatives only — “random ones”\n"
        "\n"
        "**Feedback**\n"
        "\n"
        "> Good start.\n"
        ">\n"
        "> Name a failure mode.\n"
        "\n"
        "**Warnings**\n"
        "\n"
        "- judge said partial\n"
    )


def test_markdown_without_model_mistakes_or_warnings_omits_their_parts() -> None:
    grade = _grade(grader="deterministic", model=None, mistakes=[], warnings=[], feedback="ok")
    text = grade_markdown(grade)
    assert "**Score 0.62** (deterministic)\n" in text
    assert "Typical mistakes" not in text and "Warnings" not in text
    assert text.endswith("**Feedback**\n\n> ok\n")


def test_markdown_error_record() -> None:
    assert grade_markdown(_error_grade(question_id=None, id=None)) == (
        "## (no id) · (no question)\n\n**Not graded:** unknown question_id 'nope'\n"
    )


def _table_rows(markdown: str) -> list[list[str]]:
    """Rows of the first table in ``markdown`` as parsed by a CommonMark+tables parser (cell texts)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows: list[list[str]] = []
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type in ("td_open", "th_open"):
            rows[-1].append(tokens[index + 1].content)
        elif token.type == "table_close":
            break
    return rows


@pytest.mark.parametrize(
    "evidence",
    [
        "a | b | c",
        "`code | with pipe`",
        "line one\nline two\r\n\nline three",
        "<b>bold</b> and <details> open",
        "unmatched ` backtick | and pipe",
        "||| only pipes |||",
    ],
)
def test_markdown_evidence_and_key_point_text_stay_in_their_cell(evidence: str) -> None:
    grade = _grade(
        criteria=[
            CriterionResult(id="c1", text=f"text {evidence}", verdict="met", evidence=evidence),
            CriterionResult(id="c2", text="second", verdict="missed"),
        ]
    )
    text = grade_markdown(grade)
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 4  # header, rule, one line per key point: a newline never starts a new row
    rows = _table_rows(text)
    assert [len(row) for row in rows] == [4, 4, 4]
    assert rows[1][1] == "met" and rows[1][3] == "deterministic"
    assert rows[1][2].startswith("“") and rows[1][2].endswith("”")  # the whole quote in one cell
    assert rows[2] == ["second", "missed", "", "deterministic"]


def test_markdown_cell_escaping_is_hand_checked() -> None:
    grade = _grade(
        criteria=[CriterionResult(id="c1", text="A | B", verdict="met", evidence="x | `y`\n  z\t<b>")],
        mistakes=[MistakeResult(id="m1", text="Mistake", committed=True, evidence="p|q\nr")],
    )
    text = grade_markdown(grade)
    assert "| A \\| B | met | “x \\| \\`y\\` z \\<b\\>” | deterministic |\n" in text
    assert "- Mistake — “p\\|q r”\n" in text


def test_markdown_does_not_pass_answer_html_through() -> None:
    grade = _grade(criteria=[CriterionResult(id="c1", text="t", verdict="met", evidence="<details><b>x</b>")])
    html = MarkdownIt("commonmark").enable("table").render(grade_markdown(grade))
    assert "<details>" not in html and "<b>" not in html


def test_markdown_writer_streams_sections_then_a_summary() -> None:
    stream = _FlushLog()
    writer = MarkdownWriter(stream)
    assert stream.getvalue() == "# mockint grades\n\n"
    writer.write(_grade(id="one"))
    assert len(stream.at_flush) == 1 and stream.at_flush[0].endswith(grade_markdown(_grade(id="one")) + "\n")
    writer.write(_error_grade(id="t|wo"))
    assert len(stream.at_flush) == 2 and "Summary" not in stream.getvalue()
    writer.close()
    tail = stream.getvalue()[len(stream.at_flush[1]) :]
    assert tail == (
        "## Summary\n"
        "\n"
        "| id | question | score | grader |\n"
        "|---|---|---|---|\n"
        "| one | q1 | 0.62 | hybrid |\n"
        "| t\\|wo | nope | error |  |\n"
    )
    assert len(stream.at_flush) == 3


def test_markdown_writer_with_no_grades_writes_only_the_title() -> None:
    assert _written("md", []) == "# mockint grades\n\n"


def test_markdown_writer_replaces_lone_surrogates() -> None:
    out = _written(
        "md", [_grade(id="i\ud800", criteria=[CriterionResult(id="c", text="t", verdict="met", evidence="e\udfff")])]
    )
    out.encode("utf-8")
    assert "## i\ufffd · q1" in out and "“e\ufffd”" in out and "| i\ufffd | q1 |" in out


# --------------------------------------------------------------------------------------------------------
# Terminal table
# --------------------------------------------------------------------------------------------------------


def _table(grades: list[Grade], width: int = 120) -> str:
    stream = io.StringIO()
    writer = TableWriter(Console(file=stream, width=width, color_system=None))
    for grade in grades:
        writer.write(grade)
    assert stream.getvalue() == ""  # nothing is printed before the run ends
    writer.close()
    return stream.getvalue()


def test_table_lists_missed_and_partial_points_mistakes_and_warnings() -> None:
    out = _table([_grade()])
    assert "mockint grades" in out
    assert "c2 (partial)" in out and "c3" in out
    assert "c1" not in out  # a key point that was met is not listed
    assert "m1" in out and "m2" not in out
    assert "⚠ judge said partial" in out
    assert "0.62" in out and "hybrid" in out
    assert "Full feedback, evidence and tips: --format md (or jsonl)." in out


def test_table_error_record_and_an_all_met_grade() -> None:
    all_met = _grade(id="good", criteria=[CriterionResult(id="c1", text="t", verdict="met")], mistakes=[], warnings=[])
    out = _table([_error_grade(error="no such question"), all_met])
    assert "error" in out and "no such question" in out
    assert out.index("a2") < out.index("good")  # input order
    assert out.count("—") == 2  # nothing missed, no mistakes made


def test_table_with_no_grades_prints_the_empty_table_without_the_hint() -> None:
    out = _table([])
    assert "mockint grades" in out and "--format md" not in out


@pytest.mark.parametrize("text", ["row[/]", "[bold]x[/bold]", "tail [/dim]"])
def test_table_prints_ids_and_warnings_literally_not_as_rich_markup(text: str) -> None:
    out = _table([_grade(id=text, warnings=[f"quoted {text}"]), _error_grade(error=f"bad {text}")], width=200)
    assert text in out
    assert f"quoted {text}" in out and f"bad {text}" in out


def test_table_replaces_lone_surrogates() -> None:
    out = _table([_error_grade(id="x\ud800", error="e\udc00")])
    out.encode("utf-8")
    assert "x\ufffd" in out and "e\ufffd" in out


# --------------------------------------------------------------------------------------------------------
# make_writer, rubrics
# --------------------------------------------------------------------------------------------------------


def test_make_writer_gives_one_writer_per_format_and_refuses_others() -> None:
    kinds = {fmt: type(make_writer(fmt, io.StringIO())) for fmt in FORMATS}
    assert kinds == {
        "jsonl": JsonlWriter,
        "csv": CsvWriter,
        "md": MarkdownWriter,
        "table": TableWriter,
        "gradebook": GradebookWriter,
    }
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        make_writer("xml", io.StringIO())


def test_make_writer_table_prints_to_the_stream_without_a_console() -> None:
    out = _written("table", [_grade()])
    assert "c2 (partial)" in out


def _rubric() -> Rubric:
    return Rubric.model_validate(
        {
            "id": "q1",
            "title": "Title",
            "topic": "ml",
            "tags": ["a"],
            "question": "Why?",
            "model_answer": "Because.",
            "criteria": [{"id": "c1", "text": "One", "weight": 2}, {"id": "c2", "text": "Two", "weight": 0.5}],
            "mistakes": [{"id": "m1", "text": "Bad", "penalty": 0.1}],
            "tips": ["Say it"],
            "source": [{"document": "doc.txt", "section": "Вопрос"}, {"document": "other.txt"}],
        }
    )


def test_rubric_markdown_is_hand_checked() -> None:
    assert rubric_markdown(_rubric()) == (
        "# Title\n\n`q1` · ml\n\n## Question\n\nWhy?\n\n## Model answer\n\nBecause.\n\n## Key points\n\n"
        "1. **One** (`c1`, weight 2)\n2. **Two** (`c2`, weight 0.5)\n\n## Typical mistakes\n\n"
        "- Bad (`m1`, penalty 0.1)\n\n## How to say it in an interview\n\n- Say it\n\n## Source\n\n"
        "- doc.txt — Вопрос\n- other.txt\n"
    )


def test_questions_json_counts_key_points_and_mistakes() -> None:
    assert questions_json([_rubric()]) == [
        {
            "id": "q1",
            "title": "Title",
            "topic": "ml",
            "tags": ["a"],
            "question": "Why?",
            "criteria": 2,
            "mistakes": 1,
        }
    ]
