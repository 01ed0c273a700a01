"""``mockint eval``: how well mockint's grades agree with human grades, and the report that says so.

Input ("labels", read by :mod:`mockint.authoring.labels`): JSONL or CSV, one graded answer per record, with
``question_id``, ``answer``, a human ``score`` on any scale and its ``score_max`` (a column, or
``--score-max``); the answer's id is ``id``, else ``answer_id``, else its line. Optional per-key-point labels: a
JSON object ``labels`` (key point id -> ``met`` / ``partial`` / ``missed``, ``true`` / ``false`` or 1 / 0.5 /
0), or CSV columns ``label:<key point id>``. Optional ``mistakes``: the rubric's typical mistake ids the answer
commits (a JSON list; in CSV, ids separated by ``;``, ``,`` or spaces, an empty cell meaning none). Optional
``kind``: free text naming the sort of answer (``salad``, ``excellent-paraphrase``...). Any other field is
ignored. The Mohler data (``question_id``, ``answer_id``, ``answer``, ``score``, ``score_max``) is read as it
is.

Each answer is graded with the rubric whose id is its ``question_id``: deterministically always, and by the
LLM judge too when one is given. The report has Pearson, Spearman, quadratic weighted kappa and RMSE of the
scores (mockint's 0..1 score times ``score_max`` against the human score), Cohen's kappa and balanced F1 per
key point where labels exist, Pearson and Spearman per question, precision/recall/F1 of the typical mistakes
where labelled, mean scores per kind, LLM-vs-deterministic agreement when both ran, and the largest disagreements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockint.authoring import metrics
from mockint.authoring.labels import LabelRecord
from mockint.errors import InputError, MockintError
from mockint.grading import grade_answer
from mockint.models import MistakeResult, Rubric, Verdict
from mockint.rubrics import RubricSet

if TYPE_CHECKING:
    from mockint.judge import Judge

__all__ = ["EvalReport", "evaluate", "key_point_statistics", "render_text"]

_TOP_DISAGREEMENTS = 10
_SCALE_STEPS = (1, 2, 4, 10)
_WORST_MISTAKES = 5
# Per kind: how many answers mockint scores above the line a wrong answer should stay under, and below the line a
# good one should clear (strictly, on 0..1).
_KIND_HIGH = 0.30
_KIND_LOW = 0.60


@dataclass
class Graded:
    """One record with mockint's grades."""

    record: LabelRecord
    deterministic: float
    llm: float | None
    verdicts: dict[str, Verdict]
    deterministic_verdicts: dict[str, Verdict]
    mistakes: list[MistakeResult] = field(default_factory=list)

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
        key_points: Per ``question_id/key point``: ``n``, ``kappa``, ``balanced_f1``, ``tpr``, ``tnr``, plus
            ``all`` pooled (see :func:`key_point_statistics`).
        llm_vs_deterministic: Score Pearson and verdict agreement/kappa, when the LLM ran.
        disagreements: The largest score disagreements.
        seconds: Time spent grading.
        questions: Per ``question_id``: ``n``, ``pearson``, ``spearman`` (on the human scale).
        mistakes: Typical mistakes against the human ``mistakes`` labels (see :func:`mistake_statistics`), or
            ``None`` when no record has them.
        kinds: Per ``kind`` (in order of first appearance): ``n``, ``human`` and ``mockint`` (mean scores on
            0..1), ``above_0_30`` and ``below_0_60`` (how many mockint scores are above 0.30, below 0.60).
    """

    graded: list[Graded]
    errors: list[str]
    grader: str
    scores: dict[str, float | None]
    key_points: dict[str, dict[str, float | None]]
    llm_vs_deterministic: dict[str, float | None] | None
    disagreements: list[dict[str, Any]]
    seconds: float = 0.0
    questions: dict[str, dict[str, float | None]] = field(default_factory=dict)
    mistakes: dict[str, Any] | None = None
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)

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
            "questions": self.questions,
            "mistakes": self.mistakes,
            "kinds": self.kinds,
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


def key_point_statistics(graded: Sequence[Graded]) -> dict[str, dict[str, float | None]]:
    """Agreement per key point with the human verdicts, where labels exist, and pooled over all (``all``).

    Returns:
        Per ``question_id/key point``, then ``all``: ``n`` (labels), Cohen's ``kappa`` and ``balanced_f1`` of the
        three verdicts, and the leniency rates: ``tpr``, the share of the human ``met``/``partial`` that
        mockint credits too (``met`` or ``partial``), and ``tnr``, the share of the human ``missed`` that mockint
        misses too (``None`` when the human gave no such verdict).
    """
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
    result: dict[str, dict[str, float | None]] = {}
    for key, (truth, predicted) in sorted(pairs.items(), key=lambda item: (item[0] == "all", item[0])):
        tpr, tnr = metrics.credit_rates(truth, predicted)
        result[key] = {
            "n": float(len(truth)),
            "kappa": metrics.cohen_kappa(truth, predicted),
            "balanced_f1": metrics.macro_f1(truth, predicted),
            "tpr": tpr,
            "tnr": tnr,
        }
    return result


def question_statistics(graded: Sequence[Graded]) -> dict[str, dict[str, float | None]]:
    """Pearson and Spearman per ``question_id`` (on the human scale), which the pooled figures can hide."""
    by_question: dict[str, tuple[list[float], list[float]]] = {}
    for item in graded:
        predicted, human = by_question.setdefault(item.record.question_id, ([], []))
        predicted.append(item.predicted * item.record.score_max)
        human.append(item.record.score)
    return {
        question_id: {
            "n": len(human),
            "pearson": metrics.pearson(predicted, human),
            "spearman": metrics.spearman(predicted, human),
        }
        for question_id, (predicted, human) in sorted(by_question.items())
    }


def _counts(truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float | None]:
    tp, fp, fn = metrics.binary_counts(truth, predicted)
    precision, recall, f1 = metrics.precision_recall_f1(tp, fp, fn)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def mistake_statistics(graded: Sequence[Graded], omissions: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """Precision, recall and F1 of mockint's typical mistakes against the human ``mistakes`` labels.

    Every (answer, rubric mistake) pair of the records that have ``mistakes`` counts once (micro-average).
    ``stated`` counts a mistake as predicted only when it was committed with evidence, i.e. said in the answer;
    omissions are cited without evidence, and human labels are about what the answer says. ``all_committed``
    counts every committed mistake. ``commission`` is ``stated`` over the mistakes that have no omission form:
    a human label of a mistake such as "ignore power and sample size planning" does not say whether the answer
    said it or only left the key point out, so only mistakes that must be said measure the finding of
    mistakes of commission cleanly.

    Args:
        graded: The graded records.
        omissions: ``question_id/mistake id`` of the mistakes with an omission form (``omission_of``).

    Returns:
        ``answers``, ``pairs``, ``stated``, ``all_committed`` and ``commission`` (each ``tp``, ``fp``, ``fn``,
        ``precision``, ``recall``, ``f1``), and ``per_mistake``: one row per ``question_id/mistake id`` with
        ``n`` (answers labelled), the ``stated`` counts and scores, and ``all_committed``; ``None`` when no
        record has labels.
    """
    labelled = [g for g in graded if g.record.mistakes is not None]
    if not labelled:
        return None
    pairs: dict[str, tuple[list[bool], list[bool], list[bool]]] = {}
    for item in labelled:
        for result in item.mistakes:
            truth, stated, committed = pairs.setdefault(f"{item.record.question_id}/{result.id}", ([], [], []))
            truth.append(result.id in (item.record.mistakes or ()))
            stated.append(result.committed and bool(result.evidence))
            committed.append(result.committed)
    rows: list[dict[str, Any]] = [
        {"id": key, "n": len(truth), **_counts(truth, stated), "all_committed": _counts(truth, committed)}
        for key, (truth, stated, committed) in sorted(pairs.items())
    ]
    # Micro-average: pool every pair, so a mistake counts as often as it was labelled.
    truth_all, stated_all, committed_all = ([flag for lists in pairs.values() for flag in lists[i]] for i in range(3))
    said = [
        (truth_flag, stated_flag)
        for key, (truth, stated, _) in pairs.items()
        if key not in omissions
        for truth_flag, stated_flag in zip(truth, stated, strict=True)
    ]
    return {
        "answers": len(labelled),
        "pairs": len(truth_all),
        "stated": _counts(truth_all, stated_all),
        "all_committed": _counts(truth_all, committed_all),
        "commission": _counts([truth for truth, _ in said], [stated for _, stated in said]),
        "per_mistake": rows,
    }


def kind_statistics(graded: Sequence[Graded]) -> dict[str, dict[str, float]]:
    """Mean human and mockint scores per ``kind`` of answer, and how many mockint scores stray.

    Returns:
        Per kind, in order of first appearance: ``n``, ``human`` and ``mockint`` (mean scores on 0..1), and how
        many mockint scores are above 0.30 (``above_0_30``: too high for a wrong answer) and below 0.60
        (``below_0_60``: too low for a good one).
    """
    by_kind: dict[str, list[Graded]] = {}
    for item in graded:
        if item.record.kind is not None:
            by_kind.setdefault(item.record.kind, []).append(item)
    return {
        kind: {
            "n": len(items),
            "human": sum(g.record.score / g.record.score_max for g in items) / len(items),
            "mockint": sum(g.predicted for g in items) / len(items),
            "above_0_30": sum(1 for g in items if g.predicted > _KIND_HIGH),
            "below_0_60": sum(1 for g in items if g.predicted < _KIND_LOW),
        }
        for kind, items in by_kind.items()
    }


def _check_mistake_ids(record: LabelRecord, rubric: Rubric) -> None:
    known = {mistake.id for mistake in rubric.mistakes}
    unknown = sorted((record.mistakes or frozenset()) - known)
    if unknown:
        names = ", ".join(repr(mistake_id) for mistake_id in unknown)
        allowed = ", ".join(mistake.id for mistake in rubric.mistakes) or "(none)"
        raise InputError(
            f"{record.where}: mistakes: unknown mistake id {names} for question {record.question_id!r}; "
            f"use one of: {allowed} (see `mockint questions show {record.question_id}`)"
        )


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

    Raises:
        InputError: A record's ``mistakes`` names an id its rubric does not have (checked before grading).
    """
    import time

    started = time.perf_counter()
    errors: list[str] = []
    todo: list[tuple[LabelRecord, Rubric]] = []
    for record in records:
        try:
            rubric = rubrics.get_rubric(record.question_id)
        except MockintError as exc:
            errors.append(f"{record.where}: question_id: {exc}")
            continue
        _check_mistake_ids(record, rubric)
        todo.append((record, rubric))

    def grade(item: tuple[LabelRecord, Rubric]) -> Graded:
        record, rubric = item
        deterministic = grade_answer(record.answer, rubric, answer_id=record.id)
        det_verdicts = {c.id: c.verdict for c in deterministic.criteria}
        llm_score: float | None = None
        verdicts = det_verdicts
        mistakes = deterministic.mistakes
        if judge is not None:
            with_llm = grade_answer(record.answer, rubric, judge, answer_id=record.id)
            if with_llm.grader != "deterministic":
                llm_score = with_llm.score or 0.0
                verdicts = {c.id: c.verdict for c in with_llm.criteria}
                mistakes = with_llm.mistakes
        return Graded(record, deterministic.score or 0.0, llm_score, verdicts, det_verdicts, mistakes)

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
        key_points=key_point_statistics(graded),
        llm_vs_deterministic=_llm_agreement(graded),
        disagreements=disagreements,
        seconds=seconds,
        questions=question_statistics(graded),
        mistakes=mistake_statistics(
            graded,
            frozenset(
                f"{record.question_id}/{mistake.id}"
                for record, rubric in todo
                for mistake in rubric.mistakes
                if mistake.omission_of
            ),
        ),
        kinds=kind_statistics(graded),
    )


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _counts_text(values: dict[str, Any]) -> str:
    return (
        f"tp {values['tp']:<4d} fp {values['fp']:<4d} fn {values['fn']:<4d} precision {_fmt(values['precision'])}  "
        f"recall {_fmt(values['recall'])}  F1 {_fmt(values['f1'])}"
    )


