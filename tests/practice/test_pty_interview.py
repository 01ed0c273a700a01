"""The real program in a pseudo-terminal (pexpect): what the candidate sees, and Ctrl-C mid-session."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockint.cli import app

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX-only")

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
CNN = "A CNN slides a small learned filter across the image. Deeper layers compose edges into parts and objects."


def spawn(*args: str) -> pexpect.spawn:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENAI_")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "60", "PYTHONUNBUFFERED": "1"})
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mockint", *args],
        env=env,
        encoding="utf-8",
        timeout=15,
        dimensions=(60, 120),
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    child.logfile_read = io.StringIO()
    return child


def screen(child: pexpect.spawn) -> str:
    """Everything the candidate saw so far, without colours."""
    log = child.logfile_read
    assert isinstance(log, io.StringIO)
    return ANSI.sub("", log.getvalue())


def test_candidate_sees_question_followup_and_feedback() -> None:
    child = spawn("interview", "--question", "cnn-explained", "--no-llm")
    try:
        child.expect("grading: deterministic checks")
        child.expect("Explain what a convolutional neural network is")
        child.expect("> ")
        child.sendline(CNN)
        child.expect("> ")
        child.sendline(".")
        # a follow-up on the terminal, by default, before the feedback
        child.expect("Follow-up")
        child.expect("the filter weights")
        child.expect("> ")
        child.sendline("The same weights are reused at every position, so a pattern is detected anywhere.")
        child.expect("> ")
        child.sendline(".")
        child.expect(r"Score 0\.50 \(deterministic\)")
        child.expect("Session finished")
        child.expect(pexpect.EOF)
        seen = screen(child)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "Key points missed" in seen and "Pooling or striding reduces spatial resolution" in seen
    assert "Recovered after the prompt" in seen and "How to say it in an interview" in seen
    assert "╭" in seen  # rich panels on a terminal


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_ctrl_c_mid_session_keeps_the_session(how: str) -> None:
    child = spawn("interview", "-q", "genai-tools", "-q", "cnn-explained", "--no-llm", "--no-followup")
    try:
        child.expect("What is your view on using modern GenAI")
        child.expect("> ")
        child.sendline(
            "GenAI tools are useful for boilerplate and tests. Verification is non-negotiable: run the tests."
        )
        child.expect("> ")
        child.sendline(".")
        child.expect("Question 2/2")
        child.expect("> ")
        child.sendline("A CNN slides a small")
        child.expect("> ")
        if how == "ctrl-c":
            child.sendintr()  # Ctrl-C while typing the second answer
        else:
            child.kill(signal.SIGTERM)  # kill PID, or a terminal closing down the job
        child.expect("Session interrupted: 1 answered")
        child.expect(pexpect.EOF)
        seen = screen(child)
    finally:
        child.close()
    assert child.exitstatus == (130 if how == "ctrl-c" else 128 + signal.SIGTERM)
    assert seen.count("saved in") == 1, seen  # said once
    assert "Session 1 saved in" in seen and "Traceback" not in seen
    listed = json.loads(runner.invoke(app, ["history", "--format", "json"]).stdout)
    assert listed[0]["status"] == "interrupted" and listed[0]["graded"] == 1
    session = json.loads(runner.invoke(app, ["history", "show", "1", "--format", "json"]).stdout)
    first, second = session["answers"]
    assert first["status"] == "graded" and first["score"] > 0 and first["question_id"] == "genai-tools"
    assert second["status"] == "unfinished" and second["answer"] == "A CNN slides a small"


def test_countdown_warns_and_keeps_the_answer() -> None:
    child = spawn("interview", "-q", "cnn-explained", "--no-llm", "--no-followup", "--time-limit", "1")
    try:
        child.expect(r"\[0:0\d\] > ")
        child.sendline("A CNN slides a small learned filter across the image.")
        # the warning, then the line being typed gets its prompt back under it
        child.expect(r"Time is up[^\n]*\r?\n\[time up\] > ", timeout=5)
        child.sendline(".")
        child.expect(r"over the 1 s limit by")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    session = json.loads(runner.invoke(app, ["history", "show", "1", "--format", "json"]).stdout)
    answer = session["answers"][0]
    assert answer["status"] == "graded" and answer["over_time"] is True and answer["time_limit"] == 1


def test_a_recorded_answer_is_shown_then_graded_with_how_it_was_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_speech import FakeSpeech, write_silent_wav

    recording = write_silent_wav(tmp_path / "cnn.wav")
    words = [(word, 0.45 * i, 0.45 * i + 0.35) for i, word in enumerate(CNN.split())]
    with FakeSpeech(text=CNN, words=words, duration=9.0) as server:
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)
        child = spawn("interview", "-q", "cnn-explained", "--no-llm", "--no-followup", "--audio-in", str(recording))
        try:
            child.expect(r"Heard \(openai/whisper-1, from cnn\.wav\): A CNN slides")
            child.expect("Enter: grade this transcript")
            child.expect("> ")
            child.sendline("")
            child.expect(r"Score 0\.50 \(deterministic\)")
            child.expect("How it was said")
            child.expect("Pace: ")
            child.expect(pexpect.EOF)
        finally:
            child.close()
    assert child.exitstatus == 0
    session = json.loads(runner.invoke(app, ["history", "show", "1", "--format", "json"]).stdout)
    assert session["answers"][0]["answer"] == CNN and session["answers"][0]["status"] == "graded"


@pytest.mark.voice
def test_a_spoken_answer_offline_with_espeak_ng(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper", reason="needs the voice extra (pip install 'mockint[voice]')")
    from clips import espeak  # tests/clips.py

    recording = espeak(CNN, tmp_path / "cnn.wav")
    child = spawn("interview", "-q", "cnn-explained", "--no-llm", "--no-followup", "--audio-in", str(recording))
    child.timeout = 90
    try:
        child.expect(r"Heard \(faster-whisper/base, from cnn\.wav\): [^\r\n]*filter")
        child.expect("> ")
        child.sendline("")
        child.expect(r"Score \d\.\d\d \(deterministic\)")
        child.expect("How it was said")
        child.expect(r"Pauses: ")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
