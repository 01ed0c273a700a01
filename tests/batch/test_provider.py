"""Provider batch engines: --export-batch, --import-batch and --batch-api, offline against FakeOpenAI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply, completion, correct_handler, correct_reply
from typer.testing import CliRunner

from mockint.batch.provider import BatchOutput, state_path
from mockint.cli import app
from mockint.judge import OpenAIJudge
from mockint.rubrics import load_rubrics

runner = CliRunner()


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-batch")


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def inputs(examples_file: Path) -> list[dict[str, Any]]:
    return jsonl(examples_file)


def output_line(custom_id: str, body: Any, status: int = 200, error: Any = None) -> str:
    response = None if error else {"status_code": status, "request_id": "req", "body": body}
    return json.dumps({"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": response, "error": error})


def test_export_is_exactly_the_live_request(examples_file: Path, tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    result = runner.invoke(app, ["grade", str(examples_file), "--export-batch", str(requests), "--model", "m1"])
    assert result.exit_code == 1  # --model needs a server, as for live grading
    result = runner.invoke(app, ["grade", str(examples_file), "--export-batch", str(requests)])
    assert result.exit_code == 0, result.output
    lines = jsonl(requests)
    answers = inputs(examples_file)
    assert [line["custom_id"] for line in lines] == [str(a["id"]) for a in answers]
    assert all(line["method"] == "POST" and line["url"] == "/v1/chat/completions" for line in lines)
    rubrics = load_rubrics()
    judge = OpenAIJudge("gpt-4o-mini", base_url=None, api_key="unused")
    for line, answer in zip(lines, answers, strict=True):
        assert line["body"] == judge.request_body(answer["answer"], rubrics[answer["question_id"]])
        assert line["body"]["response_format"]["type"] == "json_schema"
    judge.close()
    assert f"wrote {len(lines)} request(s) for model gpt-4o-mini" in result.stderr
    assert not requests.with_name("requests.jsonl.part").exists()


def test_live_request_is_the_exported_body(llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rubric = load_rubrics()["cnn-explained"]
    answers = tmp_path / "a.jsonl"
    answers.write_text(
        json.dumps({"id": "x", "question_id": rubric.id, "answer": "A CNN slides a small filter."}) + "\n",
        encoding="utf-8",
    )
    exported = tmp_path / "requests.jsonl"
    runner.invoke(app, ["grade", str(answers), "--export-batch", str(exported)])
    with FakeOpenAI(handler=correct_handler(rubric)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(answers), "-f", "jsonl"])
        sent = server.chat_requests[0].body
    assert result.exit_code == 0, result.output
    assert sent == jsonl(exported)[0]["body"]


def test_export_with_bad_lines_reports_them(tmp_path: Path) -> None:
    answers = tmp_path / "a.jsonl"
    answers.write_text(
        '{"id": "1", "question_id": "cnn-explained", "answer": "filters"}\n{"id": "2"\n'
        '{"id": "3", "question_id": "nope", "answer": "x"}\n',
        encoding="utf-8",
    )
    requests = tmp_path / "r.jsonl"
    result = runner.invoke(app, ["grade", str(answers), "--export-batch", str(requests)])
    assert result.exit_code == 1
    assert [line["custom_id"] for line in jsonl(requests)] == ["1"]
    assert f"{answers}:2: invalid JSON" in result.stderr
    assert f"{answers}:3: question_id: unknown question id 'nope'" in result.stderr


def test_import_round_trip_equals_live_grading(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    rubrics = load_rubrics()
    requests = tmp_path / "requests.jsonl"
    runner.invoke(app, ["grade", str(examples_file), "--export-batch", str(requests)])
    # Play the batch engine: answer each request line with the handler, in reverse order (the Batch API does
    # not promise input order).
    handler = correct_handler(*rubrics.values())
    output = tmp_path / "output.jsonl"
    lines = [
        output_line(line["custom_id"], completion(str(handler(line["body"])), model="gpt-4o-mini-2024-07-18"))
        for line in reversed(jsonl(requests))
    ]
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported_path = tmp_path / "imported.jsonl"
    result = runner.invoke(app, ["grade", str(examples_file), "--import-batch", str(output), "-o", str(imported_path)])
    assert result.exit_code == 0, result.output
    with FakeOpenAI(handler=handler) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        live = runner.invoke(app, ["grade", str(examples_file), "-f", "jsonl", "--model", "gpt-4o-mini-2024-07-18"])
    imported = jsonl(imported_path)
    assert [g["id"] for g in imported] == [str(a["id"]) for a in inputs(examples_file)]
    assert imported == [json.loads(line) for line in live.stdout.splitlines()]
    assert all(g["grader"] == "llm" and g["model"] == "gpt-4o-mini-2024-07-18" for g in imported)


def test_import_falls_back_per_answer_with_reasons(llm_env: None, tmp_path: Path) -> None:
    rubric = load_rubrics()["cnn-explained"]
    text = "A CNN slides a small learned filter over the image."
    answers = tmp_path / "a.jsonl"
    ids = ["ok", "invalid", "truncated", "http", "failed", "missing", "torn", "refused"]
    answers.write_text(
        "".join(json.dumps({"id": i, "question_id": rubric.id, "answer": text}) + "\n" for i in ids),
        encoding="utf-8",
    )
    good = correct_reply(rubric, text)
    refused = completion(None)
    refused["choices"][0]["message"]["refusal"] = "no"
    output = tmp_path / "output.jsonl"
    output.write_text(
        "\n".join(
            [
                output_line("ok", completion(good)),
                output_line("invalid", completion("I think it is fine.")),
                output_line("truncated", completion(good[: len(good) // 2])),
                output_line("http", {"error": {"message": "overloaded"}}, status=500),
                output_line("failed", None, error={"code": "batch_expired", "message": "not run in time"}),
                '{"id": "batch_req_torn", "custom_id": "torn", "response": {"status_co',
                output_line("refused", refused),
                output_line("stranger", completion(good)),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "grades.jsonl"
    result = runner.invoke(app, ["grade", str(answers), "--import-batch", str(output), "-o", str(out)])
    assert result.exit_code == 1  # the unreadable output line is an error; every answer still has a grade
    grades = {g["id"]: g for g in jsonl(out)}
    assert list(grades) == ids
    assert grades["ok"]["grader"] == "llm"
    expected = {
        "invalid": f"LLM judge failed (invalid_reply): {output}:2: invalid judge reply",
        "truncated": f"LLM judge failed (invalid_reply): {output}:3: invalid judge reply",
        "http": f"LLM judge failed (http_500): {output}:4: the request got HTTP 500: overloaded",
        "failed": f"LLM judge failed (batch_error): {output}:5: the batch request failed (not run in time)",
        "missing": "LLM judge failed (batch_missing): no reply for this answer in the batch output",
        "torn": "LLM judge failed (batch_missing): no reply for this answer in the batch output",
        "refused": f"LLM judge failed (refusal): {output}:7: the model refused to grade the answer: no",
    }
    for answer_id, start in expected.items():
        grade = grades[answer_id]
        assert grade["grader"] == "deterministic" and grade["error"] is None
        assert any(str(w).startswith(start) for w in grade["warnings"]), (answer_id, grade["warnings"])
    assert f"mockint: error: {output}:6: not a JSON line (cut off or edited?)" in result.stderr
    assert "1 reply in the batch output matches no answer id" in result.stderr
    assert "; 1 batch reply used" in result.stderr
    assert "(ies)" not in result.stderr
    assert "Traceback" not in result.output


def test_an_import_that_uses_no_reply_says_so_in_words(llm_env: None, tmp_path: Path) -> None:
    rubric = load_rubrics()["cnn-explained"]
    text = "A CNN slides a small learned filter over the image."
    answers = tmp_path / "a.jsonl"
    answers.write_text(json.dumps({"id": "a1", "question_id": rubric.id, "answer": text}) + "\n", encoding="utf-8")
    output = tmp_path / "output.jsonl"
    good = completion(correct_reply(rubric, text))
    output.write_text(output_line("x1", good) + "\n" + output_line("x2", good) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["grade", str(answers), "--import-batch", str(output), "-o", str(tmp_path / "g.jsonl")])
    assert result.exit_code == 0, result.output
    assert "; no batch replies used" in result.stderr
    assert "2 replies in the batch output match no answer id" in result.stderr
    assert "0 batch" not in result.stderr and "(ies)" not in result.stderr


def test_batch_output_index_prefers_the_success_of_a_repeated_id(tmp_path: Path) -> None:
    output = tmp_path / "o.jsonl"
    output.write_text(
        output_line("a", None, error={"message": "first try failed"})
        + "\n"
        + output_line("a", completion("{}"))
        + "\n"
        + output_line("a", None, error={"message": "late failure"})
        + "\n",
        encoding="utf-8",
    )
    with BatchOutput([output]) as index:
        found = index.line("a")
        assert index.duplicates == 2 and len(index) == 1
    assert found is not None and found[0] == f"{output}:2"


def test_batch_api_end_to_end_and_resume_by_state(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    rubrics = load_rubrics()
    out = tmp_path / "grades.jsonl"
    report = tmp_path / "report.md"
    with FakeOpenAI(handler=correct_handler(*rubrics.values()), batch_polls=3) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        args = ["grade", str(examples_file), "--batch-api", "-o", str(out), "--poll-interval", "0.01"]
        first = runner.invoke(app, [*args, "--report", str(report)])
        assert first.exit_code == 0, first.output
        created = [r for r in server.requests if r.method == "POST" and r.path.startswith("/v1/batches")]
        assert len(created) == 1 and server.chat_count == 0  # no live request
        uploaded = server.file_bytes[created[0].body["input_file_id"]].decode("utf-8")
        exported = (tmp_path / "grades.jsonl.batch-input-1.jsonl").read_text(encoding="utf-8")
        assert uploaded == exported
        # Run again: the state file makes it pick the batch up instead of paying for a new one.
        out.unlink()
        second = runner.invoke(app, args)
        created_again = [r for r in server.requests if r.method == "POST" and r.path.startswith("/v1/batches")]
    assert second.exit_code == 0, second.output
    assert len(created_again) == 1
    assert "picking up batch batch-" in second.stderr
    grades = jsonl(out)
    assert [g["id"] for g in grades] == [str(a["id"]) for a in inputs(examples_file)]
    assert all(g["grader"] == "llm" for g in grades)
    assert "batch batch-" in first.stderr and "completed 13/13" in first.stderr
    state = json.loads(state_path(out).read_text(encoding="utf-8"))
    assert state["batches"][0]["batch_id"].startswith("batch-")
    text = report.read_text(encoding="utf-8")
    assert "1,950 (1,300 input, 650 output); 13 batch replies imported" in text
    assert "Estimated cost: unknown (no price known for fake-model" in text


def test_batch_api_after_a_kill_between_create_and_save(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    rubrics = load_rubrics()
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(handler=correct_handler(*rubrics.values())) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        args = ["grade", str(examples_file), "--batch-api", "-o", str(out), "--poll-interval", "0.01"]
        assert runner.invoke(app, args).exit_code == 0
        # Forget the batch id, as if the run had been killed right after creating the batch.
        path = state_path(out)
        state = json.loads(path.read_text(encoding="utf-8"))
        state["batches"][0]["batch_id"] = None
        path.write_text(json.dumps(state), encoding="utf-8")
        again = runner.invoke(app, args)
        created = [r for r in server.requests if r.method == "POST" and r.path.startswith("/v1/batches")]
    assert again.exit_code == 0, again.output
    assert len(created) == 1, "the batch was found by its input file, not submitted twice"


def test_batch_id_option_and_failed_batch(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    rubrics = load_rubrics()
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(handler=correct_handler(*rubrics.values()), batch_outcome="failed") as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        args = ["grade", str(examples_file), "--batch-api", "-o", str(out), "--poll-interval", "0.01"]
        failed = runner.invoke(app, args)
        batch_id = next(iter(server.batches))
        server.batch_outcome = "completed"
        server.batches[batch_id]["status"] = "in_progress"  # let the fake run it after all
        picked = runner.invoke(app, [*args, "--batch-id", batch_id])
    assert failed.exit_code == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        f"mockint: error: batch {batch_id} failed (line 1: FakeOpenAI: told to fail); fix the cause, delete "
        f"{state_path(out)} and run again to resubmit"
    )
    assert picked.exit_code == 0, picked.output
    assert len(jsonl(out)) == len(inputs(examples_file))


def test_expired_batch_imports_what_finished(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, examples_file: Path, tmp_path: Path
) -> None:
    rubrics = load_rubrics()
    out = tmp_path / "grades.jsonl"
    with FakeOpenAI(
        [FakeReply.error(500, "one failed request")],
        handler=correct_handler(*rubrics.values()),
        batch_outcome="expired",
    ) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(
            app, ["grade", str(examples_file), "--batch-api", "-o", str(out), "--poll-interval", "0.01"]
        )
    assert result.exit_code == 0, result.output
    assert "expired; importing the 5 replies it finished" in result.stderr
    grades = jsonl(out)
    graders = [g["grader"] for g in grades]
    assert len(grades) == 13 and graders.count("llm") == 5 and graders.count("deterministic") == 8
    # the failed request came back in the error file, with its status
    assert any("(http_500)" in str(w) for g in grades for w in g["warnings"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--export-batch", "r.jsonl", "--out", "g.jsonl"], "--export-batch only writes the request file; drop --out"),
        (["--import-batch", "o.jsonl", "--batch-api"], "--import-batch and --batch-api are two ways"),
        (["--batch-id", "b1"], "--batch-id picks up a provider batch; add --batch-api"),
        (["--batch-api"], "--batch-api needs --out FILE.jsonl"),
        (["--import-batch", "o.jsonl", "--no-llm"], "--import-batch uses the LLM's batch replies; drop --no-llm"),
        (["--report", "r.pdf"], "r.pdf: the report must be a .md or .html file"),
        (["--price-in", "1"], "give both --price-in and --price-out"),
    ],
)
def test_contradictory_options_are_one_line_errors(
    examples_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["grade", str(examples_file), *args])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mockint: error: {message}")


def test_batch_api_without_a_server_is_a_config_error(examples_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["grade", str(examples_file), "--batch-api", "-o", str(tmp_path / "g.jsonl")])
    assert result.exit_code == 1
    assert "--batch-api needs a server: no LLM configured" in result.stderr


def test_import_of_a_missing_file(examples_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    result = runner.invoke(app, ["grade", str(examples_file), "--import-batch", str(missing)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"mockint: error: {missing}: no such file; pass the Batch API output file (.jsonl)"
