"""Salads that the list-shaped pretests let through (grading/salad.py): prose that crowds four or more key
points into one sentence, terms side by side without commas, and an outline of items too long to be bare.
Each answer is in words of my own, not taken from a labelled set."""

from __future__ import annotations

import pytest

from mockint.grading import grade_answer
from mockint.grading.denials import stated_checks, statements
from mockint.grading.finder import PhraseMatcher
from mockint.grading.matching import compiled_checks
from mockint.grading.salad import crowded, may_hold_salad
from mockint.grading.text import parse
from mockint.rubrics import load_rubrics

RUBRICS = load_rubrics()
SALAD = "answer strings the rubric's terms together without explaining them"


def test_a_salad_dressed_as_prose_with_long_clauses_is_capped() -> None:
    # No two short comma-separated items, so the list pretest alone would not look: four key points are crowded
    # into one sentence, three of their terms are listed, and nothing is explained.
    answer = (
        "The CNN harnesses learned kernels, shared weights and pooling-driven receptive fields in a layered "
        "hierarchy, so locality and filters synergise into features, unlike a fully connected design."
    )
    grade = grade_answer(answer, RUBRICS["cnn-explained"])
    assert grade.score <= 0.3
    assert SALAD in grade.warnings


def test_a_dense_sentence_that_describes_each_point_is_not_a_salad() -> None:
    # The paraphrase states four key points in one sentence, but lists none of their terms.
    answer = (
        "A small stencil dragged over every spot of the picture, tuned during training rather than designed by "
        "hand, the same stencil reused everywhere, instead of wiring every pixel to every neuron."
    )
    rubric = RUBRICS["cnn-explained"]
    compiled = compiled_checks(rubric)
    doc = parse(answer)
    assert crowded(statements(stated_checks(compiled, PhraseMatcher(doc, compiled))))
    assert SALAD not in grade_answer(answer, rubric).warnings


def test_terms_side_by_side_without_commas_are_a_list() -> None:
    answer = (
        "Retrieval reranking FashionCLIP embeddings ANN hard negatives outfit triplets CTR stock price margin "
        "colour dominance monochrome similarity: that is the recommender."
    )
    assert may_hold_salad(parse(answer))
    grade = grade_answer(answer, RUBRICS["fashion-recommender"])
    assert grade.score <= 0.3
    assert SALAD in grade.warnings


def test_a_long_run_of_words_without_function_words_is_rare_in_prose() -> None:
    # Eleven words in a row without a function word are still prose; fourteen and more are a list.
    prose = "Classical computer vision people hand crafted filters like Sobel edge detectors for years."
    assert not may_hold_salad(parse(prose))


def test_an_outline_of_items_too_long_to_be_bare_is_a_salad() -> None:
    answer = (
        "- FashionCLIP candidate reranking with negatives\n- outfit embedding triplets across categories\n"
        "- colour dominance CTR stock margin\n- multimodal retrieval of adjacent labels"
    )
    assert may_hold_salad(parse(answer))
    assert grade_answer(answer, RUBRICS["fashion-recommender"]).score <= 0.3


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (
            "ab-significance",
            "Our routine: pick alpha = 0.05 up front, compute the sample size from the expected effect size and the "
            "metric's variance, then run the test to the planned end and compare the p-value with alpha.",
        ),
        (
            "genai-tools",
            "Для бойлерплейта ассистент полезен, но мы даём ему точный контекст, проверяем код тестами и ревью "
            "диффа, а за прод отвечаю я.",
        ),
    ],
)
def test_steps_of_a_procedure_that_name_four_points_are_not_a_salad(question: str, answer: str) -> None:
    rubric = RUBRICS[question]
    compiled = compiled_checks(rubric)
    assert crowded(statements(stated_checks(compiled, PhraseMatcher(parse(answer), compiled))))
    grade = grade_answer(answer, rubric)
    assert SALAD not in grade.warnings
    assert sum(1 for c in grade.criteria if c.verdict == "met") >= 4


def test_the_crowded_pretest_counts_key_points_stated_whole() -> None:
    assert crowded({0: 4})
    assert not crowded({0: 3, 1: 3})


