"""Grading many answers: answer files in, grades out in input order, durably, resumably.

:func:`grade_files` is what ``mockint grade`` does; :func:`export_files` its ``--export-batch``.

Modules:

* ``grade``: :func:`grade_files` and :func:`export_files`: live, imported or provider-batch grading of files.
* ``writing``: a run's output: the writer, the progress display, the lines that say what was done.
* ``answers``: answer records from JSONL and CSV files, each bad line named by file and line.
* ``run``: bounded concurrency (threads for the judge, processes without it), the ordered durable JSONL
  writer, the resume scan.
* ``fallbacks``: which grades the judge failed on, and re-grading them inside an existing output file.
* ``provider``: provider batch engines: export requests as a Batch API file, import its output, run a batch.
* ``report``: the batch report (Markdown or HTML), tokens and cost.

Names load on first use, so importing the package (and ``mockint --help``) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint._lazy import lazy_attributes

DEFAULT_CONCURRENCY = 4
"""Judge requests in flight at most when ``concurrency`` is not given."""

__all__ = [
    "DEFAULT_CONCURRENCY",
    "GradeRun",
    "ProgressBar",
    "BatchOutput",
    "BatchReplyJudge",
    "DurableJsonlWriter",
    "Pricing",
    "Record",
    "ReportBuilder",
    "ResumeState",
    "RetrySession",
    "RunSummary",
    "Usage",
    "describe_reasons",
    "error_grade",
    "export_files",
    "export_requests",
    "fallback_reason",
    "grade_files",
    "grade_records",
    "open_existing",
    "price_for",
    "read_answers",
    "report_format",
    "run_provider_batch",
    "scan_output",
    "state_path",
    "terminal_progress",
    "usable_cpus",
]

if TYPE_CHECKING:
    from mockint.batch.answers import Record, error_grade, read_answers
    from mockint.batch.fallbacks import RetrySession, describe_reasons, fallback_reason, open_existing
    from mockint.batch.grade import GradeRun, export_files, grade_files
    from mockint.batch.provider import BatchOutput, BatchReplyJudge, export_requests, run_provider_batch
    from mockint.batch.report import Pricing, ReportBuilder, Usage, price_for, report_format
    from mockint.batch.run import DurableJsonlWriter, ResumeState, RunSummary, grade_records, scan_output, usable_cpus
    from mockint.batch.state import state_path
    from mockint.batch.writing import ProgressBar, terminal_progress

_LAZY = {
    "GradeRun": "mockint.batch.grade",
    "export_files": "mockint.batch.grade",
    "grade_files": "mockint.batch.grade",
    "ProgressBar": "mockint.batch.writing",
    "terminal_progress": "mockint.batch.writing",
    "Record": "mockint.batch.answers",
    "error_grade": "mockint.batch.answers",
    "read_answers": "mockint.batch.answers",
    "DurableJsonlWriter": "mockint.batch.run",
    "ResumeState": "mockint.batch.run",
    "RunSummary": "mockint.batch.run",
    "grade_records": "mockint.batch.run",
    "scan_output": "mockint.batch.run",
    "usable_cpus": "mockint.batch.run",
    "RetrySession": "mockint.batch.fallbacks",
    "describe_reasons": "mockint.batch.fallbacks",
    "fallback_reason": "mockint.batch.fallbacks",
    "open_existing": "mockint.batch.fallbacks",
    "BatchOutput": "mockint.batch.provider",
    "BatchReplyJudge": "mockint.batch.provider",
    "export_requests": "mockint.batch.provider",
    "run_provider_batch": "mockint.batch.provider",
    "state_path": "mockint.batch.state",
    "Pricing": "mockint.batch.report",
    "ReportBuilder": "mockint.batch.report",
    "Usage": "mockint.batch.report",
    "price_for": "mockint.batch.report",
    "report_format": "mockint.batch.report",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
