"""Drafting rubrics from documents and Q&A banks, deterministically and (optionally) with an LLM.

**From a document question**, key points are the short answer's clauses, the tips, and the most specific
theory and breakdown sentences (one statement each, at most :data:`MAX_KEY_POINTS`); each gets one check
whose concepts are its most specific content words (rarer across the imported documents, not generic), each
with general synonyms from :mod:`mockint.lexicon`. Typical mistakes are copied verbatim: "forget / skip /
ignore / hide ..." become omissions of the key points they name, the others get a detector built from their
own content words (dropped if it would fire on the model answer).

**From a bank item**, graded coverage matters more than prose: the reference answer's key terms each become a
key point weighted by how specific the term is in the bank (inverse document frequency over the bank's
questions and references; halved for words the question already contains, since echoing the question proves
little, and for generic words). Two more key points make the score concave, as human graders are: one is met
by any key term, one by any two of the most specific terms together. Nothing is learned from graded answers.

**With an LLM**, the judge rewrites the key points as atomic, checkable statements with synonyms and negation
cases, links the mistakes, and writes strong / partial / weak example answers. Its reply is validated like any
rubric (and every key point must quote the source); a failure keeps the deterministic draft with a warning.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from mockint import checks, lexicon
from mockint.docimport import BankItem, DocQuestion
from mockint.errors import InputError, JudgeError
from mockint.models import Rubric

if TYPE_CHECKING:
    from mockint.judge import OpenAIJudge

__all__ = [
    "MAX_KEY_POINTS",
    "Draft",
    "draft_bank",
    "draft_documents",
    "refine_with_llm",
    "rubric_yaml",
    "write_drafts",
]

MAX_KEY_POINTS = 8
# Seed rubrics weigh key points 1-3; drafted weights use the same scale.
_MAX_WEIGHT = 3.0
# The "any key term" and "two key terms" key points each weigh this share of the key terms' total.
_LADDER_SHARE = 0.25
# Pairs for the "two key terms" key point come from this many most specific terms (10 pairs at most).
_PAIR_TERMS = 5
_QUESTION_WORD_FACTOR = 0.5
_GENERIC_FACTOR = 0.5
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
            words = tuple(checks.content_words(phrase))
            if len(words) >= 2:
                by_first.setdefault(words[0], []).append((words, phrase))
    for phrases in by_first.values():
        phrases.sort(key=lambda item: len(item[0]), reverse=True)
    return by_first


_PHRASES = _multiword_phrases()


def _terms(text: str) -> list[_Term]:
    """Content terms of a text, each once: lexicon phrases ("first in first out") as one term, else words."""
    words = checks.content_words(text)
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
        key = " ".join(checks.word_key(part) for part in phrase)
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


def _slug(text: str, limit: int = 48) -> str:
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


def _unique(base: str, taken: set[str]) -> str:
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


def _sentences(text: str) -> list[str]:
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
    return [clause for clause in out if len(checks.content_words(clause)) >= 2] or [sentence]


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
        return value * (_GENERIC_FACTOR if term.phrase in lexicon.GENERIC_WORDS else 1.0)

    return score


def _question_lines(question: DocQuestion) -> list[str]:
    return [question.short_answer, *question.breakdown, *question.theory, *question.tips, *question.mistakes]


def _term_counts(question: DocQuestion) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in [question.question, *_question_lines(question)]:
        for sentence in _sentences(line):
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
    from mockint.models import Check

    if checks.check_matches(Check.model_validate(check), source) is None:
        # The source states it under a negation ("cannot be fixed by waiting longer"): the words still count.
        check["negation"] = False
        if checks.check_matches(Check.model_validate(check), source) is None:
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
    words = checks.content_words(text)
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
    for sentence in _sentences(question.short_answer):
        for clause in _clauses(sentence):
            candidates.append(_Candidate(_as_statement(clause), sentence, 3.0, _terms(clause)))
    for tip in question.tips:
        candidates.append(_Candidate(_as_statement(tip), tip, 2.0, _terms(_without_instruction(tip))))
    extra: list[_Candidate] = []
    for weight, lines in ((2.0, question.theory), (1.0, question.breakdown)):
        for line in lines:
            for sentence in _sentences(line):
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
        base = _slug("-".join(t.phrase for t in sorted(top, key=lambda t: t.position)), 32)
        criterion: dict[str, Any] = {"id": _unique(base, criterion_ids), "text": candidate.text}
        criterion["weight"] = candidate.weight
        criterion["checks"] = found
        criterion["source_quote"] = candidate.quote
        criteria.append(criterion)

    mistakes = _draft_mistakes(question, criteria, rank)
    rubric_id = _unique(_slug(question.title, 40), taken_ids)
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
    rubric = _validated(data, question.where)
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
        c["id"]: {checks.word_key(w) for w in checks.content_words(c["text"] + " " + c["source_quote"])}
        for c in criteria
    }
    from mockint.models import Check

    for line in question.mistakes:
        words = checks.content_words(line)
        first = words[0] if words else ""
        body = _without_instruction(line)
        terms = [t for t in _terms(body) if t.phrase not in _INSTRUCTION_VERBS]
        top = sorted(terms, key=rank, reverse=True)[:2]
        mistake_id = _unique(_slug("-".join(t.phrase for t in sorted(top, key=lambda t: t.position)), 32), taken)
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
                if checks.check_matches(Check.model_validate(check), question.short_answer) is None:
                    mistake["detectors"] = [check]
        mistakes.append(mistake)
    return mistakes


def draft_documents(questions: Sequence[DocQuestion], taken_ids: set[str] | None = None) -> list[Draft]:
    """Draft one rubric per document question, deterministically.

    Args:
        questions: Merged questions (see :func:`mockint.docimport.merge_questions`).
        taken_ids: Rubric ids already used (updated); new ids get a ``-2`` suffix on a clash.

    Returns:
        The drafts, in question order.
    """
    taken = taken_ids if taken_ids is not None else set()
    idf = _document_idf(questions)
    return [_draft_question(question, idf, taken) for question in questions]


# ---------------------------------------------------------------------------------------------------------
# Banks
# ---------------------------------------------------------------------------------------------------------


def draft_bank(items: Sequence[BankItem]) -> list[Draft]:
    """Draft one rubric per bank question: weighted key terms plus the two coverage key points.

    Args:
        items: The bank's questions (ids unique).

    Returns:
        The drafts, in bank order.
    """
    analysed: list[tuple[BankItem, list[list[_Term]], set[str]]] = []
    documents: list[set[str]] = []
    for item in items:
        per_reference = [_terms(reference) for reference in item.references]
        question_keys = {term.key for term in _terms(item.question)}
        analysed.append((item, per_reference, question_keys))
        keys = set(question_keys)
        for terms in per_reference:
            keys.update(term.key for term in terms)
        documents.append(keys)
    idf, _ = lexicon.idf_weights(documents)
    return [_draft_item(item, per_reference, question_keys, idf) for item, per_reference, question_keys in analysed]


def _draft_item(
    item: BankItem, per_reference: list[list[_Term]], question_keys: set[str], idf: dict[str, float]
) -> Draft:
    terms: dict[str, _Term] = {}
    share: dict[str, float] = {}
    quotes: dict[str, str] = {}
    for reference, reference_terms in zip(item.references, per_reference, strict=True):
        sentences = _sentences(reference) or [reference]
        sentence_keys = [{t.key for t in _terms(s)} for s in sentences] if len(sentences) > 1 else [set()]
        for term in reference_terms:
            if term.key not in terms:
                terms[term.key] = _Term(term.phrase, term.key, len(terms))
                found = (s for s, keys in zip(sentences, sentence_keys, strict=True) if term.key in keys)
                quotes[term.key] = next(found, sentences[0])
            # A term only some reference answers use is one way of answering, not a requirement.
            share[term.key] = share.get(term.key, 0.0) + 1.0 / len(item.references)
    raw: dict[str, float] = {}
    for key, term in terms.items():
        weight = idf.get(key, 1.0) * share[key]
        if key in question_keys:
            weight *= _QUESTION_WORD_FACTOR
        if term.phrase in lexicon.GENERIC_WORDS:
            weight *= _GENERIC_FACTOR
        raw[key] = weight
    top = max(raw.values(), default=1.0) or 1.0
    weights = {key: max(0.1, round(_MAX_WEIGHT * value / top, 2)) for key, value in raw.items()}

    criterion_ids: set[str] = set()
    criteria: list[dict[str, Any]] = []
    concepts: dict[str, list[str]] = {}
    for key, term in terms.items():
        concepts[key] = _alternatives(term)
        criteria.append(
            {
                "id": _unique(_slug(term.phrase, 32), criterion_ids),
                "text": f'Mentions "{term.phrase}" (a key term of the reference answer).',
                "weight": weights[key],
                # Checks on single terms ignore negation: in short answers a term is often correctly used
                # in a negative sentence ("a while loop may not run at all; a do-while runs once").
                "checks": [{"concepts": [concepts[key]], "negation": False}],
                "source_quote": quotes[key],
            }
        )
    total = sum(weights.values())
    ladder_weight = min(100.0, max(0.1, round(_LADDER_SHARE * total, 2)))
    if len(terms) >= 2:
        criteria.append(
            {
                "id": _unique("any-key-term", criterion_ids),
                "text": "States at least one key term of the reference answer.",
                "weight": ladder_weight,
                "checks": [{"concepts": [concepts[key]], "negation": False} for key in terms],
            }
        )
    if len(terms) >= 3:
        specific = sorted(terms, key=lambda key: -weights[key])[:_PAIR_TERMS]
        specific.sort(key=lambda key: terms[key].position)
        pairs = [(a, b) for index, a in enumerate(specific) for b in specific[index + 1 :]]
        criteria.append(
            {
                "id": _unique("two-key-terms", criterion_ids),
                "text": "States at least two of the most specific key terms of the reference answer.",
                "weight": ladder_weight,
                "checks": [
                    {"concepts": [concepts[a], concepts[b]], "scope": "answer", "negation": False} for a, b in pairs
                ],
            }
        )
    model_answer = item.references[0]
    if len(item.references) > 1:
        model_answer += "".join(f"\n\nAlternative reference answer: {other}" for other in item.references[1:])
    examples = []
    for index, (reference, reference_terms) in enumerate(zip(item.references, per_reference, strict=True)):
        present = {term.key for term in reference_terms}
        ids = [c["id"] for c, key in zip(criteria, terms, strict=False) if key in present]
        examples.append(
            {
                "label": "strong-reference" if index == 0 else f"strong-reference-{index + 1}",
                "answer": reference,
                "expect": {"criteria": dict.fromkeys(ids, "met")},
            }
        )
    data: dict[str, Any] = {
        "id": item.id,
        "title": _shorten(item.question, 90),
        "question": item.question,
        "source": [{"document": item.document, "section": f"id {item.id}"}],
        "model_answer": model_answer,
        "criteria": criteria,
        "examples": examples,
    }
    rubric = _validated(data, item.where)
    header = [
        f"Drafted by `mockint rubric import` from {item.document} (deterministic, bank id {item.id}).",
        "One key point per key term of the reference, weighted by how specific the term is in the bank; the",
        "any-key-term and two-key-terms key points give partial answers graded credit.",
    ]
    return Draft(rubric, f"{item.id}.yaml", item.where, header)


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _validated(data: dict[str, Any], where: str) -> Rubric:
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        # A draft that does not validate is a bug in the drafting, but say where it came from.
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"{where}: cannot draft a valid rubric ({loc}: {first['msg']}); check the source text"
        ) from None


# ---------------------------------------------------------------------------------------------------------
# LLM refinement
# ---------------------------------------------------------------------------------------------------------

DRAFT_PROMPT = "draft"


def _string_list(min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "minItems": min_items}


def draft_schema(rubric: Rubric) -> dict[str, Any]:
    """The JSON schema of the LLM's drafting reply for one rubric (mistake ids fixed to the draft's)."""

    def obj(properties: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}

    mistake_ids = [m.id for m in rubric.mistakes]
    mistake_id: dict[str, Any] = {"type": "string", "enum": mistake_ids} if mistake_ids else {"type": "string"}
    verdict = {"type": "string", "enum": ["met", "partial", "missed"]}
    return obj(
        {
            "criteria": {
                "type": "array",
                "items": obj(
                    {
                        "id": {"type": "string"},
                        "text": {"type": "string"},
                        "source_quote": {"type": "string"},
                        "weight": {"type": "number"},
                        "concepts": {"type": "array", "items": _string_list(1)},
                        "negations": _string_list(),
                    }
                ),
            },
            "mistakes": {
                "type": "array",
                "items": obj(
                    {
                        "id": mistake_id,
                        "omission_of": _string_list(),
                        "concepts": {"type": "array", "items": _string_list(1)},
                    }
                ),
            },
            "examples": {
                "type": "array",
                "items": obj(
                    {
                        "label": {"type": "string", "enum": ["strong", "partial", "weak"]},
                        "answer": {"type": "string"},
                        "criteria": {"type": "array", "items": obj({"id": {"type": "string"}, "verdict": verdict})},
                        "mistakes": {
                            "type": "array",
                            "items": obj({"id": mistake_id, "committed": {"type": "boolean"}}),
                        },
                    }
                ),
            },
        }
    )


def _source_text(rubric: Rubric, sources: Sequence[str]) -> str:
    return "\n".join([rubric.model_answer, *sources, *rubric.tips])


def _refined(reply: dict[str, Any], draft: Rubric, source: str) -> Rubric:
    """Turn the LLM's reply into a rubric, or raise ``ValueError`` saying what to fix (fed back to it)."""
    criteria: list[dict[str, Any]] = []
    for index, item in enumerate(reply.get("criteria") or []):
        if not isinstance(item, dict):
            raise ValueError(f"criteria[{index}] must be an object")
        quote = str(item.get("source_quote") or "")
        if not quote.strip() or not checks.find_quote(quote, source):
            raise ValueError(
                f"criteria[{index}].source_quote is not a sentence of the source text; copy it verbatim from it"
            )
        check: dict[str, Any] = {"concepts": item.get("concepts")}
        if item.get("negations"):
            check["exclude"] = item["negations"]
        weight = item.get("weight")
        criteria.append(
            {
                "id": item.get("id"),
                "text": item.get("text"),
                "weight": min(3.0, max(1.0, float(weight))) if isinstance(weight, int | float) else 1.0,
                "checks": [check],
                "source_quote": quote,
            }
        )
    if not criteria:
        raise ValueError("criteria: give at least one key point")
    by_id = {m.id: m for m in draft.mistakes}
    mistakes = [m.model_dump(mode="json", exclude_defaults=True) for m in draft.mistakes]
    index_of = {m.id: i for i, m in enumerate(draft.mistakes)}
    for item in reply.get("mistakes") or []:
        mistake_id = item.get("id")
        if mistake_id not in by_id:
            raise ValueError(f"mistakes: unknown id {mistake_id!r}; use one of: {', '.join(by_id) or '(none)'}")
        kept = mistakes[index_of[mistake_id]]
        kept.pop("detectors", None)
        kept.pop("omission_of", None)
        if item.get("omission_of"):
            kept["omission_of"] = item["omission_of"]
        if item.get("concepts"):
            kept["detectors"] = [{"concepts": item["concepts"]}]
    examples: list[dict[str, Any]] = []
    for item in reply.get("examples") or []:
        examples.append(
            {
                "label": item.get("label"),
                "answer": item.get("answer"),
                "expect": {
                    "criteria": {entry["id"]: entry["verdict"] for entry in item.get("criteria") or []},
                    "mistakes": {entry["id"]: entry["committed"] for entry in item.get("mistakes") or []},
                },
            }
        )
    data = draft.model_dump(mode="json", exclude_defaults=True)
    data.update(criteria=criteria, mistakes=mistakes, examples=examples or data.get("examples", []))
    # Same validation as any rubric file: ids, cross references, field types.
    return Rubric.model_validate(data)


