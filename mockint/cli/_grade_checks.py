"""The checks of ``mockint grade``'s options that refuse contradictory combinations before any work is done."""

from __future__ import annotations

from pathlib import Path


def _usage_error(message: str) -> None:
    from mockint.errors import InputError

    raise InputError(message)


def check_options(
    *,
    out: Path | None,
    output_format: str,
    no_llm: bool,
    resume: bool,
    retry_fallbacks: bool,
    export_batch: Path | None,
    import_batch: list[Path] | None,
    batch_api: bool,
    batch_id: str | None,
    rpm: float | None,
    tpm: float | None,
    report: Path | None,
    price_in: float | None,
    price_out: float | None,
    calibration: Path | None = None,
) -> None:
    """Refuse contradictory options before any work is done, each in one line that says what to drop."""
    if export_batch is not None:
        extra = [
            name
            for name, given in (
                ("--out", out is not None),
                ("--resume", resume),
                ("--retry-fallbacks", retry_fallbacks),
                ("--report", report is not None),
                ("--import-batch", bool(import_batch)),
                ("--batch-api", batch_api),
                ("--no-llm", no_llm),
                ("--rpm/--tpm", rpm is not None or tpm is not None),
                ("--calibration", calibration is not None),
            )
            if given
        ]
        if extra:
            _usage_error(f"--export-batch only writes the request file; drop {', '.join(extra)}")
    if import_batch and batch_api:
        _usage_error("--import-batch and --batch-api are two ways to get the replies; use one of them")
    if batch_id is not None and not batch_api:
        _usage_error("--batch-id picks up a provider batch; add --batch-api")
    if (rpm is not None or tpm is not None) and (no_llm or import_batch or batch_api):
        _usage_error("--rpm/--tpm limit live judge requests; drop them with --no-llm, --import-batch or --batch-api")
    if import_batch and no_llm:
        _usage_error("--import-batch uses the LLM's batch replies; drop --no-llm")
    if batch_api and out is None:
        _usage_error("--batch-api needs --out FILE.jsonl (the batch id is kept next to it, to resume)")
    if retry_fallbacks and not resume:
        _usage_error("--retry-fallbacks re-grades inside an existing --out FILE.jsonl; add --resume")
    if retry_fallbacks and no_llm:
        _usage_error("--retry-fallbacks re-grades with the LLM judge; drop --no-llm")
    if retry_fallbacks and batch_api:
        _usage_error("--retry-fallbacks works with live grading or --import-batch, not --batch-api; drop one")
    if resume:
        if out is None:
            _usage_error("--resume needs --out FILE.jsonl: it skips the ids already in that file")
        if output_format != "jsonl":
            _usage_error(f"--resume works on JSONL output only; write to a .jsonl file (not {output_format})")
    if (price_in is None) != (price_out is None):
        _usage_error("give both --price-in and --price-out (USD per 1M input and output tokens)")
    if report is not None:
        from mockint.batch.report import report_format

        report_format(report)
