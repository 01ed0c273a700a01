"""Dismissals in fresh forms and terse notes (grading/cues.py, text.py, reporting.py, salad.py, guards.py):
comparative dismissal, concession then refusal, a checklist of questions turned down together, relations
written as symbols. Written from general shapes of interview talk, in words of their own."""

from __future__ import annotations

import pytest

from mockint.grading import grade_answer
from mockint.grading.text import parse
from mockint.rubrics import load_rubrics

RUBRICS = load_rubrics()


def stated(question: str, answer: str) -> set[str]:
    """The typical mistakes the answer states, with a quote as evidence."""
    return {m.id for m in grade_answer(answer, RUBRICS[question]).mistakes if m.committed and m.evidence}


def verdict(question: str, criterion: str, answer: str) -> str:
    grade = grade_answer(answer, RUBRICS[question])
    return next(c.verdict for c in grade.criteria if c.id == criterion)


def test_below_a_threshold_is_not_a_comparative_dismissal() -> None:
    answer = "If the p-value is less than 0.05, chosen in advance, we reject the null hypothesis at that level."
    assert verdict("ab-significance", "alpha-threshold", answer) == "met"


def test_people_believing_something_is_still_a_report_without_a_comparison() -> None:
    # Not "than people think": the view is theirs, so it states no mistake of the speaker.
    assert "no-weight-sharing" not in stated("cnn-explained", "People think weight sharing is overrated.")


def test_a_checklist_of_questions_is_turned_down_together() -> None:
    answer = (
        "Filters slide over the image? Learned weights? A hierarchy of features? Honestly, I skip all of that "
        "when I explain it."
    )
    grade = grade_answer(answer, RUBRICS["cnn-explained"])
    assert all(c.verdict == "missed" for c in grade.criteria)
    assert grade.score <= 0.1


def test_a_filler_clause_does_not_hide_the_dismissal_after_it() -> None:
    doc = parse("Is a hierarchy of features needed for this explanation? Honestly, I skip all of that.")
    assert doc.sentences[0].answered_no


def test_a_question_followed_by_an_answer_is_not_turned_down() -> None:
    doc = parse("Why do we need pooling? Honestly, it grows the receptive field and shrinks the maps.")
    assert not doc.sentences[0].answered_no


def test_terse_notes_with_relations_written_as_symbols_are_not_a_bare_list() -> None:
    answer = (
        "noise vs real lift. alpha fixed upfront, 0.05. drivers: effect size, n (power calc before), variance "
        "(CUPED). design: split, duration, multiple testing -> correction. broken randomization ≠ fixed by more "
        "time."
    )
    grade = grade_answer(answer, RUBRICS["ab-significance"])
    assert not [warning for warning in grade.warnings if "keywords" in warning or "strings" in warning]
    assert grade.score >= 0.6


def test_a_list_of_terms_with_arrows_and_no_explanation_is_still_a_salad() -> None:
    answer = "p-value -> alpha, effect size, sample size, variance, randomization, test design."
    assert grade_answer(answer, RUBRICS["ab-significance"]).score <= 0.3


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # A counterfactual supposition, then the speaker's case dismissed in a later clause of the next sentence.
        (
            "cnn-explained",
            "If I were talking to ML researchers I'd get into weight sharing, learned kernels, and how layers build "
            "up from edges to objects. For senior engineers, though, none of that really matters.",
        ),
        (
            "genai-tools",
            "If you were writing software for a pacemaker, then sure: read every diff, insist on tests, worry about "
            "hallucinated APIs. For ordinary web work none of that applies anymore.",
        ),
        # Others' explanation reported ("people explain ... they run through"), then turned down.
        (
            "cnn-explained",
            "Whenever people explain CNNs they run through the same checklist: sliding filters, weight sharing, "
            "learned kernels, a hierarchy of features. I skip all of that with engineers.",
        ),
    ],
)
def test_a_supposed_or_reported_case_dismissed_by_the_next_sentence_earns_nothing(question: str, answer: str) -> None:
    grade = grade_answer(answer, RUBRICS[question])
    assert all(c.verdict == "missed" for c in grade.criteria)


def test_a_plain_condition_or_a_hedge_is_not_a_supposition_to_dismiss() -> None:
    # "If that's rare, ..." is the speaker's own rule, and "If I had to summarise" a hedge: the next
    # sentence's "It is not ..." or "isn't that interesting" dismisses neither.
    answer = (
        "If that's rare, rarer than a cut-off we agreed on before starting, say one in twenty, we stop believing "
        "the no-effect story. It is not the chance that the feature works."
    )
    assert verdict("ab-significance", "alpha-threshold", answer) == "met"


def test_checks_that_slow_things_down_are_waved_away() -> None:
    answer = "Code review and tests mostly slow things down, because the model's code is usually correct."
    assert verdict("genai-tools", "verification", answer) == "missed"
    assert "forget-verification" in stated("genai-tools", answer)


def test_a_list_summed_up_by_a_clause_pointing_back_at_it_is_a_salad() -> None:
    answer = (
        "FashionCLIP, embeddings, FAISS, triplet loss, hard negatives, outfits, CatBoost reranker, CTR, color "
        "dominance - so we combined all that in a multimodal pipeline and it recommended compatible items."
    )
    assert grade_answer(answer, RUBRICS["fashion-recommender"]).score <= 0.3


