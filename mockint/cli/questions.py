"""``mockint questions``: list and show the interview questions (rubrics)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from mockint.cli._common import DocumentFormat, RubricsOption, TableFormat, user_errors

app = typer.Typer(help="List and show the interview questions.", no_args_is_help=True)


@app.command("list")
@user_errors
def list_questions(
    rubrics: RubricsOption = None,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="table or json.")] = TableFormat.table,
) -> None:
    """List the questions that have rubrics."""
    from mockint.render import questions_json, questions_table
    from mockint.rubrics import load_rubrics

    rubric_set = load_rubrics(rubrics)
    items = list(rubric_set.values())
    if fmt is TableFormat.json:
        typer.echo(json.dumps(questions_json(items), ensure_ascii=False, indent=2))
    else:
        from rich.console import Console

        questions_table(items, Console())


@app.command("show")
@user_errors
def show_question(
    question_id: Annotated[str, typer.Argument(metavar="ID", help="Question id (see `mockint questions list`).")],
    rubrics: RubricsOption = None,
    fmt: Annotated[
        DocumentFormat, typer.Option("--format", "-f", help="md or json (the whole rubric).")
    ] = DocumentFormat.md,
) -> None:
    """Show one question: model answer, key points, typical mistakes, tips."""
    from mockint.render import rubric_markdown
    from mockint.rubrics import load_rubrics

    rubric = load_rubrics(rubrics).get_rubric(question_id)
    if fmt is DocumentFormat.json:
        typer.echo(json.dumps(rubric.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        typer.echo(rubric_markdown(rubric), nl=False)
