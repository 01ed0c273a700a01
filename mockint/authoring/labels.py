"""Labelled answers for ``mockint eval``: human grades read from JSONL or CSV files.

One graded answer per record, with ``question_id``, ``answer``, a human ``score`` on any scale and its
``score_max`` (a column, or ``--score-max``); the answer's id is ``id``, else ``answer_id``, else its line.
Optional per-key-point ``labels``, typical ``mistakes`` and a ``kind`` (see :mod:`mockint.authoring.evaluation`).
Every bad record is an :class:`~mockint.errors.InputError` naming its file, line and field.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockint.errors import InputError
from mockint.files import csv_table, parse_json_line, read_text
from mockint.models import Verdict, normalise_id

__all__ = ["LabelRecord", "read_labels"]


@dataclass
class LabelRecord:
    """One human-graded answer.

    Attributes:
        id: The answer's id.
        question_id: The rubric id.
        answer: The answer text.
        score: The human score.
        score_max: The top of the human scale (0 is the bottom).
        labels: Human verdict per key point id, where given.
        where: ``FILE:LINE``.
        mistakes: Ids of the typical mistakes the answer commits; ``None`` when the record does not say.
        kind: The sort of answer (free text), when given.
    """

    id: str
    question_id: str
    answer: str
    score: float
    score_max: float
    labels: dict[str, Verdict] = field(default_factory=dict)
    where: str = ""
    mistakes: frozenset[str] | None = None
    kind: str | None = None


def _verdict(value: Any) -> Verdict | None:
    if isinstance(value, bool):
        return "met" if value else "missed"
    if isinstance(value, int | float):
        return "met" if value >= 1 else "partial" if value > 0 else "missed"
    if isinstance(value, str):
        text = value.strip().casefold()
        named: dict[str, Verdict] = {
            "met": "met",
            "partial": "partial",
            "missed": "missed",
            "true": "met",
            "false": "missed",
            "yes": "met",
            "no": "missed",
            "1": "met",
            "0.5": "partial",
            "0": "missed",
        }
        return named.get(text)
    return None


def _number(value: Any, name: str, where: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{where}: {name}: must be a number, not a boolean")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {name}: {value!r} is not a number; write e.g. 3.5") from None
    if not math.isfinite(number):
        raise InputError(f"{where}: {name}: must be a finite number")
    return number


def _record(data: dict[str, Any], where: str, default_max: float | None) -> LabelRecord:
    for name in ("question_id", "answer", "score"):
        if data.get(name) in (None, ""):
            raise InputError(f"{where}: {name}: missing; each record needs question_id, answer and score")
    raw_id = data.get("id") if data.get("id") not in (None, "") else data.get("answer_id")
    try:
        answer_id = normalise_id(raw_id) if raw_id not in (None, "") else where
        question_id = normalise_id(data["question_id"])
    except ValueError as exc:
        raise InputError(f"{where}: id: {exc}") from None
    answer = data["answer"]
    if not isinstance(answer, str):
        raise InputError(f"{where}: answer: must be text; put the answer in quotes")
    score = _number(data["score"], "score", where)
    raw_max = data.get("score_max")
    if raw_max in (None, ""):
        if default_max is None:
            raise InputError(f"{where}: score_max: missing; add a score_max column or pass --score-max")
        score_max = default_max
    else:
        score_max = _number(raw_max, "score_max", where)
    if score_max <= 0:
        raise InputError(f"{where}: score_max: must be greater than 0")
    if not 0 <= score <= score_max:
        raise InputError(f"{where}: score: {score:g} is outside 0..{score_max:g}; fix the score or score_max")
    labels: dict[str, Verdict] = {}
    raw_labels = data.get("labels")
    if raw_labels is not None and raw_labels != "":
        if not isinstance(raw_labels, dict):
            raise InputError(f"{where}: labels: must be an object of key point id -> met/partial/missed")
        items = list(raw_labels.items())
    else:
        items = [(key[len("label:") :], value) for key, value in data.items() if key.startswith("label:")]
    for criterion_id, value in items:
        if value in (None, ""):
            continue
        verdict = _verdict(value)
        if verdict is None:
            raise InputError(f"{where}: labels.{criterion_id}: {value!r} is not met, partial or missed")
        labels[criterion_id] = verdict
    mistakes = _mistake_ids(data.get("mistakes"), where)
    kind = _kind(data.get("kind"), where)
    return LabelRecord(answer_id, question_id, answer, score, score_max, labels, where, mistakes, kind)


def _mistake_ids(value: Any, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        # A CSV cell; a column present but empty says "no mistakes".
        return frozenset(part for part in re.split(r"[\s,;]+", value) if part)
    if isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
        return frozenset(item.strip() for item in value)
    raise InputError(
        f'{where}: mistakes: must be a list of mistake ids, e.g. ["pvalue-hypothesis-true"] (in CSV: ids separated '
        f"by ;), or [] for none"
    )


def _kind(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str) and not value.strip():
        return None
    try:
        return normalise_id(value)
    except ValueError:
        raise InputError(f'{where}: kind: must be text, e.g. "salad"') from None


def read_labels(paths: Sequence[Path], score_max: float | None = None) -> list[LabelRecord]:
    """Read human-graded answers from JSONL or CSV files.

    Args:
        paths: The files (``.csv`` is CSV, anything else JSON Lines).
        score_max: The top of the human scale for records without ``score_max``.

    Returns:
        The records, in file order.

    Raises:
        InputError: A file cannot be read or a record is bad (``FILE:LINE: field: problem; fix``).
    """
    records: list[LabelRecord] = []
    for path in paths:
        text = read_text(path, "JSONL or CSV with question_id, answer and score")
        if path.suffix.lower() == ".csv":
            # The one CSV reader: a row is named by the line it starts on, also when a field spans lines.
            header: list[str] | None = None
            for row in csv_table(io.StringIO(text, newline="")):
                if row.error is not None:
                    raise InputError(f"{path}:{row.line}: {row.error}")
                if header is None:
                    header = [cell.strip() for cell in row.cells]
                    continue
                cells = dict(zip(header, row.cells, strict=False))
                records.append(_record(cells, f"{path}:{row.line}", score_max))
        else:
            for number, line in enumerate(text.splitlines(), start=1):
                where = f"{path}:{number}"
                parsed = parse_json_line(line.encode("utf-8"))
                if parsed is None:
                    continue
                if parsed.error is not None:
                    raise InputError(f"{where}: {parsed.error}")
                data = parsed.data
                if not isinstance(data, dict):
                    raise InputError(f"{where}: expected a JSON object with question_id, answer and score")
                records.append(_record(data, where, score_max))
    if not records:
        raise InputError("no graded answers found; each record needs question_id, answer and score")
    return records
