"""A sentence that talks about a misconception without making it states no mistake (grading/reporting.py),
and the stance rules that came with it: a rhetorical "why" dismisses, a negation that opens its clause
governs all of it, a belittling word after "and" and a new subject is said of that clause."""

from __future__ import annotations

import pytest

from mockint.grading import grade_answer
from mockint.grading.reporting import avoids, counterfactual, limits, rejects, reports
from mockint.grading.sentence import Sentence
from mockint.grading.text import parse
from mockint.models import Grade
from mockint.rubrics import load_rubrics

RUBRICS = load_rubrics()


def stated(grade: Grade) -> set[str]:
    return {mistake.id for mistake in grade.mistakes if mistake.committed and mistake.evidence}


def verdict(question: str, criterion: str, answer: str) -> str:
    grade = grade_answer(answer, RUBRICS[question])
    return next(c.verdict for c in grade.criteria if c.id == criterion)


def sentence(text: str) -> Sentence:
    return parse(text).sentences[0]


# Each names a typical mistake only to reject it, attribute it or turn away from it.
REJECTED = [
    ("ab-significance", "I avoid treating p below 0.05 as proof of anything."),
    ("ab-significance", "Reading the p-value as the probability that the hypothesis is true is misleading."),
    ("ab-significance", "Treating 5% as a hard truth boundary is misguided; it is an arbitrary convention."),
    ("ab-significance", "Treating p below 0.05 as proof is a trap I try to avoid."),
    ("ab-significance", "Never read the p-value as the probability the treatment works."),
    ("ab-significance", "I would never just read the p-value as the chance our hypothesis is true."),
    ("ab-significance", "Teams also commonly forget that noisy metrics need far more data and a power calculation."),
    ("cnn-explained", "A CNN is not just cutting the picture into tiles."),
    ("fashion-recommender", "We moved away from random negatives only."),
    ("genai-tools", "The claim that LLMs can build production systems without review is wrong."),
    ("genai-tools", "I disagree with colleagues who say LLMs can run production without review."),
]


@pytest.mark.parametrize(("question", "answer"), REJECTED)
def test_a_rejected_misconception_is_not_stated(question: str, answer: str) -> None:
    assert stated(grade_answer(answer, RUBRICS[question])) == set()


# The same mistakes said as the candidate's own claim or plan are still found.
STATED = [
    ("ab-significance", "I never look at the sample size; once p is under 0.05 the treatment works, period.", None),
    ("cnn-explained", "A CNN is just cutting the picture into tiles.", "splitting-into-pieces"),
    ("genai-tools", "I avoid AI assistants completely since they invent things.", "dismiss-hallucinations"),
    ("fashion-recommender", "We would use random negatives only, from the whole catalogue.", "random-negatives-only"),
]


@pytest.mark.parametrize(("question", "answer", "mistake"), STATED)
def test_the_candidates_own_claim_or_plan_is_stated(question: str, answer: str, mistake: str | None) -> None:
    found = stated(grade_answer(answer, RUBRICS[question]))
    assert found if mistake is None else mistake in found


def test_rejecting_needs_a_claim_as_its_subject() -> None:
    assert rejects(sentence("The claim that p is the chance H1 is true is wrong."))
    assert rejects(sentence("Shipping without review would be dangerous."))
    assert rejects(sentence("It is wrong to read p as the chance the hypothesis is true."))
    # The output is judged, not a claim: "if the output is wrong, the model is bad" blames the model.
    assert not rejects(sentence("If the output is wrong, the model is just bad."))


def test_reporting_avoiding_and_counterfactuals() -> None:
    assert reports(sentence("Many teams ignore the power calculation."))
    assert avoids(sentence("We no longer sample random negatives."))
    assert counterfactual(sentence("If we used random negatives only, the model would learn nothing."))
    # A plan is not a counterfactual: it states what it plans.
    assert not counterfactual(sentence("We would pick the filters ourselves and keep them fixed."))
    assert limits("Use random negatives only.")
    assert not limits("Forget weight sharing across positions.")


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        # "confuse" names a misconception after a negation or "get", or as the opening gerund ...
        ("Don't confuse the p-value with the chance that the hypothesis is true.", True),
        ("A lot of people get confused by p-values.", True),
        ("Confusing statistical and practical significance is the classic slip.", True),
        ("A common confusion is reading p as the chance the variant wins.", True),
        # ... and said of something, the verb is the candidate's own claim.
        ("Small samples confuse everything, and the p-value is the chance the variant really wins.", False),
        ("Hard negatives just confuse the model, so random ones are all you need.", False),
        # "like"/"love" report a view only with what is said or done.
        ("People like to say that the p-value is the chance the variant wins.", True),
        ("Everyone loves talking about hard negatives.", True),
        ("Engineers like precision, so I start with the convolution integral.", False),
    ],
)
def test_confusing_and_liking_report_a_view_only_in_their_reporting_uses(text: str, reported: bool) -> None:
    assert reports(sentence(text)) is reported


