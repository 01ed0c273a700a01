"""Reading users' files under hostile input: poison records, limits, broken CSV quoting, and the messages.

Every case goes through the installed command (typer's CliRunner) with a temp MOCKINT_HOME (conftest).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockint.cli import app

runner = CliRunner()

QID = "ab-significance"
GOOD = "The p-value is the probability of a result at least this extreme under the null hypothesis."


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def line(answer_id: str, answer: str = GOOD, **extra: object) -> str:
    return json.dumps({"id": answer_id, "question_id": QID, "answer": answer, **extra}) + "\n"


def grade(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["grade", "--no-llm", *args])
    return result.exit_code, result.stdout, result.stderr


# -- point 1: poison records ----------------------------------------------------------------------------------

# A lone surrogate written as a JSON escape: json.loads accepts it, but no UTF-8 writer can encode it.
SURROGATE_LINES = (
    '{"id": "s1", "question_id": "ab-significance", "answer": "The p-value is the probability under the null '
    'hypothesis \\ud800 of a result this extreme.", "note": "n \\udc00 y"}\n'
    '{"id": "s\\ud800", "question_id": "ab-significance", "answer": "lone \\ud800 x"}\n'
) + line("s3")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "md", "table"])
def test_lone_surrogates_are_written_safely_in_every_format(tmp_path: Path, fmt: str) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(SURROGATE_LINES, encoding="utf-8")
    code, stdout, stderr = grade(str(answers), "--format", fmt)
    assert code == 0, stderr
    assert "Traceback" not in stderr and "UnicodeEncodeError" not in stderr
    assert "graded 3 answer(s)" in stderr
    assert "\ufffd" in stdout  # replaced, not dropped
    out = tmp_path / f"grades.{fmt}"
    code, _, stderr = grade(str(answers), "--format", fmt, "--out", str(out))
    assert code == 0, stderr
    out.read_bytes().decode("utf-8")  # valid UTF-8 on disk


def test_lone_surrogates_report_and_resume(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(SURROGATE_LINES, encoding="utf-8")
    out = tmp_path / "grades.jsonl"
    report = tmp_path / "report.html"
    code, _, stderr = grade(str(answers), "--out", str(out), "--report", str(report))
    assert code == 0, stderr
    grades = jsonl(out.read_text(encoding="utf-8"))
    assert [g["id"] for g in grades] == ["s1", "s\ufffd", "s3"]
    assert grades[0]["extra"] == {"note": "n \ufffd y"}
    assert any("surrogate" in str(w) for w in grades[0]["warnings"])  # said, not silent
    report.read_bytes().decode("utf-8")
    code, _, stderr = grade(str(answers), "--out", str(out), "--resume")
    assert code == 0, stderr
    assert "3 already in" in stderr
    assert len(jsonl(out.read_text(encoding="utf-8"))) == 3


def test_render_writers_replace_surrogates_in_a_grade_built_in_code() -> None:
    import io

    from rich.console import Console

    from mockint.models import Grade
    from mockint.render import make_writer

    grade_ = Grade(id="x\ud800", question_id=QID, score=None, grader=None, error="bad \udfff", extra={"k": "\ud801"})
    for fmt in ("jsonl", "csv", "md", "table"):
        buffer = io.BytesIO()
        stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
        console = Console(file=stream, width=100) if fmt == "table" else None
        writer = make_writer(fmt, stream, console)
        writer.write(grade_)
        writer.close()
        stream.flush()
        assert "\ufffd" in buffer.getvalue().decode("utf-8"), fmt


DEEP = "[" * 5000 + "]" * 5000


def test_deeply_nested_json_line_is_an_error_record_and_resume_passes_it(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(
        line("d1") + '{"id": "d2", "question_id": "x", "answer": "x", "meta": ' + DEEP + "}\n" + line("d3"),
        encoding="utf-8",
    )
    out = tmp_path / "grades.jsonl"
    code, _, stderr = grade(str(answers), "--out", str(out))
    assert code == 1
    assert "Traceback" not in stderr and "RecursionError" not in stderr
    grades = jsonl(out.read_text(encoding="utf-8"))
    assert [g["error"] is None for g in grades] == [True, False, True]
    message = str(grades[1]["error"])
    assert message.startswith(f"{answers}:2: ")
    assert "nested" in message and "deep" in message
    assert f"mockint: error: {message}" in stderr
    code, _, stderr = grade(str(answers), "--out", str(out), "--resume")
    assert "Traceback" not in stderr
    assert "3 already in" in stderr
    assert len(jsonl(out.read_text(encoding="utf-8"))) == 3


# -- point 2: limits ------------------------------------------------------------------------------------------


def test_over_long_answer_is_an_error_record_keeping_id_and_extra(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(line("big", "word " * 30_000, team="red") + line("ok"), encoding="utf-8")
    code, stdout, stderr = grade(str(answers), "--format", "jsonl")
    assert code == 1
    big, ok = jsonl(stdout)
    assert big["id"] == "big" and big["extra"] == {"team": "red"}
    message = str(big["error"])
    assert message.startswith(f"{answers}:1: answer: 150,000 characters")
    assert "100,000" in message and "--max-answer-chars" in message
    assert ok["error"] is None
    code, stdout, stderr = grade(str(answers), "--format", "jsonl", "--max-answer-chars", "200000")
    assert code == 0, stderr
    assert all(g["error"] is None for g in jsonl(stdout))


def test_answer_limit_from_the_environment_and_bad_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(line("a", "x " * 100), encoding="utf-8")
    monkeypatch.setenv("MOCKINT_MAX_ANSWER_CHARS", "50")
    code, stdout, _ = grade(str(answers), "--format", "jsonl")
    assert code == 1 and "over the 50-character limit" in str(jsonl(stdout)[0]["error"])
    monkeypatch.setenv("MOCKINT_MAX_ANSWER_CHARS", "lots")
    code, _, stderr = grade(str(answers))
    assert code == 1
    assert stderr.strip().splitlines()[-1].startswith("mockint: error: MOCKINT_MAX_ANSWER_CHARS='lots' is not")


def test_over_long_csv_answer_is_an_error_record_not_a_dead_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_text(f'id,question_id,answer\nbig,{QID},"{"word " * 30_000}"\nok,{QID},{GOOD}\n', encoding="utf-8")
    code, stdout, stderr = grade(str(answers), "--format", "jsonl")
    assert code == 1
    big, ok = jsonl(stdout)
    assert str(big["error"]).startswith(f"{answers}:2: answer: 150,000 characters")
    assert ok["error"] is None and ok["id"] == "ok"


def test_help_states_the_limits() -> None:
    result = runner.invoke(app, ["grade", "--help"], terminal_width=200)
    assert "--max-answer-chars" in result.stdout
    assert "100000" in result.stdout or "100,000" in result.stdout


# -- point 3: CSV quoting --------------------------------------------------------------------------------------


def test_csv_unterminated_quote_is_an_error_at_its_row_and_the_rest_is_graded(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_text(
        f'id,question_id,answer\nq1,{QID},"unterminated {GOOD}\nq2,{QID},{GOOD}\nq3,{QID},{GOOD}\n', encoding="utf-8"
    )
    code, stdout, stderr = grade(str(answers), "--format", "jsonl")
    assert code == 1
    grades = jsonl(stdout)
    assert [g["id"] for g in grades] == ["q1", "q2", "q3"] or [g["id"] for g in grades] == [None, "q2", "q3"]
    message = str(grades[0]["error"])
    assert message.startswith(f"{answers}:2: ")
    assert "quote" in message and "never closed" in message
    assert [g["error"] is None for g in grades[1:]] == [True, True]
    assert "graded 2 answer(s)" in stderr and "1 error(s)" in stderr


def test_csv_multiline_quoted_answer_still_reads_as_one_row(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_text(f'id,question_id,answer\nm1,{QID},"line one\nline two, {GOOD}"\nm2,{QID},ok\n')
    code, stdout, stderr = grade(str(answers), "--format", "jsonl")
    assert code == 0, stderr
    assert [g["id"] for g in jsonl(stdout)] == ["m1", "m2"]


# -- point 10: messages ----------------------------------------------------------------------------------------


def test_a_nul_byte_rejects_its_line_only(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    bad = b'{"id": "n2", "question_id": "x", "answer": "a\x00b"}\n'
    answers.write_bytes(line("n1").encode() + bad + line("n3").encode())
    code, stdout, stderr = grade(str(answers), "--format", "jsonl")
    assert code == 1
    grades = jsonl(stdout)
    assert [g["error"] is None for g in grades] == [True, False, True]
    assert str(grades[1]["error"]).startswith(f"{answers}:2: ")
    assert "NUL" in str(grades[1]["error"])


def test_a_nul_byte_in_a_csv_rejects_its_row_only(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_bytes(f"id,question_id,answer\nn1,{QID},{GOOD}\nn2,{QID},a\x00b\nn3,{QID},{GOOD}\n".encode())
    code, stdout, stderr = grade(str(answers), "--format", "jsonl")
    assert code == 1, stderr
    grades = jsonl(stdout)
    assert [g["error"] is None for g in grades] == [True, False, True]
    assert str(grades[1]["error"]).startswith(f"{answers}:3: ") and "NUL" in str(grades[1]["error"])


def test_a_real_binary_file_is_still_refused_whole(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)) * 4)
    code, _, stderr = grade(str(answers))
    assert code == 1
    assert stderr.strip().splitlines()[-1] == (
        f"mockint: error: {answers}: binary file, not answers; pass JSONL or CSV with id, question_id, answer"
    )


def test_utf16_file_gets_a_save_as_utf8_hint(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_bytes(line("u1").encode("utf-16"))
    code, _, stderr = grade(str(answers))
    assert code == 1
    last = stderr.strip().splitlines()[-1]
    assert "UTF-16" in last and "save it as UTF-8" in last and "binary" not in last


def test_utf16_rubric_gets_the_hint_too(tmp_path: Path) -> None:
    rubric = tmp_path / "r.yaml"
    rubric.write_bytes("id: tiny\n".encode("utf-16-le"))
    result = runner.invoke(app, ["rubric", "lint", str(rubric)])
    assert result.exit_code == 1
    assert "UTF-16" in result.stdout and "save it as UTF-8" in result.stdout


def test_error_lines_after_twenty_are_counted_not_printed(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text("not json\n" * 100 + line("ok"), encoding="utf-8")
    out = tmp_path / "grades.jsonl"
    code, _, stderr = grade(str(answers), "--out", str(out))
    assert code == 1
    printed = [text for text in stderr.splitlines() if text.startswith("mockint: error: ")]
    assert len(printed) == 21
    assert printed[-1] == f"mockint: error: ... and 80 more error(s); every one is in {out} (field error)"
    assert len(jsonl(out.read_text(encoding="utf-8"))) == 101  # every error still recorded


def test_invalid_control_character_message_has_no_doubled_word(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "c1", "question_id": "x", "answer": "a\x01b"}\n', encoding="utf-8")
    code, stdout, _ = grade(str(answers), "--format", "jsonl")
    message = str(jsonl(stdout)[0]["error"])
    assert "at at" not in message
    assert "control character" in message and "column 46" in message


@pytest.mark.parametrize("content", ["", "\n\n", "id,question_id,answer\n"])
def test_empty_answers_file_gets_a_hint(tmp_path: Path, content: str) -> None:
    answers = tmp_path / ("answers.csv" if content.startswith("id") else "answers.jsonl")
    answers.write_text(content, encoding="utf-8")
    code, stdout, stderr = grade(str(answers), "--format", "jsonl")
    assert code == 0  # nothing failed: an empty input is not a bad record (documented)
    assert stdout == ""
    assert f"mockint: {answers}: no answers in this file; " in stderr


def test_semicolon_separated_csv_gets_a_hint(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_text(f"id;question_id;answer\na1;{QID};hi\n", encoding="utf-8")
    code, _, stderr = grade(str(answers))
    assert code == 1
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"mockint: error: {answers}:1: ")
    assert "separated by ';'" in last and "comma" in last


def test_error_record_for_an_empty_answer_keeps_extra(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(line("e1", "", team="red") + line("e2", "   ", team="blue"), encoding="utf-8")
    code, stdout, _ = grade(str(answers), "--format", "jsonl")
    assert code == 1
    assert [g["extra"] for g in jsonl(stdout)] == [{"team": "red"}, {"team": "blue"}]
    csv_answers = tmp_path / "answers.csv"
    csv_answers.write_text(f"id,question_id,answer,team\ne3,{QID},,green\n", encoding="utf-8")
    code, stdout, _ = grade(str(csv_answers), "--format", "jsonl")
    assert jsonl(stdout)[0]["extra"] == {"team": "green"}


def test_csv_quotes_that_pair_up_across_rows_warn_on_the_merged_row(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_text(
        f'id,question_id,answer\nw1,{QID},"open {GOOD}\nw2,{QID},{GOOD}\nw3,{QID},"closes\nw4,{QID},{GOOD}\n',
        encoding="utf-8",
    )
    code, stdout, stderr = grade(str(answers), "--format", "jsonl")
    grades = jsonl(stdout)
    assert [g["id"] for g in grades] == ["w1", "w4"]
    assert "a quoted field spans lines 2-4 and its line 3 reads as a row of its own" in str(grades[0]["warnings"])


def test_a_csv_row_that_is_not_utf8_is_an_error_of_its_own(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_bytes(f"id,question_id,answer\nb1,{QID},caf\xe9\nb2,{QID},{GOOD}\n".encode("latin-1"))
    code, stdout, _ = grade(str(answers), "--format", "jsonl")
    assert code == 1
    bad, good = jsonl(stdout)
    assert bad["error"] == f"{answers}:2: not UTF-8 text; save the file as UTF-8"
    assert good["id"] == "b2" and good["error"] is None


def test_resume_refuses_a_deeply_nested_output_line_in_one_line(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(line("r1"), encoding="utf-8")
    out = tmp_path / "grades.jsonl"
    out.write_text('{"id": "x", "score": ' + DEEP + "}\n", encoding="utf-8")
    code, _, stderr = grade(str(answers), "--out", str(out), "--resume")
    assert code == 1
    assert "RecursionError" not in stderr
    assert stderr.strip().splitlines()[-1].startswith(f"mockint: error: {out}:1: not a mockint grade line")


def test_deeply_nested_label_line_is_a_one_line_error(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"question_id": "q", "answer": "a", "score": ' + DEEP + "}\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(labels), "--no-llm"])
    assert result.exit_code == 1
    assert "RecursionError" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith(f"mockint: error: {labels}:1: a value nested more than")


def test_shorten_flattens_whitespace_and_cuts_with_the_ellipsis_inside_the_limit() -> None:
    from mockint.files import shorten

    assert shorten("a  b\n\tc", 10) == "a b c"
    assert shorten("abcdefghij", 10) == "abcdefghij"
    assert shorten("abcdefghijk", 10) == "abcdefghi…"
    assert shorten("abcde fghijk", 10, ellipsis="...") == "abcde f..."
    assert shorten("abcdefgh  ijk", 10) == "abcdefgh…"  # no space left before the ellipsis
    assert len(shorten("x" * 500, 40)) == 40
