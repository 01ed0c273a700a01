"""Self-corrections said aloud (grading/reporting.py): what a candidate takes back ("... no, wait, that's not
it", "нет, подожди, не так") states no typical mistake; the corrected statement is graded as said."""

from __future__ import annotations

import pytest

from mockint.grading import grade_answer
from mockint.grading.reporting import corrects_itself, takes_back
from mockint.grading.text import parse
from mockint.rubrics import load_rubrics

AB = load_rubrics()["ab-significance"]
WRONG = "The p-value is basically the probability that the null hypothesis is true."


def stated(answer: str) -> set[str]:
    return {m.id for m in grade_answer(answer, AB).mistakes if m.committed and m.evidence}


def test_the_wrong_definition_alone_is_stated() -> None:
    assert stated(WRONG) == {"pvalue-hypothesis-true"}


@pytest.mark.parametrize(
    "correction",
    [
        "Um, no, wait, I mean the probability of data this extreme if the null is true.",
        "Sorry, I mean: the chance of a result at least this extreme under the null.",
        "Scratch that, it is the probability of data this extreme under the null.",
        "Нет, подожди, не так: это вероятность получить такой же результат, если эффекта нет.",
        "Хм, не так, это вероятность такого же результата при нулевой гипотезе.",
    ],
)
def test_a_sentence_taken_back_by_the_next_states_no_mistake(correction: str) -> None:
    assert "pvalue-hypothesis-true" not in stated(f"{WRONG} {correction}")


def test_a_clause_taken_back_within_the_sentence_states_no_mistake() -> None:
    answer = (
        "The p-value is the probability that the null hypothesis is true, no wait, the probability of data "
        "this extreme under the null."
    )
    assert "pvalue-hypothesis-true" not in stated(answer)


def test_a_correction_takes_back_only_the_sentence_before_it() -> None:
    answer = f"{WRONG} We pick alpha in advance. No, wait, we pick it before the test starts."
    assert stated(answer) == {"pvalue-hypothesis-true"}


def test_an_answer_opening_with_no_takes_nothing_back() -> None:
    doc = parse("No, wait: first the noise. " + WRONG)
    assert takes_back(doc.sentences[0])
    assert stated("No, wait: first the noise. " + WRONG) == {"pvalue-hypothesis-true"}


def test_what_is_not_a_self_correction() -> None:
    for text in ("No review is needed for a prototype.", "Wait for the full week, no peeking.", "So, not quite."):
        sentence = parse(text).sentences[0]
        assert not takes_back(sentence)
        assert not corrects_itself(sentence)
