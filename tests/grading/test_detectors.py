"""The typical mistakes' detectors, sentence by sentence: ways candidates state each mistake, and traps.

Each committing sentence must state its mistake with its own words as evidence; each trap (a correct statement
with the same words, the misconception named only to reject it, a "without X it would ..." hypothetical, advice
against the mistake) must state none. Sentences are written from the seed documents and from how candidates
talk, not from any labelled answer set.
"""

from __future__ import annotations

import pytest

from mockint.grading import grade_answer
from mockint.models import Grade, Rubric
from mockint.rubrics import load_rubrics

RUBRICS: dict[str, Rubric] = dict(load_rubrics())


def stated(g: Grade) -> dict[str, str | None]:
    """Mistakes committed with the answer's words as evidence."""
    return {m.id: m.evidence for m in g.mistakes if m.committed and m.evidence}


# (rubric id, mistake id) -> sentences that commit the mistake.
COMMITS: dict[tuple[str, str], list[str]] = {
    ("ab-significance", "pvalue-hypothesis-true"): [
        "The p-value tells us the probability that the null hypothesis is true.",
        "A p-value of 0.03 means there's a 3% chance the null hypothesis is correct.",
        "A p-value of 0.02 means there's only a 2% probability the result is due to chance.",
        "With a p-value of 0.01 we are 99% confident that the variant is better.",
        "The p-value is basically the likelihood that the effect we saw is real.",
        "The p-value is the chance that we are wrong when we ship the variant.",
        "p-value — это вероятность того, что нулевая гипотеза верна.",
        "p-value 0.04 значит, что с вероятностью 96% фича работает.",
        "The p-value shows how confident we can be that the treatment effect is real.",
        "So a p-value of 0.05 means there is a 95% probability that our hypothesis is right.",
        "The p-value is the probability that the difference between A and B is real.",
        "p-value показывает вероятность того, что эффект случайный.",
        "The p-value is the probability that the results happened by chance.",
        "A p-value of 0.2 means there's an 80% chance the feature works.",
    ],
    ("ab-significance", "magic-five-percent"): [
        "Below 0.05 the effect is real, and above 0.05 there is no effect.",
        "Anything under 5% is a proven result.",
        "A result at 0.05 is definitely significant, at 0.06 it definitely isn't.",
        "Once the p-value drops below 5% we know for sure the new design is better.",
        "Если p-value меньше 0.05, значит эффект точно есть.",
        "A p-value above 0.05 means the change has no effect, so we roll it back.",
        "The 0.05 line separates true results from false ones.",
        "p = 0.051 means the test failed and the feature does nothing.",
        "If the p-value is 0.06 we can say the feature definitely has no effect.",
        "Меньше 0.05 — значит эффект доказан.",
        "Once p is under 5% the result is guaranteed to replicate.",
    ],
    ("ab-significance", "no-power-planning"): [
        "We just run the test until it turns significant and then stop.",
        "I check the dashboard every day and stop the experiment as soon as the p-value drops below 0.05.",
        "There's no need to calculate the sample size up front, just launch and watch the numbers.",
        "Sample size planning is overkill, we just launch with whatever traffic we have.",
        "We never do a power analysis, we just run it for a week.",
        "Мы просто запускаем тест и смотрим каждый день, пока не станет значимым.",
        "We launch and let it run until the p-value is under 0.05.",
        "Power calculations are mostly academic, in practice you just launch.",
        "Тест останавливаем, как только p-value станет меньше 0.05.",
        "We stop the test the moment it hits significance.",
        "We don't calculate the sample size, we just run the test for two weeks and see.",
        "Sample size? Never really thought about it, we just use all the traffic.",
        "We peek at the results daily and stop once it's significant.",
        "Мы не считаем размер выборки заранее, просто запускаем тест.",
    ],
    ("ab-significance", "forget-variance-randomization"): [
        "With enough traffic any bias in the split averages out.",
        "We test all twenty metrics and report whichever one comes out significant.",
        "Variance doesn't really matter, only the average difference counts.",
        "If the split is a bit uneven, running the test longer will fix that.",
        "Multiple testing corrections are overkill, just look at which metrics went green.",
        "Дисперсия метрики не важна, важен только средний прирост.",
        "Bias in the assignment washes out once you have millions of users.",
        "Смещение в сплите исправится само, если набрать больше трафика.",
        "We track dozens of metrics without correction and ship whatever moved.",
        "Randomization is not something we need to worry about, the platform handles it.",
        "Variance is irrelevant if the average goes up.",
        "We look at all metrics and if any of them is significant we call it a win.",
        "More data removes any bias from the experiment.",
    ],
    ("cnn-explained", "splitting-into-pieces"): [
        "A CNN cuts the picture into small squares and classifies each square.",
        "Basically it divides the image into a grid of tiles and looks at each tile separately.",
        "The network chops the photo up into little patches and analyzes them one by one.",
        "CNN разбивает картинку на кусочки и распознаёт каждый кусочек.",
        "It breaks the image down into many small regions and then combines what it finds.",
        "You take the image, slice it into a grid of cells, and feed each cell to the classifier.",
        "It just chops the image into chunks and recognises each chunk.",
        "По сути CNN нарезает изображение на фрагменты и анализирует каждый отдельно.",
        "The CNN divides the picture into small squares and then votes on what the object is.",
        "Сеть режет картинку на маленькие квадраты и смотрит на каждый.",
    ],
    ("cnn-explained", "no-weight-sharing"): [
        "Each position gets its own unique set of weights.",
        "Every pixel location has its own separate filter.",
        "The network learns a different kernel for every region of the image.",
        "Для каждой позиции на картинке обучаются свои веса.",
        "Each patch of the image is processed by its own small network.",
        "Every part of the image has different parameters so it can specialize.",
        "Каждый участок изображения обрабатывается отдельным фильтром.",
        "Weight sharing isn't really important, it's an implementation detail.",
        "Every location in the image has a separate set of parameters.",
        "Each neuron in the conv layer has its own weights for its own region.",
    ],
    ("cnn-explained", "filters-not-learned"): [
        "The engineer picks fixed filters by hand, like Sobel edge detectors.",
        "We hand-design the kernels to detect edges and corners.",
        "The filters are predefined edge detectors such as Sobel or Prewitt.",
        "A human expert decides what each filter should look for.",
        "Фильтры задаются вручную инженером.",
        "The kernel values are hard-coded and never change.",
        "Each filter is a classic edge detector that someone designed manually.",
        "The convolution kernels are designed by domain experts.",
        "Фильтры — это заранее заданные матрицы, например оператор Собеля.",
        "The filters are fixed matrices, for example a Sobel filter for vertical edges.",
        "We manually set the kernel values to detect edges.",
        "Инженер вручную подбирает ядра свёртки.",
    ],
    ("cnn-explained", "math-before-intuition"): [
        "Convolution is the integral of f(τ)g(t−τ)dτ, which is what each layer computes.",
        "By the convolution theorem, convolution in space is multiplication in the Fourier domain, so that's the "
        "core of a CNN.",
        "First you need to understand continuous convolution of two functions over the real line.",
        "Сначала дам определение: свёртка — это интеграл произведения двух функций со сдвигом.",
        "A CNN is best understood through the impulse response of a linear time-invariant system.",
        "Convolution is defined via the Dirac delta and impulse responses.",
        "Начнём с преобразования Фурье: свёртка во временной области — это умножение в частотной.",
        "Let me start with the formal definition: convolution is an integral over all shifts of the product of "
        "two functions.",
    ],
    ("fashion-recommender", "only-embeddings"): [
        "We just used embeddings and recommended the nearest items.",
        "The whole thing is just cosine similarity between pretrained image embeddings.",
        "We took off-the-shelf CLIP embeddings and did nearest-neighbour search, no training needed.",
        "Only embeddings, nothing more: similar vectors mean compatible items.",
        "Мы просто взяли эмбеддинги и рекомендовали ближайшие товары.",
        "Embeddings alone were enough to find compatible items.",
        "It was all embeddings: encode every product with CLIP and return the closest ones.",
        "We only used embeddings from a pretrained CLIP model.",
        "It's simply cosine similarity on CLIP embeddings.",
    ],
    ("fashion-recommender", "no-stage-split"): [
        "One model scores every item in the catalogue and we show the top ten.",
        "We didn't separate retrieval and reranking.",
        "There's no separate ranking stage, the embedding similarity is the final ranking.",
        "Retrieval and ranking are the same step for us.",
        "A single neural network does everything: it takes the user and returns the outfit.",
        "Одна модель сразу выдаёт рекомендации по всему каталогу.",
        "We didn't bother with a two-stage setup, one model handles it all.",
        "We simply rank the entire catalogue directly with the compatibility model.",
        "We have just one model that does all the recommending.",
        "We didn't need a separate candidate generation step.",
    ],
    ("fashion-recommender", "random-negatives-only"): [
        "For negatives we just sampled random items from the catalog.",
        "Negative pairs were random products from other categories.",
        "Any item not in the outfit was treated as a negative, picked at random.",
        "We paired each item with a randomly drawn product as the non-matching example.",
        "Hard negatives weren't needed, random ones worked fine.",
        "Негативы брали случайно из всего каталога.",
        "We used random negatives; mining harder ones seemed unnecessary.",
        "We sampled negatives uniformly from the catalogue.",
        "Negatives were random products from the catalogue, that was enough.",
        "В качестве негативов брали рандомные товары.",
    ],
    ("fashion-recommender", "hide-failures"): [
        "Honestly, nothing went wrong, the model worked perfectly.",
        "There were no real problems with the model.",
        "The system had no weaknesses worth mentioning.",
        "Everything worked as expected from day one.",
        "I can't think of any failure modes, it just worked.",
        "The model performed flawlessly in production.",
        "Всё работало идеально, проблем не было.",
        "We didn't really have any failures to talk about.",
        "Мы не столкнулись ни с какими проблемами.",
        "The recommender worked great and there were no issues at all.",
        "Честно говоря, ничего не сломалось, всё работало идеально.",
    ],
    ("genai-tools", "production-without-review"): [
        "LLMs can ship a whole service on their own now.",
        "Agents can already build production apps end to end without a human.",
        "With Cursor you can let the AI write and deploy the whole backend, no review needed.",
        "I let Copilot's code go straight to prod without reading it.",
        "Modern models write production-ready code, so code review is becoming unnecessary.",
        "ChatGPT can write the entire application by itself and I just deploy it.",
        "Нейросети уже сами пишут продакшн-сервисы без всякой проверки.",
        "The agent writes, tests and deploys the whole service autonomously.",
        "AI agents can already build and run a whole production system without any human review.",
        "ИИ уже может сам написать продакшн-систему без ревью.",
        "Soon AI will replace developers and code review entirely.",
    ],
    ("genai-tools", "dismiss-hallucinations"): [
        "They hallucinate, so they are a net negative: ban them.",
        "They make things up, so I never use them.",
        "LLMs just hallucinate, they're useless for real engineering.",
        "Because of hallucinations these tools are a waste of time.",
        "They make up APIs all the time, so I write everything myself.",
        "ИИ-инструменты галлюцинируют, поэтому они бесполезны.",
        "Generated code can't be trusted, so our team banned Copilot.",
        "I avoid AI assistants completely since they invent things.",
        "They're just a liability that lies confidently.",
        "Honestly they're not worth the risk, they invent APIs.",
        "These tools hallucinate too much to be useful at all.",
        "LLM-инструменты — игрушка, они постоянно галлюцинируют.",
    ],
    ("genai-tools", "forget-verification"): [
        "If it compiles, I merge it.",
        "I usually accept the suggestion and push it if it looks fine.",
        "Generated code mostly works, so I skip the tests.",
        "I don't read the diffs, I trust the output.",
        "Tests for generated code are overkill, it's usually right.",
        "I just paste what ChatGPT gives me straight into the codebase.",
        "Если код компилируется, я его сразу мержу.",
        "Я не тестирую сгенерированный код, он обычно работает.",
        "If the code looks right, I ship it.",
        "I trust the generated code and merge it without tests.",
    ],
    ("genai-tools", "vague-prompts-blame-model"): [
        "When it writes garbage, that's the model's fault, not my prompt.",
        "If the output is bad, the model is just dumb.",
        "I just type 'build me a login page' and if it's wrong, I blame the AI.",
        "A one-line prompt should be enough; if it's not, the LLM is the problem.",
        "I don't write long prompts, a good model should understand what I want.",
        "Bad output is always the tool's fault.",
        "Если результат плохой, виновата нейросеть, а не я.",
        "I keep prompts short, and when it fails, it's on the model.",
        "Prompt engineering is overrated, the model should just figure it out.",
        "If the result is bad, it's the model's fault, it should know what I mean.",
        "Модель тупая, если выдаёт мусор.",
    ],
}

