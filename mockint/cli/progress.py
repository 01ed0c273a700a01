"""``mockint progress``: spaced repetition per question and key point, and the speaking trend."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from mockint.cli._common import RubricsOption, TableFormat, user_errors

if TYPE_CHECKING:
    from rich.console import Console

    from mockint.practice import ProgressReport


@user_errors
def progress(
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="table or json.")] = TableFormat.table,
    rubrics: RubricsOption = None,
) -> None:
    """Show progress per question (attempts, last and best score, a chart) and per key point (mastery, due).

    Key points are scheduled with SM-2 spaced repetition; the JSON's "next" lists the question ids in the order
    `mockint interview` would ask them.
    """
    from mockint.config import load_settings
    from mockint.practice import HistoryStore, build_progress, history_path
    from mockint.rubrics import load_rubrics

    settings = load_settings()
    rubric_set = load_rubrics(rubrics)
    path = history_path(settings.home)
    if path.exists():
        with HistoryStore(path) as store:
            reviews, attempts = store.reviews(), store.attempts()
    else:
        reviews, attempts = [], []
    report = build_progress(rubric_set.values(), reviews, attempts, datetime.now(UTC))
    if fmt is TableFormat.json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    _progress_tables(report, Console())


def _when(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "new"
    days = (due.astimezone().date() - now.astimezone().date()).days
    if due <= now:
        return "now" if days == 0 else f"overdue {-days} d"
    if days <= 0:
        return "later today"
    if days == 1:
        return "tomorrow"
    return f"in {days} d"


# "*": the key point only came after the follow-up prompt.
_OUTCOME_LABELS = {
    "met": "met",
    "recovered": "met*",
    "partial": "partial",
    "recovered_partial": "partial*",
    "missed": "missed",
}
# Enough attempts to see a trend in one line.
_CHART_POINTS = 12


def _progress_tables(report: ProgressReport, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    from mockint.practice import sparkline
    from mockint.practice.progress import speech_trend_lines

    now = report.generated_at
    questions = Table(title="Questions", title_justify="left", show_edge=False)
    questions.add_column("question", no_wrap=True, overflow="ellipsis", max_width=20)
    questions.add_column("tries", justify="right", min_width=5)
    questions.add_column("last", justify="right")
    questions.add_column("best", justify="right")
    questions.add_column("score over time", no_wrap=True, min_width=15)
    questions.add_column("mastery", justify="right", min_width=7)
    questions.add_column("due", no_wrap=True, min_width=11)
    for q in report.questions:
        recent = [score for _, score in q.scores][-_CHART_POINTS:]
        chart = Text(sparkline(recent), style="cyan")
        if len(recent) > 1:
            chart.append(f" {recent[0]:.2f}→{recent[-1]:.2f}", style="dim")
        questions.add_row(
            q.id,
            str(q.attempts),
            f"{q.last_score:.2f}" if q.last_score is not None else "–",
            f"{q.best_score:.2f}" if q.best_score is not None else "–",
            chart,
            f"{q.mastery:.2f}" if q.mastery is not None else "–",
            _when(q.due, now),
        )
    console.print(questions)
    console.print()
    key_points = Table(
        title="Key points (SM-2 spaced repetition)",
        title_justify="left",
        caption="* only after the follow-up prompt",
        caption_justify="left",
        show_edge=False,
    )
    key_points.add_column("key point", no_wrap=True, overflow="ellipsis", max_width=36)
    key_points.add_column("mastery", no_wrap=True, min_width=10)
    key_points.add_column("last", no_wrap=True, min_width=8)
    key_points.add_column("due", no_wrap=True, min_width=11)
    previous = None
    for k in report.key_points:
        if k.question_id != previous:
            if previous is not None:
                key_points.add_section()
            key_points.add_row(Text(k.question_id, style="bold"), "", "", "")
            previous = k.question_id
        state = k.state
        if state.reviews:
            filled = round(state.mastery * 5)
            mastery = Text("█" * filled, style="green" if state.mastery >= 0.6 else "yellow")
            mastery.append("░" * (5 - filled), style="dim")
            mastery.append(f" {state.mastery:.2f}")
        else:
            mastery = Text("–")
        key_points.add_row(
            "  " + k.id,
            mastery,
            _OUTCOME_LABELS.get(state.last_outcome or "", "–"),
            _when(state.due, now) if state.reviews else "new",
        )
    console.print(key_points)
    console.print()
    console.print(Text("Next interview asks: ", style="bold").append(", ".join(report.next) or "–", style=""))
    for line in speech_trend_lines(report.speech):
        console.print(Text(line))
