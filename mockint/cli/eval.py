"""``mockint eval``: agreement of mockint's grades with human grades."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockint.cli._common import ModelOption, NoLlmOption, RubricsOption, TextFormat, error, notice, user_errors

if TYPE_CHECKING:
    from mockint.judge import Judge


@user_errors
def eval_command(
    labels: Annotated[
        list[Path],
        typer.Argument(
            metavar="LABELS",
            help="Human-graded answers: JSONL or CSV with question_id, answer, score (and score_max, labels, "
            "mistakes, kind).",
        ),
    ],
    rubrics: RubricsOption = None,
    no_llm: NoLlmOption = False,
    model: ModelOption = None,
    score_max: Annotated[
        float | None, typer.Option("--score-max", min=0.0, help="Top of the human scale for records without one.")
    ] = None,
    fmt: Annotated[TextFormat, typer.Option("--format", "-f", help="text or json.")] = TextFormat.text,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, max=64, help="Judge requests in flight at most.")
    ] = 4,
) -> None:
    """Measure agreement of mockint's grades with human grades (the rubric author's calibration loop).

    Grades every answer with the rubric named by its question_id and prints Pearson, Spearman, quadratic
    weighted kappa and RMSE of the scores, Pearson and Spearman per question, Cohen's kappa and balanced F1
    per key point where labels exist, precision, recall and F1 of the typical mistakes where records list their
    mistakes, mean scores per kind where records have one, LLM-vs-deterministic agreement when both ran, and
    the ten largest disagreements.
    """
    from mockint.authoring.evaluation import evaluate, render_text
    from mockint.authoring.labels import read_labels
    from mockint.config import load_settings
    from mockint.rubrics import load_rubrics

    settings = load_settings(model=model, no_llm=no_llm)
    records = read_labels(labels, score_max)
    rubric_set = load_rubrics(rubrics)
    with contextlib.ExitStack() as resources:
        judge: Judge | None = None
        if settings.use_llm:
            from mockint.judge import judge_stack

            # The run's judge stack without the cache (an evaluation measures the judge): breaker, identical
            # answers asked once, the client closed at the end.
            judge = resources.enter_context(judge_stack(settings)).judge
        else:
            notice(f"{settings.llm_reason}; grading deterministically")
        report = evaluate(records, rubric_set, judge, concurrency=concurrency)
    for message in report.errors:
        error(message)
    if fmt is TextFormat.json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_text(report), nl=False)
    if report.errors or not report.graded:
        raise typer.Exit(1)
