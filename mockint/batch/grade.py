"""``grade_files``: what ``mockint grade`` does, as one call; and ``export_files``, its ``--export-batch``.

Reads the answer files, grades them live (with :func:`mockint.judge.judge_stack`, or deterministically) or with
the replies of a provider batch, writes each grade as soon as it and every earlier one are done (durably to a
JSONL file, so that a killed run can be resumed), re-grades fallbacks in place and writes the batch report.
What happens is said in one-line messages through the ``notice`` and ``error`` callbacks; the caller decides
the exit code from the returned :class:`GradeRun`.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from mockint.batch import DEFAULT_CONCURRENCY, run
from mockint.batch.answers import Record, read_answers
from mockint.batch.fallbacks import open_existing
from mockint.batch.report import Pricing, ReportBuilder, Usage, price_for
from mockint.batch.report_answers import PASS_MARK
from mockint.batch.run import RunSummary
from mockint.batch.writing import (
    ProgressBar,
    RunInterrupted,
    RunOutput,
    Say,
    counted,
    finish_notice,
    pending,
    report_errors,
    write_grades,
)
from mockint.config import Settings, load_settings
from mockint.errors import ConfigError, MockintError
from mockint.files import MAX_ERROR_MESSAGES
from mockint.rubrics import RubricSet, load_rubrics

if TYPE_CHECKING:
    from mockint.batch.audio import AudioAnswers
    from mockint.batch.provider import ExportSummary
    from mockint.judge import BatchStatus, JudgeStack
    from mockint.models import Grade

__all__ = ["GradeRun", "export_files", "grade_files"]

SPARE_WORKERS = 2
EMPTY_HINT = (
    'write one answer per line as JSONL ({"id": ..., "question_id": ..., "answer": ...}) or CSV rows under an '
    "id,question_id,answer header (see examples/answers.jsonl)"
)


@dataclass
class GradeRun:
    """What :func:`grade_files` did.

    Attributes:
        summary: Counts of the run; ``None`` when it was interrupted.
        usage: Requests, tokens and cache counts (as in the report).
        failed: A record could not be graded, or a batch output file had problems.
        fallbacks: Answers of the output graded deterministically because the judge failed (kept from an
            earlier run too).
        interrupted: The run was stopped (Ctrl-C, SIGTERM); what was graded is written.
    """

    summary: RunSummary | None
    usage: Usage
    failed: bool = False
    fallbacks: int = 0
    interrupted: bool = False


def _quiet(message: str) -> None:
    """Messages nobody asked for."""


def _reader(
    files: Sequence[Path], max_answer_chars: int, notice: Say, audio: AudioAnswers | None = None
) -> Callable[[], Iterator[Record]]:
    """The records of ``files``, read afresh on each call (a batch run reads them twice)."""
    hinted: set[Path] = set()

    def records() -> Iterator[Record]:
        seen: dict[str, str] = {}
        for file in files:
            count = 0
            for record in read_answers(file, seen, max_answer_chars=max_answer_chars, audio=audio):
                count += 1
                yield record
            if not count and file not in hinted:
                hinted.add(file)
                notice(f"{file}: no answers in this file; {EMPTY_HINT}")

    return records


def export_files(
    files: Sequence[str | Path],
    path: str | Path,
    *,
    rubrics: RubricSet | str | Path | None = None,
    settings: Settings | None = None,
    max_answer_chars: int | None = None,
    notice: Say = _quiet,
    error: Say = _quiet,
) -> ExportSummary:
    """Write one Batch API request line per answer to ``path`` (OpenAI Batch API, vLLM run-batch); no grading.

    Args:
        files: Answer files (JSONL or CSV with ``id``, ``question_id``, ``answer``).
        path: The request file to write.
        rubrics: The rubrics, or a folder or file of them; default: the shipped rubrics.
        settings: The judge's model and prompt; default: :func:`~mockint.config.load_settings`.
        max_answer_chars: A longer answer is an error (default: ``settings.max_answer_chars``).
        notice: Says a one-line notice.
        error: Says a one-line error.

    Returns:
        The counts, with the errors (bad input records) among them.

    Raises:
        MockintError: A file cannot be read, or the settings or rubrics are invalid.
    """
    from mockint.batch.panel import export_path, panel_requests
    from mockint.batch.provider import MAX_BATCH_BYTES, MAX_BATCH_REQUESTS, ExportSummary, export_requests

    settings = settings if settings is not None else load_settings()
    rubric_set = rubrics if isinstance(rubrics, RubricSet) else load_rubrics(rubrics)
    paths = [Path(file) for file in files]
    target = Path(path)
    records = _reader(paths, max_answer_chars or settings.max_answer_chars, notice)
    summary = ExportSummary()
    started = time.perf_counter()
    # Only the request bodies are needed: no server, no key (a placeholder keeps the SDK client happy).
    with panel_requests(settings) as (groups, version):
        models = [group.model for group in groups]
        for number, group in enumerate(groups):
            # One file per model (a batch takes one model); one judge writes ``path`` itself, as ever.
            file = export_path(target, models, group.model) if group.tagged else target
            written = export_requests(
                records(),
                rubric_set,
                group.request_body,
                functools.partial(_same_path, file),
                max_requests=sys.maxsize,
                max_bytes=sys.maxsize,
                custom_ids=group.custom_ids,
            )
            summary.files += written.files
            summary.requests += written.requests
            if number == 0:  # every model reads the same answers: their errors once
                summary.errors = written.errors
            size = file.stat().st_size if file.exists() else 0
            if written.requests > MAX_BATCH_REQUESTS or size > MAX_BATCH_BYTES:
                notice(
                    f"{file}: OpenAI's Batch API takes at most 50,000 requests / 200 MB per batch: split the file, "
                    "or use --batch-api, which splits automatically (vLLM run-batch has no such limit)"
                )
            if group.tagged:
                notice(f"wrote {written.requests} request(s) for model {group.model} to {file}")
    report_errors(error, summary.errors[:MAX_ERROR_MESSAGES], len(summary.errors))
    where = (
        summary.files[0]
        if len(summary.files) == 1
        else target
        if not summary.files
        else f"{len(summary.files)} file(s)"
    )
    notice(
        f"wrote {summary.requests} request(s) for model {','.join(models)} ({version}) to {where} in "
        f"{time.perf_counter() - started:.2f} s; {len(summary.errors)} error(s)"
    )
    return summary


def _same_path(path: Path, number: int) -> Path:
    """Every request file number is ``path``: an export is one file per model (no limit splits it)."""
    return path


def grade_files(
    files: Sequence[str | Path],
    *,
    rubrics: RubricSet | str | Path | None = None,
    settings: Settings | None = None,
    out: str | Path | None = None,
    output_format: str = "jsonl",
    stdout: IO[str] | None = None,
    resume: bool = False,
    retry_fallbacks: bool = False,
    concurrency: int | None = None,
    rpm: float | None = None,
    tpm: float | None = None,
    use_cache: bool = True,
    import_batch: Sequence[str | Path] = (),
    batch_api: bool = False,
    batch_id: str | None = None,
    poll_interval: float = 30.0,
    max_answer_chars: int | None = None,
    report: str | Path | None = None,
    pass_mark: float = PASS_MARK,
    pricing: Pricing | None = None,
    progress: Callable[[int | None], ProgressBar] | None = None,
    notice: Say = _quiet,
    error: Say = _quiet,
    calibration: str | Path | None = None,
) -> GradeRun:
    """Grade answer files against the rubrics: one output record per input record, in input order.

    A bad record gets an output line with ``error`` set and the rest are still graded; an answer the judge
    failed on is graded deterministically, with ``fallback`` set to the reason.

    Args:
        files: Answer files (JSONL or CSV with ``id``, ``question_id``, ``answer``).
        rubrics: The rubrics, or a folder or file of them; default: the shipped rubrics.
        settings: Model, server, limits; default: :func:`~mockint.config.load_settings`. The LLM judge is used
            when ``settings.use_llm`` is true.
        out: The output file; default: ``stdout``. JSONL output to a file is written durably (resumable).
        output_format: ``jsonl``, ``csv``, ``md``, ``table`` or ``gradebook`` (a column per key point and mistake
            of the questions in ``files``, which are read once more first to find them).
        stdout: Where the output goes without ``out``; default: ``sys.stdout``.
        resume: Keep the answers already in ``out`` (JSONL) and append the rest.
        retry_fallbacks: With ``resume``: also re-grade the fallbacks in ``out``, in place.
        concurrency: Judge requests in flight at most (default :data:`DEFAULT_CONCURRENCY`); without a judge,
            grading processes at most (default one per CPU). Recordings transcribed at once, too (default
            :data:`DEFAULT_CONCURRENCY`).
        rpm: Judge requests per minute at most.
        tpm: Judge tokens per minute at most.
        use_cache: Read and write the grade cache (``MOCKINT_HOME/cache.db``) and the transcript cache
            (``MOCKINT_HOME/transcripts``).
        import_batch: Grade with the replies in these Batch API output files instead of live requests.
        batch_api: Run the batch through the provider's Batch API (needs ``out``; re-run to resume).
        batch_id: With ``batch_api``: pick up this existing batch.
        poll_interval: Seconds between batch status polls.
        max_answer_chars: A longer answer is an error record (default: ``settings.max_answer_chars``).
        report: Also write a batch report here (``.md`` or ``.html``).
        pass_mark: The report's pass mark on the 0..1 score: a score within 0.15 of it makes an answer need
            review (as ``mockint review --pass-mark`` does).
        pricing: The model's price for the report's cost; default: the built-in price, if any.
        progress: Makes a progress display (see :func:`terminal_progress`); none by default.
        notice: Says a one-line notice (what was done, the judge stopping, files fixed up).
        error: Says a one-line error (a bad record, a batch output problem).
        calibration: A ``calibration.json`` (``mockint calibrate``): each grade gets ``calibrated_score`` on the
            teacher's scale (see :class:`~mockint.review.calibration.Calibrator` for the grades that get none).

    Returns:
        What happened; the grades are in ``out`` (or ``stdout``).

    Raises:
        ConfigError: ``batch_api`` or ``retry_fallbacks`` (live) without an LLM server configured; ``pass_mark``
            outside 0..1.
        InputError: The calibration was fitted on other rubrics, another grader, model, prompt or layers.
        MockintError: A file cannot be read or written, or the rubrics are invalid.
    """
    if not 0.0 <= pass_mark <= 1.0:
        raise ConfigError(f"the pass mark is {pass_mark}; give one on the 0..1 score, e.g. 0.5")
    settings = settings if settings is not None else load_settings()
    if (batch_api or (retry_fallbacks and not import_batch)) and not settings.use_llm:
        # Re-graded without a judge, a fallback would lose the record that the judge never graded it.
        what = "--batch-api needs a server" if batch_api else "--retry-fallbacks needs the LLM judge"
        raise ConfigError(f"{what}: {settings.llm_reason}")
    if batch_id is not None and settings.several_judges:
        raise ConfigError(
            "--batch-id picks up one batch, and several judges have one per model; drop --batch-id (the state file "
            "next to --out keeps every batch's id)"
        )
    rubric_set = rubrics if isinstance(rubrics, RubricSet) else load_rubrics(rubrics)
    paths = [Path(file) for file in files]
    out_path = Path(out) if out is not None else None
    audio = _audio_answers(settings, rubric_set, concurrency, use_cache)
    records = _reader(paths, max_answer_chars or settings.max_answer_chars, notice, audio)
    # Loaded and checked before any answer is graded: a stale calibration must not cost a run.
    calibrate = None
    if calibration is not None:
        judged = settings.use_llm or batch_api or bool(import_batch)
        calibrate = _calibrator(Path(calibration), settings, rubric_set, judged, notice)
    gradebook = None
    if output_format == "gradebook":
        from mockint.render import GradebookColumns

        gradebook = GradebookColumns.collect(
            ((r.answer.question_id, r.answer.extra) if r.answer else (r.raw_question_id, r.extra) for r in records()),
            rubric_set,
        )

    builder = ReportBuilder(pass_mark=pass_mark) if report is not None else None
    state, retry, kept_fallbacks = open_existing(
        out_path,
        resume=resume,
        retry_fallbacks=retry_fallbacks,
        on_line=builder.add_json if builder else None,
        notice=notice,
    )
    # A re-grade run feeds the report from the final file, where each fallback has made way for its re-grade.
    output = RunOutput(
        paths,
        out_path,
        output_format,
        stdout,
        state,
        builder if retry is None else None,
        retry,
        progress,
        notice,
        error,
        calibrate,
        gradebook,
    )
    try:
        if batch_api or import_batch:
            outputs = [Path(file) for file in import_batch]
            if batch_api and out_path is not None:
                outputs = _run_provider_batch(settings, rubric_set, records, out_path, batch_id, poll_interval, output)
            usage, failed, summary = _import(settings, rubric_set, records, outputs, output)
        else:
            usage, failed, summary = _live(
                settings, rubric_set, records, output, concurrency=concurrency, rpm=rpm, tpm=tpm, use_cache=use_cache
            )
    except RunInterrupted:
        return GradeRun(summary=None, usage=Usage(), interrupted=True)
    fallbacks = summary.fallbacks if summary is not None else 0
    if retry is not None and summary is not None:
        feed = (lambda data, earlier: builder.add_json(data, earlier=earlier)) if builder is not None else None
        fallbacks = retry.finish(feed, notice)
    else:
        fallbacks += kept_fallbacks
    if builder is not None and report is not None:
        usage.pricing = pricing if pricing is not None else price_for(usage.model)
        builder.usage = usage
        # Grades carry no answer text: the per-answer section gets it from the answers files, read once more.
        try:
            builder.attach_texts((r.answer.id, r.answer.answer) for r in records() if r.answer is not None)
        except MockintError as exc:
            notice(f"{exc}; the report shows the answers without their text")
        builder.write(Path(report))
        notice(f"report written to {report}")
    interrupted = builder is not None and builder.interrupted
    return GradeRun(summary=summary, usage=usage, failed=failed, fallbacks=fallbacks, interrupted=interrupted)


def _audio_answers(settings: Settings, rubric_set: RubricSet, concurrency: int | None, use_cache: bool) -> AudioAnswers:
    """Transcribes the run's recordings: ``concurrency`` at once (default :data:`DEFAULT_CONCURRENCY`), steered by
    the question and the rubric's terms, cached under ``MOCKINT_HOME/transcripts`` unless ``use_cache`` is off."""
    from mockint.batch.audio import AudioAnswers
    from mockint.speech.cache import TranscriptCache
    from mockint.speech.transcript import key_terms, transcription_prompt

    def prompt_for(question_id: str) -> str | None:
        rubric = rubric_set.get(question_id)
        return transcription_prompt(rubric.question, key_terms(rubric)) if rubric is not None else None

    return AudioAnswers(
        prompt_for=prompt_for,
        workers=concurrency or DEFAULT_CONCURRENCY,
        cache=TranscriptCache(settings.home / "transcripts") if use_cache else None,
    )


