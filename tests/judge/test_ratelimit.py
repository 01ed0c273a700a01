"""Limits on judge requests: token buckets (fake clock), rpm spacing and Retry-After over real HTTP."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, FakeReply, correct_handler
from typer.testing import CliRunner

from mockint.cli import app
from mockint.judge.ratelimit import RequestLimiter, TokenBucket, estimate_tokens
from mockint.rubrics import load_rubrics

runner = CliRunner()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_refills_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock)  # one per second, holds one
    assert bucket.capacity == 1
    assert bucket.wait_time(1) == 0
    bucket.take(1)
    assert bucket.wait_time(1) == pytest.approx(1.0)
    clock.now += 0.25
    assert bucket.wait_time(1) == pytest.approx(0.75)
    clock.now += 10  # never holds more than its capacity
    assert bucket.wait_time(1) == 0
    bucket.take(1)
    assert bucket.wait_time(1) == pytest.approx(1.0)


def test_an_oversized_take_waits_for_a_full_bucket_then_goes_into_debt() -> None:
    clock = FakeClock()
    bucket = TokenBucket(6000, clock=clock)  # 100 tokens per second, holds 100
    assert bucket.capacity == 100
    assert bucket.wait_time(500) == 0  # full: may go
    bucket.take(500)  # now -400: the next take waits for the debt to be repaid
    assert bucket.wait_time(10) == pytest.approx(4.1)
    bucket.give(300)  # the request used 300 tokens fewer than estimated
    assert bucket.wait_time(10) == pytest.approx(1.1)


def test_limiter_spaces_requests_by_rpm_and_tpm() -> None:
    clock = FakeClock()
    # 120 rpm = 2 requests per second; the bucket holds one second's worth (OpenAI enforces per-minute limits
    # in such slices), so two go at once, then one every 0.5 s.
    limiter = RequestLimiter(rpm=120, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(4):
        with limiter.request():
            starts.append(clock.now)
    assert starts == pytest.approx([0.0, 0.0, 0.5, 1.0])
    # 6000 tpm = 100 tokens per second: requests of 100 estimated tokens go one per second ...
    limiter = RequestLimiter(tpm=6000, clock=clock, sleep=clock.sleep)
    starts.clear()
    for _ in range(3):
        with limiter.request(estimated_tokens=100):
            starts.append(clock.now)
    assert [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)] == pytest.approx([1.0, 1.0])
    # ... unless the server reports that they used fewer: the difference is given back.
    with limiter.request(estimated_tokens=100) as slot:
        slot.used(20)
    before = clock.now
    with limiter.request(estimated_tokens=80):
        assert clock.now == pytest.approx(before)


def test_limiter_shares_a_retry_after_pause() -> None:
    clock = FakeClock()
    limiter = RequestLimiter(max_in_flight=2, clock=clock, sleep=clock.sleep)
    limiter.hold_off(3.0)
    limiter.hold_off(1.0)  # a shorter pause does not cut the longer one short
    with limiter.request():
        assert clock.now == pytest.approx(3.0)


def test_limiter_caps_requests_in_flight() -> None:
    limiter = RequestLimiter(max_in_flight=2)
    release = threading.Event()
    entered: list[int] = []

    def hold(number: int) -> None:
        with limiter.request():
            entered.append(number)
            release.wait(5)

    threads = [threading.Thread(target=hold, args=(number,)) for number in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(100):
        if len(entered) == 2:
            break
        release.wait(0.01)
    release.wait(0.1)  # give the third thread time to (wrongly) get in
    assert len(entered) == 2 and limiter.in_flight == 2
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(entered) == 3
    assert limiter.peak_in_flight == 2 and limiter.in_flight == 0


def test_estimate_tokens() -> None:
    assert estimate_tokens(4000, 300) == 1300
    assert estimate_tokens(0, 0) == 1


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "fake-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


def answers_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "answers.jsonl"
    text = "A CNN slides a small learned filter over the image; the weights are shared."
    path.write_text(
        "".join(
            json.dumps({"id": f"a{i}", "question_id": "cnn-explained", "answer": f"{text} ({i})"}) + "\n"
            for i in range(count)
        ),
        encoding="utf-8",
    )
    return path


def test_low_rpm_spaces_requests_from_the_cli(llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = answers_file(tmp_path, 4)
    with FakeOpenAI(handler=correct_handler(load_rubrics()["cnn-explained"])) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(path), "-f", "jsonl", "-c", "4", "--rpm", "120", "--no-cache"])
        times = [request.time for request in server.chat_requests]
    assert result.exit_code == 0, result.output
    assert len(times) == 4
    # 120 rpm: two at once, then one every 0.5 s, although 4 may be in flight (without --rpm all 4 start together).
    assert times[2] - times[1] > 0.35 and times[3] - times[2] > 0.35
    assert times[-1] - times[0] > 0.8


def test_429_with_retry_after_under_concurrency(llm_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = answers_file(tmp_path, 6)
    rubric = load_rubrics()["cnn-explained"]
    pause = FakeReply.error(429, "Rate limit reached", headers={"Retry-After": "0.5"})
    with FakeOpenAI([pause], handler=correct_handler(rubric)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["grade", str(path), "-f", "jsonl", "-c", "1", "--no-cache"])
        times = [request.time for request in server.chat_requests]
    assert result.exit_code == 0, result.output
    grades = [json.loads(line) for line in result.stdout.splitlines()]
    assert [g["grader"] for g in grades] == ["llm"] * 6
    assert len(times) == 7 and times[1] - times[0] >= 0.5


def test_rpm_with_no_llm_is_refused(tmp_path: Path) -> None:
    path = answers_file(tmp_path, 1)
    result = runner.invoke(app, ["grade", str(path), "--no-llm", "--rpm", "10"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "mockint: error: --rpm/--tpm limit live judge requests; drop them with --no-llm, --import-batch or --batch-api"
    )
