"""`mockint review` in a real pseudo-terminal (pexpect): single keys, Ctrl-C mid-answer, and resuming."""

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
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "answers.jsonl"


def spawn(*args: str) -> pexpect.spawn:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENAI_")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "60", "PYTHONUNBUFFERED": "1"})
    child = pexpect.spawn(
        sys.executable, ["-m", "mockint", *args], env=env, encoding="utf-8", timeout=15, dimensions=(60, 120), cwd=REPO
    )
    child.logfile_read = io.StringIO()
    return child


def screen(child: pexpect.spawn) -> str:
    log = child.logfile_read
    assert isinstance(log, io.StringIO)
    return ANSI.sub("", log.getvalue())


def labels_in(path: Path) -> dict[str, dict[str, object]]:
    return {line["id"]: line for line in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_single_keys_ctrl_c_and_resume(tmp_path: Path, how: str) -> None:
    grades, labels = tmp_path / "grades.jsonl", tmp_path / "labels.jsonl"
    assert runner.invoke(app, ["grade", str(EXAMPLES), "--no-llm", "-o", str(grades)]).exit_code == 0
    args = ("review", str(grades), "--answers", str(EXAMPLES), "--labels", str(labels))
    child = spawn(*args)
    try:
        child.expect(r"== 1/13 · ab-partial")
        child.expect(r"\[q\]uit \[\?\] > ")
        child.send("a")  # one key, no Enter
        child.expect(r"Saved: 4\.00/10\.")
        child.expect(r"== 2/13 · cnn-partial")
        child.expect(r"\[q\]uit \[\?\] > ")
        child.send("f")
        child.expect(r"key point \(1-8\): ")
        child.send("1")
        child.expect(r"key point 1: missed; score now 1\.88/10 \(saved; a accepts\)")
        child.expect(r"\[q\]uit \[\?\] > ")
        if how == "ctrl-c":
            child.sendintr()
        else:
            child.kill(signal.SIGTERM)
        child.expect("Review interrupted: 1 reviewed now")
        child.expect(pexpect.EOF)
        seen = screen(child)
    finally:
        child.close()
    assert child.exitstatus == (130 if how == "ctrl-c" else 128 + signal.SIGTERM)
    assert "Traceback" not in seen
    saved = labels_in(labels)
    assert saved["ab-partial"]["state"] == "done" and saved["cnn-partial"]["state"] == "open"

    child = spawn(*args)
    try:
        child.expect(r"1 answer\(s\) already reviewed in .*; 12 to go\.")
        child.expect(r"== 1/12 · cnn-partial")
        child.expect(r"1 \[missed \] \(you\) A convolutional layer")  # the flip made before Ctrl-C
        child.expect(r"\[q\]uit \[\?\] > ")
        child.send("g")
        child.expect(r"grade \(0-10\), then Enter: ")
        child.sendline("6.5")
        child.expect(r"grade 6\.5; score now 6\.50/10")
        child.expect(r"\[q\]uit \[\?\] > ")
        child.send("\r")  # Enter accepts
        child.expect(r"Saved: 6\.50/10\.")
        child.expect(r"\[q\]uit \[\?\] > ")
        child.send("q")
        child.expect("Review stopped: 1 reviewed now, 1 before, 0 skipped; 11 of 13 still to review")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    saved = labels_in(labels)
    assert saved["cnn-partial"]["state"] == "done" and saved["cnn-partial"]["score"] == 6.5
    assert saved["cnn-partial"]["human"] == {"criteria": ["small-filter-slides"], "mistakes": []}