# rubric id -> sentences that must state no mistake at all.
CLEAN: dict[str, list[str]] = {
    "ab-significance": [
        # pvalue-hypothesis-true
        "The p-value is not the probability that the null hypothesis is true; it is computed assuming the null.",
        "A p-value of 0.03 does not mean a 97% chance that the variant is better.",
        "People often read the p-value as the probability that the hypothesis is true, which is wrong.",
        "The 95% confidence interval for the lift is between 1 and 3 percent.",
        "The p-value is the probability of seeing a difference this large by chance if there were no real effect.",
        "Под нулевой гипотезой p-value — вероятность получить такие же или более экстремальные данные.",
        # magic-five-percent
        "0.05 is just a convention; p = 0.049 and p = 0.051 are practically the same evidence.",
        "A p-value above 0.05 does not prove there is no effect, the test may just be underpowered.",
        "We reject the null at the 5% level chosen in advance.",
        "Below 0.05 we reject the null, but that's not a guarantee the effect is real.",
        "Если p-value больше 0.05, это не доказывает, что эффекта нет.",
        "Even if the feature does nothing, about 5% of tests will show p below 0.05.",
        "A small p-value suggests the variant is likely better.",
        # no-power-planning
        "We plan the sample size with a power analysis and do not stop the test early just because it looks "
        "significant.",
        "Peeking every day and stopping once it is significant inflates false positives.",
        "We stop when the planned sample size is reached, not when the p-value dips below 0.05.",
        "Sequential tests like mSPRT let you stop as soon as the result is significant without inflating errors.",
        "Power analysis tells you how many users you need before launching.",
        "A larger effect reaches significance with fewer users.",
        "Power analysis gives the theoretical minimum sample size.",
        # forget-variance-randomization
        "More traffic reduces noise, but biased assignment is not fixed by more traffic.",
        "Broken randomization cannot be fixed just by waiting longer.",
        "With twenty metrics, one will come out significant by chance unless we correct for multiple testing.",
        "Variance matters: noisy metrics need more users to reach significance.",
        "Without a correction, testing twenty metrics almost surely gives you a false positive.",
        "Running the test longer fixes novelty bias and weekly seasonality.",
        "A p-value is the probability of data at least as extreme as ours if the null is true, not the probability "
        "that the effect is real.",
        "The chance that the variant is better is a Bayesian posterior, which a p-value does not give.",
        "We planned the sample size and ran until we reached it.",
        "We keep running the test until the planned duration is over, even if it looks significant earlier.",
        "We fix the significance level at 5% before the test starts.",
        "At the 5% level, about one test in twenty shows an effect when there is none.",
        "Bigger samples make it easier to detect smaller effects.",
        "If the treatment does nothing, p-values are uniform, so about 5% of tests come out under 0.05 anyway.",
        "A confidence interval tells you the plausible range for the lift, which is more useful than a yes/no at 0.05.",
        "We ran the test for two full weeks as planned to cover weekly seasonality.",
        "We monitor SRM daily, but we don't make ship decisions until the planned sample size is reached.",
        "A p-value of 0.03 means that if there were no effect, a difference this big would show up 3% of the time.",
        "With 99% of users in control the test would have almost no power.",
        "Running longer helps with noise, not with bias; an uneven split needs a bug fix.",
        "p < 0.05 doesn't guarantee the effect is real, and p > 0.05 doesn't prove there is none.",
        "We stop the test when we reach the sample size from the power calculation.",
        "Если эффект маленький, нужен большой размер выборки, иначе тест не прокрасится.",
        "The probability that the variant is better is not what a p-value measures.",
        "Stopping as soon as the p-value dips under 0.05 is peeking and inflates false positives.",
    ],
    "cnn-explained": [
        # splitting-into-pieces
        "Unlike splitting the image into pieces, the filter slides over every position with the same weights.",
        "It's not just splitting the image into pieces: the same learned filter is applied at every position.",
        "Vision transformers split the image into 16x16 patches, CNNs do not.",
        "Pooling divides the feature map into 2x2 blocks and keeps the maximum of each.",
        "We split the data into training and test parts.",
        "The filter only looks at a small patch at a time.",
        "It looks at the picture piece by piece with one sliding filter.",
        "Striding cuts the resolution a bit, and pooling halves it.",
        "Striding cuts the grid in half.",
        "Each layer breaks the problem down into simpler parts: edges, then shapes, then objects.",
        # no-weight-sharing
        "Without weight sharing, a CNN would need a separate set of weights for every position.",
        "Different filters detect different patterns at every position.",
        "A fully connected layer has its own weight for every pixel, which is why it is so expensive.",
        "Each position doesn't get its own filter; one filter is reused everywhere.",
        "Locally connected layers use separate weights at each location.",
        # filters-not-learned
        "The filters are learned from data, not designed by hand.",
        "Nobody sets the filter values by hand; backpropagation finds them.",
        "The filter size, like 3x3, is fixed by the architect, but the values are learned.",
        "In classic computer vision people used hand-designed filters like Sobel; CNNs replaced that.",
        "At inference time the filters are fixed.",
        "How many filters a layer has and their size is something the engineer decides.",
        "Фильтры не задаются вручную, они обучаются.",
        # math-before-intuition
        "I'll skip the integral definition and start with intuition.",
        "No need for Fourier transforms here; think of a small stencil sliding over the image.",
        "The continuous convolution integral isn't needed to understand this.",
        "Formally it's an integral, but intuitively it's a small filter sliding over the image.",
        "Signal-processing people know convolution as an integral, but you don't need that here.",
        "The image is not cut into pieces; the same filter scans every position.",
        "Each output position is computed with the same filter weights.",
        "Each filter has its own weights, and those weights are shared across all positions.",
        "Early computer vision used fixed Sobel filters; a CNN learns its filters instead.",
        "Convolution is just a weighted sum, no integrals needed.",
        "Think of the image as a grid of pixels, and a 3x3 filter sliding over it.",
        "Each filter has its own weights, and the layer applies each one everywhere.",
        "The first layers learn edge detectors that look a lot like hand-designed Sobel filters.",
        "Mathematically it's a discrete convolution, a weighted sum, but the intuition is a sliding stencil.",
        "The image is processed patch by patch by the same filter, not by separate filters for each patch.",
        "Pooling splits the feature map into 2x2 windows and keeps the max, which halves the resolution.",
        "Instead of a separate weight for every pixel, a conv layer reuses one small kernel.",
        "Unlike a fully connected layer, which has separate weights for every input, a CNN shares them.",
        "Фильтр не фиксирован заранее: его веса выучиваются на данных.",
        "Sobel filters are designed by hand; a CNN learns similar ones from data.",
    ],
    "fashion-recommender": [
        # only-embeddings
        "We didn't just use embeddings: positives came from outfits and we mined hard negatives.",
        "Embeddings alone are not enough, you need outfit-derived positives.",
        "Embeddings alone aren't enough.",
        "Embeddings are just the retrieval stage, a reranker orders the shortlist.",
        "As a baseline we just used pretrained embeddings.",
        "Embeddings help, but they need labels from outfit data.",
        "Embeddings alone can't capture compatibility.",
        # no-stage-split
        "One model for everything would be too slow, so retrieval and reranking are separate stages.",
        "The ranker scores only the few hundred candidates from retrieval, not the whole catalogue.",
        "We use one model per stage: a two-tower retriever and a GBDT ranker.",
        "A single model can't score the entire catalogue in real time, hence the candidate stage.",
        "Одна модель на весь каталог была бы слишком медленной.",
        "We started without a reranker and added one later.",
        "One encoder model embeds every item in the catalogue into the index.",
        # random-negatives-only
        "Random negatives make the task too easy, so we mined hard negatives from similar categories.",
        "We started with random negatives and then switched to hard negatives from the same category.",
        "Using only random negatives is a classic mistake.",
        "Without hard negatives mined from similar categories, the task is too easy.",
        "Random negatives alone teach the model almost nothing.",
        # hide-failures
        "It didn't work perfectly: color dominance was the main open problem.",
        "Nothing failed outright, but the model over-relied on color and struggled with diversity.",
        "The index had no real problems with latency, but ranking quality suffered from color dominance.",
        "Retrieval worked perfectly on the offline benchmark, yet users still got monochrome outfits.",
        "I wouldn't say everything worked perfectly.",
        "Embeddings gave us candidates, but labels from outfits and hard negatives made them useful.",
        "We used one model for retrieval and a second model for reranking.",
        "The reranker does not score the whole catalogue, only the top 500 candidates.",
        "Random in-batch negatives were a starting point; later we mined hard negatives from the same category.",
        "The biggest failure was color dominance: everything worked except diversity.",
        "Nothing went wrong with the infrastructure, but the model kept recommending monochrome looks.",
        "We started from off-the-shelf CLIP embeddings, then fine-tuned them on outfit triplets.",
        "The candidate generator is one model; the reranker is another, trained on clicks.",
        "Scoring every item with the heavy ranker would take seconds, so we retrieve 300 candidates first.",
        "Random negatives were the baseline, and hard negatives from the same category improved recall.",
        "It worked well for basics but struggled with statement pieces.",
        "One weakness we never solved is color dominance.",
        "Negatives came from the same category, not random items.",
        "We didn't use random negatives only: half were mined from similar categories.",
    ],
    "genai-tools": [
        # production-without-review
        "LLMs cannot build production systems without review.",
        "Even the best agents need a human to review anything that goes to production.",
        "Some vendors claim agents can ship whole services autonomously, but I don't buy it.",
        "Agents can run autonomously in a sandbox, but production changes still go through review.",
        "Code review is not optional for generated code going to production.",
        "Some say AI makes code review obsolete for production code; I disagree.",
        # dismiss-hallucinations
        "They hallucinate APIs, so I review everything, but they are still great for boilerplate.",
        "They are not useless just because they hallucinate.",
        "Dismissing them because they hallucinate is a mistake; I use them for tests and refactoring.",
        "Some of the generated tests were useless, so I rewrote them.",
        "Without review, they would be useless for production.",
        "I never use them without reviewing the output.",
        "Our security team banned pasting secrets into ChatGPT.",
        "The tools are a liability if nobody reviews what they write.",
        # forget-verification
        "I never merge generated code just because it compiles; I read the diff and run the tests.",
        "I merge only after the tests pass and I've read the diff.",
        "Merging it because it looks right is how hallucinated APIs reach production.",
        "Don't merge it just because it compiles.",
        "No need to write tests by hand, the model drafts them and I review them.",
        "Full end-to-end tests for every generated snippet are overkill; unit tests and a diff review are enough.",
        "When the deadline is tight it is tempting to skip the tests.",
        "I don't test it by hand, CI runs the whole suite on every change.",
        # vague-prompts-blame-model
        "If the output is bad, it's usually my prompt that was vague.",
        "A one-line prompt is rarely enough; I give precise context and split the task.",
        "Blaming the model for bad output is pointless when the prompt was vague.",
        "The model produced garbage until I gave it the schema and the constraints.",
        "Garbage in, garbage out applies to the model too: vague prompts give vague code.",
        "No model should be expected to understand what I want from one line.",
        "Blaming the model for garbage output usually means my spec was vague.",
        "I review every diff before anything goes to production.",
        "They hallucinate sometimes, but for boilerplate they are a huge time saver.",
        "Hallucinations don't make them useless, they make review mandatory.",
        "I never ship it just because it looks right.",
        "If it compiles that proves nothing, so I run the tests.",
        "When the model gets it wrong, I first check whether my prompt was vague.",
        "A vague one-sentence prompt is not enough for anything non-trivial.",
        "Agents can draft a whole service, but a human still reviews and owns it before production.",
        "I paste the relevant files into the chat so it has the context.",
        "I never paste generated code straight into the repo without reading it.",
        "It hallucinates sometimes, so I treat its output as a draft.",
        "When it produces garbage, I tighten the prompt and add examples.",
        "Tests are not optional: I ask the model to write them and then I run them.",
        "I skip nothing: every generated change gets tests and a review.",
        "They are useless without context, so I give them the schema and constraints.",
        "Writing tests by hand for boilerplate is a waste of time; the model drafts them and I review.",
        "Blaming the tool is easy, but usually the spec was vague.",
        "LLMs are great at boilerplate, but production code always goes through review.",
    ],
}