@pytest.mark.parametrize(
    ("question", "answer", "floor"),
    [
        # A definition that names the question's subject and explains.
        (
            "cnn-explained",
            "A convolutional neural network is a stack of layers that slide a small learned filter over the image. "
            "At each spot the filter computes a weighted sum of the pixels around it. The same weights are reused "
            "at every position, so a pattern learned once is found anywhere.",
            0.5,
        ),
        # Terms chained by "and" inside an explanation.
        (
            "ab-significance",
            "Significance tells us whether the gap between groups is a real effect or random noise. The p-value "
            "is the probability of data this extreme if the null hypothesis is true. The sample size and the "
            "variance and the effect size decide the power, so we plan them before the test.",
            0.6,
        ),
    ],
)
def test_an_explanation_that_names_the_terms_is_not_a_salad(question: str, answer: str, floor: float) -> None:
    grade = grade_answer(answer, RUBRICS[question])
    assert SALAD not in grade.warnings
    assert grade.score >= floor


def test_one_term_of_another_in_an_explanation_is_prose() -> None:
    # "the probability of a result" is how the p-value is defined, not a chain.
    answer = (
        "The p-value is the probability of a result at least as extreme as ours if there were no real effect. We "
        "pick alpha, say 0.05, before the test and reject the null when p is below it."
    )
    grade = grade_answer(answer, RUBRICS["ab-significance"])
    assert SALAD not in grade.warnings
    assert next(c.verdict for c in grade.criteria if c.id == "pvalue-definition") == "met"


def test_a_sentence_of_terms_side_by_side_without_a_function_word_is_list_shaped() -> None:
    # Commas or not, terms of many key points with not one function word between them are a list of terms.
    doc = parse("Candidate generation embeddings reranking, hard negatives outfits triplets color dominance.")
    assert may_hold_salad(doc)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # The question's subject named, then its terms added up: neither the subject nor "plus" explains anything.
        (
            "cnn-explained",
            "Honestly a CNN is just convolution plus filters plus weight sharing plus pooling plus hierarchy, with "
            "locality and receptive field on top. Edges, parts, objects.",
        ),
        # Grammatical, and meaningless: "the verification of the boilerplate", "the autocomplete of the edge
        # cases" join terms of different key points; the runs of terms before them explain nothing either.
        (
            "genai-tools",
            "Autocomplete boilerplate docs, verification accountability. Tests diff review monitoring privacy. The "
            "underspecified refactor owns the humans, and the context is decomposed into hallucinations of "
            "accountability, so the verification of the boilerplate reviews the autocomplete of the edge cases.",
        ),
        # Sentences of terms with no function word, then a short claim.
        (
            "fashion-recommender",
            "Candidate generation embeddings reranking, hard negatives outfits triplets color dominance. Outfit "
            "positives triplets, ranker CTR stock, FashionCLIP ANN retrieval. So it works.",
        ),
        # A list said aloud: after the commas the same terms chained with "and". The terms are located once, so
        # before, each chained word counted as an explaining word, which was enough to pass as prose.
        (
            "ab-significance",
            "A/B testing, so, p-value, alpha, power, variance, effect size, sample size, so the p-value and the "
            "alpha and the power and the variance, all of it together is significance.",
        ),
        (
            "genai-tools",
            "genai tools, um, autocomplete, boilerplate, hallucinated APIs, context, review, tests, so the context "
            "and the review and the tests and the boilerplate, that's basically it",
        ),
    ],
)
def test_terms_strung_together_in_these_shapes_are_a_salad(question: str, answer: str) -> None:
    grade = grade_answer(answer, RUBRICS[question])
    # Either guard of the kind: terms strung together, or (with hardly a function word left) a bare list.
    assert SALAD in grade.warnings or "answer is a bare list of keywords, not sentences" in grade.warnings
    assert grade.score <= 0.3


