"""Grading one answer against a rubric: deterministic layers always, the LLM judge when given.

Modules: ``words`` (normalisation, stop words, stems), ``cues`` (the negation, stance and reporting vocabularies),
``sentence`` (a sentence's clauses, negation and stance), ``text`` (parsing an answer into sentences), ``plans`` (a
rubric's checks compiled), ``matching`` (key points and mistakes), ``reporting`` (sentences that name a
misconception without making it), ``meaning`` and ``semantic`` (the optional meaning layer), ``injection`` (text
addressed to the grader), ``salad`` (terms strung together), ``guards`` (caps for the whole answer), ``evidence``
(is a quote in the answer, and about the key point), ``score`` (pure), ``grade`` (``grade_answer``: reconcile and
feedback).
Names load on first use so that importing the package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint._lazy import lazy_attributes

# Eager, because importing the submodule ``score`` would otherwise leave the package attribute ``score``
# bound to the module rather than the function.
from mockint.grading.score import score

__all__ = ["feedback_text", "grade_answer", "relevant_tips", "score"]

if TYPE_CHECKING:
    from mockint.grading.grade import feedback_text, grade_answer, relevant_tips

_LAZY = {
    "feedback_text": "mockint.grading.grade",
    "grade_answer": "mockint.grading.grade",
    "relevant_tips": "mockint.grading.grade",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
