"""Grade one answer: deterministic checks always, the LLM judge when given, reconciled per key point.

The judge's word counts only where its quoted evidence is really in the answer; everything else falls back
to the deterministic checks, and a judge failure becomes a deterministic grade with a warning that says why
(inspect_ai's ``Score.unscored`` idea; never HealthBench's silent ``criteria_met: False``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from mockint.errors import JudgeError
from mockint.grading import evidence, matching
from mockint.grading.score import score, stated_penalties
from mockint.models import (
    Criterion,
    CriterionResult,
    Grade,
    GraderKind,
    JudgeCriterion,
    JudgeMistake,
    JudgeResult,
    JudgeScore,
    Mistake,
    MistakeResult,
    PanelMember,
    Rubric,
    Verdict,
)

if TYPE_CHECKING:
    from mockint.judge import Judge

# Guards that mean there is nothing worth sending to a paid judge.
_NO_JUDGE_GUARDS = frozenset({"empty", "garbage"})


def _reconcile_criterion(
    det: matching.CriterionMatch,
    llm: JudgeCriterion | None,
    criterion: Criterion,
    rubric: Rubric,
    answer: str,
    warnings: list[str],
) -> CriterionResult:
    text = criterion.text
    if llm is None:
        return CriterionResult(id=det.id, text=text, verdict=det.verdict, evidence=det.evidence)
    agree = det.verdict == llm.verdict
    if llm.verdict == "missed":
        return CriterionResult(id=det.id, text=text, verdict="missed", source="llm", agree=agree)
    # A judge that obeys the answer quotes the answer's own instructions: the quote must be in the answer
    # and about this key point.
    if not llm.evidence or not evidence.find_quote(llm.evidence, answer):
        problem = "its evidence is not in the answer"
    elif not evidence.supports(llm.evidence, criterion, rubric):
        problem = "its quote is not about this key point"
    else:
        return CriterionResult(
            id=det.id, text=text, verdict=llm.verdict, evidence=llm.evidence, source="llm", agree=agree
        )
    warnings.append(
        f"key point {det.id}: the judge said {llm.verdict!r} but {problem} (unverified); "
        f"kept the deterministic verdict {det.verdict!r}"
    )
    return CriterionResult(
        id=det.id, text=text, verdict=det.verdict, evidence=det.evidence, source="deterministic", agree=agree
    )


def _deterministic_mistake(
    match: matching.MistakeMatch, omission_of: Sequence[str], final: dict[str, Verdict]
) -> tuple[bool, str | None]:
    # A detector hit carries its evidence; an omission is judged on the final (reconciled) key points.
    if match.committed and match.evidence is not None:
        return True, match.evidence
    if matching.omitted(omission_of, final):
        return True, None
    return False, None


def _reconcile_mistake(
    det: tuple[bool, str | None],
    llm: JudgeMistake | None,
    mistake: Mistake,
    rubric: Rubric,
    answer: str,
    warnings: list[str],
) -> MistakeResult:
    det_committed, det_evidence = det
    mistake_id, text = mistake.id, mistake.text
    if llm is None:
        return MistakeResult(id=mistake_id, text=text, committed=det_committed, evidence=det_evidence)
    if not llm.committed:
        return MistakeResult(id=mistake_id, text=text, committed=False, source="llm")
    if not llm.evidence and mistake.omission_of:
        # An omission has nothing to quote.
        return MistakeResult(id=mistake_id, text=text, committed=True, source="llm")
    if not llm.evidence or not evidence.find_quote(llm.evidence, answer):
        problem = "its evidence is not in the answer"
    elif not evidence.supports_mistake(llm.evidence, mistake, rubric):
        problem = "its quote is not about this mistake"
    else:
        return MistakeResult(id=mistake_id, text=text, committed=True, evidence=llm.evidence, source="llm")
    warnings.append(
        f"mistake {mistake_id}: the judge said it was made but {problem} (unverified); kept the deterministic verdict"
    )
    return MistakeResult(id=mistake_id, text=text, committed=det_committed, evidence=det_evidence)


def _grader_kind(used_judge: bool, results: Sequence[CriterionResult | MistakeResult]) -> GraderKind:
    if not used_judge:
        return "deterministic"
    if all(item.source == "llm" for item in results):
        return "llm"
    return "hybrid"


_WORD = re.compile(r"[^\W\d_]{5,}")


@lru_cache(maxsize=4096)
def _content_words(text: str) -> frozenset[str]:
    # A rubric's tips and key points are looked at for every answer that misses something.
    return frozenset(word[:6] for word in _WORD.findall(text.casefold()))


def relevant_tips(rubric: Rubric, missed: Sequence[str], mistakes: Sequence[str]) -> list[str]:
    """The interview tips that speak to what the answer missed or got wrong.

    Args:
        rubric: The rubric whose tips to choose from.
        missed: Texts of key points missed or only partly covered.
        mistakes: Texts of the typical mistakes made.

    Returns:
        Tips sharing a content word with a problem; all tips when there are problems but none match.
    """
    if not missed and not mistakes:
        return []
    problem_words = set().union(*(_content_words(text) for text in [*missed, *mistakes]))
    chosen = [tip for tip in rubric.tips if _content_words(tip) & problem_words]
    return chosen or list(rubric.tips)


def _quote(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def feedback_text(
    rubric: Rubric,
    criteria: Sequence[CriterionResult],
    mistakes: Sequence[MistakeResult],
    guard_messages: Sequence[str],
) -> str:
    """Feedback for the candidate: key points missed, typical mistakes made (quoting the answer), tips.

    Args:
        rubric: The rubric graded against.
        criteria: The reconciled key point verdicts.
        mistakes: The reconciled mistake verdicts.
        guard_messages: Messages of the guards that fired.

    Returns:
        Plain text, one item per line.
    """
    lines: list[str] = [f"Note: {message}." for message in guard_messages]
    met = [c for c in criteria if c.verdict == "met"]
    partial = [c for c in criteria if c.verdict == "partial"]
    missed = [c for c in criteria if c.verdict == "missed"]
    made = [m for m in mistakes if m.committed]
    if met:
        lines.append(f"Covered {len(met)} of {len(criteria)} key points.")
    if missed:
        lines.append("Missed key points:")
        lines.extend(f"- {c.text}" for c in missed)
    if partial:
        lines.append("Only partly covered:")
        lines.extend(f"- {c.text}" + (f' (you wrote: "{_quote(c.evidence)}")' if c.evidence else "") for c in partial)
    if made:
        lines.append("Typical mistakes made:")
        lines.extend(f"- {m.text}" + (f' You wrote: "{_quote(m.evidence)}"' if m.evidence else "") for m in made)
    tips = relevant_tips(rubric, [c.text for c in [*missed, *partial]], [m.text for m in made])
    if tips:
        lines.append("How to say it in an interview:")
        lines.extend(f"- {tip}" for tip in tips)
    if not missed and not partial and not made and not guard_messages:
        lines.append("Every key point covered and no typical mistake made.")
    return "\n".join(lines)


def grade_answer(
    answer: str,
    rubric: Rubric,
    judge: Judge | None = None,
    *,
    answer_id: str | None = None,
    by_meaning_too: bool = True,
) -> Grade:
    """Grade one answer against a rubric.

    Deterministic checks always run. When a judge is given it is asked once; its verdicts are used where
    its evidence is verified in the answer. If the judge fails, the grade is deterministic and the reason is
    in ``warnings`` (never a silent zero); if its reply lacks some ids, those are graded deterministically,
    with a warning naming them. Several judges (a :class:`~mockint.judge.several.MultiJudge`, whose result has
    a ``panel``) vote: see ``_vote``; the grade then lists ``judges`` and ``stability``.

    Args:
        answer: The candidate's answer text.
        rubric: The rubric of the question answered.
        judge: An LLM judge, or ``None`` for deterministic grading.
        answer_id: The answer's id, copied into the grade.
        by_meaning_too: Let the optional meaning layer add credit when it is installed; False grades with the
            rubric's checks alone (``mockint rubric test`` tests the checks).

    Returns:
        The grade, per the grade output contract.
    """
    analysis = matching.analyse(answer, rubric, by_meaning_too=by_meaning_too)
    notes: list[str] = []
    result: JudgeResult | None = None
    fallback: str | None = None
    if judge is not None:
        if any(guard.kind in _NO_JUDGE_GUARDS for guard in analysis.guards):
            notes.append("LLM judge not asked: the answer has no gradeable text; graded deterministically")
        else:
            try:
                result = judge.judge(answer, rubric, answer_id=answer_id)
            except JudgeError as exc:
                fallback = exc.reason
                notes.append(f"LLM judge failed ({exc.reason}): {exc}; graded deterministically")
    # A guard that reads the answer's stance holds over a deterministic grade only: a judge reads it itself.
    guards = [guard for guard in analysis.guards if result is None or guard.judged_too]
    guard_messages = [guard.message for guard in guards]
    warnings = [*guard_messages, *notes]

    cap = min((guard.cap for guard in guards), default=1.0)
    judges: list[JudgeScore] | None = None
    stability: float | None = None
    if result is not None and result.panel:
        criteria, mistakes, judges, stability = _vote(analysis, result.panel, rubric, answer, warnings, cap)
    else:
        criteria, mistakes = _verdicts(analysis, result, rubric, answer, warnings)
    return Grade(
        id=answer_id,
        question_id=rubric.id,
        score=_score(rubric, criteria, mistakes, cap),
        grader=_grader_kind(result is not None, [*criteria, *mistakes]),
        model=result.model if result else None,
        prompt_version=result.prompt_version if result else None,
        criteria=criteria,
        mistakes=mistakes,
        feedback=feedback_text(rubric, criteria, mistakes, guard_messages),
        warnings=warnings,
        layers=list(analysis.layers),
        fallback=fallback,
        judges=judges,
        stability=stability,
    )


def _score(rubric: Rubric, criteria: Sequence[CriterionResult], mistakes: Sequence[MistakeResult], cap: float) -> float:
    return score(
        ((c.weight, r.verdict) for c, r in zip(rubric.criteria, criteria, strict=True)),
        stated_penalties((m.penalty, r.committed, r.evidence) for m, r in zip(rubric.mistakes, mistakes, strict=True)),
        cap,
    )


def _verdicts(
    analysis: matching.Analysis, result: JudgeResult | None, rubric: Rubric, answer: str, warnings: list[str]
) -> tuple[list[CriterionResult], list[MistakeResult]]:
    """One judge's result (or none) reconciled with the deterministic checks, key point by key point."""
    llm_criteria = {item.id: item for item in result.reply.criteria} if result else {}
    llm_mistakes = {item.id: item for item in result.reply.mistakes} if result else {}
    if result is not None and result.incomplete is not None:
        missing = [f"key point {c.id}" for c in rubric.criteria if c.id not in llm_criteria]
        missing += [f"mistake {m.id}" for m in rubric.mistakes if m.id not in llm_mistakes]
        if missing:
            warnings.append(
                f"the judge's reply was incomplete after a re-ask ({result.incomplete}); its other verdicts are "
                f"used, graded deterministically: {', '.join(missing)}"
            )

    criteria = [
        _reconcile_criterion(det, llm_criteria.get(det.id), criterion, rubric, answer, warnings)
        for det, criterion in zip(analysis.criteria, rubric.criteria, strict=True)
    ]
    final_verdicts: dict[str, Verdict] = {c.id: c.verdict for c in criteria}
    mistakes = [
        _reconcile_mistake(
            _deterministic_mistake(det, mistake.omission_of, final_verdicts),
            llm_mistakes.get(mistake.id),
            mistake,
            rubric,
            answer,
            warnings,
        )
        for det, mistake in zip(analysis.mistakes, rubric.mistakes, strict=True)
    ]
    return criteria, mistakes


