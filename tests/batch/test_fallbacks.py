"""Fallbacks: a structured reason on the grade, counts by reason, --fail-on-fallback, --retry-fallbacks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply, answer_from_request, correct_handler
from test_resume import wait_for_lines
from typer.testing import CliRunner

from mockint.cli import app
from mockint.rubrics import load_rubrics

runner = CliRunner()
TEXT = "A CNN slides a small learned filter over the image; the same weights are shared at every position."


def write_answers(path: Path, count: int) -> list[str]:
    ids = [f"a{index}" for index in range(count)]
    lines = [
        json.dumps({"id": i, "question_id": "cnn-explained", "answer": f"{TEXT} ({i})", "row": n})
        for n, i in enumerate(ids)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def read_grades(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


class FailSome:
    """Answers correctly, except for the answers whose text names one of ``failing`` ids: HTTP ``status``."""

    def __init__(self, failing: set[str], status: int = 500) -> None:
        self.failing = set(failing)
        self.status = status
        self.asked: list[str] = []
        self._lock = threading.Lock()
        self._correct = correct_handler(load_rubrics()["cnn-explained"])

    def __call__(self, body: dict[str, Any]) -> FakeReply | str:
        _, answer = answer_from_request(body)
        answer_id = answer.rsplit("(", 1)[-1].rstrip(")\n ")
        with self._lock:
            self.asked.append(answer_id)
        if answer_id in self.failing:
            return FakeReply.error(self.status, "FakeOpenAI: scripted failure")
        return self._correct(body)


def test_a_judge_failure_is_recorded_as_a_structured_fallback_reason(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 4)
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(handler=FailSome({"a1"})) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(answers), "--out", str(out), "-c", "1"])
    assert result.exit_code == 0, result.output
    got = read_grades(out)
    assert [g["fallback"] for g in got] == [None, "http_500", None, None]
    assert got[1]["grader"] == "deterministic" and any("LLM judge failed" in w for w in got[1]["warnings"])
    assert "1 graded deterministically after a judge failure (http_500: 1)" in result.stderr


def test_without_a_judge_nothing_is_a_fallback(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 2)
    result = runner.invoke(app, ["grade", str(answers), "--format", "jsonl", "--fail-on-fallback"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["fallback"] for line in result.stdout.splitlines()] == [None, None]


def test_the_summary_counts_fallbacks_by_reason_and_fail_on_fallback_exits_3(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.jsonl"
    ids = write_answers(answers, 12)
    # Every request fails: the first answers with HTTP 503, then the breaker opens and the rest are skipped.
    with FakeOpenAI(handler=FailSome(set(ids[2:]), status=503)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        plain = runner.invoke(app, ["grade", str(answers), "-o", str(tmp_path / "g1.jsonl"), "-c", "1"])
        strict = runner.invoke(
            app, ["grade", str(answers), "-o", str(tmp_path / "g2.jsonl"), "-c", "1", "--fail-on-fallback"]
        )
    assert plain.exit_code == 0, plain.output  # the default exit codes do not change
    assert strict.exit_code == 3, strict.output
    reasons = Counter(g["fallback"] for g in read_grades(tmp_path / "g2.jsonl"))
    assert reasons[None] == 2 and reasons["http_503"] >= 3 and reasons["circuit_open"] >= 1
    assert set(reasons) == {None, "http_503", "circuit_open"}
    by_reason = f"http_503: {reasons['http_503']}, circuit_open: {reasons['circuit_open']}"
    if reasons["circuit_open"] > reasons["http_503"]:
        by_reason = f"circuit_open: {reasons['circuit_open']}, http_503: {reasons['http_503']}"
    assert f"10 graded deterministically after a judge failure ({by_reason})" in strict.stderr
    assert "--fail-on-fallback: 10 answer(s) fell back to deterministic grading; exit 3" in strict.stderr


def test_fail_on_fallback_counts_fallbacks_kept_from_an_earlier_run_on_resume(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 4)
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(handler=FailSome({"a0"})) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        first = runner.invoke(app, ["grade", str(answers), "-o", str(out), "-c", "1"])
        out.write_bytes(b"".join(out.read_bytes().splitlines(keepends=True)[:2]))
        resumed = runner.invoke(app, ["grade", str(answers), "-o", str(out), "--resume", "--fail-on-fallback"])
    assert first.exit_code == 0
    assert resumed.exit_code == 3, resumed.output  # a0's fallback is still in the output
    assert [g["id"] for g in read_grades(out)] == ["a0", "a1", "a2", "a3"]


def test_input_errors_exit_1_even_with_fallbacks(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 2)
    with answers.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "bad", "question_id": "cnn-explained"}\n')
    with FakeOpenAI(handler=FailSome({"a0"})) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(answers), "-o", str(tmp_path / "g.jsonl"), "--fail-on-fallback"])
    assert result.exit_code == 1, result.output


def test_the_report_counts_fallbacks_by_their_structured_reason() -> None:
    from mockint.batch.report import ReportBuilder
    from mockint.models import Grade

    builder = ReportBuilder()
    # The reason comes from the field, whatever the warning says (its wording may change).
    builder.add(
        Grade(id="x", question_id="q", score=0.5, grader="deterministic", warnings=["reworded"], fallback="timeout")
    )
    builder.add_json({"id": "y", "question_id": "q", "score": 0.5, "grader": "deterministic", "fallback": "http_429"})
    text = builder.markdown()
    assert "| timeout | 1 | x |" in text and "| http\\_429 | 1 | y |" in text


def test_a_line_written_before_the_fallback_field_is_recognised_by_its_warning() -> None:
    from mockint.batch.fallbacks import fallback_reason

    warning = "LLM judge failed (timeout): the judge server did not answer; graded deterministically"
    old = {"id": "a", "score": 0.4, "grader": "deterministic", "warnings": [warning], "error": None}
    assert fallback_reason(old) == "timeout"
    assert fallback_reason({**old, "fallback": None}) is None  # a newer line says so itself
    assert fallback_reason({**old, "grader": "llm"}) is None
    guard = "LLM judge not asked: the answer has no gradeable text; graded deterministically"
    assert fallback_reason({**old, "warnings": [guard]}) is None  # asking again would not change it


def first_run_with_fallbacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int, failing: set[str]) -> Path:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, count)
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(handler=FailSome(failing)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        first = runner.invoke(app, ["grade", str(answers), "--out", str(out), "-c", "1"])
    assert first.exit_code == 0, first.output
    return answers


def test_retry_fallbacks_regrades_only_the_fallbacks_in_place(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = first_run_with_fallbacks(tmp_path, monkeypatch, 6, {"a1", "a4"})
    out = tmp_path / "grades.jsonl"
    before = out.read_bytes().splitlines(keepends=True)
    assert [g["fallback"] for g in read_grades(out)] == [None, "http_500", None, None, "http_500", None]
    out.write_bytes(b"".join(before[:5]))  # and a5 is missing, as after a kill
    healthy = FailSome(set())
    with FakeOpenAI(handler=healthy) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(
            app,
            ["grade", str(answers), "--out", str(out), "--resume", "--retry-fallbacks", "--fail-on-fallback"]
            + ["--report", str(tmp_path / "report.md")],
        )
    assert result.exit_code == 0, result.output
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    # The report covers the final file: six grades, three of them (a0, a2, a3) from the earlier run, no fallback.
    assert "3 of these grades were written by an earlier run" in report
    assert "## Fallbacks to deterministic grading\n\nNone." in report
    # The two fallbacks, and a5 as --resume does (the cache is per server, and this is another port).
    assert sorted(healthy.asked) == ["a1", "a4", "a5"]
    after = out.read_bytes().splitlines(keepends=True)
    got = [json.loads(line) for line in after]
    assert [g["id"] for g in got] == ["a0", "a1", "a2", "a3", "a4", "a5"]  # input order, each id once
    assert [after[i] for i in (0, 2, 3)] == [before[i] for i in (0, 2, 3)]  # the rest untouched, byte for byte
    assert all(g["fallback"] is None and g["grader"] == "llm" for g in got)
    assert [g["extra"]["row"] for g in got] == list(range(6))
    assert "re-graded 2 fallback(s) in" in result.stderr and "2 by the judge now, 0 fell back again" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("grades")) == ["grades.jsonl"]


def test_a_fallback_that_fails_again_is_replaced_by_its_new_fallback(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = first_run_with_fallbacks(tmp_path, monkeypatch, 3, {"a1"})
    out = tmp_path / "grades.jsonl"
    still = FailSome({"a1"}, status=502)
    with FakeOpenAI(handler=still) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(
            app, ["grade", str(answers), "--out", str(out), "--resume", "--retry-fallbacks", "--fail-on-fallback"]
        )
    assert result.exit_code == 3, result.output
    assert still.asked == ["a1"]
    got = read_grades(out)
    assert [g["id"] for g in got] == ["a0", "a1", "a2"]
    assert got[1]["fallback"] == "http_502" and got[1]["score"] is not None
    assert "1 by the judge now" not in result.stderr and "0 by the judge now, 1 fell back again (http_502: 1)" in (
        result.stderr
    )


def test_retry_fallbacks_needs_resume_and_live_or_imported_replies(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 1)
    out = tmp_path / "g.jsonl"
    alone = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--retry-fallbacks"])
    assert alone.exit_code == 1
    assert alone.stderr.strip() == (
        "mockint: error: --retry-fallbacks re-grades inside an existing --out FILE.jsonl; add --resume"
    )
    api = runner.invoke(app, ["grade", str(answers), "-o", str(out), "--resume", "--retry-fallbacks", "--batch-api"])
    assert api.exit_code == 1 and "not --batch-api" in api.stderr and "Traceback" not in api.output
    csv = runner.invoke(app, ["grade", str(answers), "-o", str(tmp_path / "g.csv"), "--resume", "--retry-fallbacks"])
    assert csv.exit_code == 1 and "--resume works on JSONL output only" in csv.stderr


def test_an_interrupted_merge_is_finished_or_redone_by_the_next_run(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = first_run_with_fallbacks(tmp_path, monkeypatch, 4, {"a1", "a2"})
    out = tmp_path / "grades.jsonl"
    original = out.read_bytes()
    lines = original.splitlines(keepends=True)
    # What a run killed after re-grading a1 (side file written) and while writing the merge file leaves behind.
    regrade = json.loads(lines[1])
    regrade.update(fallback=None, grader="llm", warnings=[], model="fake-model")
    side = tmp_path / "grades.jsonl.retry"
    side.write_text(json.dumps(regrade) + "\n" + '{"id": "a2", "que', encoding="utf-8")  # torn too
    (tmp_path / "grades.jsonl.merge").write_bytes(lines[0])
    healthy = FailSome(set())
    with FakeOpenAI(handler=healthy) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        redone = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--resume", "--retry-fallbacks"])
    assert redone.exit_code == 0, redone.output
    assert healthy.asked == ["a2"]  # a1's re-grade was kept, not paid for again
    assert "grades.jsonl.retry: dropped a torn last line" in redone.stderr
    final = out.read_bytes()
    got = [json.loads(line) for line in final.splitlines()]
    assert [g["id"] for g in got] == ["a0", "a1", "a2", "a3"] and got[1] == regrade
    assert all(g["fallback"] is None for g in got)
    # Killed after the merge file was complete and the side file removed, before the rename: the next run
    # (a plain --resume too) renames it and then works on the result.
    out.write_bytes(original)
    (tmp_path / "grades.jsonl.merge").write_bytes(final)
    with FakeOpenAI(handler=FailSome(set())) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        finished = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--resume"])
        assert server.chat_count == 0
    assert finished.exit_code == 0, finished.output
    assert "finished replacing the re-graded fallbacks" in finished.stderr
    assert out.read_bytes() == final and not (tmp_path / "grades.jsonl.merge").exists()


def test_a_fresh_run_discards_what_an_interrupted_retry_left(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 2)
    out = tmp_path / "grades.jsonl"
    for name in ("grades.jsonl.retry", "grades.jsonl.merge"):
        (tmp_path / name).write_text('{"id": "a0", "score": 1.0}\n', encoding="utf-8")
    result = runner.invoke(app, ["grade", str(answers), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("grades")) == ["grades.jsonl"]


def test_a_retry_killed_at_any_moment_and_run_again_loses_and_duplicates_nothing(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    count = 60
    answers = first_run_with_fallbacks(tmp_path, monkeypatch, count, {f"a{i}" for i in range(count)})
    out = tmp_path / "grades.jsonl"
    side = tmp_path / "grades.jsonl.retry"
    assert all(g["fallback"] is not None for g in read_grades(out))
    healthy = FailSome(set())
    with FakeOpenAI(handler=healthy, latency=0.03) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        command = [sys.executable, "-m", "mockint", "grade", str(answers), "--out", str(out), "-c", "4"]
        command += ["--resume", "--retry-fallbacks"]
        process = subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_lines(side, 20, process)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            if process.stderr:
                process.stderr.close()
        assert process.returncode == -signal.SIGKILL
        assert len(read_grades(out)) == count  # the output is untouched until every re-grade is in
        with side.open("ab") as handle:
            handle.write(b'{"id": "a59", "question_id": "cnn-expl')  # the worst case: a torn line on top
        result = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--resume", "--retry-fallbacks"])
    assert result.exit_code == 0, result.output
    got = read_grades(out)
    assert [g["id"] for g in got] == [f"a{i}" for i in range(count)]
    assert all(g["fallback"] is None and g["grader"] == "llm" for g in got)
    # Answers in flight at the kill may be asked twice; nothing a third time.
    assert Counter(healthy.asked).most_common(1)[0][1] <= 2 and len(healthy.asked) <= count + 2 * 8
    assert not side.exists() and not (tmp_path / "grades.jsonl.merge").exists()


def test_csv_output_has_a_fallback_column(llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import csv

    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 2)
    out = tmp_path / "grades.csv"
    with FakeOpenAI(handler=FailSome({"a0"}, status=504)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(answers), "--out", str(out), "-c", "1"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [row["fallback"] for row in rows] == ["http_504", ""]
    assert [row["row"] for row in rows] == ["0", "1"]  # pass-through columns still follow


def test_retry_fallbacks_without_a_judge_is_refused_and_changes_nothing(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = first_run_with_fallbacks(tmp_path, monkeypatch, 3, {"a1"})
    out = tmp_path / "grades.jsonl"
    before = out.read_bytes()
    # Re-graded deterministically, a fallback would lose the record that the judge never graded it.
    no_llm = runner.invoke(app, ["grade", str(answers), "-o", str(out), "--resume", "--retry-fallbacks", "--no-llm"])
    assert no_llm.exit_code == 1
    assert no_llm.stderr.strip() == ("mockint: error: --retry-fallbacks re-grades with the LLM judge; drop --no-llm")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    unset = runner.invoke(app, ["grade", str(answers), "-o", str(out), "--resume", "--retry-fallbacks"])
    assert unset.exit_code == 1
    assert "mockint: error: --retry-fallbacks needs the LLM judge: no LLM configured" in unset.stderr
    assert out.read_bytes() == before


def test_a_plain_resume_says_that_re_grades_are_waiting(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 2)
    out = tmp_path / "grades.jsonl"
    assert runner.invoke(app, ["grade", str(answers), "--out", str(out)]).exit_code == 0
    side = tmp_path / "grades.jsonl.retry"
    side.write_bytes(out.read_bytes().splitlines(keepends=True)[0])
    result = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert (
        f"{side} holds re-grades of an interrupted --retry-fallbacks run; add --retry-fallbacks to put them in place"
        in result.stderr
    )
    assert side.exists()


def test_retry_fallbacks_with_the_replies_of_a_provider_batch(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fake_openai import completion

    answers = first_run_with_fallbacks(tmp_path, monkeypatch, 4, {"a1", "a3"})
    out = tmp_path / "grades.jsonl"
    before = out.read_bytes().splitlines(keepends=True)
    requests = tmp_path / "requests.jsonl"
    assert runner.invoke(app, ["grade", str(answers), "--export-batch", str(requests)]).exit_code == 0
    # The batch engine answered the two fallbacks only (as when only they were submitted).
    handler = correct_handler(load_rubrics()["cnn-explained"])
    lines = []
    for line in map(json.loads, requests.read_text(encoding="utf-8").splitlines()):
        if line["custom_id"] in {"a1", "a3"}:
            body = completion(str(handler(line["body"])), model="fake-model")
            response = {"status_code": 200, "request_id": "req", "body": body}
            lines.append(json.dumps({"id": "r", "custom_id": line["custom_id"], "response": response, "error": None}))
    replies = tmp_path / "replies.jsonl"
    replies.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["grade", str(answers), "-o", str(out), "--resume", "--retry-fallbacks", "--import-batch", str(replies)]
    )
    assert result.exit_code == 0, result.output
    after = out.read_bytes().splitlines(keepends=True)
    assert [after[0], after[2]] == [before[0], before[2]]
    assert [json.loads(line)["grader"] for line in after] == ["llm"] * 4


def test_a_fallback_whose_rubric_has_gone_keeps_its_grade(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import shutil

    from mockint.resources import data_dir

    rubrics = tmp_path / "rubrics"
    shutil.copytree(data_dir("rubrics"), rubrics)
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 2)
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(handler=FailSome({"a1"})) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        first = runner.invoke(app, ["grade", str(answers), "--rubrics", str(rubrics), "-o", str(out), "-c", "1"])
        before = out.read_bytes()
        (rubrics / "cnn-explained.yaml").unlink()
        retry = runner.invoke(
            app, ["grade", str(answers), "--rubrics", str(rubrics), "-o", str(out), "--resume", "--retry-fallbacks"]
        )
    assert first.exit_code == 0, first.output
    assert retry.exit_code == 1  # the error is reported...
    assert "question_id" in retry.stderr
    assert out.read_bytes() == before  # ...but the deterministic grade it had is not replaced by an error line
    assert "1 fallback(s) in" in retry.stderr and "kept as they are" in retry.stderr
