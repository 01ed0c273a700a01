"""The grade cache: hits send no request, and it never serves across a rubric, prompt, model or server change."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, FakeReply, correct_handler
from typer.testing import CliRunner

import mockint.prompts
from mockint.cli import app
from mockint.judge.cache import GradeCache, cache_key, rubric_hash
from mockint.models import JudgeReply, JudgeResult
from mockint.rubrics import load_rubrics

runner = CliRunner()
KEY = "sk-test-SECRET-cache"


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def grades(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def grade(path: Path, *extra: str) -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(app, ["grade", str(path), "--format", "jsonl", *extra])
    return result.exit_code, grades(result.stdout), result.stderr


def test_second_run_sends_no_request_and_grades_identically(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path
) -> None:
    rubrics = list(load_rubrics().values())
    with FakeOpenAI(handler=correct_handler(*rubrics)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code1, first, err1 = grade(examples_file, "-c", "4")
        after_first = server.chat_count
        code2, second, err2 = grade(examples_file, "-c", "4")
        after_second = server.chat_count
        code3, third, _ = grade(examples_file, "--no-cache")
        after_third = server.chat_count
    assert code1 == code2 == code3 == 0
    count = len(first)
    assert after_first == count and "cache: 0 hit(s), 13 miss(es)" in err1
    assert after_second == count, "a cache hit must send no request"
    assert "cache: 13 hit(s), 0 miss(es)" in err2
    assert after_third == 2 * count, "--no-cache asks again"
    assert second == first == third  # checks and reconciliation run again on the cached reply: same grades


def test_a_rubric_change_is_a_miss(llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rubric = load_rubrics()["cnn-explained"]
    folder = tmp_path / "rubrics"
    folder.mkdir()
    source = Path(__file__).resolve().parents[2] / "rubrics" / "cnn-explained.yaml"
    (folder / "cnn-explained.yaml").write_bytes(source.read_bytes())
    answers = tmp_path / "a.jsonl"
    answers.write_text(
        json.dumps({"id": "1", "question_id": rubric.id, "answer": "A CNN slides a small learned filter."}) + "\n",
        encoding="utf-8",
    )
    with FakeOpenAI(handler=correct_handler(rubric)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        grade(answers, "--rubrics", str(folder))
        grade(answers, "--rubrics", str(folder))
        assert server.chat_count == 1
        # Even a change the judge never sees (a tip) is a new rubric: the cache never serves across it.
        text = (folder / "cnn-explained.yaml").read_text(encoding="utf-8")
        (folder / "cnn-explained.yaml").write_text(
            text.replace("tips:\n", "tips:\n  - Draw the sliding window.\n", 1), encoding="utf-8"
        )
        code, _, _ = grade(answers, "--rubrics", str(folder))
        assert code == 0
        assert server.chat_count == 2


def test_a_prompt_or_model_change_is_a_miss(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, examples_file: Path
) -> None:
    rubrics = list(load_rubrics().values())
    answers = tmp_path / "a.jsonl"
    answers.write_text(examples_file.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    for file in mockint.prompts._prompts_dir().glob("judge_*.md"):
        (prompts / file.name).write_bytes(file.read_bytes())
    monkeypatch.setattr(mockint.prompts, "_prompts_dir", lambda: prompts)
    with FakeOpenAI(handler=correct_handler(*rubrics)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        grade(answers)
        grade(answers)
        assert server.chat_count == 1
        system = prompts / "judge_system.md"
        system.write_text(system.read_text(encoding="utf-8") + "\nBe brief.\n", encoding="utf-8")
        grade(answers)
        assert server.chat_count == 2
        grade(answers, "--model", "other-model")
        assert server.chat_count == 3
        grade(answers, "--model", "other-model")
        assert server.chat_count == 3


def test_failures_are_not_cached(llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")
    rubric = load_rubrics()["cnn-explained"]
    answers = tmp_path / "a.jsonl"
    answers.write_text(
        json.dumps({"id": "1", "question_id": rubric.id, "answer": "A CNN slides a small learned filter."}) + "\n",
        encoding="utf-8",
    )
    with FakeOpenAI([FakeReply.error(503, "down")], handler=correct_handler(rubric)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        _, first, _ = grade(answers)
        _, second, _ = grade(answers)
        _, third, _ = grade(answers)
        assert server.chat_count == 2
    assert first[0]["grader"] == "deterministic"
    assert second[0]["grader"] == third[0]["grader"] == "llm"


def test_the_cache_holds_no_secret(llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path) -> None:
    rubrics = list(load_rubrics().values())
    with FakeOpenAI(handler=correct_handler(*rubrics)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url.replace("http://", "http://user:pw-SECRET@"))
        code, _, _ = grade(examples_file)
    assert code == 0
    database = Path(os.environ["MOCKINT_HOME"]) / "cache.db"
    raw = b"".join(path.read_bytes() for path in database.parent.glob("cache.db*"))
    assert raw, "the cache was written"
    assert b"SECRET" not in raw


def test_a_corrupt_cache_is_moved_aside_with_a_warning(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path
) -> None:
    home = Path(os.environ["MOCKINT_HOME"])
    home.mkdir(parents=True)
    (home / "cache.db").write_bytes(b"this is not a database" * 100)
    rubrics = list(load_rubrics().values())
    with FakeOpenAI(handler=correct_handler(*rubrics)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, out, err = grade(examples_file)
        code2, _, err2 = grade(examples_file)
        assert server.chat_count == len(out)
    assert code == code2 == 0
    warning = [line for line in err.splitlines() if "grade cache" in line]
    assert len(warning) == 1 and "not a readable SQLite file; moved it to cache.db.corrupt-" in warning[0]
    assert len(list(home.glob("cache.db.corrupt-*"))) == 1
    assert "cache: 13 hit(s)" in err2


def test_cache_key_parts() -> None:
    rubrics = load_rubrics()
    cnn, ab = rubrics["cnn-explained"], rubrics["ab-significance"]
    judge = {"model": "m", "prompt_version": "judge@1", "server": "http://x/v1", "temperature": 0}
    base = cache_key(cnn, "answer", judge)
    assert base == cache_key(cnn, "answer", dict(judge))
    assert base != cache_key(ab, "answer", judge)
    assert base != cache_key(cnn, "answer ", judge)
    assert base != cache_key(cnn, "answer", {**judge, "prompt_version": "judge@2"})
    assert base != cache_key(cnn, "answer", {**judge, "model": "n"})
    assert base != cache_key(cnn, "answer", {**judge, "server": "http://y/v1"})
    changed = cnn.model_copy(update={"tips": [*cnn.tips, "one more tip"]})
    assert rubric_hash(changed) != rubric_hash(cnn)


def test_unreadable_row_is_a_miss(tmp_path: Path) -> None:
    cache = GradeCache(tmp_path / "cache.db")
    result = JudgeResult(reply=JudgeReply(criteria=[], mistakes=[]), model="m", prompt_version="p")
    cache.put("k", result)
    assert cache.get("k") == result
    cache.close()
    with sqlite3.connect(tmp_path / "cache.db") as db:
        db.execute("UPDATE replies SET result = '{\"broken\": true}' WHERE key = 'k'")
    reopened = GradeCache(tmp_path / "cache.db")
    assert reopened.get("k") is None
    reopened.close()


def _read_only_run(home: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mockint ARGS`` with ``home`` read-only: chmod for a user, a read-only bind mount for root
    (whom permission bits do not stop)."""
    command = [sys.executable, "-m", "mockint", *args]
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [home, *home.iterdir()]}
        for path in modes:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: cannot make a folder read-only")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(home), *command], capture_output=True, text=True, env=env, timeout=120
    )
    if result.returncode != 0 and ("mount:" in result.stderr or "unshare:" in result.stderr):
        pytest.skip(f"cannot mount a read-only folder here: {result.stderr.strip()}")
    return result


