"""Deterministic drafts of document questions, the ``Draft`` every importer returns, and writing drafts.

**From a document question**, key points are the short answer's clauses, the tips, and the most specific
theory and breakdown sentences (one statement each, at most :data:`MAX_KEY_POINTS`); each gets one check
whose concepts are its most specific content words (rarer across the imported documents, not generic), each
with general synonyms from :mod:`mockint.authoring.lexicon`. Typical mistakes are copied verbatim: "forget /
skip / ignore / hide ..." become omissions of the key points they name, the others get a detector built from
their own content words (dropped if it would fire on the model answer).

Bank questions are drafted by :mod:`mockint.authoring.bank`, and refined by an LLM in
:mod:`mockint.authoring.refine`; the helpers shared by all three live here.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mockint.authoring import lexicon
from mockint.authoring.sources import DocQuestion
from mockint.errors import InputError
from mockint.grading.matching import check_matches
from mockint.grading.words import content_words, word_key
from mockint.models import Check, Rubric
from mockint.rubrics import rubric_yaml

__all__ = [
    "GENERIC_FACTOR",
    "MAX_KEY_POINTS",
    "MAX_WEIGHT",
    "QUESTION_WORD_FACTOR",
    "Draft",
    "draft_documents",
    "shorten",
    "slugify",
    "split_sentences",
    "unique_id",
    "validated_rubric",
    "write_drafts",
]

MAX_KEY_POINTS = 8
# Seed rubrics weigh key points 1-3; drafted weights use the same scale.
MAX_WEIGHT = 3.0
# A word of the question, or a generic word, says less about what the answer must contain.
QUESTION_WORD_FACTOR = 0.5
GENERIC_FACTOR = 0.5
_CONCEPTS_PER_CHECK = 3

# Leading imperative of a typical mistake: it says what the candidate does, not what the answer contains.
_INSTRUCTION_VERBS = frozenset(
    """
    say says state claim define explain describe use treat assume call think believe confuse mix dismiss blame
    overcomplicate rely answer mention give name write present propose suggest start end
    говорить сказать называть использовать путать считать объяснять утверждать определять
    """.split()
)
_OMISSION_VERBS = frozenset(
    """
    forget forgets ignore ignores skip skips hide hides omit omits miss misses neglect neglects leave drop
    забыть забывать игнорировать пропустить пропускать скрыть скрывать опустить не
    """.split()
)
_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+(?=[\"“«(]?[A-ZА-ЯЁ0-9])")
_CLAUSE_RE = re.compile(r"\s*;\s*|,\s+(?=(?:and|but|while|so|whereas)\s)")


@dataclass
class Draft:
    """A drafted rubric and how it came about.

    Attributes:
        rubric: The validated rubric.
        file_name: The file it is written to (``<id>.yaml``).
        origin: ``FILE:LINE`` of its source, for messages.
        header: Comment lines written above the YAML.
        warnings: What did not go as asked (e.g. the LLM failed and the deterministic draft was kept).
        llm: Whether the LLM's refinement was used.
    """

    rubric: Rubric
    file_name: str
    origin: str
    header: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    llm: bool = False


# ---------------------------------------------------------------------------------------------------------
# Terms
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    phrase: str
    key: str
    position: int


def _multiword_phrases() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Lexicon phrases of two or more content words (with the phrase as written), by first word, longest first."""
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for group in lexicon.SYNONYM_GROUPS:
        for phrase in group:
            words = tuple(content_words(phrase))
            if len(words) >= 2:
                by_first.setdefault(words[0], []).append((words, phrase))
    for phrases in by_first.values():
        phrases.sort(key=lambda item: len(item[0]), reverse=True)
    return by_first


_PHRASES = _multiword_phrases()


def _terms(text: str) -> list[_Term]:
    """Content terms of a text, each once: lexicon phrases ("first in first out") as one term, else words."""
    words = content_words(text)
    terms: list[_Term] = []
    seen: set[str] = set()
    index = 0
    while index < len(words):
        word = words[index]
        phrase: tuple[str, ...] = (word,)
        text_phrase = word
        for candidate, written in _PHRASES.get(word, ()):
            if tuple(words[index : index + len(candidate)]) == candidate:
                phrase, text_phrase = candidate, written
                break
        index += len(phrase)
        key = " ".join(word_key(part) for part in phrase)
        if key in seen or not re.search(r"\w", text_phrase):
            continue
        seen.add(key)
        terms.append(_Term(text_phrase, key, len(terms)))
    return terms