def test_all_that_after_sentences_that_explain_keeps_their_credit() -> None:
    answer = (
        "Retrieval narrows the catalogue with embeddings from photos and attributes, and a separate reranker then "
        "orders the shortlist by CTR, stock and margin. All that is trained on pairs from stylists' outfits, with "
        "hard negatives mined from similar categories."
    )
    assert grade_answer(answer, RUBRICS["fashion-recommender"]).score >= 0.5


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # reported, then "none of that" after how it goes in practice
        (
            "ab-significance",
            "Yes, textbooks say the p-value is the probability of data this extreme under the null hypothesis, and "
            "people obsess over effect size, sample size and variance. In practice none of that changes decisions.",
        ),
        # the people it is for are not who dismisses it
        (
            "cnn-explained",
            "Weight sharing, learned filters, hierarchy: those are the textbook talking points, but for senior "
            "engineers I'd skip them.",
        ),
        # dismissal words of everyday speech
        ("fashion-recommender", "Hard negatives from similar categories are a rabbit hole."),
        ("fashion-recommender", "A reranker is something you add for the slide deck."),
        ("cnn-explained", "The edges, then parts, then objects hierarchy has been debunked."),
        ("cnn-explained", "Weight sharing and locality are implementation details."),
    ],
)
def test_everyday_dismissals_earn_nothing(question: str, answer: str) -> None:
    grade = grade_answer(answer, RUBRICS[question])
    assert all(c.verdict == "missed" for c in grade.criteria)


def test_refactoring_legacy_code_is_a_use_not_a_dismissal() -> None:
    assert verdict("genai-tools", "useful-cases", "They help with boilerplate and refactoring legacy code.") == "met"


@pytest.mark.parametrize(
    ("question", "mistake", "answer"),
    [
        # Mistakes said indirectly: a rule of thumb, a team practice, a decision.
        (
            "fashion-recommender",
            "hide-failures",
            "About what didn't work: my rule of thumb is not to dwell on that; it only invites doubt.",
        ),
        (
            "fashion-recommender",
            "only-embeddings",
            "For compatibility we took the pretrained FashionCLIP embeddings as they were, with no outfit labels.",
        ),
        (
            "fashion-recommender",
            "no-stage-split",
            "We never saw a reason for a separate candidate generation and ranking split.",
        ),
        (
            "ab-significance",
            "magic-five-percent",
            "Our rule: p below 0.05 means the feature works and we ship.",
        ),
        (
            "ab-significance",
            "no-power-planning",
            "We'd launch, check the dashboard every morning, and stop the test the first day it crossed significance.",
        ),
        (
            "ab-significance",
            "forget-variance-randomization",
            "We put twenty metrics on the scorecard and treat any of them with p < 0.05 as a real finding.",
        ),
    ],
)
def test_a_mistake_said_as_a_practice_or_a_rule_of_thumb_is_stated(question: str, mistake: str, answer: str) -> None:
    assert mistake in stated(question, answer)


def test_mining_hard_negatives_called_fiddly_is_not_credited() -> None:
    answer = "Mining hard negatives from similar categories is fiddly and just adds label noise."
    assert verdict("fashion-recommender", "hard-negatives", answer) == "missed"


def test_examples_in_brackets_are_an_aside_not_more_items_of_a_list() -> None:
    answer = (
        "They fail predictably: when the task is underspecified, when the context they need (other modules, "
        "constraints, conventions) isn't given, and when correctness needs domain judgment."
    )
    assert verdict("genai-tools", "fail-underspecified", answer) == "met"


def test_a_salad_with_examples_in_brackets_is_still_a_salad() -> None:
    answer = "Retrieval (embeddings, ANN), reranking (CTR, stock), hard negatives, outfit positives, colour dominance."
    assert grade_answer(answer, RUBRICS["fashion-recommender"]).score <= 0.3


def test_a_russian_report_dismissed_in_the_speakers_view_earns_nothing() -> None:
    answer = (
        "Часто говорят, что ИИ-инструменты полезны для шаблонного кода и что нужно давать им точный контекст. "
        "По-моему, это самоуспокоение."
    )
    grade = grade_answer(answer, RUBRICS["genai-tools"])
    assert verdict("genai-tools", "useful-cases", answer) == "missed"
    assert verdict("genai-tools", "precise-context", answer) == "missed"
    assert grade.score <= 0.1


def test_a_formal_method_is_not_a_formality() -> None:
    answer = "Нужна статистическая значимость — формальный способ отличить реальный эффект от шума."
    assert verdict("ab-significance", "noise-vs-effect", answer) == "met"


def test_running_once_taken_for_proof_forgets_verification_in_russian() -> None:
    answer = "Если код запустился и на паре примеров выдал правдоподобный результат, для меня этого достаточно."
    assert "forget-verification" in stated("genai-tools", answer)


@pytest.mark.parametrize(
    ("question", "criterion", "answer"),
    [
        ("genai-tools", "hallucinated-apis", "Hallucinations are basically solved in the latest models."),
        (
            "genai-tools",
            "verification",
            "Tests are generated by the agent too, so there's nothing left for a human to check.",
        ),
    ],
)
def test_a_problem_called_solved_or_a_check_left_to_no_one_is_dismissed(
    question: str, criterion: str, answer: str
) -> None:
    assert verdict(question, criterion, answer) == "missed"


def test_being_on_the_hook_is_accountability() -> None:
    answer = "I treat everything as a draft, and I'm the one on the hook if it breaks, not the tool."
    assert verdict("genai-tools", "humans-accountable", answer) == "met"


def test_a_list_sentence_among_explaining_ones_names_its_points_for_half_credit() -> None:
    answer = (
        "A convolutional layer slides a small filter, say 3x3, across the image and computes a weighted sum of "
        "the pixels under it at every position, so it picks up local patterns like edges. A fully connected layer "
        "would wire every pixel to every neuron instead, which is expensive. "
        "Also: weight sharing, learned filters, pooling, hierarchy."
    )
    verdicts = {c.id: c.verdict for c in grade_answer(answer, RUBRICS["cnn-explained"]).criteria}
    assert verdicts["small-filter-slides"] == "met"
    assert verdicts["weight-sharing"] == "partial"
    assert verdicts["hierarchy"] == "partial"


def test_an_answer_made_mostly_of_lists_earns_no_half_credit() -> None:
    answer = "Failure modes: vague specs, missing context, implicit constraints, domain judgment, hallucinated APIs."
    grade = grade_answer(answer, RUBRICS["genai-tools"])
    assert grade.score <= 0.3


