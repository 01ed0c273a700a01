"""The meaning layer applied to verdicts: only upgrades, never from negated, mistaken or unreadable sentences.

Skipped when the ``semantic`` extra is not installed (the lexical grade is then the whole deterministic grade).
"""

from __future__ import annotations

import pytest

from mockint.grading import matching, meaning, semantic
from mockint.models import Rubric
from mockint.rubrics import load_rubrics

pytestmark = pytest.mark.skipif(not semantic.available(), reason="the semantic extra is not installed")

AB: Rubric = load_rubrics()["ab-significance"]
# No concept list of effect-size names "how strong the underlying change is", but the sentence states it.
PARAPHRASE = "Whether an experiment becomes significant depends on how strong the underlying change is."


@pytest.fixture(autouse=True)
def _layer_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCKINT_SEMANTIC", raising=False)


def verdicts(answer: str, *, by_meaning_too: bool = True) -> dict[str, str]:
    analysis = matching.analyse(answer, AB, by_meaning_too=by_meaning_too)
    return {c.id: c.verdict for c in analysis.criteria}


def test_a_paraphrase_meets_the_key_point_by_meaning_with_its_sentence_as_evidence() -> None:
    assert verdicts(PARAPHRASE, by_meaning_too=False)["effect-size"] == "missed"
    analysis = matching.analyse(PARAPHRASE, AB)
    effect = next(c for c in analysis.criteria if c.id == "effect-size")
    assert (effect.verdict, effect.evidence) == ("met", PARAPHRASE)
    assert analysis.layers == ("lexical", f"semantic:{semantic.MODEL_ID}")


def test_a_negated_sentence_is_never_upgraded() -> None:
    answer = "Whether an experiment becomes significant does not depend on how strong the underlying change is."
    assert verdicts(answer)["effect-size"] == "missed"


def test_a_russian_answer_keeps_its_lexical_grade() -> None:
    answer = "Размер истинной разницы определяет, станет ли эксперимент значимым; важна и выборка."
    assert verdicts(answer) == verdicts(answer, by_meaning_too=False)


def test_the_layer_only_adds_credit() -> None:
    answer = "Significance separates a real effect from random noise. " + PARAPHRASE
    credit = {"met": 2, "partial": 1, "missed": 0}
    with_layer, without = verdicts(answer), verdicts(answer, by_meaning_too=False)
    assert all(credit[with_layer[key]] >= credit[without[key]] for key in without)


def test_mockint_semantic_off_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINT_SEMANTIC", "off")
    assert not meaning.enabled()
    assert matching.analyse(PARAPHRASE, AB).layers == ("lexical",)


def test_restating_the_question_earns_nothing_by_meaning() -> None:
    assert set(verdicts(AB.question).values()) == {"missed"}


FASHION: Rubric = load_rubrics()["fashion-recommender"]


@pytest.mark.parametrize(
    ("criterion", "answer"),
    [
        # a comment clause turning the topic down
        ("hard-negatives", "Hard negatives taken from similar categories, we avoided them."),
        # a topic question answered "no" by the sentence after it
        ("failure-mode", "Failure modes like colour dominance? I would not bring that up at all, it is overrated."),
    ],
)
def test_a_sentence_the_stance_rules_turned_away_is_not_upgraded_by_meaning(criterion: str, answer: str) -> None:
    analysis = matching.analyse(answer, FASHION)
    assert next(c.verdict for c in analysis.criteria if c.id == criterion) == "missed"
