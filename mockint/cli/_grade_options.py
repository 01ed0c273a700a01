"""Options of ``mockint grade``: their types and help, and the output format (the checks that refuse
contradictory options are in ``_grade_checks``)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mockint.batch import DEFAULT_CONCURRENCY


class OutputFormat(StrEnum):
    """Output formats of ``mockint grade``."""

    jsonl = "jsonl"
    csv = "csv"
    md = "md"
    table = "table"
    gradebook = "gradebook"


_SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".md": "md"}
_BATCH_PANEL = "Provider batch engines"
_SCALE_PANEL = "Scale, resume and reports"


def choose_format(fmt: OutputFormat | None, out: Path | None) -> str:
    """The output format: ``--format``, else from ``--out``'s suffix (``.gradebook.csv``: gradebook), else table on
    a terminal, else jsonl."""
    if fmt is not None:
        return fmt.value
    if out is not None:
        if out.name.lower().endswith(".gradebook.csv"):
            return "gradebook"
        return _SUFFIX_FORMATS.get(out.suffix.lower(), "jsonl")
    return "table" if sys.stdout.isatty() else "jsonl"


FilesArgument = Annotated[
    list[Path], typer.Argument(metavar="FILE", help="Answer files: JSONL or CSV with id, question_id, answer.")
]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write results here (default: standard output).")]
FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="jsonl, csv, md, table or gradebook (CSV, a column per key point and mistake). Default: from "
        "--out's suffix (.gradebook.csv: gradebook); table on a terminal, else jsonl.",
    ),
]
_JUDGES_PANEL = "Several judges"
JudgeModelsOption = Annotated[
    str | None,
    typer.Option(
        "--judge-models",
        metavar="A,B,C",
        help="Grade each answer with each of these models (one request per answer per model) and take, per key "
        "point, the verdict most of the verified ones agree on (a tie keeps the deterministic verdict); records "
        "list judges and stability.",
        rich_help_panel=_JUDGES_PANEL,
    ),
]
SamplesOption = Annotated[
    int,
    typer.Option(
        "--samples",
        metavar="N",
        min=1,
        max=20,
        help="Ask the judge model N times per answer (N requests, at --samples-temperature) and vote like "
        "--judge-models.",
        rich_help_panel=_JUDGES_PANEL,
    ),
]
SamplesTemperatureOption = Annotated[
    float | None,
    typer.Option(
        "--samples-temperature",
        metavar="T",
        min=0.0,
        max=2.0,
        help="Sampling temperature of --samples (default 0.7; one sample is graded at 0).",
        rich_help_panel=_JUDGES_PANEL,
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        "-c",
        min=1,
        max=64,
        help=f"Judge requests in flight at most (default {DEFAULT_CONCURRENCY}). Without a judge: grading "
        f"processes at most (default one per CPU). Recordings transcribed at once (default {DEFAULT_CONCURRENCY}).",
    ),
]
RpmOption = Annotated[
    float | None,
    typer.Option("--rpm", min=0.001, help="Judge requests per minute at most.", rich_help_panel=_SCALE_PANEL),
]
TpmOption = Annotated[
    float | None,
    typer.Option(
        "--tpm",
        min=1,
        help="Judge tokens per minute at most (estimated before each request, corrected by the server's usage).",
        rich_help_panel=_SCALE_PANEL,
    ),
]
RateLimitPatienceOption = Annotated[
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
]
ResumeOption = Annotated[
    bool,
    typer.Option(
        "--resume",
        help="Skip the answers already in --out (JSONL) and append the rest; a torn last line is dropped.",
        rich_help_panel=_SCALE_PANEL,
    ),
]
RetryFallbacksOption = Annotated[
    bool,
    typer.Option(
        "--retry-fallbacks",
        help="With --resume: also re-grade the answers in --out that fell back to deterministic grading "
        "because the judge failed, replacing their lines in place.",
        rich_help_panel=_SCALE_PANEL,
    ),
]
FailOnFallbackOption = Annotated[
    bool,
    typer.Option(
        "--fail-on-fallback",
        help="Exit 3 when any answer of the output fell back to deterministic grading (judge failure).",
        rich_help_panel=_SCALE_PANEL,
    ),
]
NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Neither read nor write the grade cache ($MOCKINT_HOME/cache.db) nor the transcript cache "
        "($MOCKINT_HOME/transcripts).",
        rich_help_panel=_SCALE_PANEL,
    ),
]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Also write a batch report: FILE.md or FILE.html (self-contained).",
        rich_help_panel=_SCALE_PANEL,
    ),
]
PassMarkOption = Annotated[
    float,
    typer.Option(
        "--pass-mark",
        min=0.0,
        max=1.0,
        help="The report's pass mark on the 0..1 score: a score near it needs review (as in `mockint review`).",
        rich_help_panel=_SCALE_PANEL,
    ),
]
PriceInOption = Annotated[
    float | None,
    typer.Option(
        "--price-in",
        min=0,
        envvar="MOCKINT_PRICE_IN",
        help="USD per 1M input tokens, for the report's cost (default: built-in for well-known models).",
        rich_help_panel=_SCALE_PANEL,
    ),
]
PriceOutOption = Annotated[
    float | None,
    typer.Option(
        "--price-out",
        min=0,
        envvar="MOCKINT_PRICE_OUT",
        help="USD per 1M output tokens, for the report's cost.",
        rich_help_panel=_SCALE_PANEL,
    ),
]
ExportBatchOption = Annotated[
    Path | None,
    typer.Option(
        "--export-batch",
        help="Write one Batch API request line per answer to FILE (OpenAI Batch API, vLLM run-batch); no grading. "
        "Several judges: one FILE.MODEL.jsonl per model, custom_id ID@MODEL[#sN].",
        rich_help_panel=_BATCH_PANEL,
    ),
]
ImportBatchOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--import-batch",
        help="Grade with the replies in a Batch API output FILE (repeat for the error file, and for each judge's "
        "output with several judges).",
        rich_help_panel=_BATCH_PANEL,
    ),
]
BatchApiOption = Annotated[
    bool,
    typer.Option(
        "--batch-api",
        help="Upload, submit, poll, download and import through the provider's Batch API (one batch per judge "
        "model); re-run to resume.",
        rich_help_panel=_BATCH_PANEL,
    ),
]
BatchIdOption = Annotated[
    str | None,
    typer.Option(
        "--batch-id", help="With --batch-api and one judge: pick up this existing batch.", rich_help_panel=_BATCH_PANEL
    ),
]
MaxAnswerCharsOption = Annotated[
    int | None,
    typer.Option(
        "--max-answer-chars",
        min=1,
        help="Longest answer graded, in characters (default 100000, or $MOCKINT_MAX_ANSWER_CHARS); a longer "
        "one is an error record naming its line, never graded on a part.",
        rich_help_panel=_SCALE_PANEL,
    ),
]
CalibrationOption = Annotated[
    Path | None,
    typer.Option(
        "--calibration",
        metavar="FILE",
        help="Add calibrated_score, on the teacher's scale, from a calibration.json of `mockint calibrate`; "
        "refused for other rubrics, grader, model or prompt.",
    ),
]
PollIntervalOption = Annotated[
    float,
    typer.Option("--poll-interval", min=0.0, help="Seconds between batch status polls.", rich_help_panel=_BATCH_PANEL),
]