def test_outdated_describing_an_api_is_no_dismissal_but_an_outdated_mindset_is() -> None:
    assert verdict("genai-tools", "hallucinated-apis", "It hallucinates made-up methods and outdated APIs.") == "met"
    answer = "People keep saying verification is non-negotiable. That's an outdated mindset."
    assert verdict("genai-tools", "verification", answer) == "missed"


EVERYDAY_DISMISSALS = [
    ("ab-significance", "variance", "Effect size and variance are what statisticians fuss over."),
    ("cnn-explained", "weight-sharing", "Weight sharing is a minor memory optimisation."),
    ("cnn-explained", "hierarchy", "The hierarchy of features is a nice cartoon."),
    (
        "fashion-recommender",
        "hard-negatives",
        "We had hard negatives from similar categories, but honestly those details don't matter.",
    ),
]


def test_longer_not_helping_a_broken_split_is_the_point_not_a_dismissal() -> None:
    answer = "If the assignment is skewed or the logging is bad, leaving the test on longer won't help."
    assert "forget-variance-randomization" not in stated("ab-significance", answer)


@pytest.mark.parametrize(
    ("question", "mistake", "answer"),
    [
        ("ab-significance", "pvalue-hypothesis-true", "So one minus p is your confidence that the treatment wins."),
        ("ab-significance", "forget-variance-randomization", "More traffic irons out any bias in the split."),
        (
            "cnn-explained",
            "filters-not-learned",
            "You pick a set of edge and blur filters, and the network only learns how to combine their outputs.",
        ),
        ("genai-tools", "production-without-review", "Code review for generated production code is mostly theatre."),
    ],
)
def test_more_mistakes_in_plain_words_are_stated(question: str, mistake: str, answer: str) -> None:
    assert mistake in stated(question, answer)


@pytest.mark.parametrize(
    "answer",
    [
        "We just used embeddings and cosine similarity. Negatives were random catalogue items, which is standard.",
        "we had one CLIP model, embeddings, cosine, done.",
    ],
)
def test_embeddings_as_the_whole_method_beside_random_negatives_is_only_embeddings(answer: str) -> None:
    assert "only-embeddings" in stated("fashion-recommender", answer)


def test_a_complaint_i_hear_is_reported_not_made() -> None:
    answer = 'A complaint I hear a lot: "the model wrote garbage, these tools are useless."'
    assert "vague-prompts-blame-model" not in stated("genai-tools", answer)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (
            "ab-significance",
            "Similarly, effect size, sample size, variance, power and test design all play a role in the bigger "
            "picture.",
        ),
        (
            "cnn-explained",
            "There are filters, there are kernels, there's weight sharing, there's pooling, there's the whole idea "
            "of hierarchy.",
        ),
    ],
)
def test_terms_joined_by_connective_filler_are_a_salad(question: str, answer: str) -> None:
    assert grade_answer(answer, RUBRICS[question]).score <= 0.3


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (
            "cnn-explained",
            "Outline:\n1. Sliding small filter (kernel, 3x3)\n2. Learned filters\n3. Local weighted sum\n"
            "4. Weight sharing\n5. Hierarchy of features\n6. Pooling and receptive field",
        ),
        (
            "genai-tools",
            "## My view\n### 1. Useful cases\n### 2. Where they fail: underspecified tasks\n### 3. Hallucinated APIs\n"
            "### 4. Verification: tests, diff review\n### 5. Human accountability",
        ),
        (
            "fashion-recommender",
            "| Component | Keywords |\n|---|---|\n| Candidate generation | retrieval, multimodal embedding |\n"
            "| Reranking | ranker, CTR, stock |\n| Negatives | hard negatives, similar categories |\n"
            "| Failure | color dominance |",
        ),
    ],
)
def test_an_outline_with_nothing_under_its_headings_is_a_salad(question: str, answer: str) -> None:
    assert grade_answer(answer, RUBRICS[question]).score <= 0.3


def test_a_bulleted_answer_whose_items_explain_keeps_its_credit() -> None:
    answer = (
        "- Retrieval: one multimodal embedding space for the catalogue; for an item we run ANN search only in "
        "complementary categories.\n"
        "- Reranker: a separate LightGBM model orders the candidates by similarity, CTR, stock and margin.\n"
        "- Labels: items from the same stylist outfit are positive pairs, trained with triplets.\n"
        "- Negatives: random ones were too easy, so we mined hard negatives from similar categories.\n"
        "- Didn't work: the model loves monochrome looks; colour dominance is still not solved."
    )
    assert grade_answer(answer, RUBRICS["fashion-recommender"]).score >= 0.6


def test_a_numbered_item_keeps_its_number_in_its_sentence() -> None:
    assert [s.text for s in parse("1. Sliding filter\n2. Weight sharing").sentences] == [
        "Sliding filter",
        "Weight sharing",
    ]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("ab-significance", "Terms like effect size, sample size and variance often come up in this context."),
        ("genai-tools", "Things like hallucinations, verification and accountability are often mentioned here."),
        (
            "genai-tools",
            "Look, I know the catechism: use them for boilerplate, review the diff, keep humans accountable.",
        ),
    ],
)
def test_terms_presented_as_things_mentioned_earn_nothing(question: str, answer: str) -> None:
    assert all(c.verdict == "missed" for c in grade_answer(answer, RUBRICS[question]).criteria)


IRONIC_PRAISE = [
    (
        "ab-significance",
        "variance",
        "Variance reduction and multiple testing corrections: wonderful ideas, for someone else's sprint.",
    ),
    ("cnn-explained", "weight-sharing", "Weight sharing? Great in theory."),
    ("fashion-recommender", "hard-negatives", "Outfit-based positives, triplets, hard negatives: all nice ideas."),
]


