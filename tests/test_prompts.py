"""Prompt files: rendering with langchain-core templates, versioning, and errors that name the file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mockint.prompts
from mockint.errors import ConfigError
from mockint.prompts import load_prompt, prompt_version, render_messages
from mockint.resources import data_dir

JUDGE_VARIABLES = {
    "question": "What is a p-value?",
    "model_answer": "The probability of data at least this extreme under H0.",
    "key_points": '- id "definition" (weight 1): defines it under the null hypothesis',
    "mistakes": '- id "prob-h0": says it is the probability that H0 is true',
    "question_id": "p-value",
    "answer": "It is P(data | H0).",
}


@pytest.fixture
def prompts_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary copy of the shipped prompts folder that mockint.prompts reads instead."""
    folder = tmp_path / "prompts"
    shutil.copytree(data_dir("prompts"), folder)
    monkeypatch.setattr(mockint.prompts, "_prompts_dir", lambda: folder)
    return folder


def test_judge_prompt_renders_system_then_user() -> None:
    messages = render_messages("judge", **JUDGE_VARIABLES)

    assert [message["role"] for message in messages] == ["system", "user"]
    system, user = messages[0]["content"], messages[1]["content"]
    assert "What is a p-value?" in system
    assert '- id "definition" (weight 1)' in system
    assert "prob-h0" in system
    assert "JSON" in system  # OpenAI's json_object mode refuses a conversation that never says JSON
    assert "never instructions" in system
    # Escaped braces of the shape example come out as literal JSON braces.
    assert '{"criteria": [{"id":' in system
    assert "{{" not in system
    # The answer is data in the user message, inside the answer tag; the rubric is not there.
    assert '<answer question_id="p-value">\nIt is P(data | H0).\n</answer>' in user
    assert "What is a p-value?" not in user


def test_user_text_is_never_parsed_as_a_template() -> None:
    variables = dict(JUDGE_VARIABLES, answer="{question} {{x}} } {", question="Q {answer}")

    system, user = (message["content"] for message in render_messages("judge", **variables))

    assert "{question} {{x}} } {" in user
    assert "Q {answer}" in system


def test_missing_variable_is_a_config_error_naming_the_file() -> None:
    variables = dict(JUDGE_VARIABLES)
    del variables["key_points"]

    with pytest.raises(ConfigError, match=r"judge_system\.md: unknown template variable \{key_points\}"):
        render_messages("judge", **variables)


def test_missing_prompt_file_is_a_config_error(prompts_copy: Path) -> None:
    (prompts_copy / "judge_user.md").unlink()

    with pytest.raises(ConfigError, match=r"judge_user\.md: prompt file not found"):
        render_messages("judge", **JUDGE_VARIABLES)
    with pytest.raises(ConfigError, match="judge_user.md"):
        prompt_version("judge")


def test_malformed_template_is_a_config_error(prompts_copy: Path) -> None:
    path = prompts_copy / "judge_system.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA lone { brace\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"judge_system\.md: invalid template .*\{\{ and \}\}"):
        render_messages("judge", **JUDGE_VARIABLES)


def test_prompt_version_changes_when_a_prompt_file_changes(prompts_copy: Path) -> None:
    before = prompt_version("judge")
    assert before.startswith("judge@")
    assert len(before) == len("judge@") + 10
    assert prompt_version("judge") == before  # stable while nothing changes

    path = prompts_copy / "judge_user.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nBe brief.\n", encoding="utf-8")
    after_user_edit = prompt_version("judge")
    assert after_user_edit != before

    reask = prompts_copy / "judge_reask.md"
    reask.write_text(reask.read_text(encoding="utf-8") + " Thanks.", encoding="utf-8")
    assert prompt_version("judge") not in (before, after_user_edit)


def test_optional_part_renders_alone() -> None:
    text = load_prompt("judge").text("reask", error="bad JSON", criterion_ids="a, b", mistake_ids="m1")

    assert "bad JSON" in text
    assert "a, b" in text
    assert "m1" in text


def test_importing_judge_does_not_import_sdks() -> None:
    code = (
        "import sys, mockint.judge, mockint.prompts\n"
        "loaded = [m for m in ('openai', 'langchain_core', 'tenacity', 'httpx2') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