def test_a_rhetorical_why_dismisses_what_it_asks_about() -> None:
    answer = "But why would you want the same weights everywhere? Each position should get its own kernel."
    assert verdict("cnn-explained", "weight-sharing", answer) == "missed"
    # Answered by the next sentence, it explains.
    explained = (
        "Why would you want the same weights everywhere? Because an edge looks the same at every position, "
        "so one filter reused across the image finds it anywhere."
    )
    assert verdict("cnn-explained", "weight-sharing", explained) == "met"


def test_a_belittling_word_after_and_a_new_subject_is_said_of_its_own_clause() -> None:
    answer = "We always review diffs, because they invent APIs and in ML code they can silently skip monitoring."
    assert verdict("genai-tools", "hallucinated-apis", answer) == "met"
    # Without a new subject it still reaches back: the term is dismissed.
    assert verdict("genai-tools", "hallucinated-apis", "Hallucinated APIs are something we simply skip.") == "missed"


def test_belittling_words_added_for_ceremony_and_things_of_the_past() -> None:
    assert verdict("genai-tools", "hallucinated-apis", "Hallucinated APIs don't happen anymore.") == "missed"
    assert verdict("genai-tools", "verification", "Running the tests on a diff is just ceremony.") == "missed"


def test_belittling_either_part_of_an_answer_wide_key_point_denies_it() -> None:
    answer = "We retrieve candidates with image embeddings. A separate ranking model on top is overengineering."
    grade = grade_answer(answer, RUBRICS["fashion-recommender"])
    assert next(c.verdict for c in grade.criteria if c.id == "retrieval-vs-reranking") == "missed"
    assert "no-stage-split" in stated(grade)
    # Negated, it is a fact about rankers, not a dismissal.
    fact = "We retrieve candidates with embeddings. There's no ranker that can score millions of items in real time."
    assert "no-stage-split" not in stated(grade_answer(fact, RUBRICS["fashion-recommender"]))


def test_a_part_dismissed_beside_another_dismissed_key_point_still_denies_it() -> None:
    answer = "Reranking isn't really necessary, and mining hard negatives from similar categories is overrated."
    assert "no-stage-split" in stated(grade_answer(answer, RUBRICS["fashion-recommender"]))


def test_a_negation_opening_its_clause_stops_at_an_infinitive_of_purpose() -> None:
    doc = parse("You don't have to iterate through the entire list to access elements.")
    sentence = doc.sentences[0]
    access = sentence.words.index("access")
    iterate = sentence.words.index("iterate")
    assert sentence.negated([iterate])
    assert not sentence.negated([access])


@pytest.mark.parametrize(
    ("question", "criterion", "answer"),
    [
        ("genai-tools", "verification", "Reviewing diffs and running tests on generated code is paranoia."),
        ("cnn-explained", "weight-sharing", "Weight sharing, learned filters, pooling: none of that is how CNNs work."),
        ("ab-significance", "sample-size", "Who cares about sample size or power?"),
        ("fashion-recommender", "failure-mode", "Colour dominance is not a thing, users buy anyway."),
        ("ab-significance", "variance", "Variance reduction is a ritual for academics."),
    ],
)
def test_dismissals_in_other_words_do_not_meet_the_key_point(question: str, criterion: str, answer: str) -> None:
    assert verdict(question, criterion, answer) == "missed"


def test_a_long_subject_keeps_its_credit_when_the_predicate_praises_it() -> None:
    answer = "Reviewing diffs and running tests on generated code is essential before anything ships."
    assert verdict("genai-tools", "verification", answer) == "met"


@pytest.mark.parametrize(
    ("question", "criterion", "answer"),
    [
        (
            "ab-significance",
            "variance",
            "People like to talk about effect size, metric variance and power analysis, but honestly none of those "
            "matter much in practice.",
        ),
        ("ab-significance", "test-design", "Multiple testing correction, nobody actually does that."),
        ("fashion-recommender", "hard-negatives", "Hard negatives from similar categories, we avoided them."),
    ],
)
def test_a_later_clause_that_dismisses_the_terms_before_it(question: str, criterion: str, answer: str) -> None:
    assert verdict(question, criterion, answer) == "missed"