COSMETIC_DISMISSALS = [
    ("fashion-recommender", "failure-mode", "Colour dominance and the rest of the failure story are cosmetic."),
    ("genai-tools", "verification", "Reviewing the diff is window dressing; the tests are for show."),
    ("cnn-explained", "weight-sharing", "Weight sharing is a distraction; what counts is depth."),
    ("genai-tools", "humans-accountable", "Human accountability for production gets lip service and little else."),
]


@pytest.mark.parametrize(
    ("question", "criterion", "mistake", "answer"),
    [
        (
            "genai-tools",
            "verification",
            "forget-verification",
            "The diff review is not for show, it catches invented APIs.",
        ),
        # A negated verb's pronoun is looked for in its own clause, not in the next one ("it catches").
        (
            "genai-tools",
            "verification",
            "forget-verification",
            "I never skip the diff review: it is not for show, it catches invented APIs.",
        ),
        # "Nobody does it without X" asserts X.
        (
            "ab-significance",
            "sample-size",
            "no-power-planning",
            "No serious team launches an A/B test without computing the required sample size for the desired power.",
        ),
        (
            "ab-significance",
            "sample-size",
            "no-power-planning",
            "Nobody launches an A/B test without computing the required sample size first.",
        ),
        (
            "ab-significance",
            "sample-size",
            "no-power-planning",
            "No team should launch a test without a power analysis for the sample size.",
        ),
    ],
)
def test_a_negated_dismissal_affirms_and_states_no_mistake(
    question: str, criterion: str, mistake: str, answer: str
) -> None:
    assert verdict(question, criterion, answer) == "met"
    assert mistake not in stated(question, answer)


def test_giving_up_the_no_effect_belief_below_the_cutoff_is_the_rejection_not_a_magic_line() -> None:
    answer = (
        "If chance alone would rarely give a gap this big, below the 5% we fixed up front, we stop believing the "
        "no-effect story."
    )
    assert "magic-five-percent" not in stated("ab-significance", answer)
    assert "magic-five-percent" in stated(
        "ab-significance", "If p is above 0.05 the feature has no effect, so we drop it."
    )


# Dismissals, each earning the key point nothing and, where the rubric has one, stating the typical mistake that
# denies it: (question, key point, mistake or None, answer). The seventh session's fresh shapes follow the first
# four.
DISMISSALS = [
    # "less than people think" measures the point against others' view; it reports no one.
    (
        "cnn-explained",
        "weight-sharing",
        "no-weight-sharing",
        "Weight sharing matters far less than people think; we just stack layers.",
    ),
    ("ab-significance", "variance", "forget-variance-randomization", "Variance is less important than you think."),
    # A concession, then a refusal opened by how it goes in practice, or by nobody doing it.
    (
        "ab-significance",
        "sample-size",
        "no-power-planning",
        "Sure, sample size and power planning exist, but in practice we never bother.",
    ),
    (
        "ab-significance",
        "sample-size",
        "no-power-planning",
        "Sample size and power planning exist, but in practice nobody bothers.",
    ),
    # "outdated", "obsolete" said of something, as its predicate
    ("genai-tools", "verification", None, "Code review of generated code is obsolete now."),
    (
        "genai-tools",
        "verification",
        None,
        "Everyone says a person should verify the tests and review the diff, but I find that mindset outdated.",
    ),
    (
        "genai-tools",
        "verification",
        None,
        "Running the tests and reading the diff? Outdated and too cautious with today's agents.",
    ),
    # "that"/"this" before a copula points back at what it dismisses
    (
        "fashion-recommender",
        "retrieval-vs-reranking",
        "no-stage-split",
        "We split retrieval and reranking, but in my view that was overkill.",
    ),
    (
        "fashion-recommender",
        "retrieval-vs-reranking",
        "no-stage-split",
        "We did split retrieval and reranking, but honestly this is pointless for a small catalogue.",
    ),
    # a question answered by a negated pronoun
    ("ab-significance", "sample-size", None, "Power analysis before the test? Nobody actually does that."),
    ("ab-significance", "sample-size", None, "Do we plan the sample size? Never did that."),
    # a negated verb of belief negates the clause it introduces
    (
        "fashion-recommender",
        "failure-mode",
        "hide-failures",
        "What didn't work? Nothing major. I don't think there were failure modes.",
    ),
    (
        "fashion-recommender",
        "failure-mode",
        "hide-failures",
        "What didn't work? Nothing major, and I wouldn't say there were real failure modes.",
    ),
    # a practice negated after what it is done to
    (
        "ab-significance",
        "sample-size",
        "no-power-planning",
        "The sample size is not calculated in advance; we just run the test.",
    ),
    ("ab-significance", "sample-size", "no-power-planning", "Sample size we never plan, we just run the test."),
    (
        "ab-significance",
        "sample-size",
        "no-power-planning",
        "Мы sample size заранее не считаем, просто запускаем тест.",
    ),
    ("ab-significance", "sample-size", "no-power-planning", "Размер выборки мы заранее не считаем."),
    # Russian waste and importance
    ("genai-tools", "verification", None, "Ревью кода — пустая трата времени."),
    ("ab-significance", "sample-size", None, "Размер выборки не так важен, главное p-value."),
    # a relic, textbook material
    (
        "genai-tools",
        "verification",
        None,
        "Reviewing every diff and running the tests is a relic of the pre-agent days.",
    ),
    (
        "cnn-explained",
        "weight-sharing",
        None,
        "Weight sharing is the kind of thing you put in a textbook; in practice nobody needs it.",
    ),
    # a belittling predicate of a subject of two gerunds
    ("genai-tools", "verification", "forget-verification", "Reviewing every diff and running the tests is pointless."),
    # a dismissal in a comment clause; "не обязательно" said of a practice (not required)
    ("ab-significance", "sample-size", None, "Power analysis before the test, we skip it."),
    (
        "ab-significance",
        "sample-size",
        None,
        "Размер выборки заранее считать не обязательно, просто держим тест подольше.",
    ),
]


