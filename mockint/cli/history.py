"""``mockint history``: list past interview sessions, replay one, export a report to share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockint.cli._common import DocumentFormat, TableFormat, notice, user_errors

if TYPE_CHECKING:
    from mockint.practice import HistoryStore

app = typer.Typer(
    help="Past interview sessions: list them, replay one, export a report to share.",
    invoke_without_command=True,
)


SessionArgument = Annotated[str, typer.Argument(metavar="ID", help="Session id (see `mockint history`), or 'last'.")]


def _history_file() -> Path:
    from mockint.config import load_settings
    from mockint.practice import history_path

    return history_path(load_settings().home)


def _session_id(store: HistoryStore, text: str) -> int:
    from mockint.errors import HistoryError

    if text.strip().lower() == "last":
        last = store.last_session_id()
        if last is None:
            raise HistoryError(f"{store.path}: no sessions yet; run `mockint interview` first")
        return last
    try:
        return int(text)
    except ValueError:
        raise HistoryError(f"session id {text!r} is not a number; use an id from `mockint history` or 'last'") from None


def _open_existing() -> HistoryStore:
    from mockint.errors import HistoryError
    from mockint.practice import HistoryStore

    path = _history_file()
    if not path.exists():
        raise HistoryError(f"{path}: no history yet; run `mockint interview` first")
    return HistoryStore(path)


@app.callback()
@user_errors
def history(
    ctx: typer.Context,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="table or json.")] = TableFormat.table,
) -> None:
    """List past interview sessions, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from mockint.practice import HistoryStore, grading_short, summary_json

    path = _history_file()
    summaries = []
    if path.exists():
        with HistoryStore(path) as store:
            summaries = store.list_sessions()
    if fmt is TableFormat.json:
        typer.echo(json.dumps([summary_json(s) for s in summaries], ensure_ascii=False, indent=2))
        return
    if not summaries:
        notice(f"no sessions yet in {path}; run `mockint interview`")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False)
    for name in ("id", "started", "status", "answered", "mean score", "graded by"):
        table.add_column(name, justify="right" if name in ("id", "answered", "mean score") else "left")
    for s in summaries:
        status = "unfinished" if s.status == "running" else s.status
        grader = grading_short(s.grading) if s.grading is not None else s.grader
        table.add_row(
            str(s.id),
            s.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            status,
            f"{s.graded}/{s.questions}",
            f"{s.mean_score:.2f}" if s.mean_score is not None else "–",
            grader,
        )
    Console().print(table)


@app.command("show")
@user_errors
def show(
    session: SessionArgument,
    fmt: Annotated[DocumentFormat, typer.Option("--format", "-f", help="md or json.")] = DocumentFormat.md,
) -> None:
    """Replay one session: questions, answers, grades, follow-ups, timings."""
    from mockint.practice import session_json, session_markdown

    with _open_existing() as store:
        record = store.get_session(_session_id(store, session))
    if fmt is DocumentFormat.json:
        typer.echo(json.dumps(session_json(record), ensure_ascii=False, indent=2))
    else:
        typer.echo(session_markdown(record), nl=False)


@app.command("export")
@user_errors
def export(
    session: SessionArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="The Markdown file to write.")],
) -> None:
    """Write a Markdown report of one session, to share with a mentor."""
    from mockint.errors import InputError
    from mockint.practice import session_markdown

    with _open_existing() as store:
        record = store.get_session(_session_id(store, session))
    try:
        out.write_text(session_markdown(record), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror}); check the path and permissions") from None
    notice(f"wrote the report of session {record.id} to {out}")


@app.command("purge-audio")
@user_errors
def purge_audio(
    session: Annotated[
        str | None,
        typer.Option("--session", "-s", metavar="ID", help="Only this session's recordings (an id, or 'last')."),
    ] = None,
) -> None:
    """Delete the copies of recordings kept with spoken answers (all sessions, or one); transcripts stay."""
    with _open_existing() as store:
        session_id = _session_id(store, session) if session is not None else None
        removed = store.purge_recordings(session_id)
    where = f"session {session_id}" if session_id is not None else "the history"
    notice(f"removed {removed} recording{'s' if removed != 1 else ''} from {where}")
