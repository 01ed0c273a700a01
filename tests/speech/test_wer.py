"""Word error rate, computed by hand."""

from __future__ import annotations

import pytest

from mockint.speech.wer import normalise_words, word_error_rate


def test_normalise_words() -> None:
    assert normalise_words("The cache, it's FAST — k-means.") == ["the", "cache", "it's", "fast", "k", "means"]


@pytest.mark.parametrize(
    ("reference", "hypothesis", "rate"),
    [
        ("a cache keeps data", "A cache keeps data.", 0.0),
        ("a cache keeps data", "the cache keeps data", 0.25),  # one substitution in four words
        ("a cache keeps data", "a cache data", 0.25),  # one deletion
        ("a cache keeps data", "a big cache keeps old data", 0.5),  # two insertions
        ("reranking helps", "ranking", 1.0),  # a substitution and a deletion
        ("", "", 0.0),
        ("", "noise", 1.0),
    ],
)
def test_word_error_rate(reference: str, hypothesis: str, rate: float) -> None:
    assert word_error_rate(reference, hypothesis) == rate
