"""What really graded an interview: the records and the screen say it, and a given-up judge is not waited on."""

from __future__ import annotations

import json
import socket
from typing import Any

from fake_openai import FakeOpenAI, FakeReply
from test_session_llm import ANSWER, REPLY, judge_like_the_checks, kind
from typer.testing import CliRunner

from mockint.cli import app

runner = CliRunner()
GENAI = (
    "GenAI tools are useful for boilerplate, tests and refactors. They hallucinate APIs. "
    "Verification is non-negotiable: review the diff and run the tests."
)


def dead_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def show(fmt: str = "json") -> Any:
    result = runner.invoke(app, ["history", "show", "last", "--format", fmt])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if fmt == "json" else result.stdout


def test_a_dead_judge_server_is_recorded_as_deterministic_grading() -> None:
    env = {"OPENAI_BASE_URL": f"http://127.0.0.1:{dead_port()}/v1", "MOCKINT_MAX_ATTEMPTS": "1"}
    result = runner.invoke(
        app,
        ["interview", "-q", "cnn-explained", "-q", "genai-tools", "--followup"],
        input=f"{ANSWER}\n.\n{REPLY}\n.\n{GENAI}\n.\n/skip\n",
        env=env,
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    # said once, when it happens: what grades the rest of the session
    warnings = [line for line in out.splitlines() if line.startswith("! ")]
    assert len(warnings) == 1, warnings
    assert "(connection)" in warnings[0] and "deterministic checks for the rest of the session" in warnings[0]
    assert "Graded by: deterministic checks (the LLM judge gpt-4o-mini was configured but graded nothing)" in out
    session = show()
    assert session["grader"] == "deterministic" and session["model"] is None
    assert session["configured"] == {"grader": "llm", "model": "gpt-4o-mini"}
    assert [a["grader"] for a in session["answers"]] == ["deterministic", "deterministic"]
    # answers after the judge was given up say why they were graded without it
    later = session["answers"][1]["grade"]["warnings"]
    assert any("LLM judge not asked: given up earlier in this session (connection)" in w for w in later)
    markdown = show("md")
    assert "- **Graded by:** deterministic checks (the LLM judge gpt-4o-mini was configured but graded nothing)" in (
        markdown
    )
    assert "LLM judge (gpt-4o-mini)" not in markdown
    listed = json.loads(runner.invoke(app, ["history", "--format", "json"]).stdout)
    assert listed[0]["grader"] == "deterministic" and listed[0]["model"] is None
    table = runner.invoke(app, ["history"], env={"COLUMNS": "200"}).stdout
    assert "LLM" not in table


def test_after_the_judge_is_given_up_nothing_waits_on_it() -> None:
    with FakeOpenAI(handler=lambda body: FakeReply.error(503, "overloaded")) as server:
        result = runner.invoke(
            app,
            ["interview", "-q", "cnn-explained", "-q", "genai-tools", "--followup"],
            input=f"{ANSWER}\n.\n{REPLY}\n.\n{GENAI}\n.\n/skip\n",
            env={"OPENAI_BASE_URL": server.base_url, "MOCKINT_MODEL": "fake-model", "MOCKINT_MAX_ATTEMPTS": "2"},
        )
        bodies = server.bodies
    assert result.exit_code == 0, result.output
    # the first answer's two attempts, then nothing: no follow-up writing, no grading of the reply or answer 2
    assert [kind(b) for b in bodies] == ["judge_reply", "judge_reply"]
    assert result.stdout.count("Follow-up: ") == 2  # template follow-ups, asked at once


def test_a_session_the_judge_graded_only_in_part_says_so() -> None:
    replies: list[FakeReply | str] = []

    def handle(body: dict[str, Any]) -> FakeReply | str:
        replies.append(body)  # type: ignore[arg-type]
        return judge_like_the_checks(body) if len(replies) == 1 else FakeReply.error(500, "broken")

    with FakeOpenAI(handler=handle) as server:
        result = runner.invoke(
            app,
            ["interview", "-q", "cnn-explained", "-q", "genai-tools", "--no-followup"],
            input=f"{ANSWER}\n.\n{GENAI}\n.\n",
            env={"OPENAI_BASE_URL": server.base_url, "MOCKINT_MODEL": "fake-model", "MOCKINT_MAX_ATTEMPTS": "1"},
        )
    assert result.exit_code == 0, result.output
    label = "LLM judge (fake-model) for 1 of 2 graded answers, deterministic checks for the rest"
    assert f"Graded by: {label}" in result.stdout
    (warning,) = [line for line in result.stdout.splitlines() if line.startswith("! ")]
    assert warning.endswith("(http_500); grading with deterministic checks for the rest of the session")
    session = show()
    assert session["grader"] == "hybrid" and session["model"] == "fake-model"
    assert [a["grader"] for a in session["answers"]] == ["llm", "deterministic"]
    assert f"- **Graded by:** {label}" in show("md")
