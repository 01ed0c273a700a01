"""The deterministic grader's public helpers, under their old module name.

The code lives in :mod:`mockint.grading` (``text``, ``matching``, ``guards``, ``evidence``); this module keeps
the names that authoring and lint import until they move to the capability layout.
"""

from __future__ import annotations

from mockint.grading.evidence import find_quote
from mockint.grading.guards import Guard, GuardKind
from mockint.grading.matching import (
    Analysis,
    CriterionMatch,
    MistakeMatch,
    analyse,
    check_matches,
    omission_committed,
)
from mockint.grading.text import content_words, word_key

__all__ = [
    "Analysis",
    "CriterionMatch",
    "Guard",
    "GuardKind",
    "MistakeMatch",
    "analyse",
    "check_matches",
    "content_words",
    "find_quote",
    "omission_committed",
    "word_key",
]
