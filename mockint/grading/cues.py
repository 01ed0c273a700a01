"""Stance cue words of the deterministic grader: negations, clause boundaries, importance words, reports and
comments (the belittling vocabulary is in :mod:`mockint.grading.belittling`).

Word lists only (English and Russian); :mod:`mockint.grading.text` applies them to sentences.
"""

from __future__ import annotations

import re

NEGATION_CUES = frozenset(
    """
    not no non never none nothing neither nor without cannot nobody nowhere rarely seldom hardly barely
    dont didnt doesnt isnt wasnt werent arent cant couldnt wouldnt shouldnt wont havent hasnt hadnt mustnt
    neednt aint
    не нет ни без никогда ничего нельзя никак
    """.split()
)
# A practice negated after what it is done to ("the sample size is not calculated in advance", "sample size we
# never plan", "мы sample size заранее не считаем"): verbs of doing, planning and checking, by prefix.
PRACTICE_VERB_PREFIXES = (
    *"plan calculat comput estimat measur check verif review test monitor track mine mined mining use used".split(),
    *"do did done bother correct adjust consider run read look".split(),
    *"счит посчит рассчит планир провер оцен измер использ дела смотр учит корректир майн тестир чита".split(),
)
# ... with only these (besides function words) between the term and the negation.
PRACTICE_FILLERS = frozenset("we i they you ever really actually usually upfront beforehand мы я заранее".split())
# "not only X but also Y" affirms X; so do "no doubt", "тем не менее" and "без сомнения". "Not always", "not
# necessarily" limit and deny nothing ("a bigger sample does not always help if randomization is broken"; "не
# обязательно" is left out: said of a practice it is "not required"); "Not when assignment is biased" qualifies.
NOT_A_NEGATION_BEFORE = frozenset(
    "only just merely simply doubt wonder только просто менее сомнения always necessarily всегда when if unless".split()
    # "I can't stress enough how much X matters", "you cannot overstate X": an emphasis, not a denial
    + "stress overstate overemphasize overemphasise".split()
)
# "never just read X as Y" is never: these stay negations before "just" and "only".
ALWAYS_NEGATING = frozenset({"never", "никогда"})
# The first half of a hyphenated "non-overlapping", "non-trivial": it negates its own word only.
WORD_NEGATIONS = frozenset({"non"})
# Of those, the ones that limit: a mistake about "just" or "only" something is denied by "not just" it.
ONLY_WORDS = frozenset({"only", "just", "merely", "simply", "только", "просто"})
# "no matter how", "no wonder": idioms, while "does not matter" belittles what it is said of.
IDIOMS_AFTER_NO = frozenset({"matter"})
# "no more than two children", "not less than 30 days", "не более двух": a bound on a quantity, not a negation
# (English with its "than"; Russian "более" alone, as "менее" is above).
BOUND_AFTER_NEGATION = frozenset({"more", "less", "fewer", "longer", "later", "greater", "larger", "bigger"})
BOUND_AFTER_NEGATION_RU = frozenset({"более"})
# A negation does not reach past these: "we don't X, but we Y".
CLAUSE_WORDS = frozenset(
    """
    but while whereas although though however because instead
    но а однако хотя зато поскольку
    """.split()
)
# "?" only occurs inside a sentence after a short question joined to its answer ("Negatives? Random ones.").
CLAUSE_PUNCT_RE = re.compile(r"[,;:?()\[\]\-|·•]")
# A second negation that turns "never ... without X" into an assertion of X.
CANCELLING_CUES = frozenset({"without", "без"})

# How many tokens a negation cue reaches forward in its clause.
NEGATION_REACH = 5

