"""Mock interview sessions: the question loop, follow-up probes, and spaced repetition per key point.

The session is a small state machine over *injected* input and output (a :class:`LineSource` and a
:class:`View`) and an injected clock, so it runs the same under a terminal, a pipe and a test.

**Answers.** An answer is every line up to a line holding only ``.`` (or end of input / Ctrl-D). ``/skip`` and
``/quit`` on a line of their own skip the question or end the session. An empty answer is treated as a skip,
with a message: re-asking would make a piped script's next answer land on the wrong question.

**Follow-up probe.** When key points were missed or only partly covered, the interviewer asks one follow-up aimed
at the most important of them (highest weight; a miss before a partial) *before* showing the feedback, since
feedback that names the key point would make the probe pointless. The question is written by the LLM when one is
configured (prompt ``prompts/followup_*.md``), else from a template that asks about what the key point's statement
is about, in its words, never what it says (:mod:`mockint.practice.followup`). The LLM is given up for the session
at its first server failure (:mod:`mockint.practice.session`). The reply is graded against the probed key point
only (a sub-rubric with that key point and the mistakes that can only be about it). A key point met after the
prompt is *recovered*: it is stored apart from the unprompted verdict, earns :data:`PROMPTED_CREDIT` of its weight
in the "counting the follow-up" score (the unprompted score stays the headline, as an interviewer would weigh it),
and counts as a weaker recall in spaced repetition.

**Spaced repetition: SM-2 per key point.** Each key point is a card; each graded answer is a review of every
key point of its question, with a quality from 0 to 5 derived from the verdicts (:data:`QUALITY`): met
unprompted 5, recovered after the prompt 3, partial 2, partial only after the prompt 1, missed 0. SM-2
(Wozniak, 1990) was chosen over FSRS because FSRS's strength is a memory model with ~20 weights fitted to
thousands of reviews, while a candidate produces a few reviews per key point over weeks: with so little data
FSRS runs on its defaults, and SM-2's three numbers per card (repetitions, ease, interval) are transparent,
deterministic and easy to explain in ``mockint progress``. Its 0-5 quality scale also fits verdicts plus
"prompted or not" naturally. Variations, each for a reason:

* Ease is updated on every review, lapses included (as Anki does), floored at 1.3: a key point missed again
  and again should come back more often than one missed once.
* Due dates are on day boundaries in local time (as Anki's): practise in the evening, come back the next
  morning, and yesterday's misses are due.
* A second successful review on the same day updates mastery but not the schedule: cramming a question twice
  in a row is not two spaced recalls. A lapse always resets.
* *Mastery* (0..1) is an exponential moving average of quality / 5 (half weight on the newest review), a
  readable estimate beside SM-2's schedule.

The state is never stored: it is recomputed from the stored verdicts (``key_point_reviews``), so it cannot
drift from the history, and changing the algorithm needs no migration.

**Question order** without ``--question``: due questions (any key point due), weakest first; then weak ones
(mastery below :data:`WEAK_MASTERY`) not yet due; then unseen ones; then the rest, soonest due first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol

from mockint import __version__
from mockint.errors import InputError
from mockint.grading import relevant_tips, score
from mockint.grading.score import stated_penalties
from mockint.history import Attempt, HistoryStore, Review
from mockint.models import VERDICT_CREDIT, Criterion, CriterionResult, Grade, Rubric, Verdict
from mockint.practice.followup import (
    FOLLOWUP_PROMPT,
    Asker,
    Probe,
    choose_probe_target,
    followup_rubric,
    recovery_label,
    template_followup,
)
from mockint.practice.history import grading_label, session_grading
from mockint.practice.session import SessionLLM
from mockint.practice.terminal import LineSource, ScriptedLines, StdinLines

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from mockint.judge import Judge

__all__ = [
    "FOLLOWUP_PROMPT",
    "PROMPTED_CREDIT",
    "QUALITY",
    "WEAK_MASTERY",
    "AnswerOutcome",
    "Asker",
    "Interviewer",
    "KeyPointState",
    "LineSource",
    "Outcome",
    "PlainView",
    "Probe",
    "ProgressReport",
    "QuestionStatus",
    "RichView",
    "ScriptedLines",
    "SessionResult",
    "StdinLines",
    "View",
    "build_progress",
    "choose_probe_target",
    "followup_rubric",
    "outcome_of",
    "pick_questions",
    "plan_questions",
    "probed_score",
    "review",
    "schedule",
    "sparkline",
    "template_followup",
]

# -- spaced repetition ----------------------------------------------------------------------------------------

Outcome = Literal["met", "recovered", "partial", "recovered_partial", "missed"]

QUALITY: dict[Outcome, int] = {"met": 5, "recovered": 3, "partial": 2, "recovered_partial": 1, "missed": 0}
"""SM-2 response quality (0-5) of each key point outcome."""

PROMPTED_CREDIT = 0.5
"""Share of a key point's credit earned when it only came after the follow-up prompt."""

