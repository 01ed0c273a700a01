"""mockint: mock technical interviews in the terminal, graded against rubrics.

The library is importable on its own (``from mockint import grade_answer, load_rubric``). Names are loaded on
first use so that ``mockint --help`` does not pay for pydantic, YAML or the grader.
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
    "grade_answer",
    "load_rubric",
    "load_rubrics",
    "score",
]

if TYPE_CHECKING:
    from mockint.errors import MockintError
    from mockint.grading import grade_answer, score
    from mockint.models import Grade, Rubric
    from mockint.rubrics import load_rubric, load_rubrics

_LAZY = {
    "grade_answer": "mockint.grading",
    "score": "mockint.grading",
    "load_rubric": "mockint.rubrics",
    "load_rubrics": "mockint.rubrics",
    "Grade": "mockint.models",
    "Rubric": "mockint.models",
    "MockintError": "mockint.errors",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
