"""Calibration: a monotone map from mockint's 0..1 score to a teacher's own scale, fitted on the teacher's labels.

The map is an isotonic regression (pool-adjacent-violators) of the teacher's share of the marks (``score /
score_max``) on mockint's score: the only assumption is that a higher mockint score never means a lower grade.
Between the fitted points it is linear, outside them flat (the lowest and highest fitted values), like
scikit-learn's ``IsotonicRegression(out_of_bounds="clip")``.

One map is fitted on all labels (``pooled``). A question with at least :data:`MIN_QUESTION_LABELS` labels gets
its own map, shrunk toward the pooled one: ``(n * own + PRIOR_WEIGHT * pooled) / (n + PRIOR_WEIGHT)``. With a
handful of labels an isotonic fit is a staircase through those few points; the shrinkage lets a question's own
labels move its map as far as their number warrants, and the blend of two monotone maps is monotone.

Where labels give a verdict per key point, the fit also records per key point how often mockint's verdict
agrees with the teacher's (true-positive rate on the teacher's ``met``, true-negative rate on ``missed``: the
judge's leniency) and the teacher's mean credit for each of mockint's verdicts (a leniency correction that
tools can apply to a verdict). The calibrated score does not use them; it is the score map alone.

A calibration file records what it was fitted on: the sha256 of each rubric (as the grade cache hashes them),
the grader, the judge model and prompt version, and the deterministic layers. :func:`check_calibration` refuses
it, in one line, for a rubric that changed or for grades made another way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mockint.errors import InputError
from mockint.models import VERDICT_CREDIT, Grade, Rubric, Verdict

__all__ = [
    "MIN_QUESTION_LABELS",
    "PRIOR_WEIGHT",
    "Calibration",
    "Calibrator",
    "IsotonicMap",
    "Scored",
    "apply_calibration",
    "with_calibrated_score",
    "check_calibration",
    "fit_calibration",
    "isotonic_fit",
    "load_calibration",
    "write_calibration",
]

MIN_QUESTION_LABELS = 8
"""Labels a question needs for a map of its own (fewer: the pooled map)."""
PRIOR_WEIGHT = 8.0
"""How many labels the pooled map counts for in a question's own map."""
# Pseudo-counts of a key point's credit table: a verdict seen once does not get the teacher's one credit as is.
_CREDIT_PRIOR = 2.0
FORMAT = "mockint-calibration"
VERSION = 1


@dataclass(frozen=True)
class IsotonicMap:
    """A non-decreasing piecewise-linear map given by its knots.

    Attributes:
        xs: Knot positions, non-decreasing (a repeated position holds the two ends of a flat block).
        ys: Values at the knots, non-decreasing.
    """

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def __call__(self, x: float) -> float:
        """The map at ``x``: linear between knots, the end values outside them."""
        xs, ys = self.xs, self.ys
        if x <= xs[0]:
            return ys[0]
        if x >= xs[-1]:
            return ys[-1]
        low, high = 0, len(xs) - 1
        while high - low > 1:  # the last knot at or before x
            middle = (low + high) // 2
            if xs[middle] <= x:
                low = middle
            else:
                high = middle
        span = xs[high] - xs[low]
        if span <= 0:
            return ys[high]
        return ys[low] + (ys[high] - ys[low]) * (x - xs[low]) / span

    def knots(self) -> list[list[float]]:
        """The knots as ``[[x, y], ...]`` (rounded to 6 decimals), for the calibration file."""
        return [[round(x, 6), round(y, 6)] for x, y in zip(self.xs, self.ys, strict=True)]

    @classmethod
    def from_knots(cls, knots: Sequence[Sequence[float]]) -> IsotonicMap:
        """The map of knots ``[[x, y], ...]`` as :meth:`knots` writes them."""
        return cls(tuple(float(k[0]) for k in knots), tuple(float(k[1]) for k in knots))


