"""The dismissive-answer guard (grading/guards.py): an answer that dismisses at least two key points, and no
fewer than it meets, is capped at 0.3 in a deterministic grade; a judge's grade is not capped by it."""

from __future__ import annotations

from mockint.grading import grade_answer
from mockint.grading.guards import DISMISSIVE_CAP
from mockint.models import JudgeCriterion, JudgeMistake, JudgeReply, JudgeResult, Rubric
from mockint.rubrics import load_rubrics

CNN = load_rubrics()["cnn-explained"]

# Meets small-filter-slides (weight 3) and weight-sharing (3) of the rubric's 16: 6 / 16 = 0.375 before the cap;
# dismisses the hierarchy ("supposedly, but honestly that is overrated") and pooling ("a pointless detail").
TWO_MET_TWO_DISMISSED = (
    "A small filter slides across the image. The same weights are reused at every position. Deeper layers "
    "combine edges into parts and then objects, supposedly, but honestly that is overrated. Pooling is a "
    "pointless detail."
)
# Meets four key points and dismisses one (pooling): a candidate's opinion, not a negation trap.
FOUR_MET_ONE_DISMISSED = (
    "A small filter slides across the image and computes a weighted sum of the nearby pixels at each position. "
    "Its weights are learned during training. Deeper layers build edges into parts and then into whole objects. "
    "Pooling is a detail I find overrated."
)


def _dismissive(warnings: list[str]) -> list[str]:
    return [warning for warning in warnings if warning.startswith("answer dismisses")]


def test_an_answer_dismissing_as_many_key_points_as_it_meets_is_capped() -> None:
    grade = grade_answer(TWO_MET_TWO_DISMISSED, CNN)
    met = {c.id for c in grade.criteria if c.verdict == "met"}
    assert met == {"small-filter-slides", "weight-sharing"}
    assert grade.score == DISMISSIVE_CAP == 0.3
    assert _dismissive(grade.warnings) == ["answer dismisses more key points than it makes (2 dismissed, 2 met)"]
    assert "Note: answer dismisses more key points" in grade.feedback


def test_one_dismissal_beside_more_met_key_points_is_not_capped() -> None:
    grade = grade_answer(FOUR_MET_ONE_DISMISSED, CNN)
    assert not _dismissive(grade.warnings)
    # small-filter-slides 3 + filters-learned 2 + local-weighted-sum 2 + hierarchy 3 = 10 of 16
    assert grade.score == 0.625


def test_an_answer_without_any_dismissal_is_not_capped() -> None:
    grade = grade_answer("A small filter slides across the image. The same weights are reused at every position.", CNN)
    assert not _dismissive(grade.warnings)
    assert grade.score == 0.375


class _AgreeingJudge:
    """A judge that finds the two key points the answer states, quoting the sentences that state them."""

    model = "scripted-model"
    prompt_version = "judge@test"

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        evidence = {
            "small-filter-slides": "A small filter slides across the image.",
            "weight-sharing": "The same weights are reused at every position.",
        }
        reply = JudgeReply(
            criteria=[
                JudgeCriterion(
                    id=c.id,
                    rationale="r",
                    verdict="met" if c.id in evidence else "missed",
                    evidence=evidence.get(c.id),
                )
                for c in rubric.criteria
            ],
            mistakes=[JudgeMistake(id=m.id, rationale="r", committed=False, evidence=None) for m in rubric.mistakes],
        )
        return JudgeResult(reply=reply, model=self.model, prompt_version=self.prompt_version)


def test_a_judge_grade_is_not_capped_by_the_stance_guard() -> None:
    # The judge reads the stance itself; the guard's reading holds over a deterministic grade only.
    grade = grade_answer(TWO_MET_TWO_DISMISSED, CNN, _AgreeingJudge())
    assert grade.grader != "deterministic"
    assert not _dismissive(grade.warnings)
    assert grade.score == 0.375
