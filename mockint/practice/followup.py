"""Follow-up probes: which key point to probe, the question (LLM-written or from a template), the sub-rubric.

When an answer misses or only partly covers key points, the interviewer asks one follow-up aimed at the most
important of them before showing the feedback. The LLM writes it when one is configured (prompt files
``prompts/followup_*.md``); otherwise :func:`template_followup` words it from the key point's text, naming its
topic without giving the statement away. The reply is graded against :func:`followup_rubric`: the probed key
point and the mistakes that can only be about it. A key point met only after the prompt is *recovered*: it earns
:data:`PROMPTED_CREDIT` of its weight in the "counting the follow-up" score (:func:`probed_score`); the
unprompted score stays the headline, as an interviewer would weigh it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from mockint.grading.score import score, stated_penalties
from mockint.judge import Asker
from mockint.models import VERDICT_CREDIT, Criterion, Grade, Rubric, Verdict

__all__ = [
    "FOLLOWUP_PROMPT",
    "FOLLOWUP_SCHEMA",
    "PROMPTED_CREDIT",
    "Asker",
    "Probe",
    "ProbeSource",
    "choose_probe_target",
    "followup_rubric",
    "llm_followup",
    "probed_score",
    "recovery_label",
    "template_followup",
]

T = TypeVar("T")

FOLLOWUP_PROMPT = "followup"
FOLLOWUP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"question": {"type": "string"}},
    "required": ["question"],
    "additionalProperties": False,
}
_MAX_FOLLOWUP_CHARS = 400

PROMPTED_CREDIT = 0.5
"""Share of a key point's credit earned when it only came after the follow-up prompt."""

ProbeSource = Literal["llm", "template"]


@dataclass(frozen=True)
class Probe:
    """A follow-up question aimed at one key point.

    Attributes:
        criterion: The key point probed.
        verdict: Its verdict in the answer (``missed`` or ``partial``).
        question: The follow-up question.
        source: ``llm`` or ``template``.
        model: The model that wrote it (``llm`` only).
        prompt_version: Version of the follow-up prompt files (``llm`` only).
    """

    criterion: Criterion
    verdict: Verdict
    question: str
    source: ProbeSource
    model: str | None = None
    prompt_version: str | None = None


def choose_probe_target(rubric: Rubric, grade: Grade) -> tuple[Criterion, Verdict] | None:
    """The key point a follow-up should probe: the heaviest missed or partial one (a miss wins a tie).

    Returns:
        The key point and its verdict, or ``None`` when every key point was met.
    """
    verdicts = {c.id: c.verdict for c in grade.criteria}
    candidates = [
        (criterion, verdicts[criterion.id])
        for criterion in rubric.criteria
        if verdicts.get(criterion.id) in ("missed", "partial")
    ]
    if not candidates:
        return None
    # max() keeps the first of equals, so rubric order breaks the remaining ties.
    return max(candidates, key=lambda item: (item[0].weight, item[1] == "missed"))


_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")


# Words that end a key point's subject: auxiliaries and the verbs key point statements use most. A statement
# says something about its subject ("The p-value | is the probability ..."); the subject names what to ask
# about, and what follows is what the candidate should recall, so it stays out of the question.
_AUXILIARIES = frozenset(
    "is are was were be been being can cannot could may might must should shall will would has have had does do "
    "did isn't aren't can't doesn't don't won't needs need".split()
)
_VERBS = frozenset(
    "accepts accept affects affect allows allow avoids avoid becomes become causes cause combines combine come comes "
    "compares compare "
    "compose composes computes compute consists consist contains contain contrasts contrast controls control "
    "creates create defines define depends depend describes describe determines determine differs differ "
    "fail fails follows follow gives give grows grow helps help holds hold improves improve includes include "
    "increases increase keeps keep lead leads learn learns lets let lives live makes make maps map matters "
    "matter means mean measures measure prevents prevent produces produce provides provide reduces reduce "
    "refers refer relies rely removes remove represents represent requires require returns return runs run "
    "separates separate shows show slides slide stays stay stores store takes take tells tell tends tend "
    "uses use works work".split()
)
_DETERMINERS = frozenset("the a an each every this that these those its their our your".split())
# A statement that opens with one of these starts with a condition or a place, not with its subject.
_LEADING = frozenset(
    "if when whenever at in on for with without by after before during once unless while although because "
    "under within".split()
)
_PRONOUNS = frozenset("it they this these those we you he she there".split())
# A subject this long is a question in itself; cut it before its relative clause, or give up on it.
_MAX_SUBJECT_WORDS = 8
_RELATIVE = frozenset("that which who whose where it".split())
_TWO_OBJECTS = frozenset("give gives tell tells show shows let lets make makes offer offers".split())
_OBJECT_ENDS = frozenset("and or to so e.g toward towards into from through across over then".split())
_TOKEN = re.compile(r"[^\s]+")