# Traps that no detector accuses but the grader's stance layer still reads as dismissing a key point (a
# dismissal states the "Forget ..."/"Ignore ..." mistake that denies it): "until" does not end a negation's
# reach, a negation cue more than five words before "без" does not cancel it, a negated verb's object is
# read as negated ("will not remove bias from a broken split"), and a warning ("X without review is how you
# get outages") is read as a denial. Fixing these is a change to mockint.grading.text, not to a rubric.
STANCE_GAPS: list[tuple[str, str, str]] = [
    ("genai-tools", "Shipping AI-generated code to prod without review is how you get outages.", "forget-verification"),
    ("genai-tools", "Нельзя выкатывать в прод код от нейросети без ревью.", "forget-verification"),
    ("genai-tools", "I don't merge until I read the diff.", "forget-verification"),
    ("genai-tools", "Я не мержу код, пока не прогоню тесты.", "forget-verification"),
    ("genai-tools", "They become a liability without review.", "forget-verification"),
    (
        "ab-significance",
        "More data reduces variance but it will not remove bias from a broken split.",
        "forget-variance-randomization",
    ),
    (
        "cnn-explained",
        "The number of filters and kernel size are hyperparameters we pick by hand.",
        "filters-not-learned",
    ),
    ("genai-tools", "No agent today can build a whole production system without review.", "forget-verification"),
    ("genai-tools", "ChatGPT cannot replace code review.", "forget-verification"),
]


