"""The labels file that ``mockint review`` writes and ``mockint calibrate`` / ``mockint eval`` read.

Each line is one answer with the teacher's grade (the labels contract of DESIGN.md): ``id``, ``question_id``,
``answer``, ``score`` and ``score_max`` on the teacher's scale, ``labels`` (key point id -> ``met`` / ``partial``
/ ``missed``), ``mistakes`` (the typical mistake ids the answer makes), and the reviewer's ``note``. Review adds
``state`` (``done``, or ``open`` while the reviewer is still at the answer), ``score_set`` (the teacher typed
the score, rather than it following from the verdicts), ``human`` (the key point and mistake ids whose verdict a
person changed) and ``reviewed_at``. ``mockint eval`` ignores those fields.

The file is a journal: every decision appends the answer's whole label as one line and fsyncs it, so Ctrl-C, a
kill or a power cut loses nothing decided. The last line of an id wins. A line torn by a kill (no newline at the
end) is cut off when the file is opened again. When a review ends, the file is compacted to one line per id
(written aside, then renamed over it in one step), so ``mockint eval labels.jsonl`` counts each answer once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from mockint.errors import InputError
from mockint.files import fsync_folder
from mockint.models import Verdict

__all__ = ["Label", "LabelsJournal", "read_label_file"]

State = Literal["done", "open"]


@dataclass
class Label:
    """One answer as the teacher graded it.

    Attributes:
        id: The answer's id.
        question_id: The rubric id.
        answer: The answer text.
        score: The teacher's score, 0..``score_max``.
        score_max: The top of the teacher's scale.
        labels: The verdict per key point id.
        mistakes: Ids of the typical mistakes the answer makes; ``None`` when not said.
        note: The reviewer's note.
        state: ``done``, or ``open`` while the reviewer has not finished the answer.
        score_set: Whether the teacher typed the score (else it follows from the verdicts).
        human_criteria: Key point ids whose verdict a person changed.
        human_mistakes: Mistake ids a person marked or unmarked.
        where: ``FILE:LINE`` of the line it was read from (empty for a new label).
    """

    id: str
    question_id: str
    answer: str
    score: float
    score_max: float
    labels: dict[str, Verdict] = field(default_factory=dict)
    mistakes: list[str] | None = None
    note: str | None = None
    state: State = "done"
    score_set: bool = False
    human_criteria: list[str] = field(default_factory=list)
    human_mistakes: list[str] = field(default_factory=list)
    where: str = ""
    reviewed_at: str = ""

    def as_json(self) -> dict[str, Any]:
        """The label as one JSON object of the labels file."""
        return {
            "id": self.id,
            "question_id": self.question_id,
            "answer": self.answer,
            "score": round(self.score, 4),
            "score_max": self.score_max,
            "labels": dict(self.labels),
            "mistakes": list(self.mistakes) if self.mistakes is not None else None,
            "note": self.note,
            "state": self.state,
            "score_set": self.score_set,
            "human": {"criteria": list(self.human_criteria), "mistakes": list(self.human_mistakes)},
            "reviewed_at": self.reviewed_at or datetime.now(UTC).isoformat(timespec="seconds"),
        }


def _text_list(value: Any, where: str, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise InputError(f'{where}: {name}: must be a list of ids, e.g. ["pvalue-definition"]')


def _review_fields(data: dict[str, Any], where: str) -> dict[str, Any]:
    state = data.get("state", "done")
    if state not in ("done", "open"):
        raise InputError(f"{where}: state: {state!r} is not done or open; fix it or remove the field")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise InputError(f"{where}: note: must be text; put the note in quotes")
    human = data.get("human")
    human = {} if human is None else human
    if not isinstance(human, dict):
        raise InputError(f'{where}: human: must be an object like {{"criteria": [], "mistakes": []}}')
    return {
        "state": state,
        "note": note,
        "score_set": bool(data.get("score_set", False)),
        "reviewed_at": data.get("reviewed_at") if isinstance(data.get("reviewed_at"), str) else "",
        "human_criteria": _text_list(human.get("criteria"), where, "human.criteria"),
        "human_mistakes": _text_list(human.get("mistakes"), where, "human.mistakes"),
    }


def read_label_file(paths: Sequence[Path], score_max: float | None = None) -> list[Label]:
    """Read labels files: the last line of each id wins.

    Records are checked by ``mockint eval``'s reader (:func:`mockint.authoring.evaluation.read_labels`), so both
    commands accept the same files (JSONL or CSV) and give the same ``FILE:LINE: field: problem; fix`` errors.

    Args:
        paths: The files.
        score_max: The top of the teacher's scale for records without ``score_max``.

    Returns:
        One label per id, in order of the id's first line.

    Raises:
        InputError: A file cannot be read or a line is bad (the message names file, line and field).
    """
    from mockint.authoring.labels import read_labels
    from mockint.files import parse_json_line, read_text

    records = read_labels(paths, score_max)
    # read_labels keeps only the fields eval needs; the review's own fields are read from the same lines.
    raw: dict[str, dict[str, Any]] = {}
    for path in paths:
        if path.suffix.lower() == ".csv":
            continue
        # Lines are counted as read_labels counts them, so that FILE:LINE names the same line.
        for number, line in enumerate(read_text(path, "JSONL").splitlines(), start=1):
            parsed = parse_json_line(line.encode("utf-8"))
            if parsed is not None and isinstance(parsed.data, dict):
                raw[f"{path}:{number}"] = parsed.data
    labels: dict[str, Label] = {}
    for record in records:
        extra = _review_fields(raw.get(record.where, {}), record.where)
        labels.pop(record.id, None)  # a later line of the id replaces it, and takes its place in the order
        labels[record.id] = Label(
            id=record.id,
            question_id=record.question_id,
            answer=record.answer,
            score=record.score,
            score_max=record.score_max,
            labels=dict(record.labels),
            mistakes=sorted(record.mistakes) if record.mistakes is not None else None,
            where=record.where,
            **extra,
        )
    return list(labels.values())


def _line(label: Label) -> bytes:
    text = json.dumps(label.as_json(), ensure_ascii=False)
    # Readers that split on every Unicode line break (str.splitlines) would cut a raw U+2028 in an answer.
    for char in ("\u2028", "\u2029", "\x85"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return (text + "\n").encode("utf-8")


class LabelsJournal:
    """The labels file, open for appending decisions.

    Args:
        path: The labels file; created when missing.

    Raises:
        InputError: The file cannot be read, written, or holds a bad line (file and line named).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.torn = self._cut_torn_line()
        self.labels: dict[str, Label] = {}
        if path.exists() and path.stat().st_size and path.read_bytes().strip():
            self.labels = {label.id: label for label in read_label_file([path])}
        self._lines = 0
        if path.exists():
            with path.open("rb") as handle:
                self._lines = sum(1 for _ in handle)
        # Opened now, so that a folder that is missing or read-only is said before the first decision, not at it.
        try:
            self._handle: IO[bytes] | None = path.open("ab")
        except OSError as exc:
            raise InputError(
                f"{path}: cannot write ({exc.strerror}); check that its folder exists and is writable"
            ) from None

    def _cut_torn_line(self) -> bool:
        try:
            with self.path.open("r+b") as handle:
                data = handle.read()
                if not data or data.endswith(b"\n"):
                    return False
                # A kill during the last write leaves a line without its newline: that decision was not saved.
                handle.truncate(data.rfind(b"\n") + 1)
                handle.flush()
                os.fsync(handle.fileno())
                return True
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise InputError(f"{self.path}: cannot open ({exc.strerror}); check its permissions") from None

    def append(self, label: Label) -> None:
        """Save one decision: append the answer's label and fsync it before returning."""
        label.reviewed_at = datetime.now(UTC).isoformat(timespec="seconds")
        line = _line(label)
        try:
            if self._handle is None:
                self._handle = self.path.open("ab")
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            raise InputError(
                f"{self.path}: cannot write ({exc.strerror}); free some space or pick another file"
            ) from None
        self._lines += 1
        self.labels.pop(label.id, None)
        self.labels[label.id] = label

    def close(self) -> None:
        """Compact the file to one line per id (replaced in one step) and close it."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._lines <= len(self.labels):
            return  # already one line per id
        partial = self.path.with_name(self.path.name + ".partial")
        try:
            with partial.open("wb") as handle:
                for label in self.labels.values():
                    handle.write(_line(label))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, self.path)
            fsync_folder(self.path)
        except OSError:
            # The journal itself is complete (last line per id wins); compacting is only tidiness.
            partial.unlink(missing_ok=True)
            return
        self._lines = len(self.labels)