def _mistake_lines(stats: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"typical mistakes vs human labels ({stats['answers']} answers, {stats['pairs']} answer-mistake pairs)",
        f"  stated (committed with evidence)  {_counts_text(stats['stated'])}",
        f"  every committed mistake           {_counts_text(stats['all_committed'])}",
        f"  commission (no omission form)     {_counts_text(stats['commission'])}",
    ]
    scored = [row for row in stats["per_mistake"] if row["f1"] is not None]
    worst = sorted(scored, key=lambda row: (row["f1"], -(row["fp"] + row["fn"]), row["id"]))[:_WORST_MISTAKES]
    if worst:
        width = max(len(row["id"]) for row in worst)
        lines.append(f"  worst {len(worst)} by F1 (stated)")
        for row in worst:
            lines.append(
                f"    {row['id']:{width}s}  n={row['n']:<4d} tp {row['tp']:<3d} fp {row['fp']:<3d} fn {row['fn']:<3d} "
                f"F1 {_fmt(row['f1'])}"
            )
    return lines


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
    if report.questions:
        width = max(len(key) for key in report.questions)
        lines += ["", "per question (pearson r, spearman rho)"]
        for key, values in report.questions.items():
            lines.append(
                f"  {key:{width}s}  n={int(values['n'] or 0):<5d} pearson {_fmt(values['pearson'])}  "
                f"spearman {_fmt(values['spearman'])}"
            )
    if report.key_points:
        lines += [
            "",
            "key points with human labels (cohen kappa, balanced F1; TPR: of the human met/partial, the share "
            "mockint credits; TNR: of the human missed, the share it misses; lenient: low TNR)",
        ]
        for key, values in report.key_points.items():
            lines.append(
                f"  {key:40s} n={int(values['n'] or 0):<5d} kappa {_fmt(values['kappa'])}  "
                f"F1 {_fmt(values['balanced_f1'])}  TPR {_fmt(values.get('tpr'))}  TNR {_fmt(values.get('tnr'))}"
            )
    if report.mistakes is not None:
        lines += _mistake_lines(report.mistakes)
    if report.kinds:
        width = max(len(key) for key in report.kinds)
        lines += ["", f"kinds (mean score on 0..1; how many mockint scores are > {_KIND_HIGH:.2f}, < {_KIND_LOW:.2f})"]
        for key, kind in report.kinds.items():
            lines.append(
                f"  {key:{width}s}  n={int(kind['n']):<4d} human {kind['human']:.2f}  mockint {kind['mockint']:.2f}  "
                f">{_KIND_HIGH:.2f}: {int(kind['above_0_30']):<4d} <{_KIND_LOW:.2f}: {int(kind['below_0_60'])}"
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