# The eighth session's shapes of spoken dismissal, each of them general: dated ("a 2023 problem", "a 90s
# assumption", "the early-days tools", "back in the ... days", "is history"); a topic named without a verb and
# dismissed by the reply after it ("Weight sharing. Overrated.", a list then "... design-doc theatre"); mockery
# ("Oh sure, let's ..."); "who needs / who has time for X"; "way less"; a verbless comment with a dismissive head;
# a pronoun's noun phrase called dated in the reply to a question.
SPOKEN_DISMISSALS = [
    ("genai-tools", "hallucinated-apis", "Hallucinated APIs are a 2023 problem."),
    ("genai-tools", "hallucinated-apis", "Hallucinated APIs were an early-days problem."),
    ("genai-tools", "hallucinated-apis", "Hallucinated APIs? That was so last year."),
    ("ab-significance", "sample-size", "Sample size planning is a 2010 thing."),
    ("cnn-explained", "weight-sharing", "Weight sharing. Overrated."),
    ("cnn-explained", "weight-sharing", "Weight sharing... overrated."),
    ("ab-significance", "variance", "Variance, randomization... sure, nice textbook words."),
    ("ab-significance", "variance", "Variance and randomization. Both overrated."),
    ("fashion-recommender", "retrieval-vs-reranking", "Oh sure, let's maintain a retrieval stage and a reranker."),
    ("fashion-recommender", "retrieval-vs-reranking", "Who really needs a separate reranker after retrieval?"),
    ("genai-tools", "verification", "Who has time to review the diff and run the tests on every snippet?"),
    ("cnn-explained", "local-weighted-sum", "Locality is a 90s assumption about neighbouring pixels."),
    ("genai-tools", "hallucinated-apis", "Hallucinated APIs were an issue of the early-days tools."),
    ("ab-significance", "effect-size", "The effect size matters way less than how long the test runs."),
    ("genai-tools", "hallucinated-apis", "Made-up methods, hallucinated APIs, plausible-but-wrong code... overblown."),
    ("ab-significance", "sample-size", "Расчёт мощности и размера выборки — это пережиток."),
    ("ab-significance", "test-design", "Traffic split, duration, Bonferroni... design-doc theatre."),
    ("genai-tools", "ml-pitfalls", "Data contracts and privacy handling... compliance folks' homework."),
    ("ab-significance", "test-design", "Choosing between a t-test and Mann-Whitney? Who has time for that."),
    ("fashion-recommender", "failure-mode", "The monochrome-similarity failure is history now."),
    ("cnn-explained", "filters-learned", "Learning filter weights from data was a big deal back in the AlexNet days."),
    (
        "fashion-recommender",
        "retrieval-vs-reranking",
        "A separate retrieval stage and then a reranker? That two-stage thing was a 2019 pattern.",
    ),
    # A view described or loved as a story, then rejected; "more trouble than it's worth".
    (
        "cnn-explained",
        "small-filter-slides",
        "People describe it as a small filter moving over the image. I think that picture is misleading.",
    ),
    ("cnn-explained", "hierarchy", "People love the edges-to-objects narrative. I think it's oversold."),
    ("fashion-recommender", "embedding-retrieval", "ANN indexes over embeddings are more trouble than they're worth."),
    # A topic question dismissed, and the reason that follows.
    (
        "ab-significance",
        "variance",
        "Metric variance? Irrelevant, a noisy metric and a stable one behave the same if you have enough users.",
    ),
    # Denied as core, called academic as a predicate, a legacy habit.
    ("cnn-explained", "weight-sharing", "Weight sharing isn't really a core idea of CNNs."),
    ("ab-significance", "sample-size", "Planning the sample size with a power analysis is academic."),
    ("genai-tools", "verification", "Reviewing the diff of generated code is a legacy habit."),
]
# The same shapes that do not dismiss: a fragment explained next, a year in a story, getting going ("Sure, let's
# start with ..."), a real question answered, a mockery answered within its sentence, a pronoun's phrase that
# says what is done.
SPOKEN_AFFIRMATIONS = [
    ("cnn-explained", "weight-sharing", "Weight sharing. The same filter is reused at every position."),
    ("cnn-explained", "weight-sharing", "Weight sharing and locality. Important: the same filter is reused."),
    (
        "genai-tools",
        "hallucinated-apis",
        "In 2023 we had a problem: the assistant hallucinated APIs that do not exist in our SDK.",
    ),
    (
        "fashion-recommender",
        "retrieval-vs-reranking",
        "Sure, let's start with the split: a cheap retrieval stage first, then a separate reranker.",
    ),
    (
        "genai-tools",
        "humans-accountable",
        "Who owns the code in production? The engineer who merges it stays accountable, not the tool.",
    ),
    (
        "ab-significance",
        "alpha-threshold",
        "Oh sure, let's just move alpha after the test - no, alpha is chosen before the test and we reject "
        "the null only if p falls below it.",
    ),
    (
        "fashion-recommender",
        "retrieval-vs-reranking",
        "A separate retrieval stage and then a reranker? That two-stage design is what we run in production.",
    ),
    # A topic question affirmed, or dismissed and then taken back with "but".
    ("ab-significance", "variance", "Metric variance? Important, noisy metrics need more users."),
    (
        "ab-significance",
        "variance",
        "Metric variance? Overrated at first, but noisy metrics really do need more users.",
    ),
    # "academic" before its noun describes it.
    ("ab-significance", "sample-size", "Academic papers plan the sample size with a power analysis, and so do we."),
    # Liking a thing, not a story, is the speaker's claim about people.
    ("cnn-explained", "hierarchy", "Engineers love that deeper layers compose edges into parts and objects."),
]


