"""Pydantic types for everything mockint reads, writes and passes between its modules.

Anything read from a user's file forbids unknown fields (``extra="forbid"``), so a typo in a rubric is an
error that names the field instead of a silently ignored key.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Verdict = Literal["met", "partial", "missed"]
VerdictSource = Literal["llm", "deterministic"]
GraderKind = Literal["llm", "hybrid", "deterministic"]

VERDICT_CREDIT: dict[str, float] = {"met": 1.0, "partial": 0.5, "missed": 0.0}
"""Share of a key point's weight that each verdict earns."""

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class _FromFile(BaseModel):
    """Base for types users write by hand: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _as_phrase_list(value: Any) -> Any:
    """Let a single phrase stand where a list of alternative phrases is expected."""
    if isinstance(value, str):
        return [value]
    return value


class Check(_FromFile):
    """A deterministic pattern: concepts that must all be present together, each one of several phrasings.

    A phrase matches inflected forms (EN and RU stemming), in any word order within a short window. A concept
    mentioned under a negation ("we didn't separate ...") does not count unless ``negation`` is false.

    Attributes:
        concepts: Each item is one concept, given as a phrase or a list of alternative phrases (synonyms,
            paraphrases, Russian equivalents). All concepts must be found for the check to match.
        scope: ``sentence``: all concepts in one sentence (a key point's check also in two adjacent
            sentences); ``answer``: anywhere in the answer.
        exclude: Phrases that disqualify a sentence containing them (e.g. "assuming" in a definition that
            would otherwise look like the p-value mistake).
        unless: Phrases that disqualify the whole check when found, un-negated, anywhere in the answer.
        negation: Whether a negated mention is ignored (true for almost every check).
    """

    concepts: list[list[str]] = Field(min_length=1)
    scope: Literal["sentence", "answer"] = "sentence"
    exclude: list[str] = Field(default_factory=list)
    unless: list[str] = Field(default_factory=list)
    negation: bool = True

    @field_validator("concepts", mode="before")
    @classmethod
    def _concepts_shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_as_phrase_list(item) for item in value]
        return value

    @field_validator("exclude", "unless", mode="before")
    @classmethod
    def _phrases_shorthand(cls, value: Any) -> Any:
        return _as_phrase_list(value)

    @field_validator("concepts")
    @classmethod
    def _concepts_not_blank(cls, value: list[list[str]]) -> list[list[str]]:
        for index, alternatives in enumerate(value):
            if not alternatives or any(not phrase.strip() for phrase in alternatives):
                raise ValueError(f"concept {index} has an empty phrase; give at least one non-empty phrase")
        return value


class SourceRef(_FromFile):
    """Where a rubric was derived from.

    Attributes:
        document: File name of the interview-prep document.
        section: The section or question heading inside it.
    """

    document: str = Field(min_length=1)
    section: str = ""


class Criterion(_FromFile):
    """A key point: one atomic, checkable statement a good answer makes.

    Attributes:
        id: Unique within the rubric; used in grade output and judge replies.
        text: The statement, phrased like the model answer.
        weight: Relative importance (> 0); the score is the weighted share of key points met.
        checks: Deterministic checks; the key point is met when any one matches.
        source_quote: The sentence of the source document this key point is traced to.
    """

    id: str = Field(pattern=_ID_PATTERN)
    text: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, le=100)
    checks: list[Check] = Field(default_factory=list)
    source_quote: str | None = None


class Mistake(_FromFile):
    """A typical mistake from the document, verbatim.

    Attributes:
        id: Unique within the rubric.
        text: The document's wording of the mistake, verbatim.
        penalty: Subtracted from the score (0..1) when the mistake is made.
        detectors: Deterministic patterns of commission; the mistake is made when any one matches.
        omission_of: Ids of key points whose absence is this mistake; it is made when all of them are missed.
        denies: Ids of key points that this mistake denies: an answer that dismisses one of them ("we never
            bothered with hard negatives") states the mistake, and a sentence that states the mistake earns
            none of them. The key points of ``omission_of`` are denied by the mistake too.
        source_quote: The line of the source document, when it differs from ``text``.
    """

    id: str = Field(pattern=_ID_PATTERN)
    text: str = Field(min_length=1)
    penalty: float = Field(default=0.1, ge=0, le=1)
    detectors: list[Check] = Field(default_factory=list)
    omission_of: list[str] = Field(default_factory=list)
    denies: list[str] = Field(default_factory=list)
    source_quote: str | None = None


class Expectation(_FromFile):
    """What the grader must conclude about an example answer.

    Attributes:
        criteria: Expected verdict per key point id (key points not listed are not compared).
        mistakes: Expected ``committed`` per mistake id (mistakes not listed are not compared).
        score: Optional inclusive ``[low, high]`` range the score must fall in.
    """

    criteria: dict[str, Verdict] = Field(default_factory=dict)
    mistakes: dict[str, bool] = Field(default_factory=dict)
    score: tuple[float, float] | None = None

    @field_validator("score")
    @classmethod
    def _score_range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not 0.0 <= value[0] <= value[1] <= 1.0:
            raise ValueError("score must be [low, high] with 0 <= low <= high <= 1")
        return value


class Example(_FromFile):
    """An example answer with the verdicts it must get; ``mockint rubric test`` runs them.

    Attributes:
        label: What kind of answer this is: strong, partial, weak, off-topic, ...
        lang: Language of the answer (``en`` or ``ru``).
        answer: The answer text.
        expect: The verdicts it must get.
    """

    label: str = Field(min_length=1)
    lang: Literal["en", "ru"] = "en"
    answer: str = Field(min_length=1)
    expect: Expectation = Field(default_factory=Expectation)


class Rubric(_FromFile):
    """One interview question and how to grade answers to it.

    Attributes:
        id: Question id, used in answer files (``question_id``) and on the command line.
        title: Short human title.
        question: What the interviewer asks.
        topic: Broad topic, e.g. ``ml-system-design``.
        subject: Words or phrases that an answer about this question names (for a fashion recommender "outfit",
            "clothes", "shoes"; for a CNN "image", "convolution"), in every language answers come in. An answer
            of twelve or more content words that names none of them answers another question, whatever terms it
            reuses, and is capped (see :mod:`mockint.grading.guards`). Leave it empty when answers may refer to
            the subject only by pronoun ("they are great for boilerplate" about coding assistants).
        tags: Free-form tags.
        source: The documents (and sections) the rubric was derived from.
        model_answer: The document's short answer.
        criteria: The key points.
        mistakes: The document's typical mistakes.
        tips: The document's "how to say it in an interview" lines.
        examples: Example answers with expected verdicts.
    """

    id: str = Field(pattern=_ID_PATTERN)
    title: str = Field(min_length=1)
    question: str = Field(min_length=1)
    topic: str = ""
    subject: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    source: list[SourceRef] = Field(default_factory=list)
    model_answer: str = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)
    mistakes: list[Mistake] = Field(default_factory=list)
    tips: list[str] = Field(default_factory=list)
    examples: list[Example] = Field(default_factory=list)

    @field_validator("subject", mode="before")
    @classmethod
    def _subject_shorthand(cls, value: Any) -> Any:
        return _as_phrase_list(value)

    @field_validator("subject")
    @classmethod
    def _subject_not_blank(cls, value: list[str]) -> list[str]:
        if any(not phrase.strip() for phrase in value):
            raise ValueError("has an empty phrase; give words an answer about the question names, or leave it out")
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> Rubric:
        criterion_ids = [c.id for c in self.criteria]
        _require_unique(criterion_ids, "criteria")
        mistake_ids = [m.id for m in self.mistakes]
        _require_unique(mistake_ids, "mistakes")
        known_criteria = set(criterion_ids)
        for index, mistake in enumerate(self.mistakes):
            for field_name, refs in (("omission_of", mistake.omission_of), ("denies", mistake.denies)):
                for ref in refs:
                    if ref not in known_criteria:
                        raise ValueError(
                            f"mistakes[{index}].{field_name}: unknown key point id {ref!r}; "
                            f"use one of: {', '.join(criterion_ids)}"
                        )
        known_mistakes = set(mistake_ids)
        for index, example in enumerate(self.examples):
            for ref in example.expect.criteria:
                if ref not in known_criteria:
                    raise ValueError(
                        f"examples[{index}].expect.criteria: unknown key point id {ref!r}; "
                        f"use one of: {', '.join(criterion_ids)}"
                    )
            for ref in example.expect.mistakes:
                if ref not in known_mistakes:
                    raise ValueError(
                        f"examples[{index}].expect.mistakes: unknown mistake id {ref!r}; "
                        f"use one of: {', '.join(mistake_ids) or '(none defined)'}"
                    )
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        """Return the key point with this id (``KeyError`` if there is none)."""
        for item in self.criteria:
            if item.id == criterion_id:
                return item
        raise KeyError(criterion_id)

    def mistake(self, mistake_id: str) -> Mistake:
        """Return the mistake with this id (``KeyError`` if there is none)."""
        for item in self.mistakes:
            if item.id == mistake_id:
                return item
        raise KeyError(mistake_id)


def _require_unique(ids: list[str], field: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            raise ValueError(f"{field}[{index}].id: duplicate id {item!r}; give each item its own id")
        seen.add(item)


class Answer(BaseModel):
    """One answer to grade, as read from an answers file.

    Attributes:
        id: The answer's id (numbers are turned into strings).
        question_id: The rubric id of the question answered.
        answer: The candidate's text.
        extra: Any other columns of the input, passed through to the output.
    """

    id: str
    question_id: str
    answer: str
    extra: dict[str, Any] = Field(default_factory=dict)


class CriterionResult(BaseModel):
    """The verdict on one key point (grade output contract)."""

    id: str
    text: str
    verdict: Verdict
    evidence: str | None = None
    source: VerdictSource = "deterministic"
    agree: bool | None = None


class MistakeResult(BaseModel):
    """Whether one typical mistake was made (grade output contract)."""

    id: str
    text: str
    committed: bool
    evidence: str | None = None
    source: VerdictSource = "deterministic"


class Grade(BaseModel):
    """The result of grading one answer (grade output contract, one JSON object per input line).

    Attributes:
        id: The answer's id (``None`` when the input line had none).
        question_id: The rubric id.
        score: 0..1, or ``None`` when the input could not be graded (see ``error``).
        calibrated_score: The score on the teacher's scale (0..``score_max`` of the question), from a
            calibration (``mockint grade --calibration``); ``None`` without one, for a question it has no labels
            for, for an input error, and for a judge fallback when the calibration was fitted on judge grades.
        grader: ``deterministic`` when no judge reply was used, ``llm`` when every verdict came from the
            judge, ``hybrid`` otherwise; ``None`` for an input error.
        model: The judge's model name, when a judge reply was used.
        prompt_version: Version of the judge prompt, when a judge reply was used.
        criteria: Verdict per key point, in rubric order.
        mistakes: Verdict per typical mistake, in rubric order.
        feedback: Text for the candidate: key points missed, mistakes made, tips.
        warnings: Why something was not as asked (judge failure, unverified evidence, guards).
        error: Only for input that could not be graded at all.
        extra: The input's other columns, passed through.
        layers: The deterministic layers that ran: ``lexical`` (concept lists, stance, guards) and, with the
            ``semantic`` extra, ``semantic:<model>``; empty for an input error.
        fallback: Why a judge was configured but its reply not used: the failure's reason code (``timeout``,
            ``connection``, ``http_<status>``, ``invalid_reply``, ``refusal``, ``bad_response``, ``circuit_open``,
            ``batch_missing``, ...); the grade is then deterministic. ``None`` otherwise, also when the judge was
            not asked because the answer had no gradeable text (asking again would not change that).
        judges: With several judges (``--judge-models``, ``--samples``): each one's model and score, in the order
            asked; ``None`` with one judge or none.
        stability: With several judges: how far they agreed, 0..1 (1.0: every judge gave every key point the
            same verdict; see :func:`mockint.judge.several.stability`); ``None`` when fewer than two answered.
    """

    id: str | None
    question_id: str | None
    score: float | None
    calibrated_score: float | None = None
    grader: GraderKind | None
    model: str | None = None
    prompt_version: str | None = None
    criteria: list[CriterionResult] = Field(default_factory=list)
    mistakes: list[MistakeResult] = Field(default_factory=list)
    feedback: str = ""
    warnings: list[str] = Field(default_factory=list)
    error: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    layers: list[str] = Field(default_factory=list)
    fallback: str | None = None
    judges: list[JudgeScore] | None = None
    stability: float | None = None


class JudgeScore(BaseModel):
    """What one of several judges made of an answer (``judges`` of the grade output contract).

    Attributes:
        model: The judge's model.
        sample: With ``--samples``: which sample this is (1, 2, ...); ``None`` otherwise.
        score: The score this judge alone would have given (its verified verdicts, the deterministic ones where
            its evidence failed the checks); ``None`` when it failed.
        fallback: Why it failed (a :attr:`Grade.fallback` reason code); ``None`` when it answered.
    """

    model: str
    sample: int | None = None
    score: float | None
    fallback: str | None = None


class JudgeCriterion(BaseModel):
    """The judge's verdict on one key point (judge reply contract)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    rationale: str
    verdict: Verdict
    evidence: str | None = None


