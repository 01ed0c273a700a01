"""Evidence: whether a judge's quote is really in the answer."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

from mockint.grading.text import STOPWORDS, is_negation_cue, normalise

# ---------------------------------------------------------------------------------------------------------
# Evidence verification
# ---------------------------------------------------------------------------------------------------------

_QUOTE_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[<>=%$+*/^#@&~]")
_ELLIPSIS_RE = re.compile(r"\.{2,}")
_QUOTE_MIN_RATIO = 0.85
_WORD_MIN_RATIO = 0.75
_QUOTE_TOKEN_SLACK = 2


def _quote_tokens(text: str) -> list[str]:
    return _QUOTE_TOKEN_RE.findall(normalise(text))


def _same_words(piece: Sequence[str], window: Sequence[str]) -> bool:
    """Whether a fuzzily matched window differs from the quote only by typos, not by words or meaning."""
    cues = sorted(t for t in piece if is_negation_cue(t))
    if cues != sorted(t for t in window if is_negation_cue(t)):
        return False
    if sorted(t for t in piece if t[0].isdigit()) != sorted(t for t in window if t[0].isdigit()):
        return False
    joined = "".join(window)
    unmatched_short = 0
    for token in piece:
        if token in window or (len(token) < 4 and token in joined):
            continue
        close = any(
            difflib.SequenceMatcher(None, token, other, autojunk=False).ratio() >= _WORD_MIN_RATIO for other in window
        )
        if close:
            continue
        if len(token) >= 4:
            return False
        unmatched_short += 1
    return unmatched_short <= 1


def _find_piece(piece: Sequence[str], words: Sequence[str], start: int) -> int | None:
    """Index just past the best place where ``piece`` occurs in ``words`` at or after ``start``."""
    count = len(piece)
    # Most judge quotes are verbatim: find them without any fuzzy scoring.
    for first in range(start, len(words) - count + 1):
        if words[first] == piece[0] and list(words[first : first + count]) == list(piece):
            return first + count
    target = "".join(piece)
    size = len(target)
    low = size * _QUOTE_MIN_RATIO / (2 - _QUOTE_MIN_RATIO)
    high = size * (2 - _QUOTE_MIN_RATIO) / _QUOTE_MIN_RATIO
    # A quote that differs only by typos has nearly the same number of words (hyphens may join or split two).
    min_tokens, max_tokens = max(1, count - _QUOTE_TOKEN_SLACK), count + _QUOTE_TOKEN_SLACK
    best_ratio = 0.0
    best_end: int | None = None
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    # A quote with only a few typos shares most of its words exactly with the place it comes from, and
    # counting shared words is far cheaper than a difflib ratio.
    content = [token for token in piece if token not in STOPWORDS]
    vocabulary = set(content)
    shared = [0]
    for word in words:
        shared.append(shared[-1] + (word in vocabulary))
    need_shared = len(content) // 2 if len(content) > 2 else 0
    best_first = len(words)
    for first in range(start, len(words)):
        if first > best_first + len(piece):
            break  # windows this far on cannot overlap the best one; the earliest good place wins
        length = 0
        for last in range(first, len(words)):
            length += len(words[last])
            tokens = last - first + 1
            if length > high or tokens > max_tokens:
                break
            if length < low or tokens < min_tokens:
                continue
            candidate = "".join(words[first : last + 1])
            if candidate == target:
                return last + 1
            if shared[last + 1] - shared[first] < need_shared:
                continue
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < _QUOTE_MIN_RATIO or matcher.quick_ratio() < _QUOTE_MIN_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= _QUOTE_MIN_RATIO and ratio > best_ratio and _same_words(piece, words[first : last + 1]):
                best_ratio = ratio
                best_end = last + 1
                best_first = min(best_first, first)
    return best_end


def find_quote(quote: str, answer: str) -> bool:
    """Whether a quote (from the LLM judge) really occurs in the answer.

    The comparison ignores case, whitespace and punctuation, unifies quote and dash variants, reads ``‹ ›`` as
    ``< >``, and tolerates a few changed characters (a window of the answer of similar length with a
    ``difflib`` ratio of at least 0.85, whose words match the quote's up to typos, with the same negations and
    numbers). An ellipsis (``...`` or ``…``) in the quote splits it into pieces that must each be found, in
    order.

    Args:
        quote: The quoted text.
        answer: The candidate's answer.

    Returns:
        True when every piece of the quote is found; False for an empty quote.
    """
    pieces = [_quote_tokens(piece) for piece in _ELLIPSIS_RE.split(unicodedata.normalize("NFKC", quote))]
    pieces = [piece for piece in pieces if piece]
    if not pieces:
        return False
    words = _quote_tokens(answer)
    position = 0
    for piece in pieces:
        end = _find_piece(piece, words, position)
        if end is None:
            return False
        position = end
    return True