# A second negation this far before "without" cancels it ("No agent today can build a whole production system
# without review" asserts review).
CANCEL_REACH = 10
# A negation does not reach past these: "I don't merge until I read the diff", "не мержу, пока не прогоню тесты".
SCOPE_ENDERS = frozenset({"until", "till", "before", "after", "once", "unless", "пока", "прежде", "после"})
# Words that may stand before a negation that governs its whole clause ("Never read ...", "I would never ...",
# "you should not ...", "please don't ...").
CLAUSE_OPENING_WORDS = frozenset(
    """
    i we you one they so and but also please just honestly would should must will can could я мы вы ты
    """.split()
)
# "and" followed by one of these starts a clause of its own: "runs without errors and the tests pass".
NEW_SUBJECTS = frozenset({"the", "i", "we", "you", "they", "it", "he", "she", "then", "я", "мы", "они", "тесты"})
# A negated one of these affirms its object: "cannot replace code review", "will not remove bias".
INVERTING_VERBS = (
    "replac",
    "substitut",
    "remov",
    "eliminat",
    "cure",
    "fix",
    "beat",
    # "we haven't solved that", "never cracked it": the failure is admitted, not dismissed.
    "solv",
    "resolv",
    "crack",
    "overcom",
    "mitigat",
    "заменит",
    "устран",
    "исправ",
    # "you can't skip power analysis", "never ignore variance", "don't forget the split": a negated dismissal
    # affirms what it would dismiss.
    "skip",
    "ignor",
    "forget",
    "neglect",
    "omit",
    "overlook",
    "dismiss",
    # "so we don't mistake random fluctuations for real improvements": the distinction is affirmed.
    "mistak",
    "confus",
    "conflat",
    "пропуск",
    "игнорир",
    "забыва",
    "забуд",
)
# "without X" said with one of these is a warning that X is needed.
HARM_PREFIXES = ("liabilit", "outage", "incident", "disaster", "danger", "risk", "recipe", "trouble", "вредн", "опасн")

# Heads that a negation turns into belittling when they follow it closely ("doesn't matter", "not really
# needed", "wasn't a real issue", "not something I worry about"): said after the term, these deny it.
IMPORTANCE_PREFIXES = (
    "matter",
    "important",
    "importance",
    "necessar",
    "need",
    "relevan",
    "useful",
    "help",
    "worth",
    "requir",
    "essential",
    "issue",
    "problem",
    "concern",
    "care",
    "worr",
    "bother",
    "crucial",
    "something",
    "deal",
    "critical",
    "key",
    # "weight sharing isn't really a core idea", "not central", "not fundamental"
    "core",
    "central",
    "fundamental",
    # "isn't that interesting", "don't happen anymore", "no longer a problem"
    "interest",
    # "none of that applies anymore", "doesn't apply to us"
    "applies",
    "apply",
    "applicab",
    "anymore",
    "longer",
    "важн",
    "важен",
    "нуж",
    "значени",
    "обязательн",
    "критичн",
    "проблем",
    "стоит",
    "помога",
    "полезн",
)
# Soft negations that only deny together with an importance head ("barely an issue", "hardly matters").
SOFT_NEGATIONS = frozenset({"barely", "hardly", "scarcely", "rarely", "doubt", "едва", "вряд", "сомневаюсь"})
# "but" opening a clause that only adds a predicate to the same subject ("... but irrelevant in practice").
BUT_WORDS = frozenset({"but", "yet", "но"})
SOFT_BUT_FILLERS = frozenset({"honestly", "really", "mostly", "basically", "pretty", "quite", "largely", "по", "сути"})
# How far a belittling word or negated importance head reaches from the term it is about.
STANCE_REACH = 8
# A list item ("sample size, variance and power don't matter") lets a predicate after the list reach it.
LIST_ITEM_MAX_WORDS = 2

