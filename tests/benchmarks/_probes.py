"""Reading the probe files of tests/data/probes: one probe per line, fields split by " | ", "#" lines skipped.

Every third probe of a file (the 3rd, the 6th, ...) is its held-out part: probes written after the seventh
session are split this way before the grader is run on them, and the figures are printed for both parts.
"""

from __future__ import annotations

from pathlib import Path

PROBES = Path(__file__).resolve().parents[1] / "data" / "probes"


def read_probes(path: Path, fields: int) -> list[tuple[bool, list[str]]]:
    """The probes of a file as (held out, fields), in file order."""
    rows: list[tuple[bool, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [part.strip() for part in line.split(" | ", fields - 1)]
        if len(parts) != fields:
            raise SystemExit(f"{path}: expected {fields} fields separated by ' | ': {line[:80]}")
        rows.append(((len(rows) + 1) % 3 == 0, parts))
    return rows