def _alternatives(term: _Term) -> list[str]:
    phrase = term.phrase
    if phrase in lexicon.GENERIC_WORDS:
        return [phrase]  # "number" -> "count" would match too much
    variants = [phrase, *lexicon.synonyms(phrase)]
    if "-" in phrase:
        variants.append(phrase.replace("-", " "))
    return list(dict.fromkeys(variants))


def slugify(text: str, limit: int = 48) -> str:
    """An id from a text: ASCII words (Cyrillic transliterated) joined by "-", at most ``limit`` long."""

    translit = str.maketrans(
        {
            "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
            "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
            "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y",
            "ь": "", "э": "e", "ю": "yu", "я": "ya",
        }
    )  # fmt: skip
    ascii_text = text.casefold().translate(translit)
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or "item"


def unique_id(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3`` ... if taken; the result is added to ``taken``."""

    candidate = base
    number = 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    taken.add(candidate)
    return candidate


# ---------------------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, whitespace collapsed."""

    return [part.strip() for part in _SENTENCE_RE.split(" ".join(text.split())) if part.strip()]


def _clauses(sentence: str) -> list[str]:
    """Split a sentence that lists several claims: at ';' and ', and', or a list of comma-separated clauses."""
    parts = [part.strip(" ,") for part in _CLAUSE_RE.split(sentence) if part and part.strip(" ,")]
    out: list[str] = []
    for part in parts:
        pieces = [piece.strip() for piece in re.split(r",\s+(?:and\s+)?", part) if piece.strip()]
        # "separates A and B, explains C, names D, and describes E": every piece a clause of 3+ words; a plain
        # noun list ("effect size, variance, sample size") has short pieces and stays whole.
        if len(pieces) >= 3 and all(len(piece.split()) >= 3 for piece in pieces):
            out.extend(pieces)
        else:
            out.append(part)
    return [clause for clause in out if len(content_words(clause)) >= 2] or [sentence]


def _as_statement(clause: str) -> str:
    text = clause.strip().rstrip(",;:")
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in ".!?…" else text + "."


@dataclass
class _Candidate:
    text: str
    quote: str
    weight: float
    terms: list[_Term]


def _specificity(idf: dict[str, float], tf: dict[str, int] | None = None) -> Callable[[_Term], float]:
    """tf*idf: a term the question's own text repeats and other questions do not use names its topic."""

    def score(term: _Term) -> float:
        value = idf.get(term.key, 1.0) * (1.0 + math.log(tf.get(term.key, 1))) if tf else idf.get(term.key, 1.0)
        return value * (GENERIC_FACTOR if term.phrase in lexicon.GENERIC_WORDS else 1.0)

    return score


def _question_lines(question: DocQuestion) -> list[str]:
    return [question.short_answer, *question.breakdown, *question.theory, *question.tips, *question.mistakes]


def _term_counts(question: DocQuestion) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in [question.question, *_question_lines(question)]:
        for sentence in split_sentences(line):
            for term in _terms(sentence):
                counts[term.key] = counts.get(term.key, 0) + 1
    return counts


def _check_for(
    terms: Sequence[_Term], rank: Callable[[_Term], float], source: str, size: int = _CONCEPTS_PER_CHECK
) -> dict[str, Any] | None:
    """One check from the most specific terms, in text order; it must match its own source sentence."""
    specific = [term for term in terms if term.phrase not in lexicon.GENERIC_WORDS] or list(terms)
    chosen = sorted(sorted(specific, key=rank, reverse=True)[:size], key=lambda term: term.position)
    if not chosen:
        return None
    check: dict[str, Any] = {"concepts": [_alternatives(term) for term in chosen]}
    if check_matches(Check.model_validate(check), source) is None:
        # The source states it under a negation ("cannot be fixed by waiting longer"): the words still count.
        check["negation"] = False
        if check_matches(Check.model_validate(check), source) is None:
            check["scope"] = "answer"
    return check


def _checks_for(terms: Sequence[_Term], rank: Callable[[_Term], float], source: str) -> list[dict[str, Any]]:
    """The two most specific terms together meet the key point; two of the three most specific earn half."""
    narrow = _check_for(terms, rank, source, 2)
    wide = _check_for(terms, rank, source, _CONCEPTS_PER_CHECK)
    found = [check for check in (narrow, wide) if check is not None]
    if len(found) == 2 and found[0]["concepts"] == found[1]["concepts"]:
        found.pop()
    return found


def _without_instruction(text: str) -> str:
    """A tip or mistake without its leading imperative ("Name effect size ..." -> "effect size ...")."""
    words = content_words(text)
    if words and (words[0] in _INSTRUCTION_VERBS or words[0] in _OMISSION_VERBS):
        return re.sub(r"^\W*\w+", "", text, count=1)
    return text


def _document_idf(questions: Sequence[DocQuestion]) -> dict[str, float]:
    # Each question is a document; with a single question every term is equally rare and tf decides.
    weights, _ = lexicon.idf_weights(set(_term_counts(question)) for question in questions)
    return weights


def _draft_question(question: DocQuestion, idf: dict[str, float], taken_ids: set[str]) -> Draft:
    rank = _specificity(idf, _term_counts(question))
    candidates: list[_Candidate] = []
    for sentence in split_sentences(question.short_answer):
        for clause in _clauses(sentence):
            candidates.append(_Candidate(_as_statement(clause), sentence, 3.0, _terms(clause)))
    for tip in question.tips:
        candidates.append(_Candidate(_as_statement(tip), tip, 2.0, _terms(_without_instruction(tip))))
    extra: list[_Candidate] = []
    for weight, lines in ((2.0, question.theory), (1.0, question.breakdown)):
        for line in lines:
            for sentence in split_sentences(line):
                terms = _terms(sentence)
                if len(terms) >= 3:
                    extra.append(_Candidate(_as_statement(sentence), sentence, weight, terms))
    # The most specific explanatory sentences first: they carry the facts a short answer only names.
    extra.sort(key=lambda c: -sum(sorted((rank(t) for t in c.terms), reverse=True)[:_CONCEPTS_PER_CHECK]))
    chosen: list[_Candidate] = []
    for candidate in [*candidates, *extra]:
        if len(chosen) >= MAX_KEY_POINTS:
            break
        keys = {term.key for term in candidate.terms}
        if not keys:
            continue
        if any(len(keys & {t.key for t in other.terms}) / len(keys) >= 0.6 for other in chosen):
            continue
        chosen.append(candidate)

    criterion_ids: set[str] = set()
    criteria: list[dict[str, Any]] = []
    seen_checks: list[Any] = []
    for candidate in chosen:
        found = _checks_for(candidate.terms, rank, candidate.quote)
        if found and found[0]["concepts"] in seen_checks:
            continue  # another key point already checks for the same words
        seen_checks.extend(check["concepts"] for check in found[:1])
        top = sorted(candidate.terms, key=rank, reverse=True)[:2]
        base = slugify("-".join(t.phrase for t in sorted(top, key=lambda t: t.position)), 32)
        criterion: dict[str, Any] = {"id": unique_id(base, criterion_ids), "text": candidate.text}
        criterion["weight"] = candidate.weight
        criterion["checks"] = found
        criterion["source_quote"] = candidate.quote
        criteria.append(criterion)

    mistakes = _draft_mistakes(question, criteria, rank)
    rubric_id = unique_id(slugify(question.title, 40), taken_ids)
    short_ids = [c["id"] for c in criteria if c["weight"] == 3.0]
    data: dict[str, Any] = {
        "id": rubric_id,
        "title": question.title,
        "question": question.question,
        "source": [{"document": document, "section": section} for document, section in question.sources],
        "model_answer": question.short_answer,
        "criteria": criteria,
        "mistakes": mistakes,
        "tips": list(question.tips),
        "examples": [
            {
                "label": "strong-model-answer",
                "answer": question.short_answer,
                "expect": {
                    "criteria": dict.fromkeys(short_ids, "met"),
                    "mistakes": {m["id"]: False for m in mistakes if m.get("detectors")},
                },
            }
        ],
    }
    rubric = validated_rubric(data, question.where)
    header = [
        f"Drafted by `mockint rubric import` from {', '.join(doc for doc, _ in question.sources)} (deterministic).",
        "Review every key point: reword it as one checkable statement, prune the synonyms, add examples.",
    ]
    return Draft(rubric, f"{rubric.id}.yaml", question.where, header)


def _draft_mistakes(
    question: DocQuestion, criteria: list[dict[str, Any]], rank: Callable[[_Term], float]
) -> list[dict[str, Any]]:
    mistakes: list[dict[str, Any]] = []
    taken: set[str] = set()
    criterion_keys = {
        c["id"]: {word_key(w) for w in content_words(c["text"] + " " + c["source_quote"])} for c in criteria
    }
    for line in question.mistakes:
        words = content_words(line)
        first = words[0] if words else ""
        body = _without_instruction(line)
        terms = [t for t in _terms(body) if t.phrase not in _INSTRUCTION_VERBS]
        top = sorted(terms, key=rank, reverse=True)[:2]
        mistake_id = unique_id(slugify("-".join(t.phrase for t in sorted(top, key=lambda t: t.position)), 32), taken)
        mistake: dict[str, Any] = {"id": mistake_id, "text": line}
        if first in _OMISSION_VERBS:
            keys = {t.key for t in terms if rank(t) > 0.5}
            linked = [cid for cid, ck in criterion_keys.items() if keys & ck]
            mistake["penalty"] = 0.05
            if linked:
                mistake["omission_of"] = linked
        else:
            mistake["penalty"] = 0.1
            check = _check_for(terms, rank, body)
            if check is not None:
                check["negation"] = True
                check.pop("scope", None)
                # A detector that fires on the document's own answer would punish the model answer.
                if check_matches(Check.model_validate(check), question.short_answer) is None:
                    mistake["detectors"] = [check]
        mistakes.append(mistake)
    return mistakes


def draft_documents(questions: Sequence[DocQuestion], taken_ids: set[str] | None = None) -> list[Draft]:
    """Draft one rubric per document question, deterministically.

    Args:
        questions: Merged questions (see :func:`mockint.authoring.sources.merge_questions`).
        taken_ids: Rubric ids already used (updated); new ids get a ``-2`` suffix on a clash.

    Returns:
        The drafts, in question order.
    """
    taken = taken_ids if taken_ids is not None else set()
    idf = _document_idf(questions)
    return [_draft_question(question, idf, taken) for question in questions]


def shorten(text: str, limit: int) -> str:
    """The text on one line, cut to ``limit`` characters with an ellipsis (:func:`mockint.files.shorten`)."""
    from mockint.files import shorten as cut

    return cut(text, limit)


def validated_rubric(data: dict[str, Any], where: str) -> Rubric:
    """The drafted rubric, validated; a draft that does not validate is an ``InputError`` naming ``where``."""

    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        # A draft that does not validate is a bug in the drafting, but say where it came from.
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"{where}: cannot draft a valid rubric ({loc}: {first['msg']}); check the source text"
        ) from None


