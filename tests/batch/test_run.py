"""Reading answer files: every bad record is named by file and line, the rest are still read."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, correct_handler

from mockint.batch.run import DurableJsonlWriter, Record, ResumeState, grade_records, read_answers, scan_output
from mockint.errors import InputError, JudgeError
from mockint.judge import CircuitBreakerJudge, OpenAIJudge
from mockint.judge.ratelimit import RequestLimiter
from mockint.models import Answer, Grade, JudgeResult, Rubric
from mockint.rubrics import load_rubrics


def records(path: Path) -> list[tuple[str | None, str | None]]:
    return [(r.answer.id if r.answer else None, r.error) for r in read_answers(path)]


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"id": 1, "question_id": "q", "answer": "fine", "student": "Ann"}\n'
        "\n"
        '{"id": "2", "question_id": "q", "answer": "broken\n'
        '["not", "an", "object"]\n'
        '{"id": "3", "question_id": "q"}\n'
        '{"id": "4", "question_id": "q", "answer": "   "}\n'
        '{"id": "1", "question_id": "q", "answer": "again"}\n'
        '{"id": "5", "question_id": "q", "answer": 42}\n'
        '{"id": "6", "question_id": "q", "answer": "last one"}\n',
        encoding="utf-8",
    )
    got = list(read_answers(path))
    assert [r.answer.id for r in got if r.answer] == ["1", "6"]
    assert got[0].answer is not None and got[0].answer.extra == {"student": "Ann"}
    errors = [r.error for r in got if r.error]
    assert errors[0] is not None and errors[0].startswith(f"{path}:3: invalid JSON")
    assert errors[1] == f"{path}:4: expected a JSON object with id, question_id, answer"
    assert errors[2] is not None and errors[2].startswith(f"{path}:5: missing field answer")
    assert errors[3] is not None and errors[3].startswith(f"{path}:6: answer: is empty")
    assert errors[4] is not None and errors[4].startswith(f"{path}:7: id: duplicate id '1' (first at {path}:1)")
    assert errors[5] is not None and errors[5].startswith(f"{path}:8: answer: must be text")


def test_csv_with_multiline_field_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        'id,question_id,answer,candidate\n1,q,"line one\nline two",Ann\n2,q,,Bob\n3,q,"x, y",Cy\n',
        encoding="utf-8",
    )
    got = list(read_answers(path))
    assert got[0].answer is not None
    assert got[0].answer.answer == "line one\nline two"
    assert got[0].answer.extra == {"candidate": "Ann"}
    assert got[1].error is not None and got[1].error.startswith(f"{path}:4: answer: is empty")
    assert got[2].answer is not None and got[2].answer.id == "3"


def test_csv_missing_column_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,answer\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"a\.csv:1: missing column question_id"):
        list(read_answers(path))


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="binary file"):
        list(read_answers(path))


def test_non_utf8_line_is_reported_and_others_read(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        b'{"id": "1", "question_id": "q", "answer": "caf\xe9"}\n{"id": "2", "question_id": "q", "answer": "ok"}\n'
    )
    got = list(read_answers(path))
    assert got[0].error == f"{path}:1: not UTF-8 text; save the file as UTF-8"
    assert got[1].answer is not None


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_answers(Path("/nonexistent/answers.jsonl")))


def test_format_sniffed_without_suffix(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text('{"id": "1", "question_id": "q", "answer": "x"}\n', encoding="utf-8")
    assert records(path) == [("1", None)]


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