# Dismissals that deny a key point with no typical mistake to state, from earlier sessions and this one.
DISMISSALS += [
    (question, criterion, None, answer)
    for question, criterion, answer in EVERYDAY_DISMISSALS + IRONIC_PRAISE + COSMETIC_DISMISSALS + SPOKEN_DISMISSALS
]


@pytest.mark.parametrize(("question", "criterion", "mistake", "answer"), DISMISSALS)
def test_a_dismissal_earns_nothing_and_states_the_mistake_that_denies_it(
    question: str, criterion: str, mistake: str | None, answer: str
) -> None:
    assert verdict(question, criterion, answer) == "missed"
    if mistake is not None:
        assert mistake in stated(question, answer)


# The same words in shapes that do not dismiss: each earns its key point and accuses of nothing.
FRESH_AFFIRMATIONS = [
    # "outdated" before the noun it describes; "as the textbook says"; spending time on review
    (
        "genai-tools",
        "verification",
        "They sometimes suggest outdated APIs or an obsolete library version, so I run the tests and read diffs.",
    ),
    ("cnn-explained", "weight-sharing", "As the textbook says, the same filter weights are reused at every position."),
    ("genai-tools", "verification", "Мы тратим время на ревью каждого диффа и гоняем тесты."),
    # "that" as a conjunction, and after an article and its noun (no pronoun for the question before it)
    (
        "fashion-recommender",
        "retrieval-vs-reranking",
        "We split retrieval and reranking, and we checked that recall of the first stage was high.",
    ),
    (
        "ab-significance",
        "pvalue-definition",
        "The p-value answers a narrow question: suppose the change truly does nothing, how often would chance "
        "alone give me a gap this big or bigger? It is not the chance that B is better.",
    ),
    # a copula after a negated verb that is no verb of belief starts a predicate of its own
    (
        "fashion-recommender",
        "failure-mode",
        "The thing that didn't work was colour dominance: outfits came back in one colour.",
    ),
    # a practice negated, then said as done otherwise; "not always"; a negated dismissal in a comment
    (
        "ab-significance",
        "sample-size",
        "The sample size isn't computed after the fact but before the test, from the power we want.",
    ),
    (
        "ab-significance",
        "randomization-quality",
        "A bigger sample size does not always help if randomization is broken.",
    ),
    ("ab-significance", "sample-size", "We always do a power analysis to size the test, we never skip it."),
    (
        "ab-significance",
        "sample-size",
        "We always run a power analysis before the test to pick the sample size, we don't skip it.",
    ),
    # a warning opened by "без" with no comma
    ("ab-significance", "sample-size", "Без расчёта размера выборки тест будет слабым."),
]


FRESH_AFFIRMATIONS += SPOKEN_AFFIRMATIONS


@pytest.mark.parametrize(("question", "criterion", "answer"), FRESH_AFFIRMATIONS)
def test_the_same_words_in_a_shape_that_does_not_dismiss_earn_the_point(
    question: str, criterion: str, answer: str
) -> None:
    assert verdict(question, criterion, answer) == "met"
    assert stated(question, answer) == set()


def test_a_russian_predicate_without_a_copula_is_not_a_nominal_comment() -> None:
    # "Running longer is useless": the point itself, said with the predicate alone.
    answer = "Если сломана randomization или есть SRM — дольше крутить бесполезно, данные уже biased."
    assert "forget-variance-randomization" not in stated("ab-significance", answer)
    assert verdict("ab-significance", "randomization-quality", answer) == "met"


def test_what_is_granted_in_theory_and_turned_from_is_conceded() -> None:
    answer = "In theory you plan the sample size with a power analysis, but we never bother and it's fine."
    assert verdict("ab-significance", "sample-size", answer) == "missed"
    assert "no-power-planning" in stated("ab-significance", answer)
    # What follows the "but" is the speaker's own, and a concession without one is not turned from.
    kept = "In theory any test works, but in practice you plan the sample size with a power analysis up front."
    assert verdict("ab-significance", "sample-size", kept) == "met"
    plain = "In theory and in practice, you plan the sample size with a power analysis before the test."
    assert verdict("ab-significance", "sample-size", plain) == "met"


def test_no_x_and_no_y_still_lists_what_is_not_done() -> None:
    answer = "We returned the most similar items. No fine-tuning and no second-stage reranker, ever."
    assert "no-stage-split" in stated("fashion-recommender", answer)


@pytest.mark.parametrize(
    ("question", "mistake", "answer"),
    [
        (
            "ab-significance",
            "pvalue-hypothesis-true",
            "It's wrong to think the p-value is the probability that the null is true.",
        ),
        ("cnn-explained", "filters-not-learned", "It's wrong to claim only the classifier head is trained."),
        ("ab-significance", "no-power-planning", "It's a mistake to stop the test as soon as p drops below 0.05."),
    ],
)
def test_its_wrong_to_say_a_misconception_rejects_it(question: str, mistake: str, answer: str) -> None:
    assert mistake not in stated(question, answer)


def test_its_fine_to_do_the_mistake_states_it() -> None:
    answer = "It's fine to stop the test as soon as p drops below 0.05."
    assert "no-power-planning" in stated("ab-significance", answer)


def test_a_pronoun_dismissed_inside_a_time_or_condition_clause_is_no_dismissal() -> None:
    # "when I forget to mention them" says when the model errs, not that the speaker waves the point away.
    answer = "Its failures are mostly made-up methods, and code that ignores our rules when I forget to mention them."
    assert verdict("genai-tools", "hallucinated-apis", answer) == "met"
    # ... while the same pronoun dismissal in the speaker's own clause still dismisses.
    assert verdict("genai-tools", "hallucinated-apis", "It makes up methods, but honestly I'd ignore them.") == "missed"


