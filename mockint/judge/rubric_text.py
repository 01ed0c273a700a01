"""How a rubric is written into the judge's prompt: its key points and typical mistakes as text."""

from __future__ import annotations

from mockint.models import Rubric

__all__ = ["key_points_text", "mistakes_text"]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def key_points_text(rubric: Rubric) -> str:
    """The rubric's key points for the judge's system prompt: one line each, with its id and weight."""
    return "\n".join(
        f'- id "{criterion.id}" (weight {criterion.weight:g}): {_one_line(criterion.text)}'
        for criterion in rubric.criteria
    )


def mistakes_text(rubric: Rubric) -> str:
    """The rubric's typical mistakes for the judge's system prompt, saying which are omissions of key points."""
    if not rubric.mistakes:
        return 'None for this question: reply with an empty "mistakes" list.'
    lines = []
    for mistake in rubric.mistakes:
        if mistake.omission_of:
            points = ", ".join(f'"{point}"' for point in mistake.omission_of)
            kind = f" (an omission: committed when the answer misses all of the key points {points})"
        else:
            kind = ""
        lines.append(f'- id "{mistake.id}"{kind}: {_one_line(mistake.text)}')
    return "\n".join(lines)