@pytest.mark.parametrize(
    ("question", "mistake", "sentence"),
    [(q, m, s) for (q, m), sentences in COMMITS.items() for s in sentences],
)
def test_a_committing_sentence_states_its_mistake_in_its_own_words(question: str, mistake: str, sentence: str) -> None:
    found = stated(grade_answer(sentence, RUBRICS[question]))
    evidence = found.get(mistake)
    assert evidence is not None, found
    assert evidence in sentence


@pytest.mark.parametrize(("question", "sentence"), [(q, s) for q, sentences in CLEAN.items() for s in sentences])
def test_a_trap_sentence_states_no_mistake(question: str, sentence: str) -> None:
    assert stated(grade_answer(sentence, RUBRICS[question])) == {}


@pytest.mark.parametrize(("question", "sentence", "dismissal"), STANCE_GAPS)
def test_a_stance_gap_trap_is_accused_of_nothing_but_the_dismissal(
    question: str, sentence: str, dismissal: str
) -> None:
    assert set(stated(grade_answer(sentence, RUBRICS[question]))) <= {dismissal}


@pytest.mark.xfail(strict=True, reason="stance: read as dismissing a key point (see STANCE_GAPS)")
@pytest.mark.parametrize(("question", "sentence", "dismissal"), STANCE_GAPS)
def test_a_stance_gap_trap_states_no_mistake(question: str, sentence: str, dismissal: str) -> None:
    assert stated(grade_answer(sentence, RUBRICS[question])) == {}
