"""``mockint eval``: how well mockint's grades agree with human grades.

Input ("labels"): JSONL or CSV, one graded answer per record, with ``question_id``, ``answer``, a human
``score`` on any scale and its ``score_max`` (a column, or ``--score-max``); the answer's id is ``id``, else
``answer_id``, else its line. Optional per-key-point labels: a JSON object ``labels`` (key point id -> ``met`` /
``partial`` / ``missed``, ``true`` / ``false`` or 1 / 0.5 / 0), or CSV columns ``label:<key point id>``. The
Mohler data (``question_id``, ``answer_id``, ``answer``, ``score``, ``score_max``) is read as it is.

Each answer is graded with the rubric whose id is its ``question_id``: deterministically always, and by the
LLM judge too when one is given. The report has Pearson, Spearman, quadratic weighted kappa and RMSE of the
scores (mockint's 0..1 score times ``score_max`` against the human score), Cohen's kappa and balanced F1 per
key point where labels exist, LLM-vs-deterministic agreement when both ran, and the largest disagreements.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockint import metrics
from mockint.errors import InputError, MockintError
from mockint.files import read_text
from mockint.grading import grade_answer
from mockint.models import Verdict, normalise_id
from mockint.rubrics import RubricSet

if TYPE_CHECKING:
    from mockint.judge import Judge

__all__ = ["EvalReport", "LabelRecord", "evaluate", "read_labels", "render_text"]

_TOP_DISAGREEMENTS = 10
_SCALE_STEPS = (1, 2, 4, 10)


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
    """

    id: str
    question_id: str
    answer: str
    score: float
    score_max: float
    labels: dict[str, Verdict] = field(default_factory=dict)
    where: str = ""


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
    return LabelRecord(answer_id, question_id, answer, score, score_max, labels, where)


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
            reader = csv.DictReader(io.StringIO(text, newline=""))
            try:
                for row in reader:
                    if any((value or "").strip() for value in row.values() if isinstance(value, str)):
                        records.append(_record(dict(row), f"{path}:{reader.line_num}", score_max))
            except csv.Error as exc:
                raise InputError(f"{path}:{reader.line_num}: malformed CSV ({exc}); fix the quoting") from None
        else:
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
                if not isinstance(data, dict):
                    raise InputError(f"{where}: expected a JSON object with question_id, answer and score")
                records.append(_record(data, where, score_max))
    if not records:
        raise InputError("no graded answers found; each record needs question_id, answer and score")
    return records


@dataclass
class Graded:
    """One record with mockint's grades."""

    record: LabelRecord
    deterministic: float
    llm: float | None
    verdicts: dict[str, Verdict]
    deterministic_verdicts: dict[str, Verdict]

    @property
    def predicted(self) -> float:
        """mockint's score (0..1): the LLM-backed grade when there is one."""
        return self.llm if self.llm is not None else self.deterministic


