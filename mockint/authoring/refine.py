"""Drafts refined by an LLM: the judge rewrites the key points as atomic, checkable statements with synonyms and
negation cases, links the mistakes, and writes strong / partial / weak example answers.

Its reply is validated like any rubric (and every key point must quote the source); a failure keeps the
deterministic draft with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mockint.authoring.draft import Draft
from mockint.errors import JudgeError
from mockint.grading.evidence import find_quote
from mockint.models import Rubric

if TYPE_CHECKING:
    from mockint.judge import Asker

__all__ = ["DRAFT_PROMPT", "draft_schema", "refine_with_llm"]

DRAFT_PROMPT = "draft"


def _string_list(min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "minItems": min_items}


def draft_schema(rubric: Rubric) -> dict[str, Any]:
    """The JSON schema of the LLM's drafting reply for one rubric (mistake ids fixed to the draft's)."""

    def obj(properties: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}

    mistake_ids = [m.id for m in rubric.mistakes]
    mistake_id: dict[str, Any] = {"type": "string", "enum": mistake_ids} if mistake_ids else {"type": "string"}
    verdict = {"type": "string", "enum": ["met", "partial", "missed"]}
    return obj(
        {
            "criteria": {
                "type": "array",
                "items": obj(
                    {
                        "id": {"type": "string"},
                        "text": {"type": "string"},
                        "source_quote": {"type": "string"},
                        "weight": {"type": "number"},
                        "concepts": {"type": "array", "items": _string_list(1)},
                        "negations": _string_list(),
                    }
                ),
            },
            "mistakes": {
                "type": "array",
                "items": obj(
                    {
                        "id": mistake_id,
                        "omission_of": _string_list(),
                        "concepts": {"type": "array", "items": _string_list(1)},
                    }
                ),
            },
            "examples": {
                "type": "array",
                "items": obj(
                    {
                        "label": {"type": "string", "enum": ["strong", "partial", "weak"]},
                        "answer": {"type": "string"},
                        "criteria": {"type": "array", "items": obj({"id": {"type": "string"}, "verdict": verdict})},
                        "mistakes": {
                            "type": "array",
                            "items": obj({"id": mistake_id, "committed": {"type": "boolean"}}),
                        },
                    }
                ),
            },
        }
    )


def _source_text(rubric: Rubric, sources: Sequence[str]) -> str:
    return "\n".join([rubric.model_answer, *sources, *rubric.tips])


def _refined(reply: dict[str, Any], draft: Rubric, source: str) -> Rubric:
    """Turn the LLM's reply into a rubric, or raise ``ValueError`` saying what to fix (fed back to it)."""
    criteria: list[dict[str, Any]] = []
    for index, item in enumerate(reply.get("criteria") or []):
        if not isinstance(item, dict):
            raise ValueError(f"criteria[{index}] must be an object")
        quote = str(item.get("source_quote") or "")
        if not quote.strip() or not find_quote(quote, source):
            raise ValueError(
                f"criteria[{index}].source_quote is not a sentence of the source text; copy it verbatim from it"
            )
        check: dict[str, Any] = {"concepts": item.get("concepts")}
        if item.get("negations"):
            check["exclude"] = item["negations"]
        weight = item.get("weight")
        criteria.append(
            {
                "id": item.get("id"),
                "text": item.get("text"),
                "weight": min(3.0, max(1.0, float(weight))) if isinstance(weight, int | float) else 1.0,
                "checks": [check],
                "source_quote": quote,
            }
        )
    if not criteria:
        raise ValueError("criteria: give at least one key point")
    by_id = {m.id: m for m in draft.mistakes}
    mistakes = [m.model_dump(mode="json", exclude_defaults=True) for m in draft.mistakes]
    index_of = {m.id: i for i, m in enumerate(draft.mistakes)}
    for item in reply.get("mistakes") or []:
        mistake_id = item.get("id")
        if mistake_id not in by_id:
            raise ValueError(f"mistakes: unknown id {mistake_id!r}; use one of: {', '.join(by_id) or '(none)'}")
        kept = mistakes[index_of[mistake_id]]
        kept.pop("detectors", None)
        kept.pop("omission_of", None)
        if item.get("omission_of"):
            kept["omission_of"] = item["omission_of"]
        if item.get("concepts"):
            kept["detectors"] = [{"concepts": item["concepts"]}]
    examples: list[dict[str, Any]] = []
    for item in reply.get("examples") or []:
        examples.append(
            {
                "label": item.get("label"),
                "answer": item.get("answer"),
                "expect": {
                    "criteria": {entry["id"]: entry["verdict"] for entry in item.get("criteria") or []},
                    "mistakes": {entry["id"]: entry["committed"] for entry in item.get("mistakes") or []},
                },
            }
        )
    data = draft.model_dump(mode="json", exclude_defaults=True)
    data.update(criteria=criteria, mistakes=mistakes, examples=examples or data.get("examples", []))
    # Same validation as any rubric file: ids, cross references, field types.
    return Rubric.model_validate(data)


def refine_with_llm(draft: Draft, judge: Asker, sources: Sequence[str]) -> Draft:
    """Ask the LLM to rewrite a deterministic draft; keep the draft (with a warning) if that fails.

    Args:
        draft: The deterministic draft.
        judge: What asks the LLM (``OpenAIJudge`` is one: its ``ask`` does the request, retries and one
            re-ask).
        sources: The source text the key points must quote (breakdown, theory, references ...).

    Returns:
        A new draft with the LLM's rubric, or the same draft with a warning in ``warnings``.
    """
    rubric = draft.rubric
    source = _source_text(rubric, sources)
    current = {
        "criteria": [
            {
                "id": c.id,
                "text": c.text,
                "source_quote": c.source_quote,
                "concepts": c.checks[0].concepts if c.checks else [],
            }
            for c in rubric.criteria
        ],
        "mistakes": [{"id": m.id, "text": m.text, "omission_of": m.omission_of} for m in rubric.mistakes],
    }
    variables = {
        "question": rubric.question,
        "model_answer": rubric.model_answer,
        "source": source,
        "draft": json.dumps(current, ensure_ascii=False, indent=1),
    }
    try:
        refined = judge.ask(
            DRAFT_PROMPT,
            variables,
            draft_schema(rubric),
            lambda reply: _refined(reply, rubric, source),
            label=rubric.id,
        )
    except JudgeError as exc:
        warning = (
            f"{draft.origin}: LLM drafting failed for {rubric.id} ({exc.reason}: {exc}); kept the deterministic draft"
        )
        return Draft(rubric, draft.file_name, draft.origin, draft.header, [*draft.warnings, warning], llm=False)
    header = [draft.header[0].replace("(deterministic", f"(refined by LLM {judge.model}"), *draft.header[1:2]]
    return Draft(refined, draft.file_name, draft.origin, header, list(draft.warnings), llm=True)
