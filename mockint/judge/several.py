"""Several judges for one answer (``--judge-models a,b,c``, ``--samples N``) and the arithmetic of their vote.

:class:`MultiJudge` asks each member once per answer, in order. Each member is a whole judge stack of its own
(shared identical requests, the cache, a circuit breaker per model, the OpenAI judge; see
:func:`mockint.judge.judge_stack`), so a member's reply is cached under its own model (and sample number), and
a dead model opens its own breaker without stopping the others. It returns one
:class:`~mockint.models.JudgeResult` whose ``panel`` holds every member's result or failure. A member that fails
is left out of the vote (its failure stays in the panel, and grading warns about it); when every member fails,
:meth:`MultiJudge.judge` raises, so the answer is graded deterministically with a warning, as with one judge.

Which verdicts count is decided in grading (:func:`mockint.grading.grade_answer`), which verifies each member's
evidence exactly as it does a single judge's: only there are the answer, the rubric's evidence checks and the
deterministic verdicts to fall back on. The vote itself is plain arithmetic, here:

* :func:`plurality`: per key point (and per mistake), the verdict with the most *verified* votes; a tie for the
  most, or no verified vote at all, leaves the deterministic verdict.
* :func:`stability`: how far the judges agreed, from their own verdicts (verified or not).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from mockint.errors import JudgeError
from mockint.models import JudgeResult, PanelMember

if TYPE_CHECKING:
    from mockint.judge import Judge
    from mockint.models import Rubric

__all__ = ["MultiJudge", "agreement", "plurality", "stability"]

H = TypeVar("H", bound=Hashable)

_ERROR_CHARS = 300


class MultiJudge:
    """A judge made of several: each member is asked once per answer, and the result holds them all.

    Args:
        members: The judges, in the order they vote, each with its sample number (``None`` unless one model is
            sampled several times).

    Raises:
        ValueError: Fewer than two members.
    """

    def __init__(self, members: Sequence[tuple[Judge, int | None]]) -> None:
        if len(members) < 2:
            raise ValueError("several judges need at least two members")
        self.members = list(members)

    @property
    def model(self) -> str:
        """The members' models, each once, comma-separated in order (``"a,b,c"``; one name for samples)."""
        return ",".join(dict.fromkeys(judge.model for judge, _ in self.members))

    @property
    def prompt_version(self) -> str:
        """The first member's prompt version (all members read the same prompt files)."""
        return self.members[0][0].prompt_version

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """Ask every member about ``answer``; their results (and failures) are in the result's ``panel``.

        Returns:
            The first answering member's reply, the models, the requests of all members, and the panel.

        Raises:
            JudgeError: Every member failed; the reason is the first member's, the message names each failure.
        """
        panel: list[PanelMember] = []
        for judge, sample in self.members:
            try:
                result = judge.judge(answer, rubric, answer_id=answer_id)
            except JudgeError as exc:
                message = str(exc)
                if len(message) > _ERROR_CHARS:
                    message = message[: _ERROR_CHARS - 1] + "…"
                panel.append(PanelMember(model=judge.model, sample=sample, reason=exc.reason, error=message))
            else:
                panel.append(PanelMember(model=judge.model, sample=sample, result=result))
        answered = [member.result for member in panel if member.result is not None]
        if not answered:
            failures = "; ".join(f"{member.label}: {member.error}" for member in panel)
            raise JudgeError(f"every judge failed ({failures})", reason=panel[0].reason or "judge_failed")
        first = answered[0]
        return JudgeResult(
            reply=first.reply,
            model=self.model,
            prompt_version=first.prompt_version,
            requests=sum(result.requests for result in answered),
            panel=panel,
        )


def plurality(votes: Iterable[H]) -> H | None:
    """The value with the most votes.

    Args:
        votes: One value per judge that may vote.

    Returns:
        The value most votes went to; ``None`` when there is no vote, or when two values tie for the most.
    """
    ranked = Counter(votes).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def agreement(votes: Sequence[Hashable]) -> float | None:
    """How far the votes on one key point agree: ``max(0, 2p - 1)``, ``p`` the share of the most common value.

    So unanimity is 1.0, an even split between two verdicts (or anything more scattered) is 0.0, and two judges
    of three agreeing is 1/3.

    Args:
        votes: The judges' verdicts on one key point.

    Returns:
        The agreement, or ``None`` with fewer than two votes (nothing to agree about).
    """
    if len(votes) < 2:
        return None
    top = Counter(votes).most_common(1)[0][1]
    return max(0.0, 2 * top / len(votes) - 1)


def stability(per_key_point: Iterable[Sequence[Hashable]]) -> float | None:
    """The judges' stability on one answer: the mean :func:`agreement` over the key points with two votes or more.

    Args:
        per_key_point: For each key point, the verdicts of the judges that gave one (a judge that failed, or whose
            reply lacked the key point, does not vote).

    Returns:
        0..1, rounded to 4 places (1.0: every judge gave every key point the same verdict); ``None`` when no key
        point had two votes.
    """
    values = [value for value in map(agreement, per_key_point) if value is not None]
    if not values:
        return None
    return round(sum(values) / len(values), 4)


if TYPE_CHECKING:

    def _conforms(judge: MultiJudge) -> Judge:
        """Lets mypy check that MultiJudge satisfies the Judge protocol."""
        return judge
