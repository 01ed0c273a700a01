"""``mockint grade``: grade answer files against rubrics, live or through a provider's batch engine."""

from __future__ import annotations

import contextlib
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from mockint.cli._common import RubricsOption, counted, error, notice, report_errors, sigterm_as_ctrl_c, user_errors
from mockint.cli._grade_options import check_options
from mockint.files import MAX_ERROR_MESSAGES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from mockint.batch.answers import Record
    from mockint.batch.fallbacks import RetrySession
    from mockint.batch.report import ReportBuilder, Usage
    from mockint.batch.run import ResumeState, RunSummary
    from mockint.config import Settings
    from mockint.judge import BatchStatus, JudgeStack
    from mockint.models import Grade
    from mockint.render import GradeWriter
    from mockint.rubrics import RubricSet


class OutputFormat(StrEnum):
    """Output formats of ``mockint grade``."""

    jsonl = "jsonl"
    csv = "csv"
    md = "md"
    table = "table"


_SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".md": "md"}
_BATCH_PANEL = "Provider batch engines"
SPARE_WORKERS = 2
DEFAULT_CONCURRENCY = 4
_SCALE_PANEL = "Scale, resume and reports"
_EMPTY_HINT = (
    'write one answer per line as JSONL ({"id": ..., "question_id": ..., "answer": ...}) or CSV rows under an '
    "id,question_id,answer header (see examples/answers.jsonl)"
)


def _choose_format(fmt: OutputFormat | None, out: Path | None) -> str:
    if fmt is not None:
        return fmt.value
    if out is not None:
        return _SUFFIX_FORMATS.get(out.suffix.lower(), "jsonl")
    return "table" if sys.stdout.isatty() else "jsonl"


def _count_records(files: list[Path]) -> int | None:
    try:
        total = 0
        for file in files:
            with file.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        return total
    except OSError:
        return None