def isotonic_fit(xs: Sequence[float], ys: Sequence[float], weights: Sequence[float] | None = None) -> IsotonicMap:
    """Least-squares non-decreasing fit of ``ys`` on ``xs`` (pool-adjacent-violators).

    Points with the same ``x`` are pooled first (their weighted mean), so the fit is a function of ``x``.

    Args:
        xs: Positions.
        ys: Values.
        weights: Positive weight per point (1 each by default).

    Returns:
        The fitted map, knots at each pooled block's first and last position.

    Raises:
        ValueError: No points, or lengths that differ.
    """
    if not xs or len(xs) != len(ys) or (weights is not None and len(weights) != len(xs)):
        raise ValueError("isotonic_fit needs as many values (and weights) as positions, at least one")
    w = list(weights) if weights is not None else [1.0] * len(xs)
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    # blocks: [weighted sum of y, total weight, first x, last x]
    blocks: list[list[float]] = []
    for i in order:
        x, y, weight = float(xs[i]), float(ys[i]), float(w[i])
        if blocks and blocks[-1][3] == x:
            blocks[-1][0] += weight * y
            blocks[-1][1] += weight
        else:
            blocks.append([weight * y, weight, x, x])
        # Merge backwards while the block before has a higher mean: that is the violation PAV removes.
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            merged = blocks.pop()
            blocks[-1][0] += merged[0]
            blocks[-1][1] += merged[1]
            blocks[-1][3] = merged[3]
    knot_x: list[float] = []
    knot_y: list[float] = []
    for total, weight, first, last in blocks:
        mean = total / weight
        knot_x.append(first)
        knot_y.append(mean)
        if last != first:
            knot_x.append(last)
            knot_y.append(mean)
    return IsotonicMap(tuple(knot_x), tuple(knot_y))


def blend(own: IsotonicMap, own_weight: float, pooled: IsotonicMap, pooled_weight: float) -> IsotonicMap:
    """The weighted mean of two maps, as a map (knots at every knot of either; still non-decreasing)."""
    xs = sorted(set(own.xs) | set(pooled.xs))
    total = own_weight + pooled_weight
    ys = [(own_weight * own(x) + pooled_weight * pooled(x)) / total for x in xs]
    return IsotonicMap(tuple(xs), tuple(ys))


@dataclass
class Scored:
    """One labelled answer with mockint's grade: what a calibration is fitted on.

    Attributes:
        question_id: The rubric id.
        score: mockint's score, 0..1.
        human: The teacher's score, 0..``score_max``.
        score_max: The top of the teacher's scale.
        verdicts: mockint's verdict per key point id.
        labels: The teacher's verdict per key point id, where given.
    """

    question_id: str
    score: float
    human: float
    score_max: float
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    labels: dict[str, Verdict] = field(default_factory=dict)


class _Map(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=0)
    knots: list[tuple[float, float]] = Field(min_length=1)


class _QuestionMap(_Map):
    score_max: float = Field(gt=0)
    own: bool


class _KeyPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=0)
    tpr: float | None
    tnr: float | None
    credit: dict[str, float]


class Calibration(BaseModel):
    """A calibration file's content (``mockint calibrate --out``).

    Attributes:
        format: Always ``mockint-calibration``.
        version: The file format's version.
        fitted_at: When it was fitted (UTC, ISO 8601).
        grader: ``deterministic`` or ``llm``: how the labelled answers were graded.
        model: The judge model, ``None`` for deterministic grades.
        prompt_version: The judge prompt's version, ``None`` for deterministic grades.
        layers: The deterministic layers that ran (``lexical``, ``semantic:<model>``).
        rubrics: sha256 of each rubric fitted on, by question id.
        score_max: The teacher's scale for questions without one of their own (the most common in the labels).
        pooled: The map fitted on every label: ``n`` labels, ``knots`` ``[[mockint score, share], ...]``.
        questions: Per question: its labels ``n``, ``score_max``, whether it has a map of its own (``own``), and
            the knots of the map used for it.
        key_points: Per ``question_id/key point``: labels ``n``, ``tpr``, ``tnr`` and the teacher's mean
            ``credit`` (0..1) for each mockint verdict.
        fit: In-sample RMSE on the teacher's scale before (``score x score_max``) and after calibration.
    """

    model_config = ConfigDict(extra="forbid")

    format: str
    version: int
    fitted_at: str
    grader: str
    model: str | None
    prompt_version: str | None
    layers: list[str]
    rubrics: dict[str, str]
    score_max: float = Field(gt=0)
    min_question_labels: int
    prior_weight: float
    pooled: _Map
    questions: dict[str, _QuestionMap]
    key_points: dict[str, _KeyPoint] = Field(default_factory=dict)
    fit: dict[str, float | None] = Field(default_factory=dict)

    def covers(self, question_id: str | None) -> bool:
        """Whether the question had labels, so that :func:`apply_calibration` can calibrate its grades."""
        return question_id is not None and question_id in self.questions

    def score_map(self, question_id: str) -> tuple[IsotonicMap, float]:
        """The map and scale for a question (``KeyError`` when it was not fitted on)."""
        question = self.questions[question_id]
        return IsotonicMap.from_knots(question.knots), question.score_max