# A sentence that names a misconception as one ("a common mistake is to read the p-value as ...", "people
# often confuse ...", "it is tempting to ...") reports the mistake, it does not make it: no detector counts
# it. Matched on word prefixes. "myth" and "wrong" are left out: "X is a myth" dismisses X.
REPORTING_PREFIXES = (
    "mistake",
    "misconcep",
    "misunderst",
    "misread",
    "misinterpret",
    "misconstru",
    "mistaken",
    "pitfall",
    "fallac",
    "wrongly",
    "incorrect",
    "confusion",  # the verbs only where reporting._names_confusion says
    "conflation",
    "tempting",
    "naive",
    "ошибк",
    "ошибочн",
    "заблужд",
    "путают",
    "путать",
    "ловушк",
)
# "people think ...", "many assume ...": a view attributed to others.
REPORTING_SUBJECTS = frozenset(
    """
    people some others folks beginners juniors newcomers teams colleagues analysts engineers companies
    managers candidates many everyone everybody textbook textbooks interviewers многие новички команды коллеги
    все учебники
    talk talks blog blogs paper papers course courses tutorial tutorials article articles guide guides book books
    статьи курсы блоги доклады
    """.split()
)
REPORTING_VERBS = frozenset(
    """
    think believe assume say says said claim expect treat read confuse forget ignore skip overlook tend like love
    likes loves
    insist argue suggest who talk talks mention mentions list lists repeat repeats tell tells recommend obsess
    obsesses start explain explains recite recites cite cover covers saying claiming insisting telling
    describe describes picture pictures teach teaches advise advises recommends suggests
    считают думают путают забывают игнорируют
    любят говорят пишут объясняют советуют рекомендуют учат
    """.split()
)


# A view said to be heard or often said, with no one named: "you'll hear that ...", "X gets mentioned a lot".
HEARSAY_PAIRS = frozenset(
    {
        ("you'll", "hear"),
        ("will", "hear"),
        ("you", "hear"),
        ("often", "hear"),
        ("i", "hear"),
        ("we", "hear"),
        ("always", "hear"),
        ("get", "mentioned"),
        ("gets", "mentioned"),
        ("is", "mentioned"),
        ("are", "mentioned"),
        # "colour dominance was mentioned by someone in the team", "it got raised in a review"
        ("was", "mentioned"),
        ("were", "mentioned"),
        ("got", "mentioned"),
        ("was", "raised"),
        ("got", "raised"),
        # "Часто говорят, что ...", "Принято считать, что ...", "Считается, что ..."
        ("часто", "говорят"),
        ("обычно", "говорят"),
        ("говорят", "что"),
        ("принято", "считать"),
        ("считается", "что"),
        ("get", "talked"),
        ("gets", "talked"),
        ("often", "said"),
        ("is", "said"),
    }
)
# "The standard line is: ...", "the usual advice says ...", "the textbook answer": a received view named as
# such is reported, not the speaker's own (they may go on to agree or to dismiss it). An adjective of these
# right before a noun of these, English; a Russian adjective by its stem, before a noun by its stem.
RECEIVED_VIEW_ADJECTIVES = frozenset(
    {"standard", "usual", "textbook", "official", "conventional", "classic", "stock", "received", "canonical"}
)
RECEIVED_VIEW_NOUNS = frozenset(
    {"line", "answer", "advice", "story", "wisdom", "version", "narrative", "pitch", "mantra", "recipe", "script"}
)
RECEIVED_VIEW_ADJECTIVE_STEMS_RU = ("стандартн", "обычн", "классическ", "официальн", "учебн", "хрестоматийн")
RECEIVED_VIEW_NOUN_STEMS_RU = ("ответ", "совет", "позици", "верси", "мантр", "формулировк", "рецепт")