def _calibrator(
    path: Path, settings: Settings, rubric_set: RubricSet, judged: bool, notice: Say
) -> Callable[[Grade], Grade]:
    from mockint.prompts import prompt_version
    from mockint.review.calibration import Calibrator
    from mockint.review.fitting import deterministic_layers

    # A judged run is refused a calibration of deterministic grades, and the reverse.
    return Calibrator.from_file(
        path,
        rubric_set,
        grader="llm" if judged else "deterministic",
        model=settings.model if judged else None,
        prompt_version=prompt_version("judge") if judged else None,
        layers=deterministic_layers(),
        notice=notice,
    )


def _live(
    settings: Settings,
    rubric_set: RubricSet,
    records: Callable[[], Iterator[Record]],
    output: RunOutput,
    *,
    concurrency: int | None,
    rpm: float | None,
    tpm: float | None,
    use_cache: bool,
) -> tuple[Usage, bool, RunSummary | None]:
    """Grade live (judge or deterministic); returns the usage for the report, whether any record failed, the
    summary (``None`` when interrupted)."""
    started = time.perf_counter()
    requests = concurrency or DEFAULT_CONCURRENCY
    stack: JudgeStack | None = None
    with contextlib.ExitStack() as resources:
        if settings.use_llm:
            from mockint.judge import judge_stack
            from mockint.judge.ratelimit import RequestLimiter

            limiter = RequestLimiter(max_in_flight=requests, rpm=rpm, tpm=tpm)
            stack = resources.enter_context(
                judge_stack(settings, limiter=limiter, use_cache=use_cache, warn=output.notice)
            )
        else:
            output.notice(f"{settings.llm_reason}; grading deterministically")
        judge = stack.judge if stack is not None else None
        # Several judges have a breaker per model; one that opens does not stop the others (each answer says so).
        breaker = stack.breaker if stack is not None and not stack.members else None
        todo = pending(records(), output)
        summary = write_grades(
            lambda emit, on_start: run.grade_records(
                todo,
                rubric_set,
                judge,
                emit,
                concurrency=requests,
                # The limiter caps requests in flight; two spare workers prepare the next answers (checks,
                # prompt) while every slot waits on the network. More spares only add GIL contention (measured).
                workers=requests + SPARE_WORKERS if stack is not None else requests,
                # Without a judge grading is CPU-bound Python: one process per CPU (or per -c) beats threads.
                processes=min(run.usable_cpus(), concurrency or sys.maxsize),
                breaker=breaker,
                notice=output.notice,
                started=on_start,
            ),
            output,
        )
    usage = Usage(model=settings.model if stack is not None else None)
    extra = ""
    if stack is not None:
        used = [part.openai_judge.usage for part in stack.parts]
        usage.requests = sum(part.requests for part in used)
        usage.prompt_tokens = sum(part.prompt_tokens for part in used)
        usage.completion_tokens = sum(part.completion_tokens for part in used)
        cache = stack.cache
        if cache is not None:
            usage.cache_hits, usage.cache_misses = cache.stats.hits, cache.stats.misses
            extra = f"; cache: {cache.stats.hits} hit(s), {cache.stats.misses} miss(es)"
        shared = sum(part.shared.shared for part in stack.parts)
        if shared:
            extra += f"; {counted(shared, 'identical request')} shared"
    finish_notice(summary, output, started, extra)
    return usage, summary is not None and summary.errors > 0, summary


