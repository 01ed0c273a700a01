"""Rate-limit storms, hung servers and servers that come back, through the real openai SDK against FakeOpenAI.

Nothing here asserts a duration: costs are counted in requests, and outcomes read from grades, notices and the
breaker's state. Timeouts and pauses are tiny so that the tests take seconds.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply, FaultInjector, Outage, correct_handler, correct_reply
from typer.testing import CliRunner

from mockint.batch import Record, grade_records
from mockint.cli import app
from mockint.errors import JudgeError, RateLimitedError
from mockint.judge import CircuitBreakerJudge, OpenAIJudge
from mockint.judge.circuit import Circuit
from mockint.judge.ratelimit import RequestLimiter
from mockint.models import Answer, Grade
from mockint.rubrics import load_rubrics

runner = CliRunner()
RUBRICS = load_rubrics()
RUBRIC = RUBRICS["cnn-explained"]
TEXT = "A CNN slides a small learned filter over the image; the same weights are used at every position."
GOOD = correct_reply(RUBRIC, TEXT)


def too_many(retry_after: str = "0") -> FakeReply:
    return FakeReply.error(429, "Rate limit reached", headers={"Retry-After": retry_after})


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "2")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-do-not-print")


@pytest.fixture
def judges() -> Iterator[list[OpenAIJudge]]:
    made: list[OpenAIJudge] = []
    yield made
    for judge in made:
        judge.close()


def make_judge(judges: list[OpenAIJudge], server: FakeOpenAI, **options: Any) -> OpenAIJudge:
    settings: dict[str, Any] = {"timeout": 2.0, "max_attempts": 3, "max_retry_wait": 0.05}
    settings.update(options)
    judge = OpenAIJudge("fake-model", base_url=server.base_url, api_key="sk-test-key", **settings)
    judges.append(judge)
    return judge


def answers_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "answers.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"a{i}", "question_id": RUBRIC.id, "answer": f"{TEXT} ({i})"}) + "\n"
            for i in range(count)
        ),
        encoding="utf-8",
    )
    return path


def grades_of(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def records(count: int) -> list[Record]:
    return [
        Record(
            f"x:{i}",
            answer=Answer(id=f"a{i}", question_id=RUBRIC.id, answer=f"{TEXT} ({i})"),
            raw_id=f"a{i}",
            raw_question_id=RUBRIC.id,
        )
        for i in range(count)
    ]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# -- 5. rate limits slow a run; they never lower its grades -------------------------------------------------


def test_80_percent_429_storm_is_graded_by_the_llm_and_keeps_the_breaker_closed(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = answers_file(tmp_path, 30)
    faults = FaultInjector(correct_handler(RUBRIC), rate=0.8, kinds=("429",), seed=3, retry_after="0.01")
    with FakeOpenAI(handler=faults) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(path), "-f", "jsonl", "-c", "4", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert faults.injected["429"] > 60  # a storm indeed: most requests were refused
    grades = grades_of(result.stdout)
    assert [g["grader"] for g in grades] == ["llm"] * 30
    assert not any("LLM judge failed" in str(w) for g in grades for w in g["warnings"])
    assert "LLM judge stopped" not in result.stderr
    assert "graded deterministically after a judge failure" not in result.stderr


def test_429s_spend_no_attempts(judges: list[OpenAIJudge]) -> None:
    with FakeOpenAI([too_many()] * 6 + [GOOD]) as server:
        result = make_judge(judges, server, max_attempts=1).judge(TEXT, RUBRIC)
    assert result.requests == 7
    assert len(server.chat_requests) == 7


def test_other_errors_keep_their_bounded_attempts_between_429s(judges: list[OpenAIJudge]) -> None:
    busy, broken = too_many(), FakeReply.error(503, "overloaded")
    with FakeOpenAI([busy, broken, busy, busy, broken, GOOD]) as server:
        with pytest.raises(JudgeError) as caught:
            make_judge(judges, server, max_attempts=2).judge(TEXT, RUBRIC)
        sent = len(server.chat_requests)
    assert caught.value.reason == "http_503"
    assert not isinstance(caught.value, RateLimitedError)
    assert sent == 5  # two attempts, each after waiting out its 429s


def test_retry_after_is_honoured_for_rate_limits(judges: list[OpenAIJudge]) -> None:
    with FakeOpenAI([too_many("0.3"), GOOD]) as server:
        make_judge(judges, server, max_retry_wait=5.0).judge(TEXT, RUBRIC)
        first, second = server.chat_requests
    assert second.time - first.time >= 0.3


def test_rate_limit_patience_bounds_the_wait(judges: list[OpenAIJudge]) -> None:
    with FakeOpenAI(handler=lambda body: too_many("0.05")) as server:
        judge = make_judge(judges, server, max_attempts=2, rate_limit_patience=0.3)
        with pytest.raises(RateLimitedError) as caught:
            judge.judge(TEXT, RUBRIC)
        sent = len(server.chat_requests)
    assert caught.value.reason == "http_429"
    assert "--rate-limit-patience" in str(caught.value) and "0.3s" in str(caught.value)
    assert sent > 2  # waited out, not counted as attempts
    assert sent < 20


def test_rate_limited_answers_do_not_trip_the_breaker(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = answers_file(tmp_path, 8)
    monkeypatch.setenv("MOCKINT_RATE_LIMIT_PATIENCE", "0.2")
    with FakeOpenAI(handler=lambda body: too_many("0.02")) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(path), "-f", "jsonl", "-c", "2", "--no-cache"])
        asked = {json.dumps(request.body["messages"][-1]) for request in server.chat_requests}
    assert result.exit_code == 0, result.output
    grades = grades_of(result.stdout)
    assert [g["grader"] for g in grades] == ["deterministic"] * 8
    for grade in grades:
        assert any("http_429" in str(w) and "still rate limiting" in str(w) for w in grade["warnings"])
    assert len(asked) == 8  # every answer was tried: the breaker never opened
    assert "LLM judge stopped" not in result.stderr


def test_patience_flag_overrides_the_environment(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = answers_file(tmp_path, 1)
    monkeypatch.setenv("MOCKINT_RATE_LIMIT_PATIENCE", "600")
    with FakeOpenAI(handler=lambda body: too_many("0.02")) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(path), "-f", "jsonl", "--no-cache", "--rate-limit-patience", "0.1"])
    assert result.exit_code == 0, result.output
    (grade,) = grades_of(result.stdout)
    assert grade["grader"] == "deterministic"
    assert any("(now 0.1s)" in str(w) for w in grade["warnings"])


def test_concurrency_goes_down_under_a_429_storm_and_back_up_after(judges: list[OpenAIJudge]) -> None:
    after_storm = {"peak": 0}
    lock = threading.Lock()
    server_box: list[FakeOpenAI] = []
    grade_ok = correct_handler(RUBRIC)

    def served(body: dict[str, Any]) -> FakeReply | str:
        with lock:
            after_storm["peak"] = max(after_storm["peak"], server_box[0].in_flight)
        reply = grade_ok(body)
        return FakeReply.ok(reply, delay=0.03) if isinstance(reply, str) else reply

    storm = Outage(served, too_many("0.01"), requests=40)
    limiter = RequestLimiter(max_in_flight=4)
    out: list[Grade] = []
    with FakeOpenAI(handler=storm) as server:
        server_box.append(server)
        judge = make_judge(judges, server, limiter=limiter)
        grade_records(records(60), RUBRICS, CircuitBreakerJudge(judge), out.append, workers=6)
    assert storm.failed == 40
    assert [g.grader for g in out] == ["llm"] * 60
    assert limiter.rate_limited_requests == 40
    assert limiter.lowest_concurrency == 1  # down under the storm
    assert limiter.concurrency == 4  # and back up after it
    assert after_storm["peak"] == 4


def test_limiter_halves_once_per_round_and_adds_one_per_round_of_successes() -> None:
    limiter = RequestLimiter(max_in_flight=8)
    slots = [limiter.request() for _ in range(3)]
    opened = [slot.__enter__() for slot in slots]  # three requests sent in the same round
    for slot in opened:
        slot.rate_limited()
    for manager in slots:
        manager.__exit__(None, None, None)
    assert limiter.concurrency == 4  # one cut for the round, not three
    with limiter.request() as slot:
        slot.rate_limited()
    assert limiter.concurrency == 2
    assert limiter.rate_limited_for() >= 0
    for expected in (2, 3):  # two successes lift 2 to 3, then three lift 3 to 4
        for _ in range(expected):
            with limiter.request():
                pass
        assert limiter.concurrency == expected + 1
    assert limiter.rate_limited_for() == 0
    assert limiter.lowest_concurrency == 2


# -- 6. the breaker: a hung server costs about one timeout; a server that comes back is used again ----------


def test_hung_server_costs_one_round_of_requests_once_the_breaker_opens(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = answers_file(tmp_path, 20)
    monkeypatch.setenv("MOCKINT_TIMEOUT", "0.3")  # default MOCKINT_MAX_ATTEMPTS (4)
    with FakeOpenAI(handler=lambda body: FakeReply.ok("{}", delay=30)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(path), "-f", "jsonl", "-c", "4", "--no-cache"])
        sent = server.chat_count
    assert result.exit_code == 0, result.output
    grades = grades_of(result.stdout)
    assert [g["grader"] for g in grades] == ["deterministic"] * 20
    assert all(any("LLM judge failed" in str(w) for w in g["warnings"]) for g in grades)
    # The four requests in flight time out together; none of them is retried and nothing new is sent.
    assert sent <= 4
    assert result.stderr.count("LLM judge stopped") == 1
    assert "3 requests in a row got no response" in result.stderr


def test_in_flight_answers_stop_retrying_when_the_breaker_opens(judges: list[OpenAIJudge]) -> None:
    circuit = Circuit(cooldown=None)
    with FakeOpenAI(handler=lambda body: FakeReply.error(503, "down")) as server:
        # Long backoffs: each answer is asleep before its second attempt when the breaker opens.
        judge = make_judge(judges, server, max_attempts=4, max_retry_wait=30.0, circuit=circuit)
        breaker = CircuitBreakerJudge(judge, circuit=circuit)
        errors: list[JudgeError] = []

        def grade_one() -> None:
            try:
                breaker.judge(TEXT, RUBRIC)
            except JudgeError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=grade_one) for _ in range(4)]
        for thread in threads:
            thread.start()
        for _ in range(500):
            if server.chat_count == 4:
                break
            threading.Event().wait(0.01)
        # Other workers' answers failing open it (here from outside, at once).
        for _ in range(3):
            circuit.answer_failed("http_503: down", probe=False)
        for thread in threads:
            thread.join(timeout=30)
        sent = server.chat_count
    assert not any(thread.is_alive() for thread in threads)
    assert sent == 4  # the first attempts; not one retry
    # An answer asleep in its backoff ends as "circuit_open"; one whose 503 was still on the wire when the
    # breaker opened ends with that 503, and does not retry either.
    assert len(errors) == 4
    assert {error.reason for error in errors} <= {"circuit_open", "http_503"}


def test_breaker_half_opens_after_the_cool_down_and_a_recovered_server_is_used_again(
    judges: list[OpenAIJudge],
) -> None:
    clock = FakeClock()
    circuit = Circuit(cooldown=30, clock=clock)
    outage = Outage(correct_handler(RUBRIC), FakeReply.error(503, "down"), requests=3)
    with FakeOpenAI(handler=outage) as server:
        judge = make_judge(judges, server, max_attempts=1, circuit=circuit)
        breaker = CircuitBreakerJudge(judge, circuit=circuit)
        for _ in range(3):
            with pytest.raises(JudgeError):
                breaker.judge(TEXT, RUBRIC)
        assert breaker.is_open and circuit.state == "open"
        with pytest.raises(JudgeError) as refused:
            breaker.judge(TEXT, RUBRIC)
        assert refused.value.reason == "circuit_open"
        assert len(server.chat_requests) == 3  # refused without a request
        clock.now += 30
        result = breaker.judge(TEXT, RUBRIC)  # the probe
        assert len(server.chat_requests) == 4
        assert circuit.state == "closed" and circuit.recoveries == 1 and not breaker.is_open
        breaker.judge(TEXT, RUBRIC)
        assert len(server.chat_requests) == 5
    assert result.requests == 1


def test_failed_probe_sends_one_request_and_doubles_the_cool_down(judges: list[OpenAIJudge]) -> None:
    clock = FakeClock()
    circuit = Circuit(cooldown=30, clock=clock)
    with FakeOpenAI(handler=lambda body: FakeReply.error(503, "still down")) as server:
        judge = make_judge(judges, server, max_attempts=3, circuit=circuit)
        breaker = CircuitBreakerJudge(judge, circuit=circuit)
        for _ in range(3):
            with pytest.raises(JudgeError):
                breaker.judge(TEXT, RUBRIC)
        before = len(server.chat_requests)
        clock.now += 30
        with pytest.raises(JudgeError) as probe:
            breaker.judge(TEXT, RUBRIC)
        assert probe.value.reason == "http_503"
        assert len(server.chat_requests) == before + 1  # one probe request, no retries
        assert circuit.state == "open" and circuit.probes == 1
        clock.now += 30
        with pytest.raises(JudgeError) as early:
            breaker.judge(TEXT, RUBRIC)
        assert early.value.reason == "circuit_open"  # the cool-down is now 60 s
        clock.now += 30
        with pytest.raises(JudgeError):
            breaker.judge(TEXT, RUBRIC)
        assert circuit.probes == 2
        assert len(server.chat_requests) == before + 2


def test_a_server_that_comes_back_is_used_again_in_the_batch(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = answers_file(tmp_path, 10)
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("MOCKINT_BREAKER_COOLDOWN", "0")  # the cool-down itself is timed with a fake clock above
    outage = Outage(correct_handler(RUBRIC), FakeReply.error(503, "maintenance"), requests=3)
    with FakeOpenAI(handler=outage) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(path), "-f", "jsonl", "-c", "1", "--no-cache"])
    assert result.exit_code == 0, result.output
    graders = [g["grader"] for g in grades_of(result.stdout)]
    # -c 1 still runs spare workers beside the one request in flight: a few answers may be refused while the
    # probe is out, but every answer after it is graded by the LLM again.
    assert graders[0] == "deterministic" and graders[-1] == "llm"
    assert graders.count("llm") >= 5
    assert outage.failed == 3
    assert result.stderr.count("LLM judge stopped") == 1
    assert result.stderr.count("the LLM judge answers again") == 1


def test_hung_probe_costs_one_request(judges: list[OpenAIJudge]) -> None:
    clock = FakeClock()
    circuit = Circuit(cooldown=5, clock=clock)
    with FakeOpenAI(handler=lambda body: FakeReply.ok("{}", delay=30)) as server:
        judge = make_judge(judges, server, timeout=0.2, max_attempts=4, circuit=circuit)
        breaker = CircuitBreakerJudge(judge, circuit=circuit)
        while circuit.state == "closed":
            with pytest.raises(JudgeError):
                breaker.judge(TEXT, RUBRIC)
        before = server.chat_count
        assert before == 3  # three requests in a row without a response (over two answers)
        clock.now += 5
        with pytest.raises(JudgeError) as probe:
            breaker.judge(TEXT, RUBRIC)
        assert probe.value.reason == "timeout"
        assert server.chat_count == before + 1
        assert circuit.state == "open"


# -- settings -----------------------------------------------------------------------------------------------


def test_patience_and_cool_down_settings(tmp_path: Path) -> None:
    from mockint import config
    from mockint.errors import ConfigError
    from mockint.judge import circuit, transport

    home = {"MOCKINT_HOME": str(tmp_path)}
    defaults = config.load_settings(env=home)
    assert defaults.rate_limit_patience == transport.DEFAULT_RATE_LIMIT_PATIENCE == 300
    assert defaults.breaker_cooldown == circuit.DEFAULT_COOLDOWN == 30
    chosen = config.load_settings(env={**home, "MOCKINT_RATE_LIMIT_PATIENCE": "0", "MOCKINT_BREAKER_COOLDOWN": "2.5"})
    assert (chosen.rate_limit_patience, chosen.breaker_cooldown) == (0, 2.5)
    flag = config.load_settings(rate_limit_patience=7, env={**home, "MOCKINT_RATE_LIMIT_PATIENCE": "600"})
    assert flag.rate_limit_patience == 7
    for name in ("MOCKINT_RATE_LIMIT_PATIENCE", "MOCKINT_BREAKER_COOLDOWN"):
        for bad in ("soon", "-1", "nan", "inf"):
            with pytest.raises(ConfigError, match=name):
                config.load_settings(env={**home, name: bad})


def test_help_documents_the_patience_and_its_default() -> None:
    result = runner.invoke(app, ["grade", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "--rate-limit-patience" in text
    assert "MOCKINT_RATE_LIMIT_PATIENCE or 300" in text
    assert "$MOCKINT_BREAKER_COOLDOWN seconds (default 30)" in text
