"""The README's library snippets run as written, and print what their comments say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def library_snippets() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Library\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_library_section_shows_grade_files_and_import_rubrics() -> None:
    code = "\n".join(library_snippets())
    assert "grade_files(" in code and "import_rubrics(" in code


@pytest.mark.parametrize("index", range(len(library_snippets())))
def test_a_library_snippet_runs(index: int, tmp_path: Path) -> None:
    snippet = library_snippets()[index]
    (tmp_path / "rubrics").symlink_to(REPO / "rubrics")  # the paths are those of a checkout
    result = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.splitlines()
    # A `print(...)  # shown` line must print exactly what its comment shows.
    shows = [line for line in snippet.splitlines() if line.startswith("print(") and "  # " in line]
    expected = [line.split("  # ", 1)[1] for line in shows]
    for shown in expected:
        assert shown in printed, (shown, printed)
