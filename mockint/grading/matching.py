"""Matching key points and typical mistakes: rubric checks compiled once, phrases found by stem within a window.

Everything here is a pure function of the answer and the rubric.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from mockint.grading import meaning
from mockint.grading.denials import belittled_topics, denial, elsewhere, stated_checks, statements
from mockint.grading.finder import PhraseMatcher
from mockint.grading.guards import AnswerFlags, Guard, _guards, mark_echoes
from mockint.grading.injection import mark_injections
from mockint.grading.plans import COMPILED_FROM, Compiled, Plan, compile_rubric
from mockint.grading.reporting import sentence_roles
from mockint.grading.salad import SALAD_SHARE, crowded, may_hold_salad, salad_sentences, salad_share
from mockint.grading.sentence import BELITTLED, NEGATED, UNNEGATED
from mockint.grading.text import Doc, parse
from mockint.models import Check, Criterion, Mistake, Rubric, Verdict


@dataclass(frozen=True, slots=True)
class CriterionMatch:
    """The deterministic verdict on one key point.

    Attributes:
        id: The key point's id.
        verdict: ``met``, ``partial`` or ``missed``.
        evidence: The answer's sentence that matched, verbatim (stripped); ``None`` when missed.
    """

    id: str
    verdict: Verdict
    evidence: str | None


@dataclass(frozen=True, slots=True)
class MistakeMatch:
    """Whether the answer makes one typical mistake, by the deterministic checks.

    Attributes:
        id: The mistake's id.
        committed: Whether a detector matched or every key point listed in ``omission_of`` was missed.
        evidence: The answer's sentence that triggered a detector, verbatim; ``None`` for an omission or when
            not committed.
    """

    id: str
    committed: bool
    evidence: str | None


@dataclass(frozen=True, slots=True)
class Analysis:
    """The deterministic analysis of one answer against one rubric.

    Attributes:
        criteria: One verdict per key point, in rubric order.
        mistakes: One verdict per typical mistake, in rubric order.
        guards: The guards that fired, in a fixed order (empty, garbage, keyword_list, off_topic, echo,
            dismissive, injection).
        layers: The deterministic layers that ran: ``lexical``, and ``semantic:<model>`` when the meaning layer
            is installed.
    """

    criteria: tuple[CriterionMatch, ...]
    mistakes: tuple[MistakeMatch, ...]
    guards: tuple[Guard, ...]
    layers: tuple[str, ...] = ("lexical",)


# ---------------------------------------------------------------------------------------------------------
# Rubric compilation
# ---------------------------------------------------------------------------------------------------------


# Compiled rubrics by their content (the JSON of the fields they are compiled from): the same rubric graded
# again, or loaded again, is compiled once, and a rubric edited in place (a check's phrases, a key point added)
# is compiled anew, because its content is its key. Dumping those fields costs about 40 microseconds;
# compiling a rubric, milliseconds.
_COMPILED: dict[bytes, Compiled] = {}
_COMPILED_FROM: set[str] = set(COMPILED_FROM)
_COMPILED_MAX = 256
_COMPILED_LOCK = threading.Lock()

# Rubric objects that nothing changes any more (see :func:`freeze_rubrics`), by id, held so that the id is not
# reused, and what they compiled to: found by identity, without the dump.
_FROZEN: dict[int, Rubric] = {}
_FROZEN_COMPILED: dict[int, Compiled] = {}


def freeze_rubrics(rubrics: Iterable[Rubric]) -> None:
    """Promise that these rubric objects will not be edited again, so that their compiled checks are found by
    identity rather than by content (about 50 microseconds an answer).

    For a process that owns its rubrics outright, such as a grading worker with its own copy; an edited frozen
    rubric would keep grading by its old checks.

    Args:
        rubrics: The rubrics; they are kept alive.
    """
    for rubric in rubrics:
        _FROZEN[id(rubric)] = rubric


def compiled_checks(rubric: Rubric) -> Compiled:
    """A rubric's checks compiled for matching, made once per distinct rubric content.

    Args:
        rubric: The rubric.

    Returns:
        Its compiled phrases, checks and vocabulary.
    """
    if _FROZEN.get(id(rubric)) is rubric:
        found = _FROZEN_COMPILED.get(id(rubric))
        if found is None:
            found = _FROZEN_COMPILED[id(rubric)] = _compiled_by_content(rubric)
        return found
    return _compiled_by_content(rubric)


def _compiled_by_content(rubric: Rubric) -> Compiled:
    key = rubric.__pydantic_serializer__.to_json(rubric, include=_COMPILED_FROM)
    found = _COMPILED.get(key)
    if found is not None:
        return found
    compiled = compile_rubric(rubric)
    reference = parse(rubric.model_answer)
    listed = salad_sentences(reference, _touched(compiled, PhraseMatcher(reference, compiled)), compiled.vocabulary)
    compiled = dataclasses.replace(compiled, lists_expected=bool(listed))
    with _COMPILED_LOCK:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))  # the oldest: a batch uses a handful of rubrics at a time
        _COMPILED[key] = compiled
    return compiled


@dataclass(frozen=True, slots=True)
class _Outcome:
    matched: bool
    partial: bool
    sentence: int | None
    # With a key point's concepts split over two adjacent sentences, the second of them.
    then: int | None = None


_NO_MATCH = _Outcome(False, False, None)


def _evaluate(
    plan: Plan,
    matcher: PhraseMatcher,
    partial_from: Callable[[int], bool] | None,
    blocked: frozenset[int] = frozenset(),
    *,
    stance: bool = False,
) -> _Outcome:
    """Match one check; when ``partial_from`` is given, also look for partial credit in sentences it allows.

    Sentences in ``blocked`` (they state a mistake that denies this key point) never match. With ``stance`` (a
    key point's check) a belittled mention does not count; a mistake's detector counts it.
    """
    concepts = [matcher.concept(concept) for concept in plan.concepts]
    occurring = sum(1 for flags_by_sentence in concepts if flags_by_sentence)
    if occurring < len(concepts) and (partial_from is None or len(concepts) < 2 or 2 * occurring <= len(concepts)):
        # A concept found nowhere fails the match, and partial credit needs more than half of them: settled
        # before the exclusions are gathered (most checks end here).
        return _NO_MATCH
    phrases = matcher.found
    for phrase_id in plan.unless:
        unless = phrases.get(phrase_id)
        if unless is not None and any(flags & UNNEGATED for flags in unless.values()):
            return _NO_MATCH
    excluded: set[int] = set(blocked)
    for phrase_id in plan.exclude:
        # "that's the model's fault, not my prompt": a negated exclusion excludes nothing.
        exclusion = phrases.get(phrase_id)
        if exclusion is not None:
            excluded.update(s for s, flags in exclusion.items() if flags & (UNNEGATED | BELITTLED))
    # A check that ignores negation ignores stance too; a mistake's detector counts a belittled mention.
    accept = UNNEGATED if plan.negation else UNNEGATED | NEGATED | BELITTLED
    if not stance:
        accept |= BELITTLED
    # Per concept, the sentences where it counts, in answer order.
    found: list[list[int]] = []
    for flags_by_sentence in concepts:
        found.append(sorted(s for s, flags in flags_by_sentence.items() if flags & accept and s not in excluded))
        if not found[-1] and partial_from is None:
            # Without partial credit to look for, one absent concept settles it.
            return _NO_MATCH
    if all(found):
        if plan.answer_scope:
            return _Outcome(True, False, found[0][0])
        common = set(found[0]).intersection(*found[1:])
        if common:
            return _Outcome(True, False, min(common))
        if stance:
            # "traverse the left subtree. visit the root. traverse the right subtree.": a key point said over
            # two adjacent sentences is said (a mistake's detector still wants one sentence: precision first).
            pair = _adjacent_pair(found)
            if pair is not None:
                return _Outcome(True, False, pair, pair + 1)
    if partial_from is not None and len(found) >= 2:
        present = [kept for kept in ([s for s in sentences if partial_from(s)] for sentences in found) if kept]
        # Strictly more than half: with the usual two-concept check ([topic], [qualifier]) one generic word
        # ("model", "negatives") alone must not earn credit.
        if 2 * len(present) > len(found):
            return _Outcome(False, True, present[0][0])
    return _NO_MATCH


def _adjacent_pair(found: Sequence[Sequence[int]]) -> int | None:
    """The first sentence that, with the one after it, holds every concept, each in one of the two."""
    for first in sorted(set(found[0]) | {s - 1 for s in found[0]}):
        if first < 0:
            continue
        pair = (first, first + 1)
        if all(any(s in pair for s in sentences) for sentences in found) and all(
            any(s == side for sentences in found for s in sentences) for side in pair
        ):
            return first
    return None


def _criterion(
    criterion_id: str,
    plans: Sequence[Plan],
    matcher: PhraseMatcher,
    doc: Doc,
    mistaken: set[int],
    blocked: frozenset[int],
) -> CriterionMatch:
    partial: _Outcome | None = None
    for plan in plans:
        outcome = _evaluate(
            plan, matcher, None if partial is not None else lambda s: s not in mistaken, blocked, stance=True
        )
        if outcome.matched and outcome.sentence is not None:
            evidence = doc.sentences[outcome.sentence].text
            if outcome.then is not None:
                evidence = f"{evidence} {doc.sentences[outcome.then].text}"
            return CriterionMatch(criterion_id, "met", evidence)
        if outcome.partial and partial is None:
            partial = outcome
    if partial is not None and partial.sentence is not None:
        return CriterionMatch(criterion_id, "partial", doc.sentences[partial.sentence].text)
    return CriterionMatch(criterion_id, "missed", None)


def _named_in_lists(
    criteria: tuple[CriterionMatch, ...],
    compiled: Compiled,
    matcher: PhraseMatcher,
    doc: Doc,
    salad: set[int],
    mistaken: set[int],
    blocked: Mapping[str, set[int]],
    stating: set[int],
) -> tuple[CriterionMatch, ...]:
    """Half credit for a key point only a list sentence names, in an answer that explains elsewhere.

    "Failure modes: vague specs, missing context, implicit constraints" among sentences that explain names
    its points without explaining them: partial, not nothing. An answer made mostly of such lists is a salad,
    capped by the guards, and never reaches here; a list sentence that states a mistake still earns nothing.
    """
    lists = {doc.sentences[index].text for index in salad - stating}
    named: list[CriterionMatch] = []
    for match, (criterion_id, plans) in zip(criteria, compiled.criteria, strict=True):
        if match.verdict == "missed":
            others = frozenset((blocked.get(criterion_id, set()) - salad) | (salad & stating))
            again = _criterion(criterion_id, plans, matcher, doc, mistaken - (salad - stating), others)
            if again.verdict != "missed" and again.evidence in lists:
                match = CriterionMatch(criterion_id, "partial", again.evidence)
        named.append(match)
    return tuple(named)


def _touched(compiled: Compiled, matcher: PhraseMatcher) -> dict[int, list[tuple[int, int, int]]]:
    """Per sentence, the key points whose terms occur there un-negated: (key point index, first, last token)."""
    touched: dict[int, list[tuple[int, int, int]]] = {}
    found = matcher.found
    for index, phrase_ids in enumerate(compiled.criterion_phrases):
        for phrase_id in phrase_ids:
            if phrase_id not in found:
                continue
            for sentence, flags in found[phrase_id].items():
                window = matcher.windows.get((phrase_id, sentence))
                if flags & UNNEGATED and window is not None:
                    touched.setdefault(sentence, []).append((index, *window))
    return touched


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


def analyse(answer: str, rubric: Rubric, *, by_meaning_too: bool = True, whole_answer: bool = True) -> Analysis:
    """Grade an answer against a rubric with the deterministic checks.

    A key point is met when any of its checks matches; it is partial when no check matches but some check
    with two or more concepts has more than half of them somewhere in the answer, outside sentences that
    commit a detected mistake. A mistake is committed when a detector matches or when every key point in its
    ``omission_of`` is missed.

    Args:
        answer: The candidate's answer, in English or Russian.
        rubric: The rubric; its checks are compiled once per distinct content (:func:`compiled_checks`).
        by_meaning_too: Also look for the key points by meaning when the ``semantic`` extra is installed
            (:mod:`mockint.grading.meaning`); False matches the checks alone.
        whole_answer: Run the guards, which judge a whole answer (injections, echoes, salads, caps); False
            matches the checks on a piece of text alone, and the analysis has no guards.

    Returns:
        Verdicts per key point and mistake in rubric order, with verbatim evidence, and the guards that fired.
    """
    compiled = compiled_checks(rubric)
    doc = parse(answer)
    injected = whole_answer and mark_injections(answer, doc)
    echoed = whole_answer and mark_echoes(doc, compiled.question_keys, compiled.vocabulary)
    matcher = PhraseMatcher(doc, compiled)
    detected: dict[str, int] = {}  # mistake id -> sentence that commits it
    roles = sentence_roles(doc)
    kinds = compiled.mistake_kinds
    for (mistake_id, detectors, *_), (limited, dismissal) in zip(compiled.mistakes, kinds, strict=True):
        unstated = roles.not_stated | (roles.not_only if limited else frozenset())
        if not dismissal:
            unstated |= roles.avoiding
        for plan in detectors:
            outcome = _evaluate(plan, matcher, None, unstated)
            if outcome.matched and outcome.sentence is not None:
                detected[mistake_id] = outcome.sentence
                break
    # A sentence that states a typical mistake ("the p-value is the probability that H0 is true") shares
    # words with the key point it gets wrong; it must not earn partial credit for it.
    stated = stated_checks(compiled, matcher)
    whole = statements(stated)
    listy = whole_answer and not compiled.lists_expected and may_hold_salad(doc)
    salad = (
        salad_sentences(
            doc,
            _touched(compiled, matcher),
            compiled.vocabulary,
            stated=whole,
            summary_keys=compiled.summary_keys,
            question_keys=compiled.question_keys,
        )
        if listy or (whole_answer and not compiled.lists_expected and crowded(whole))
        else set()
    )
    mistaken = set(detected.values()) | salad
    # ... and no credit at all for a key point that the mistake denies ("more traffic fixes any bias"), nor
    # from a sentence that only strings the rubric's terms together.
    blocked: dict[str, set[int]] = {
        cid: set(salad) | belittled_topics(plans, matcher) for cid, plans in compiled.criteria
    }
    for mistake_id, _, _, denies, _ in compiled.mistakes:
        if mistake_id in detected:
            for ref in denies:
                blocked.setdefault(ref, set()).add(detected[mistake_id])
    criteria = tuple(
        _criterion(cid, plans, matcher, doc, mistaken, frozenset(blocked.get(cid, ())))
        for cid, plans in compiled.criteria
    )
    if salad and salad_share(doc, salad) < SALAD_SHARE:
        criteria = _named_in_lists(criteria, compiled, matcher, doc, salad, mistaken, blocked, set(detected.values()))
    layers: tuple[str, ...] = ("lexical",)
    if by_meaning_too:
        upgraded = meaning.by_meaning(
            doc, rubric.criteria, [(c.verdict, c.evidence) for c in criteria], mistaken, compiled.question_keys
        )
        if upgraded is not None:
            layers = ("lexical", f"semantic:{meaning.layer_name()}")
            criteria = tuple(
                CriterionMatch(match.id, verdict, evidence)
                for match, (verdict, evidence) in zip(criteria, upgraded, strict=True)
            )
    verdicts: dict[str, Verdict] = {match.id: match.verdict for match in criteria}
    # Per key point not met, the first sentence that states it only to negate or belittle it (None: none does);
    # an answer with no negation or belittling anywhere denies nothing.
    denied = (
        {
            cid: denial(plans, matcher, roles.not_denied, elsewhere(stated, cid))
            for cid, plans in compiled.criteria
            if verdicts[cid] != "met"
        }
        if not matcher.plain
        else {}
    )
    mistakes: list[MistakeMatch] = []
    for mistake_id, _, omission_of, _, dismissed in compiled.mistakes:
        sentence = detected.get(mistake_id)
        if sentence is None:
            # Dismissing a key point the answer does not otherwise make states the mistake of dismissing it.
            sentence = next((denied[ref] for ref in dismissed if denied.get(ref) is not None), None)
        if sentence is not None:
            mistakes.append(MistakeMatch(mistake_id, True, doc.sentences[sentence].text))
        else:
            mistakes.append(MistakeMatch(mistake_id, omitted(omission_of, verdicts), None))
    credited = any(match.verdict != "missed" for match in criteria)
    subject = compiled.subject
    named = subject is None or not whole_answer or _evaluate(subject, matcher, None).matched
    flags = AnswerFlags(
        injected,
        echoed,
        salad_share(doc, salad),
        named,
        dismissed=sum(sentence is not None for sentence in denied.values()),
        met=sum(verdict == "met" for verdict in verdicts.values()),
    )
    guards = _guards(answer, doc, compiled, credited, flags) if whole_answer else ()
    return Analysis(criteria, tuple(mistakes), guards, layers)


def check_matches(check: Check, text: str) -> str | None:
    """Whether one check matches a text, as it would for a key point (negation, scope, exclude, unless).

    Args:
        check: The check.
        text: The text to look in (an answer, a model answer ...).

    Returns:
        The sentence of ``text`` where it matched, or ``None``.
    """
    match = analyse(text, _probe(check.model_dump_json()), by_meaning_too=False, whole_answer=False).criteria[0]
    return match.evidence if match.verdict == "met" else None


@lru_cache(maxsize=4096)
def _probe(check_json: str) -> Rubric:
    """A one-check rubric; kept per check, so its compiled form is too (evidence checks many quotes per check)."""
    check = Check.model_validate_json(check_json)
    return Rubric.model_construct(
        id="probe",
        title="probe",
        question="probe",
        model_answer="probe",
        tips=[],
        mistakes=[],
        criteria=[Criterion.model_construct(id="probe", text="probe", weight=1.0, checks=[check])],
    )


def omission_committed(mistake: Mistake, verdicts: Mapping[str, Verdict]) -> bool:
    """Whether a mistake of omission is made, given the verdicts on the key points.

    Args:
        mistake: The mistake; only its ``omission_of`` is used.
        verdicts: Verdict per key point id. A key point absent from it counts as not missed.

    Returns:
        True when ``omission_of`` is non-empty and every key point listed there is ``missed``.
    """
    return omitted(mistake.omission_of, verdicts)


def omitted(omission_of: Sequence[str], verdicts: Mapping[str, Verdict]) -> bool:
    """:func:`omission_committed` for a mistake's ``omission_of`` alone (the grader's one rule for omissions)."""
    return bool(omission_of) and all(verdicts.get(ref) == "missed" for ref in omission_of)
