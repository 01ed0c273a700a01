"""``import_rubrics``: what ``mockint rubric import`` does, as one call: documents and banks in, rubric files out.

Every source is read and checked first (:mod:`~mockint.authoring.sources`); bank items and document questions
become deterministic drafts (:mod:`~mockint.authoring.bank`, :mod:`~mockint.authoring.draft`); with an LLM
configured each draft is rewritten (:mod:`~mockint.authoring.refine`; a failure keeps the deterministic draft,
with a warning); then one YAML file per question is written, atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockint.authoring.draft import Draft
    from mockint.config import Settings

__all__ = ["ImportResult", "import_rubrics"]


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_rubrics` wrote.

    Attributes:
        written: The rubric files, in draft order.
        drafts: The drafts written (their ``warnings`` say what the LLM could not do, or what looks off).
        from_banks: Drafts made from Q&A bank items.
        from_documents: Drafts made from interview-prep document questions.
        refined: Drafts rewritten by the LLM.
        llm: Whether an LLM was asked at all.
    """

    written: list[Path]
    drafts: list[Draft]
    from_banks: int
    from_documents: int
    refined: int
    llm: bool


def _quiet(message: str) -> None:
    """Messages nobody asked for."""


def import_rubrics(
    files: Sequence[str | Path],
    out: str | Path,
    *,
    settings: Settings | None = None,
    model: str | None = None,
    no_llm: bool = False,
    force: bool = False,
    notice: Callable[[str], None] = _quiet,
) -> ImportResult:
    """Draft rubrics from interview-prep documents (``.txt``, ``.md``) and Q&A banks (``.jsonl``, ``.csv``).

    Args:
        files: The documents and banks.
        out: The folder to write one rubric file per question to (created if missing).
        settings: Whether and which LLM refines the drafts; default: ``load_settings(model=..., no_llm=...)``,
            read only when there is something to draft.
        model: The LLM model, when ``settings`` is not given.
        no_llm: Never call an LLM, when ``settings`` is not given.
        force: Overwrite rubric files that already exist.
        notice: Says a one-line notice (why the drafts are deterministic).

    Returns:
        The files written and the drafts.

    Raises:
        InputError: A source is bad, two banks share an id, or a rubric file exists (without ``force``).
        ConfigError: The settings are invalid.
    """
    from mockint.authoring.bank import draft_bank
    from mockint.authoring.draft import draft_documents, write_drafts
    from mockint.authoring.refine import refine_with_llm
    from mockint.authoring.sources import read_sources

    questions, items = read_sources([Path(file) for file in files])
    taken = {item.id for item in items}
    # Each draft with the source text its key points must quote when the LLM rewrites them.
    pairs = [
        *zip(draft_bank(items), (item.references for item in items), strict=True),
        *zip(draft_documents(questions, taken), ([*q.breakdown, *q.theory] for q in questions), strict=True),
    ]
    drafts = [draft for draft, _ in pairs]
    llm = False
    if drafts:
        from mockint.config import load_settings

        settings = settings if settings is not None else load_settings(model=model, no_llm=no_llm)
        if settings.use_llm:
            from mockint.judge import build_judge

            llm = True
            with build_judge(settings) as judge:
                drafts = [refine_with_llm(draft, judge, source) for draft, source in pairs]
        else:
            notice(f"{settings.llm_reason}; drafting deterministically")
    written = write_drafts(drafts, Path(out), force=force)
    return ImportResult(
        written=written,
        drafts=drafts,
        from_banks=len(items),
        from_documents=len(questions),
        refined=sum(1 for draft in drafts if draft.llm),
        llm=llm,
    )
