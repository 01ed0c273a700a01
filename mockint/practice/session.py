"""Mock interview sessions: the question loop, the follow-up probe, and what a session's LLM may still do.

The session (:class:`Interviewer`) is a small state machine over *injected* input and output (a
:class:`~mockint.practice.terminal.LineSource` and a :class:`~mockint.practice.terminal.View`) and an injected
clock, so it runs the same under a terminal, a pipe and a test. It writes the history step by step
(:mod:`mockint.practice.history`).

**Answers.** An answer is every line up to a line holding only ``.`` (or end of input / Ctrl-D). ``/skip`` and
``/quit`` on a line of their own skip the question or end the session. An empty answer is treated as a skip,
with a message: re-asking would make a piped script's next answer land on the wrong question. Spoken answers
(``--audio-in``, ``--voice``) come through :class:`~mockint.practice.spoken.SpokenAnswers`, which also reads
questions aloud.

**Follow-up probe.** When key points were missed or only partly covered, the interviewer asks one follow-up aimed
at the most important of them (highest weight; a miss before a partial) *before* showing the feedback, since
feedback that names the key point would make the probe pointless. The question is written by the LLM when one is
configured (prompt ``prompts/followup_*.md``), else from a template that asks about what the key point's statement
is about, in its words, never what it says (:mod:`mockint.practice.followup`). The reply is graded against the
probed key point only (a sub-rubric with that key point and the mistakes that can only be about it). A key point
met after the prompt is *recovered*: it is stored apart from the unprompted verdict, earns
:data:`~mockint.practice.followup.PROMPTED_CREDIT` of its weight in the "counting the follow-up" score (the
unprompted score stays the headline, as an interviewer would weigh it), and counts as a weaker recall in spaced
repetition (:mod:`mockint.practice.srs`).

**The LLM of a session** lives in :mod:`mockint.practice.session_llm` (:class:`SessionLLM`): the judge and the
follow-up writer, given up together at the first server failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from mockint import __version__
from mockint.errors import InputError
from mockint.grading import relevant_tips
from mockint.models import Criterion, CriterionResult, Grade, Rubric, Verdict
from mockint.practice.followup import (
    Asker,
    Probe,
    choose_probe_target,
    followup_rubric,
    probed_score,
)
from mockint.practice.records import grading_label, session_grading
from mockint.practice.session_llm import KEEPS_THE_LLM, SessionLLM
from mockint.practice.spoken import Heard, SpokenAnswers, delivery_json
from mockint.practice.terminal import Cancellable, LineSource, TimerFactory, View, format_duration

if TYPE_CHECKING:
    from mockint.judge import Judge
    from mockint.practice.history import HistoryStore

__all__ = [
    "KEEPS_THE_LLM",
    "AnswerOutcome",
    "Interviewer",
    "SessionInfo",
    "SessionLLM",
    "SessionResult",
]

# -- results --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    """What a view shows when a session starts."""

    session_id: int
    total: int
    grading: str
    followup: bool
    time_limit: float | None


@dataclass
class AnswerOutcome:
    """One graded answer, with its follow-up when there was one.

    Attributes:
        answer_id: The answer's row in the history.
        rubric: The question.
        answer: The answer text.
        grade: Its grade.
        seconds: Time from the question shown to the answer finished.
        time_limit: The soft limit, if any.
        tips: The interview tips shown.
        probe: The follow-up question, if one was asked.
        followup_reply: The reply to it, if given.
        followup_grade: The reply's grade against the probed key points.
        probed_score: The answer's score counting the follow-up.
        spoken: The recording, transcript and delivery figures when the answer was spoken.
    """

    answer_id: int
    rubric: Rubric
    answer: str
    grade: Grade
    seconds: float
    time_limit: float | None
    tips: list[str]
    probe: Probe | None = None
    followup_reply: str | None = None
    followup_grade: Grade | None = None
    probed_score: float | None = None
    spoken: Heard | None = None

    @property
    def over_time(self) -> float:
        """Seconds over the soft limit (0 when within it or without one)."""
        return max(0.0, self.seconds - self.time_limit) if self.time_limit is not None else 0.0

    @property
    def recovered(self) -> list[CriterionResult]:
        """Probed key points met after the prompt."""
        if self.followup_grade is None:
            return []
        return [c for c in self.followup_grade.criteria if c.verdict == "met"]


@dataclass
class SessionResult:
    """How a session ended.

    Attributes:
        session_id: The session's id in the history.
        status: ``finished`` or ``interrupted`` (Ctrl-C).
        outcomes: The graded answers.
        skipped: Questions skipped.
        asked: Questions shown.
        graded_by: How the answers were really graded (:func:`mockint.practice.records.grading_label`); empty
            when nothing was graded.
    """

    session_id: int
    status: Literal["finished", "interrupted"]
    outcomes: list[AnswerOutcome] = field(default_factory=list)
    skipped: int = 0
    asked: int = 0
    graded_by: str = ""

    @property
    def mean_score(self) -> float | None:
        """Mean unprompted score of the graded answers."""
        scores = [o.grade.score for o in self.outcomes if o.grade.score is not None]
        return round(sum(scores) / len(scores), 4) if scores else None


# -- input ----------------------------------------------------------------------------------------------------

BlockKind = Literal["text", "skip", "quit", "eof"]


@dataclass(frozen=True)
class _Block:
    kind: BlockKind
    text: str


def _joined(lines: Sequence[str]) -> str:
    return "\n".join(lines).strip("\n")


# -- the interviewer ------------------------------------------------------------------------------------------


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Pending:
    """What is being typed, so Ctrl-C can save it."""

    kind: Literal["answer", "followup"]
    lines: list[str]
    position: int = 0
    rubric: Rubric | None = None
    shown_at: datetime | None = None
    answer_id: int = 0


class Interviewer:
    """Runs one mock interview session over injected input, output and clock, writing the history as it goes.

    Args:
        store: The history store (each step is committed as it happens).
        view: What the candidate sees.
        lines: Where the candidate's lines come from.
        judge: The LLM judge for grading (``None``: deterministic).
        asker: The LLM that writes follow-up questions (``None``: template questions).
        followup: Whether to ask follow-up questions.
        time_limit: Soft time limit per answer, in seconds.
        clock: Returns the current time (timezone-aware).
        timer: Starts the countdown's warnings (``None``: no real-time warnings, e.g. when input is piped).
        grading: How answers are graded, shown once at the start.
        options: The command's options, stored with the session.
        where: Where the history is saved, for the closing message.
        audio: Spoken answers: recordings that answer the first questions (``--audio-in``;
            :mod:`mockint.practice.spoken`), or questions read aloud and answers recorded (``--voice``;
            :mod:`mockint.practice.voice`).
    """

    def __init__(
        self,
        store: HistoryStore,
        view: View,
        lines: LineSource,
        *,
        judge: Judge | None = None,
        asker: Asker | None = None,
        followup: bool = True,
        time_limit: float | None = None,
        clock: Callable[[], datetime] = _utcnow,
        timer: TimerFactory | None = None,
        grading: str = "deterministic checks",
        options: Mapping[str, Any] | None = None,
        where: str = "the history",
        audio: SpokenAnswers | None = None,
    ) -> None:
        if time_limit is not None and time_limit <= 0:
            raise InputError("--time-limit must be greater than 0 seconds")
        self._store = store
        self._view = view
        self._lines = lines
        self._judge = judge
        self._llm = SessionLLM(judge, asker)
        self._followup = followup
        self._time_limit = time_limit
        self._clock = clock
        self._timer = timer
        self._grading = grading
        self._options = dict(options or {})
        self._where = where
        self._pending: _Pending | None = None
        self._audio = audio

    def run(self, questions: Sequence[Rubric]) -> SessionResult:
        """Ask the questions in order until they run out, the input ends, ``/quit`` or Ctrl-C.

        Ctrl-C (``KeyboardInterrupt``, which the command also raises on SIGTERM) anywhere ends the session
        cleanly: what was answered is already stored, a half-typed answer is stored as unfinished, and the
        session is marked ``interrupted``.

        Args:
            questions: The questions to ask.

        Returns:
            How the session went.
        """
        session_id = self._store.start_session(
            self._clock(),
            grader="llm" if self._judge is not None else "deterministic",
            model=self._judge.model if self._judge is not None else None,
            version=__version__,
            options=self._options,
        )
        result = SessionResult(session_id=session_id, status="finished")
        try:
            self._view.start(
                SessionInfo(
                    session_id=session_id,
                    total=len(questions),
                    grading=self._grading,
                    followup=self._followup,
                    time_limit=self._time_limit,
                )
            )
            for position, rubric in enumerate(questions, start=1):
                result.asked += 1
                if not self._ask(session_id, position, len(questions), rubric, result):
                    break
        except KeyboardInterrupt:
            result.status = "interrupted"
            self._save_pending(session_id)
        self._pending = None
        if result.outcomes:
            grading = session_grading(
                "llm" if self._judge is not None else "deterministic",
                self._judge.model if self._judge is not None else None,
                [o.grade.grader for o in result.outcomes],
                [o.followup_grade.grader for o in result.outcomes if o.followup_grade is not None],
            )
            result.graded_by = grading_label(grading)
        self._store.end_session(session_id, self._clock(), result.status)
        self._view.end(result, self._where)
        return result

    # reading

    def _read(self, pending: _Pending, started: datetime) -> _Block:
        """Read lines up to a ``.`` line, a command, or the end of input."""
        self._pending = pending
        lines = pending.lines
        while True:
            remaining = None
            if self._time_limit is not None:
                remaining = self._time_limit - (self._clock() - started).total_seconds()
            line = self._lines.readline(self._view.line_prompt(not lines, remaining))
            if line is None:
                return _Block("text" if _joined(lines).strip() else "eof", _joined(lines))
            command = line.strip()
            if command == ".":
                return _Block("text", _joined(lines))
            if command in ("/skip", "/quit"):
                return _Block("skip" if command == "/skip" else "quit", _joined(lines))
            lines.append(line)

    def _spoken(self, position: int | None) -> bool:
        return self._audio is not None and self._audio.spoken(position)

    def _say(self, text: str) -> None:
        if self._audio is not None:
            self._audio.say(text, self._view)

    def _hear(
        self, position: int | None, rubric: Rubric, pending: _Pending, started: datetime
    ) -> tuple[_Block, Heard | None]:
        """A spoken answer: accepted, replaced (typed on), skipped, or typed when nothing usable was heard."""
        assert self._audio is not None
        self._pending = pending  # Ctrl-C at the review prompt keeps the transcript as an unfinished answer
        choice, heard = self._audio.listen(position, rubric, self._view, self._lines, pending.lines)
        if choice in ("replace", "type"):
            return self._read(pending, started), heard
        kind: BlockKind = "skip" if choice == "skip" else "quit" if choice == "quit" else "text"
        return _Block(kind, heard.transcript.text if heard is not None else ""), heard

    def _start_countdown(self, started: datetime) -> list[Cancellable]:
        if self._time_limit is None or self._timer is None:
            return []
        limit = self._time_limit
        timers: list[Cancellable] = []
        if limit >= 60:
            timers.append(self._timer(limit - 30, lambda: self._alarm("30 s left", limit, started)))
        up = f"Time is up ({format_duration(limit)}, a soft limit): wrap up and end with a line holding only '.'"
        timers.append(self._timer(limit, lambda: self._alarm(up, limit, started)))
        return timers

    def _alarm(self, text: str, limit: float, started: datetime) -> None:
        """Warn, then give the line being typed its prompt back: the warning took its place on the screen."""
        self._view.alarm(text)
        self._lines.reprompt(self._view.line_prompt(False, limit - (self._clock() - started).total_seconds()))

    # one question

    def _ask(self, session_id: int, position: int, total: int, rubric: Rubric, result: SessionResult) -> bool:
        """Ask one question; return whether the session goes on."""
        self._view.question(position, total, rubric, self._time_limit)
        self._say(rubric.question)  # the answer's time starts when the question has been read out
        shown_at = self._clock()
        timers = self._start_countdown(shown_at)
        pending = _Pending("answer", [], position, rubric, shown_at)
        heard: Heard | None = None
        try:
            if self._spoken(position):
                block, heard = self._hear(position, rubric, pending, shown_at)
            else:
                block = self._read(pending, shown_at)
        finally:
            for timer in timers:
                timer.cancel()
        answered_at = self._clock()
        self._pending = None
        if heard is not None:
            from mockint.speech.delivery import assess

            heard = replace(heard, delivery=assess(heard.transcript, time_limit=self._time_limit))
        if block.kind == "eof":
            return False
        if block.kind == "quit":
            if block.text.strip():
                self._add_answer(session_id, position, rubric, block.text, "unfinished", shown_at, answered_at, heard)
            return False
        if block.kind == "skip" or not block.text.strip():
            if block.kind != "skip":
                self._view.note("No answer given; question skipped (type /skip to skip on purpose).")
            self._add_answer(session_id, position, rubric, block.text, "skipped", shown_at, answered_at, heard)
            result.skipped += 1
            return True
        answer_id = self._add_answer(session_id, position, rubric, block.text, "ungraded", shown_at, answered_at, heard)
        with self._view.grading():
            grade, given_up = self._llm.grade(block.text, rubric, answer_id=str(answer_id))
        if given_up:
            self._view.warn(SessionLLM.given_up_warning(self._llm.given_up or "", followup=self._followup))
        missed = [c.text for c in grade.criteria if c.verdict != "met"]
        tips = relevant_tips(rubric, missed, [m.text for m in grade.mistakes if m.committed])
        self._store.record_grade(answer_id, grade, tips, answered_at)
        outcome = AnswerOutcome(
            answer_id=answer_id,
            rubric=rubric,
            answer=block.text,
            grade=grade,
            seconds=(answered_at - shown_at).total_seconds(),
            time_limit=self._time_limit,
            tips=tips,
            spoken=heard,
        )
        result.outcomes.append(outcome)
        go_on = True
        if self._followup:
            go_on = self._probe(outcome)
        self._view.feedback(outcome)
        return go_on

    def _add_answer(
        self,
        session_id: int,
        position: int,
        rubric: Rubric,
        text: str,
        status: str,
        shown_at: datetime,
        answered_at: datetime | None,
        heard: Heard | None = None,
    ) -> int:
        answer_id = self._store.add_answer(
            session_id,
            position=position,
            question_id=rubric.id,
            question=rubric.question,
            answer=text,
            status=status,
            shown_at=shown_at,
            answered_at=answered_at,
            time_limit=self._time_limit,
        )
        if heard is not None and heard.delivery is not None:
            kept = self._store.record_speech(
                answer_id,
                transcript=heard.transcript.text,
                stt_model=heard.transcript.stt_model,
                delivery=delivery_json(heard.delivery),
                recording=heard.recording,
            )
            if kept is None:
                self._view.warn(f"could not keep a copy of {heard.recording} in the history; the transcript is kept")
        return answer_id

    # the follow-up

    def _write_probe(self, rubric: Rubric, criterion: Criterion, verdict: Verdict, answer: str) -> Probe:
        with self._view.grading():
            probe, warning = self._llm.write_probe(rubric, criterion, verdict, answer)
        if warning is not None:
            self._view.warn(warning)
        return probe

    def _probe(self, outcome: AnswerOutcome) -> bool:
        """Ask one follow-up about the most important key point missed; return whether the session goes on."""
        target = choose_probe_target(outcome.rubric, outcome.grade)
        if target is None:
            return True
        criterion, verdict = target
        probe = self._write_probe(outcome.rubric, criterion, verdict, outcome.answer)
        asked_at = self._clock()
        self._store.add_followup(
            outcome.answer_id,
            criterion_ids=[criterion.id],
            question=probe.question,
            source=probe.source,
            model=probe.model,
            prompt_version=probe.prompt_version,
            asked_at=asked_at,
        )
        outcome.probe = probe
        self._view.followup(probe)
        self._say(probe.question)
        timers = self._start_countdown(asked_at)
        sub_rubric = followup_rubric(outcome.rubric, [criterion.id], probe.question)
        pending = _Pending("followup", [], answer_id=outcome.answer_id)
        try:
            if self._spoken(None):
                block, _ = self._hear(None, sub_rubric, pending, asked_at)
            else:
                block = self._read(pending, asked_at)
        finally:
            for timer in timers:
                timer.cancel()
        replied_at = self._clock()
        self._pending = None
        if block.kind in ("eof", "quit") or block.kind == "skip" or not block.text.strip():
            status = "unfinished" if block.kind == "quit" and block.text.strip() else "skipped"
            self._store.record_followup_reply(outcome.answer_id, block.text, status, replied_at)
            return block.kind not in ("eof", "quit")
        self._store.record_followup_reply(outcome.answer_id, block.text, "ungraded", replied_at)
        outcome.followup_reply = block.text
        with self._view.grading():
            followup_grade, given_up = self._llm.grade(
                block.text, sub_rubric, answer_id=f"{outcome.answer_id}-followup"
            )
        if given_up:
            self._view.warn(SessionLLM.given_up_warning(self._llm.given_up or "", followup=self._followup))
        verdicts = {c.id: c.verdict for c in followup_grade.criteria}
        outcome.followup_grade = followup_grade
        outcome.probed_score = probed_score(outcome.rubric, outcome.grade, verdicts)
        self._store.record_followup_grade(outcome.answer_id, followup_grade, outcome.probed_score)
        return True

    def _save_pending(self, session_id: int) -> None:
        """After Ctrl-C: keep what was being typed (an answer as unfinished; a follow-up reply as unfinished)."""
        pending = self._pending
        if pending is None:
            return
        text = _joined(pending.lines)
        now = self._clock()
        if pending.kind == "answer" and pending.rubric is not None and pending.shown_at is not None:
            if text.strip():
                self._add_answer(
                    session_id, pending.position, pending.rubric, text, "unfinished", pending.shown_at, now
                )
        elif pending.kind == "followup":
            self._store.record_followup_reply(pending.answer_id, text, "unfinished", now)
