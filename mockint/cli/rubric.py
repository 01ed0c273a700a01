"""``mockint rubric``: tools for rubric authors (schema, import, lint, example tests)."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockint.cli._common import TextFormat, error, notice, user_errors

if TYPE_CHECKING:
    from mockint.judge import OpenAIJudge

app = typer.Typer(help="Rubric authoring: import, lint, example tests and the schema.", no_args_is_help=True)


NoLlmOption = Annotated[bool, typer.Option("--no-llm", help="Never call an LLM.")]
ModelOption = Annotated[
    str | None, typer.Option("--model", "-m", help="LLM model (default: $MOCKINT_MODEL or gpt-4o-mini).")
]


def _judge(model: str | None, no_llm: bool, purpose: str) -> OpenAIJudge | None:
    from mockint.config import load_settings

    settings = load_settings(model=model, no_llm=no_llm)
    if not settings.use_llm:
        notice(f"{settings.llm_reason}; {purpose}")
        return None
    from mockint.judge import build_judge

    return build_judge(settings)


@app.command("schema")
@user_errors
def schema() -> None:
    """Print the JSON Schema of a rubric file (for editors and validators)."""
    from mockint.rubrics import rubric_schema

    typer.echo(json.dumps(rubric_schema(), indent=2, ensure_ascii=False))


@app.command("import")
@user_errors
def import_command(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", help="Interview-prep documents (.txt, .md) or Q&A banks (.jsonl, .csv)."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the rubric files to.")],
    no_llm: NoLlmOption = False,
    model: ModelOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite rubric files that already exist.")] = False,
) -> None:
    """Draft rubrics from interview-prep documents and Q&A banks.

    Every input is read and checked first; then one YAML file per question is written to --out, atomically.
    Without an LLM the drafts are deterministic; with one, the LLM rewrites the key points, proposes synonyms
    and negations, and writes example answers (a failure keeps the deterministic draft, with a warning).
    A document or bank over 64 MiB is refused ($MOCKINT_MAX_DOCUMENT_BYTES raises the limit).
    """
    from mockint.authoring import import_rubrics

    started = time.perf_counter()
    result = import_rubrics(files, out, model=model, no_llm=no_llm, force=force, notice=notice)
    for draft in result.drafts:
        for warning in draft.warnings:
            notice(f"warning: {warning}")
    how = f", {result.refined} refined by the LLM" if result.llm else ""
    notice(
        f"wrote {len(result.written)} rubric(s) to {out} ({result.from_banks} from banks, {result.from_documents} "
        f"from documents{how}) in {time.perf_counter() - started:.2f} s; next: mockint rubric lint {out}"
    )


@app.command("lint")
@user_errors
def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Rubric files or folders. Default: the rubrics shipped with mockint."),
    ] = None,
    fmt: Annotated[TextFormat, typer.Option("--format", "-f", help="text or json.")] = TextFormat.text,
) -> None:
    """Report rubric problems: compound or vague key points, overlaps, missing or useless checks, examples.

    Exit code 1 when a file is invalid (errors), 0 when there are only warnings. A rubric file over 1 MiB
    ($MOCKINT_MAX_RUBRIC_BYTES) or nested over 32 levels is invalid.
    """
    from mockint.authoring.lint import lint_paths

    report = lint_paths(paths)
    if fmt is TextFormat.json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            typer.echo(finding.render())
        typer.echo(f"{report.files} file(s): {report.errors} error(s), {report.warnings} warning(s)")
    if report.errors:
        raise typer.Exit(1)


@app.command("test")
@user_errors
def test(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Rubric files or folders. Default: the rubrics shipped with mockint."),
    ] = None,
    no_llm: NoLlmOption = False,
    model: ModelOption = None,
) -> None:
    """Grade each rubric's example answers and compare with the expected verdicts.

    Runs the deterministic grader, and the LLM judge too when one is configured. Prints a diff of expected
    vs actual for every failing example; exit code 1 on any mismatch (usable in CI).
    """
    from mockint.authoring.examples import run_examples_file
    from mockint.rubrics import default_rubrics_dir, rubric_files

    files = rubric_files(paths or [default_rubrics_dir()])
    if not files:
        error("no rubric files (*.yaml) found; pass rubric files or folders")
        raise typer.Exit(1)
    judge = _judge(model, no_llm, "testing with the deterministic grader only")
    failures = 0
    examples = 0
    skipped = 0
    with contextlib.closing(judge) if judge is not None else contextlib.nullcontext():
        reports = [(file, run_examples_file(file, judge)) for file in files]
    for file, report in reports:
        examples += report.examples
        for line in report.mismatches:
            typer.echo(f"FAIL {line}")
        for run in report.failed_runs:
            typer.echo("\n".join(f"    {line}" for line in run.diff()))
        for line in report.skipped:
            typer.echo(f"SKIP {line}")
        skipped += len(report.skipped)
        failures += len(report.failed_examples)
        status = "ok" if not report.failed_examples else f"{len(report.failed_examples)} failed"
        typer.echo(f"{file}: {report.examples} example(s) {status}")
    graders = "deterministic and LLM" if judge is not None else "deterministic"
    extra = f", {skipped} LLM run(s) skipped" if skipped else ""
    typer.echo(f"{examples - failures} passed, {failures} failed ({graders}{extra})")
    if failures:
        raise typer.Exit(1)
