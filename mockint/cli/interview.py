"""``mockint interview`` and ``mockint progress`` (being written for issue 3)."""

from __future__ import annotations

import typer


def interview() -> None:
    """Run a mock interview in the terminal."""
    typer.echo("mockint interview is not available yet", err=True)
    raise typer.Exit(2)


def progress() -> None:
    """Show progress per question and key point."""
    typer.echo("mockint progress is not available yet", err=True)
    raise typer.Exit(2)
