"""Deterministic grading in worker processes: the same grades, in the same order, as in one process.

Also what the single-process writer guarantees: every line whole, --resume after Ctrl-C or a kill, bad records
reported as before, a progress bar on a terminal.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mockint.batch.run
from mockint.batch import DurableJsonlWriter, Record, grade_records, read_answers, usable_cpus
from mockint.batch.run import PROCESS_MIN_ANSWERS
from mockint.cli import app
from mockint.models import Answer, Grade
from mockint.render import grade_to_json
from mockint.rubrics import RubricSet, load_rubrics

runner = CliRunner()
in_worker_processes = pytest.mark.skipif(
    not sys.platform.startswith("linux") or usable_cpus() < 2, reason="needs Linux (/proc) and two CPUs"
)


def example_sentences(rubrics: RubricSet) -> dict[str, list[str]]:
    return {
        rubric.id: [part for example in rubric.examples for part in example.answer.split(". ") if part.strip()]
        for rubric in rubrics.values()
    }


def answer_lines(count: int, *, bad_lines: bool = True) -> list[str]:
    """``count`` varied answers over the shipped rubrics (English and Russian), with bad records among them."""
    rubrics = load_rubrics()
    ids = sorted(rubrics)
    sentences = example_sentences(rubrics)
    lines = []
    for index in range(count):
        question_id = ids[index % len(ids)]
        pool = sentences[question_id]
        text = ". ".join(pool[(index * 7 + step) % len(pool)] for step in range(1 + index % 4)) + "."
        record = {"id": f"a{index}", "question_id": question_id, "answer": text, "candidate": f"c{index % 13}"}
        if bad_lines and index % 50 == 7:
            record["question_id"] = "no-such-question"
        if bad_lines and index % 50 == 21:
            lines.append('{"id": "broken", "question_id": ')  # invalid JSON: an error line without an id
        if bad_lines and index % 50 == 33:
            del record["answer"]
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


def write_answers(path: Path, count: int, *, bad_lines: bool = True) -> None:
    path.write_text("\n".join(answer_lines(count, bad_lines=bad_lines)) + "\n", encoding="utf-8")


def jsonl(grades: list[Grade]) -> list[str]:
    return [json.dumps(grade_to_json(grade), ensure_ascii=False) for grade in grades]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("mockint: error:")]


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Grade in two processes even on a one-CPU machine (the CLI asks ``usable_cpus``)."""
    monkeypatch.setattr(mockint.batch.run, "usable_cpus", lambda: 2)


