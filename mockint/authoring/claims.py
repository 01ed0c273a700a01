"""Reference answers cut into claims: the statements a bank rubric's key points are made of.

A reference answer's sentences are cut at ";" and where "and" / "or" / "but" / "so" / ", where" join full
clauses, and a trailing list shares its predicate ("X is used for A and B" -> "X is used for A", "X is used
for B"); pieces too small to say anything stay with their neighbour. A fragment ("Unlimited number.", "push and
pop") is said through the question ("What are the two main functions defined by a stack?" -> "The two main
functions defined by a stack include push."), and a leading "it" / "they" names what it stands for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mockint.authoring import lexicon
from mockint.authoring.draft import split_sentences
from mockint.authoring.tagging import (
    Tok,
    clause_kind,
    content_count,
    lower_first,
    sentence_case,
    span_text,
    subject_of,
    tokenize,
    verb_after_noun,
    word_tokens,
)
from mockint.grading.words import content_words, word_key

__all__ = ["Claim", "Frame", "question_frame", "reference_claims"]


def _strip_connectors(tokens: list[Tok]) -> list[Tok]:
    """Drop what only links a piece to the one before it ("so", "and", "that is,", "where")."""
    while tokens:
        lows = [token.low for token in tokens[:5]]
        if lows[0] in (",", ";", ":"):
            tokens = tokens[1:]
        elif lows[:3] == ["that", "is", ","]:
            tokens = tokens[3:]
        elif lows[:4] == ["i", ".", "e", "."]:
            tokens = tokens[4:]
        elif lows[:3] == ["in", "other", "words"]:
            tokens = tokens[3:]
        elif lows[0] in ("and", "or", "but", "so", "yet", "where", "whereas", "while"):
            tokens = tokens[1:]
        elif lows[0] in ("also", "then", "thus", "hence") and lows[1:2] == [","]:
            tokens = tokens[2:]
        else:
            break
    while tokens and tokens[-1].tag == "P" and tokens[-1].low != ")":
        tokens = tokens[:-1]
    return tokens


def _pieces(tokens: list[Tok]) -> list[list[Tok]]:
    """Cut a sentence at ';' and where 'and', 'or', 'but', 'so' or ', where' join full clauses."""
    cuts: list[tuple[int, int, bool]] = []  # (cut at, right side starts at, right side may be any clause)
    for index, token in enumerate(tokens):
        if token.depth:
            continue
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.low == ";":
            cuts.append((index, index + 1, True))
        elif token.low == "," and nxt is not None and (nxt.tag == "CONJ" or nxt.low in ("where", "whereas", "while")):
            cuts.append((index, index + 1, nxt.low == "where"))
        elif token.tag == "CONJ" and token.low in ("and", "or", "but") and nxt is not None and nxt.tag == "SUB":
            if not (index and tokens[index - 1].low == ","):
                cuts.append((index, index, False))
        elif token.low == "," and nxt is not None and nxt.tag in ("DET", "NOUN", "NUM", "PRON"):
            # "A takes constant time, B takes logarithmic time": clauses side by side, unless the first is
            # a subordinate one ("When X is called, the compiler ...") or only an opener ("that is, ...").
            since = max((i for i in range(index) if tokens[i].low in (",", ";") and not tokens[i].depth), default=-1)
            if tokens[0].tag != "SUB" and content_count(_strip_connectors(list(tokens[since + 1 : index]))) >= 2:
                cuts.append((index, index + 1, False))
    pieces: list[list[Tok]] = []
    start = 0
    for number, (cut, right_start, loose) in enumerate(cuts):
        right_end = cuts[number + 1][0] if number + 1 < len(cuts) else len(tokens)
        left = _strip_connectors(list(tokens[start:cut]))
        right = _strip_connectors(list(tokens[right_start:right_end]))
        if content_count(left) < 2 or content_count(right) < 2:
            continue  # a tiny fragment stays with its neighbour
        right_kind = clause_kind(right)
        if right_kind == "fragment":
            continue
        if not loose and clause_kind(left) == "fragment" and tokens[cut].low != ";":
            continue
        pieces.append(left)
        start = right_start
    pieces.append(_strip_connectors(list(tokens[start:])))
    return [piece for piece in pieces if word_tokens(piece)]


def _verb_items(tokens: list[Tok]) -> tuple[list[Tok], list[list[Tok]]] | None:
    """Predicates sharing one subject: "Merge sort splits A, sorts B, and merges C" -> subject and three."""
    subject = subject_of(tokens)
    ands = [i for i, t in enumerate(tokens) if t.depth == 0 and t.low == "and"]
    if subject is None or not ands:
        return None
    parts: list[list[Tok]] = [[]]
    for token in tokens[len(subject) :]:
        if token.depth == 0 and token.low in (",", "and"):
            if parts[-1]:
                parts.append([])
            continue
        parts[-1].append(token)
    parts = [part for part in parts if part]
    form = lexicon.verb_form(parts[0][0].low)
    ending = "s" if form == "s" else "ed"
    # "splits A, sorts B, and merges C": the first is a known verb, the others end like it.
    starts_with_verb = form in ("s", "ed") and all(part[0].low.endswith(ending) for part in parts[1:])
    if len(parts) < 2 or not starts_with_verb or any(content_count(part) < 2 for part in parts):
        return None
    return subject, parts


def _items(tokens: list[Tok], kind: str) -> tuple[list[Tok], list[list[Tok]]] | None:
    """A trailing list "A, B and C" after the predicate (or a bare list), when each item can stand alone."""
    ands = [i for i, t in enumerate(tokens) if t.depth == 0 and t.low == "and"]
    if not ands:
        return None
    if kind == "clause":
        shared = _verb_items(tokens)
        if shared is not None:
            return shared
    first_and = ands[0]
    predicate_end = 0
    if kind == "clause":
        verbs = [i for i in range(first_and) if tokens[i].tag in ("VERB", "AUX") and tokens[i].depth == 0]
        if not verbs or any(t.tag in ("VERB", "AUX") and t.depth == 0 for t in tokens[first_and:]):
            return None  # "the push and pop operations will ...": the list is the subject
        predicate_end = verbs[-1] + 1
    elif kind != "fragment":
        return None
    while predicate_end < first_and and tokens[predicate_end].tag == "PREP" and kind == "clause":
        predicate_end += 1  # "X is used for | A and B"
    region = tokens[predicate_end:]
    last_and = max(ands) - predicate_end
    if any(t.low == "between" for t in region[:last_and]):
        return None  # "the difference between A and B" is one claim
    head = region[:last_and]
    items: list[list[Tok]] = []
    current: list[Tok] = []
    for token in head:
        if token.low == "," and token.depth == 0:
            if current:
                items.append(current)
            current = []
        else:
            current.append(token)
    if current:
        items.append(current)
    items.append(region[last_and + 1 :])
    items = [_strip_connectors(item) for item in items]
    if len(items) < 2 or any(content_count(item) < 1 for item in items):
        return None
    if any(t.finite or t.tag == "VERB" or verb_after_noun(item, i) for item in items for i, t in enumerate(item)):
        return None  # "insertion and deletion take logarithmic time" is a clause, not a list item
    first, last = items[0], items[-1]
    if content_count(first) == 1 and len(word_tokens(first)) == 1 and content_count(last) >= 2:
        return None  # "deletion and insertion operations": one head shared by both words
    return list(tokens[:predicate_end]), items


# --- the question as a frame for fragments ---------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """What a question lets a fragment of an answer say as a statement ("What is X?" + "A Y" -> "X is a Y")."""

    kind: str  # copula | verb | how-many | take
    subject: str
    verb: str = ""
    plural: bool = False
    agent: str | None = None  # what a leading "it" / "they" of the reference stands for
    noun: str = ""  # how-many: the counted noun

    def statement(self, fragment: str, subordinate: bool = False) -> str:
        low = lower_first(fragment.strip().rstrip(".;,"))
        subject = self.subject[:1].upper() + self.subject[1:]
        if self.kind == "copula":
            if subordinate and self.plural:
                rest = re.sub(r"^\w+\s+", "", low, count=1)
                return sentence_case(f"{subject} include the case where {rest}")
            return sentence_case(f"{subject} {self.verb} {low}")
        if self.kind == "verb":
            return sentence_case(f"{subject} {self.verb} {low}")
        if self.kind == "take":
            return sentence_case(f"The number of {self.noun} it takes {self.verb} is {low}")
        # how many
        head = word_key(self.noun.split()[-1]) if self.noun.split() else ""
        keys = {word_key(word) for word in content_words(fragment)}
        if head and head in keys:
            joined = f"{fragment.strip().rstrip('.;')}," if "," in fragment else fragment.strip().rstrip(".;")
            return sentence_case(f"{joined} {self.verb}")
        if len(fragment.split()) <= 3 and "," not in fragment:
            return sentence_case(f"{fragment.strip().rstrip('.;')} of {self.noun} {self.verb}")
        return sentence_case(f"The number of {self.noun} that {self.verb} is {low}")

    def item(self, item: str) -> str:
        if self.kind == "copula":
            subject = self.subject[:1].upper() + self.subject[1:]
            return sentence_case(f"{subject} {'include' if self.plural else 'includes'} {lower_first(item)}")
        return self.statement(item)


def _split_subject(tokens: Sequence[Tok], want: str) -> int | None:
    """Index of the verb that ends the subject: a base form (``want="base"``) or a participle (``"ed"``)."""
    for index in range(1, len(tokens)):
        token = tokens[index]
        form = lexicon.verb_form(token.low)
        previous = tokens[index - 1]
        if form is None or previous.tag in ("DET", "AUX") or previous.tag == "P" and previous.low == "(":
            continue
        if want == form or (want == "ed" and token.low in ("done", "made", "seen", "given", "known", "kept")):
            return index
    return None


def question_frame(question: str) -> Frame | None:
    """What the question lets a fragment of an answer say ("What is X?" frames "a Y" as "X is a Y"), if anything."""

    text = " ".join(question.split()).strip().rstrip("?").strip()
    lead = re.search(r",\s+((?:what|which|where|when|how|who)\b.*)$", text, re.IGNORECASE)
    if lead and not re.match(r"(?:what|which|where|how|who)\b", text, re.IGNORECASE):
        text = lead.group(1)
    text = re.split(r",?\s+and\s+(?:what|which|how|where|when|why)\b", text, flags=re.IGNORECASE)[0]
    tokens = tokenize(text)
    words = [t.low for t in tokens]
    if len(words) < 3:
        return None

    def rest(start: int, end: int | None = None) -> str:
        part = tokens[start:end]
        return span_text(text, part) if part else ""

    first, second = words[0], words[1]
    if first in ("what", "which") and second in ("is", "are"):
        subject = rest(2)
        short = len(word_tokens(tokens[2:])) <= 4
        return Frame("copula", subject, second, second == "are", subject if short else None)
    if first == "what" and second in ("does", "do", "did"):
        verb_at = max((i for i in range(3, len(tokens)) if lexicon.verb_form(words[i]) == "base"), default=None)
        if verb_at is None:
            return None
        verb = words[verb_at]
        phrase = lexicon.third_person(verb) if second == "does" else verb
        tail = rest(verb_at + 1)
        subject = rest(2, verb_at)
        return Frame("verb", subject, f"{phrase} {tail}".strip(), agent=subject)
    if first in ("where", "when", "how") and second in lexicon.AUXILIARIES and second not in ("be", "been", "being"):
        body = tokens[2:]
        if second in ("is", "are", "was", "were"):
            verb_at = _split_subject(body, "ed")
            if verb_at is None:
                return None
            subject = span_text(text, body[:verb_at])
            return Frame("verb", subject, f"{second} {span_text(text, body[verb_at:])}", agent=subject)
        verb_at = _split_subject(body, "base")
        if verb_at is None:
            return None
        subject = span_text(text, body[:verb_at])
        vp = span_text(text, body[verb_at:])
        if second == "does":
            head, _, tail = vp.partition(" ")
            vp = f"{lexicon.third_person(head.casefold())} {tail}".strip()
        elif second not in ("do", "did"):
            vp = f"{second} {vp}"
        return Frame("verb", subject, vp, agent=subject)
    if first == "how" and second in ("many", "much"):
        verb_at = next(
            (i for i in range(3, len(tokens)) if tokens[i].low in lexicon.AUXILIARIES or tokens[i].tag == "VERB"),
            None,
        )
        if verb_at is None:
            return None
        noun = rest(2, verb_at)
        vp = rest(verb_at)
        take = re.match(r"(?:does|do|did|will|would)\s+it\s+take\s+(.*)$", vp, re.IGNORECASE)
        if take:
            return Frame("take", noun, take.group(1), noun=noun)
        return Frame("how-many", noun, vp, noun=noun)
    return None


# --- claims ----------------------------------------------------------------------------------------------


@dataclass
class Claim:
    """One statement of a reference answer: its text, the reference words it rests on, and its sentence."""

    text: str
    body: list[Tok]
    sentence: str
    source: str  # the sentence's text, for check verification
    extra: list[Tok] = field(default_factory=list)  # predicate words, when the item alone names too little
    reference: int = 0


def _with_pronoun(text: str, tokens: list[Tok], replacement: str | None) -> str:
    """The piece's text with a leading "it" / "they" ("First, they are converted ...") replaced by what it
    stands for: the subject of the claim before, or the question's subject."""
    said = span_text(text, tokens)
    if not replacement or not tokens:
        return said
    target: Tok | None = None
    if tokens[0].tag == "PRON" and tokens[0].low in ("it", "they"):
        target = tokens[0]
    elif len(tokens) >= 3 and tokens[1].low == "," and tokens[2].tag == "PRON" and tokens[2].low in ("it", "they"):
        target = tokens[2]
    if target is None:
        return said
    new = replacement[:1].upper() + replacement[1:] if target is tokens[0] else lower_first(replacement)
    return text[tokens[0].start : target.start] + new + text[target.end : tokens[-1].end]


