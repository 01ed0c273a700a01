"""Judge start-up: a run loads and builds only what it uses (one client, made on the first request)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fake_openai import FakeOpenAI, correct_handler

from mockint.judge import OpenAIJudge
from mockint.prompts import load_prompt
from mockint.rubrics import load_rubrics

# What sending a request needs; langchain-core renders the prompts (it is loaded to build the request body or
# the cache key), so it is not among them.
HEAVY = ("openai", "tenacity")

# Runs `mockint ARGS` in this interpreter, then prints the heavy modules it loaded.
RUN_CLI = (
    "import json, sys\n"
    "from mockint.cli import app\n"
    "code = 0\n"
    "try:\n"
    "    app(sys.argv[1:])\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    f"heavy = {HEAVY!r}\n"
    'print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}))\n'
)


def run_cli(*args: str, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_CLI, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_run_served_from_the_cache_never_imports_the_sdk(examples_file: Path, tmp_path: Path) -> None:
    rubrics = list(load_rubrics().values())
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(handler=correct_handler(*rubrics)) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "MOCKINT_MODEL": "fake-model"}
        first = run_cli("grade", str(examples_file), "-o", str(out), env=env)
        sent = server.chat_count
        second = run_cli("grade", str(examples_file), "-o", str(out), env=env)
        assert server.chat_count == sent, "every reply came from the cache"
    assert first["code"] == second["code"] == 0
    assert "openai" in first["loaded"]  # type: ignore[operator]
    assert second["loaded"] == [], "nothing was sent, so neither the SDK nor tenacity is needed"


def test_exporting_a_batch_builds_no_client(examples_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    result = run_cli("grade", str(examples_file), "--export-batch", str(tmp_path / "requests.jsonl"), env=env)
    assert result["code"] == 0
    assert result["loaded"] == []


def test_the_client_is_made_once_on_the_first_request_and_closed(tmp_path: Path) -> None:
    rubric = load_rubrics()["ab-significance"]
    with FakeOpenAI(handler=correct_handler(rubric)) as server:
        judge = OpenAIJudge("fake-model", base_url=server.base_url, api_key="k")
        assert judge._client is None
        judge.request_body("An answer.", rubric)
        assert judge._client is None
        judge.judge("The p-value assumes the null hypothesis.", rubric)
        client = judge._client
        judge.judge("Another answer about the null hypothesis.", rubric)
        assert client is not None and judge._client is client
        judge.close()
        assert client.is_closed()


def test_user_text_in_a_prompt_is_never_parsed_as_a_template() -> None:
    prompt = load_prompt("judge")
    rendered = prompt.text("reask", error="{not a field}", criterion_ids="a, b", mistake_ids="none")
    assert "{not a field}" in rendered and "a, b" in rendered