def refine_with_llm(draft: Draft, judge: OpenAIJudge, sources: Sequence[str]) -> Draft:
    """Ask the LLM to rewrite a deterministic draft; keep the draft (with a warning) if that fails.

    Args:
        draft: The deterministic draft.
        judge: The OpenAI-compatible judge (its ``ask`` does the request, retries and one re-ask).
        sources: The source text the key points must quote (breakdown, theory, references ...).

    Returns:
        A new draft with the LLM's rubric, or the same draft with a warning in ``warnings``.
    """
    rubric = draft.rubric
    source = _source_text(rubric, sources)
    current = {
        "criteria": [
            {
                "id": c.id,
                "text": c.text,
                "source_quote": c.source_quote,
                "concepts": c.checks[0].concepts if c.checks else [],
            }
            for c in rubric.criteria
        ],
        "mistakes": [{"id": m.id, "text": m.text, "omission_of": m.omission_of} for m in rubric.mistakes],
    }
    variables = {
        "question": rubric.question,
        "model_answer": rubric.model_answer,
        "source": source,
        "draft": json.dumps(current, ensure_ascii=False, indent=1),
    }
    try:
        refined = judge.ask(
            DRAFT_PROMPT,
            variables,
            draft_schema(rubric),
            lambda reply: _refined(reply, rubric, source),
            label=rubric.id,
        )
    except JudgeError as exc:
        warning = (
            f"{draft.origin}: LLM drafting failed for {rubric.id} ({exc.reason}: {exc}); kept the deterministic draft"
        )
        return Draft(rubric, draft.file_name, draft.origin, draft.header, [*draft.warnings, warning], llm=False)
    header = [draft.header[0].replace("(deterministic", f"(refined by LLM {judge.model}"), *draft.header[1:2]]
    return Draft(refined, draft.file_name, draft.origin, header, list(draft.warnings), llm=True)