def _bare(token: str) -> str:
    return token.strip(".,;:!?\"'“”‘’()[]").casefold()


def _subject(text: str) -> str | None:
    """The subject of a key point's statement (what it is about), or ``None`` when there is no plain one."""
    # Brackets hold examples and synonyms, often the very words to recall.
    plain = re.sub(r"\s*\([^)]*\)", "", text)
    tokens = _TOKEN.findall(plain)
    words = [_bare(token) for token in tokens]
    if not words or words[0] in _VERBS:
        return None  # "Uses hard negatives ...": no subject; see _object
    verb = next((i for i in range(1, min(len(words), 16)) if _is_verb(words, i)), None)
    if verb is None:
        return None
    start = 0
    if words[0] in _LEADING or tokens[0].endswith(","):
        # "At each position the filter computes ...", "First, infix expressions are ...": the subject starts
        # after the opening comma, else at the last determiner before the verb.
        comma = next((i for i in range(verb) if tokens[i].endswith(",")), None)
        determiners = [i for i in range(1, verb) if words[i] in _DETERMINERS]
        if comma is not None:
            start = comma + 1
        elif determiners:
            start = determiners[-1]
        else:
            return None
    subject = tokens[start:verb]
    cut = next((i for i in range(1, len(subject)) if _bare(subject[i]) in _RELATIVE), None)
    if cut is not None:
        subject = subject[:cut]
    if len(subject) > _MAX_SUBJECT_WORDS:
        # "The base case for a recursive implementation of merge sort": its head is enough.
        cut = next((i for i in range(2, len(subject)) if _bare(subject[i]) in _LEADING), None)
        subject = subject[:cut] if cut is not None else subject
    # "the same filter weights": "same" points back at the predicate the question leaves out.
    subject = [token for token in subject if _bare(token) != "same"]
    if len(subject) == 1 and _bare(subject[0]) in _PRONOUNS and words[verb + 1 : verb + 2] in (["when"], ["if"]):
        return f"when {_bare(subject[0])} {words[verb]}"  # "They fail when ..." -> "when they fail"
    if not subject or len(subject) > _MAX_SUBJECT_WORDS or _bare(subject[0]) in _PRONOUNS:
        return None
    return _mid_sentence(" ".join(subject).rstrip(",;:"))


def _is_verb(words: list[str], i: int) -> bool:
    word = words[i]
    if word in _AUXILIARIES:
        return True
    # "Possible causes for ...", "the uses of ...": a plural noun, not a verb.
    following = words[i + 1] if i + 1 < len(words) else ""
    return word in _VERBS and not (following in ("of", "for") and word not in ("consists", "consist"))


def _mid_sentence(phrase: str) -> str:
    """ "The p-value" reads "the p-value" mid-sentence; "GenAI tools" and "LLMs" keep their capitals."""
    first = phrase.split(" ", 1)[0]
    return phrase[:1].lower() + phrase[1:] if first[1:].islower() or len(first) == 1 else phrase