def test_worker_processes_give_the_same_grades_in_the_same_order(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    write_answers(path, 400)
    rubrics = load_rubrics()
    one: list[Grade] = []
    many: list[Grade] = []
    single = grade_records(read_answers(path), rubrics, None, one.append, processes=1)
    multi = grade_records(read_answers(path), rubrics, None, many.append, processes=3)
    assert single.processes == 1 and multi.processes == 3
    assert jsonl(many) == jsonl(one)  # byte for byte, in input order
    assert (multi.graded, multi.errors, multi.messages) == (single.graded, single.errors, single.messages)
    assert multi.errors == 24 and any("no-such-question" in message for message in multi.messages)
    assert many[0].extra == {"candidate": "c0"}


def test_a_short_input_is_graded_in_this_process() -> None:
    rubrics = load_rubrics()
    records = [
        Record(f"t:{index}", answer=Answer(id=f"a{index}", question_id="cnn-explained", answer="A filter slides."))
        for index in range(PROCESS_MIN_ANSWERS - 1)
    ]
    started: list[bool] = []
    out: list[Grade] = []
    summary = grade_records(records, rubrics, None, out.append, processes=4, started=lambda: started.append(True))
    assert summary.processes == 1 and summary.graded == len(records) and started == [True]


def test_an_interrupt_stops_the_workers_and_keeps_the_grades_emitted_in_order() -> None:
    rubrics = load_rubrics()

    def records() -> Iterator[Record]:
        for index in range(2000):
            answer = Answer(id=f"a{index}", question_id="cnn-explained", answer=f"A small filter slides ({index}).")
            yield Record(f"t:{index}", answer=answer, raw_id=answer.id)

    seen: list[str | None] = []

    def emit(grade: Grade) -> None:
        seen.append(grade.id)
        if len(seen) == 70:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_records(records(), rubrics, None, emit, processes=2)
    assert seen == [f"a{index}" for index in range(70)]


def test_cli_output_is_byte_identical_to_one_process_and_resumes(two_cpus: None, tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, 300)
    single, multi = tmp_path / "single.jsonl", tmp_path / "multi.jsonl"
    one = runner.invoke(app, ["grade", str(answers), "--no-llm", "--out", str(single), "-c", "1"])
    many = runner.invoke(app, ["grade", str(answers), "--no-llm", "--out", str(multi)])
    assert one.exit_code == many.exit_code == 1  # the bad records
    assert multi.read_bytes() == single.read_bytes()
    assert error_lines(many.stderr) == error_lines(one.stderr) and len(error_lines(one.stderr)) == 18
    assert "graded 288 answer(s)" in many.stderr
    # Killed after 100 lines, in the middle of the 101st: resumed (in processes again), the same bytes.
    lines = single.read_bytes().splitlines(keepends=True)
    multi.write_bytes(b"".join(lines[:100]) + lines[100][:40])
    resumed = runner.invoke(app, ["grade", str(answers), "--no-llm", "--out", str(multi), "--resume"])
    assert resumed.exit_code == 1, resumed.output
    assert "dropped a torn last line" in resumed.stderr
    assert multi.read_bytes() == single.read_bytes()


def children(pid: int) -> set[int]:
    tasks = Path(f"/proc/{pid}/task")
    found: set[int] = set()
    for task in tasks.iterdir():
        text = (task / "children").read_text()
        found.update(int(child) for child in text.split())
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def wait_until(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def start_grading(answers: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENAI_")}
    command = [sys.executable, "-m", "mockint", "grade", str(answers), "--no-llm", "--out", str(out), "-c", "2"]
    return subprocess.Popen(
        [*command, *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


@pytest.fixture(scope="module")
def many_answers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A file of answers long enough to stop in the middle, and its grades from one process."""
    folder = tmp_path_factory.mktemp("many")
    answers, expected = folder / "answers.jsonl", folder / "expected.jsonl"
    write_answers(answers, 4000, bad_lines=False)
    writer = DurableJsonlWriter(expected)
    try:
        grade_records(read_answers(answers), load_rubrics(), None, writer.write)
    finally:
        writer.close()
    return answers, expected.read_bytes()


@in_worker_processes
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "worker-killed"])
def test_a_stopped_run_leaves_whole_lines_no_workers_and_resumes(
    how: str, many_answers: tuple[Path, bytes], tmp_path: Path
) -> None:
    answers, complete = many_answers
    out = tmp_path / "grades.jsonl"
    process = start_grading(answers, out)
    try:
        wait_until(lambda: line_count(out) >= 200 or process.poll() is not None)
        assert process.poll() is None, "the run ended before it could be stopped"
        workers = children(process.pid)
        assert len(workers) == 2
        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)  # a terminal sends it to the whole foreground group
        elif how == "sigterm":
            process.send_signal(signal.SIGTERM)  # to the grading process only: its workers must follow
        else:
            os.kill(min(workers), signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    stderr = process.stderr.read().decode() if process.stderr else ""
    wait_until(lambda: not any(alive(pid) for pid in workers), timeout=10)
    if how in ("ctrl-c", "sigterm"):
        # SIGTERM is handled like Ctrl-C; the exit code says which signal it was (128 + its number)
        assert process.returncode == (130 if how == "ctrl-c" else 128 + signal.SIGTERM)
        assert stderr.count("interrupted; the answers graded so far were written") == 1, stderr
        assert "Traceback" not in stderr  # the workers ignore the group's SIGINT
    else:
        assert process.returncode == 1
        assert "mockint: error: a grading worker process died" in stderr and "Traceback" not in stderr
    written = out.read_bytes()
    assert written.endswith(b"\n") and complete.startswith(written)  # whole lines, in input order
    resumed = runner.invoke(app, ["grade", str(answers), "--no-llm", "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert out.read_bytes() == complete


@in_worker_processes
def test_the_progress_bar_runs_on_a_terminal_with_worker_processes(
    many_answers: tuple[Path, bytes], tmp_path: Path
) -> None:
    import pty

    answers, complete = many_answers
    out = tmp_path / "grades.jsonl"
    master, slave = pty.openpty()
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENAI_")}
    env.update(TERM="xterm", COLUMNS="100")
    command = [sys.executable, "-m", "mockint", "grade", str(answers), "--no-llm", "--out", str(out), "-c", "2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    shown = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise AssertionError("no output on the terminal for 30 s")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the run ended
                break
            if not chunk:
                break
            shown += chunk
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        os.close(master)
    assert process.returncode == 0, shown.decode(errors="replace")
    assert b"grading" in shown  # the bar was drawn
    assert b"graded 4000 answer(s)" in shown
    assert out.read_bytes() == complete
