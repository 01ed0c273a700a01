"""``mockint review`` as one call: read grades and answers, walk the queue, keep the labels, write corrections."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mockint.errors import InputError
from mockint.review.labels import Label, LabelsJournal
from mockint.review.queue import GradeLine, read_answer_texts, read_grades, review_queue
from mockint.review.session import Commands, ReviewResult, ReviewSession

__all__ = ["ReviewRun", "corrected_grade", "review", "write_corrected"]


@dataclass
class ReviewRun:
    """What a review did.

    Attributes:
        result: How the session ended.
        labels: Where the labels are.
        queued: Answers in the queue.
        corrected: Where the corrected grades were written, if anywhere.
        torn: Whether a line torn by an earlier kill was cut off the labels file.
    """

    result: ReviewResult
    labels: Path
    queued: int
    corrected: Path | None = None
    torn: bool = False


def corrected_grade(data: Mapping[str, Any], label: Label) -> dict[str, Any]:
    """A grade with the teacher's decisions: verdicts a person set get ``source: "human"``.

    The score becomes the teacher's share of the marks (``score / score_max``, 0..1 as in every grade); the
    teacher's own figures are kept under ``review`` (``score``, ``score_max``, ``note``, ``state``).
    """
    grade: dict[str, Any] = json.loads(json.dumps(data))  # a deep copy of plain JSON
    for criterion in grade.get("criteria") or []:
        if criterion.get("id") in label.human_criteria and criterion.get("id") in label.labels:
            criterion["verdict"] = label.labels[criterion["id"]]
            criterion["source"] = "human"
    made = set(label.mistakes or ())
    for mistake in grade.get("mistakes") or []:
        if mistake.get("id") in label.human_mistakes:
            mistake["committed"] = mistake["id"] in made
            mistake["source"] = "human"
            if not mistake["committed"]:
                mistake["evidence"] = None
    grade["score"] = round(label.score / label.score_max, 4)
    grade["review"] = {"score": label.score, "score_max": label.score_max, "note": label.note, "state": label.state}
    return grade


def write_corrected(lines: Sequence[GradeLine], labels: Mapping[str, Label], out: Path) -> None:
    """Write every grade, corrected where a label exists, in the grades file's order (replaced in one step).

    Raises:
        InputError: The file cannot be written.
    """
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            for line in lines:
                label = labels.get(line.grade.id or "")
                data = corrected_grade(line.data, label) if label is not None else line.data
                handle.write(json.dumps(data, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"{out}: cannot write ({exc.strerror}); check the folder exists and is writable") from None


def review(
    grades: Path,
    answers: Sequence[Path],
    rubrics: Mapping[str, Any],
    labels: Path,
    commands: Commands,
    out: IO[str],
    *,
    score_max: float = 10.0,
    pass_mark: float = 0.5,
    corrected: Path | None = None,
) -> ReviewRun:
    """Review the grades that most need a person, saving each decision to ``labels`` at once.

    Args:
        grades: The grades file (``mockint grade`` JSONL).
        answers: The answers files that were graded (for the answer texts).
        rubrics: The rubrics, by id.
        labels: The labels file; decisions already in it are kept and their answers not shown again.
        commands: The reviewer's commands.
        out: Where the session is shown.
        score_max: The top of the teacher's scale.
        pass_mark: The pass mark on mockint's 0..1 scale (scores near it are reviewed early).
        corrected: Where to write the corrected grades (``--out``), also after Ctrl-C.

    Returns:
        What was done.

    Raises:
        InputError: A file is bad (file, line and field named) or a label in ``labels`` is on another scale.
    """
    lines = read_grades(grades)
    texts = read_answer_texts(answers)
    queue = review_queue(lines, texts, rubrics, pass_mark)
    journal = LabelsJournal(labels)
    for label in journal.labels.values():
        if label.score_max != score_max:
            raise InputError(
                f"{label.where}: score_max: {label.score_max:g}, but this review grades out of {score_max:g}; "
                f"pass --score-max {label.score_max:g} or use another labels file"
            )
    queued = {item.id: item for item in queue}
    for label in journal.labels.values():
        item = queued.get(label.id)
        if item is not None and item.line.grade.question_id != label.question_id:
            raise InputError(
                f"{label.where}: question_id: {label.question_id!r} for answer {label.id!r}, but {item.line.where} "
                f"grades it for {item.line.grade.question_id!r}; use another labels file for these grades"
            )
    run = ReviewRun(ReviewResult(), labels, len(queue), torn=journal.torn)
    try:
        run.result = ReviewSession(queue, journal, commands, out, score_max).run()
    finally:
        journal.close()
        # The corrections are written whatever ended the session: every decision so far is in them.
        if corrected is not None:
            write_corrected(lines, journal.labels, corrected)
            run.corrected = corrected
    return run
