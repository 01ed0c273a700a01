"""``mockint review``: walk the grades that most need a person and keep the teacher's decisions as labels."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mockint.cli._common import EXIT_INTERRUPTED, RubricsOption, notice, sigterm_as_ctrl_c, user_errors


@user_errors
@sigterm_as_ctrl_c
def review_command(
    grades: Annotated[Path, typer.Argument(metavar="GRADES", help="The grades: JSONL written by `mockint grade`.")],
    answers: Annotated[
        list[Path],
        typer.Option("--answers", "-a", metavar="FILE", help="The answers file that was graded (repeatable)."),
    ],
    labels: Annotated[
        Path,
        typer.Option("--labels", "-l", metavar="FILE", help="Labels file (JSONL); each decision is saved at once."),
    ],
    rubrics: RubricsOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the corrected grades here (JSONL, source human)."),
    ] = None,
    score_max: Annotated[float, typer.Option("--score-max", min=0.01, help="Top of the teacher's scale.")] = 10.0,
    pass_mark: Annotated[
        float,
        typer.Option("--pass-mark", min=0.0, max=1.0, help="Pass mark on mockint's 0..1 score (near it: review)."),
    ] = 0.5,
) -> None:
    """Review grades, most doubtful first, and save the teacher's verdicts as labels.

    The queue puts first the answers where the judge and the deterministic checks disagree, judge quotes were
    not found in the answer, the judge failed (fallback), judges disagree (stability), or the score is near the
    pass mark. Each answer is shown with its question, the evidence of each key point marked «like this»[N],
    and the verdicts. Keys: a (or Enter) accept, f N flip key point N, m N mark a typical mistake, g X set the
    grade (0..--score-max), n note, s skip, q quit, ? help. At a terminal these are single keys; piped, the
    same commands one per line (`f 2 partial`, `g 7.5`, `n good intuition`).

    Every decision is saved to --labels at once (fsynced); Ctrl-C loses nothing and running the command again
    resumes where you stopped. --out writes every grade, with the verdicts you set marked source "human" and
    your grade as its score.
    """
    from mockint.review.run import review
    from mockint.review.session import Commands, LineCommands
    from mockint.rubrics import load_rubrics

    commands: Commands
    if sys.stdin.isatty() and sys.stdout.isatty():
        from mockint.review.terminal import TerminalKeys

        commands = TerminalKeys()
    else:
        commands = LineCommands(sys.stdin)
    run = review(
        grades,
        answers,
        load_rubrics(rubrics),
        labels,
        commands,
        sys.stdout,
        score_max=score_max,
        pass_mark=pass_mark,
        corrected=out,
    )
    result = run.result
    if run.torn:
        notice(f"{labels}: the last line, torn by an earlier kill, was cut off (that decision was not saved)")
    state = {
        "interrupted": "Review interrupted",
        "quit": "Review stopped",
        "ended": "Review ended with the input",
    }.get(result.status, "Review done")
    typer.echo(
        f"{state}: {result.reviewed} reviewed now, {result.already} before, {result.skipped} skipped; "
        f"{result.remaining} of {run.queued} still to review. Labels in {run.labels}"
        + (f"; corrected grades in {run.corrected}" if run.corrected else "")
        + "."
    )
    if result.status == "interrupted":
        raise typer.Exit(EXIT_INTERRUPTED)