def test_not_training_from_scratch_still_trains() -> None:
    # The negation falls on "from scratch": fine-tuning a pretrained network is learning its filters.
    answer = "In practice you rarely train one from scratch; you take a pretrained ResNet and fine-tune it."
    assert "filters-not-learned" not in stated("cnn-explained", answer)
    assert "filters-not-learned" in stated("cnn-explained", "The filters are never trained; they are fixed by hand.")


def test_a_point_called_a_meme_is_dismissed() -> None:
    assert verdict("genai-tools", "humans-accountable", "Honestly, human accountability is a meme.") == "missed"


def test_a_concession_said_as_an_aside_turns_from_what_came_before() -> None:
    # "in theory" as a clause of its own, then "but": the points before it are granted only in theory.
    for answer in (
        "Reusing one kernel at every position of the image, in theory, but whatever.",
        "Honestly the textbook stuff bores me. Reusing one kernel at every position of the image, sure, in theory, "
        "but whatever.",
    ):
        assert verdict("cnn-explained", "weight-sharing", answer) == "missed"
    assert verdict("cnn-explained", "weight-sharing", "Reusing one kernel at every position of the image.") == "met"


def test_a_concession_aside_without_a_turn_concedes_nothing() -> None:
    answer = "Reusing one kernel at every position of the image is, in theory, what makes it cheap."
    assert verdict("cnn-explained", "weight-sharing", answer) == "met"


@pytest.mark.parametrize("phrase", ["fancy words", "big words", "empty words"])
def test_terms_called_fancy_words_are_dismissed(phrase: str) -> None:
    answer = f"Everyone repeats weight sharing and learned filters, but honestly those are just {phrase}."
    assert verdict("cnn-explained", "weight-sharing", answer) == "missed"


def test_none_of_that_matters_takes_back_every_sentence_before_it() -> None:
    # Hand-checked: the two sentences state the p-value, alpha, effect size, sample size and variance; the third
    # opens with "none of that matters", so none of them is met and the answer earns nothing.
    stated_points = (
        "A p-value is the chance of seeing a gap at least this large if there were really no effect, and you "
        "compare it with an alpha such as 0.05 fixed before launch. Whether you get there depends on how big the "
        "effect is, how many users you have and how noisy the metric is."
    )
    assert verdict("ab-significance", "effect-size", stated_points) == "met"
    grade = grade_answer(stated_points + " None of that matters in real life, though.", RUBRICS["ab-significance"])
    assert all(c.verdict == "missed" for c in grade.criteria)
    assert grade.score == 0.0


def test_none_of_it_made_a_difference_takes_back_the_sentence_before() -> None:
    answer = "Each layer slides a small learned filter across the image. None of it really made a difference."
    assert verdict("cnn-explained", "small-filter-slides", answer) == "missed"


def test_none_of_that_takes_back_only_back_to_an_earlier_dismissal() -> None:
    doc = parse(
        "Pooling shrinks the maps. None of that matters. Each filter is learned during training. None of that "
        "matters either."
    )
    assert [s.answered_no for s in doc.sentences] == [True, False, True, False]


def test_none_of_that_later_in_a_sentence_does_not_reach_the_sentences_before() -> None:
    # "none of" not at the opening of the sentence's first clause: the sentence before keeps its point.
    answer = (
        "Each layer slides a small 3x3 filter across the image. We tried bigger kernels, and none of that mattered."
    )
    assert verdict("cnn-explained", "small-filter-slides", answer) == "met"


@pytest.mark.parametrize(
    ("question", "criterion", "answer"),
    [
        ("ab-significance", "sample-size", "Planning the sample size and power up front is an academic concern."),
        (
            "cnn-explained",
            "weight-sharing",
            "Weight sharing was a big talking point once, but we stopped caring about it years ago.",
        ),
    ],
)
def test_an_academic_concern_and_stopped_caring_are_dismissals(question: str, criterion: str, answer: str) -> None:
    assert verdict(question, criterion, answer) == "missed"


def test_a_model_asked_to_figure_out_what_i_need_is_blamed() -> None:
    answer = "When the output is bad, that is on the model: it should figure out what I need from a one-line request."
    assert "vague-prompts-blame-model" in stated("genai-tools", answer)


@pytest.mark.parametrize(
    "predicate",
    [
        "superfluous",
        "redundant",
        "purely theoretical",
        "insignificant",
        "worthless",
        "excessive",
        "a fad",
        "a luxury",
        "dead weight",
        "old news",
        "of little use",
        "low priority",
        "red tape",
        "a rubber stamp",
        "a misconception",
    ],
)
def test_a_dismissive_predicate_dismisses_the_subject(predicate: str) -> None:
    answer = f"The same filter weights are reused at every position, weight sharing, and honestly that is {predicate}."
    assert verdict("cnn-explained", "weight-sharing", answer) == "missed"


@pytest.mark.parametrize("attributive", ["Redundant features", "Excessive variance"])
def test_the_same_word_before_a_noun_dismisses_nothing(attributive: str) -> None:
    answer = f"{attributive} aside, the same filter weights are reused at every position: weight sharing."
    assert verdict("cnn-explained", "weight-sharing", answer) == "met"


def test_a_noun_after_a_preposition_does_not_open_a_new_subject() -> None:
    # "the" of "before the test" is inside the subject "planning the sample size and power before the test".
    answer = "Planning the sample size and power before the test is overrated."
    assert verdict("ab-significance", "sample-size", answer) == "missed"
    assert "no-power-planning" in stated("ab-significance", answer)


REUSED = "reusing the same filter weights at every position"


@pytest.mark.parametrize(
    "answer",
    [
        f"Skipping {REUSED} is a classic mistake.",
        f"It would be a mistake to ignore {REUSED}.",
        f"Many teams skip {REUSED}, which is a mistake.",
    ],
)
def test_a_dismissal_called_a_mistake_affirms(answer: str) -> None:
    assert verdict("cnn-explained", "weight-sharing", answer) == "met"


