"""Who may import what: the SDKs stay behind their one owner, so the rest of mockint imports cheaply and offline."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mockint"

# Top-level module -> the path (a file, or a folder ending in "/") inside mockint/ that alone may import it.
OWNERS = {
    "openai": "judge/",
    "tenacity": "judge/",
    "langchain_core": "prompts.py",
    "typer": "cli/",
}


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, at any depth (lazy imports in functions count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", sorted(OWNERS))
def test_only_the_owner_imports(module: str) -> None:
    owner = OWNERS[module]
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        allowed = relative.startswith(owner) if owner.endswith("/") else relative == owner
        if not allowed and module in imported_modules(path):
            offenders.append(relative)
    assert not offenders, f"only mockint/{owner} may import {module}: {offenders}"


def test_the_owners_exist() -> None:
    # A renamed owner would otherwise make the rule above pass for the wrong reason.
    for owner in OWNERS.values():
        assert (PACKAGE / owner).exists(), owner