def reference_claims(reference: str, frame: Frame | None, question: str, index: int) -> list[Claim]:
    """The claims of one reference answer (number ``index`` of its question), in order."""

    claims: list[Claim] = []
    previous_subject: str | None = None
    for sentence in split_sentences(reference) or [reference]:
        tokens = tokenize(sentence)
        for piece in _pieces(tokens):
            kind = clause_kind(piece)
            listed = _items(piece, kind)
            subject = subject_of(piece) if kind == "clause" else None
            if listed is not None:
                predicate, items = listed
                for item in items:
                    if predicate:
                        lead = span_text(sentence, predicate)
                        if predicate[-1].low in ("is", "are") and predicate[-1].tag == "AUX":
                            verb = "include" if predicate[-1].low == "are" else "includes"
                            lead = sentence[predicate[0].start : predicate[-1].start] + verb
                        lead = _with_pronoun(lead, tokenize(lead), previous_subject or (frame.agent if frame else None))
                        text = sentence_case(f"{lead} {span_text(sentence, item)}")
                    elif frame is not None:
                        text = frame.item(span_text(sentence, item))
                    else:
                        text = _fallback(question, span_text(sentence, item))
                    claims.append(Claim(text, item, sentence, sentence, list(predicate), index))
            elif kind == "clause":
                said = _with_pronoun(sentence, piece, previous_subject or (frame.agent if frame else None))
                claims.append(Claim(sentence_case(said), piece, sentence, sentence, reference=index))
            elif frame is not None:
                said = frame.statement(span_text(sentence, piece), subordinate=kind == "subordinate")
                claims.append(Claim(said, piece, sentence, sentence, reference=index))
            else:
                claims.append(
                    Claim(_fallback(question, span_text(sentence, piece)), piece, sentence, sentence, reference=index)
                )
            if subject is not None:
                previous_subject = span_text(sentence, subject)
    return claims


def _fallback(question: str, fragment: str) -> str:
    """A fragment with no question frame: itself when it says enough, else after the question it answers."""
    if len(content_words(fragment)) >= 2 or len(fragment.split()) >= 3:
        return sentence_case(fragment)
    asked = " ".join(question.split()).rstrip("?").strip()
    return sentence_case(f"{asked}: {fragment.strip().rstrip('.')}")