# A sentence that judges a claim or a practice as wrong ("the claim that LLMs can ship without review is
# wrong", "treating 5% as a hard boundary is misguided", "it would be a mistake to ...") rejects it: no
# detector counts it. Only as a predicate (after a copula) of a claim, a gerund or "it ... to": "if the output
# is wrong, the model is bad" judges the output, and states the mistake.
REJECTING_PREFIXES = (
    "wrong",
    "untrue",
    "false",
    "misleading",
    "misguid",
    "trap",
    "nonsense",
    "flawed",
    "bogus",
    "dangerous",
    "risky",
    "fallac",
    "неправ",
    "неверн",
    "опасн",
)
CLAIM_NOUNS = frozenset(
    """
    idea claim belief view notion assumption statement saying thinking argument instinct approach habit
    practice advice mindset reading interpretation идея мнение утверждение подход
    """.split()
)
# Verbs that turn away from what follows them ("I avoid treating p < 0.05 as proof", "we moved away from
# random negatives only"): a detector does not count a sentence that says one before the mistake.
AVOIDING_PREFIXES = ("avoid", "resist", "refus", "reject", "disagree", "steer", "избега", "отказ")
AVOIDING_PHRASES = (("stay", "away"), ("moved", "away"), ("move", "away"), ("moving", "away"), ("no", "longer"))

# Topic and comment: "Sample size - overrated", "Pooling: irrelevant these days", "Hard negatives, skip them",
# "An alpha chosen in advance? Not necessary." A short clause (or the sentence after a question) that opens
# with a dismissal says it of the clause before it. These open such a comment without being content.
COMMENT_OPENERS = frozenset(
    """
    also too just honestly really frankly mostly basically pretty quite largely totally completely simply
    that that's thats it's its this these those they they're theyre it them all sounds feels looks like
    но тоже также честно это просто
    """.split()
)
# The second half of a hyphenated "over-engineering", "over-rated" (hyphenated words are split into parts).
AFTER_OVER_PREFIXES = ("engineer", "kill", "complicat", "rated", "hyped", "blown", "stated")

# "splitting them is overkill", "planning it is pointless": a pronoun for the topic, then the dismissal.
ANAPHORS = frozenset(
    {
        "it",
        "it's",
        "its",
        "them",
        "they",
        "they're",
        "that",
        "that's",
        "this",
        "those",
        "these",
        "это",
        "их",
        "его",
        "этим",
    }
)
ANAPHOR_REACH = 4
# Heads that, after a negation at the start of a comment, deny the topic ("- not a real distinction",
# "? Not in my experience", "- that's not really true"); only in a comment, where they can only be about it.
COMMENT_HEADS = ("real", "true", "experience", "case", "thing", "правд", "так")
# Separators after which a short clause comments on the one before; a comma only for a bare predicate.
COMMENT_SEPARATORS = frozenset({"-", ":", "?"})
# A question of at most this many content words is a topic, joined to the sentence that answers it.
TOPIC_QUESTION_MAX_WORDS = 3
COMMENT_MAX_WORDS = 5
COMMA_COMMENT_MAX_WORDS = 2
# A comment that judges the dismissal itself ("- skipping it is a classic mistake") affirms the topic.
JUDGEMENT_PREFIXES = ("mistake", "error", "bad", "wrong", "danger", "pitfall", "risk", "trap", "ошибк", "плох")

# A typical mistake that is itself a dismissal of a key point opens with one of these ("Ignore power and sample
# size planning", "Forget weight sharing", "Skip the difference between ...").
DISMISSIVE_VERBS = (
    "ignor",
    "forget",
    "forgo",
    "skip",
    "dismiss",
    "hide",
    "omit",
    "overlook",
    "neglect",
    "downplay",
    "игнорир",
    "забыва",
    "пропуска",
    "скрыва",
)

# Verbs that open a step of a procedure ("set alpha", "then run the test", "задаём альфу"): steps explain how the
# points are used, and are no salad (see mockint.grading.salad).
STEP_VERBS = frozenset(
    """
    set use run compute calculate compare check pick choose train fit plan estimate measure split collect build
    apply start stop wait define write review give ask break decide fix retrieve rerank rank score sort filter mine
    sample embed encode label evaluate validate verify test read keep add feed slide multiply sum pool stack
    randomize randomise launch ship reject look take get make do let задаём задаем считаем запускаем сравниваем
    проверяем выбираем обучаем берём берем ждём ждем смотрим собираем делим оцениваем фиксируем отвергаем планируем
    используем применяем пишем даём даем ранжируем
    """.split()
)
# What may come before a step's verb: "then", "first", "we", a conjunction ("..., but we give it the context").
STEP_OPENERS = frozenset(
    """
    then first and next finally after that afterwards but so also we you i to затем потом и сначала после этого
    дальше наконец но а также поэтому мы
    """.split()
)