@dataclass
class EvalReport:
    """Agreement of mockint's grades with human grades.

    Attributes:
        graded: The graded records.
        errors: Records that could not be graded (unknown question id), one line each.
        grader: ``deterministic`` or ``llm``.
        scores: Score statistics (``n``, ``pearson``, ``spearman``, ``qwk``, ``rmse``, ``rmse_rescaled``).
        key_points: Per ``question_id/key point``: ``n``, ``kappa``, ``balanced_f1``, plus ``all`` pooled.
        llm_vs_deterministic: Score Pearson and verdict agreement/kappa, when the LLM ran.
        disagreements: The largest score disagreements.
        seconds: Time spent grading.
    """

    graded: list[Graded]
    errors: list[str]
    grader: str
    scores: dict[str, float | None]
    key_points: dict[str, dict[str, float | None]]
    llm_vs_deterministic: dict[str, float | None] | None
    disagreements: list[dict[str, Any]]
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The report as JSON data for tools."""
        return {
            "grader": self.grader,
            "answers": len(self.graded),
            "errors": self.errors,
            "scores": self.scores,
            "key_points": self.key_points,
            "llm_vs_deterministic": self.llm_vs_deterministic,
            "disagreements": self.disagreements,
            "seconds": round(self.seconds, 3),
        }


def _scale_step(records: Sequence[LabelRecord]) -> int:
    """Smallest k (1, 2, 4, 10) that makes every human score an integer on ``score * k``."""
    for step in _SCALE_STEPS:
        if all(abs(r.score * step - round(r.score * step)) < 1e-9 for r in records):
            return step
    return _SCALE_STEPS[-1]


def score_statistics(graded: Sequence[Graded]) -> dict[str, float | None]:
    """Pearson, Spearman, QWK and RMSE of mockint's scores against the human ones.

    Scores are compared on the human scale (mockint's 0..1 score times ``score_max``). For QWK both are
    rounded to the human scale's grid (0.5 steps when humans used halves). ``rmse_rescaled`` is the RMSE after
    the best linear map of mockint's score onto the human scale (what a calibrated grader would reach).
    """
    human = [g.record.score for g in graded]
    predicted = [g.predicted * g.record.score_max for g in graded]
    step = _scale_step([g.record for g in graded])
    fit = metrics.linear_fit(predicted, human)
    rescaled = [fit[0] * p + fit[1] for p in predicted] if fit else predicted
    return {
        "n": float(len(graded)),
        "pearson": metrics.pearson(predicted, human),
        "spearman": metrics.spearman(predicted, human),
        "qwk": metrics.quadratic_weighted_kappa([round(h * step) for h in human], [round(p * step) for p in predicted]),
        "rmse": metrics.rmse(predicted, human),
        "rmse_rescaled": metrics.rmse(rescaled, human),
    }


def _key_point_statistics(graded: Sequence[Graded]) -> dict[str, dict[str, float | None]]:
    pairs: dict[str, tuple[list[str], list[str]]] = {}
    for item in graded:
        for criterion_id, human in item.record.labels.items():
            actual = item.verdicts.get(criterion_id)
            if actual is None:
                continue
            for key in (f"{item.record.question_id}/{criterion_id}", "all"):
                truth, predicted = pairs.setdefault(key, ([], []))
                truth.append(human)
                predicted.append(actual)
    return {
        key: {
            "n": float(len(truth)),
            "kappa": metrics.cohen_kappa(truth, predicted),
            "balanced_f1": metrics.macro_f1(truth, predicted),
        }
        for key, (truth, predicted) in sorted(pairs.items(), key=lambda item: (item[0] == "all", item[0]))
    }


def _llm_agreement(graded: Sequence[Graded]) -> dict[str, float | None] | None:
    both = [g for g in graded if g.llm is not None]
    if not both:
        return None
    llm_verdicts: list[str] = []
    det_verdicts: list[str] = []
    for item in both:
        for criterion_id, verdict in item.verdicts.items():
            llm_verdicts.append(verdict)
            det_verdicts.append(item.deterministic_verdicts[criterion_id])
    agree = sum(1 for a, b in zip(llm_verdicts, det_verdicts, strict=True) if a == b)
    return {
        "n": float(len(both)),
        "score_pearson": metrics.pearson([g.llm or 0.0 for g in both], [g.deterministic for g in both]),
        "verdict_agreement": agree / len(llm_verdicts) if llm_verdicts else None,
        "verdict_kappa": metrics.cohen_kappa(llm_verdicts, det_verdicts),
    }


def evaluate(
    records: Sequence[LabelRecord],
    rubrics: RubricSet,
    judge: Judge | None = None,
    *,
    concurrency: int = 4,
    progress: Callable[[int], None] | None = None,
) -> EvalReport:
    """Grade every record and compare with the human grades.

    Args:
        records: Human-graded answers.
        rubrics: Rubrics by id (each record's ``question_id`` must be one).
        judge: The LLM judge, or ``None`` for deterministic grading only.
        concurrency: Judge requests in flight at most.
        progress: Called with the number of records graded so far.

    Returns:
        The report.
    """
    import time

    started = time.perf_counter()
    errors: list[str] = []
    todo = []
    for record in records:
        try:
            todo.append((record, rubrics.get_rubric(record.question_id)))
        except MockintError as exc:
            errors.append(f"{record.where}: question_id: {exc}")

    def grade(item: tuple[LabelRecord, Any]) -> Graded:
        record, rubric = item
        deterministic = grade_answer(record.answer, rubric, answer_id=record.id)
        det_verdicts = {c.id: c.verdict for c in deterministic.criteria}
        llm_score: float | None = None
        verdicts = det_verdicts
        if judge is not None:
            with_llm = grade_answer(record.answer, rubric, judge, answer_id=record.id)
            if with_llm.grader != "deterministic":
                llm_score = with_llm.score or 0.0
                verdicts = {c.id: c.verdict for c in with_llm.criteria}
        return Graded(record, deterministic.score or 0.0, llm_score, verdicts, det_verdicts)

    graded: list[Graded] = []
    if judge is None or concurrency <= 1:
        for item in todo:
            graded.append(grade(item))
            if progress is not None:
                progress(len(graded))
    else:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="mockint-eval") as pool:
            for result in pool.map(grade, todo):
                graded.append(result)
                if progress is not None:
                    progress(len(graded))
    seconds = time.perf_counter() - started
    ranked = sorted(graded, key=lambda g: -abs(g.predicted - g.record.score / g.record.score_max))
    disagreements = [
        {
            "id": g.record.id,
            "question_id": g.record.question_id,
            "human": g.record.score,
            "mockint": round(g.predicted * g.record.score_max, 2),
            "score_max": g.record.score_max,
            "answer": " ".join(g.record.answer.split())[:160],
        }
        for g in ranked[:_TOP_DISAGREEMENTS]
    ]
    any_llm = any(g.llm is not None for g in graded)
    return EvalReport(
        graded=graded,
        errors=errors,
        grader="llm" if any_llm else "deterministic",
        scores=score_statistics(graded) if graded else {},
        key_points=_key_point_statistics(graded),
        llm_vs_deterministic=_llm_agreement(graded),
        disagreements=disagreements,
        seconds=seconds,
    )


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render_text(report: EvalReport) -> str:
    """The report as plain text for a terminal."""
    scores = report.scores
    lines = [
        f"answers graded: {len(report.graded)} ({report.grader} grades) in {report.seconds:.2f} s"
        + (f"; {len(report.errors)} could not be graded" if report.errors else ""),
        "",
        "scores (mockint score x score_max vs human score)",
        f"  pearson r        {_fmt(scores.get('pearson'))}",
        f"  spearman rho     {_fmt(scores.get('spearman'))}",
        f"  quadratic kappa  {_fmt(scores.get('qwk'))}",
        f"  rmse             {_fmt(scores.get('rmse'))}",
        f"  rmse (rescaled)  {_fmt(scores.get('rmse_rescaled'))}",
    ]
    if report.key_points:
        lines += ["", "key points with human labels (cohen kappa, balanced F1)"]
        for key, values in report.key_points.items():
            lines.append(
                f"  {key:40s} n={int(values['n'] or 0):<5d} kappa {_fmt(values['kappa'])}  "
                f"F1 {_fmt(values['balanced_f1'])}"
            )
    agreement = report.llm_vs_deterministic
    if agreement is not None:
        lines += [
            "",
            "LLM vs deterministic",
            f"  score pearson r      {_fmt(agreement['score_pearson'])}",
            f"  verdict agreement    {_fmt(agreement['verdict_agreement'])}",
            f"  verdict kappa        {_fmt(agreement['verdict_kappa'])}",
        ]
    if report.disagreements:
        lines += ["", f"largest disagreements (top {len(report.disagreements)})"]
        for item in report.disagreements:
            lines.append(
                f"  {item['id']} [{item['question_id']}] human {item['human']:g} mockint {item['mockint']:g}"
                f" /{item['score_max']:g}: {item['answer']}"
            )
    return "\n".join(lines) + "\n"
