"""What the history holds, read back: sessions, answers, follow-ups, reviews; and how a session was graded.

The records are what :class:`mockint.practice.history.HistoryStore` returns; they hold no connection.

**How a session was graded.** A session is started with a grader configured (``llm`` when a judge is set up,
else ``deterministic``), but the judge may fail or be given up along the way. So the grader a session shows is
derived from what graded its answers and follow-up replies, with the grade contract's vocabulary:

* ``llm``: every graded answer and reply was graded by the judge alone (each grade's ``grader`` is ``llm``);
* ``deterministic``: the judge was used for none of them (or nothing was graded without a judge configured);
* ``hybrid``: anything else: the judge took part in some of them, or all of them with deterministic verdicts
  beside its own (unverified quotes, guards).

What was configured is kept beside it, so nothing recorded is lost. A session with nothing graded keeps its
configured grader: nothing contradicts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mockint.models import Grade, GraderKind

__all__ = [
    "AnswerRecord",
    "Attempt",
    "FollowupRecord",
    "Review",
    "SessionGrading",
    "SessionRecord",
    "SessionSummary",
    "SpeechRecord",
    "grading_label",
    "grading_short",
    "session_grading",
]


@dataclass(frozen=True)
class SessionGrading:
    """How a session's answers were really graded.

    Attributes:
        grader: ``llm``, ``hybrid`` or ``deterministic`` (see the module docstring).
        model: The judge's model when the judge graded anything (or nothing was graded and one was configured).
        judged: Graded answers and follow-up replies the judge took part in.
        graded: Graded answers and follow-up replies.
        replies: How many of ``graded`` are follow-up replies.
        configured: The grader the session was started with.
        configured_model: The model the session was started with.
    """

    grader: GraderKind
    model: str | None
    judged: int
    graded: int
    replies: int
    configured: str
    configured_model: str | None


def session_grading(
    configured: str,
    configured_model: str | None,
    answers: Iterable[str | None],
    replies: Iterable[str | None] = (),
) -> SessionGrading:
    """Derive a session's grader from the graders of its graded answers and follow-up replies.

    Args:
        configured: The grader stored when the session started.
        configured_model: The model stored when the session started.
        answers: The ``grader`` of each answer (``None`` for an answer not graded).
        replies: The ``grader`` of each follow-up reply (``None`` for one not graded).

    Returns:
        The session's grading.
    """
    answer_graders = [g for g in answers if g is not None]
    reply_graders = [g for g in replies if g is not None]
    graders = answer_graders + reply_graders
    judged = sum(1 for g in graders if g in ("llm", "hybrid"))
    grader: GraderKind
    if not graders:
        grader = "llm" if configured == "llm" else "deterministic"
    elif all(g == "llm" for g in graders):
        grader = "llm"
    elif judged == 0:
        grader = "deterministic"
    else:
        grader = "hybrid"
    model = configured_model if grader != "deterministic" else None
    return SessionGrading(
        grader=grader,
        model=model,
        judged=judged,
        graded=len(graders),
        replies=len(reply_graders),
        configured=configured,
        configured_model=configured_model,
    )


def grading_label(grading: SessionGrading) -> str:
    """The words for how a session was graded ("Graded by: ..."), the same on the live screen and in the history.

    Examples: ``LLM judge (gpt-4o-mini)``; ``LLM judge (gpt-4o-mini) with deterministic checks``; ``LLM judge
    (gpt-4o-mini) for 2 of 3 graded answers and follow-up replies, deterministic checks for the rest``;
    ``deterministic checks (the LLM judge gpt-4o-mini was configured but graded nothing)``; ``deterministic
    checks (no LLM)``.
    """
    judge = "LLM judge" + (f" ({grading.model})" if grading.model else "")
    if grading.grader == "llm":
        return judge
    if grading.grader == "hybrid":
        if grading.judged == grading.graded:
            return f"{judge} with deterministic checks"
        what = "graded answers and follow-up replies" if grading.replies else "graded answers"
        return f"{judge} for {grading.judged} of {grading.graded} {what}, deterministic checks for the rest"
    if grading.configured == "llm":
        model = f" {grading.configured_model}" if grading.configured_model else ""
        return f"deterministic checks (the LLM judge{model} was configured but graded nothing)"
    return "deterministic checks (no LLM)"


def grading_short(grading: SessionGrading) -> str:
    """The same in a few words, for the ``mockint history`` table: ``LLM (m)``, ``LLM (m) 2/3``, ``deterministic``."""
    judge = "LLM" + (f" ({grading.model})" if grading.model else "")
    if grading.grader == "llm":
        return judge
    if grading.grader == "hybrid":
        return f"{judge} + checks" if grading.judged == grading.graded else f"{judge} {grading.judged}/{grading.graded}"
    return "deterministic"


@dataclass(frozen=True)
class FollowupRecord:
    """The follow-up probe asked after an answer, and the reply to it."""

    criterion_ids: list[str]
    question: str
    source: str
    model: str | None
    prompt_version: str | None
    asked_at: datetime
    reply: str | None
    status: str
    replied_at: datetime | None
    seconds: float | None
    score: float | None
    grader: str | None
    grade: Grade | None
    probed_score: float | None


@dataclass(frozen=True)
class SpeechRecord:
    """How a spoken answer was heard and said.

    Attributes:
        transcript: What the engine heard.
        stt_model: ``engine/model`` that heard it.
        delivery: How it was said (the ``delivery`` JSON of :mod:`mockint.practice.migrations`); empty when unknown.
        recording: The kept copy of the recording; ``None`` once removed (or when it could not be copied).
    """

    transcript: str
    stt_model: str | None
    delivery: dict[str, Any]
    recording: Path | None


@dataclass(frozen=True)
class AnswerRecord:
    """One question put to the candidate in a session, with what became of it."""

    id: int
    session_id: int
    position: int
    question_id: str
    question: str
    answer: str
    status: str
    shown_at: datetime
    answered_at: datetime | None
    seconds: float | None
    time_limit: float | None
    over_time: bool
    score: float | None
    grader: str | None
    model: str | None
    prompt_version: str | None
    grade: Grade | None
    tips: list[str]
    followup: FollowupRecord | None = None
    speech: SpeechRecord | None = None


@dataclass(frozen=True)
class SessionSummary:
    """One line of ``mockint history``.

    ``grader`` and ``model`` say what really graded the session's answers (see the module docstring);
    ``grading`` has the details and what was configured.
    """

    id: int
    started_at: datetime
    ended_at: datetime | None
    status: str
    grader: str
    model: str | None
    questions: int
    graded: int
    mean_score: float | None
    grading: SessionGrading | None = None


@dataclass(frozen=True)
class SessionRecord:
    """A whole session, for ``mockint history show`` and the Markdown report."""

    id: int
    started_at: datetime
    ended_at: datetime | None
    status: str
    grader: str
    model: str | None
    mockint_version: str
    options: dict[str, Any]
    answers: list[AnswerRecord] = field(default_factory=list)
    configured_grader: str | None = None
    configured_model: str | None = None

    @property
    def grading(self) -> SessionGrading:
        """How the session's answers and follow-up replies were really graded, and what was configured."""
        return session_grading(
            self.configured_grader or self.grader,
            self.configured_model if self.configured_grader is not None else self.model,
            [answer.grader if answer.status == "graded" else None for answer in self.answers],
            [a.followup.grader for a in self.answers if a.followup is not None and a.followup.status == "graded"],
        )

    @property
    def graded(self) -> list[AnswerRecord]:
        """The answers that were graded."""
        return [answer for answer in self.answers if answer.score is not None]

    @property
    def mean_score(self) -> float | None:
        """The mean unprompted score of the graded answers."""
        scores = [answer.score for answer in self.graded if answer.score is not None]
        return round(sum(scores) / len(scores), 4) if scores else None


@dataclass(frozen=True)
class Review:
    """One key point's verdicts in one graded answer (spaced repetition input)."""

    question_id: str
    criterion_id: str
    reviewed_at: datetime
    verdict: str
    followup_verdict: str | None


@dataclass(frozen=True)
class Attempt:
    """One graded answer to a question (progress input)."""

    question_id: str
    answered_at: datetime
    score: float
    probed_score: float | None
    wpm: float | None = None
    filler_rate: float | None = None
    session_id: int | None = None