def _run_provider_batch(
    settings: Settings,
    rubric_set: RubricSet,
    records: Callable[[], Iterator[Record]],
    out: Path,
    batch_id: str | None,
    poll_interval: float,
    output: RunOutput,
) -> list[Path]:
    from mockint.batch.panel import panel_requests
    from mockint.batch.provider import run_provider_batch, state_path
    from mockint.judge import BatchClient

    requests = contextlib.ExitStack()
    groups, version = requests.enter_context(panel_requests(settings))
    client = BatchClient.from_settings(settings)
    last: list[str] = []

    def progress(statuses: Sequence[BatchStatus]) -> None:
        # One line per change of state: readable in a terminal and in a CI log alike.
        line = "; ".join(
            f"batch {s.id}: {s.status}" + (f" {s.completed + s.failed}/{s.total}" if s.total else "") for s in statuses
        )
        if not last or last[-1] != line:
            last.append(line)
            output.notice(line)

    try:
        result = run_provider_batch(
            client,
            out,
            records=records,
            rubrics=rubric_set,
            request_body=groups[0].request_body,
            model=",".join(group.model for group in groups),
            prompt_version=version,
            answers=output.files,
            batch_id=batch_id,
            poll_interval=poll_interval,
            progress=progress,
            notice=output.notice,
            panel=groups,
        )
    except KeyboardInterrupt:
        output.notice(
            f"interrupted; the batch keeps running on the server: run the same command again to pick it up "
            f"({state_path(out)})"
        )
        raise RunInterrupted from None
    finally:
        requests.close()
        client.close()
    return result.outputs