WEAK_MASTERY = 0.6
"""Questions whose weighted mastery is below this are asked before unseen ones even when not due."""

INITIAL_EASE = 2.5
MIN_EASE = 1.3
# SM-2's first two intervals, in days.
_FIRST_INTERVAL = 1
_SECOND_INTERVAL = 6


def outcome_of(verdict: str, followup_verdict: str | None) -> Outcome:
    """Combine a key point's unprompted verdict with its verdict after a follow-up (``None``: not probed)."""
    if verdict == "met":
        return "met"
    if followup_verdict == "met":
        return "recovered"
    if verdict == "partial":
        return "partial"
    if followup_verdict == "partial":
        return "recovered_partial"
    return "missed"


@dataclass(frozen=True)
class KeyPointState:
    """The SM-2 state of one key point (a card), folded from its reviews.

    Attributes:
        question_id: The question (rubric) id.
        criterion_id: The key point id.
        reviews: Graded answers that reviewed it.
        repetitions: Successful reviews in a row (quality >= 3) on separate days.
        ease: SM-2's E-factor (>= 1.3): how fast the interval grows.
        interval_days: Days from the last review's day to the due day.
        mastery: Moving average of quality / 5 (0..1).
        last_reviewed: When it was last reviewed.
        due: When it is due again; ``None`` if never reviewed.
        last_outcome: The last review's outcome.
    """

    question_id: str
    criterion_id: str
    reviews: int = 0
    repetitions: int = 0
    ease: float = INITIAL_EASE
    interval_days: int = 0
    mastery: float = 0.0
    last_reviewed: datetime | None = None
    due: datetime | None = None
    last_outcome: Outcome | None = None

    def is_due(self, now: datetime) -> bool:
        """Whether it should be asked now (a key point never reviewed is due)."""
        return self.due is None or self.due <= now


