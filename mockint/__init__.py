"""mockint: mock technical interviews in the terminal, graded against rubrics.

The library is importable on its own: ``grade_answer`` grades one answer, ``grade_files`` does what
``mockint grade`` does, ``import_rubrics`` what ``mockint rubric import`` does (see the README). Names are loaded
on first use so that ``mockint --help`` does not pay for pydantic, YAML or the grader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint._lazy import lazy_attributes

__version__ = "0.1.0"

__all__ = [
    "Grade",
    "MockintError",
    "Rubric",
    "__version__",
    "build_judge",
    "grade_answer",
    "grade_files",
    "import_rubrics",
    "load_rubric",
    "load_rubrics",
    "load_settings",
    "score",
]

if TYPE_CHECKING:
    from mockint.authoring import import_rubrics
    from mockint.batch import grade_files
    from mockint.config import load_settings
    from mockint.errors import MockintError
    from mockint.grading import grade_answer, score
    from mockint.judge import build_judge
    from mockint.models import Grade, Rubric
    from mockint.rubrics import load_rubric, load_rubrics

_LAZY = {
    "grade_answer": "mockint.grading",
    "score": "mockint.grading",
    "grade_files": "mockint.batch",
    "import_rubrics": "mockint.authoring",
    "build_judge": "mockint.judge",
    "load_settings": "mockint.config",
    "load_rubric": "mockint.rubrics",
    "load_rubrics": "mockint.rubrics",
    "Grade": "mockint.models",
    "Rubric": "mockint.models",
    "MockintError": "mockint.errors",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
