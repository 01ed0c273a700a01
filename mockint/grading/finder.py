"""Finding a rubric's phrases in one answer: every phrase the answer's words can hold is matched once, up front,
with the stance of each occurrence (un-negated, negated, belittled) per sentence.

Everything here is a pure function of the parsed answer and the compiled rubric.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from mockint.grading.plans import Compiled, Variant
from mockint.grading.sentence import BELITTLED, NEGATED, UNNEGATED
from mockint.grading.text import Doc


def _windows(positions: list[list[int]], span: int) -> Iterator[list[int]]:
    """Token positions of each place where every term occurs within ``span`` of each other."""
    if len(positions) == 1:
        for position in positions[0]:
            yield [position]
        return
    events = sorted((position, term) for term, found in enumerate(positions) for position in found)
    need = len(positions)
    counts = [0] * need
    covered = 0
    left = 0
    for right, (position, term) in enumerate(events):
        if counts[term] == 0:
            covered += 1
        counts[term] += 1
        while covered == need:
            left_position, left_term = events[left]
            if position - left_position <= span:
                yield sorted({event[0] for event in events[left : right + 1]})
            counts[left_term] -= 1
            if counts[left_term] == 0:
                covered -= 1
            left += 1


def _disjoint(windows: list[list[int]], terms: list[set[int]]) -> list[list[int]]:
    """The tightest of the windows that share no word, in order: each word of a sentence stands in one occurrence
    of a phrase. In "random negatives are useless, so you mine hard negatives" the "mine" of "mined negatives"
    goes with the "negatives" after it, and the window from the "negatives" before it, which "useless" belittles,
    is no second occurrence. Of two windows as tight, the one with its words in the phrase's order wins.

    Args:
        windows: Token windows of one phrase in one sentence (see :func:`_windows`).
        terms: The positions of each of the phrase's terms in that sentence, in the phrase's order.
    """
    chosen: list[list[int]] = []
    used: set[int] = set()
    for window in sorted(windows, key=lambda w: (w[-1] - w[0], not _in_order(w, terms), w[0])):
        if used.isdisjoint(window):
            chosen.append(window)
            used.update(window)
    return sorted(chosen)


def _in_order(window: list[int], terms: list[set[int]]) -> bool:
    last = -1
    for positions in terms:
        following = [p for p in window if p in positions and p > last]
        if not following:
            return False
        last = following[0]
    return True


_NOTHING: Mapping[int, int] = MappingProxyType({})


class PhraseMatcher:
    """Finds phrases in one answer: every phrase the answer's words can hold is matched once, up front, and only
    those found are kept (checks ask for many phrases per answer, of which most are absent)."""

    __slots__ = ("_compiled", "_concepts", "_doc", "_near", "_plain", "_typos", "found", "plain", "windows")

    def __init__(self, doc: Doc, compiled: Compiled) -> None:
        self._doc = doc
        self._compiled = compiled
        self._concepts: dict[tuple[int, ...], Mapping[int, int]] = {}
        self._typos: dict[str, dict[int, list[int]] | None] = {}
        # The rubric's terms that the answer misspells, with the keys it spells them as (rarely any).
        self._near = doc.typo_neighbours(compiled.typo_forms, compiled.vocabulary, compiled.typo_near)
        # (phrase id, sentence) -> first and last token of the phrase's first un-negated occurrence there
        self.windows: dict[tuple[int, int], tuple[int, int]] = {}
        # Per sentence: nothing in it can negate or belittle a term (no negation cue, stance word, dismissing
        # comment or clause, and no dismissive reply to it), so Sentence.negated and .belittled are False there.
        self._plain = [
            not (s.cues or s.belittling or s.comments or s.answered_no or s.dismissed_before is not None or s.quoted)
            for s in doc.sentences
        ]
        # ... and so in the whole answer: no phrase is found negated or belittled anywhere.
        self.plain = all(self._plain)
        # The phrases this answer's words can hold at all (see Compiled.by_first_term); others match nowhere.
        first = compiled.by_first_term
        candidates: set[int] = set()
        for keys in (doc.content_index, doc.raw_index, self._near):
            for key in keys:
                ids = first.get(key)
                if ids is not None:
                    candidates.update(ids)
        # phrase id -> sentence index -> UNNEGATED | NEGATED | BELITTLED flags of its occurrences there; only the
        # phrases that occur. What a phrase matches depends on the answer and the phrase alone (the sentences'
        # marks are final once the matcher exists), so matching them in any order gives the same results.
        self.found: dict[int, dict[int, int]] = {}
        variants = compiled.variants
        content_index, raw_index = doc.content_index, doc.raw_index
        near = self._near
        for phrase_id in candidates:
            flags: dict[int, int] = {}
            for variant in variants[phrase_id]:
                # Most variants of a candidate lack one of their terms (as written, or misspelt where it may be).
                index = content_index if variant.content else raw_index
                for term in variant.terms:
                    if term not in index and (term not in near or term not in variant.typo_terms):
                        break
                else:
                    self._match_variant(phrase_id, variant, flags)
            if flags:
                self.found[phrase_id] = flags

    def phrase(self, phrase_id: int) -> Mapping[int, int]:
        """Sentence index -> UNNEGATED | NEGATED | BELITTLED flags of the phrase's occurrences there."""
        return self.found.get(phrase_id, _NOTHING)

    def concept(self, phrase_ids: tuple[int, ...]) -> Mapping[int, int]:
        """Sentence index -> flags of any of the concept's phrases there (remembered: checks, denials and the
        stance of topics all ask for the same concepts)."""
        found = self.found
        if len(phrase_ids) == 1:
            return found.get(phrase_ids[0], _NOTHING)
        merged = self._concepts.get(phrase_ids)
        if merged is None:
            present = [found[phrase_id] for phrase_id in phrase_ids if phrase_id in found]
            if not present:
                merged = _NOTHING
            elif len(present) == 1:
                merged = present[0]
            else:
                union: dict[int, int] = {}
                for flags_by_sentence in present:
                    for sentence, flags in flags_by_sentence.items():
                        union[sentence] = union.get(sentence, 0) | flags
                merged = union
            self._concepts[phrase_ids] = merged
        return merged

    def _typo_hits(self, term: str) -> dict[int, list[int]] | None:
        # A term recurs in many variants and checks of a rubric: look for its misspellings once per answer.
        if term in self._typos:
            return self._typos[term]
        hits = self._typos[term] = self._find_typos(term)
        return hits

    def _find_typos(self, term: str) -> dict[int, list[int]] | None:
        keys = self._near.get(term)
        if not keys:
            return None
        merged: dict[int, list[int]] = {}
        for key in keys:
            for sentence, positions in self._doc.content_index[key].items():
                merged.setdefault(sentence, []).extend(positions)
        return {sentence: sorted(set(positions)) for sentence, positions in merged.items()}

    def _match_variant(self, phrase_id: int, variant: Variant, found: dict[int, int]) -> None:
        index = self._doc.content_index if variant.content else self._doc.raw_index
        hits: list[dict[int, list[int]]] = []
        for term in variant.terms:
            by_sentence = index.get(term)
            if by_sentence is None and term in variant.typo_terms:
                by_sentence = self._typo_hits(term)
            if by_sentence is None:
                return
            hits.append(by_sentence)
        sentences = set(hits[0])
        for by_sentence in hits[1:]:
            sentences.intersection_update(by_sentence)
        for sentence_index in sentences:
            sentence = self._doc.sentences[sentence_index]
            if sentence.excluded:
                continue
            plain = self._plain[sentence_index] and not variant.negative
            if len(hits) == 1:
                positions = hits[0][sentence_index]
                if plain:  # as below, where the first window of one term is its first position
                    position = sentence.content_raw[positions[0]] if variant.content else positions[0]
                    found[sentence_index] = found.get(sentence_index, 0) | UNNEGATED
                    self.windows.setdefault((phrase_id, sentence_index), (position, position))
                    continue
                windows: Iterator[list[int]] = ([position] for position in positions)
            else:
                windows = _windows([by_sentence[sentence_index] for by_sentence in hits], variant.span)
            if plain:
                # Nothing in the sentence negates or belittles: every occurrence is un-negated, and the first one
                # is the window kept.
                first = next(windows, None)
                if first is not None:
                    raw = [sentence.content_raw[p] for p in first] if variant.content else first
                    found[sentence_index] = found.get(sentence_index, 0) | UNNEGATED
                    self.windows.setdefault((phrase_id, sentence_index), (raw[0], raw[-1]))
                continue
            flags = found.get(sentence_index, 0)
            # The stance is read off occurrences that share no word (see _disjoint); where the phrase is, off the
            # first un-negated window as found.
            listed = list(windows)
            counted = (
                None
                if len(hits) == 1 or len(listed) == 1
                else {tuple(w) for w in _disjoint(listed, [set(by[sentence_index]) for by in hits])}
            )
            for window in listed:
                raw = [sentence.content_raw[p] for p in window] if variant.content else window
                if sentence.quoted and all(p in sentence.quoted for p in raw):
                    # A phrase only inside quotation marks is mentioned, not said ("Oh, 'great for boilerplate
                    # and tests', sure"; 'the classic "retrieval plus reranking" slide').
                    continue
                if variant.negative and sentence.scope_ends_between(raw[0], raw[-1]):
                    # "I don't merge until I read the diff" does not say "don't read".
                    continue
                if variant.negative and sentence.negation_cancelled(raw[0]):
                    # "No team should launch a test without a power analysis": the phrase's own negation, negated
                    # again, says the opposite.
                    continue
                if sentence.negated(raw):
                    stance = NEGATED
                elif sentence.belittled(raw):
                    stance = BELITTLED
                else:
                    stance = UNNEGATED
                    self.windows.setdefault((phrase_id, sentence_index), (raw[0], raw[-1]))
                if counted is None or tuple(window) in counted:
                    flags |= stance
                if flags == UNNEGATED | NEGATED | BELITTLED:
                    break
            if flags:
                found[sentence_index] = flags
