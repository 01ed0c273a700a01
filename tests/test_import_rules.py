"""Who may import what: the SDKs stay behind their one owner, and every package imports cheaply and offline."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
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


# -- start-up: every __init__ stays lazy ------------------------------------------------------------------------

HEAVY = ("pydantic", "openai", "tenacity", "langchain_core", "yaml", "httpx", "sounddevice", "numpy")
# Packages and what importing each may load. grading/__init__ imports ``score`` eagerly, and with it the pydantic
# models (so that ``mockint.grading.score`` is the function, not the module).
PACKAGES = {
    "mockint": HEAVY,
    "mockint.authoring": HEAVY,
    "mockint.batch": HEAVY,
    "mockint.judge": HEAVY,
    "mockint.practice": HEAVY,
    "mockint.review": HEAVY,
    "mockint.speech": HEAVY,
    "mockint.cli": HEAVY,
    "mockint.grading": ("openai", "tenacity", "langchain_core", "yaml", "httpx"),
}


def loaded_after(code: str, names: tuple[str, ...]) -> list[str]:
    """The modules of ``names`` that a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport sys\nprint('LOADED=' + ','.join(m for m in {names!r} if m in sys.modules))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("LOADED="))
    return [name for name in line.removeprefix("LOADED=").split(",") if name]


def test_mockint_help_loads_neither_pydantic_nor_the_llm_stack() -> None:
    code = (
        "from mockint.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit as exc:\n    assert not exc.code\n"
    )
    assert loaded_after(code, HEAVY) == []


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_importing_a_package_stays_cheap(package: str) -> None:
    assert loaded_after(f"import {package}", PACKAGES[package]) == []


def test_the_packages_checked_are_all_the_packages() -> None:
    found = {"mockint"} | {f"mockint.{path.parent.name}" for path in PACKAGE.glob("*/__init__.py")}
    assert found == set(PACKAGES)


@pytest.mark.parametrize(
    "package", ["mockint", "mockint.authoring", "mockint.batch", "mockint.judge", "mockint.speech"]
)
def test_every_lazy_name_is_the_object_of_its_module(package: str) -> None:
    module = importlib.import_module(package)
    lazy: dict[str, str] = module._LAZY
    assert set(lazy) <= set(module.__all__)
    for name in module.__all__:
        value = getattr(module, name)
        if name in lazy:
            assert value is getattr(importlib.import_module(lazy[name]), name), name
