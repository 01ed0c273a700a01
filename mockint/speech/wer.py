"""Word error rate: how far a transcript is from what was said, for benchmarks and accuracy tests."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["normalise_words", "word_error_rate"]

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def normalise_words(text: str) -> list[str]:
    """Lower-case words without punctuation (``"Cache, data's"`` -> ``["cache", "data's"]``); hyphens split."""
    return [token.replace("’", "'") for token in _TOKEN.findall(text.casefold())]


def _distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    # Levenshtein distance over words, one row at a time.
    previous = list(range(len(hypothesis) + 1))
    for i, said in enumerate(reference, start=1):
        current = [i]
        for j, heard in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (said != heard)))
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in ``reference``, after :func:`normalise_words`.

    Args:
        reference: What was said.
        hypothesis: What the engine heard.

    Returns:
        The rate (0.0 is perfect; above 1.0 when the engine added many words); 0.0 for two empty texts and
        1.0 for words heard when nothing was said.
    """
    said, heard = normalise_words(reference), normalise_words(hypothesis)
    if not said:
        return 0.0 if not heard else 1.0
    return _distance(said, heard) / len(said)
