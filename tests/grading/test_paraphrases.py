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
            "Two identical versions show gaps all the time, so we must tell a real change from that jitter.",
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
            (
                "Two identical groups will still differ a bit just from who happened to be sampled, so a raw "
                "difference proves nothing."
            ),
            "We want to know whether B is actually better or we just got lucky with this sample.",
            "Нужно понять, это реальный эффект или просто случайный шум в данных.",
            (
                "Метрики всегда немного отличаются просто из-за шума, поэтому нужна значимость, чтобы не выкатить "
                "случайный результат."
            ),
            "Без проверки значимости легко принять рандомную флуктуацию за реальный uplift.",
            (
                "Conversion bounces around week to week even with no change, and significance testing tells us "
                "whether our uplift is bigger than that background noise."
            ),
            "A fluke can look like a win, and significance testing is how we tell the two apart.",
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
            "Any gap between A and B is real, we don't need to worry about noise.",
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
            "It answers: if there were truly no difference, how often would chance alone give a result this extreme?",
            "Under H0, it's the probability of observing a test statistic at least as large as ours.",
            "P-value это вероятность получить такой или более экстремальный результат, если верна нулевая гипотеза.",
            (
                "p-value — это вероятность увидеть такую же или большую разницу при условии, что эффекта на самом "
                "деле нет."
            ),
            "Если H0 верна, p-value показывает, как часто мы бы получили результат не менее экстремальный.",
            (
                "Assume the feature does nothing: the p-value is the share of those hypothetical experiments that "
                "would look at least as good as ours."
            ),
            "It's P(data this extreme or more | H0), not P(H0 | data).",
        ],
        [
            "The p-value is the probability that the null hypothesis is true.",
            "A p-value is the probability that our result happened by chance.",
            "The p-value is the probability that variant B is better than A, given the data.",
            "The p-value is a number between 0 and 1 that we compare with 0.05.",
            "The p-value is the chance that B is really better than A.",
            "A p-value of 0.03 means a 97% probability that the effect is real.",
        ],
    ),
    ("ab-significance", "alpha-threshold"): (
        [
            "Below a level we committed to before launch, say 0.05, we throw out the 'identical' assumption.",
            "When such a gap would turn up less often than one time in twenty, we rule out that nothing changed.",
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
            "We agree on alpha = 0.05 up front and reject the null only when p falls under it.",
            "If p < α we call it statistically significant; the α itself is a business choice made before the test.",
            "Заранее фиксируем alpha, обычно 0.05, и если p-value ниже, отвергаем H0.",
            (
                "We reject the null if p is under the significance level we set before the experiment, typically five"
                " percent."
            ),
        ],
        [
            "The p-value should be small.",
            "If the p-value is above 0.05 we reject the null.",
            "Alpha is a parameter we pick for the test.",
            "A p-value of 0.05 proves the effect is real.",
            "If the p-value is greater than alpha, we reject the null hypothesis.",
            "We pick the threshold after seeing the data, whatever makes the result significant.",
        ],
    ),
    ("ab-significance", "effect-size"): (
        [
            "What gets us there faster is a bigger real improvement.",
            "A bigger genuine difference is easier to detect.",
            "If the true uplift is tiny, you need a huge sample to see it.",
            "Subtle changes are hard to distinguish from noise, whereas a large shift stands out quickly.",
            "The smaller the real impact, the more users you need.",
            "Чем меньше разница между вариантами, тем больше нужно пользователей, чтобы её заметить.",
            "The magnitude of the lift matters: a 5% change is detectable with far less traffic than a 0.5% change.",
            "How big the true difference between the variants is drives how quickly you reach significance.",
            "Маленький эффект detect'ить сложнее, нужна большая выборка.",
            (
                "The minimum detectable effect drives everything: the smaller the lift you want to catch, the more "
                "traffic you need."
            ),
            "Large effects show up quickly, subtle ones take ages.",
            "A bigger genuine difference is easier to detect, while a tiny change needs a huge sample.",
            "Чем больше эффект, тем быстрее тест прокрасится.",
            "Маленький uplift требует огромной выборки.",
            "Чем меньше эффект, тем больше нужно пользователей.",
        ],
        [
            "There was a difference between A and B.",
            "Effect size doesn't matter, only the p-value does.",
            "A bigger difference is always significant, no matter the sample.",
            "We measured the difference in conversion between groups.",
            "The new design made a big change to the page.",
            "The gap in sample size between the groups was small.",
            "A big difference is not easier to detect.",
            "Большая разница в дизайне, и релиз выкатили быстрее.",
            "The size of the effect never affects significance, only the p-value does.",
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
            "We do a power calculation before launch to know how many users each arm needs.",
            "Bigger samples mean smaller standard errors, so you can detect smaller effects.",
            "Чем больше пользователей в каждой группе, тем точнее оценка.",
            "Перед запуском считаем размер выборки через power analysis.",
            "With too few users even a real lift won't reach significance, so we plan the sample size first.",
        ],
        [
            "We ran the test on our users.",
            "Sample size doesn't matter much once you're significant.",
            "Users were split into two groups.",
            "We have more traffic on weekends.",
            "Even a handful of users is enough if the effect is real.",
            "More traffic fixes any bias in the split.",
            "We never worry about how many visitors we need.",
            "The number of users doesn't matter at all for significance.",
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
            "High-variance metrics like revenue need much bigger samples than binary ones like conversion.",
            "Reducing variance, for example with CUPED using pre-experiment data, makes the test more sensitive.",
            "Если метрика сильно шумит, нужно больше данных, поэтому используем CUPED.",
            "Высокая дисперсия метрики делает тест менее чувствительным.",
            "The noisier the metric, the more users you need to see the same effect.",
        ],
        [
            "We looked at several metrics.",
            "Revenue is our main metric.",
            "Variance doesn't really matter if you have a lot of users.",
            "The two variants showed different results.",
            "Conversion is the metric we report to the business.",
            "We picked a more stable metric.",
            "Variance is irrelevant once you have a p-value.",
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
            "Testing many metrics at once inflates false positives, so we correct with Bonferroni or control FDR.",
            "The test length should cover at least one full business cycle.",
            "Если смотреть на много метрик сразу, нужна поправка на множественное тестирование.",
            "Тест надо держать хотя бы неделю из-за недельной сезонности.",
            "Running many variants or slicing by many segments needs a multiple-comparison correction.",
        ],
        [
            "We designed the test carefully.",
            "The test ran in production.",
            "Duration doesn't matter.",
            "We split users into groups randomly.",
            "The test was well designed and ran for a while.",
            "Duration and traffic split are irrelevant details.",
        ],
    ),
    ("ab-significance", "randomization-quality"): (
        [
            "If the users weren't assigned fairly, no amount of extra traffic rescues the result.",
            "If the assignment is biased, waiting longer won't fix it.",
            "Check the sample ratio: if you expected 50/50 and got 52/48, something is broken in the bucketing.",
            "Garbage in, garbage out: bad logging or bot traffic can't be cured by a bigger sample.",
            "If one group accidentally got more mobile users, the comparison is biased no matter how long you run.",
            "A bug that puts returning users mostly into B gives a systematic bias that more data won't remove.",
            "A biased split stays biased however much traffic you pour in.",
            "Если сплит кривой, то никакое количество трафика это не исправит.",
            "If the randomisation is broken, running longer just makes you more confident in the wrong answer.",
            "If randomisation is broken, for example a sample ratio mismatch, no amount of extra data will save you.",
            "Bias in who gets into which group doesn't go away with more users.",
            (
                "Check for sample ratio mismatch first; if the split is biased, the result is garbage however big the"
                " sample."
            ),
        ],
        [
            "Users are randomly assigned to A or B.",
            "Randomization is important.",
            "If the split is skewed, just run the test longer and it will average out.",
            "We randomly sampled users for the test.",
            "With enough traffic any imbalance between groups washes out.",
            "If the groups are unbalanced, just wait longer and it will even out.",
        ],
    ),
    ("cnn-explained", "small-filter-slides"): (
        [
            "Picture a little 3 by 3 square of numbers that you move over the picture one step at a time.",
            (
                "The layer takes a tiny patch detector and runs it across the whole image, left to right and top to "
                "bottom."
            ),
            "A kernel of, say, five by five pixels is swept over the input, producing one output value per position.",
            "You slide a small window over the image and at every stop you compute a response.",
            "It's like scanning the photo with a small stencil, position by position.",
            "Маленький фильтр 3x3 проходит по картинке с шагом в один пиксель.",
            "Basically a small filter that we slide over the image, like a torch beam moving across a wall.",
            "The convolution moves a small grid of weights across the input image.",
            "A convolution is a small window of weights that slides over the image.",
            "You take a tiny 3x3 kernel and move it across the picture pixel by pixel.",
            "Берём маленькое окошко 3 на 3 и двигаем его по всей картинке.",
            "The network scans the image with small filters, step by step, like reading a page with a magnifier.",
        ],
        [
            "A CNN is a neural network that works on images.",
            "Explain what a convolutional neural network is.",
            "The image is first resized to a fixed size.",
            "A filter is applied to the whole image at once, like a colour filter in Photoshop.",
            "I have 3 years of experience moving models across teams.",
            "The filter doesn't move, it looks at the whole image at once.",
        ],
    ),
    ("cnn-explained", "filters-learned"): (
        [
            "Those numbers are not picked by a person; the network tunes them while it trains.",
            (
                "Nobody hand-writes those filters: their numbers start random and training nudges them until they "
                "pick up useful patterns."
            ),
            "The network figures out its own filter values from the labelled images via backprop.",
            "The values inside each kernel are parameters optimised by gradient descent, just like any other weights.",
            (
                "Unlike classic computer vision, where you'd hand-design an edge detector, here the filters are "
                "learned from the data."
            ),
            "Веса ядер не задаются вручную, сеть сама их подбирает в процессе обучения.",
            "During training the kernels get updated so that they respond to whatever patterns help the task.",
            "The filters start out as random noise and end up as edge and texture detectors after training.",
            "Фильтры learn'ятся сами на обучающей выборке.",
            "The filters are learnt from data rather than written by a person.",
            "The network learns the kernel weights itself through backpropagation.",
            "Фильтры не задаются руками, сеть выучивает их сама при обучении.",
            "The kernels are trainable parameters.",
        ],
        [
            "The filters detect edges.",
            "We apply a Sobel filter to find the edges, and that filter is fixed.",
            "A CNN learns to classify images.",
            "Filters are chosen by the engineer before training.",
            "The filters are not learnt from data, they are fixed.",
            "The engineer picks the filters by hand before training.",
            "The filter values are fixed by the engineer and never change during training.",
            "The dense layer at the end has millions of trainable parameters.",
        ],
    ),
    ("cnn-explained", "local-weighted-sum"): (
        [
            "At every spot the window multiplies the pixels it covers by a set of numbers and adds them up.",
            "At each spot it multiplies the nine pixel values under it by its nine weights and adds them up.",
            "Each output number is a weighted sum of the small patch of pixels beneath the filter.",
            (
                "It only looks at a small neighbourhood at a time, because nearby pixels are what form edges and "
                "textures."
            ),
            "The filter does an element-wise multiply with the patch under it and sums the result into one value.",
            "В каждой позиции фильтр перемножает свои веса с пикселями под ним и складывает.",
            "Each neuron only sees a little local region of the image, not the whole thing.",
            "Think of it as a dot product between the kernel and the local patch it covers.",
            "Each output pixel is the weighted sum of its neighbours.",
            "The kernel only ever looks at a small local region, say 3 by 3 pixels.",
            "В каждой точке считается взвешенная сумма соседних пикселей.",
            "Each unit is connected only to a small neighbourhood of the previous layer.",
        ],
        [
            "The network multiplies matrices.",
            "Each pixel has a value between 0 and 255.",
            "The whole image is summed into one number.",
        ],
    ),
    ("cnn-explained", "weight-sharing"): (
        [
            "The same weights get reused at every location, so a cat ear is recognised wherever it appears.",
            (
                "Because one filter is shared across the whole image, a pattern learnt in the top-left corner is also"
                " found in the bottom-right."
            ),
            "It's the same detector stamped over every position, which is why there are so few parameters.",
            "The kernel's parameters are tied across positions, so the layer is translation equivariant.",
            (
                "Один и тот же набор весов применяется во всех позициях, поэтому паттерн находится где угодно на "
                "картинке."
            ),
            "You learn the pattern once and get to detect it anywhere in the image for free.",
            "Weights are shared across spatial positions, which massively cuts the parameter count.",
            "Одни и те же веса шарятся по всем позициям изображения.",
            "A cat detector learned in one corner works everywhere else, because the weights are the same.",
            "It's one set of parameters reused at every position.",
            "Один и тот же фильтр применяется ко всем участкам картинки, поэтому веса общие.",
            (
                "Because the same filter is used at every location, a learned edge detector works anywhere in the "
                "picture."
            ),
        ],
        [
            "Weights are important in neural networks.",
            "Each position in the image has its own separate set of weights.",
            "Weight sharing isn't really important, it's an implementation detail.",
            "The weights are stored on the GPU.",
            "The filters are shared between teams.",
            "The network learns patterns from the training images.",
            "Every position gets its own separate filter with different weights.",
        ],
    ),
    ("cnn-explained", "multiple-filters"): (
        [
            "A layer carries dozens of such windows, each hunting for something different.",
            (
                "Each layer has dozens of these filters, and each one ends up specialising in a different kind of "
                "pattern."
            ),
            "One filter might pick up vertical edges, another horizontal ones, another a particular colour blob.",
            "A conv layer typically has 32 or 64 kernels, so you get 64 feature maps out.",
            "We stack many filters side by side so the layer can look for many patterns at once.",
            "В одном слое десятки фильтров, каждый ловит свой паттерн: края, текстуры, цвета.",
            "There's a whole bank of filters per layer, each producing its own feature map.",
            "Each layer learns lots of kernels in parallel, one per feature map.",
            "В слое много разных фильтров, каждый ищет свой паттерн.",
        ],
        [
            "The filter finds patterns.",
            "A CNN has several layers.",
            "There is one filter per image.",
            "The filters are set by hand.",
            "A CNN is a network that slides a small kernel over the image to produce feature maps.",
        ],
    ),
    ("cnn-explained", "hierarchy"): (
        [
            (
                "Early layers find edges and blobs; later ones combine those into eyes and wheels, and the last ones "
                "into faces and cars."
            ),
            "As you go deeper, the features become more abstract: from strokes to shapes to whole objects.",
            "Stacking layers lets the network build complex patterns out of simple ones.",
            "The first layer sees lines, the next sees corners and textures, and further up you get object parts.",
            "Чем глубже слой, тем более сложные признаки он видит: от краёв до частей объектов и целых объектов.",
            "Layer after layer, simple local features get composed into higher-level concepts.",
            "Deeper in the network the features go from edges to textures to object parts.",
            "Первые слои ловят края, а следующие собирают из них формы и объекты.",
            (
                "The first layers detect simple things like edges; deeper layers combine them into shapes and then "
                "objects."
            ),
            "Features get more abstract the deeper you go.",
            "Первые слои находят края, а более глубокие собирают из них части объектов.",
            "Low-level features like edges are combined in later layers into textures, parts and finally objects.",
        ],
        [
            "A CNN has many layers.",
            "The last layer outputs the class.",
            "Deeper networks are slower to train.",
            "Deeper layers just repeat the same edge detection again.",
            "Layer by layer the network gets slower, and parts of it run on the GPU.",
            "All layers detect the same kind of features, deeper ones don't build anything more complex.",
        ],
    ),
    ("cnn-explained", "pooling-receptive-field"): (
        [
            "Pooling steps keep the strongest signals and let later windows see a wider part of the image.",
            (
                "Max pooling halves the width and height, so each later neuron effectively looks at a bigger piece of"
                " the picture."
            ),
            "Using a stride of two shrinks the feature map and lets deeper units see more context.",
            "After a few pooling steps a single unit covers a large chunk of the original image.",
            "Pooling downsamples the feature maps, which grows the receptive field and saves compute.",
            "Пулинг уменьшает размер карты признаков, и каждый нейрон дальше видит большую область исходной картинки.",
            "Each pooling layer cuts the resolution, so deeper neurons have a wider view of the input.",
            "Pooling downsamples, so each neuron further in covers more of the original image.",
            "Пулинг уменьшает картинку, и рецептивное поле растёт.",
        ],
        [
            "Pooling is a layer in the network.",
            "The image resolution is 224 by 224.",
            "Pooling doesn't really matter.",
        ],
    ),
    ("cnn-explained", "vs-fully-connected"): (
        [
            (
                "If you wired every pixel to every neuron like in a normal dense layer, a 1000x1000 photo would need "
                "billions of weights."
            ),
            (
                "A plain MLP would treat the image as a flat vector and throw away the fact that neighbouring pixels "
                "belong together."
            ),
            (
                "Compared with a fully connected layer, a conv layer has far fewer parameters because each output "
                "only looks at a small patch."
            ),
            (
                "Flattening the image into an ordinary feedforward network explodes the parameter count and throws "
                "away the spatial structure."
            ),
            "Обычный полносвязный слой связал бы каждый пиксель с каждым нейроном, это миллионы весов.",
            (
                "A regular dense network doesn't know that pixel 1 and pixel 2 are neighbours, and it needs a weight "
                "per pixel per unit."
            ),
            "A fully connected layer on a megapixel image would need millions of weights per neuron.",
            "Полносвязная сеть на картинке дала бы миллионы параметров и потеряла бы информацию о соседстве пикселей.",
        ],
        [
            "A CNN is a type of neural network.",
            "Fully connected layers are used in neural networks.",
            "At the end there is a dense layer that outputs class probabilities.",
            "A CNN is just a fully connected network with a different name.",
        ],
    ),
    ("fashion-recommender", "retrieval-vs-reranking"): (
        [
            (
                "It's a classic funnel: a cheap ANN lookup pulls a few hundred candidates, then a heavier model "
                "re-scores just those."
            ),
            (
                "Stage one is recall, get a shortlist of plausible items fast; stage two is precision, order that "
                "shortlist carefully."
            ),
            "We split it into a candidate generator and a separate ranker on top.",
            "Сначала быстрый отбор кандидатов по эмбеддингам, потом отдельная модель их переранжирует.",
            (
                "The first pass narrows the catalogue to about 500 items, and the second pass sorts them with a "
                "gradient-boosted model."
            ),
            "Retrieval gives us breadth, and a reranker on top decides the final order.",
            "We had two stages: retrieve a few hundred items, then rerank them with richer features.",
            (
                "First we shortlist a few hundred compatible pieces cheaply; a second, more expensive model then "
                "decides the order."
            ),
            "The pipeline has a recall layer and a ranking layer on top of it.",
            "Сначала шортлист из нескольких сотен вещей, потом тяжёлая модель сортирует этот шортлист.",
            (
                "Think of it as a coarse-to-fine setup: coarse matching over the whole catalogue, then fine-grained "
                "scoring of the top few hundred."
            ),
            "Candidate generation recalls a few hundred items and the reranker reorders them.",
            "У нас два этапа: сначала retrieval кандидатов по эмбеддингам, потом реранкер.",
            "Retrieval is about recall and speed, the reranker about precision.",
        ],
        [
            "We recommended items to users.",
            "We built a fashion recommender of compatible items.",
            "Candidate generation versus reranking is not a real distinction, honestly.",
            "One model scores the whole catalogue directly.",
            "A model decides the order of items on the page.",
            "We didn't separate retrieval and reranking, one model did everything.",
        ],
    ),
    ("fashion-recommender", "embedding-retrieval"): (
        [
            "Each product becomes a point in one common space, and for a jacket we look up the closest trousers.",
            (
                "Every product is encoded into one shared vector space, and for a given top we fetch its nearest "
                "neighbours among trousers and shoes."
            ),
            (
                "We embed the whole catalogue and run approximate nearest neighbour search with FAISS to get "
                "complementary items."
            ),
            "Compatible items end up close together in the embedding space, so retrieval is just a kNN lookup.",
            "Все товары переводим в общее векторное пространство и достаём ближайшие вещи из соседних категорий.",
            "For a jacket we query the vector index restricted to other categories like jeans or boots.",
            "The candidate generator looks up the closest vectors from adjacent categories.",
            (
                "Each SKU gets a vector from the encoder, and to complete an outfit we look for the closest vectors "
                "among shoes and bags."
            ),
            (
                "Similar-style items sit near each other in the latent space, so we grab neighbours from "
                "complementary categories."
            ),
            "Мы ищем ближайших соседей в пространстве эмбеддингов среди других категорий.",
            "Все товары кодируем в одно пространство эмбеддингов и ищем ближайших соседей из смежных категорий.",
        ],
        [
            "We used embeddings.",
            "Embeddings are vectors.",
            "The catalogue has many categories.",
            "We fetch the product page from the catalogue service.",
        ],
    ),
    ("fashion-recommender", "ranker-features"): (
        [
            "A separate model then reorders that shortlist using clicks, stock, price and margin.",
            "The ranker mixes the similarity score with things like click-through rate, stock levels and margin.",
            "On top of embedding similarity the reranker uses business signals: price, availability, popularity.",
            "The second-stage model is a CatBoost over similarity plus user history and whether the item is in stock.",
            "Ранкер учитывает не только похожесть, но и CTR, наличие на складе и маржинальность.",
            (
                "Our ranking model blended visual similarity with personalization features from the user's past "
                "purchases."
            ),
            "The reranker adds commercial features such as price and margin to the compatibility score.",
            "The reranker combines cosine similarity with stock, margin and how often people click.",
            "Ranking then blends the compatibility score with commercial signals like conversion rate and inventory.",
            "Реранкер смешивает похожесть эмбеддингов с бизнес-сигналами: маржой, остатками, кликабельностью.",
            "A second, more expensive model then decides the order using stock, margin and click-through.",
            "Реранкер использует похожесть плюс CTR, маржу и наличие.",
        ],
        [
            "The ranker ranks items.",
            "Business is important.",
            "We ranked items by similarity only.",
            "The price of items varies a lot.",
            "A second model decides the order.",
        ],
    ),
    ("fashion-recommender", "outfit-positives"): (
        [
            (
                "Positives come from looks that stylists put together: any two items in the same look form a positive"
                " pair."
            ),
            "We mined co-occurrence in curated outfits, so a shirt and trousers worn together are a positive example.",
            "Each outfit in the dataset gives us anchor-positive pairs from the items it contains.",
            "Позитивные пары берём из готовых образов: вещи из одного образа считаем совместимыми.",
            "Items that appear together in an outfit are labelled as compatible, and we build triplets from that.",
            "Our supervision is outfit data: things combined in one look are matches.",
            "Pairs of garments that stylists combined in the same outfit are our positives.",
            "We treat items bought or styled together in a look as a match, and that is the training signal.",
            "Разметка берётся из луков: всё, что собрано в один лук, считаем позитивной парой.",
            "Our triplets are anchor, a piece from the same outfit, and a negative.",
            "We learned compatibility from outfits: pieces worn together are positives.",
            "Позитивы берём из образов: вещи из одного лука считаем совместимыми.",
            "We got positives from outfit datasets: things in the same outfit count as compatible.",
        ],
        [
            "We had labels.",
            "Outfits are important in fashion.",
            "We labelled items by colour.",
            "Users liked the look of the new app.",
            "We didn't use outfit data for labels at all.",
        ],
    ),
    ("fashion-recommender", "hard-negatives"): (
        [
            "Random pairs are too easy, so we took non-matching items from the same kinds of products.",
            (
                "Random negatives were trivially easy, so we sampled negatives from the same category, like another "
                "pair of sneakers that clashes."
            ),
            "We mined hard negatives: items that look similar but were never worn together.",
            (
                "Instead of random pairs, we picked non-matching items from similar categories so the model had to "
                "learn real style."
            ),
            "Случайные негативы слишком простые, поэтому мы брали сложные негативы из похожих категорий.",
            "The negatives that helped most were confusable ones, visually close items that don't go together.",
            "We used hard negatives because with random ones the model learned the task instantly and then plateaued.",
            (
                "Random negatives were too easy, the model got them right immediately, so we took negatives from the "
                "same product type."
            ),
            "A hard negative is, say, a different pair of trainers that doesn't go with that outfit.",
            "Мы майнили негативы среди похожих товаров той же категории, а не случайные.",
            "We picked negatives that are close in embedding space but were never styled together.",
            "Random negatives were too easy, so we used hard ones from the same category.",
            "Случайные негативы слишком лёгкие, поэтому майним hard negatives из той же категории.",
            (
                "Hard negatives, for example two similar black boots where only one fits the look, made the model "
                "learn finer distinctions."
            ),
        ],
        [
            "We used negatives.",
            "We never bothered with hard negatives, random negatives were good enough.",
            "Random negatives are enough for this task.",
            "Negative feedback from users was collected.",
            "We never used negatives of the same product type.",
            "We only used random negatives, hard ones were not needed.",
            "Similar items were shown next to each other in the app.",
        ],
    ),
    ("fashion-recommender", "model-inputs"): (
        [
            "The encoder takes the product photo plus text attributes like category, season and material.",
            "We fed it the image together with the title and the product description.",
            "Inputs are the item picture and metadata such as fabric, colour and season.",
            "На вход модели идут фотография товара и текстовые атрибуты: категория, сезон, материал.",
            "A FashionCLIP-style model encodes both the photo and the text description.",
            "We also added visual descriptions generated from the images to the attribute text.",
            "The model sees the product image along with its category, season and material.",
            "Inputs: photos plus text such as title, attributes and auto-generated captions.",
            "Мы подавали в энкодер картинку и описание товара.",
            "Энкодер получает фото и текстовые атрибуты: категорию, сезон, материал.",
        ],
        [
            "The model has inputs.",
            "We used a FashionCLIP model.",
            "Images are important.",
        ],
    ),
    ("fashion-recommender", "failure-mode"): (
        [
            (
                "What never worked well was colour: the model kept proposing tone-on-tone outfits and struggled to "
                "mix colours stylishly."
            ),
            "Its main weakness is that it over-relies on colour similarity, so everything comes out monochrome.",
            "An open problem is diversity: the recommendations were all beige and grey, safe but boring.",
            (
                "Что не получилось: модель слишком полагается на цвет и почти не предлагает разнообразные, но "
                "стильные сочетания."
            ),
            "The biggest unresolved issue was that it matched by colour much more than by style.",
            "Honestly, it still fails on bold combinations: it just picks items of the same colour.",
            "Our biggest open issue is colour dominance: it keeps recommending outfits in one colour.",
            "It over-indexes on colour, so you get all-black outfits and rarely a bold but stylish mix.",
            "A known limitation we never fully solved is that matching colours beat actual style.",
            "Открытая проблема у нас до сих пор: модель предлагает однотонные образы, а разнообразных сочетаний мало.",
            "The model kept recommending same-colour looks and rarely anything bold.",
            "Главная нерешённая проблема — доминирование цвета: модель предлагает однотонные образы.",
            "We never solved colour dominance: it over-relies on monochrome matches.",
        ],
        [
            "Everything worked perfectly from day one.",
            "Colour is an attribute of items.",
            "The model had some problems.",
            "Colour-driven design matters in fashion.",
            "Nothing failed, the model had no weaknesses.",
        ],
    ),
    ("genai-tools", "useful-cases"): (
        [
            (
                "They're brilliant for the tedious stuff: writing a CLI wrapper, a regex, a pandas snippet I'd "
                "otherwise google."
            ),
            "Copilot saves me a lot of typing on repetitive code like DTOs, config parsing and SQL boilerplate.",
            "I use ChatGPT to get a first version of unit tests and docstrings, then I fix them up.",
            (
                "When I'm dropped into an unfamiliar codebase or library, asking the model to explain it speeds me up"
                " a lot."
            ),
            "Для рутины они отличные: бойлерплейт, простые скрипты, переименования, черновики документации.",
            "Renaming things across a codebase and other mechanical refactors are where they shine.",
            "They're handy for throwaway scripts and for converting code from one language to another.",
            "Великолепно пишут unit-тесты и docstring'и по готовому коду.",
            "I mostly use it for boilerplate and for writing tests I'd be too lazy to write.",
            "Для бойлерплейта и рефакторинга они реально экономят время.",
            "It's great for scaffolding a new service and writing the boring glue code.",
        ],
        [
            "GenAI is a hot topic right now.",
            "What is your view on using modern GenAI or vibe-coding tools for software and ML work?",
            "They are useless for anything serious.",
            "I use AI tools sometimes.",
            "Pandas is a great library.",
            "They are not useful for boilerplate or anything else.",
        ],
    ),
    ("genai-tools", "fail-underspecified"): (
        [
            (
                "If the ticket is vague, the model happily fills the gaps with its own assumptions, and those are "
                "usually wrong."
            ),
            (
                "They break down when the real constraints live in people's heads, like latency budgets or which "
                "service owns the data."
            ),
            "Without knowing our architecture, it proposes solutions that don't fit the system at all.",
            "Где требования размыты или нужен опыт в предметной области, модель уверенно делает не то.",
            "They fail on anything that needs business context they were never given.",
            "When the requirements are ambiguous, you get code that solves a different problem.",
            "It can't know the unwritten rules of our domain, so anything needing domain judgement is risky.",
            "They struggle when the problem isn't clearly defined.",
            "Когда задача сформулирована размыто, модель додумывает и ошибается.",
        ],
        [
            "They fail sometimes.",
            "Where do they fail today?",
            "The task was well specified and it worked.",
            "Vague tickets are the norm in our company.",
        ],
    ),
    ("genai-tools", "hallucinated-apis"): (
        [
            "They confidently make up methods and flags that were never in the library.",
            "It'll call a pandas function that simply isn't there, with total confidence.",
            "The code often looks fine at first glance but uses parameters the SDK never had.",
            "Модель выдумывает несуществующие параметры и методы, и делает это очень уверенно.",
            "Half the time it invents a config option that sounds right but doesn't exist in that version.",
            "You get plausible-looking code that imports a package that was never published.",
            "It mixes up API versions and calls deprecated or fictional endpoints.",
            "Они часто hallucinate'ят API, которых нет.",
            "They sometimes invent library functions that don't exist.",
            "Модель уверенно вызывает методы, которых нет в библиотеке.",
            "It will suggest a function signature that looks right but doesn't exist in the library.",
        ],
        [
            "The API is well documented.",
            "They are useful for exploring unfamiliar APIs.",
            "Hallucinations are not a real problem, in my experience.",
            "The code looks plausible.",
            "They never make up methods, in my experience.",
            "They never hallucinate APIs anymore.",
        ],
    ),
    ("genai-tools", "ml-pitfalls"): (
        [
            (
                "In ML specifically, generated pipelines often leak the target into the features or split the data "
                "wrongly."
            ),
            "A generated training script can look fine but silently skip monitoring for drift.",
            "It will happily log personal data or ignore GDPR unless you tell it.",
            "В ML сгенерированный код часто забывает про мониторинг и про крайние случаи вроде пустых батчей.",
            (
                "Generated feature code often breaks the data contract with the upstream team, like changing a column"
                " type."
            ),
            "It doesn't think about corner cases such as missing values or empty inputs.",
            "The model-serving code it writes usually has no alerting, no schema checks and no handling of nulls.",
            "In ML code it often forgets about data leakage between train and test.",
            "В ML-коде она часто забывает про утечку таргета и мониторинг.",
        ],
        [
            "ML is a big field.",
            "It generates ML code.",
            "Monitoring is the job of the SRE team.",
            "We handled the corner cases ourselves and they were fine.",
            "Monitoring dashboards are nice.",
            "Generated code is usually fine for monitoring dashboards.",
            "You can skip monitoring in prototypes.",
            "There's no data leakage in my pipelines.",
            "We have monitoring without problems.",
            "Data leakage is a thing in ML.",
            "Generated ML code handles monitoring and privacy perfectly.",
        ],
    ),
    ("genai-tools", "precise-context"): (
        [
            "I paste in the relevant files and the interface it has to fit, and the output gets much better.",
            "I break the feature into small, well-defined chunks and give it one chunk at a time.",
            "The trick is writing a proper spec first, with the inputs, the outputs and the constraints.",
            "Я даю модели конкретный контекст: нужные файлы, ограничения, примеры входов и выходов.",
            "Prompting well is basically writing a precise requirements doc, which is still engineering work.",
            "I spell out exactly what I want, including the constraints and the expected behaviour.",
            "Give it the schema and a couple of examples rather than a one-liner.",
            "Задачу я декомпозирую на маленькие шаги и каждый описываю отдельно.",
            "You need to give it enough context about the codebase.",
            "Я даю подробный контекст и разбиваю задачу на маленькие шаги.",
            "The more precise the instructions, the better the code it writes.",
        ],
        [
            "I write prompts.",
            "Prompts are important.",
            "Giving it precise context? Not necessary.",
            "A one-line prompt is enough, the model should figure it out.",
            "Spec first development is a methodology.",
            "Let me break it down: they are tools, and they are useful.",
            "You don't need to give it any context, it figures things out.",
        ],
    ),
    ("genai-tools", "verification"): (
        [
            "Nothing generated goes to main until I've read every line and the test suite is green.",
            "I treat its output like a junior's pull request: review it properly and run it.",
            "I always ask it to write tests too, then run them, and I still read the diff myself.",
            "Я всегда прогоняю тесты и читаю дифф, прежде чем что-то мержить.",
            "Every change goes through the same CI and code review as human code.",
            "I check the result by actually running it on real data, not just by reading it.",
            "The non-negotiable part is verification: tests, linters, type checks, and a human read of the diff.",
            "I review everything it produces before merging.",
            "Я всегда читаю дифф и гоняю тесты перед мержем.",
            "I never merge generated code without running the tests.",
            "Treat the output as untrusted until tests and review say otherwise.",
        ],
        [
            "Tests are a good idea in general.",
            "Human review is mostly a formality once the tests pass.",
            "Tests and diff review for generated code? Not necessary.",
            "I merge it if it compiles.",
            "I never review the diff, if the tests compile it's fine.",
        ],
    ),
    ("genai-tools", "humans-accountable"): (
        [
            "At the end of the day my name is on the commit, so I'm the one answerable for it.",
            "The model is a power tool, not a colleague; the engineer still owns what ships.",
            "If it breaks prod, it's on me, not on the AI.",
            "Ответственность за код в проде всё равно на мне, а не на модели.",
            "The human who merges is accountable for correctness, whatever tool wrote the code.",
            "I see it as an assistant; ownership of the product and of correctness stays with the team.",
            "Нейросеть — инструмент, а отвечает за результат инженер.",
            "I am still responsible for what goes to production.",
            "За то, что уходит в прод, отвечаю я, а не модель.",
            "The AI is a tool; the responsibility stays with the developer.",
        ],
        [
            "The model owns the code it writes.",
            "Humans write code.",
            "The AI is responsible for its own mistakes.",
            "Using AI, the team ships faster.",
            "My name is on the team page.",
            "It's on me to pick the tools.",
            "The tool is responsible for correctness, not me.",
            "Thank you for reading my answer.",
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
