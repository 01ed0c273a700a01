"""The package's public surface: every name loads from its module, and importing the package stays cheap."""

from __future__ import annotations

import importlib
import subprocess
import sys

import mockint.practice as practice


def test_every_public_name_loads_from_its_module() -> None:
    assert sorted(practice.__all__) == sorted(practice._LAZY)
    for name in practice.__all__:
        value = getattr(practice, name)
        assert value is getattr(importlib.import_module(practice._LAZY[name]), name), name


def test_importing_the_package_imports_neither_pydantic_nor_the_llm_stack() -> None:
    code = (
        "import sys\n"
        "import mockint.practice\n"
        "bad = [m for m in ('pydantic', 'openai', 'tenacity', 'langchain_core', 'rich') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