def test_a_dismissal_without_a_judgement_still_dismisses() -> None:
    assert verdict("cnn-explained", "weight-sharing", f"Skipping {REUSED} is fine.") == "missed"


@pytest.mark.parametrize(
    "answer",
    [
        f"We got rid of {REUSED}.",
        f"We dropped {REUSED} long ago.",
        f"I stopped doing {REUSED} years ago and nothing bad happened.",
        f"{REUSED.capitalize()} just slows you down.",
        f"{REUSED.capitalize()} gets in the way.",
    ],
)
def test_giving_up_and_hindrance_phrases_dismiss(answer: str) -> None:
    assert verdict("cnn-explained", "weight-sharing", answer) == "missed"


def test_a_verb_predicate_is_said_of_a_long_subject_that_opens_the_clause() -> None:
    answer = "Reviewing the diff and running tests on generated code just slows you down."
    assert verdict("genai-tools", "verification", answer) == "missed"


def test_a_verb_predicate_inside_a_relative_clause_is_said_of_its_own_subject() -> None:
    answer = "Reviewing the diff and running tests on generated code catches bugs that slow you down later."
    assert verdict("genai-tools", "verification", answer) == "met"


@pytest.mark.parametrize(
    "answer",
    [
        "Одни и те же веса фильтра на каждой позиции — это для галочки.",
        "Одни и те же веса фильтра на каждой позиции только мешает.",
        "Честно, одни и те же веса фильтра на каждой позиции ничего не даёт.",
        "Одни и те же веса фильтра на каждой позиции — переоценённая штука.",
        "Одни и те же веса фильтра на каждой позиции давно неактуально.",
    ],
)
def test_russian_dismissals_without_a_copula(answer: str) -> None:
    assert verdict("cnn-explained", "weight-sharing", answer) == "missed"


def test_a_russian_dismissal_called_a_mistake_after_a_dash_affirms() -> None:
    answer = "Пропускать одни и те же веса фильтра на каждой позиции — ошибка."
    assert verdict("cnn-explained", "weight-sharing", answer) == "met"


def test_overestimating_is_not_overrated() -> None:
    # "переоценивает" (the model overestimates) is a failure described, not "переоценено" (overrated).
    answer = "Главный фейл — color dominance: модель переоценивает одноцветное сходство."
    assert verdict("fashion-recommender", "failure-mode", answer) == "met"


@pytest.mark.parametrize(
    "answer",
    [
        f"Frankly, {REUSED} is a bottleneck we could do without.",
        f"{REUSED.capitalize()} can be skipped.",
        f"In practice, {REUSED} turned out to be pure ceremony with no payoff.",
        f"Who actually has the patience for {REUSED} when there's a deadline?",
        f"We used to insist on {REUSED}, but it was holding every release back, so we let it go.",
        f"Great, another meeting about {REUSED}, just what we needed.",
    ],
)
def test_burdens_and_sarcasm_dismiss(answer: str) -> None:
    assert verdict("cnn-explained", "weight-sharing", answer) == "missed"


@pytest.mark.parametrize(
    "answer",
    [
        f"I can't stress enough how much {REUSED} matters.",
        f"It's hard to overstate the value of {REUSED}.",
        f"People who dismiss {REUSED} usually learn the hard way.",
    ],
)
def test_emphasis_and_others_dismissing_affirm(answer: str) -> None:
    assert verdict("cnn-explained", "weight-sharing", answer) == "met"


def test_merging_agent_code_without_anyone_reading_it_states_production_without_review() -> None:
    answer = (
        "For well-scoped stuff, modern agents are good enough that you can let them write the code and their own "
        "tests, and if CI is green you can merge without anyone reading the diff."
    )
    assert "production-without-review" in stated("genai-tools", answer)


def test_random_negatives_called_useless_are_the_reason_for_hard_negatives() -> None:
    # Dismissing random negatives argues for hard negatives; it does not dismiss them.
    answer = "Random negatives are useless, so you mine hard negatives from the same category."
    assert verdict("fashion-recommender", "hard-negatives", answer) == "met"


def test_each_word_stands_in_one_occurrence_of_a_phrase() -> None:
    from mockint.grading.finder import _disjoint

    # "negatives(1) ... mine(3) hard negatives(5)": "mined negatives" is the in-order window (3, 5); the window
    # (1, 3) shares "mine" with it and is no second occurrence.
    assert _disjoint([[1, 3], [3, 5]], [{3}, {1, 5}]) == [[3, 5]]
    # Disjoint windows are all kept, in order of position.
    assert _disjoint([[6, 7], [1, 2]], [{1, 6}, {2, 7}]) == [[1, 2], [6, 7]]


@pytest.mark.parametrize(
    ("answer", "rhetorical"),
    [
        ("Who actually reads AI-generated diffs?", True),
        ("Who really plans the sample size before a test?", True),
        ("Who really has the final say on a merge?", False),
        ("Who reviews the generated code?", False),
    ],
)
def test_who_actually_or_really_asks_to_say_nobody_does(answer: str, rhetorical: bool) -> None:
    assert parse(answer).sentences[0].answered_no is rhetorical


@pytest.mark.parametrize(
    "answer",
    [
        "If I have to review the diff and check every line, I might as well write it myself.",
        "If I wanted to review the diff and check every line, I'd have written it myself.",
        "Reviewing the diff of generated code defeats the purpose.",
    ],
)
def test_not_worth_the_effort_it_saves_dismisses_verification(answer: str) -> None:
    assert verdict("genai-tools", "verification", answer) == "missed"


@pytest.mark.parametrize(
    "answer",
    [
        "We need statistical significance so we know that the result is real and not just random.",
        "A/B test significance is to check that the result is not random.",
        "You need significance because of randomness. Even identical groups still differ.",
    ],
)
def test_a_result_said_not_to_be_random_meets_noise_vs_effect(answer: str) -> None:
    assert verdict("ab-significance", "noise-vs-effect", answer) == "met"