def _rmse(pairs: Sequence[tuple[float, float]]) -> float | None:
    if not pairs:
        return None
    return math.sqrt(sum((a - b) ** 2 for a, b in pairs) / len(pairs))


def _key_points(scored: Sequence[Scored]) -> dict[str, _KeyPoint]:
    tables: dict[str, list[tuple[Verdict, Verdict]]] = {}
    for item in scored:
        for criterion_id, human in item.labels.items():
            mine = item.verdicts.get(criterion_id)
            if mine is not None:
                tables.setdefault(f"{item.question_id}/{criterion_id}", []).append((human, mine))
    result: dict[str, _KeyPoint] = {}
    for key, pairs in sorted(tables.items()):
        met = [mine for human, mine in pairs if human == "met"]
        missed = [mine for human, mine in pairs if human == "missed"]
        credit: dict[str, float] = {}
        for verdict, nominal in VERDICT_CREDIT.items():
            given = [VERDICT_CREDIT[human] for human, mine in pairs if mine == verdict]
            credit[verdict] = round((sum(given) + _CREDIT_PRIOR * nominal) / (len(given) + _CREDIT_PRIOR), 4)
        result[key] = _KeyPoint(
            n=len(pairs),
            tpr=round(sum(1 for v in met if v == "met") / len(met), 4) if met else None,
            tnr=round(sum(1 for v in missed if v == "missed") / len(missed), 4) if missed else None,
            credit=credit,
        )
    return result


def fit_calibration(
    scored: Sequence[Scored],
    rubrics: Mapping[str, Rubric],
    *,
    grader: str,
    model: str | None = None,
    prompt_version: str | None = None,
    layers: Sequence[str] = ("lexical",),
    min_question_labels: int = MIN_QUESTION_LABELS,
    prior_weight: float = PRIOR_WEIGHT,
) -> Calibration:
    """Fit the score maps (pooled, and per question with enough labels) and the key point tables.

    Args:
        scored: The labelled answers with mockint's grades.
        rubrics: The rubrics, by id; each labelled question's is hashed into the calibration.
        grader: ``deterministic`` or ``llm``.
        model: The judge model, for LLM grades.
        prompt_version: The judge prompt's version, for LLM grades.
        layers: The deterministic layers that ran.
        min_question_labels: Labels a question needs for a map of its own.
        prior_weight: How many labels the pooled map counts for in a question's own map.

    Returns:
        The calibration.

    Raises:
        InputError: No labels, or a question graded on two scales.
    """
    from mockint.judge.cache import rubric_hash

    if not scored:
        raise InputError("no labelled answers to calibrate on; label some with `mockint review` first")
    by_question: dict[str, list[Scored]] = {}
    for item in scored:
        by_question.setdefault(item.question_id, []).append(item)
    scales: dict[str, float] = {}
    for question_id, items in by_question.items():
        found = sorted({item.score_max for item in items})
        if len(found) > 1:
            raise InputError(
                f"question {question_id!r}: labels on two scales ({', '.join(f'{s:g}' for s in found)}); "
                "give its answers one score_max"
            )
        scales[question_id] = found[0]
    pooled = isotonic_fit([s.score for s in scored], [s.human / s.score_max for s in scored])
    questions: dict[str, _QuestionMap] = {}
    before: list[tuple[float, float]] = []
    after: list[tuple[float, float]] = []
    for question_id, items in sorted(by_question.items()):
        own = len(items) >= min_question_labels
        score_map = pooled
        if own:
            fitted = isotonic_fit([s.score for s in items], [s.human / s.score_max for s in items])
            score_map = blend(fitted, float(len(items)), pooled, prior_weight) if prior_weight > 0 else fitted
        questions[question_id] = _QuestionMap(
            n=len(items), score_max=scales[question_id], own=own, knots=[(k[0], k[1]) for k in score_map.knots()]
        )
        for item in items:
            before.append((item.score * item.score_max, item.human))
            after.append((score_map(item.score) * item.score_max, item.human))
    scale_counts: dict[float, int] = {}
    for item in scored:
        scale_counts[item.score_max] = scale_counts.get(item.score_max, 0) + 1
    missing = sorted(q for q in by_question if q not in rubrics)
    if missing:
        raise InputError(f"question {missing[0]!r}: no rubric with this id; pass the rubrics the labels were made with")
    return Calibration(
        format=FORMAT,
        version=VERSION,
        fitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        grader=grader,
        model=model,
        prompt_version=prompt_version,
        layers=list(layers),
        rubrics={question_id: rubric_hash(rubrics[question_id]) for question_id in sorted(by_question)},
        score_max=max(scale_counts, key=lambda s: (scale_counts[s], s)),
        min_question_labels=min_question_labels,
        prior_weight=prior_weight,
        pooled=_Map(n=len(scored), knots=[(k[0], k[1]) for k in pooled.knots()]),
        questions=questions,
        key_points=_key_points(scored),
        fit={"rmse_before": _rmse(before), "rmse_after": _rmse(after)},
    )


