"""``mockint grade``: grade answer files against rubrics."""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from mockint.cli._common import RubricsOption, error, notice, user_errors

if TYPE_CHECKING:
    from mockint.batch import Record


class OutputFormat(StrEnum):
    """Output formats of ``mockint grade``."""

    jsonl = "jsonl"
    csv = "csv"
    md = "md"
    table = "table"


_SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".md": "md"}


def _choose_format(fmt: OutputFormat | None, out: Path | None) -> str:
    if fmt is not None:
        return fmt.value
    if out is not None:
        return _SUFFIX_FORMATS.get(out.suffix.lower(), "jsonl")
    return "table" if sys.stdout.isatty() else "jsonl"


def _count_records(files: list[Path]) -> int | None:
    try:
        return sum(sum(1 for line in file.open("rb") if line.strip()) for file in files)
    except OSError:
        return None


@user_errors
def grade(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE", help="Answer files: JSONL or CSV with id, question_id, answer.")
    ],
    rubrics: RubricsOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write results here (default: standard output).")
    ] = None,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="jsonl, csv, md or table. Default: from --out's suffix; table on a terminal, else jsonl.",
        ),
    ] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Grade deterministically; never call an LLM.")] = False,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Judge model (default: $MOCKINT_MODEL or gpt-4o-mini)."),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, max=64, help="Judge requests in flight at most.")
    ] = 4,
) -> None:
    """Grade written answers against the rubrics.

    Each input line gets one output record, in input order, written as soon as it is graded. A bad line is
    reported with its line number and `error` set; the others are still graded; the exit code is then 1.
    Uses the LLM judge when OPENAI_API_KEY or OPENAI_BASE_URL is set, else deterministic checks.
    """
    from mockint.batch import RunSummary, grade_records, read_answers
    from mockint.config import load_settings
    from mockint.grading import CircuitBreakerJudge
    from mockint.render import make_writer
    from mockint.rubrics import load_rubrics

    settings = load_settings(model=model, no_llm=no_llm)
    rubric_set = load_rubrics(rubrics)
    judge: CircuitBreakerJudge | None = None
    if settings.use_llm:
        from mockint.judge import build_judge

        judge = CircuitBreakerJudge(build_judge(settings))
    else:
        notice(f"{settings.llm_reason}; grading deterministically")

    output_format = _choose_format(fmt, out)
    stream: IO[str] = sys.stdout
    if out is not None:
        try:
            stream = out.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            from mockint.errors import InputError

            raise InputError(f"{out}: cannot write ({exc.strerror}); check the path and permissions") from None
    writer = make_writer(output_format, stream)
    seen: dict[str, str] = {}

    def records() -> Iterator[Record]:
        for file in files:
            yield from read_answers(file, seen)

    show_progress = sys.stderr.isatty() and (out is not None or output_format == "table")
    started = time.perf_counter()
    summary = RunSummary()
    interrupted = False
    try:
        if show_progress:
            from rich.console import Console
            from rich.progress import Progress

            with Progress(console=Console(stderr=True), transient=True) as progress:
                task = progress.add_task("grading", total=_count_records(files))

                def emit(grade_: Grade) -> None:
                    writer.write(grade_)
                    progress.advance(task)

                summary = grade_records(records(), rubric_set, judge, emit, concurrency=concurrency, notice=notice)
        else:
            summary = grade_records(records(), rubric_set, judge, writer.write, concurrency=concurrency, notice=notice)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        writer.close()
        if stream is not sys.stdout:
            stream.close()
    for message in summary.messages:
        error(message)
    elapsed = time.perf_counter() - started
    where = f" to {out}" if out is not None else ""
    if interrupted:
        notice(f"interrupted; the answers graded so far were written{where}")
        raise typer.Exit(130)
    fallback = f", {summary.fallbacks} graded deterministically after a judge failure" if summary.fallbacks else ""
    notice(f"graded {summary.graded} answer(s){where} in {elapsed:.2f} s; {summary.errors} error(s){fallback}")
    if summary.errors:
        raise typer.Exit(1)


if TYPE_CHECKING:
    from collections.abc import Iterator

    from mockint.models import Grade
