"""Key points stated in candidates' own words are met; vague, wrong or echoing sentences are not.

Each sentence is graded alone by the shipped seed rubrics, deterministically (no meaning layer), and only the
verdict on its key point is compared. The correct sentences are paraphrases of the seed documents' key points
in the words engineers use in interviews (plain and formal English, British and American, Russian, mixed);
the must-not sentences mention the topic vaguely, state it wrongly with the same words, or repeat the question.
"""

from __future__ import annotations

import pytest

from mockint.grading import grade_answer
from mockint.models import Rubric
from mockint.rubrics import load_rubrics

RUBRICS: dict[str, Rubric] = dict(load_rubrics())


def verdict(question: str, criterion: str, sentence: str) -> str:
    grade = grade_answer(sentence, RUBRICS[question], by_meaning_too=False)
    return next(c.verdict for c in grade.criteria if c.id == criterion)


# (question, key point): (sentences that must meet it, sentences that must not)
CASES: dict[tuple[str, str], tuple[list[str], list[str]]] = {
    ("ab-significance", "noise-vs-effect"): (
        [
            (
                "Even if nothing changed, the two groups would never show exactly the same conversion, so we need a "
                "way to tell whether the gap is real or just noise."
            ),
            (
                "Without a significance test you might ship something that only looked better because of random "
                "variation between the groups."
            ),
            (
                "Metrics wobble from day to day on their own, and significance is how we check that the uplift isn't "
                "just that wobble."
            ),
            "The point is to avoid celebrating a difference that would have shown up by coincidence anyway.",
            "Significance protects us from mistaking sampling error for a genuine improvement.",
            "Значимость нужна, чтобы не принять случайный разброс за настоящее улучшение.",
            "Significance testing is basically asking whether plain sampling luck could explain this lift.",
            (
                "Даже если фича ничего не делает, группы всё равно немного отличаются, so we need significance to "
                "avoid shipping noise."
            ),
        ],
        [
            "Statistical significance is needed in A/B tests.",
            "Significance is important because A/B tests are important for the business.",
            (
                "Any difference we observe in an A/B test is a real effect, since both groups see the same product "
                "otherwise."
            ),
            "Noise doesn't really matter in big tests, every difference you see is real.",
            "The p-value tells us the effect is real.",
        ],
    ),
    ("ab-significance", "pvalue-definition"): (
        [
            (
                "If the change actually did nothing, the p-value tells you how often you'd still see a gap at least "
                "this big."
            ),
            "Pretend B is identical to A: the p-value is the chance of a result as extreme as ours or more.",
            (
                "Assuming there's no real difference between the arms, it's the probability of observing data this "
                "extreme or more so."
            ),
            (
                "It's how surprising our result would be in a world where the treatment has zero effect, the "
                "probability of getting something at least as extreme by chance alone."
            ),
            (
                "The p-value is the probability of seeing a difference this large or larger if the null hypothesis "
                "were true."
            ),
            "p-value — это вероятность увидеть такую же или ещё большую разницу, если на самом деле эффекта нет.",
            (
                "Suppose the new button changes nothing: how likely is it that random assignment alone produces a "
                "lift this big or bigger? That likelihood is the p-value."
            ),
            "P-value — это шанс получить результат as extreme as this or more, при условии что H0 верна.",
        ],
        [
            "The p-value is the probability that the null hypothesis is true.",
            "A p-value is the probability that our result happened by chance.",
            "The p-value is the probability that variant B is better than A, given the data.",
            "The p-value is a number between 0 and 1 that we compare with 0.05.",
        ],
    ),
    ("ab-significance", "alpha-threshold"): (
        [
            (
                "Before launch we commit to a level, say 0.05, and if the p-value comes in below it we reject the "
                "no-difference assumption."
            ),
            (
                "If p is smaller than the alpha we picked upfront, typically 5%, we conclude the result is "
                "statistically significant."
            ),
            (
                "We set the significance level ahead of time, usually five percent, and only call a winner when the "
                "p-value drops beneath it."
            ),
            "The usual convention is alpha equals 0.05: a p-value under that line means we throw out the null.",
            "Anything under our pre-registered threshold of 1% counts as significant.",
            "Если p-value меньше заранее выбранного порога, обычно 0.05, нулевую гипотезу отвергаем.",
            "We fix alpha before the test, and a p-value lower than alpha lets us reject H0 at that level.",
        ],
        [
            "The p-value should be small.",
            "If the p-value is above 0.05 we reject the null.",
            "Alpha is a parameter we pick for the test.",
            "A p-value of 0.05 proves the effect is real.",
            "If the p-value is greater than alpha, we reject the null hypothesis.",
        ],
    ),
    ("ab-significance", "effect-size"): (
        [
            "A bigger genuine difference is easier to detect.",
            "If the true uplift is tiny, you need a huge sample to see it.",
            "Subtle changes are hard to distinguish from noise, whereas a large shift stands out quickly.",
            "The smaller the real impact, the more users you need.",
            "Чем меньше разница между вариантами, тем больше нужно пользователей, чтобы её заметить.",
            "The magnitude of the lift matters: a 5% change is detectable with far less traffic than a 0.5% change.",
            "How big the true difference between the variants is drives how quickly you reach significance.",
            "Маленький эффект detect'ить сложнее, нужна большая выборка.",
        ],
        [
            "There was a difference between A and B.",
            "Effect size doesn't matter, only the p-value does.",
            "A bigger difference is always significant, no matter the sample.",
            "We measured the difference in conversion between groups.",
            "A small difference is easier to detect than a big one.",
            "The new design made a big change to the page.",
        ],
    ),
    ("ab-significance", "sample-size"): (
        [
            "With more users per variant, the estimate gets tighter and small effects become visible.",
            "You have to size the test upfront and work out how many visitors you need for 80% power.",
            "The more traffic you have, the narrower the error bars.",
            "Standard error shrinks with one over root n, so quadrupling the sample halves the noise.",
            "Мы заранее считаем, сколько нужно наблюдений, чтобы тест имел достаточную мощность.",
            "Underpowered tests are a classic trap: too few users and a real lift never reaches significance.",
            "Before launching, we calculate the required sample with a power calculator.",
            "Нужно заранее посчитать sample size, иначе тест может быть underpowered.",
        ],
        [
            "We ran the test on our users.",
            "Sample size doesn't matter much once you're significant.",
            "Users were split into two groups.",
            "We have more traffic on weekends.",
            "Even a handful of users is enough if the effect is real.",
            "More traffic fixes any bias in the split.",
        ],
    ),
    ("ab-significance", "variance"): (
        [
            "A steadier metric needs fewer users.",
            "Revenue per user is heavy-tailed, so it takes way more traffic than conversion to reach significance.",
            "The higher the spread of the metric, the longer you have to run.",
            "Techniques like CUPED or stratification reduce the noise so you need fewer samples.",
            "If individual values bounce around a lot, the average is uncertain and you need a bigger sample.",
            "Чем шумнее метрика, тем больше нужно данных.",
            "A metric like clicks per session is less noisy than revenue, so it reaches significance faster.",
            "Revenue is a very volatile metric, so tests on it take longer.",
        ],
        [
            "We looked at several metrics.",
            "Revenue is our main metric.",
            "Variance doesn't really matter if you have a lot of users.",
            "The two variants showed different results.",
            "Conversion is the metric we report to the business.",
            "We picked a more stable metric.",
        ],
    ),
    ("ab-significance", "test-design"): (
        [
            "Run it for full weeks so weekday and weekend behaviour are both covered.",
            "A 50/50 split gives the most power for a given amount of traffic.",
            "If you check twenty metrics, one of them will light up by pure luck unless you correct for it.",
            "The choice of statistical test matters: a t-test versus Mann-Whitney versus a bootstrap for skewed data.",
            "If you want to peek at the results daily, use a sequential test with alpha spending.",
            "Тест должен идти хотя бы полную неделю, чтобы покрыть недельную сезонность.",
            "With many variants you should adjust the threshold, for example with Holm or Bonferroni.",
            (
                "How long we keep the experiment running and how the traffic is split between arms both affect the "
                "outcome."
            ),
        ],
        [
            "We designed the test carefully.",
            "The test ran in production.",
            "Duration doesn't matter.",
            "We split users into groups randomly.",
            "The test was well designed and ran for a while.",
        ],
    ),
    ("ab-significance", "randomization-quality"): (
        [
            "If the assignment is biased, waiting longer won't fix it.",
            "Check the sample ratio: if you expected 50/50 and got 52/48, something is broken in the bucketing.",
            "Garbage in, garbage out: bad logging or bot traffic can't be cured by a bigger sample.",
            "If one group accidentally got more mobile users, the comparison is biased no matter how long you run.",
            "A bug that puts returning users mostly into B gives a systematic bias that more data won't remove.",
            "A biased split stays biased however much traffic you pour in.",
            "Если сплит кривой, то никакое количество трафика это не исправит.",
            "If the randomisation is broken, running longer just makes you more confident in the wrong answer.",
        ],
        [
            "Users are randomly assigned to A or B.",
            "Randomization is important.",
            "If the split is skewed, just run the test longer and it will average out.",
            "We randomly sampled users for the test.",
            "With enough traffic any imbalance between groups washes out.",
        ],
    ),
}
MEETS = [(q, c, s) for (q, c), (good, _) in CASES.items() for s in good]
MUST_NOT_MEET = [(q, c, s) for (q, c), (_, bad) in CASES.items() for s in bad]


@pytest.mark.parametrize(("question", "criterion", "sentence"), MEETS)
def test_a_correct_paraphrase_meets_its_key_point(question: str, criterion: str, sentence: str) -> None:
    assert verdict(question, criterion, sentence) == "met"


@pytest.mark.parametrize(("question", "criterion", "sentence"), MUST_NOT_MEET)
def test_a_vague_wrong_or_echoing_sentence_does_not_meet_it(question: str, criterion: str, sentence: str) -> None:
    assert verdict(question, criterion, sentence) != "met"