def write_drafts(drafts: Sequence[Draft], out: Path, *, force: bool = False) -> list[Path]:
    """Write every draft, all or nothing: temporary files first, then each renamed into place.

    Args:
        drafts: The drafts (file names unique).
        out: The output folder (created if missing).
        force: Overwrite existing files; otherwise an existing file is an error and nothing is written.

    Returns:
        The files written.

    Raises:
        InputError: A target exists (without ``force``), two drafts share a file name, or writing fails.
    """
    targets = [out / draft.file_name for draft in drafts]
    seen: dict[Path, str] = {}
    for draft, target in zip(drafts, targets, strict=True):
        if target in seen:
            raise InputError(f"{draft.origin}: rubric id {draft.rubric.id!r} is drafted twice ({seen[target]})")
        seen[target] = draft.origin
        if target.exists() and not force:
            raise InputError(f"{target}: already exists; pass --force to overwrite it, or choose another --out")
    texts = [rubric_yaml(draft.rubric, draft.header) for draft in drafts]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the folder ({exc.strerror}); check the path") from None
    temporary: list[Path] = []
    try:
        for text, target in zip(texts, targets, strict=True):
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out)
            temporary.append(Path(name))
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
        for path, target in zip(temporary, targets, strict=True):
            os.replace(path, target)
    except OSError as exc:
        for path in temporary:
            path.unlink(missing_ok=True)
        raise InputError(f"{out}: cannot write rubric files ({exc.strerror}); nothing was imported") from None
    return targets