def _day_start(moment: datetime, tz: tzinfo | None) -> datetime:
    local = moment.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def review(state: KeyPointState, outcome: Outcome, at: datetime, tz: tzinfo | None = None) -> KeyPointState:
    """Apply one review to a key point's SM-2 state (see the module docstring for the variations).

    Args:
        state: The state before the review.
        outcome: How the key point came out in the graded answer.
        at: When the answer was graded (timezone-aware).
        tz: The time zone whose midnight starts a day (``None``: the local one).

    Returns:
        The new state.
    """
    quality = QUALITY[outcome]
    mastery = quality / 5 if state.reviews == 0 else round(0.5 * state.mastery + 0.5 * quality / 5, 4)
    same_day = state.last_reviewed is not None and _day_start(state.last_reviewed, tz) == _day_start(at, tz)
    if same_day and quality >= 3:
        return replace(state, reviews=state.reviews + 1, mastery=mastery, last_reviewed=at, last_outcome=outcome)
    ease = max(MIN_EASE, state.ease + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
    if quality >= 3:
        repetitions = state.repetitions + 1
        if repetitions == 1:
            interval = _FIRST_INTERVAL
        elif repetitions == 2:
            interval = _SECOND_INTERVAL
        else:
            interval = max(1, round(state.interval_days * state.ease))
    else:
        repetitions, interval = 0, _FIRST_INTERVAL
    return KeyPointState(
        question_id=state.question_id,
        criterion_id=state.criterion_id,
        reviews=state.reviews + 1,
        repetitions=repetitions,
        ease=round(ease, 4),
        interval_days=interval,
        mastery=mastery,
        last_reviewed=at,
        due=_day_start(at, tz) + timedelta(days=interval),
        last_outcome=outcome,
    )


def schedule(reviews: Iterable[Review], tz: tzinfo | None = None) -> dict[tuple[str, str], KeyPointState]:
    """Fold stored reviews (oldest first) into the SM-2 state of every key point reviewed.

    Returns:
        State by ``(question_id, criterion_id)``.
    """
    states: dict[tuple[str, str], KeyPointState] = {}
    for item in sorted(reviews, key=lambda r: r.reviewed_at):
        key = (item.question_id, item.criterion_id)
        state = states.get(key) or KeyPointState(item.question_id, item.criterion_id)
        states[key] = review(state, outcome_of(item.verdict, item.followup_verdict), item.reviewed_at, tz)
    return states


QuestionGroup = Literal["due", "weak", "unseen", "later"]


@dataclass(frozen=True)
class QuestionStatus:
    """Where a question stands for spaced repetition.

    Attributes:
        rubric: The question.
        group: ``due``, ``weak`` (not due but weak), ``unseen`` or ``later``.
        mastery: Weight-averaged mastery of its key points (0 for never-reviewed ones); ``None`` if unseen.
        due: The earliest due time of its key points; ``None`` if unseen.
        key_points: The state of each key point, in rubric order.
    """

    rubric: Rubric
    group: QuestionGroup
    mastery: float | None
    due: datetime | None
    key_points: list[KeyPointState]


_GROUP_ORDER: dict[QuestionGroup, int] = {"due": 0, "weak": 1, "unseen": 2, "later": 3}


def plan_questions(
    rubrics: Iterable[Rubric], states: Mapping[tuple[str, str], KeyPointState], now: datetime
) -> list[QuestionStatus]:
    """Every question with its status, in the order an interview without ``--question`` asks them.

    Due questions come first, weakest first; then weak ones not yet due; then unseen ones (in the order
    given); then the rest, soonest due first.
    """
    statuses: list[QuestionStatus] = []
    for rubric in rubrics:
        points = [states.get((rubric.id, c.id)) or KeyPointState(rubric.id, c.id) for c in rubric.criteria]
        seen = any(point.reviews for point in points)
        if not seen:
            statuses.append(QuestionStatus(rubric, "unseen", None, None, points))
            continue
        total = sum(c.weight for c in rubric.criteria)
        mastery = round(sum(c.weight * p.mastery for c, p in zip(rubric.criteria, points, strict=True)) / total, 4)
        # A key point added to the rubric after the last answer has no due date: it is due now.
        due = min((p.due if p.due is not None else now) for p in points)
        if due <= now:
            group: QuestionGroup = "due"
        elif mastery < WEAK_MASTERY:
            group = "weak"
        else:
            group = "later"
        statuses.append(QuestionStatus(rubric, group, mastery, due, points))
    order = {status.rubric.id: index for index, status in enumerate(statuses)}

    def key(status: QuestionStatus) -> tuple[int, float, float, int]:
        rank = _GROUP_ORDER[status.group]
        weakness = status.mastery if status.mastery is not None else 0.0
        due = status.due.timestamp() if status.due is not None else 0.0
        if status.group == "later":
            return rank, due, weakness, order[status.rubric.id]
        return rank, weakness, due, order[status.rubric.id]

    return sorted(statuses, key=key)


def pick_questions(
    rubrics: Iterable[Rubric],
    reviews: Iterable[Review],
    now: datetime,
    *,
    topic: str | None = None,
    count: int | None = None,
    tz: tzinfo | None = None,
) -> list[Rubric]:
    """Choose the questions of a session: due and weak first, then unseen, then the rest.

    Args:
        rubrics: The questions to choose from.
        reviews: The stored key point reviews.
        now: The current time (timezone-aware).
        topic: Only questions with this topic (case-insensitive).
        count: At most this many questions.
        tz: The time zone of day boundaries (``None``: local).

    Returns:
        The questions in the order to ask them.

    Raises:
        InputError: No question has the topic; the message lists the topics there are.
    """
    pool = list(rubrics)
    if topic is not None:
        wanted = topic.strip().casefold()
        chosen = [rubric for rubric in pool if rubric.topic.casefold() == wanted]
        if not chosen:
            topics = ", ".join(sorted({r.topic for r in pool if r.topic})) or "(none)"
            raise InputError(f"--topic {topic}: no question has this topic; known topics: {topics}")
        pool = chosen
    planned = [status.rubric for status in plan_questions(pool, schedule(reviews, tz), now)]
    return planned[:count] if count is not None else planned


def probed_score(rubric: Rubric, grade: Grade, followup_verdicts: Mapping[str, Verdict]) -> float:
    """The answer's score counting the follow-up: a key point recovered earns :data:`PROMPTED_CREDIT` of it.

    Each key point earns the better of its unprompted credit and ``PROMPTED_CREDIT`` times its credit after
    the prompt; what that adds is added to the answer's own score (so the mistakes it stated keep costing what
    they cost there, and a recovered point is never hidden by penalties below 0), and a guard's cap on the
    answer (keyword list, off-topic, injection ...) still applies.

    Args:
        rubric: The rubric the answer was graded against.
        grade: The answer's grade.
        followup_verdicts: Verdicts after the prompt, by key point id.

    Returns:
        The score in ``[0, 1]``.
    """
    verdicts = {c.id: c.verdict for c in grade.criteria}
    stated = {m.id: (m.committed, m.evidence) for m in grade.mistakes}
    penalties = stated_penalties((m.penalty, *stated.get(m.id, (False, None))) for m in rubric.mistakes)
    weights = [(c.weight, verdicts.get(c.id, "missed")) for c in rubric.criteria]
    uncapped = score(weights, penalties)
    # grade_answer does not report a guard's cap; a grade below its own uncapped score reveals it.
    base = grade.score if grade.score is not None else uncapped
    cap = base if base < uncapped else 1.0
    total = sum(c.weight for c in rubric.criteria)
    gained = 0.0
    for criterion in rubric.criteria:
        credit = VERDICT_CREDIT[verdicts.get(criterion.id, "missed")]
        after = followup_verdicts.get(criterion.id)
        if after is not None:
            gained += criterion.weight * max(0.0, PROMPTED_CREDIT * VERDICT_CREDIT[after] - credit)
    # What the prompt recovered is added to the score as shown, so a recovered point always shows: penalties
    # that already took the answer to 0 do not swallow it.
    value = base + (gained / total if total > 0 else 0.0)
    return round(max(0.0, min(value, cap, 1.0)), 4)


# -- input ----------------------------------------------------------------------------------------------------

BlockKind = Literal["text", "skip", "quit", "eof"]


@dataclass(frozen=True)
class _Block:
    kind: BlockKind
    text: str


def _joined(lines: Sequence[str]) -> str:
    return "\n".join(lines).strip("\n")


# -- output ---------------------------------------------------------------------------------------------------


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
        graded_by: How the answers were really graded (:func:`mockint.practice.history.grading_label`); empty
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


class View(Protocol):
    """What the candidate sees; :class:`PlainView` for pipes and tests, :class:`RichView` for terminals."""

    def start(self, info: SessionInfo) -> None:
        """The session starts: how answers are graded, how to answer."""
        ...

    def question(self, position: int, total: int, rubric: Rubric, time_limit: float | None) -> None:
        """Show a question."""
        ...

    def line_prompt(self, first: bool, remaining: float | None) -> str:
        """The prompt shown before each line typed (only used on a terminal)."""
        ...

    def note(self, text: str) -> None:
        """A one-line message."""
        ...

    def warn(self, text: str) -> None:
        """A one-line warning."""
        ...

    def alarm(self, text: str) -> None:
        """A countdown warning, called from a timer thread while the candidate may be mid-line."""
        ...

    def grading(self) -> AbstractContextManager[None]:
        """Shown while an answer is being graded."""
        ...

    def followup(self, probe: Probe) -> None:
        """Show the follow-up question."""
        ...

    def feedback(self, outcome: AnswerOutcome) -> None:
        """Show the feedback on an answer (and its follow-up)."""
        ...

    def end(self, result: SessionResult, where: str) -> None:
        """The session ended; ``where`` says where it is saved."""
        ...


@dataclass(frozen=True)
class _Item:
    mark: str
    text: str
    quote: str | None = None
    quote_label: str = ""


@dataclass(frozen=True)
class _Section:
    title: str
    style: str
    items: list[_Item]


def _duration(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def _flat(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _headline(outcome: AnswerOutcome) -> str:
    grade = outcome.grade
    model = f", {grade.model}" if grade.model else ""
    parts = [f"Score {grade.score:.2f} ({grade.grader}{model})", _duration(outcome.seconds)]
    if outcome.probed_score is not None:
        parts.insert(1, f"{outcome.probed_score:.2f} counting the follow-up")
    if outcome.over_time > 0 and outcome.time_limit is not None:
        parts.append(f"over the {_duration(outcome.time_limit)} limit by {_duration(outcome.over_time)}")
    return " · ".join(parts)


def _sections(outcome: AnswerOutcome) -> list[_Section]:
    grade = outcome.grade
    sections: list[_Section] = []
    met = [c for c in grade.criteria if c.verdict == "met"]
    partial = [c for c in grade.criteria if c.verdict == "partial"]
    missed = [c for c in grade.criteria if c.verdict == "missed"]
    if met:
        items = [_Item("✓", c.text, c.evidence, "you said") for c in met]
        sections.append(_Section(f"Key points met ({len(met)} of {len(grade.criteria)})", "green", items))
    if partial:
        sections.append(_Section("Only partly covered", "yellow", [_Item("~", c.text, c.evidence) for c in partial]))
    if missed:
        sections.append(_Section("Key points missed", "red", [_Item("✗", c.text) for c in missed]))
    made = [m for m in grade.mistakes if m.committed]
    if made:
        items = [_Item("!", m.text, m.evidence, "you wrote") for m in made]
        sections.append(_Section("Typical mistakes made", "magenta", items))
    if outcome.probe is not None:
        sections.append(_followup_section(outcome))
    if outcome.tips:
        sections.append(_Section("How to say it in an interview", "cyan", [_Item("•", tip) for tip in outcome.tips]))
    if not missed and not partial and not made:
        sections.append(_Section("", "green", [_Item("★", "Every key point covered and no typical mistake made.")]))
    if grade.warnings:
        sections.append(_Section("Notes", "dim", [_Item("·", warning) for warning in grade.warnings]))
    return sections


def _followup_section(outcome: AnswerOutcome) -> _Section:
    probe = outcome.probe
    assert probe is not None
    items = [_Item("?", probe.question)]
    if outcome.followup_grade is None:
        items.append(_Item("–", "no reply given" if not outcome.followup_reply else "the reply was not graded"))
    else:
        after = {c.id: c for c in outcome.followup_grade.criteria}
        result = after.get(probe.criterion.id)
        verdict = result.verdict if result is not None else "missed"
        mark = {"met": "✓", "partial": "~"}.get(verdict, "✗")
        label = f"{recovery_label(probe.verdict, verdict)}: {probe.criterion.text}"
        evidence = result.evidence if result is not None and verdict != "missed" else None
        items.append(_Item(mark, label, evidence, "you said"))
        made = [m for m in outcome.followup_grade.mistakes if m.committed]
        items.extend(_Item("!", f"In the reply: {m.text}", m.evidence, "you wrote") for m in made)
    return _Section("Follow-up", "blue", items)


def _item_line(item: _Item) -> str:
    text = f"{item.mark} {_flat(item.text, 400)}"
    if item.quote:
        label = f"{item.quote_label}: " if item.quote_label else ""
        text += f" — {label}“{_flat(item.quote)}”"
    return text


def _where_saved(result: SessionResult, where: str) -> str:
    return (
        f"Session {result.session_id} saved in {where}. Review it with `mockint history show {result.session_id}`, "
        f"share it with `mockint history export {result.session_id} --out report.md`, "
        "see what is due with `mockint progress`."
    )


def _summary_line(result: SessionResult) -> str:
    mean = f"; mean score {result.mean_score:.2f}" if result.mean_score is not None else ""
    state = "Session interrupted" if result.status == "interrupted" else "Session finished"
    graded_by = f"\nGraded by: {result.graded_by}." if result.graded_by else ""
    return f"{state}: {len(result.outcomes)} answered, {result.skipped} skipped{mean}.{graded_by}"


_HOW_TO_ANSWER = (
    'End an answer with a line holding only "." (or Ctrl-D). On a line of their own: /skip skips the '
    "question, /quit ends the session."
)


class PlainView:
    """Plain text, for pipes, files and tests.

    Args:
        stream: Where to write.
        interactive: Whether a person is typing (then line prompts are shown).
    """

    def __init__(self, stream: IO[str], *, interactive: bool = False) -> None:
        self._stream = stream
        self._interactive = interactive
        self._lock = threading.Lock()

    def _print(self, text: str = "") -> None:
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()

    def start(self, info: SessionInfo) -> None:
        """Print how the session runs."""
        extras = []
        if info.time_limit is not None:
            extras.append(f"soft time limit {_duration(info.time_limit)} per answer")
        extras.append("follow-up questions on" if info.followup else "follow-up questions off")
        plural = "s" if info.total != 1 else ""
        self._print(f"Mock interview: {info.total} question{plural}; grading: {info.grading}; {'; '.join(extras)}.")
        self._print(_HOW_TO_ANSWER)

    def question(self, position: int, total: int, rubric: Rubric, time_limit: float | None) -> None:
        """Print the question."""
        topic = f" · {rubric.topic}" if rubric.topic else ""
        self._print()
        self._print(f"== Question {position}/{total} · {rubric.id}{topic} ==")
        self._print(rubric.question.strip())
        if self._interactive:
            self._print()

    def line_prompt(self, first: bool, remaining: float | None) -> str:
        """``> `` with the time left when there is a limit."""
        return _line_prompt(remaining)

    def note(self, text: str) -> None:
        """Print a message."""
        self._print(text)

    def warn(self, text: str) -> None:
        """Print a warning."""
        self._print(f"! {text}")

    def alarm(self, text: str) -> None:
        """Print a countdown warning on a line of its own."""
        self._print(f"\n! {text}")

    def grading(self) -> AbstractContextManager[None]:
        """Nothing to show while grading."""
        return nullcontext()

    def followup(self, probe: Probe) -> None:
        """Print the follow-up question."""
        self._print()
        self._print(f"Follow-up: {probe.question}")
        if self._interactive:
            self._print()

    def feedback(self, outcome: AnswerOutcome) -> None:
        """Print the feedback, section by section."""
        self._print()
        self._print(_headline(outcome))
        for section in _sections(outcome):
            if section.title:
                self._print(f"{section.title}:")
            for item in section.items:
                self._print(f"  {_item_line(item)}")

    def end(self, result: SessionResult, where: str) -> None:
        """Print the summary and where the session is saved."""
        self._print()
        self._print(_summary_line(result))
        self._print(_where_saved(result, where))


def _line_prompt(remaining: float | None) -> str:
    if remaining is None:
        return "> "
    if remaining <= 0:
        return "[time up] > "
    whole = int(remaining)
    return f"[{whole // 60}:{whole % 60:02d}] > "


class RichView:
    """Rich panels, for a terminal.

    Args:
        console: The rich console to draw on.
        interactive: Whether a person is typing.
    """

    def __init__(self, console: Console, *, interactive: bool = True) -> None:
        self._console = console
        self._interactive = interactive

    def start(self, info: SessionInfo) -> None:
        """Show how the session runs."""
        from rich.text import Text

        extras = [f"grading: {info.grading}"]
        if info.time_limit is not None:
            extras.append(f"soft time limit {_duration(info.time_limit)} per answer")
        extras.append("follow-up questions on" if info.followup else "follow-up questions off")
        plural = "s" if info.total != 1 else ""
        text = Text(f"Mock interview: {info.total} question{plural}\n", style="bold")
        text.append("; ".join(extras) + "\n", style="")
        text.append(_HOW_TO_ANSWER, style="dim")
        self._console.print(text)

    def question(self, position: int, total: int, rubric: Rubric, time_limit: float | None) -> None:
        """Show the question in a panel."""
        from rich.panel import Panel
        from rich.text import Text

        topic = f" · {rubric.topic}" if rubric.topic else ""
        self._console.print()
        self._console.print(
            Panel(
                Text(rubric.question.strip()),
                title=Text(f"Question {position}/{total} · {rubric.id}{topic}", style="bold"),
                title_align="left",
                border_style="blue",
            )
        )

    def line_prompt(self, first: bool, remaining: float | None) -> str:
        """``> `` with the time left when there is a limit."""
        return _line_prompt(remaining)

    def note(self, text: str) -> None:
        """Show a message."""
        from rich.text import Text

        self._console.print(Text(text))

    def warn(self, text: str) -> None:
        """Show a warning."""
        from rich.text import Text

        self._console.print(Text(f"! {text}", style="bold yellow"))

    def alarm(self, text: str) -> None:
        """Show a countdown warning on a line of its own (the candidate's typing goes on below it)."""
        from rich.text import Text

        self._console.print()
        self._console.print(Text(f"⏰ {text}", style="bold yellow"))

    @contextmanager
    def _status(self) -> Iterator[None]:
        with self._console.status("Grading…"):
            yield

    def grading(self) -> AbstractContextManager[None]:
        """A spinner while grading."""
        return self._status()

    def followup(self, probe: Probe) -> None:
        """Show the follow-up question in a panel."""
        from rich.panel import Panel
        from rich.text import Text

        self._console.print()
        self._console.print(
            Panel(Text(probe.question), title=Text("Follow-up", style="bold"), title_align="left", border_style="blue")
        )

    def feedback(self, outcome: AnswerOutcome) -> None:
        """Show the feedback in a panel, one coloured section per kind."""
        from rich.console import Group, RenderableType
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        parts: list[RenderableType] = []
        for section in _sections(outcome):
            if parts:
                parts.append(Text())
            if section.title:
                parts.append(Text(section.title, style=f"bold {section.style}"))
            # A grid gives wrapped lines a hanging indent under their text, not under the mark.
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=3, justify="right")
            grid.add_column(ratio=1)
            for item in section.items:
                grid.add_row(Text(item.mark, style=section.style), _rich_item(item))
            parts.append(grid)
        score = outcome.grade.score or 0.0
        colour = "green" if score >= 0.75 else "yellow" if score >= 0.4 else "red"
        self._console.print(
            Panel(
                Group(*parts),
                title=Text(_headline(outcome), style=f"bold {colour}"),
                title_align="left",
                border_style=colour,
            )
        )

    def end(self, result: SessionResult, where: str) -> None:
        """Show the summary and where the session is saved."""
        from rich.text import Text

        self._console.print()
        self._console.print(Text(_summary_line(result), style="bold"))
        self._console.print(Text(_where_saved(result, where), style="dim"))


def _rich_item(item: _Item) -> Text:
    from rich.text import Text

    # Text, never markup: the candidate's words may hold [brackets] that rich would read as styles.
    line = Text(_flat(item.text, 400))
    if item.quote:
        label = f"{item.quote_label}: " if item.quote_label else ""
        line.append(f" — {label}", style="dim")
        line.append(f"“{_flat(item.quote)}”", style="italic")
    return line


# -- the session ----------------------------------------------------------------------------------------------


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


TimerFactory = Callable[[float, Callable[[], None]], _Cancellable]


def start_timer(delay: float, action: Callable[[], None]) -> threading.Timer:
    """Run ``action`` once after ``delay`` seconds in a daemon thread (the countdown's warnings)."""
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
    return timer


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

    def _start_countdown(self, started: datetime) -> list[_Cancellable]:
        if self._time_limit is None or self._timer is None:
            return []
        limit = self._time_limit
        timers: list[_Cancellable] = []
        if limit >= 60:
            timers.append(self._timer(limit - 30, lambda: self._alarm("30 s left", limit, started)))
        up = f"Time is up ({_duration(limit)}, a soft limit): wrap up and end with a line holding only '.'"
        timers.append(self._timer(limit, lambda: self._alarm(up, limit, started)))
        return timers

    def _alarm(self, text: str, limit: float, started: datetime) -> None:
        """Warn, then give the line being typed its prompt back: the warning took its place on the screen."""
        self._view.alarm(text)
        self._lines.reprompt(self._view.line_prompt(False, limit - (self._clock() - started).total_seconds()))

    # one question

    def _ask(self, session_id: int, position: int, total: int, rubric: Rubric, result: SessionResult) -> bool:
        """Ask one question; return whether the session goes on."""
        shown_at = self._clock()
        self._view.question(position, total, rubric, self._time_limit)
        timers = self._start_countdown(shown_at)
        try:
            block = self._read(_Pending("answer", [], position, rubric, shown_at), shown_at)
        finally:
            for timer in timers:
                timer.cancel()
        answered_at = self._clock()
        self._pending = None
        if block.kind == "eof":
            return False
        if block.kind == "quit":
            if block.text.strip():
                self._add_answer(session_id, position, rubric, block.text, "unfinished", shown_at, answered_at)
            return False
        if block.kind == "skip" or not block.text.strip():
            if block.kind != "skip":
                self._view.note("No answer given; question skipped (type /skip to skip on purpose).")
            self._add_answer(session_id, position, rubric, block.text, "skipped", shown_at, answered_at)
            result.skipped += 1
            return True
        answer_id = self._add_answer(session_id, position, rubric, block.text, "ungraded", shown_at, answered_at)
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
    ) -> int:
        return self._store.add_answer(
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
        timers = self._start_countdown(asked_at)
        try:
            block = self._read(_Pending("followup", [], answer_id=outcome.answer_id), asked_at)
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
        sub_rubric = followup_rubric(outcome.rubric, [criterion.id], probe.question)
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


# -- progress -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionProgress:
    """Progress on one question: attempts, scores over time, mastery and due date."""

    id: str
    title: str
    topic: str
    attempts: int
    last_score: float | None
    best_score: float | None
    scores: list[tuple[datetime, float]]
    mastery: float | None
    due: datetime | None
    group: QuestionGroup


@dataclass(frozen=True)
class KeyPointProgress:
    """Progress on one key point: its SM-2 state."""

    question_id: str
    id: str
    text: str
    weight: float
    state: KeyPointState


@dataclass(frozen=True)
class ProgressReport:
    """What ``mockint progress`` shows.

    Attributes:
        generated_at: The time the report was made.
        questions: One entry per question, in the order they would be asked.
        key_points: One entry per key point, grouped by question in the same order.
        next: The question ids in the order ``mockint interview`` would ask them.
    """

    generated_at: datetime
    questions: list[QuestionProgress]
    key_points: list[KeyPointProgress]
    next: list[str]

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data (``mockint progress --format json``)."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "generated_at": iso(self.generated_at),
            "algorithm": "sm2",
            "next": self.next,
            "questions": [
                {
                    "id": q.id,
                    "title": q.title,
                    "topic": q.topic,
                    "attempts": q.attempts,
                    "last_score": q.last_score,
                    "best_score": q.best_score,
                    "scores": [{"at": iso(at), "score": value} for at, value in q.scores],
                    "mastery": q.mastery,
                    "due": iso(q.due),
                    "status": q.group,
                }
                for q in self.questions
            ],
            "key_points": [
                {
                    "question_id": k.question_id,
                    "id": k.id,
                    "text": k.text,
                    "weight": k.weight,
                    "reviews": k.state.reviews,
                    "mastery": k.state.mastery if k.state.reviews else None,
                    "due": iso(k.state.due),
                    "is_due": k.state.is_due(self.generated_at),
                    "interval_days": k.state.interval_days,
                    "ease": k.state.ease,
                    "last_outcome": k.state.last_outcome,
                }
                for k in self.key_points
            ],
        }


def build_progress(
    rubrics: Iterable[Rubric],
    reviews: Iterable[Review],
    attempts: Iterable[Attempt],
    now: datetime,
    tz: tzinfo | None = None,
) -> ProgressReport:
    """Progress per question and per key point, and the order of the next interview.

    Args:
        rubrics: The questions.
        reviews: The stored key point reviews.
        attempts: The stored graded answers.
        now: The current time (timezone-aware).
        tz: The time zone of day boundaries (``None``: local).

    Returns:
        The report.
    """
    plan = plan_questions(rubrics, schedule(reviews, tz), now)
    by_question: dict[str, list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda a: a.answered_at):
        by_question.setdefault(attempt.question_id, []).append(attempt)
    questions: list[QuestionProgress] = []
    key_points: list[KeyPointProgress] = []
    for status in plan:
        rubric = status.rubric
        tries = by_question.get(rubric.id, [])
        questions.append(
            QuestionProgress(
                id=rubric.id,
                title=rubric.title,
                topic=rubric.topic,
                attempts=len(tries),
                last_score=tries[-1].score if tries else None,
                best_score=max(t.score for t in tries) if tries else None,
                scores=[(t.answered_at, t.score) for t in tries],
                mastery=status.mastery,
                due=status.due,
                group=status.group,
            )
        )
        key_points.extend(
            KeyPointProgress(rubric.id, c.id, c.text, c.weight, state)
            for c, state in zip(rubric.criteria, status.key_points, strict=True)
        )
    return ProgressReport(now, questions, key_points, [status.rubric.id for status in plan])


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """A one-line chart of scores in ``[0, 1]`` (one block per value, on an absolute scale)."""
    return "".join(_BARS[min(len(_BARS) - 1, max(0, int(value * len(_BARS))))] for value in values)