def test_a_read_only_home_with_a_healthy_cache_grades_without_it(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path
) -> None:
    home = Path(os.environ["MOCKINT_HOME"])
    rubrics = list(load_rubrics().values())
    with FakeOpenAI(handler=correct_handler(*rubrics)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, first, _ = grade(examples_file)  # a healthy cache.db, full of this file's replies
        assert code == 0 and (home / "cache.db").is_file()
        before = (home / "cache.db").read_bytes()
        result = _read_only_run(home, ["grade", str(examples_file), "--format", "jsonl"], dict(os.environ))
    assert result.returncode == 0, result.stderr
    graded = grades(result.stdout)
    assert [g["id"] for g in graded] == [g["id"] for g in first]
    assert all(g["grader"] == "llm" for g in graded), "grading goes on, with the judge"
    warnings = [line for line in result.stderr.splitlines() if "cache" in line and "hit(s)" not in line]
    assert len(warnings) == 1, result.stderr
    assert "cannot write the grade cache" in warnings[0] and "without it" in warnings[0]
    assert "corrupt" not in result.stderr and "not a readable SQLite file" not in result.stderr
    assert (home / "cache.db").read_bytes() == before and not list(home.glob("cache.db.corrupt-*"))


def test_a_home_that_cannot_be_created_grades_without_the_cache(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("MOCKINT_HOME", str(blocker / "home"))
    rubrics = list(load_rubrics().values())
    with FakeOpenAI(handler=correct_handler(*rubrics)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, out, err = grade(examples_file)
    assert code == 0, err
    assert out and all(g["grader"] == "llm" for g in out)
    warnings = [line for line in err.splitlines() if "cache" in line]
    assert len(warnings) == 1 and "without it" in warnings[0], err