def _vote(
    analysis: matching.Analysis,
    panel: Sequence[PanelMember],
    rubric: Rubric,
    answer: str,
    warnings: list[str],
    cap: float,
) -> tuple[list[CriterionResult], list[MistakeResult], list[JudgeScore], float | None]:
    """Several judges: each reconciled as if alone (its score), then per key point and mistake the plurality of
    the *verified* verdicts; a tie, or no verified verdict, keeps the deterministic one. See ``mockint.judge.several``.
    """
    from mockint.judge.several import plurality, stability

    judges: list[JudgeScore] = []
    ballots: list[tuple[list[CriterionResult], list[MistakeResult]]] = []
    for member in panel:
        if member.result is None:
            warnings.append(f"judge {member.label} failed ({member.reason}): {member.error}; left out of the vote")
            judges.append(JudgeScore(model=member.model, sample=member.sample, score=None, fallback=member.reason))
            continue
        own: list[str] = []
        criteria, mistakes = _verdicts(analysis, member.result, rubric, answer, own)
        warnings.extend(f"judge {member.label}: {warning}" for warning in own)
        ballots.append((criteria, mistakes))
        judges.append(
            JudgeScore(model=member.model, sample=member.sample, score=_score(rubric, criteria, mistakes, cap))
        )

    final: list[CriterionResult] = []
    for index, (det, criterion) in enumerate(zip(analysis.criteria, rubric.criteria, strict=True)):
        verified = [ballot[0][index] for ballot in ballots if ballot[0][index].source == "llm"]
        winner = plurality(item.verdict for item in verified)
        chosen = next((item for item in verified if item.verdict == winner), None)
        if chosen is not None:
            final.append(chosen.model_copy(update={"agree": det.verdict == chosen.verdict}))
            continue
        if verified:
            said = ", ".join(sorted(item.verdict for item in verified))
            warnings.append(
                f"key point {det.id}: the judges' verified verdicts tie ({said}); kept the deterministic verdict"
            )
        agree = all(item.verdict == det.verdict for item in verified) if verified else None
        final.append(
            CriterionResult(id=det.id, text=criterion.text, verdict=det.verdict, evidence=det.evidence, agree=agree)
        )
    final_verdicts: dict[str, Verdict] = {c.id: c.verdict for c in final}
    made: list[MistakeResult] = []
    for index, (det_match, mistake) in enumerate(zip(analysis.mistakes, rubric.mistakes, strict=True)):
        votes = [ballot[1][index] for ballot in ballots if ballot[1][index].source == "llm"]
        winner_made = plurality(item.committed for item in votes)
        picked = next((item for item in votes if item.committed == winner_made), None)
        if picked is not None:
            made.append(picked)
            continue
        if votes:
            warnings.append(f"mistake {mistake.id}: the judges' verified verdicts tie; kept the deterministic verdict")
        committed, evidence_text = _deterministic_mistake(det_match, mistake.omission_of, final_verdicts)
        made.append(MistakeResult(id=mistake.id, text=mistake.text, committed=committed, evidence=evidence_text))

    said_by_judges = [
        [item.verdict for member in panel if member.result for item in member.result.reply.criteria if item.id == c.id]
        for c in rubric.criteria
    ]
    return final, made, judges, stability(said_by_judges)
