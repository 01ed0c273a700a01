"""How it was said: each figure computed by hand on small transcripts."""

from __future__ import annotations

import pytest

from mockint.speech.delivery import (
    LONG_PAUSE,
    assess,
    clock,
    count_fillers,
    long_pauses,
    speaking_seconds,
    word_count,
    words_per_minute,
)
from mockint.speech.transcript import Transcript, Word


def timed(*spans: tuple[str, float, float]) -> tuple[Word, ...]:
    return tuple(Word(text, start, end) for text, start, end in spans)


def test_word_count_keeps_contractions_and_hyphenated_words_whole() -> None:
    # I, don't, use, k-means, из-за, шума, 42, times: a number said aloud is a word too.
    assert word_count("I don't use k-means, из-за шума. 42 times") == 8


def test_speaking_time_runs_from_the_first_word_to_the_last() -> None:
    words = timed(("So", 1.5, 1.8), ("caching", 2.0, 2.6), ("helps.", 2.7, 31.5))
    assert speaking_seconds(Transcript("So caching helps.", "e", "m", duration=40.0, words=words)) == 30.0


def test_speaking_time_without_timestamps_is_the_recordings_length() -> None:
    assert speaking_seconds(Transcript("text", "e", "m", duration=12.5)) == 12.5
    assert speaking_seconds(Transcript("text", "e", "m")) is None


def test_words_per_minute() -> None:
    assert words_per_minute(50, 20.0) == 150.0
    assert words_per_minute(50, 0.0) is None
    assert words_per_minute(50, None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Um, so, uh, the cache is basically a map. Umm.", {"um": 2, "uh": 1, "basically": 1}),
        ("It was, like, slow. Like, really.", {"like": 2}),
        ("I like Python and it looks like a tree", {}),
        ("It's faster, you know, and you know the reason. You know.", {"you know": 2}),
        ("Ну, короче, это как бы кэш, типа словарь.", {"ну": 1, "короче": 1, "как бы": 1, "типа": 1}),
        ("Этот путь короче, чем тот; как бы ни было, поле этого типа.", {}),
        ("Hmm, the number is like 5", {}),
    ],
)
def test_count_fillers(text: str, expected: dict[str, int]) -> None:
    assert count_fillers(text) == expected


def test_long_pauses_are_gaps_of_the_threshold_or_more_between_words() -> None:
    words = timed(("First", 3.0, 3.4), ("the", 3.5, 3.6), ("gradient,", 3.7, 4.0), ("then", 6.0, 6.3), ("x", 7.0, 7.2))
    pauses = long_pauses(words)
    # 3 s of silence before the first word is thinking time; 4.0 -> 6.0 is exactly 2 s; 6.3 -> 7.0 is short.
    assert LONG_PAUSE == 2.0
    assert [(p.start, p.end, p.after) for p in pauses] == [(4.0, 6.0, "gradient,")]
    assert pauses[0].seconds == 2.0
    assert len(long_pauses(words, threshold=0.6)) == 2


def test_clock() -> None:
    assert clock(75.4) == "1:15"
    assert clock(0.4) == "0:00"
    assert clock(600) == "10:00"


def test_assess_an_answer_over_time_slow_with_fillers_and_a_pause() -> None:
    # Timed words from 0.0 to 8.0 s, then from 12.0 to 20.0 s: 20 s of speaking.
    first = [Word(f"w{i}", i * 8.0 / 12, i * 8.0 / 12 + 0.5) for i in range(11)] + [Word("um", 7.5, 8.0)]
    second = [Word("uh", 12.0, 12.5), Word("a", 13.0, 13.5), Word("b", 14.0, 14.5), Word("c", 19.5, 20.0)]
    text = "w one w two w three w four w five w six um uh a b c"
    # word_count: w one ... w six = 12, um, uh, a, b, c -> 17 words; 17 in 20 s = 51 wpm.
    delivery = assess(Transcript(text, "e", "m", duration=21.0, words=tuple(first + second)), time_limit=15.0)
    assert delivery.seconds == 20.0
    assert delivery.words == 17
    assert delivery.wpm == pytest.approx(51.0)
    assert delivery.fillers == (("uh", 1), ("um", 1))
    assert delivery.filler_count == 2
    assert [(p.start, p.end) for p in delivery.pauses] == [(8.0, 12.0), (14.5, 19.5)]
    time, pace, fillers, pauses = delivery.advice
    assert time.startswith("Time: 0:20 of 0:15, over by 0:05")
    assert pace.startswith("Pace: 51 words per minute, slow")
    assert fillers.startswith('Fillers: "uh" x1, "um" x1 (12 per 100 words): pause silently')
    assert pauses.startswith('Pauses: 2 pauses of 2 s or more (longest 5.0 s, after "b")')


def test_assess_a_steady_answer_within_the_limit() -> None:
    # 40 words evenly over 16 s = 150 wpm; no gap reaches 2 s.
    words = tuple(Word("word", i * 0.4, i * 0.4 + 0.3) for i in range(40))
    delivery = assess(Transcript(" ".join(["word"] * 40), "e", "m", words=words), time_limit=60.0)
    assert delivery.seconds == pytest.approx(15.9)
    assert delivery.advice == (
        "Time: 0:16 of 1:00: within the limit.",
        "Pace: 151 words per minute: easy to follow.",
        "Fillers: none.",
        "Pauses: none of 2 s or more.",
    )


def test_assess_without_timestamps_or_limit_says_what_it_cannot_tell() -> None:
    delivery = assess(Transcript("short answer", "e", "m", duration=5.0))
    assert delivery.pauses == ()
    assert not delivery.timestamps
    assert delivery.advice[0].startswith("Time: 0:05; no time limit was set")
    assert "too little to judge" in delivery.advice[1]
    assert delivery.advice[3] == "Pauses: unknown (the speech engine gave no word timestamps)."


def test_a_short_answer_is_told_to_add_depth_and_a_fast_one_to_slow_down() -> None:
    words = tuple(Word("w", i * 0.25, i * 0.25 + 0.2) for i in range(60))
    delivery = assess(Transcript(" ".join(["w"] * 60), "e", "m", words=words), time_limit=120.0)
    # 60 words in 14.95 s = 240.8 wpm; 15 s is under a quarter of 120 s.
    assert delivery.advice[0] == "Time: 0:15 of 2:00: short; add an example or a trade-off to show depth."
    assert delivery.advice[1].startswith("Pace: 241 words per minute, fast")
