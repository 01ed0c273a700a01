"""Convert the UNT short-answer grading data set v2.0 (Mohler, Bunescu & Mihalcea, ACL 2011) to mockint's format.

Usage:
    python examples/mohler_to_jsonl.py PATH/TO/ShortAnswerGrading_v2.0 --out mohler-dev.jsonl [--split dev|rest|all]
        [--include-excluded]

The data set is not shipped with mockint; get it from a public mirror of the original release, e.g.
``git clone https://github.com/dbbrandt/short_answer_granding_capstone_project`` (its
``data/source_data/ShortAnswerGrading_v2.0/`` folder). The release asks users to cite
Mohler, Bunescu & Mihalcea (2011), "Learning to Grade Short Answer Questions using Semantic Similarity Measures
and Dependency Graph Alignments", ACL HLT 2011.

Read from the release's documented layout (its README): ``data/raw/questions`` and ``data/raw/answers`` ("x.y
text" per line), ``data/raw/x.y`` (one student answer per line, each starting with "x.y"), ``data/scores/x.y/ave``
(mean of the two graders, on 0-5), ``data/scores/x.y/other`` (grader 1, the TA) and ``data/scores/x.y/me``
(grader 2, Michael Mohler), the last two on 0-10 for the exams (assignments 11 and 12), and ``data/docs/files``,
where a question commented out with ``#`` is left out of the authors' published work (and out of the output,
unless ``--include-excluded``).

Each output line is one answer: ``dataset, question_id, answer_id (x.y.z, z 0-based), question,
reference_answer, answer, score`` (the ``ave`` file, 0-5), ``score_max`` (5), ``score_grader1_ta``,
``score_grader2_mohler`` (each on 0-5: an exam grade is halved, rounded half up to a whole point), the raw
grades and their maximum, ``source_part`` (assignment or exam) and ``excluded_in_published_work``. HTML line
breaks in the raw text become newlines and entities are decoded. ``mockint rubric import`` reads the file as a
Q&A bank and ``mockint eval`` as labelled answers.

``--split dev`` keeps the 40 questions of mockint's development set (the figures in the README); ``rest`` the
other questions, ``all`` (the default) every one.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

DATASET = "mohler2011_unt_v2.0"
EXAM_ASSIGNMENTS = frozenset({11, 12})
DEV_QUESTIONS = (
    "1.3 1.4 1.7 2.2 2.5 3.3 3.4 3.5 3.6 4.4 4.5 5.3 5.4 6.2 6.3 6.5 6.7 7.1 7.3 7.4 7.6 8.2 8.4 8.6 9.2 9.3 9.4 9.6 "
    "10.2 10.4 10.5 10.6 10.7 11.1 11.2 11.4 11.5 12.6 12.8 12.10"
).split()
"""The questions of mockint's development set; the README's Mohler figures are measured on these."""

_QUESTION_ID = re.compile(r"^\d+\.\d+$")
# A run of HTML line breaks (students pressed Enter once or twice) is one line break.
_BREAKS = re.compile(r"[ \t]*(?:<br\s*/?>[ \t]*)+", re.IGNORECASE)


class ConversionError(Exception):
    """The folder is not the v2.0 release as documented; the message names the file and line."""


# UTF-8 punctuation that was read as Windows-1252 and saved again ("â€™" for "’"): 2-4 such characters.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u0192\u02c6\u02dc\u2013-\u2122]{1,3}")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"'})


def _cp1252_bytes(text: str) -> bytes:
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                raise
            out.append(ord(char))  # the five bytes cp1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d)
    return bytes(out)


def _unmangle(match: re.Match[str]) -> str:
    try:
        return _cp1252_bytes(match.group(0)).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return match.group(0)


def _clean(text: str) -> str:
    text = _MOJIBAKE.sub(_unmangle, _BREAKS.sub("\n", text))
    # Curly quotes become straight ones (a quoted term then matches a rubric's phrase); dashes stay.
    return html.unescape(text).translate(_QUOTES).strip()


def _lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConversionError(f"{path}: missing; pass the ShortAnswerGrading_v2.0 folder of the release") from None
    # The release is ASCII with some UTF-8 and, in two files, Windows-1252 bytes; never fail on one of them.
    text = raw.decode("utf-8") if _is_utf8(raw) else raw.decode("cp1252", errors="replace")
    return [line.rstrip("\r") for line in text.split("\n")]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _by_question(path: Path) -> dict[str, str]:
    """``x.y text`` lines (questions, reference answers) by question id."""
    found: dict[str, str] = {}
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        question_id, _, text = line.strip().partition(" ")
        if not _QUESTION_ID.match(question_id):
            raise ConversionError(f"{path}:{number}: expected 'x.y text', got {line[:40]!r}")
        found[question_id] = _clean(text)
    return found


def _grades(path: Path) -> list[float]:
    grades = []
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            value = float(line)
        except ValueError:
            raise ConversionError(f"{path}:{number}: not a grade: {line[:40]!r}") from None
        if not math.isfinite(value) or value < 0:
            raise ConversionError(f"{path}:{number}: not a grade: {line[:40]!r}")
        grades.append(value)
    return grades


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def questions_listed(root: Path) -> list[tuple[str, bool]]:
    """``(question id, excluded)`` in the order of ``data/docs/files``."""
    listed = []
    for line in _lines(root / "data" / "docs" / "files"):
        name = line.strip()
        if not name:
            continue
        excluded = name.startswith("#")
        listed.append((name.lstrip("#").strip(), excluded))
    return listed


def convert(root: Path, *, split: str = "all", include_excluded: bool = False) -> list[dict[str, Any]]:
    """The answers of the release at ``root`` as mockint records, in the release's question order.

    Args:
        root: The ``ShortAnswerGrading_v2.0`` folder (the one holding ``data/``).
        split: ``dev`` (mockint's development questions), ``rest`` (the others) or ``all``.
        include_excluded: Keep the questions the release comments out (selection/ordering questions).

    Returns:
        One record per student answer.

    Raises:
        ConversionError: A file is missing or not as documented.
    """
    if not (root / "data").is_dir() and (root / "raw").is_dir():
        root = root.parent  # given the data/ folder itself
    data = root / "data"
    questions = _by_question(data / "raw" / "questions")
    references = _by_question(data / "raw" / "answers")
    dev = set(DEV_QUESTIONS)
    records: list[dict[str, Any]] = []
    for question_id, excluded in questions_listed(root):
        if excluded and not include_excluded:
            continue
        if (split == "dev") != (question_id in dev) and split != "all":
            continue
        for name, table in (("questions", questions), ("answers", references)):
            if question_id not in table:
                raise ConversionError(f"{data / 'raw' / name}: no line for question {question_id}")
        raw_path = data / "raw" / question_id
        answers = [line for line in _lines(raw_path) if line.strip()]
        scores = data / "scores" / question_id
        mean, grader1, grader2 = (_grades(scores / name) for name in ("ave", "other", "me"))
        for name, column in (("ave", mean), ("other", grader1), ("me", grader2)):
            if len(column) != len(answers):
                raise ConversionError(
                    f"{scores / name}: {len(column)} grades for {len(answers)} answers in {raw_path}; "
                    "the files of one question must have one line per answer"
                )
        exam = int(question_id.split(".")[0]) in EXAM_ASSIGNMENTS
        raw_max = 10 if exam else 5
        for index, line in enumerate(answers):
            prefix, _, text = line.strip().partition(" ")
            if prefix != question_id:
                raise ConversionError(f"{raw_path}:{index + 1}: expected the line to start with {question_id!r}")
            records.append(
                {
                    "dataset": DATASET,
                    "question_id": question_id,
                    "answer_id": f"{question_id}.{index}",
                    "question": questions[question_id],
                    "reference_answer": references[question_id],
                    "answer": _clean(text),
                    "score": _number(mean[index]),
                    "score_max": 5,
                    "score_grader1_ta": _half_up(grader1[index] / 2) if exam else _number(grader1[index]),
                    "score_grader2_mohler": _half_up(grader2[index] / 2) if exam else _number(grader2[index]),
                    "score_grader1_ta_raw": _number(grader1[index]),
                    "score_grader2_mohler_raw": _number(grader2[index]),
                    "raw_score_max": raw_max,
                    "source_part": "exam" if exam else "assignment",
                    "excluded_in_published_work": excluded,
                }
            )
    return records


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the ShortAnswerGrading_v2.0 folder of the release")
    parser.add_argument("--out", "-o", type=Path, required=True, help="the JSONL file to write")
    parser.add_argument("--split", choices=("dev", "rest", "all"), default="all", help="which questions (default all)")
    parser.add_argument(
        "--include-excluded", action="store_true", help="keep the questions the release comments out in docs/files"
    )
    args = parser.parse_args(argv)
    try:
        records = convert(args.root, split=args.split, include_excluded=args.include_excluded)
    except ConversionError as exc:
        print(f"mohler_to_jsonl: error: {exc}", file=sys.stderr)
        return 1
    text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    args.out.write_text(text, encoding="utf-8")
    questions = len({record["question_id"] for record in records})
    print(f"wrote {len(records)} answers to {questions} questions to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
