"""The ``mockint`` command: thin typer commands over the library.

Each command parses its options, calls one library function and renders the result. Heavy imports (pydantic
models, YAML, the grader, openai) happen inside the commands, so ``mockint --help`` starts fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mockint import __version__
from mockint.cli import calibrate as _calibrate
from mockint.cli import eval as _eval
from mockint.cli import grade as _grade
from mockint.cli import history as _history
from mockint.cli import interview as _interview
from mockint.cli import progress as _progress
from mockint.cli import questions as _questions
from mockint.cli import review as _review
from mockint.cli import rubric as _rubric

app = typer.Typer(
    name="mockint",
    help="Mock technical interviews in the terminal, graded against rubrics by an LLM judge and "
    "deterministic checks.\n\nWithout OPENAI_API_KEY or OPENAI_BASE_URL, grading is deterministic (offline).",
    no_args_is_help=True,
    add_completion=False,
    # Our errors are printed as one line; a traceback of an unexpected bug must never show locals (API keys).
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mockint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Show the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Mock technical interviews in the terminal, graded against rubrics."""


app.command(name="interview")(_interview.interview)
app.command(name="grade")(_grade.grade)
app.add_typer(_questions.app, name="questions")
app.command(name="progress")(_progress.progress)
app.add_typer(_history.app, name="history")
app.add_typer(_rubric.app, name="rubric")
app.command(name="eval")(_eval.eval_command)
app.command(name="review")(_review.review_command)
app.command(name="calibrate")(_calibrate.calibrate_command)


def main() -> None:
    """Entry point of the ``mockint`` script."""
    app()
