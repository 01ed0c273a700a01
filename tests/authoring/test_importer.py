"""import_rubrics from Python: what `mockint rubric import` writes, file for file, without the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mockint.authoring import ImportResult, import_rubrics
from mockint.cli import app
from mockint.rubrics import load_rubrics

DATA = Path(__file__).resolve().parent.parent / "data" / "authoring"
SOURCES = [DATA / "bank.jsonl", DATA / "001_77260d5510a59060.txt"]


def test_import_rubrics_writes_what_the_cli_writes(tmp_path: Path) -> None:
    said: list[str] = []
    result = import_rubrics(SOURCES, tmp_path / "lib", no_llm=True, notice=said.append)
    assert isinstance(result, ImportResult)
    assert not result.llm and result.refined == 0
    assert result.from_banks > 0 and result.from_documents == 4
    assert len(result.written) == result.from_banks + result.from_documents
    assert said == ["--no-llm given; drafting deterministically"]
    assert len(load_rubrics(tmp_path / "lib")) == len(result.written)

    cli = runner_import(tmp_path / "cli")
    assert sorted(p.name for p in cli.iterdir()) == sorted(p.name for p in result.written)
    for path in result.written:
        assert path.read_bytes() == (cli / path.name).read_bytes()


def runner_import(out: Path) -> Path:
    result = CliRunner().invoke(app, ["rubric", "import", *map(str, SOURCES), "--out", str(out), "--no-llm"])
    assert result.exit_code == 0, result.output
    return out
