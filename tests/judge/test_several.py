"""Several judges (``--judge-models``) and samples (``--samples``): the vote, stability, failures, cache and requests.

Every judge is the real openai SDK talking to the scripted server of ``tests/fake_openai.py``; the server tells the
judges apart by the ``model`` of each request.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply, answer_from_request, correct_reply, scripted_reply
from typer.testing import CliRunner

from mockint.cli import app
from mockint.judge.several import agreement, plurality, stability
from mockint.models import Rubric
from mockint.rubrics import load_rubrics

runner = CliRunner()

QUESTION = "cnn-explained"


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-several")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubrics().get_rubric(QUESTION)


@pytest.fixture(scope="module")
def strong(examples_dir: Path) -> str:
    for line in (examples_dir / "answers.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == "cnn-strong":
            return str(record["answer"])
    raise AssertionError("examples/answers.jsonl has no cnn-strong")


@pytest.fixture(scope="module")
def examples_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "examples"


def answers_file(tmp_path: Path, answer: str, ids: tuple[str, ...] = ("s1",)) -> Path:
    path = tmp_path / "answers.jsonl"
    lines = [json.dumps({"id": answer_id, "question_id": QUESTION, "answer": answer}) for answer_id in ids]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def grade(path: Path, *options: str) -> tuple[int, list[dict[str, Any]], str]:
    result = runner.invoke(app, ["grade", str(path), "--format", "jsonl", *options])
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, records, result.stderr


def evidence_of(rubric: Rubric, answer: str) -> dict[str, str]:
    """The verified quote of each key point (the correct reply meets every key point of the strong answer)."""
    reply = json.loads(correct_reply(rubric, answer))
    quotes = {item["id"]: item["evidence"] for item in reply["criteria"]}
    assert all(quotes.values()), "the strong answer should meet every key point"
    return quotes


def replies(rubric: Rubric, answer: str) -> dict[str, str]:
    """Three judges that disagree, by model name.

    * a: every key point met, with a verified quote;
    * b: small-filter-slides only partial (same quote), weight-sharing missed;
    * c: weight-sharing missed, hierarchy met with a quote that is not in the answer (unverified).
    """
    quotes = evidence_of(rubric, answer)
    met = {cid: ("met", quote) for cid, quote in quotes.items()}
    b = {**met, "small-filter-slides": ("partial", quotes["small-filter-slides"]), "weight-sharing": ("missed", None)}
    c = {**met, "weight-sharing": ("missed", None), "hierarchy": ("met", "deep layers see whole objects, trust me")}
    return {"a": scripted_reply(rubric, met), "b": scripted_reply(rubric, b), "c": scripted_reply(rubric, c)}


def by_model(table: dict[str, str | FakeReply]) -> Any:
    def handle(body: dict[str, Any]) -> FakeReply | str:
        return table[body["model"]]

    return handle


# -- the arithmetic, by hand -----------------------------------------------------------------------------------


def test_plurality_agreement_and_stability_by_hand() -> None:
    assert plurality(["met", "met", "missed"]) == "met"
    assert plurality(["met", "missed"]) is None  # a tie
    assert plurality(["met", "partial", "missed"]) is None
    assert plurality([]) is None
    assert agreement(["met", "met", "met"]) == 1.0
    assert agreement(["met", "met", "missed"]) == pytest.approx(1 / 3)
    assert agreement(["met", "missed"]) == 0.0  # an even split
    assert agreement(["met", "partial", "missed"]) == 0.0
    assert agreement(["met", "met", "met", "missed"]) == pytest.approx(0.5)
    assert agreement(["met"]) is None
    # (1 + 1/3 + 0) / 3; a key point with one vote does not count
    assert stability([["met"] * 3, ["met", "met", "missed"], ["met", "missed"], ["met"]]) == pytest.approx(
        0.4444, abs=1e-4
    )
    assert stability([["met"]]) is None


def test_a_sample_number_changes_the_fingerprint_and_one_judge_keeps_its_old_one() -> None:
    from mockint.judge import OpenAIJudge

    plain = OpenAIJudge("m", base_url="http://127.0.0.1:9/v1", api_key="k")
    first = OpenAIJudge("m", base_url="http://127.0.0.1:9/v1", api_key="k", temperature=0.7, sample=1)
    second = OpenAIJudge("m", base_url="http://127.0.0.1:9/v1", api_key="k", temperature=0.7, sample=2)
    # The single judge's key is what it always was, so existing caches still hit.
    assert plain.fingerprint()["temperature"] == 0 and isinstance(plain.fingerprint()["temperature"], int)
    assert "sample" not in plain.fingerprint()
    assert first.fingerprint() != second.fingerprint() != plain.fingerprint()
    assert first.request_body("an answer", load_rubrics().get_rubric(QUESTION))["temperature"] == 0.7


# -- three judges through the CLI --------------------------------------------------------------------------------


def test_three_judges_vote_per_key_point_on_verified_verdicts(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rubric: Rubric, strong: str
) -> None:
    table: dict[str, str | FakeReply] = dict(replies(rubric, strong))
    path = answers_file(tmp_path, strong)
    with FakeOpenAI(handler=by_model(table)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, records, stderr = grade(path, "--judge-models", "a,b,c", "--no-cache")
        models = Counter(body["model"] for body in server.bodies)
        # The same judges alone, for their scores; and the reply the vote comes to, for the final one.
        alone = {name: grade(path, "--model", name, "--no-cache")[1][0]["score"] for name in "abc"}
        quotes = evidence_of(rubric, strong)
        expected = {cid: ("met", quote) for cid, quote in quotes.items()} | {"weight-sharing": ("missed", None)}
        table["voted"] = scripted_reply(rubric, expected)
        voted = grade(path, "--model", "voted", "--no-cache")[1][0]
    assert voted["grader"] == "llm"
    assert code == 0, stderr
    assert models == {"a": 1, "b": 1, "c": 1}, "one request per answer per judge"
    (record,) = records
    verdicts = {c["id"]: c["verdict"] for c in record["criteria"]}
    sources = {c["id"]: c["source"] for c in record["criteria"]}
    # small-filter-slides: met, partial, met -> met; weight-sharing: met, missed, missed -> missed;
    # hierarchy: met, met and c's unverified met (not counted) -> met; the other five: met by all three.
    assert verdicts == {cid: "met" for cid in quotes} | {"weight-sharing": "missed"}
    assert set(sources.values()) == {"llm"}
    assert record["grader"] == "llm"
    assert record["model"] == "a,b,c"
    # Stability from what the judges said: five key points unanimous (1 each), hierarchy unanimous too (c said
    # met, unverified), small-filter-slides and weight-sharing two of three (1/3 each): (6 + 2/3) / 8.
    assert record["stability"] == pytest.approx((6 + 2 / 3) / 8, abs=1e-4)
    assert [(j["model"], j["sample"], j["fallback"]) for j in record["judges"]] == [
        ("a", None, None),
        ("b", None, None),
        ("c", None, None),
    ]
    assert [j["score"] for j in record["judges"]] == [alone["a"], alone["b"], alone["c"]]
    assert alone["a"] > alone["b"]
    assert record["score"] == voted["score"]
    assert any(w.startswith("judge c: key point hierarchy:") and "(unverified)" in w for w in record["warnings"])


def test_a_tie_keeps_the_deterministic_verdict(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rubric: Rubric, strong: str
) -> None:
    quotes = evidence_of(rubric, strong)
    met = {cid: ("met", quote) for cid, quote in quotes.items()}
    table: dict[str, str | FakeReply] = {
        "a": scripted_reply(rubric, met),
        "b": scripted_reply(rubric, {**met, "weight-sharing": ("missed", None)}),
    }
    with FakeOpenAI(handler=by_model(table)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, (record,), stderr = grade(answers_file(tmp_path, strong), "--judge-models", "a,b")
        _, (plain,), _ = grade(answers_file(tmp_path, strong), "--no-llm")
    assert code == 0, stderr
    tied = next(c for c in record["criteria"] if c["id"] == "weight-sharing")
    deterministic = next(c for c in plain["criteria"] if c["id"] == "weight-sharing")
    assert tied["source"] == "deterministic" and tied["verdict"] == deterministic["verdict"]
    assert record["grader"] == "hybrid"
    assert any("key point weight-sharing: the judges' verified verdicts tie" in w for w in record["warnings"])
    assert record["stability"] == pytest.approx(7 / 8)


def test_a_failing_judge_is_left_out_and_all_failing_is_a_fallback(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rubric: Rubric, strong: str
) -> None:
    table: dict[str, str | FakeReply] = dict(replies(rubric, strong))
    table["b"] = FakeReply.error(401, "bad key for b")
    path = answers_file(tmp_path, strong)
    with FakeOpenAI(handler=by_model(table)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, (record,), stderr = grade(path, "--judge-models", "a,b,c", "--no-cache")
        table["a"] = table["c"] = table["b"]
        all_code, (fallback,), all_stderr = grade(path, "--judge-models", "a,b,c", "--no-cache")
    assert code == 0, stderr
    assert record["fallback"] is None
    assert [(j["model"], j["fallback"]) for j in record["judges"]] == [("a", None), ("b", "http_401"), ("c", None)]
    assert record["judges"][1]["score"] is None
    assert any(w.startswith("judge b failed (http_401)") and "left out of the vote" in w for w in record["warnings"])
    # a and c: weight-sharing met vs missed is a tie -> deterministic; hierarchy: only a's verified met counts.
    weight_sharing = next(c for c in record["criteria"] if c["id"] == "weight-sharing")
    assert weight_sharing["source"] == "deterministic"
    # Every judge failing: the deterministic grade with the reason, as with one judge.
    assert all_code == 0, all_stderr
    assert fallback["grader"] == "deterministic" and fallback["fallback"] == "http_401"
    assert any("every judge failed" in w for w in fallback["warnings"])
    assert "judges" not in fallback and "stability" not in fallback


def test_samples_are_distinct_requests_at_the_chosen_temperature(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rubric: Rubric, strong: str
) -> None:
    quotes = evidence_of(rubric, strong)
    met = {cid: ("met", quote) for cid, quote in quotes.items()}
    lock = threading.Lock()
    seen: list[float] = []

    def handle(body: dict[str, Any]) -> str:
        with lock:
            seen.append(body["temperature"])
            number = len(seen)
        answer_from_request(body)
        # The second sample misses weight-sharing; the others meet everything.
        return scripted_reply(rubric, {**met, "weight-sharing": ("missed", None)} if number == 2 else met)

    # Two answers with the same text: each sample is sent once and shared by both, never merged across samples.
    path = answers_file(tmp_path, strong, ids=("s1", "s2"))
    with FakeOpenAI(handler=handle) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, records, stderr = grade(path, "--model", "a", "--samples", "3", "-c", "1")
        first = server.chat_count
        again_code, again, _ = grade(path, "--model", "a", "--samples", "3")
        second = server.chat_count
        hot_code, _, _ = grade(path, "--model", "a", "--samples", "3", "--samples-temperature", "1.2", "--no-cache")
    assert code == again_code == hot_code == 0, stderr
    assert first == 3, "three samples, each its own request; the copy of the answer shares them"
    assert seen[:3] == [0.7, 0.7, 0.7]
    assert seen[3:] == [1.2, 1.2, 1.2]
    assert second == first, "the second run answers every sample from the cache"
    for record in records:
        assert [(j["model"], j["sample"]) for j in record["judges"]] == [("a", 1), ("a", 2), ("a", 3)]
        assert record["stability"] == pytest.approx((7 + 1 / 3) / 8, abs=1e-4)
        assert {c["id"]: c["verdict"] for c in record["criteria"]}["weight-sharing"] == "met"
    assert [r["stability"] for r in again] == [r["stability"] for r in records]
    assert "identical request" in stderr and "shared" in stderr


def test_the_cache_works_per_model(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rubric: Rubric, strong: str
) -> None:
    table = replies(rubric, strong)
    path = answers_file(tmp_path, strong)
    with FakeOpenAI(handler=by_model(dict(table))) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        grade(path, "--judge-models", "a,b")
        alone_code, (alone,), alone_stderr = grade(path, "--model", "b")
        after_alone = Counter(body["model"] for body in server.bodies)
        code, (record,), stderr = grade(path, "--judge-models", "a,b,c")
        after = Counter(body["model"] for body in server.bodies)
    assert alone_code == code == 0
    assert after_alone == {"a": 1, "b": 1}, "a single judge reuses the reply cached by the panel"
    assert "cache: 1 hit(s), 0 miss(es)" in alone_stderr
    assert alone["score"] == record["judges"][1]["score"]
    assert after == {"a": 1, "b": 1, "c": 1}, "only the new model is asked"
    assert "cache: 2 hit(s), 1 miss(es)" in stderr


def test_csv_has_a_stability_column(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rubric: Rubric, strong: str
) -> None:
    with FakeOpenAI(handler=by_model(dict(replies(rubric, strong)))) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(
            app, ["grade", str(answers_file(tmp_path, strong)), "-f", "csv", "--judge-models", "a,c"]
        )
    assert result.exit_code == 0, result.stderr
    header, row = list(csv.reader(io.StringIO(result.stdout)))[:2]
    # a and c disagree on weight-sharing only (met against missed: 0); the seven others are unanimous -> 7/8.
    assert dict(zip(header, row, strict=True))["stability"] == "0.8750"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--judge-models", "a,b", "--model", "a"], "--model and --judge-models both choose the judge"),
        (["--judge-models", "a,,b"], "has an empty name"),
        (["--judge-models", "a,b,a"], "names a more than once; to ask one model several times use --samples"),
        (["--samples-temperature", "0.5"], "--samples-temperature sets the temperature of --samples"),
        (["--samples", "3", "--no-llm"], "drop them or --no-llm"),
        (
            ["--judge-models", "a,b", "--batch-api", "-o", "g.jsonl", "--batch-id", "b1"],
            "--batch-id picks up one batch",
        ),
    ],
)
def test_bad_options_are_one_line_errors(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, options: list[str], message: str
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.chdir(tmp_path)
    code, _, stderr = grade(answers_file(tmp_path, "A CNN slides a filter."), *options)
    assert code == 1
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


@pytest.mark.parametrize("options", [["--judge-models", "a,b"], ["--samples", "3"]])
def test_several_judges_without_a_server_is_a_one_line_error(tmp_path: Path, options: list[str]) -> None:
    code, _, stderr = grade(answers_file(tmp_path, "A CNN slides a filter."), *options)
    assert code == 1
    assert f"{options[0]} needs a server: set OPENAI_BASE_URL" in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