# Words that make a clause (a subject, a copula or auxiliary): a topic named without a verb ("Variance and
# randomization.", "Traffic split, duration, choice of test...", "Made-up methods ...") has none of them.
CLAUSE_MAKERS = frozenset(
    """
    i we you they he she it i'm we're you're they're it's that's there's is are was were be been am do does did
    has have had can could will would should may might must don't doesn't didn't isn't aren't can't won't
    я мы ты вы они он она оно это есть
    """.split()
)
# A comment of at most this many content words with a dismissive head and no verb dismisses what it follows.
NOMINAL_COMMENT_WORDS = 3


# Self-correction, as said aloud ("... the chance the hypothesis is true... no, wait, that's not it"): a sentence
# or clause opening with one of these, after hesitation words, takes back what was said just before it.
RETRACTIONS = frozenset(
    {
        ("no", "wait"),
        ("wait", "no"),
        ("no", "sorry"),
        ("sorry", "no"),
        ("sorry", "i", "mean"),
        ("no", "i", "mean"),
        ("scratch", "that"),
        ("i", "take", "that", "back"),
        ("let", "me", "correct", "that"),
        ("нет", "подожди"),
        ("нет", "подождите"),
        ("подожди", "нет"),
        ("подождите", "нет"),
        ("ой", "нет"),
        ("нет", "не", "так"),
        ("не", "так"),
        ("я", "ошибся"),
        ("я", "ошиблась"),
    }
)
RETRACTION_MAX = max(map(len, RETRACTIONS))
HESITATIONS = frozenset({"um", "uh", "umm", "uhm", "er", "erm", "hmm", "hm", "oh", "ah", "хм", "эм", "э", "ну"})

# Consulting-speak: words that sound like a claim and say nothing about how anything works ("holistically
# leverages FashionCLIP embeddings that synergise with reranking", "синергия эмбеддингов ... ценность для
# бизнеса"). Prefixes of words, English and Russian. A sentence naming key points among two of them explains
# none of them.
BUZZWORD_PREFIXES = (
    *("leverag", "synerg", "holistic", "paradigm", "empower", "operationali", "seamless", "game-chang"),
    *("gamechang", "best-practice", "cutting-edge", "next-gen", "world-class", "value-add", "revolutioni"),
    *("transformativ", "supercharg", "turbocharg", "strategicall", "ecosystem", "lifecycle", "landscape"),
    *("delight", "future-proof", "mission-critical", "impactful", "actionabl", "data-driven", "kpi"),
    *("синерг", "холистич", "парадигм", "экосистем", "стратегическ"),
)
BUZZWORD_PHRASES = (
    "best practices",
    "game changer",
    "aligned to",
    "aligned with",
    "going forward",
    "at scale",
    "next level",
    "нового уровня",
    "ценность для бизнеса",
    "ценность для пользователя",
)


# Praise without content: a term said to be important and nothing more ("Effect size and sample size matter a
# lot.", "Hallucinations and context are important to consider.", "Prompt engineering is key.").
PRAISE_PREFIXES = (
    *("crucial", "key", "important", "essential", "matter", "vital", "critical", "central", "fundamental"),
    *("powerful", "necessary", "consider", "great", "super", "huge", "big", "lot", "relevant", "significant"),
    *("keep", "mind", "always", "really", "very", "also", "everything", "thing", "things", "aspect", "role"),
    *("важн", "ключев", "критичн", "необходим", "главн", "очень", "сильно", "значени", "роль", "играет"),
)
