"""--resume: a run killed at any moment (SIGKILL included) and resumed ends with every answer exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, FaultInjector, correct_handler
from typer.testing import CliRunner

from mockint.cli import app
from mockint.rubrics import load_rubrics

runner = CliRunner()
TEXT = "A CNN slides a small learned filter over the image; the same weights are shared at every position."


def write_answers(path: Path, count: int, bad_lines: bool = False) -> list[str]:
    lines = []
    ids = []
    for index in range(count):
        lines.append(json.dumps({"id": f"a{index}", "question_id": "cnn-explained", "answer": f"{TEXT} ({index})"}))
        ids.append(f"a{index}")
        if bad_lines and index % 10 == 5:
            lines.append('{"id": "broken", "question_id": ')  # invalid JSON: an error line without an id
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def output_ids(path: Path) -> list[str | None]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n"), "the output must end with a complete line"
    return [json.loads(line)["id"] for line in raw.decode("utf-8").splitlines()]


def wait_for_lines(path: Path, count: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        if process.poll() is not None:
            raise AssertionError(f"the grading run ended early: {process.stderr.read() if process.stderr else ''}")
        time.sleep(0.01)
    raise AssertionError(f"{path} did not reach {count} lines in {timeout} s")


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


def test_sigkill_then_resume_gives_every_answer_exactly_once(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.jsonl"
    ids = write_answers(answers, 80)
    out = tmp_path / "grades.jsonl"
    rubric = load_rubrics()["cnn-explained"]
    with FakeOpenAI(handler=correct_handler(rubric), latency=0.03) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        command = [sys.executable, "-m", "mockint", "grade", str(answers), "--out", str(out), "-c", "4"]
        # Killed twice, at different points, the second time while resuming.
        for kill_at, resume in ((15, False), (45, True)):
            process = subprocess.Popen(
                command + (["--resume"] if resume else []),
                env=dict(os.environ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                wait_for_lines(out, kill_at, process)
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait(10)
                if process.stderr:
                    process.stderr.close()
            assert process.returncode == -signal.SIGKILL
        # A kill in the middle of a write leaves a torn line; emulate the worst case on top of the real kills.
        with out.open("ab") as handle:
            handle.write(b'{"id": "a79", "question_id": "cnn-explai')
        result = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--resume"])
        requests = server.chat_count
    assert result.exit_code == 0, result.output
    assert "dropped a torn last line" in result.stderr
    got = output_ids(out)
    assert sorted(got, key=lambda i: int(str(i)[1:])) == ids  # each answer once: no loss, no duplicate
    assert Counter(got).most_common(1)[0][1] == 1
    assert "already in" in result.stderr and "skipped" in result.stderr
    # Answers in flight at a kill may be asked twice, but nothing is asked a third time: cache and resume
    # skip what is done.
    assert requests <= 80 + 2 * 8


def test_resume_with_faults_and_bad_input_lines_writes_nothing_twice(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.jsonl"
    ids = write_answers(answers, 30, bad_lines=True)
    out = tmp_path / "grades.jsonl"
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "3")
    faults = FaultInjector(correct_handler(load_rubrics()["cnn-explained"]), rate=0.3, seed=7, slow=0.05)
    with FakeOpenAI(handler=faults) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        first = runner.invoke(app, ["grade", str(answers), "--out", str(out), "-c", "4"])
        # Keep the first 12 lines only, as if the run had been killed there.
        kept = out.read_bytes().splitlines(keepends=True)[:12]
        out.write_bytes(b"".join(kept))
        second = runner.invoke(app, ["grade", str(answers), "--out", str(out), "-c", "4", "--resume"])
        third = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--resume"])
    assert sum(faults.injected.values()) > 0
    assert first.exit_code == second.exit_code == 1  # the bad input lines
    assert third.exit_code == 0  # nothing left to do: the bad lines were reported by the earlier runs
    got = output_ids(out)
    assert sorted(i for i in got if i is not None) == sorted(ids)
    errors = [json.loads(line)["error"] for line in out.read_text(encoding="utf-8").splitlines()]
    id_less = [error for error, answer_id in zip(errors, got, strict=True) if answer_id is None]
    assert len(id_less) == 3 and len(set(id_less)) == 3  # each bad line reported once in the output
    assert "graded 0 answer(s)" in third.stderr
    grades = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(g["score"] is not None for g in grades if g["id"] is not None)


def test_resume_needs_jsonl_out(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 1)
    result = runner.invoke(app, ["grade", str(answers), "--resume"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "mockint: error: --resume needs --out FILE.jsonl: it skips the ids already in that file"
    )
    csv = runner.invoke(app, ["grade", str(answers), "--resume", "--out", str(tmp_path / "g.csv")])
    assert csv.exit_code == 1
    assert "--resume works on JSONL output only; write to a .jsonl file (not csv)" in csv.stderr
    assert "Traceback" not in csv.output


def test_resume_refuses_a_corrupt_output_and_keeps_it(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 3)
    out = tmp_path / "grades.jsonl"
    runner.invoke(app, ["grade", str(answers), "--out", str(out)])
    before = out.read_bytes()
    lines = before.splitlines(keepends=True)
    corrupt = lines[0] + b"garbage that is not a grade\n" + b"".join(lines[1:])
    out.write_bytes(corrupt)
    result = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--resume"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"mockint: error: {out}:2: not a mockint grade line; remove that line (or the whole file) and run again, "
        "or drop --resume to grade everything afresh"
    )
    assert out.read_bytes() == corrupt


def test_deterministic_resume_appends_the_rest(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    ids = write_answers(answers, 10)
    out = tmp_path / "grades.jsonl"
    full = runner.invoke(app, ["grade", str(answers), "--out", str(out)])
    assert full.exit_code == 0
    complete = out.read_bytes()
    out.write_bytes(b"".join(complete.splitlines(keepends=True)[:4]))
    resumed = runner.invoke(app, ["grade", str(answers), "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert output_ids(out) == ids
    assert out.read_bytes() == complete  # deterministic: the same bytes as an uninterrupted run
