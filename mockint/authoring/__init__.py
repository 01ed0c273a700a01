"""Rubric authoring: import documents and Q&A banks as rubrics, lint rubrics, run their example answers.

:func:`import_rubrics` is what ``mockint rubric import`` does. Modules: ``importer`` (:func:`import_rubrics`:
read, draft, refine, write), ``sources`` (reading documents and banks), ``draft`` (document drafts, the
``Draft`` record, writing drafts), ``claims`` / ``tagging`` / ``phrases`` / ``bank`` (bank drafts: reference
answers cut into claims, each a key point with checks), ``refine`` (the LLM's rewrite of a draft), ``lexicon``
(words for drafting), ``lint`` (rubric problems), ``examples`` (a rubric's examples run as tests),
``labels`` (human grades read from files), ``evaluation`` and ``metrics`` (agreement with them: ``mockint
eval``). Names load on first use so that importing the package (and ``mockint --help``) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint._lazy import lazy_attributes

__all__ = [
    "BankItem",
    "DocQuestion",
    "Draft",
    "Finding",
    "ImportResult",
    "LintReport",
    "RubricTestReport",
    "draft_bank",
    "draft_documents",
    "import_rubrics",
    "lint_paths",
    "lint_rubrics",
    "read_bank",
    "read_document",
    "read_sources",
    "refine_with_llm",
    "run_examples",
    "run_examples_file",
    "write_drafts",
]

if TYPE_CHECKING:
    from mockint.authoring.bank import draft_bank
    from mockint.authoring.draft import Draft, draft_documents, write_drafts
    from mockint.authoring.examples import RubricTestReport, run_examples, run_examples_file
    from mockint.authoring.importer import ImportResult, import_rubrics
    from mockint.authoring.lint import Finding, LintReport, lint_paths, lint_rubrics
    from mockint.authoring.refine import refine_with_llm
    from mockint.authoring.sources import BankItem, DocQuestion, read_bank, read_document, read_sources

_LAZY = {
    "ImportResult": "mockint.authoring.importer",
    "import_rubrics": "mockint.authoring.importer",
    "BankItem": "mockint.authoring.sources",
    "DocQuestion": "mockint.authoring.sources",
    "read_bank": "mockint.authoring.sources",
    "read_document": "mockint.authoring.sources",
    "read_sources": "mockint.authoring.sources",
    "Draft": "mockint.authoring.draft",
    "draft_documents": "mockint.authoring.draft",
    "write_drafts": "mockint.authoring.draft",
    "draft_bank": "mockint.authoring.bank",
    "refine_with_llm": "mockint.authoring.refine",
    "Finding": "mockint.authoring.lint",
    "LintReport": "mockint.authoring.lint",
    "lint_paths": "mockint.authoring.lint",
    "lint_rubrics": "mockint.authoring.lint",
    "RubricTestReport": "mockint.authoring.examples",
    "run_examples": "mockint.authoring.examples",
    "run_examples_file": "mockint.authoring.examples",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
