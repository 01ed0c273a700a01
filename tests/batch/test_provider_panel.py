"""Several judges in provider batches: one request file (and batch) per model, custom ids naming the judge, and
an import of all their outputs that grades exactly like the live panel. Offline, against FakeOpenAI."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply, answer_from_request, completion, correct_handler, scripted_reply
from typer.testing import CliRunner

from mockint.batch.provider import state_path
from mockint.cli import app
from mockint.judge import OpenAIJudge
from mockint.rubrics import load_rubrics

runner = CliRunner()


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-panel")


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def panel_handler() -> Any:
    """Judge ``a`` is right about every answer, ``b`` misses everything (a valid reply), ``c`` is ``a`` again."""
    rubrics = load_rubrics()
    right = correct_handler(*rubrics.values())

    def handle(body: dict[str, Any]) -> FakeReply | str:
        if body["model"] == "b":
            question_id, _ = answer_from_request(body)
            return scripted_reply(rubrics.get_rubric(question_id or ""), {})
        return right(body)

    return handle


def play_batch(request_file: Path, output: Path, handler: Any) -> None:
    """Play the batch engine on one request file: each line answered by ``handler``, in reverse order."""
    lines = [
        json.dumps(
            {
                "id": f"batch_req_{line['custom_id']}",
                "custom_id": line["custom_id"],
                "response": {"status_code": 200, "request_id": "r", "body": completion(str(handler(line["body"])))},
                "error": None,
            }
        )
        for line in reversed(jsonl(request_file))
    ]
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_export_writes_one_file_per_model_with_the_judge_in_each_custom_id(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # never called: only bodies are built
    requests = tmp_path / "requests.jsonl"
    result = runner.invoke(app, ["grade", str(examples_file), "--export-batch", str(requests), "--judge-models", "a,b"])
    assert result.exit_code == 0, result.output
    ids = [str(json.loads(line)["id"]) for line in examples_file.read_text(encoding="utf-8").splitlines()]
    rubrics = load_rubrics()
    answers = {str(r["id"]): r for r in jsonl(examples_file)}
    for model in ("a", "b"):
        lines = jsonl(tmp_path / f"requests.{model}.jsonl")
        assert [line["custom_id"] for line in lines] == [f"{i}@{model}" for i in ids]
        judge = OpenAIJudge(model, base_url="http://127.0.0.1:9/v1", api_key="unused")
        for line in lines:
            answer = answers[line["custom_id"].rsplit("@", 1)[0]]
            assert line["body"] == judge.request_body(answer["answer"], rubrics[answer["question_id"]])
        judge.close()
        assert f"wrote 13 request(s) for model {model} to {tmp_path / f'requests.{model}.jsonl'}" in result.stderr
    assert not requests.exists()
    assert "wrote 26 request(s) for model a,b (judge@" in result.stderr and "to 2 file(s)" in result.stderr

    samples = runner.invoke(
        app, ["grade", str(examples_file), "--export-batch", str(requests), "--model", "a", "--samples", "3"]
    )
    assert samples.exit_code == 0, samples.output
    lines = jsonl(tmp_path / "requests.a.jsonl")
    assert [line["custom_id"] for line in lines[:3]] == [f"{ids[0]}@a#s1", f"{ids[0]}@a#s2", f"{ids[0]}@a#s3"]
    assert len(lines) == 39 and {line["body"]["temperature"] for line in lines} == {0.7}
    assert (
        "wrote 39 request(s) for model a (judge@" in samples.stderr
        and f"to {tmp_path / 'requests.a.jsonl'} in" in samples.stderr
    )


def test_two_models_that_would_share_a_file_are_a_one_line_error(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    requests = tmp_path / "r.jsonl"
    result = runner.invoke(
        app, ["grade", str(examples_file), "--export-batch", str(requests), "--judge-models", "org/m,org_m"]
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"mockint: error: --judge-models org/m and org_m would both write {tmp_path / 'r.org_m.jsonl'}; "
        "export them in two runs"
    )


def test_import_of_every_judges_output_equals_live_grading(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    handler = panel_handler()
    requests = tmp_path / "requests.jsonl"
    panel = ["--judge-models", "a,b,c"]
    exported = runner.invoke(app, ["grade", str(examples_file), "--export-batch", str(requests), *panel])
    assert exported.exit_code == 0, exported.output
    outputs = []
    for model in "abc":
        outputs.append(tmp_path / f"out.{model}.jsonl")
        play_batch(tmp_path / f"requests.{model}.jsonl", outputs[-1], handler)
    imported_path = tmp_path / "imported.jsonl"
    options = [opt for output in outputs for opt in ("--import-batch", str(output))]
    result = runner.invoke(app, ["grade", str(examples_file), *panel, *options, "-o", str(imported_path)])
    assert result.exit_code == 0, result.output
    assert "39 batch replies used" in result.stderr
    with FakeOpenAI(handler=handler) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        live = runner.invoke(app, ["grade", str(examples_file), "-f", "jsonl", *panel, "--no-cache"])
    assert live.exit_code == 0, live.output
    imported = jsonl(imported_path)
    assert imported == [json.loads(line) for line in live.stdout.splitlines()]
    assert all([j["model"] for j in g["judges"]] == ["a", "b", "c"] for g in imported)
    # a and c agree against b on every key point b would have met: never unanimous on a strong answer.
    strong = next(g for g in imported if g["id"] == "cnn-strong")
    assert strong["stability"] is not None and strong["stability"] < 1
    assert strong["judges"][0]["score"] > strong["judges"][1]["score"]


def test_a_missing_judge_output_leaves_that_judge_out_with_a_warning(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    requests = tmp_path / "requests.jsonl"
    runner.invoke(app, ["grade", str(examples_file), "--export-batch", str(requests), "--judge-models", "a,b"])
    output = tmp_path / "out.a.jsonl"
    play_batch(tmp_path / "requests.a.jsonl", output, panel_handler())
    result = runner.invoke(
        app, ["grade", str(examples_file), "--judge-models", "a,b", "--import-batch", str(output), "-f", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    grades = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(grades) == 13
    for grade in grades:
        assert [(j["model"], j["fallback"]) for j in grade["judges"]] == [("a", None), ("b", "batch_missing")]
        assert any(f"custom_id '{grade['id']}@b'" in w for w in grade["warnings"]), grade["warnings"]
    # One judge's output with no panel asked for: nothing matches, so every answer is a deterministic fallback.
    alone = runner.invoke(app, ["grade", str(examples_file), "--import-batch", str(output), "-f", "jsonl"])
    assert {json.loads(line)["grader"] for line in alone.stdout.splitlines()} == {"deterministic"}
    assert "13 replies in the batch output match no answer id" in alone.stderr


def test_batch_api_runs_one_batch_per_model_and_resumes_them_all(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(handler=panel_handler(), batch_polls=2) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        args = ["grade", str(examples_file), "--judge-models", "a,b", "--batch-api", "-o", str(out)]
        args += ["--poll-interval", "0.01"]
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        created = [r for r in server.requests if r.method == "POST" and r.path.startswith("/v1/batches")]
        models = [
            {json.loads(line)["body"]["model"] for line in server.file_bytes[r.body["input_file_id"]].splitlines()}
            for r in created
        ]
        out.unlink()
        second = runner.invoke(app, args)
        again = [r for r in server.requests if r.method == "POST" and r.path.startswith("/v1/batches")]
    assert models == [{"a"}, {"b"}], "a batch takes one model"
    assert server.chat_count == 0
    assert second.exit_code == 0, second.output
    assert len(again) == 2, "the re-run picks both batches up"
    assert "picking up batch batch-" in second.stderr
    state = json.loads(state_path(out).read_text(encoding="utf-8"))
    assert state["model"] == "a,b" and [b["model"] for b in state["batches"]] == ["a", "b"]
    assert "requests of model a)" in first.stderr and "requests of model b)" in first.stderr
    grades = jsonl(out)
    assert len(grades) == 13
    assert all([j["model"] for j in g["judges"]] == ["a", "b"] for g in grades)
    assert Counter(j["fallback"] for g in grades for j in g["judges"]) == {None: 26}
