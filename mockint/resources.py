"""Where the data that ships with mockint (rubrics, prompts) lives.

In a wheel the top-level ``rubrics/`` and ``prompts/`` folders are installed as ``mockint/_data/...``; in a
source checkout (or an editable install) they sit next to the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder of shipped data called ``name`` (``"rubrics"`` or ``"prompts"``).

    Args:
        name: The top-level data folder's name.

    Returns:
        The installed copy if there is one, else the source checkout's folder (which may not exist).
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name
