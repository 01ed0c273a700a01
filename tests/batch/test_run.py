"""Grading many answers: input order kept, concurrency bounded, records read lazily; the durable writer and resume."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, correct_handler

from mockint.batch import DurableJsonlWriter, Record, ResumeState, grade_records, scan_output
from mockint.errors import InputError, JudgeError
from mockint.judge import CircuitBreakerJudge, OpenAIJudge
from mockint.judge.ratelimit import RequestLimiter
from mockint.models import Answer, Grade, JudgeResult, Rubric
from mockint.rubrics import load_rubrics

# -- grade_records: order, concurrency, memory ------------------------------------------------------------

ANSWER_TEXT = "A CNN slides a small learned filter over the image and shares its weights at every position."


def make_records(count: int, question_id: str = "cnn-explained") -> Iterator[Record]:
    for index in range(count):
        answer = Answer(id=f"a{index}", question_id=question_id, answer=f"{ANSWER_TEXT} ({index})")
        yield Record(f"t:{index + 1}", answer=answer, raw_id=answer.id, raw_question_id=question_id)


class SlowFirstJudge:
    """Answers every call after a delay; the first answer is much slower (head-of-line blocking)."""

    model = "fake"
    prompt_version = "judge@test"

    def __init__(self, slow: float = 0.3, others: float = 0.005) -> None:
        self.calls = 0
        self.lock = threading.Lock()
        self.slow = slow
        self.others = others

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        with self.lock:
            self.calls += 1
        time.sleep(self.slow if answer_id == "a0" else self.others)
        raise JudgeError("no reply from this test judge", reason="test")


def test_output_is_in_input_order_whatever_the_completion_order() -> None:
    rubrics = load_rubrics()
    out: list[Grade] = []
    judge = SlowFirstJudge()
    summary = grade_records(make_records(60), rubrics, judge, out.append, concurrency=4)
    assert [grade.id for grade in out] == [f"a{index}" for index in range(60)]
    assert judge.calls == 60 and summary.graded == 60 and summary.fallbacks == 60


def test_a_slow_first_answer_does_not_stall_the_others() -> None:
    # The output waits for a0, but the workers must not: with the old 2 * N reorder window only 8 answers
    # could be started while the first one was slow.
    rubrics = load_rubrics()
    judge = SlowFirstJudge(slow=0.5, others=0.002)
    calls_at_first_emit: list[int] = []

    def emit(grade: Grade) -> None:
        if not calls_at_first_emit:
            calls_at_first_emit.append(judge.calls)

    grade_records(make_records(300), rubrics, judge, emit, concurrency=4)
    assert judge.calls == 300
    assert calls_at_first_emit[0] > 50


def test_requests_in_flight_never_exceed_the_limit_with_more_workers() -> None:
    rubrics = load_rubrics()
    with FakeOpenAI(handler=correct_handler(rubrics["cnn-explained"]), latency=0.03) as server:
        limiter = RequestLimiter(max_in_flight=3)
        judge = OpenAIJudge("fake-model", base_url=server.base_url, api_key="k", timeout=5, limiter=limiter)
        out: list[Grade] = []
        grade_records(make_records(40), rubrics, CircuitBreakerJudge(judge), out.append, concurrency=3, workers=6)
        judge.close()
    assert [grade.grader for grade in out] == ["llm"] * 40
    assert server.max_in_flight == 3  # reached, never exceeded
    assert limiter.peak_in_flight == 3


def test_records_are_read_lazily() -> None:
    rubrics = load_rubrics()
    read = 0

    def counting() -> Iterator[Record]:
        nonlocal read
        for record in make_records(1000):
            read += 1
            yield record

    seen_when_first_emitted: list[int] = []

    def emit(grade: Grade) -> None:
        if not seen_when_first_emitted:
            seen_when_first_emitted.append(read)

    grade_records(counting(), rubrics, SlowFirstJudge(slow=0.0, others=0.0), emit, concurrency=2)
    # The first grade went out long before the whole input was read: the window bounds what is held.
    assert seen_when_first_emitted[0] <= 256 + 1
    assert read == 1000


# -- durable output and resume ---------------------------------------------------------------------------


def grade_line(answer_id: str | None, error: str | None = None) -> str:
    return json.dumps({"id": answer_id, "question_id": "q", "score": None if error else 0.5, "error": error})


def test_durable_writer_appends_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    writer = DurableJsonlWriter(path)
    writer.write(Grade(id="1", question_id="q", score=0.5, grader="deterministic"))
    writer.close()
    writer = DurableJsonlWriter(path, append=True)
    writer.write(Grade(id="2", question_id="q", score=0.7, grader="deterministic"))
    writer.close()
    writer.close()  # idempotent
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["1", "2"]
    assert list(json.loads(lines[0])) == [
        "id", "question_id", "score", "grader", "model", "prompt_version",
        "criteria", "mistakes", "feedback", "warnings", "error", "extra", "layers", "fallback",
        "calibrated_score",
    ]  # fmt: skip


def test_scan_output_cuts_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    good = grade_line("1") + "\n" + grade_line(None, "in.jsonl:2: invalid JSON") + "\n"
    path.write_text(good + '{"id": "3", "question_id": "q", "sco', encoding="utf-8")
    seen: list[object] = []
    state = scan_output(path, lambda data: seen.append(data["id"]))
    assert state.ids == {"1"} and state.id_less_errors == {"in.jsonl:2: invalid JSON"}
    assert state.lines == 2 and state.torn_bytes == len('{"id": "3", "question_id": "q", "sco')
    assert path.read_text(encoding="utf-8") == good
    assert seen == ["1", None]
    again = scan_output(path)
    assert again.torn_bytes == 0 and again.lines == 2


def test_scan_output_refuses_a_corrupt_line_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    text = grade_line("1") + "\nthis is not a grade\n" + grade_line("3") + "\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"out\.jsonl:2: not a mockint grade line; remove that line"):
        scan_output(path)
    assert path.read_text(encoding="utf-8") == text


def test_resume_state_skips_done_records_including_id_less_errors() -> None:
    state = ResumeState(ids={"a0", "a2"}, id_less_errors={"t:9: invalid JSON"})
    records = [
        *make_records(3),
        Record("t:9", error="t:9: invalid JSON"),
        Record("t:10", error="t:10: invalid JSON"),
    ]
    pending = list(state.pending(records))
    assert [record.source for record in pending] == ["t:2", "t:10"]
    assert state.skipped == 3


def test_missing_output_resumes_from_nothing(tmp_path: Path) -> None:
    state = scan_output(tmp_path / "none.jsonl")
    assert state.lines == 0 and not state.ids


def test_output_to_a_device_that_cannot_be_synced_is_written() -> None:
    # `mockint grade ... -o /dev/null`: fsync of a character device fails with EINVAL; there is nothing to keep.
    writer = DurableJsonlWriter(Path("/dev/null"))
    writer.write_line('{"id": "a"}')
    writer.close()
    assert writer.lines == 1
