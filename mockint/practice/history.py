"""What a session's record says about how it was graded, in words shared by the live screen and the history.

A session is started with a grader configured (``llm`` when a judge is set up, else ``deterministic``), but the
judge may fail or be given up along the way. So the grader a session shows is derived from what graded its
answers and follow-up replies, with the grade contract's vocabulary:

* ``llm``: every graded answer and reply was graded by the judge alone (each grade's ``grader`` is ``llm``);
* ``deterministic``: the judge was used for none of them (or nothing was graded without a judge configured);
* ``hybrid``: anything else: the judge took part in some of them, or all of them with deterministic verdicts
  beside its own (unverified quotes, guards).

What was configured is kept beside it, so nothing recorded is lost. A session with nothing graded keeps its
configured grader: nothing contradicts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mockint.models import GraderKind

__all__ = ["SessionGrading", "grading_label", "grading_short", "session_grading"]


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