def _object(text: str) -> str | None:
    """For a statement that opens with its verb ("Names the model inputs: ..."), what the verb acts on."""
    plain = re.sub(r"\s*\([^)]*\)", "", text)
    tokens = _TOKEN.findall(plain)
    words = [_bare(token) for token in tokens]
    first = 1 if words and words[0].endswith("ly") else 0  # "Honestly names ..."
    if len(words) < first + 2:
        return None
    opens_with_verb = words[first] in _VERBS or (words[first + 1] in _DETERMINERS and not tokens[first][:1].isdigit())
    # "Give the tool precise context": the first object is a recipient, not the topic.
    if not opens_with_verb or words[first] in _TWO_OBJECTS:
        return None
    rest = tokens[first + 1 :]
    if rest and _bare(rest[0]) in _LEADING:
        rest = rest[1:]  # "Contrasts with a fully connected layer"
    phrase: list[str] = []
    for token in rest:
        word = _bare(token)
        if phrase and (word in _LEADING or word in _RELATIVE or word in _OBJECT_ENDS or word.endswith("ing")):
            break
        # "hard negatives mined from ...": a participle after a plural noun starts what is said about it.
        if phrase and word.endswith("ed") and _bare(phrase[-1]).endswith("s"):
            break
        phrase.append(token)
        if re.search(r"[,;:.—]$", token) or len(phrase) >= 6:
            break
    topic = " ".join(phrase).rstrip(",;:.—")
    return _mid_sentence(topic) if topic else None


def _topic_of(criterion: Criterion) -> str:
    """What the follow-up asks about, in the key point's own words, without giving the statement away.

    The subject of the key point's statement ("The p-value is the probability ..." -> "the p-value"); for a
    statement that opens with its verb, what the verb acts on ("Names the model inputs: ..." -> "the model
    inputs"); else a readable id (authors name key points after their topic), else the text's first clause.
    """
    found = _subject(criterion.text) or _object(criterion.text)
    if found:
        return found
    words = [part for part in re.split(r"[-_.]+", criterion.id) if part]
    if all(_WORD.fullmatch(word) for word in words) and any(len(word) >= 4 for word in words):
        return " ".join(words)
    clause = re.split(r"[:;,(—]", criterion.text, maxsplit=1)[0].strip().rstrip(".")
    clause_words = clause.split()
    return _mid_sentence(" ".join(clause_words[:12]) + (" …" if len(clause_words) > 12 else ""))


def _is_russian(text: str) -> bool:
    return len(_CYRILLIC.findall(text)) > len(_LATIN.findall(text))


def template_followup(criterion: Criterion, verdict: Verdict, answer: str) -> str:
    """The follow-up question used without an LLM: it asks about the key point's topic in the text's own words.

    The topic is what the key point's statement is about (see :func:`_topic_of`), so the question points the
    candidate at it without saying what should be said about it.

    Args:
        criterion: The key point to probe.
        verdict: ``missed`` or ``partial``.
        answer: The candidate's answer (a Russian answer gets a Russian question).

    Returns:
        One question.
    """
    topic = _topic_of(criterion)
    # Worded so that "it" never has to agree with a topic that may be plural ("the filter weights").
    if _is_russian(answer):
        if verdict == "partial":
            return f"Вы начали говорить про «{topic}» — можете сказать точнее, что вы имеете в виду и почему это важно?"
        return f"Ещё один момент: что вы можете сказать про «{topic}» и почему это здесь важно?"
    if verdict == "partial":
        return f"You started on {topic} — can you say more precisely what you mean, and why it matters here?"
    return f"One more thing: what can you tell me about {topic}, and why does that matter here?"


def _followup_validator(criterion: Criterion) -> Callable[[dict[str, Any]], str]:
    statement = " ".join(criterion.text.casefold().split())

    def validate(data: dict[str, Any]) -> str:
        question = data.get("question")
        if not isinstance(question, str) or not question.strip():
            raise ValueError("'question' must be a non-empty string")
        question = " ".join(question.split())
        if len(question) > _MAX_FOLLOWUP_CHARS:
            raise ValueError(f"'question' is {len(question)} characters; keep it under {_MAX_FOLLOWUP_CHARS}")
        if statement in question.casefold():
            raise ValueError("the question states the key point itself; ask about it without giving it away")
        return question

    return validate


def llm_followup(asker: Asker, rubric: Rubric, criterion: Criterion, verdict: Verdict, answer: str) -> Probe:
    """Ask the LLM to write the follow-up question (prompt files ``prompts/followup_*.md``).

    The answer is data in the user message, with tag-like text neutralised; the key point stays in the system
    message.

    Raises:
        JudgeError: The LLM call failed or its reply was invalid twice.
    """
    from mockint.judge import neutralise_tags
    from mockint.prompts import prompt_version

    variables = {
        "question": rubric.question,
        "question_id": rubric.id,
        "key_point": criterion.text,
        "coverage": "only partly covered" if verdict == "partial" else "not covered",
        "answer": neutralise_tags(answer),
    }
    question = asker.ask(
        FOLLOWUP_PROMPT, variables, FOLLOWUP_SCHEMA, _followup_validator(criterion), label=f"followup:{rubric.id}"
    )
    return Probe(criterion, verdict, question, "llm", asker.model, prompt_version(FOLLOWUP_PROMPT))


