"""The judge reply: its JSON schema, lenient parsing and validation, and tag neutralising of the answer.

* **Tag neutralisation.** Before sending, every tag-like sequence in the answer (``</answer>``, ``<system>``,
  ``<|im_start|>`` ...) has its ``<`` and ``>`` replaced by ``‹`` and ``›`` (:func:`neutralise_tags`), so a
  candidate cannot close the answer tag or open a fake one. The judge's evidence quotes are copied from the
  neutralised text; the grader maps ``‹ ›`` back to ``< >`` on both sides before checking a quote.
* **Lenient parsing.** Fences, prose around the JSON, raw newlines in strings and trailing commas are
  tolerated (:func:`parse_reply`); the contract itself is not: every rubric id exactly once, no other id.
* **Partial replies.** A reply that still breaks the contract after the re-ask is not thrown away whole:
  :func:`salvage_reply` keeps each item that is valid on its own, for a rubric id given once (or repeated with
  the same verdict). The grader verifies those verdicts like any other and grades the rest deterministically.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from mockint.errors import JudgeError
from mockint.judge.transport import shorten
from mockint.models import JudgeCriterion, JudgeMistake, JudgeReply, Rubric

__all__ = [
    "NEUTRAL_GT",
    "NEUTRAL_LT",
    "SCHEMA_NAME",
    "InvalidReply",
    "check_reply",
    "check_reply_size",
    "extract_json",
    "fuller_reply",
    "neutralise_tags",
    "parse_reply",
    "reply_schema",
    "salvage_reply",
]

NEUTRAL_LT = "\u2039"  # ‹
NEUTRAL_GT = "\u203a"  # ›

SCHEMA_NAME = "judge_reply"

# How many '{' positions the lenient parser tries before giving up (guards against pathological replies).
_MAX_JSON_CANDIDATES = 20

# A '<' that starts something tag-like (a letter, '/', '!', '?' or '|' after optional spaces), with its
# closing '>' when that is on the same line. "p < 0.05" and "a -> b" stay as they are.
_TAG_LIKE = re.compile(r"<(?=\s*[/!?|]|\s*[^\W\d_])([^<>\n]{0,200}>)?")


def neutralise_tags(text: str) -> str:
    """Replace the ``<`` and ``>`` of tag-like sequences with ``‹`` and ``›``.

    The answer is sent between ``<answer>`` and ``</answer>``; without this, an answer containing
    ``</answer>`` followed by instructions could step out of the data block. Plain comparisons such as
    ``p < 0.05`` or arrows such as ``a -> b`` are left alone.

    Args:
        text: The candidate's answer.

    Returns:
        The text with tag-like sequences neutralised (``"</answer>"`` becomes ``"‹/answer›"``).
    """

    def replace(match: re.Match[str]) -> str:
        tail = match.group(1)
        return NEUTRAL_LT + (tail[:-1] + NEUTRAL_GT if tail else "")

    return _TAG_LIKE.sub(replace, text)


def reply_schema(rubric: Rubric) -> dict[str, Any]:
    """Build the JSON schema of the judge reply for one rubric.

    Ids are ``enum`` s of the rubric's own ids, so a server that enforces the schema cannot invent any;
    ``rationale`` comes before the verdict so the model reasons before it decides. Every field is required and
    no other field is allowed, as OpenAI's strict mode demands.

    Args:
        rubric: The rubric whose key point and mistake ids the reply must use.

    Returns:
        A JSON schema (a plain dict).
    """
    criterion_item = _object_schema(
        {
            "id": {"type": "string", "enum": [criterion.id for criterion in rubric.criteria]},
            "rationale": {"type": "string"},
            "verdict": {"type": "string", "enum": ["met", "partial", "missed"]},
            "evidence": {"type": ["string", "null"]},
        }
    )
    # An empty enum is not valid JSON schema; a rubric without mistakes gets a plain string id, and the
    # validator rejects any entry (the prompt asks for an empty list).
    mistake_ids = [mistake.id for mistake in rubric.mistakes]
    mistake_id: dict[str, Any] = {"type": "string", "enum": mistake_ids} if mistake_ids else {"type": "string"}
    mistake_item = _object_schema(
        {
            "id": mistake_id,
            "rationale": {"type": "string"},
            "committed": {"type": "boolean"},
            "evidence": {"type": ["string", "null"]},
        }
    )
    return _object_schema(
        {
            "criteria": {"type": "array", "items": criterion_item},
            "mistakes": {"type": "array", "items": mistake_item},
        }
    )


def _object_schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def check_reply_size(content: str, limit: int) -> None:
    """Refuse a reply over ``limit`` UTF-8 bytes before anything parses, re-asks with or caches it.

    Args:
        content: The assistant message's text.
        limit: The largest size accepted, in bytes (``MOCKINT_MAX_REPLY_BYTES``).

    Raises:
        JudgeError: With reason ``invalid_reply`` when the reply is larger.
    """
    # A character is 1 to 4 bytes: only a reply near the limit needs encoding to be measured.
    if len(content) * 4 <= limit:
        return
    size = len(content.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise JudgeError(
            f"the judge's reply ({size:,} bytes) is over the limit of {limit:,} bytes (MOCKINT_MAX_REPLY_BYTES); "
            "it was not used or cached. The model may be repeating itself: try a stronger model with --model, or "
            "raise MOCKINT_MAX_REPLY_BYTES",
            reason="invalid_reply",
        )


class InvalidReply(ValueError):
    """The reply is not valid JSON or breaks the contract; the message is fed back to the model."""


def parse_reply(content: str, rubric: Rubric) -> JudgeReply:
    """Parse and validate a judge reply leniently.

    Markdown fences and prose around the JSON are ignored (the outermost JSON object is taken), raw newlines
    and tabs inside strings and trailing commas are tolerated. The result must then match the contract, with
    every key point id and every mistake id of the rubric exactly once and no other id. Items are returned in
    rubric order; blank evidence becomes ``None``.

    Args:
        content: The assistant message's text.
        rubric: The rubric the reply grades against.

    Returns:
        The validated reply.

    Raises:
        JudgeError: With reason ``invalid_reply`` when the content cannot be used.
    """
    try:
        return check_reply(content, rubric)
    except InvalidReply as exc:
        raise JudgeError(f"invalid judge reply: {shorten(str(exc))}", reason="invalid_reply") from None


def check_reply(content: str, rubric: Rubric) -> JudgeReply:
    """:func:`parse_reply`, but raising :class:`InvalidReply`, whose message is fed back to the model."""
    return _validate(extract_json(content), rubric)


def extract_json(content: str) -> Any:
    """The first usable JSON object in ``content``, or :class:`InvalidReply` saying what is wrong."""
    text = content.strip()
    if not text:
        raise InvalidReply("the reply was empty; expected a JSON object")
    first_error: str | None = None
    start = text.find("{")
    tried = 0
    while start != -1 and tried < _MAX_JSON_CANDIDATES:
        tried += 1
        end = _object_end(text, start)
        if end is None:
            # The first unbalanced object runs to the end of the reply: it was cut off.
            raise InvalidReply(
                first_error or "the JSON object is incomplete (the reply was cut off); send the whole object"
            )
        candidate = text[start : end + 1]
        # The comma-dropping pass costs more than the parse itself: run it only when the plain parse fails.
        for repair in (False, True):
            try:
                value = json.loads(_drop_trailing_commas(candidate) if repair else candidate, strict=False)
            except json.JSONDecodeError as exc:
                first_error = first_error or f"the reply is not valid JSON ({exc.msg} at character {exc.pos})"
                continue
            if isinstance(value, dict):
                return value
            break
        # Only look for another object after this one: an inner object is not the reply.
        start = text.find("{", end + 1)
    raise InvalidReply(first_error or "no JSON object found in the reply; reply with the JSON object only")


def _structure(text: str, start: int = 0) -> Iterator[tuple[int, str, bool]]:
    """Each character from ``start`` with its index and whether it is JSON structure: outside strings and not a
    quote (string-aware: escaped quotes stay inside their string)."""
    in_string = False
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            yield index, char, False
        elif char == '"':
            in_string = True
            yield index, char, False
        else:
            yield index, char, True


def _object_end(text: str, start: int) -> int | None:
    """Index of the ``}`` closing the object opened at ``start`` (string-aware), or None if unclosed."""
    depth = 0
    for index, char, structural in _structure(text, start):
        if not structural:
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _drop_trailing_commas(text: str) -> str:
    """Remove commas directly before ``}`` or ``]`` outside strings (small models often leave them)."""
    out: list[str] = []
    for index, char, structural in _structure(text):
        if structural and char == "," and text[index + 1 :].lstrip()[:1] in ("}", "]"):
            continue
        out.append(char)
    return "".join(out)


def _validate(value: Any, rubric: Rubric) -> JudgeReply:
    try:
        reply = JudgeReply.model_validate(value)
    except ValidationError as exc:
        raise InvalidReply(_describe_validation_error(exc)) from None
    problems = _id_problems("criteria", [item.id for item in reply.criteria], [c.id for c in rubric.criteria])
    problems += _id_problems("mistakes", [item.id for item in reply.mistakes], [m.id for m in rubric.mistakes])
    if problems:
        raise InvalidReply("; ".join(problems))
    criterion_order = {criterion.id: index for index, criterion in enumerate(rubric.criteria)}
    mistake_order = {mistake.id: index for index, mistake in enumerate(rubric.mistakes)}
    criteria = [
        JudgeCriterion(
            id=item.id, rationale=item.rationale, verdict=item.verdict, evidence=_blank_to_none(item.evidence)
        )
        for item in sorted(reply.criteria, key=lambda item: criterion_order[item.id])
    ]
    mistakes = [
        JudgeMistake(
            id=item.id, rationale=item.rationale, committed=item.committed, evidence=_blank_to_none(item.evidence)
        )
        for item in sorted(reply.mistakes, key=lambda item: mistake_order[item.id])
    ]
    return JudgeReply(criteria=criteria, mistakes=mistakes)


def salvage_reply(content: str, rubric: Rubric) -> JudgeReply | None:
    """The usable verdicts of a reply that breaks the contract, or ``None`` when it holds none.

    Small models leave ids out or give one twice; the verdicts they did give are as good as those of a whole
    reply (the grader still checks every quote), so only the unusable items are dropped: an item that is not
    valid on its own, an id the rubric does not have, and an id given more than once with different verdicts
    (with the same verdict, its first copy is kept).

    Args:
        content: The assistant message's text.
        rubric: The rubric the reply grades against.

    Returns:
        A reply holding only the usable items, in rubric order (possibly missing ids), or ``None`` when the
        content is not a JSON object or no item is usable.
    """
    try:
        value = extract_json(content)
    except InvalidReply:
        return None
    criteria = _usable(value.get("criteria"), JudgeCriterion, [c.id for c in rubric.criteria])
    mistakes = _usable(value.get("mistakes"), JudgeMistake, [m.id for m in rubric.mistakes])
    if not criteria and not mistakes:
        return None
    return JudgeReply(
        criteria=[
            JudgeCriterion(
                id=item.id, rationale=item.rationale, verdict=item.verdict, evidence=_blank_to_none(item.evidence)
            )
            for item in criteria
        ],
        mistakes=[
            JudgeMistake(
                id=item.id, rationale=item.rationale, committed=item.committed, evidence=_blank_to_none(item.evidence)
            )
            for item in mistakes
        ],
    )


def fuller_reply(second: JudgeReply | None, first: JudgeReply | None) -> JudgeReply | None:
    """Of two salvaged replies, the one with more usable verdicts; the re-asked ``second`` when they tie (it
    was written with the validation error in view)."""
    if first is None or (second is not None and _verdicts(second) >= _verdicts(first)):
        return second
    return first


def _verdicts(reply: JudgeReply) -> int:
    return len(reply.criteria) + len(reply.mistakes)


_Item = TypeVar("_Item", JudgeCriterion, JudgeMistake)


def _usable(items: Any, model: type[_Item], expected: Sequence[str]) -> list[_Item]:
    """The valid items of ``items`` whose id is expected and unambiguous, in the order of ``expected``."""
    if not isinstance(items, list):
        return []
    found: dict[str, list[_Item]] = {}
    for raw in items:
        try:
            item = model.model_validate(raw)
        except ValidationError:
            continue
        found.setdefault(item.id, []).append(item)
    usable: list[_Item] = []
    for item_id in expected:
        copies = found.get(item_id, [])
        if copies and len({_decision(copy) for copy in copies}) == 1:
            usable.append(copies[0])
    return usable


def _decision(item: JudgeCriterion | JudgeMistake) -> str:
    return item.verdict if isinstance(item, JudgeCriterion) else str(item.committed)


def _blank_to_none(evidence: str | None) -> str | None:
    return evidence if evidence is not None and evidence.strip() else None


def _id_problems(field: str, got: Sequence[str], expected: Sequence[str]) -> list[str]:
    counts = Counter(got)
    known = set(expected)
    problems: list[str] = []
    unknown = [item for item in counts if item not in known]
    if unknown:
        allowed = ", ".join(expected) if expected else "none (use an empty list)"
        problems.append(f"{field}: unknown id {', '.join(map(repr, unknown))}; allowed ids: {allowed}")
    duplicated = [item for item, count in counts.items() if count > 1 and item in known]
    if duplicated:
        problems.append(f"{field}: id {', '.join(map(repr, duplicated))} given more than once")
    missing = [item for item in expected if item not in counts]
    if missing:
        problems.append(f"{field}: missing id {', '.join(map(repr, missing))}")
    return problems


def _describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error["loc"]) or "reply"
        lines.append(f"{where}: {error['msg']}")
    if exc.error_count() > 5:
        lines.append(f"and {exc.error_count() - 5} more problems")
    return "; ".join(lines)