def write_calibration(calibration: Calibration, path: Path) -> None:
    """Write the calibration as indented JSON (replacing the file in one step).

    Raises:
        InputError: The file cannot be written.
    """
    import os

    text = json.dumps(calibration.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror}); check the folder exists and is writable") from None


def load_calibration(path: Path) -> Calibration:
    """Read a calibration file.

    Raises:
        InputError: The file is missing, not JSON, or not a calibration (the message names the field).
    """
    from mockint.files import read_text

    text = read_text(path, "a calibration.json written by `mockint calibrate`")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); write it again with `mockint calibrate`"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path}: not a mockint calibration file; make one with `mockint calibrate`")
    if data.get("version") != VERSION:
        raise InputError(
            f"{path}: calibration format version {data.get('version')!r}, this mockint reads {VERSION}; "
            "fit it again with `mockint calibrate`"
        )
    try:
        return Calibration.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise InputError(f"{path}: {where}: {first['msg']}; fit it again with `mockint calibrate`") from None


def check_calibration(
    calibration: Calibration,
    rubrics: Mapping[str, Rubric],
    *,
    grader: str,
    model: str | None = None,
    prompt_version: str | None = None,
    layers: Sequence[str] | None = None,
    where: str = "calibration",
) -> None:
    """Refuse a calibration for rubrics, or grades, other than those it was fitted on.

    Args:
        calibration: The loaded calibration.
        rubrics: The rubrics about to be used, by id.
        grader: ``deterministic`` or ``llm``: how the grades will be made.
        model: The judge model, for LLM grades.
        prompt_version: The judge prompt's version, for LLM grades (``None``: not checked).
        layers: The deterministic layers that will run (``None``: not checked).
        where: The calibration file's name, for messages.

    Raises:
        InputError: A rubric differs from (or lacks) the one fitted on, or the grader, model, prompt version or
            layers differ; one line that says to calibrate again.
    """
    from mockint.judge.cache import rubric_hash

    again = "fit it again with `mockint calibrate` for these rubrics and grader"
    for question_id, digest in calibration.rubrics.items():
        rubric = rubrics.get(question_id)
        if rubric is None:
            continue  # not among the rubrics used now: nothing of it will be graded
        if rubric_hash(rubric) != digest:
            raise InputError(
                f"{where}: rubric {question_id!r} is not the one it was fitted on (sha256 {digest[:12]}..., now "
                f"{rubric_hash(rubric)[:12]}...); {again}"
            )
    made_with = "deterministic checks" if calibration.grader == "deterministic" else f"judge {calibration.model}"
    if grader != calibration.grader or (grader != "deterministic" and model != calibration.model):
        now = "deterministic checks" if grader == "deterministic" else f"judge {model}"
        raise InputError(f"{where}: fitted on grades by {made_with}, these are by {now}; {again}")
    if grader != "deterministic" and prompt_version is not None and prompt_version != calibration.prompt_version:
        raise InputError(
            f"{where}: fitted with judge prompt {calibration.prompt_version}, now {prompt_version}; {again}"
        )
    if layers is not None and list(layers) != calibration.layers:
        raise InputError(
            f"{where}: fitted with layers {'+'.join(calibration.layers)}, now {'+'.join(layers)} (the semantic "
            f"extra or MOCKINT_SEMANTIC changed); {again}"
        )