class JudgeMistake(BaseModel):
    """The judge's verdict on one typical mistake (judge reply contract)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    rationale: str
    committed: bool
    evidence: str | None = None


class JudgeReply(BaseModel):
    """What the LLM judge returns for one answer (judge reply contract)."""

    model_config = ConfigDict(extra="forbid")

    criteria: list[JudgeCriterion]
    mistakes: list[JudgeMistake] = Field(default_factory=list)


class JudgeResult(BaseModel):
    """A validated judge reply together with how it was obtained.

    Attributes:
        reply: The validated reply.
        model: Model name the server was asked for.
        prompt_version: Version of the prompt files used.
        requests: HTTP requests this answer cost (retries and re-asks included).
        incomplete: ``None`` for a reply that meets the contract; for one that still broke it after the
            re-ask, what was wrong with it: ``reply`` then holds only its usable verdicts, and the ids it lacks
            are graded deterministically. Such a result is never cached.
        panel: With several judges: each one's result (or failure), in the order asked; ``reply`` is then the
            first answering judge's, and grading votes over the panel.
    """

    reply: JudgeReply
    model: str
    prompt_version: str
    requests: int = 1
    incomplete: str | None = None
    panel: list[PanelMember] = Field(default_factory=list)


class PanelMember(BaseModel):
    """One of several judges asked about one answer, and what it replied (or why it failed).

    Attributes:
        model: The judge's model.
        sample: With ``--samples``: the sample's number (1, 2, ...); ``None`` otherwise.
        result: Its validated reply; ``None`` when it failed.
        reason: Why it failed (a :class:`~mockint.errors.JudgeError` reason); ``None`` when it answered.
        error: The failure's one-line message.
    """

    model: str
    sample: int | None = None
    result: JudgeResult | None = None
    reason: str | None = None
    error: str | None = None

    @property
    def label(self) -> str:
        """The member as messages name it: ``model`` or ``model#sample``."""
        return self.model if self.sample is None else f"{self.model}#{self.sample}"


def normalise_id(value: Any) -> str:
    """Turn an id read from JSON or CSV (string or number) into its string form."""
    if isinstance(value, bool):
        raise ValueError("must be a string or a number, not a boolean")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        text = str(value).strip()
        if text:
            return text
    raise ValueError("must be a non-empty string or number")


ID_RE = re.compile(_ID_PATTERN)

JudgeResult.model_rebuild()
Grade.model_rebuild()