@user_errors
@sigterm_as_ctrl_c
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
        int | None,
        typer.Option(
            "--concurrency",
            "-c",
            min=1,
            max=64,
            help=f"Judge requests in flight at most (default {DEFAULT_CONCURRENCY}). Without a judge: grading "
            "processes at most (default one per CPU).",
        ),
    ] = None,
    rpm: Annotated[
        float | None,
        typer.Option("--rpm", min=0.001, help="Judge requests per minute at most.", rich_help_panel=_SCALE_PANEL),
    ] = None,
    tpm: Annotated[
        float | None,
        typer.Option(
            "--tpm",
            min=1,
            help="Judge tokens per minute at most (estimated before each request, corrected by the server's usage).",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = None,
    rate_limit_patience: Annotated[
        float | None,
        typer.Option(
            "--rate-limit-patience",
            min=0,
            metavar="SECONDS",
            help="How long an answer waits out HTTP 429s (Retry-After, else backoff; no attempt spent) before it "
            "is graded deterministically; also the longest run of nothing but 429s waited through. Default "
            "$MOCKINT_RATE_LIMIT_PATIENCE or 300.",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Skip the answers already in --out (JSONL) and append the rest; a torn last line is dropped.",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = False,
    retry_fallbacks: Annotated[
        bool,
        typer.Option(
            "--retry-fallbacks",
            help="With --resume: also re-grade the answers in --out that fell back to deterministic grading "
            "because the judge failed, replacing their lines in place.",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = False,
    fail_on_fallback: Annotated[
        bool,
        typer.Option(
            "--fail-on-fallback",
            help="Exit 3 when any answer of the output fell back to deterministic grading (judge failure).",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Neither read nor write the grade cache ($MOCKINT_HOME/cache.db).",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write a batch report: FILE.md or FILE.html (self-contained).",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = None,
    price_in: Annotated[
        float | None,
        typer.Option(
            "--price-in",
            min=0,
            envvar="MOCKINT_PRICE_IN",
            help="USD per 1M input tokens, for the report's cost (default: built-in for well-known models).",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = None,
    price_out: Annotated[
        float | None,
        typer.Option(
            "--price-out",
            min=0,
            envvar="MOCKINT_PRICE_OUT",
            help="USD per 1M output tokens, for the report's cost.",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = None,
    export_batch: Annotated[
        Path | None,
        typer.Option(
            "--export-batch",
            help="Write one Batch API request line per answer to FILE (OpenAI Batch API, vLLM run-batch); no grading.",
            rich_help_panel=_BATCH_PANEL,
        ),
    ] = None,
    import_batch: Annotated[
        list[Path] | None,
        typer.Option(
            "--import-batch",
            help="Grade with the replies in a Batch API output FILE (repeat for the error file too).",
            rich_help_panel=_BATCH_PANEL,
        ),
    ] = None,
    batch_api: Annotated[
        bool,
        typer.Option(
            "--batch-api",
            help="Upload, submit, poll, download and import through the provider's Batch API; re-run to resume.",
            rich_help_panel=_BATCH_PANEL,
        ),
    ] = False,
    batch_id: Annotated[
        str | None,
        typer.Option("--batch-id", help="With --batch-api: pick up this existing batch.", rich_help_panel=_BATCH_PANEL),
    ] = None,
    max_answer_chars: Annotated[
        int | None,
        typer.Option(
            "--max-answer-chars",
            min=1,
            help="Longest answer graded, in characters (default 100000, or $MOCKINT_MAX_ANSWER_CHARS); a longer "
            "one is an error record naming its line, never graded on a part.",
            rich_help_panel=_SCALE_PANEL,
        ),
    ] = None,
    poll_interval: Annotated[
        float,
        typer.Option(
            "--poll-interval", min=0.0, help="Seconds between batch status polls.", rich_help_panel=_BATCH_PANEL
        ),
    ] = 30.0,
) -> None:
    """Grade written answers against the rubrics.

    Each input line gets one output record, in input order, written as soon as it is graded. A bad line is
    reported with its line number and `error` set; the others are still graded; the exit code is then 1.
    An answer the judge failed on is graded deterministically, with `fallback` set to the reason; with
    --fail-on-fallback the exit code is then 3 (1 wins when a record also failed).
    Uses the LLM judge when OPENAI_API_KEY or OPENAI_BASE_URL is set, else deterministic checks. Judge replies
    are cached in $MOCKINT_HOME/cache.db, so grading the same answers again sends no request. After 3 failed
    answers (or 3 requests without a response) in a row the judge is given up and answers in flight stop
    retrying; after $MOCKINT_BREAKER_COOLDOWN seconds (default 30) one probe request checks whether it is back.

    Limits: an answer over 100,000 characters is an error record (--max-answer-chars); a rubric file over 1 MiB
    is refused ($MOCKINT_MAX_RUBRIC_BYTES); a judge reply over 1,000,000 bytes is invalid and never cached
    ($MOCKINT_MAX_REPLY_BYTES). A NUL byte, a value nested over 64 levels or an unclosed CSV quote is an error
    for its own line only.
    """
    from mockint.config import load_settings
    from mockint.rubrics import load_rubrics

    output_format = _choose_format(fmt, out)
    check_options(
        out=out,
        output_format=output_format,
        no_llm=no_llm,
        resume=resume,
        retry_fallbacks=retry_fallbacks,
        export_batch=export_batch,
        import_batch=import_batch,
        batch_api=batch_api,
        batch_id=batch_id,
        rpm=rpm,
        tpm=tpm,
        report=report,
        price_in=price_in,
        price_out=price_out,
    )
    settings = load_settings(model=model, no_llm=no_llm, rate_limit_patience=rate_limit_patience)
    if (batch_api or (retry_fallbacks and not import_batch)) and not settings.use_llm:
        from mockint.errors import ConfigError

        # Re-graded without a judge, a fallback would lose the record that the judge never graded it.
        what = "--batch-api needs a server" if batch_api else "--retry-fallbacks needs the LLM judge"
        raise ConfigError(f"{what}: {settings.llm_reason}")
    rubric_set = load_rubrics(rubrics)

    limit = max_answer_chars or settings.max_answer_chars
    hinted: set[Path] = set()

    def records() -> Iterator[Record]:
        from mockint.batch.answers import read_answers

        seen: dict[str, str] = {}  # fresh per pass: a batch run reads the answers twice
        for file in files:
            count = 0
            for record in read_answers(file, seen, max_answer_chars=limit):
                count += 1
                yield record
            if not count and file not in hinted:
                hinted.add(file)
                notice(f"{file}: no answers in this file; {_EMPTY_HINT}")

    if export_batch is not None:
        _export(settings, rubric_set, records, export_batch)
        return

    builder: ReportBuilder | None = None
    if report is not None:
        from mockint.batch.report import ReportBuilder

        builder = ReportBuilder()
    from mockint.batch.fallbacks import open_existing

    state, retry, kept_fallbacks = open_existing(
        out,
        resume=resume,
        retry_fallbacks=retry_fallbacks,
        on_line=builder.add_json if builder else None,
        notice=notice,
    )
    # A re-grade run feeds the report from the final file, where each fallback has made way for its re-grade.
    run_builder = builder if retry is None else None

    if batch_api or import_batch:
        outputs = list(import_batch or [])
        if batch_api and out is not None:
            outputs = _run_provider_batch(settings, rubric_set, records, files, out, batch_id, poll_interval)
        usage, failed, summary = _import(
            settings,
            rubric_set,
            records,
            outputs,
            files=files,
            out=out,
            output_format=output_format,
            state=state,
            builder=run_builder,
            retry=retry,
        )
    else:
        usage, failed, summary = _live(
            settings,
            rubric_set,
            records,
            files=files,
            out=out,
            output_format=output_format,
            state=state,
            builder=run_builder,
            retry=retry,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            use_cache=not no_cache,
        )
    fallbacks = summary.fallbacks if summary is not None else 0
    if retry is not None and summary is not None:
        feed = (lambda data, earlier: builder.add_json(data, earlier=earlier)) if builder is not None else None
        fallbacks = retry.finish(feed, notice)
    else:
        fallbacks += kept_fallbacks
    if builder is not None and report is not None:
        from mockint.batch.report import Pricing, price_for

        if price_in is not None and price_out is not None:
            usage.pricing = Pricing(price_in, price_out, "--price-in/--price-out")
        else:
            usage.pricing = price_for(usage.model)
        builder.usage = usage
        builder.write(report)
        notice(f"report written to {report}")
    if builder is not None and builder.interrupted:
        raise typer.Exit(130)
    if failed:
        raise typer.Exit(1)
    if fail_on_fallback and fallbacks:
        notice(f"--fail-on-fallback: {fallbacks} answer(s) fell back to deterministic grading; exit 3")
        raise typer.Exit(3)


def _export(settings: Settings, rubric_set: RubricSet, records: Callable[[], Iterator[Record]], path: Path) -> None:
    from mockint.batch.provider import MAX_BATCH_BYTES, MAX_BATCH_REQUESTS, export_requests
    from mockint.judge import OpenAIJudge

    # Only the request bodies are needed: no server, no key (a placeholder keeps the SDK client happy).
    judge = OpenAIJudge(settings.model, base_url=settings.base_url, api_key=settings.key_for_client())
    started = time.perf_counter()
    try:
        summary = export_requests(
            records(),
            rubric_set,
            judge.request_body,
            lambda number: path,
            max_requests=sys.maxsize,
            max_bytes=sys.maxsize,
        )
    finally:
        judge.close()
    report_errors(summary.errors[:MAX_ERROR_MESSAGES], len(summary.errors))
    notice(
        f"wrote {summary.requests} request(s) for model {settings.model} ({judge.prompt_version}) to {path} in "
        f"{time.perf_counter() - started:.2f} s; {len(summary.errors)} error(s)"
    )
    size = path.stat().st_size if path.exists() else 0
    if summary.requests > MAX_BATCH_REQUESTS or size > MAX_BATCH_BYTES:
        notice(
            "OpenAI's Batch API takes at most 50,000 requests / 200 MB per batch: split the file, or use --batch-api, "
            "which splits automatically (vLLM run-batch has no such limit)"
        )
    if summary.errors:
        raise typer.Exit(1)


def _open_writer(out: Path | None, output_format: str, append: bool) -> tuple[GradeWriter, Callable[[], None]]:
    """The writer for the output and a function that closes what was opened."""
    from mockint.render import make_writer

    if out is not None and output_format == "jsonl":
        from mockint.batch.run import DurableJsonlWriter

        durable = DurableJsonlWriter(out, append=append)
        return durable, durable.close
    stream: IO[str] = sys.stdout
    if out is not None:
        try:
            stream = out.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            from mockint.errors import InputError

            raise InputError(f"{out}: cannot write ({exc.strerror}); check the path and permissions") from None
    writer = make_writer(output_format, stream)

    def close() -> None:
        writer.close()
        if stream is not sys.stdout:
            stream.close()

    return writer, close


def _run(
    grade_all: Callable[[Callable[[Grade], None], Callable[[], None] | None], RunSummary],
    *,
    files: list[Path],
    out: Path | None,
    output_format: str,
    state: ResumeState | None,
    builder: ReportBuilder | None,
    retry: RetrySession | None = None,
) -> RunSummary | None:
    """Write every grade ``grade_all`` emits (and count it for the report), with a progress bar on a terminal.

    ``grade_all`` gets the function to emit each grade with and one to call when grading has started (the
    progress bar's refresh thread starts then, after any worker process has been forked).

    Returns:
        The run's summary, or ``None`` when it was interrupted (Ctrl-C).
    """
    writer, close = _open_writer(out, output_format, append=state is not None)
    if retry is not None:
        writer, close = retry.route(writer, close)
    show_progress = sys.stderr.isatty() and (out is not None or output_format == "table")
    summary: RunSummary | None = None

    def emitter(advance: Callable[[], None] | None) -> Callable[[Grade], None]:
        def emit(grade_: Grade) -> None:
            writer.write(grade_)
            if builder is not None:
                builder.add(grade_)
            if advance is not None:
                advance()

        return emit

    try:
        if show_progress:
            from rich.console import Console
            from rich.progress import Progress

            total = _count_records(files)
            if total is not None and state is not None:
                total = max(0, total - state.lines + (len(retry.to_retry) if retry is not None else 0))
            progress = Progress(console=Console(stderr=True), transient=True)
            task = progress.add_task("grading", total=total)
            shown = False

            def show() -> None:
                nonlocal shown
                progress.start()
                shown = True

            try:
                summary = grade_all(emitter(lambda: progress.advance(task)), show)
            finally:
                if shown:
                    progress.stop()
        else:
            summary = grade_all(emitter(None), None)
    except KeyboardInterrupt:
        summary = None
    finally:
        close()
    if summary is not None:
        summary.skipped = state.skipped if state is not None else 0
        report_errors(summary.messages, summary.errors, str(out) if out is not None else "the output")
    else:
        where = f" to {out}" if out is not None else ""
        notice(f"interrupted; the answers graded so far were written{where}")
        if builder is not None:
            builder.interrupted = True
        else:
            raise typer.Exit(130)
    return summary


def _finish_notice(summary: RunSummary | None, out: Path | None, started: float, extra: str = "") -> None:
    if summary is None:
        return
    where = f" to {out}" if out is not None else ""
    fallback = ""
    if summary.fallbacks:
        from mockint.batch.fallbacks import describe_reasons

        fallback = (
            f", {summary.fallbacks} graded deterministically after a judge failure "
            f"({describe_reasons(summary.fallback_reasons)})"
        )
    skipped = f"; {summary.skipped} already in {out} skipped" if summary.skipped else ""
    notice(
        f"graded {summary.graded} answer(s){where} in {time.perf_counter() - started:.2f} s; "
        f"{summary.errors} error(s){fallback}{skipped}{extra}"
    )


def _live(
    settings: Settings,
    rubric_set: RubricSet,
    records: Callable[[], Iterator[Record]],
    *,
    files: list[Path],
    out: Path | None,
    output_format: str,
    state: ResumeState | None,
    builder: ReportBuilder | None,
    retry: RetrySession | None,
    concurrency: int | None,
    rpm: float | None,
    tpm: float | None,
    use_cache: bool,
) -> tuple[Usage, bool, RunSummary | None]:
    """Grade live (judge or deterministic); returns the usage for the report, whether any record failed, the
    summary (``None`` when interrupted)."""
    from mockint.batch.report import Usage
    from mockint.batch.run import grade_records, usable_cpus

    started = time.perf_counter()
    requests = concurrency or DEFAULT_CONCURRENCY
    stack: JudgeStack | None = None
    with contextlib.ExitStack() as resources:
        if settings.use_llm:
            from mockint.judge import judge_stack
            from mockint.judge.ratelimit import RequestLimiter

            limiter = RequestLimiter(max_in_flight=requests, rpm=rpm, tpm=tpm)
            stack = resources.enter_context(judge_stack(settings, limiter=limiter, use_cache=use_cache, warn=notice))
        else:
            notice(f"{settings.llm_reason}; grading deterministically")
        judge = stack.judge if stack is not None else None
        breaker = stack.breaker if stack is not None else None
        pending = _pending(records(), state, retry)
        summary = _run(
            lambda emit, on_start: grade_records(
                pending,
                rubric_set,
                judge,
                emit,
                concurrency=requests,
                # The limiter caps requests in flight; two spare workers prepare the next answers (checks,
                # prompt) while every slot waits on the network. More spares only add GIL contention (measured).
                workers=requests + SPARE_WORKERS if stack is not None else requests,
                # Without a judge grading is CPU-bound Python: one process per CPU (or per -c) beats threads.
                processes=min(usable_cpus(), concurrency or sys.maxsize),
                breaker=breaker,
                notice=notice,
                started=on_start,
            ),
            files=files,
            out=out,
            output_format=output_format,
            state=state,
            builder=builder,
            retry=retry,
        )
    usage = Usage(model=settings.model if stack is not None else None)
    extra = ""
    if stack is not None:
        used = stack.openai_judge.usage
        usage.requests = used.requests
        usage.prompt_tokens = used.prompt_tokens
        usage.completion_tokens = used.completion_tokens
        cache = stack.cache
        if cache is not None:
            usage.cache_hits, usage.cache_misses = cache.stats.hits, cache.stats.misses
            extra = f"; cache: {cache.stats.hits} hit(s), {cache.stats.misses} miss(es)"
        if stack.shared.shared:
            extra += f"; {counted(stack.shared.shared, 'identical request')} shared"
    _finish_notice(summary, out, started, extra)
    return usage, summary is not None and summary.errors > 0, summary


def _pending(records: Iterator[Record], state: ResumeState | None, retry: RetrySession | None) -> Iterator[Record]:
    if retry is not None:
        return retry.pending(records)
    return records if state is None else state.pending(records)


def _run_provider_batch(
    settings: Settings,
    rubric_set: RubricSet,
    records: Callable[[], Iterator[Record]],
    files: list[Path],
    out: Path,
    batch_id: str | None,
    poll_interval: float,
) -> list[Path]:
    from mockint.batch.provider import run_provider_batch
    from mockint.judge import BatchClient, build_judge

    judge = build_judge(settings)
    client = BatchClient.from_settings(settings)
    last: list[str] = []

    def progress(statuses: Sequence[BatchStatus]) -> None:
        # One line per change of state: readable in a terminal and in a CI log alike.
        line = "; ".join(
            f"batch {s.id}: {s.status}" + (f" {s.completed + s.failed}/{s.total}" if s.total else "") for s in statuses
        )
        if not last or last[-1] != line:
            last.append(line)
            notice(line)

    try:
        result = run_provider_batch(
            client,
            out,
            records=records,
            rubrics=rubric_set,
            request_body=judge.request_body,
            model=settings.model,
            prompt_version=judge.prompt_version,
            answers=files,
            batch_id=batch_id,
            poll_interval=poll_interval,
            progress=progress,
            notice=notice,
        )
    except KeyboardInterrupt:
        from mockint.batch.provider import state_path

        notice(
            f"interrupted; the batch keeps running on the server: run the same command again to pick it up "
            f"({state_path(out)})"
        )
        raise typer.Exit(130) from None
    finally:
        judge.close()
        client.close()
    return result.outputs


def _import(
    settings: Settings,
    rubric_set: RubricSet,
    records: Callable[[], Iterator[Record]],
    outputs: list[Path],
    *,
    files: list[Path],
    out: Path | None,
    output_format: str,
    state: ResumeState | None,
    builder: ReportBuilder | None,
    retry: RetrySession | None,
) -> tuple[Usage, bool, RunSummary | None]:
    """Grade with stored batch replies; returns the usage for the report, whether anything failed, the summary."""
    from mockint.batch.provider import BatchOutput, BatchReplyJudge
    from mockint.batch.report import Usage
    from mockint.batch.run import grade_records
    from mockint.prompts import prompt_version

    started = time.perf_counter()
    with BatchOutput(outputs) as output:
        judge = BatchReplyJudge(
            output,
            model=settings.model,
            prompt_version=prompt_version("judge"),
            max_reply_bytes=settings.max_reply_bytes,
        )
        pending = _pending(records(), state, retry)
        # Validation and reconciliation are CPU work: threads would only contend for the GIL.
        summary = _run(
            lambda emit, on_start: grade_records(pending, rubric_set, judge, emit, concurrency=1, started=on_start),
            files=files,
            out=out,
            output_format=output_format,
            state=state,
            builder=builder,
            retry=retry,
        )
        for problem in output.problems:
            error(problem)
        if output.duplicates:
            notice(f"{output.duplicates} custom_id(s) appear more than once in the batch output; the success was used")
        if summary is not None and output.unused:
            verb = "matches" if output.unused == 1 else "match"
            notice(
                f"{counted(output.unused, 'reply', 'replies')} in the batch output {verb} no answer id in "
                f"{', '.join(map(str, files))}"
            )
    usage = Usage(
        requests=judge.replies,
        prompt_tokens=judge.prompt_tokens,
        completion_tokens=judge.completion_tokens,
        model=judge.last_model or settings.model,
        batch=True,
    )
    _finish_notice(summary, out, started, f"; {counted(judge.replies, 'batch reply', 'batch replies')} used")
    return usage, bool(output.problems) or (summary is not None and summary.errors > 0), summary
