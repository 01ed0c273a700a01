"""What a mock interview session's LLM may still do: the judge and the follow-up writer, given up together.

In a batch, a failing judge is given a few answers' chances (the circuit breaker). In an interview a person waits
for every try: a server that is down costs the judge's whole retry budget on each answer and each follow-up. So the
first failure that says the *server* is the problem (connection refused or reset, timeout, an HTTP error, the
breaker open) gives the LLM up for the rest of the session: every later answer and reply is graded by the
deterministic checks at once, and follow-up questions come from the template. A failure that is about one reply's
content (``invalid_reply``, ``refusal``) gives up nothing: the next call may well succeed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint.errors import JudgeError
from mockint.grading import grade_answer
from mockint.judge.wrappers import JudgeWrapper
from mockint.models import Criterion, Grade, JudgeResult, Rubric, Verdict
from mockint.practice.followup import Asker, Probe, llm_followup, template_followup

if TYPE_CHECKING:
    from mockint.judge import Judge

__all__ = ["KEEPS_THE_LLM", "SessionLLM"]

KEEPS_THE_LLM = frozenset({"invalid_reply", "refusal"})
"""Failure reasons about one reply rather than the server: they do not give the LLM up."""


class _Watched(JudgeWrapper):
    """A judge that remembers its last failure, which ``grade_answer`` turns into a warning and swallows."""

    def __init__(self, inner: Judge) -> None:
        super().__init__(inner)
        self.error: JudgeError | None = None

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        try:
            return self._inner.judge(answer, rubric, answer_id=answer_id)
        except JudgeError as exc:
            self.error = exc
            raise


class SessionLLM:
    """The judge and the follow-up writer of one session, given up together at the first server failure.

    Args:
        judge: The LLM judge (``None``: deterministic grading).
        asker: The LLM that writes follow-up questions (``None``: template questions).
    """

    def __init__(self, judge: Judge | None, asker: Asker | None) -> None:
        self._judge = judge
        self._asker = asker
        self.given_up: str | None = None
        """The reason the LLM was given up (``None`` while it is used)."""

    @property
    def configured(self) -> bool:
        """Whether a judge was configured for the session."""
        return self._judge is not None

    def _give_up(self, exc: JudgeError) -> bool:
        """Give the LLM up unless the failure is about one reply; return whether this call gave it up."""
        if exc.reason in KEEPS_THE_LLM or self.given_up is not None:
            return False
        self.given_up = exc.reason
        return True

    def grade(self, answer: str, rubric: Rubric, *, answer_id: str) -> tuple[Grade, bool]:
        """Grade an answer or a follow-up reply, with the judge unless it was given up.

        Returns:
            The grade, and whether the judge was given up by this very call (say so once).
        """
        if self._judge is None:
            return grade_answer(answer, rubric, None, answer_id=answer_id), False
        if self.given_up is not None:
            grade = grade_answer(answer, rubric, None, answer_id=answer_id)
            note = f"LLM judge not asked: given up earlier in this session ({self.given_up}); graded deterministically"
            return grade.model_copy(update={"warnings": [*grade.warnings, note]}), False
        watched = _Watched(self._judge)
        grade = grade_answer(answer, rubric, watched, answer_id=answer_id)
        return grade, watched.error is not None and self._give_up(watched.error)

    def write_probe(
        self, rubric: Rubric, criterion: Criterion, verdict: Verdict, answer: str
    ) -> tuple[Probe, str | None]:
        """The follow-up question: the LLM's when there is one and it is not given up, else the template's.

        Returns:
            The probe, and a one-line warning to show when the LLM could not write it.
        """
        template = Probe(criterion, verdict, template_followup(criterion, verdict, answer), "template")
        if self._asker is None or self.given_up is not None:
            return template, None
        try:
            return llm_followup(self._asker, rubric, criterion, verdict, answer), None
        except JudgeError as exc:
            rest = ""
            if self._give_up(exc):
                rest = "; deterministic checks and template questions for the rest of the session"
            return template, f"the LLM could not write the follow-up ({exc.reason}); asking the template question{rest}"

    @staticmethod
    def given_up_warning(reason: str, *, followup: bool) -> str:
        """The one line shown when grading gave the judge up (``followup``: whether follow-ups are asked)."""
        rest = ", follow-up questions from the template" if followup else ""
        return f"the LLM judge failed ({reason}); grading with deterministic checks for the rest of the session{rest}"