# Consulting-speak and praise without content (grading/salad.py: buzzwords, _praises_only); in words of my own.


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (
            "ab-significance",
            "Our experimentation culture seamlessly leverages p-values and effect sizes, holistically "
            "operationalising sample size and variance to empower data-driven decisions at scale.",
        ),
        (
            "genai-tools",
            "GenAI assistants are a game changer that synergise context, tests and code review into an ecosystem "
            "of best practices for the whole engineering lifecycle.",
        ),
        (
            "fashion-recommender",
            "Наш рекомендер — это синергия эмбеддингов, reranking'а и hard negatives, которая даёт ценность для "
            "бизнеса нового уровня.",
        ),
    ],
)
def test_key_points_named_among_consulting_speak_earn_nothing(question: str, answer: str) -> None:
    grade = grade_answer(answer, RUBRICS[question])
    assert all(c.verdict == "missed" for c in grade.criteria)
    assert grade.score <= 0.3


def test_one_buzzword_beside_an_explanation_is_no_salad() -> None:
    answer = (
        "We leverage FashionCLIP to embed each item's photo and text into one space, retrieve the nearest items "
        "from complementary categories, and then a separate reranker orders them with CTR and stock."
    )
    grade = grade_answer(answer, RUBRICS["fashion-recommender"])
    met = {c.id for c in grade.criteria if c.verdict == "met"}
    assert {"retrieval-vs-reranking", "embedding-retrieval"} <= met


def test_an_answer_of_terms_called_important_is_a_salad() -> None:
    answer = (
        "Weight sharing is crucial. Pooling and the receptive field are key. Learned filters matter a lot. The "
        "hierarchy of features is also very important."
    )
    grade = grade_answer(answer, RUBRICS["cnn-explained"])
    assert grade.score <= 0.3
    assert SALAD in grade.warnings


def test_praise_beside_explaining_sentences_keeps_its_credit() -> None:
    answer = (
        "Effect size matters a lot. Sample size is key: more users shrink the standard error, so we plan it with "
        "a power analysis before launch. A noisy metric with high variance needs more data or CUPED."
    )
    grade = grade_answer(answer, RUBRICS["ab-significance"])
    assert SALAD not in grade.warnings
    met = {c.id for c in grade.criteria if c.verdict == "met"}
    assert {"sample-size", "variance"} <= met


def test_terms_strung_on_empty_connectives_are_a_salad() -> None:
    # Without the connectives rule this grades 0.8: every key point is named, none is explained.
    answer = (
        "In A/B testing significance is essentially about telling a real effect from random noise, which in turn "
        "brings us to the p-value under the null hypothesis, and therefore to the alpha level chosen in advance. "
        "Moreover, effect size and sample size, as well as metric variance, are all connected to test design and "
        "traffic allocation, and in that sense broken randomization also belongs to the same picture."
    )
    grade = grade_answer(answer, RUBRICS["ab-significance"])
    assert grade.score <= 0.3
    assert SALAD in grade.warnings


def test_one_long_sentence_of_a_dense_correct_answer_is_no_salad() -> None:
    # Eight key points in one sentence, with a short aside (", say 3x3,") that makes the answer list-shaped:
    # each point is described, not listed, so it keeps its credit (0.3 when every crowded sentence of a
    # list-shaped answer was taken for a salad).
    answer = (
        "Rather than wiring every pixel to every neuron, which is costly and ignores that neighbouring pixels "
        "belong together, a convolutional layer drags a small grid of weights, say 3x3, across the picture, "
        "computing at each spot a weighted sum of the pixels beneath it, and since that one grid is reused "
        "everywhere, a pattern learned during training (nobody designs it by hand) is recognised wherever it "
        "shows up; each layer holds many such grids for edges, colours and textures, pooling shrinks the map so "
        "each unit sees a wider area, and stacked layers turn edges into parts and parts into objects."
    )
    grade = grade_answer(answer, RUBRICS["cnn-explained"])
    assert SALAD not in grade.warnings
    assert grade.score >= 0.8


@pytest.mark.parametrize("separator", [" | ", " · ", " • "])
def test_terms_separated_by_pipes_or_dots_are_a_list(separator: str) -> None:
    terms = [
        "FashionCLIP",
        "multimodal embeddings",
        "candidate generation",
        "reranking",
        "CTR",
        "stock",
        "margin",
        "outfit positives",
        "triplets",
        "hard negatives",
        "color dominance",
    ]
    grade = grade_answer("Tech stack & concepts: " + separator.join(terms), RUBRICS["fashion-recommender"])
    assert grade.score <= 0.3
