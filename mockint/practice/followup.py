"""Follow-up probes: which key point to probe, the question (LLM-written or from a template), the sub-rubric.

When an answer misses or only partly covers key points, the interviewer asks one follow-up aimed at the most
important of them before showing the feedback. The LLM writes it when one is configured (prompt files
``prompts/followup_*.md``); otherwise :func:`template_followup` words it from the key point's text, naming its
topic without giving the statement away. The reply is graded against :func:`followup_rubric`: the probed key
point and the mistakes that can only be about it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from mockint.models import Criterion, Grade, Rubric, Verdict

__all__ = [
    "FOLLOWUP_PROMPT",
    "FOLLOWUP_SCHEMA",
    "Asker",
    "Probe",
    "ProbeSource",
    "choose_probe_target",
    "followup_rubric",
    "llm_followup",
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


class Asker(Protocol):
    """A structured LLM call (``OpenAIJudge.ask``), used to write follow-up questions."""

    @property
    def model(self) -> str:
        """The model asked."""
        ...

    def ask(
        self,
        prompt_name: str,
        variables: Mapping[str, str],
        schema: dict[str, Any],
        validate: Callable[[dict[str, Any]], T],
        *,
        label: str = "-",
    ) -> T:
        """Render prompt ``prompt_name``, ask the model, return ``validate(reply)``; ``JudgeError`` on failure."""
        ...


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


def _topic_of(criterion: Criterion) -> str:
    """A short name for a key point's topic that hints without giving the statement away.

    Rubric authors name key points after their topic (``weight-sharing``, ``hard-negatives``), so a readable
    id is used as it is; a generated one (``kp-1``) gives way to the text's first clause.
    """
    words = [part for part in re.split(r"[-_.]+", criterion.id) if part]
    if all(_WORD.fullmatch(word) for word in words) and any(len(word) >= 4 for word in words):
        return " ".join(words)
    clause = re.split(r"[:;,(—]", criterion.text, maxsplit=1)[0].strip().rstrip(".")
    clause_words = clause.split()
    topic = " ".join(clause_words[:12]) + (" …" if len(clause_words) > 12 else "")
    # "The p-value is ..." reads better mid-sentence as "the p-value is ...".
    return topic[:1].lower() + topic[1:] if topic[1:2].islower() else topic


def _is_russian(text: str) -> bool:
    return len(_CYRILLIC.findall(text)) > len(_LATIN.findall(text))


def template_followup(criterion: Criterion, verdict: Verdict, answer: str) -> str:
    """The follow-up question used without an LLM: it names the key point's topic and asks for it.

    Args:
        criterion: The key point to probe.
        verdict: ``missed`` or ``partial``.
        answer: The candidate's answer (a Russian answer gets a Russian question).

    Returns:
        One question.
    """
    topic = _topic_of(criterion)
    if _is_russian(answer):
        if verdict == "partial":
            return f"Вы коснулись темы «{topic}» — можете раскрыть подробнее: как это работает и почему это важно?"
        return f"Давайте уточним одну вещь: {topic} — как это связано с вашим ответом и почему это важно?"
    if verdict == "partial":
        return f"You touched on {topic} — can you be more precise: how does it work, and why does it matter here?"
    return f"Let's dig into one more thing: {topic} — how does it come into your answer, and why does it matter?"


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
    mistakes = [m for m in rubric.mistakes if set(m.omission_of) <= wanted]
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
