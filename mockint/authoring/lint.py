"""``mockint rubric lint``: find rubric problems a schema cannot see.

Rules (a finding names the file, the line of the item and the rule):

* ``invalid`` (error): the file does not load (YAML or schema error), reported as ``FILE:LINE: field: ...``.
* ``compound-key-point``: a key point makes several claims (several sentences, ``;``, ", and ..."), or is too
  long to be one claim (words it repeats from the question do not count).
* ``vague-key-point``: vague wording ("etc", "properly", "various", "understands") or too few content words.
* ``overlapping-key-points``: two key points say nearly the same thing or check for the same words (words
  both repeat from the question, "The main advantages of X include ...", do not count).
* ``no-checks``: a key point without deterministic checks, a mistake without detectors or ``omission_of``.
* ``check-never-matches``: a key point check that matches neither the model answer, the examples nor the key point's own
  wording and source quote (it probably never matches anything).
* ``detector-matches-model-answer``: a mistake detector that fires on the rubric's own model answer.
* ``generic-check``: key point checks that also match the model answers of several other questions (three,
  or every other question of a smaller set), reported once per rubric. Related questions share terms ("push"
  answers both "what are the stack operations" and "which stack operation matches enqueue"): one or two
  matches are not a problem.
* ``missing-examples``: no example answers, or none labelled strong / weak.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from mockint.errors import RubricError
from mockint.grading.matching import check_matches
from mockint.grading.words import content_words, word_key
from mockint.models import Check, Rubric
from mockint.rubrics import default_rubrics_dir, parse_rubric, read_rubric_text, rubric_files

__all__ = ["Finding", "LintReport", "lint_paths", "lint_rubrics"]

Level = Literal["error", "warning"]

_VAGUE_RE = re.compile(
    r"\b(?:etc|and so on|various|things|stuff|somehow|properly|appropriate|appropriately|relevant|"
    r"good understanding|understands|understanding of|knows|is aware|handles it|and more|и т\.?\s?д|и т\.?\s?п|"
    r"правильно|нормально|различные|всякие)\b",
    re.IGNORECASE,
)
_COMPOUND_RE = re.compile(r";|,\s+(?:and|but|while|whereas|so)\s|\.\s+[A-ZА-Я]")
_MAX_CONTENT_WORDS = 18
_OVERLAP = 0.6
_GENERIC_LIST_LIMIT = 3
# A check matching this many other questions' model answers (or all of them, when there are fewer) is generic.
_GENERIC_MIN_QUESTIONS = 3


@dataclass(frozen=True)
class Finding:
    """One lint finding.

    Attributes:
        file: The rubric file.
        line: 1-based line of the item (``None`` when unknown).
        level: ``error`` (the rubric is invalid) or ``warning``.
        rule: The rule's name, e.g. ``compound-key-point``.
        item: The item, e.g. ``criteria[2] (effect-size)``; empty for the whole file.
        message: What is wrong and how to fix it.
    """

    file: str
    line: int | None
    level: Level
    rule: str
    item: str
    message: str

    def render(self) -> str:
        """``FILE:LINE: level: item: message [rule]``."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        item = f"{self.item}: " if self.item else ""
        return f"{where}: {self.level}: {item}{self.message} [{self.rule}]"


@dataclass
class LintReport:
    """All findings of one lint run.

    Attributes:
        files: How many files were linted.
        findings: The findings, by file then line.
    """

    files: int
    findings: list[Finding]

    @property
    def errors(self) -> int:
        """Number of error findings."""
        return sum(1 for finding in self.findings if finding.level == "error")

    @property
    def warnings(self) -> int:
        """Number of warning findings."""
        return sum(1 for finding in self.findings if finding.level == "warning")

    def as_json(self) -> dict[str, Any]:
        """The report as JSON data for tools."""
        return {
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [asdict(finding) for finding in self.findings],
        }


