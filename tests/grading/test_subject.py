"""The rubric's subject words (Rubric.subject, grading/guards.py): an answer that never names what the question
is about answers another question, whatever terms it reuses. Answers in words of my own."""

from __future__ import annotations

import pytest

from mockint.grading import grade_answer
from mockint.grading.guards import SUBJECT_CAP
from mockint.grading.matching import compiled_checks
from mockint.rubrics import load_rubrics

RUBRICS = load_rubrics()
NEVER_NAMED = "answer never names what the question is about (none of the rubric's subject words)"

# A search system for a help desk, told with the fashion rubric's terms: retrieval, reranking, embeddings,
# hard negatives, features. Nothing in it is about clothes.
HELP_DESK = (
    "For our help-desk search we embed every article with a bi-encoder and retrieve the top two hundred by "
    "nearest-neighbour search, then a cross-encoder reranks them using click-through rate and freshness "
    "features. We mined hard negatives from articles that share keywords but solve a different problem, "
    "which helped far more than random negatives. What still fails is long queries with two questions in them."
)


def test_an_answer_to_another_question_that_reuses_the_terms_is_capped() -> None:
    grade = grade_answer(HELP_DESK, RUBRICS["fashion-recommender"])
    assert NEVER_NAMED in grade.warnings
    assert grade.score <= SUBJECT_CAP
    # Its key points are still reported as matched: the cap, not the verdicts, says it is off the question.
    assert any(c.verdict != "missed" for c in grade.criteria)


def test_the_same_answer_about_outfits_is_not_capped() -> None:
    about_outfits = HELP_DESK.replace("help-desk search", "outfit recommender").replace("article", "garment")
    grade = grade_answer(about_outfits, RUBRICS["fashion-recommender"])
    assert NEVER_NAMED not in grade.warnings
    assert grade.score > SUBJECT_CAP


def test_a_short_note_may_leave_the_subject_implied() -> None:
    note = "Two stages: cheap retrieval by embeddings, then a reranker with CTR and stock."
    assert NEVER_NAMED not in grade_answer(note, RUBRICS["fashion-recommender"]).warnings


def test_a_denied_subject_is_still_named() -> None:
    answer = "This is not about images at all: " + HELP_DESK
    assert NEVER_NAMED not in grade_answer(answer, RUBRICS["cnn-explained"]).warnings


def test_a_rubric_without_subject_words_never_caps_for_them() -> None:
    rubric = RUBRICS["genai-tools"]
    assert not rubric.subject and compiled_checks(rubric).subject is None
    answer = (
        "They are great for boilerplate and tests, but they invent APIs when the task is vague, so I give them "
        "the exact files and constraints, review every diff, run the checks and own what ships."
    )
    assert NEVER_NAMED not in grade_answer(answer, rubric).warnings


def test_editing_the_subject_recompiles_the_rubric() -> None:
    rubric = RUBRICS["cnn-explained"]
    widened = rubric.model_copy(update={"subject": [*rubric.subject, "help-desk"]})
    assert compiled_checks(widened) is not compiled_checks(rubric)
    assert NEVER_NAMED not in grade_answer(HELP_DESK, widened).warnings
    assert NEVER_NAMED in grade_answer(HELP_DESK, rubric).warnings


@pytest.mark.parametrize(
    "answer",
    [
        # In Russian ("образов", "стилисты").
        "Сначала генерация кандидатов по эмбеддингам, потом отдельный ранкер с CTR и остатками, а позитивы "
        "берём из образов, которые собрали стилисты, и hard negatives из соседних категорий.",
        # By garments alone.
        "Candidates come from an embedding search over photos and descriptions, so for a hoodie we pull boots, "
        "jeans and a coat from neighbouring categories; a reranker then orders them by click-through and stock.",
    ],
)
def test_an_answer_that_names_the_subject_in_its_own_words_is_not_capped(answer: str) -> None:
    assert NEVER_NAMED not in grade_answer(answer, RUBRICS["fashion-recommender"]).warnings


def test_words_that_name_other_things_too_are_not_subject_words() -> None:
    # "top" (of a ranking) and "bag" (of words) are not clothes here: they are left out of the subject words.
    answer = HELP_DESK + " A bag-of-words baseline ranked the top ten articles well."
    assert NEVER_NAMED in grade_answer(answer, RUBRICS["fashion-recommender"]).warnings