# ---------------------------------------------------------------------------------------------------------
# YAML output
# ---------------------------------------------------------------------------------------------------------

_PLAIN_RE = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n#:]*$")
_NOT_PLAIN = re.compile(
    r"^(?:~|null|true|false|yes|no|on|off|y|n|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|"
    r"0x[0-9a-f]+|0o[0-7]+|\.inf|\.nan|[-+]?\.inf)$",
    re.IGNORECASE,
)
_FOLD_WIDTH = 110


def _scalar(value: Any) -> str:
    """One YAML scalar: plain when unambiguous, else JSON-quoted (a JSON string is a valid YAML one)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if text and _PLAIN_RE.match(text) and not _NOT_PLAIN.match(text) and text == text.strip() and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _folded(text: str, indent: str) -> list[str] | None:
    """Long prose as a ``>-`` block wrapped at word boundaries, when that reads back to exactly ``text``."""
    if len(text) <= _FOLD_WIDTH - len(indent) or "\n" in text or "  " in text or "\t" in text:
        return None
    if text != text.strip() or not text.isprintable():
        return None
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(indent) + len(current) + 1 + len(word) > _FOLD_WIDTH:
            lines.append(indent + current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(indent + current)
    return lines


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(key)}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, str) and any(char in value for char in ",[]{}"):
        return json.dumps(value, ensure_ascii=False)  # these end a plain scalar inside [...] and {...}
    return _scalar(value)


_FIELD_ORDER = ("id", "label", "lang", "title", "text", "weight", "penalty", "question", "topic", "tags", "source")
# Lists written on one line: short phrase lists, concepts, and small checks.
_FLOW_LISTS = frozenset({"tags", "exclude", "unless", "omission_of", "score"})


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    first = {key: data[key] for key in _FIELD_ORDER if key in data}
    return {**first, **{key: value for key, value in data.items() if key not in first}}


def _emit(key: str, value: Any, indent: str, out: list[str], first_prefix: str | None = None) -> None:
    """Emit ``key: value`` at ``indent``; ``first_prefix`` replaces the indent of the first line ("- ")."""
    lead = first_prefix if first_prefix is not None else indent
    name = key
    key = _scalar(key)  # ids used as keys ("1", "yes") must stay strings
    if isinstance(value, dict):
        if not value:
            out.append(f"{lead}{key}: {{}}")
            return
        out.append(f"{lead}{key}:")
        for child_key, child in _ordered(value).items():
            _emit(str(child_key), child, indent + "  ", out)
        return
    if isinstance(value, list):
        if not value:
            out.append(f"{lead}{key}: []")
            return
        if (
            name in _FLOW_LISTS
            or (name == "concepts")
            or all(isinstance(item, str) and len(item) < 40 for item in value)
            and name not in ("tips",)
        ):
            if name == "concepts":
                out.append(f"{lead}{key}:")
                out.extend(f"{indent}  - {_flow(item)}" for item in value)
            else:
                out.append(f"{lead}{key}: {_flow(value)}")
            return
        out.append(f"{lead}{key}:")
        for item in value:
            _emit_item(item, indent, out, compact=name in ("checks", "detectors"))
        return
    text = _scalar(value)
    folded = _folded(value, indent + "  ") if isinstance(value, str) else None
    if folded is not None:
        out.append(f"{lead}{key}: >-")
        out.extend(folded)
    else:
        out.append(f"{lead}{key}: {text}")


def _emit_item(item: Any, indent: str, out: list[str], compact: bool = False) -> None:
    if isinstance(item, dict):
        line = _flow(item) if compact else ""
        if compact and len(indent) + 2 + len(line) <= _FOLD_WIDTH:
            # A short check reads best on one line.
            out.append(f"{indent}- {line}")
            return
        for position, (key, value) in enumerate(_ordered(item).items()):
            _emit(str(key), value, indent + "  ", out, first_prefix=f"{indent}- " if position == 0 else None)
        return
    text = _scalar(item)
    folded = _folded(item, indent + "  ") if isinstance(item, str) else None
    if folded is not None:
        out.append(f"{indent}- >-")
        out.extend(folded)
    else:
        out.append(f"{indent}- {text}")


def rubric_yaml(draft: Draft) -> str:
    """The rubric as readable YAML: header comments, folded prose, concept lists and short checks on one line.

    Written by a small emitter for the rubric's known shape (PyYAML's representer is the bottleneck of a
    bank import of thousands of questions); tests read every kind of output back with the rubric loader.
    """
    data = draft.rubric.model_dump(mode="json", exclude_defaults=True)
    for criterion in data.get("criteria", []):
        criterion.setdefault("weight", 1.0)
    out = [f"# {line}" for line in draft.header]
    for key, value in _ordered(data).items():
        _emit(key, value, "", out)
    return "\n".join(out) + "\n"


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
    texts = [rubric_yaml(draft) for draft in drafts]
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