def followup_rubric(rubric: Rubric, criterion_ids: Sequence[str], followup_question: str) -> Rubric:
    """A rubric for grading a follow-up reply against the probed key points only.

    Keeps the probed key points, and the mistakes that are either of commission (detectors only) or omissions
    of probed key points only; the question becomes the original one plus the follow-up, so an LLM judge sees
    what the reply answers. Examples are dropped (they refer to the whole rubric).
    """
    wanted = set(criterion_ids)
    criteria = [c for c in rubric.criteria if c.id in wanted]
    # A kept mistake may also deny key points left out; those links would point at nothing (and crash the
    # matching), so only its links to the probed key points stay.
    mistakes = [
        m if set(m.denies) <= wanted else m.model_copy(update={"denies": [ref for ref in m.denies if ref in wanted]})
        for m in rubric.mistakes
        if set(m.omission_of) <= wanted
    ]
    # model_copy skips validation; the new lists make mockint.checks recompile the patterns for this copy.
    return rubric.model_copy(
        update={
            "question": f"{rubric.question}\n\nFollow-up question: {followup_question}",
            "criteria": criteria,
            "mistakes": mistakes,
            "examples": [],
        }
    )


def recovery_label(before: Verdict, after: Verdict) -> str:
    """How a probed key point came out of the follow-up, in the words the live screen and the history share.

    Args:
        before: Its verdict in the answer (``missed`` or ``partial``).
        after: Its verdict in the reply to the follow-up.

    Returns:
        ``Recovered after the prompt``, ``Partly recovered after the prompt`` (missed, then partial), ``Still
        only partly covered after the prompt`` (partial both times) or ``Not recovered after the prompt``.
    """
    if after == "met":
        return "Recovered after the prompt"
    if after == "partial":
        return (
            "Partly recovered after the prompt" if before == "missed" else "Still only partly covered after the prompt"
        )
    return "Not recovered after the prompt"


def probed_score(rubric: Rubric, grade: Grade, followup_verdicts: Mapping[str, Verdict]) -> float:
    """The answer's score counting the follow-up: a key point recovered earns :data:`PROMPTED_CREDIT` of it.

    Each key point earns the better of its unprompted credit and ``PROMPTED_CREDIT`` times its credit after
    the prompt; what that adds is added to the answer's own score (so the mistakes it stated keep costing what
    they cost there, and a recovered point is never hidden by penalties below 0), and a guard's cap on the
    answer (keyword list, off-topic, injection ...) still applies.

    Args:
        rubric: The rubric the answer was graded against.
        grade: The answer's grade.
        followup_verdicts: Verdicts after the prompt, by key point id.

    Returns:
        The score in ``[0, 1]``.
    """
    verdicts = {c.id: c.verdict for c in grade.criteria}
    stated = {m.id: (m.committed, m.evidence) for m in grade.mistakes}
    penalties = stated_penalties((m.penalty, *stated.get(m.id, (False, None))) for m in rubric.mistakes)
    weights = [(c.weight, verdicts.get(c.id, "missed")) for c in rubric.criteria]
    uncapped = score(weights, penalties)
    # grade_answer does not report a guard's cap; a grade below its own uncapped score reveals it.
    base = grade.score if grade.score is not None else uncapped
    cap = base if base < uncapped else 1.0
    total = sum(c.weight for c in rubric.criteria)
    gained = 0.0
    for criterion in rubric.criteria:
        credit = VERDICT_CREDIT[verdicts.get(criterion.id, "missed")]
        after = followup_verdicts.get(criterion.id)
        if after is not None:
            gained += criterion.weight * max(0.0, PROMPTED_CREDIT * VERDICT_CREDIT[after] - credit)
    # What the prompt recovered is added to the score as shown, so a recovered point always shows: penalties
    # that already took the answer to 0 do not swallow it.
    value = base + (gained / total if total > 0 else 0.0)
    return round(max(0.0, min(value, cap, 1.0)), 4)
