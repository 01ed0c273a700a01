"""``mockint rubric``: tools for rubric authors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mockint.cli._common import error, user_errors

app = typer.Typer(help="Rubric authoring: the schema and the example tests.", no_args_is_help=True)


@app.command("schema")
@user_errors
def schema() -> None:
    """Print the JSON Schema of a rubric file (for editors and validators)."""
    from mockint.rubrics import rubric_schema

    typer.echo(json.dumps(rubric_schema(), indent=2, ensure_ascii=False))


@app.command("test")
@user_errors
def test(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Rubric files or folders. Default: the rubrics shipped with mockint."),
    ] = None,
) -> None:
    """Grade each rubric's example answers deterministically and compare with the expected verdicts.

    Exit code 1 on any mismatch, printing which example, key point or mistake differs.
    """
    from mockint.authoring import run_examples_file
    from mockint.rubrics import default_rubrics_dir, rubric_files

    files = rubric_files(paths or [default_rubrics_dir()])
    if not files:
        error("no rubric files (*.yaml) found; pass rubric files or folders")
        raise typer.Exit(1)
    failures = 0
    examples = 0
    for file in files:
        report = run_examples_file(file)
        examples += report.examples
        for line in report.mismatches:
            typer.echo(f"FAIL {line}")
        failures += len(report.failed_examples)
        status = "ok" if not report.failed_examples else f"{len(report.failed_examples)} failed"
        typer.echo(f"{file}: {report.examples} example(s) {status}")
    typer.echo(f"{examples - failures} passed, {failures} failed")
    if failures:
        raise typer.Exit(1)
