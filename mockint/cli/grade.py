"""``mockint grade``: grade answer files against rubrics, live or through a provider's batch engine.

Parses the options, calls :func:`mockint.batch.grade_files` (:func:`mockint.batch.export_files` for
``--export-batch``) and turns what it did into the exit code; the options themselves are in ``_grade_options``.
"""

from __future__ import annotations

import sys

import typer

from mockint.cli._common import ModelOption, NoLlmOption, RubricsOption, error, notice, sigterm_as_ctrl_c, user_errors
from mockint.cli._grade_checks import check_options
from mockint.cli._grade_options import (
    BatchApiOption,
    BatchIdOption,
    CalibrationOption,
    ConcurrencyOption,
    ExportBatchOption,
    FailOnFallbackOption,
    FilesArgument,
    FormatOption,
    ImportBatchOption,
    JudgeModelsOption,
    MaxAnswerCharsOption,
    NoCacheOption,
    OutOption,
    PassMarkOption,
    PollIntervalOption,
    PriceInOption,
    PriceOutOption,
    RateLimitPatienceOption,
    ReportOption,
    ResumeOption,
    RetryFallbacksOption,
    RpmOption,
    SamplesOption,
    SamplesTemperatureOption,
    TpmOption,
    choose_format,
)


@user_errors
@sigterm_as_ctrl_c
def grade(
    files: FilesArgument,
    rubrics: RubricsOption = None,
    out: OutOption = None,
    fmt: FormatOption = None,
    no_llm: NoLlmOption = False,
    model: ModelOption = None,
    judge_models: JudgeModelsOption = None,
    samples: SamplesOption = 1,
    samples_temperature: SamplesTemperatureOption = None,
    concurrency: ConcurrencyOption = None,
    rpm: RpmOption = None,
    tpm: TpmOption = None,
    rate_limit_patience: RateLimitPatienceOption = None,
    resume: ResumeOption = False,
    retry_fallbacks: RetryFallbacksOption = False,
    fail_on_fallback: FailOnFallbackOption = False,
    no_cache: NoCacheOption = False,
    report: ReportOption = None,
    pass_mark: PassMarkOption = 0.5,
    price_in: PriceInOption = None,
    price_out: PriceOutOption = None,
    export_batch: ExportBatchOption = None,
    import_batch: ImportBatchOption = None,
    batch_api: BatchApiOption = False,
    batch_id: BatchIdOption = None,
    max_answer_chars: MaxAnswerCharsOption = None,
    poll_interval: PollIntervalOption = 30.0,
    calibration: CalibrationOption = None,
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
    from mockint.batch import Pricing, export_files, grade_files, terminal_progress
    from mockint.config import load_settings

    output_format = choose_format(fmt, out)
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
        calibration=calibration,
    )
    settings = load_settings(
        model=model,
        no_llm=no_llm,
        rate_limit_patience=rate_limit_patience,
        judge_models=judge_models,
        samples=samples,
        samples_temperature=samples_temperature,
    )
    if export_batch is not None:
        exported = export_files(
            files,
            export_batch,
            rubrics=rubrics,
            settings=settings,
            max_answer_chars=max_answer_chars,
            notice=notice,
            error=error,
        )
        if exported.errors:
            raise typer.Exit(1)
        return
    pricing = None
    if price_in is not None and price_out is not None:
        pricing = Pricing(price_in, price_out, "--price-in/--price-out")
    run = grade_files(
        files,
        rubrics=rubrics,
        settings=settings,
        out=out,
        output_format=output_format,
        resume=resume,
        retry_fallbacks=retry_fallbacks,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        use_cache=not no_cache,
        import_batch=import_batch or (),
        batch_api=batch_api,
        batch_id=batch_id,
        poll_interval=poll_interval,
        max_answer_chars=max_answer_chars,
        report=report,
        pass_mark=pass_mark,
        pricing=pricing,
        # A bar on the terminal, unless the grades themselves are streaming to it.
        progress=terminal_progress if sys.stderr.isatty() and (out is not None or output_format == "table") else None,
        notice=notice,
        error=error,
        calibration=calibration,
    )
    if run.interrupted:
        raise typer.Exit(130)
    if run.failed:
        raise typer.Exit(1)
    if fail_on_fallback and run.fallbacks:
        notice(f"--fail-on-fallback: {run.fallbacks} answer(s) fell back to deterministic grading; exit 3")
        raise typer.Exit(3)
