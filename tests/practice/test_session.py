"""The interview session: scripted input through the library and through `mockint interview` (CliRunner)."""

from __future__ import annotations

import functools
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockint.cli import app
from mockint.errors import InputError
from mockint.models import Rubric
from mockint.practice.history import HistoryStore, history_path
from mockint.practice.session import Interviewer
from mockint.practice.terminal import PlainView, ScriptedLines
from mockint.rubrics import RubricSet, load_rubrics


@functools.cache
def shipped() -> RubricSet:
    """The shipped rubrics, loaded once per test module (loading takes ~0.2 s)."""
    return load_rubrics()


runner = CliRunner()

CNN_PARTIAL = (
    "A CNN slides a small learned filter across the image.\nDeeper layers compose edges into parts and objects."
)
CNN_WEIGHT_SHARING = "The same weights are reused at every position, so a pattern is detected anywhere in the image."
GENAI = (
    "GenAI tools are useful for boilerplate, tests and refactors. They hallucinate APIs. "
    "Verification is non-negotiable: review the diff and run the tests."
)


def db_file() -> Path:
    return history_path(Path(os.environ["MOCKINT_HOME"]))


def rubric(question_id: str) -> Rubric:
    return shipped().get_rubric(question_id)


class Clock:
    """A clock that stands still; the candidate's lines move it."""

    def __init__(self, start: datetime = datetime(2025, 3, 3, 18, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class TimedLines(ScriptedLines):
    """Scripted lines, each taking the candidate 10 s to type."""

    def __init__(self, lines: list[str], clock: Clock) -> None:
        super().__init__(lines)
        self._clock = clock

    def readline(self, prompt: str) -> str | None:
        self._clock.now += timedelta(seconds=10)
        return super().readline(prompt)


def run(lines: list[str], questions: list[str], tmp_path: Path, **options: object) -> tuple[str, HistoryStore, int]:
    out = io.StringIO()
    store = HistoryStore(tmp_path / "h.db")
    clock = Clock()
    session = Interviewer(store, PlainView(out), TimedLines(lines, clock), clock=clock, **options)  # type: ignore[arg-type]
    result = session.run([rubric(q) for q in questions])
    return out.getvalue(), store, result.session_id


def test_answer_is_graded_with_feedback_and_stored(tmp_path: Path) -> None:
    text, store, session_id = run([*CNN_PARTIAL.splitlines(), "."], ["cnn-explained"], tmp_path, followup=False)
    assert "== Question 1/1 · cnn-explained · deep-learning ==" in text
    assert "Score 0.50 (deterministic) · 30 s" in text
    assert "Key points met (3 of 8):" in text
    assert "✓ A convolutional layer slides a small filter" in text
    assert "you said: “A CNN slides a small learned filter across the image.”" in text
    assert "Key points missed:" in text and "✗ The same filter weights are reused at every position" in text
    assert "Typical mistakes made:" in text and "! Forget weight sharing across positions." in text
    assert "How to say it in an interview:" in text and "• Mention locality and weight sharing." in text
    record = store.get_session(session_id)
    store.close()
    assert record.status == "finished"
    (answer,) = record.answers
    assert answer.answer == CNN_PARTIAL and answer.status == "graded" and answer.score == 0.5
    assert answer.grader == "deterministic" and answer.model is None and answer.seconds == 30
    assert answer.tips == ["Use “small learned filter sliding across the image” as the core phrase.",
                           "Mention locality and weight sharing."]  # fmt: skip


def test_followup_probes_the_heaviest_missed_key_point_before_feedback(tmp_path: Path) -> None:
    text, store, session_id = run(
        [*CNN_PARTIAL.splitlines(), ".", CNN_WEIGHT_SHARING, "."], ["cnn-explained"], tmp_path, followup=True
    )
    # the probe comes before the feedback, which would otherwise give the key point away
    probe = "Follow-up: One more thing: what can you tell me about the filter weights, "
    assert text.index(probe) < text.index("Score 0.50")
    assert "Score 0.50 (deterministic) · 0.59 counting the follow-up" in text
    assert "✓ Recovered after the prompt: The same filter weights are reused" in text
    answer = store.get_session(session_id).answers[0]
    reviews = {r.criterion_id: r for r in store.reviews()}
    store.close()
    assert answer.followup is not None
    assert answer.followup.criterion_ids == ["weight-sharing"] and answer.followup.source == "template"
    assert answer.followup.reply == CNN_WEIGHT_SHARING and answer.followup.probed_score == pytest.approx(0.5938)
    # graded against the probed key point only
    assert answer.followup.grade is not None
    assert [c.id for c in answer.followup.grade.criteria] == ["weight-sharing"]
    # recovered after the prompt is stored apart from unprompted
    assert (reviews["weight-sharing"].verdict, reviews["weight-sharing"].followup_verdict) == ("missed", "met")
    assert (reviews["small-filter-slides"].verdict, reviews["small-filter-slides"].followup_verdict) == ("met", None)
    # the headline score stays the unprompted one
    assert answer.score == 0.5


def test_no_followup_when_everything_is_met(tmp_path: Path) -> None:
    strong = rubric("cnn-explained").examples[0]
    assert strong.label == "strong"
    text, store, session_id = run([strong.answer, "."], ["cnn-explained"], tmp_path, followup=True)
    answer = store.get_session(session_id).answers[0]
    store.close()
    assert answer.score == 1.0 and answer.followup is None
    assert "Follow-up" not in text and "Every key point covered and no typical mistake made." in text


def test_skip_quit_empty_and_end_of_input(tmp_path: Path) -> None:
    lines = ["/skip", ".", GENAI, "/quit"]
    text, store, session_id = run(lines, ["cnn-explained", "ab-significance", "genai-tools", "fashion-recommender"],
                                  tmp_path, followup=False)  # fmt: skip
    record = store.get_session(session_id)
    store.close()
    assert "No answer given; question skipped (type /skip to skip on purpose)." in text
    assert [a.status for a in record.answers] == ["skipped", "skipped", "unfinished"]
    assert record.answers[2].answer == GENAI and record.answers[2].score is None
    assert "Question 4/4" not in text
    assert "Session finished: 0 answered, 2 skipped." in text
    assert record.status == "finished"


def test_end_of_input_grades_the_last_answer_and_ends(tmp_path: Path) -> None:
    text, store, session_id = run([GENAI], ["genai-tools", "cnn-explained"], tmp_path, followup=True)
    record = store.get_session(session_id)
    store.close()
    # the follow-up was asked, but input ended: the session ends with the answer graded
    assert [a.status for a in record.answers] == ["graded"]
    assert record.answers[0].followup is not None and record.answers[0].followup.status == "skipped"
    assert "Question 2/2" not in text and "no reply given" in text


class Interrupting:
    """Lines, then Ctrl-C while the candidate is typing."""

    def __init__(self, lines: list[str]) -> None:
        self._lines: Iterator[str] = iter(lines)

    def readline(self, prompt: str) -> str | None:
        line = next(self._lines, None)
        if line is None:
            raise KeyboardInterrupt
        return line


def test_ctrl_c_keeps_what_was_answered_and_the_half_typed_answer(tmp_path: Path) -> None:
    out = io.StringIO()
    with HistoryStore(tmp_path / "h.db") as store:
        lines = [GENAI, ".", "A CNN slides a small filter"]
        result = Interviewer(store, PlainView(out), Interrupting(lines), clock=Clock(), followup=False).run(
            [rubric("genai-tools"), rubric("cnn-explained")]
        )
        record = store.get_session(result.session_id)
    assert result.status == "interrupted"
    assert record.status == "interrupted" and record.ended_at is not None
    assert [a.status for a in record.answers] == ["graded", "unfinished"]
    assert record.answers[1].answer == "A CNN slides a small filter"
    assert "Session interrupted: 1 answered, 0 skipped" in out.getvalue()


def test_ctrl_c_during_the_followup_keeps_the_graded_answer(tmp_path: Path) -> None:
    out = io.StringIO()
    with HistoryStore(tmp_path / "h.db") as store:
        lines = [*CNN_PARTIAL.splitlines(), ".", "Weights are"]
        result = Interviewer(store, PlainView(out), Interrupting(lines), clock=Clock(), followup=True).run(
            [rubric("cnn-explained")]
        )
        answer = store.get_session(result.session_id).answers[0]
    assert answer.status == "graded" and answer.score == 0.5
    assert answer.followup is not None and answer.followup.status == "unfinished"
    assert answer.followup.reply == "Weights are"


def test_soft_time_limit_warns_but_keeps_the_answer(tmp_path: Path) -> None:
    fired: list[float] = []

    class Timer:
        def __init__(self, delay: float) -> None:
            self.cancelled = False
            fired.append(delay)

        def cancel(self) -> None:
            self.cancelled = True

    def timer(delay: float, action: object) -> Timer:
        assert callable(action)
        action()  # the countdown runs out at once
        return Timer(delay)

    out = io.StringIO()
    clock = Clock()
    lines = TimedLines([*CNN_PARTIAL.splitlines(), "."], clock)
    with HistoryStore(tmp_path / "h.db") as store:
        session = Interviewer(
            store, PlainView(out, interactive=True), lines, clock=clock, time_limit=90, timer=timer, followup=False
        )
        answer = store.get_session(session.run([rubric("cnn-explained")]).session_id).answers[0]
    text = out.getvalue()
    assert fired == [60, 90]
    assert "! 30 s left" in text and "! Time is up (1 min 30 s, a soft limit)" in text
    assert lines.prompts == ["[1:30] > ", "[1:20] > ", "[1:10] > "]  # the countdown is in each line's prompt
    assert lines.reprompts == ["[1:30] > ", "[1:30] > "]  # each warning gives the line its prompt back
    assert answer.status == "graded" and answer.answer == CNN_PARTIAL
    assert answer.time_limit == 90 and answer.seconds == 30 and not answer.over_time
    with pytest.raises(InputError, match="greater than 0"):
        Interviewer(store, PlainView(out), lines, time_limit=0)


def test_over_time_is_recorded_and_shown(tmp_path: Path) -> None:
    text, store, session_id = run([*CNN_PARTIAL.splitlines(), "."], ["cnn-explained"], tmp_path, time_limit=15,
                                  followup=False)  # fmt: skip
    answer = store.get_session(session_id).answers[0]
    store.close()
    assert answer.over_time and answer.seconds == 30
    assert "over the 15 s limit by 15 s" in text


# -- the command -------------------------------------------------------------------------------------------


def test_cli_piped_session_end_to_end(tmp_path: Path) -> None:
    script = f"{CNN_PARTIAL}\n.\n{GENAI}\n.\n"
    result = runner.invoke(app, ["interview", "--no-llm", "-q", "cnn-explained", "-q", "genai-tools"], input=script)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("follow-up questions are off") == 1
    out = result.stdout
    assert "grading: deterministic checks (--no-llm given)" in out
    assert out.count("Score ") == 2 and "Follow-up" not in out
    assert "\x1b[" not in out and "╭" not in out  # plain text when piped
    assert f"Session 1 saved in {db_file()}" in out
    listed = json.loads(runner.invoke(app, ["history", "--format", "json"]).stdout)
    assert listed[0]["graded"] == 2 and listed[0]["status"] == "finished"
    report = tmp_path / "r.md"
    assert runner.invoke(app, ["history", "export", "1", "--out", str(report)]).exit_code == 0
    assert "## 2. genai-tools" in report.read_text(encoding="utf-8")


def test_cli_followup_can_be_scripted() -> None:
    script = f"{CNN_PARTIAL}\n.\n{CNN_WEIGHT_SHARING}\n.\n"
    result = runner.invoke(app, ["interview", "--no-llm", "-q", "cnn-explained", "--followup"], input=script)
    assert result.exit_code == 0, result.output
    assert "follow-up questions are off" not in result.stderr
    assert "Follow-up: One more thing: what can you tell me about the filter weights, " in result.stdout
    assert "Recovered after the prompt" in result.stdout


def test_cli_unknown_question_lists_known_ids() -> None:
    result = runner.invoke(app, ["interview", "--no-llm", "-q", "nope"], input="")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "mockint: error: unknown question id 'nope'; known ids: ab-significance, cnn-explained, "
        "fashion-recommender, genai-tools (see `mockint questions list`)"
    )
    assert not db_file().exists()


def test_cli_topic_and_count() -> None:
    result = runner.invoke(app, ["interview", "--no-llm", "--topic", "Deep-Learning"], input="")
    assert result.exit_code == 0, result.output
    assert "Mock interview: 1 question;" in result.stdout
    unknown = runner.invoke(app, ["interview", "--no-llm", "--topic", "cooking"], input="")
    assert unknown.exit_code == 1
    assert "--topic cooking: no question has this topic; known topics: deep-learning," in unknown.stderr
    two = runner.invoke(app, ["interview", "--no-llm", "--count", "2"], input="")
    assert "Mock interview: 2 questions;" in two.stdout
    # input ended before the first answer: nothing answered, the session is still recorded
    record = json.loads(runner.invoke(app, ["history", "--format", "json"]).stdout)[0]
    assert record["questions"] == 0 and record["status"] == "finished"


def test_cli_says_once_how_it_grades_and_needs_a_server_for_model() -> None:
    result = runner.invoke(app, ["interview", "-q", "cnn-explained"], input="")
    assert result.stdout.count("no LLM configured") == 1
    bad = runner.invoke(app, ["interview", "--model", "x", "-q", "cnn-explained"], input="")
    assert bad.exit_code == 1 and "--model x needs a server" in bad.stderr
