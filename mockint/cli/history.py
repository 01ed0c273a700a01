"""``mockint history`` (being written for issue 3)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Past interview sessions.", invoke_without_command=True)


@app.callback()
def history() -> None:
    """List past interview sessions."""
    typer.echo("mockint history is not available yet", err=True)
    raise typer.Exit(2)