def _lines(text: str) -> dict[tuple[str, int], int]:
    """Line of each ``criteria[i]``, ``mistakes[i]`` and ``examples[i]`` item of a rubric file."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    found: dict[tuple[str, int], int] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.SequenceNode):
                for index, node in enumerate(value.value):
                    found[(key.value, index)] = node.start_mark.line + 1
    return found


def _question_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _keys(text: str) -> set[str]:
    return {word_key(word) for word in content_words(text)}


def _check_words(checks_: Sequence[Check]) -> set[str]:
    return {word_key(word) for check in checks_ for c in check.concepts for p in c for word in content_words(p)}


def _check_signature(check: Check) -> tuple[Any, ...]:
    return (tuple(tuple(sorted(c)) for c in check.concepts), check.scope, tuple(check.exclude), check.negation)


class _ModelAnswerIndex:
    """Model answers of many rubrics with an inverted word index, so a check is only tried where it can match."""

    def __init__(self, rubrics: Iterable[Rubric]) -> None:
        self.answers: dict[str, str] = {}
        self.questions: dict[str, str] = {}
        self.by_key: dict[str, set[str]] = {}
        for rubric in rubrics:
            self.answers[rubric.id] = rubric.model_answer
            self.questions[rubric.id] = _question_key(rubric.question)
            for key in _keys(rubric.model_answer):
                self.by_key.setdefault(key, set()).add(rubric.id)

    def questions_besides(self, rubric_id: str) -> int:
        """How many other questions there are (another rubric of the same question does not count)."""
        own = self.questions.get(rubric_id)
        return len({question for other, question in self.questions.items() if other != rubric_id and question != own})

    def matching(self, check: Check, exclude_id: str) -> list[str]:
        # Another rubric of the same question (a re-import, a translation) is not "another question".
        own_question = self.questions.get(exclude_id)
        candidates: set[str] | None = None
        for alternatives in check.concepts:
            docs: set[str] = set()
            for phrase in alternatives:
                words = content_words(phrase) or [phrase]
                # A phrase can only match where all its words are; any one word's documents bound them.
                docs |= self.by_key.get(word_key(words[0]), set())
            candidates = docs if candidates is None else candidates & docs
            if not candidates:
                return []
        hits = [
            rubric_id
            for rubric_id in sorted(candidates or ())
            if rubric_id != exclude_id
            and self.questions[rubric_id] != own_question
            and check_matches(check, self.answers[rubric_id]) is not None
        ]
        return hits


def _rubric_findings(
    rubric: Rubric, file: str, lines: dict[tuple[str, int], int], others: _ModelAnswerIndex
) -> list[Finding]:
    findings: list[Finding] = []

    def add(section: str, index: int | None, item_id: str, rule: str, message: str) -> None:
        line = lines.get((section, index)) if index is not None else None
        item = f"{section}[{index}] ({item_id})" if index is not None else ""
        findings.append(Finding(file, line, "warning", rule, item, message))

    signatures: list[tuple[frozenset[tuple[Any, ...]], set[str]]] = []
    asked = _keys(rubric.question)
    generic: list[tuple[int, str, list[str]]] = []  # (criterion index, id, other questions matched)
    for index, criterion in enumerate(rubric.criteria):
        text = criterion.text
        content = [word for word in content_words(text) if word_key(word) not in asked]
        if _COMPOUND_RE.search(text.strip().rstrip(".")) or len(content) > _MAX_CONTENT_WORDS:
            add(
                "criteria",
                index,
                criterion.id,
                "compound-key-point",
                "key point makes several claims; split it into one key point per claim",
            )
        vague = _VAGUE_RE.search(text)
        if vague or len(content_words(text)) < 2:
            why = f"vague wording {vague.group(0)!r}" if vague else "too few words to be checkable"
            add("criteria", index, criterion.id, "vague-key-point", f"{why}; state exactly what the answer must say")
        if not criterion.checks:
            add(
                "criteria",
                index,
                criterion.id,
                "no-checks",
                "key point has no deterministic checks; offline grading can never credit it — add checks",
            )
        # The rubric's own example answers count too: a check written for a candidate's wording is live when an
        # example uses that wording.
        own = [rubric.model_answer, text, criterion.source_quote or "", *(e.answer for e in rubric.examples)]
        for check_index, check in enumerate(criterion.checks):
            if not any(check_matches(check, sample) for sample in own if sample):
                add(
                    "criteria",
                    index,
                    criterion.id,
                    "check-never-matches",
                    f"checks[{check_index}] matches neither the model answer nor the key point's own wording; add "
                    "the phrasings they use",
                )
            elsewhere = others.matching(check, rubric.id)
            if len(elsewhere) >= min(_GENERIC_MIN_QUESTIONS, others.questions_besides(rubric.id)) and elsewhere:
                generic.append((index, criterion.id, elsewhere))
                break
        signatures.append((frozenset(_check_signature(c) for c in criterion.checks), _keys(text) - asked))
    if generic:
        index, first_id, _ = generic[0]
        matched = sorted({other for _, _, found in generic for other in found})
        shown = ", ".join(matched[:_GENERIC_LIST_LIMIT])
        more = f" and {len(matched) - _GENERIC_LIST_LIMIT} more" if len(matched) > _GENERIC_LIST_LIMIT else ""
        names = ", ".join(repr(item_id) for _, item_id, _ in generic)
        add(
            "criteria",
            index,
            first_id,
            "generic-check",
            f"the checks of {names} also match the model answers of {shown}{more}; make their concepts specific "
            "to this question",
        )
    for first in range(len(rubric.criteria)):
        for second in range(first + 1, len(rubric.criteria)):
            checks_a, words_a = signatures[first]
            checks_b, words_b = signatures[second]
            union = words_a | words_b
            same_checks = bool(checks_a) and checks_a == checks_b
            # Items of one list ("... include enqueue", "... include dequeue") share their wording but check
            # for different things.
            apart = bool(checks_a and checks_b) and not (
                _check_words(rubric.criteria[first].checks) & _check_words(rubric.criteria[second].checks)
            )
            if same_checks or (not apart and union and len(words_a & words_b) / len(union) >= _OVERLAP):
                add(
                    "criteria",
                    second,
                    rubric.criteria[second].id,
                    "overlapping-key-points",
                    f"overlaps key point {rubric.criteria[first].id!r}"
                    + (" (same checks)" if same_checks else " (nearly the same words)")
                    + "; merge them or make each say something different",
                )
    for index, mistake in enumerate(rubric.mistakes):
        if not mistake.detectors and not mistake.omission_of:
            add(
                "mistakes",
                index,
                mistake.id,
                "no-checks",
                "mistake has neither detectors nor omission_of; offline grading can never find it",
            )
        for check_index, check in enumerate(mistake.detectors):
            if check_matches(check, rubric.model_answer):
                add(
                    "mistakes",
                    index,
                    mistake.id,
                    "detector-matches-model-answer",
                    f"detectors[{check_index}] fires on the model answer; add exclude phrases or narrow its concepts",
                )
    labels = [example.label for example in rubric.examples]
    if not labels:
        add("", None, "", "missing-examples", "no example answers; add strong, partial and weak ones with expect")
    else:
        missing = [kind for kind in ("strong", "weak") if not any(label.startswith(kind) for label in labels)]
        if missing:
            add("", None, "", "missing-examples", f"no {' or '.join(missing)} example; add one with expect")
    return findings


def lint_rubrics(rubrics: Sequence[tuple[Rubric, str, str]], others: Iterable[Rubric] = ()) -> list[Finding]:
    """Lint loaded rubrics.

    Args:
        rubrics: ``(rubric, file name, file text)`` per rubric.
        others: Further rubrics whose model answers count for ``generic-check`` (e.g. the shipped ones).

    Returns:
        The warnings, in rubric order.
    """
    pool: dict[str, Rubric] = {rubric.id: rubric for rubric in others}
    pool.update({rubric.id: rubric for rubric, _, _ in rubrics})
    index = _ModelAnswerIndex(pool.values())
    findings: list[Finding] = []
    for rubric, file, text in rubrics:
        findings.extend(_rubric_findings(rubric, file, _lines(text), index))
    return findings


def lint_paths(paths: Sequence[str | Path] | None = None) -> LintReport:
    """Lint rubric files and folders (the shipped rubrics when none are given).

    Args:
        paths: Files or folders.

    Returns:
        The report; invalid files are ``invalid`` errors, never exceptions.

    Raises:
        RubricError: A path does not exist.
    """
    files = rubric_files(list(paths) if paths else [default_rubrics_dir()])
    findings: list[Finding] = []
    loaded: list[tuple[Rubric, str, str]] = []
    for file in files:
        try:
            text = read_rubric_text(file)
            rubric = parse_rubric(text, file)
        except RubricError as exc:
            message = str(exc)
            match = re.match(rf"^{re.escape(str(file))}(?::(\d+))?: (.*)$", message)
            line = int(match.group(1)) if match and match.group(1) else None
            findings.append(Finding(str(file), line, "error", "invalid", "", match.group(2) if match else message))
            continue
        loaded.append((rubric, str(file), text))
    shipped: list[Rubric] = []
    if paths:
        default = default_rubrics_dir()
        for file in rubric_files([default]) if default.is_dir() else []:
            try:
                shipped.append(parse_rubric(file.read_text(encoding="utf-8"), file))
            except (RubricError, OSError, UnicodeDecodeError):
                continue
    findings.extend(lint_rubrics(loaded, shipped))
    return LintReport(files=len(files), findings=findings)