def apply_calibration(grade: Grade | Mapping[str, Any], calibration: Calibration) -> float | None:
    """The calibrated score of one grade: on the teacher's scale, 0..``score_max`` of its question.

    Args:
        grade: A :class:`~mockint.models.Grade` or its JSON object.
        calibration: The calibration (checked with :func:`check_calibration` for these rubrics).

    Returns:
        The calibrated score rounded to 4 decimals; ``None`` for a record without a score (an input error).

    Raises:
        InputError: The grade's question was not among the labelled ones.
    """
    if isinstance(grade, Grade):
        question_id, score = grade.question_id, grade.score
    else:
        question_id, score = grade.get("question_id"), grade.get("score")
    if score is None or isinstance(score, bool) or not isinstance(score, int | float):
        return None
    if not isinstance(question_id, str) or question_id not in calibration.questions:
        fitted = ", ".join(sorted(calibration.questions))
        raise InputError(
            f"question {question_id!r} has no labels in the calibration (fitted on: {fitted}); label some of its "
            "answers with `mockint review` and calibrate again"
        )
    score_map, score_max = calibration.score_map(question_id)
    return round(min(max(score_map(float(score)), 0.0), 1.0) * score_max, 4)


def with_calibrated_score(record: Mapping[str, Any], calibration: Calibration) -> dict[str, Any]:
    """A copy of a grade's JSON object with ``calibrated_score`` added (``None`` for an input error's record).

    Raises:
        InputError: The grade's question was not among the labelled ones (see :meth:`Calibration.covers`).
    """
    return {**record, "calibrated_score": apply_calibration(record, calibration)}


class Calibrator:
    """Adds ``calibrated_score`` to each grade of a run (``mockint grade --calibration``).

    A grade gets no calibrated score (``None``) when it is an input error, when its question had no labels (said
    once per question through ``notice``), or when it is a judge fallback under a calibration fitted on judge
    grades: a deterministic score is not on the scale the judge's map was fitted to (said once per run).

    Args:
        calibration: The calibration, already checked with :func:`check_calibration` for the run's rubrics.
        notice: Says a one-line notice.
        where: The calibration file's name, for messages.
    """

    def __init__(
        self, calibration: Calibration, *, notice: Callable[[str], None] | None = None, where: str = "calibration"
    ) -> None:
        self.calibration = calibration
        self._notice = notice
        self._where = where
        self._uncovered: set[str] = set()
        self._fallback_said = False

    @classmethod
    def from_file(
        cls,
        path: Path,
        rubrics: Mapping[str, Rubric],
        *,
        grader: str,
        model: str | None = None,
        prompt_version: str | None = None,
        layers: Sequence[str] | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> Calibrator:
        """Load a calibration file and refuse it for other rubrics or grades (see :func:`check_calibration`).

        Raises:
            InputError: The file is bad, or was fitted on other rubrics, another grader, model, prompt or layers.
        """
        calibration = load_calibration(path)
        check_calibration(
            calibration,
            rubrics,
            grader=grader,
            model=model,
            prompt_version=prompt_version,
            layers=layers,
            where=str(path),
        )
        return cls(calibration, notice=notice, where=str(path))

    def _say(self, message: str) -> None:
        if self._notice is not None:
            self._notice(message)

    def __call__(self, grade: Grade) -> Grade:
        """The grade with its calibrated score (the same grade when it gets none)."""
        if grade.error is not None or grade.score is None:
            return grade
        if self.calibration.grader != "deterministic" and grade.fallback is not None:
            if not self._fallback_said:
                self._fallback_said = True
                self._say(
                    f"{self._where}: answers graded deterministically after a judge failure (the first: "
                    f"{grade.id!r}) get no calibrated_score, the map is for judge grades; re-grade them with "
                    "--resume --retry-fallbacks"
                )
            return grade
        if not self.calibration.covers(grade.question_id):
            question = str(grade.question_id)
            if question not in self._uncovered:
                self._uncovered.add(question)
                self._say(
                    f"{self._where}: question {question!r} has no labels in the calibration, so its answers get no "
                    "calibrated_score; label some with `mockint review` and calibrate again"
                )
            return grade
        return grade.model_copy(update={"calibrated_score": apply_calibration(grade, self.calibration)})
