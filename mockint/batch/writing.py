"""The output of a grading run: its writer, the progress display, and the lines that say what was done.

JSONL to a file goes through the durable writer (so that the run can be resumed); any other output through
the renderers of :mod:`mockint.render`. A ``--retry-fallbacks`` run routes its re-grades to the side file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from mockint.batch.fallbacks import RetrySession, describe_reasons
from mockint.batch.report import ReportBuilder
from mockint.batch.run import ResumeState, RunSummary
from mockint.errors import InputError

if TYPE_CHECKING:
    from mockint.batch.answers import Record
    from mockint.models import Grade
    from mockint.render import GradebookColumns, GradeWriter

Say = Callable[[str], None]


class ProgressBar(Protocol):
    """A progress display: made with the number of answers to grade (``None`` when unknown)."""

    def start(self) -> None:
        """Show it: called once grading has started (after any worker process was forked)."""

    def advance(self) -> None:
        """One more answer written."""

    def stop(self) -> None:
        """Take it down (only called after :meth:`start`)."""


class RunInterrupted(Exception):
    """A run stopped with nothing left to write (no report): :func:`grade_files` returns at once."""


def terminal_progress(total: int | None) -> ProgressBar:
    """A rich progress bar on standard error that disappears when the run ends."""
    from rich.console import Console
    from rich.progress import Progress

    progress = Progress(console=Console(stderr=True), transient=True)
    task = progress.add_task("grading", total=total)

    class Bar:
        def start(self) -> None:
            progress.start()

        def advance(self) -> None:
            progress.advance(task)

        def stop(self) -> None:
            progress.stop()

    return Bar()


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` with the noun in the right number: ``"no replies"``, ``"1 reply"``, ``"3 replies"``."""
    if count == 1:
        return f"1 {singular}"
    return f"{count if count else 'no'} {plural if plural is not None else singular + 's'}"


def report_errors(error: Say, messages: list[str], total: int, kept_in: str = "") -> None:
    """Say the first error lines of a run and count the rest, so that 100,000 bad lines do not flood stderr.

    Args:
        error: Says one error line.
        messages: The first messages (at most ``mockint.files.MAX_ERROR_MESSAGES``).
        total: How many errors there were in all.
        kept_in: Where every error is recorded too (``"grades.jsonl"``), if anywhere.
    """
    for message in messages:
        error(message)
    if total > len(messages):
        where = f"; every one is in {kept_in} (field error)" if kept_in else ""
        error(f"... and {total - len(messages)} more error(s){where}")


def count_records(files: Sequence[Path]) -> int | None:
    try:
        total = 0
        for file in files:
            with file.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        return total
    except OSError:
        return None


@dataclass
class RunOutput:
    """Where a run writes, and how it tells what it does."""

    files: list[Path]
    out: Path | None
    output_format: str
    stdout: IO[str] | None
    state: ResumeState | None
    builder: ReportBuilder | None
    retry: RetrySession | None
    progress: Callable[[int | None], ProgressBar] | None
    notice: Say
    error: Say
    # Applied to each grade before it is written and counted (``--calibration`` adds the calibrated score).
    calibrate: Callable[[Grade], Grade] | None = None
    gradebook: GradebookColumns | None = None


def open_writer(output: RunOutput) -> tuple[GradeWriter, Callable[[], None]]:
    """The writer for the output and a function that closes what was opened."""
    from mockint.render import make_writer

    out = output.out
    if out is not None and output.output_format == "jsonl":
        from mockint.batch.run import DurableJsonlWriter

        durable = DurableJsonlWriter(out, append=output.state is not None)
        return durable, durable.close
    stdout = output.stdout if output.stdout is not None else sys.stdout
    stream = stdout
    if out is not None:
        try:
            stream = out.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise InputError(f"{out}: cannot write ({exc.strerror}); check the path and permissions") from None
    writer = make_writer(output.output_format, stream, gradebook=output.gradebook)

    def close() -> None:
        writer.close()
        if stream is not stdout:
            stream.close()

    return writer, close


def write_grades(
    grade_all: Callable[[Callable[[Grade], None], Callable[[], None] | None], RunSummary], output: RunOutput
) -> RunSummary | None:
    """Write every grade ``grade_all`` emits (and count it for the report), with a progress display if asked.

    ``grade_all`` gets the function to emit each grade with and one to call when grading has started (the
    progress display's refresh thread starts then, after any worker process has been forked).

    Returns:
        The run's summary, or ``None`` when it was interrupted (Ctrl-C) and a report is still to be written.

    Raises:
        RunInterrupted: It was interrupted and there is no report to write.
    """
    writer, close = open_writer(output)
    state, retry, builder, out = output.state, output.retry, output.builder, output.out
    if retry is not None:
        writer, close = retry.route(writer, close)
    summary: RunSummary | None = None

    def emitter(advance: Callable[[], None] | None) -> Callable[[Grade], None]:
        def emit(grade_: Grade) -> None:
            if output.calibrate is not None:
                grade_ = output.calibrate(grade_)
            writer.write(grade_)
            if builder is not None:
                builder.add(grade_)
            if advance is not None:
                advance()

        return emit

    try:
        if output.progress is not None:
            total = count_records(output.files)
            if total is not None and state is not None:
                total = max(0, total - state.lines + (len(retry.to_retry) if retry is not None else 0))
            bar = output.progress(total)
            shown = False

            def show() -> None:
                nonlocal shown
                bar.start()
                shown = True

            try:
                summary = grade_all(emitter(bar.advance), show)
            finally:
                if shown:
                    bar.stop()
        else:
            summary = grade_all(emitter(None), None)
    except KeyboardInterrupt:
        summary = None
    finally:
        close()
    if summary is not None:
        summary.skipped = state.skipped if state is not None else 0
        report_errors(output.error, summary.messages, summary.errors, str(out) if out is not None else "the output")
    else:
        where = f" to {out}" if out is not None else ""
        output.notice(f"interrupted; the answers graded so far were written{where}")
        if builder is None:
            raise RunInterrupted
        builder.interrupted = True
    return summary


def finish_notice(summary: RunSummary | None, output: RunOutput, started: float, extra: str = "") -> None:
    if summary is None:
        return
    out = output.out
    where = f" to {out}" if out is not None else ""
    fallback = ""
    if summary.fallbacks:
        fallback = (
            f", {summary.fallbacks} graded deterministically after a judge failure "
            f"({describe_reasons(summary.fallback_reasons)})"
        )
    skipped = f"; {summary.skipped} already in {out} skipped" if summary.skipped else ""
    output.notice(
        f"graded {summary.graded} answer(s){where} in {time.perf_counter() - started:.2f} s; "
        f"{summary.errors} error(s){fallback}{skipped}{extra}"
    )


def pending(records: Iterator[Record], output: RunOutput) -> Iterator[Record]:
    if output.retry is not None:
        return output.retry.pending(records)
    return records if output.state is None else output.state.pending(records)
