"""``mockint calibrate``: fit a map from mockint's score to the teacher's scale on the teacher's labels."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockint.cli._common import ModelOption, NoLlmOption, RubricsOption, notice, user_errors

if TYPE_CHECKING:
    from mockint.judge import Judge
    from mockint.review.calibration import Calibration


_LENIENT_SHOWN = 10


def _summary(calibration: Calibration) -> str:
    own = sum(1 for q in calibration.questions.values() if q.own)
    fit = calibration.fit
    before, after = fit.get("rmse_before"), fit.get("rmse_after")
    lines = [
        f"calibrated on {calibration.pooled.n} labels of {len(calibration.questions)} question(s) "
        f"({calibration.grader} grades); {own} with a map of their own (>= {calibration.min_question_labels} "
        "labels), the rest pooled",
    ]
    if before is not None and after is not None:
        lines.append(f"RMSE on the labels (in sample): {before:.3f} before, {after:.3f} after")
    rated = [(key, kp) for key, kp in calibration.key_points.items() if kp.tnr is not None]
    if rated:
        # The most lenient first: a low true-negative rate is a key point credited when the teacher did not.
        rated.sort(key=lambda item: (item[1].tnr or 0.0, -item[1].n, item[0]))
        shown = rated[:_LENIENT_SHOWN]
        lines.append(
            f"most lenient key points ({len(shown)} of {len(rated)} with labels; true-positive rate on the "
            "teacher's met, true-negative rate on missed):"
        )
        width = max(len(key) for key, _ in shown)
        for key, kp in shown:
            tpr = "n/a" if kp.tpr is None else f"{kp.tpr:.2f}"
            lines.append(f"  {key:{width}s}  n={kp.n:<4d} TPR {tpr}  TNR {kp.tnr:.2f}")
    return "\n".join(lines)


@user_errors
def calibrate_command(
    labels: Annotated[
        list[Path],
        typer.Argument(metavar="LABELS", help="Teacher's labels: `mockint review` output or `mockint eval` input."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="Where to write calibration.json.")],
    rubrics: RubricsOption = None,
    grades: Annotated[
        Path | None,
        typer.Option("--grades", metavar="FILE", help="Reuse these grades (mockint grade JSONL) instead of grading."),
    ] = None,
    no_llm: NoLlmOption = False,
    model: ModelOption = None,
    score_max: Annotated[
        float | None, typer.Option("--score-max", min=0.0, help="Top of the teacher's scale for labels without one.")
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, max=64, help="Judge requests in flight at most.")
    ] = 4,
) -> None:
    """Fit a calibration: a monotone map from mockint's score to the teacher's scale.

    Grades each labelled answer like `mockint eval` does (deterministically with --no-llm or without a
    server, else with the judge), or takes its grade from --grades by id, and fits an isotonic regression of
    the teacher's score on mockint's: per question with 8 labels or more (shrunk toward the pooled map), pooled
    otherwise. Labels of answers whose review is not finished are left out. The file records the rubrics'
    hashes, the grader, model and prompt version; it is refused for other rubrics or grades.
    """
    from mockint.config import load_settings
    from mockint.review.calibration import write_calibration
    from mockint.review.fitting import calibrate
    from mockint.rubrics import load_rubrics

    rubric_set = load_rubrics(rubrics)
    settings = load_settings(model=model, no_llm=no_llm)
    with contextlib.ExitStack() as resources:
        judge: Judge | None = None
        prompt_version: str | None = None
        if grades is None and settings.use_llm:
            from mockint.judge import judge_stack

            stack = resources.enter_context(judge_stack(settings))
            judge, prompt_version = stack.judge, stack.openai_judge.prompt_version
        elif grades is None:
            notice(f"{settings.llm_reason}; grading deterministically")
        run = calibrate(
            labels,
            rubric_set,
            judge,
            grades=grades,
            model=settings.model if judge is not None else None,
            prompt_version=prompt_version,
            score_max=score_max,
            concurrency=concurrency,
        )
    if run.open_labels:
        notice(f"{run.open_labels} label(s) left out: their review is not finished (state open)")
    write_calibration(run.calibration, out)
    typer.echo(_summary(run.calibration))
    typer.echo(f"calibration written to {out}")