def _import(
    settings: Settings,
    rubric_set: RubricSet,
    records: Callable[[], Iterator[Record]],
    outputs: list[Path],
    output: RunOutput,
) -> tuple[Usage, bool, RunSummary | None]:
    """Grade with stored batch replies; returns the usage for the report, whether anything failed, the summary."""
    from mockint.batch.panel import reply_judge
    from mockint.batch.provider import BatchOutput
    from mockint.batch.run import grade_records
    from mockint.prompts import prompt_version

    started = time.perf_counter()
    with BatchOutput(outputs) as replies:
        # Several judges: one reply judge each, picking its replies by custom_id, voting as live.
        judge, readers = reply_judge(replies, settings, prompt_version("judge"))
        todo = pending(records(), output)
        # Validation and reconciliation are CPU work: threads would only contend for the GIL.
        summary = write_grades(
            lambda emit, on_start: grade_records(todo, rubric_set, judge, emit, concurrency=1, started=on_start),
            output,
        )
        for problem in replies.problems:
            output.error(problem)
        if replies.duplicates:
            output.notice(
                f"{replies.duplicates} custom_id(s) appear more than once in the batch output; the success was used"
            )
        if summary is not None and replies.unused:
            verb = "matches" if replies.unused == 1 else "match"
            output.notice(
                f"{counted(replies.unused, 'reply', 'replies')} in the batch output {verb} no answer id in "
                f"{', '.join(map(str, output.files))}"
            )
    used = sum(reader.replies for reader in readers)
    usage = Usage(
        requests=used,
        prompt_tokens=sum(reader.prompt_tokens for reader in readers),
        completion_tokens=sum(reader.completion_tokens for reader in readers),
        model=readers[0].last_model or settings.model,
        batch=True,
    )
    finish_notice(summary, output, started, f"; {counted(used, 'batch reply', 'batch replies')} used")
    return usage, bool(replies.problems) or (summary is not None and summary.errors > 0), summary