@pytest.mark.parametrize(
    ("answer", "criterion"),
    [
        ("Effect size, sample size and variance all matter, and none of those can be skipped.", "variance"),
        ("You can't skip power analysis before launch.", "sample-size"),
        ("Never ignore variance: noisy metrics need more users.", "variance"),
    ],
)
def test_a_denied_dismissal_affirms_and_states_no_mistake(answer: str, criterion: str) -> None:
    grade = grade_answer(answer, RUBRICS["ab-significance"])
    assert next(c.verdict for c in grade.criteria if c.id == criterion) == "met"
    assert stated(grade) == set()


@pytest.mark.parametrize(
    ("question", "criterion", "answer"),
    [
        (
            "genai-tools",
            "verification",
            "Verification is something people insist on, but with modern models I don't think it's needed.",
        ),
        ("cnn-explained", "pooling-receptive-field", "Pooling gets mentioned a lot, but I doubt it is important."),
        ("ab-significance", "variance", "I've heard about variance reduction, but I wouldn't bother with it."),
    ],
)
def test_a_later_clause_that_dismisses_through_a_pronoun(question: str, criterion: str, answer: str) -> None:
    assert verdict(question, criterion, answer) == "missed"


@pytest.mark.parametrize(
    ("question", "criterion", "answer"),
    [
        ("ab-significance", "sample-size", "Sample size planning is key, but teams often skip it."),
        ("genai-tools", "hallucinated-apis", "We review diffs because they invent APIs and they can skip monitoring."),
        (
            "cnn-explained",
            "vs-fully-connected",
            "A fully connected layer would connect every pixel to every output, which is expensive and ignores that "
            "nearby pixels form local patterns.",
        ),
    ],
)
def test_a_pronoun_that_does_the_dismissing_or_others_dismissing_keeps_the_credit(
    question: str, criterion: str, answer: str
) -> None:
    assert verdict(question, criterion, answer) == "met"


def test_neither_matters_dismisses_both() -> None:
    answer = "You could mention locality and pooling, but honestly neither matters much."
    assert verdict("cnn-explained", "pooling-receptive-field", answer) == "missed"


def test_not_mistaking_noise_for_an_effect_affirms_the_distinction() -> None:
    answer = "We need significance so we don't mistake random fluctuations for real improvements."
    assert verdict("ab-significance", "noise-vs-effect", answer) == "met"


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # A warning opened by "without", with or without a comma; a misconception named as a myth, a warning to
        # a generic "you", a negative question, the term as the agent of a negated cure, a dismissal named as
        # the cause of harm.
        ("ab-significance", "Without a power analysis you are just guessing how many users you need."),
        ("ab-significance", "Without a power analysis, you're guessing."),
        ("genai-tools", "Without tests you will ship invented APIs to production."),
        ("ab-significance", "It's a myth that p = 0.03 means a 97% chance the variant is better."),
        ("cnn-explained", "It's a myth that CNN filters are fixed kernels someone designed; training learns them."),
        ("genai-tools", "If you give it 'make the service better' you will get garbage; give it the interface."),
        ("ab-significance", "Isn't more data always better? Not when assignment is biased."),
        ("ab-significance", "Bot traffic isn't something a bigger sample cures."),
        ("ab-significance", "Ignoring variance is how people underestimate test duration."),
    ],
)
def test_correct_statements_in_tricky_shapes_accuse_of_nothing(question: str, answer: str) -> None:
    assert stated(grade_answer(answer, RUBRICS[question])) == set()


@pytest.mark.parametrize(
    ("question", "mistake", "answer"),
    [
        # Doing without is still the practice; the candidate's own rule after "if" is still stated; so is a claim
        # about what confuses ("they confuse the model") or what engineers like.
        (
            "ab-significance",
            "pvalue-hypothesis-true",
            "Small samples confuse everything, and the p-value is the probability that our hypothesis is true.",
        ),
        (
            "cnn-explained",
            "math-before-intuition",
            "I always start with the math because engineers like precision: the convolution integral comes first.",
        ),
        ("ab-significance", "no-power-planning", "We run our tests without a power analysis."),
        ("genai-tools", "forget-verification", "We ship generated code without tests and it is fine."),
        (
            "genai-tools",
            "vague-prompts-blame-model",
            "If the output is bad, I blame the model; my prompts are one-liners.",
        ),
    ],
)
def test_the_same_words_said_as_the_candidates_practice_are_stated(question: str, mistake: str, answer: str) -> None:
    assert mistake in stated(grade_answer(answer, RUBRICS[question]))
