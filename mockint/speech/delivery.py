"""How an answer was said: speaking time against the limit, pace, filler words and long pauses, with advice.

Everything here is a pure function of a :class:`~mockint.speech.transcript.Transcript` (and the question's soft
time limit), so each figure has a hand-computed test. The thresholds are module constants, documented where they
are defined; :func:`assess` gives all figures with one line of advice each.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockint.speech.transcript import Transcript, Word

__all__ = [
    "FAST_WPM",
    "FILLER_RATE",
    "LONG_PAUSE",
    "SLOW_WPM",
    "Delivery",
    "Pause",
    "assess",
    "count_fillers",
    "delivery_json",
    "long_pauses",
    "speaking_seconds",
    "word_count",
    "words_per_minute",
]

LONG_PAUSE = 2.0
"""Seconds of silence between two words that count as a long pause. Gaps between conversational turns are about
0.2 s and a speaker's hesitations inside an answer mostly stay under a second; a silence of two seconds or more
mid-answer is what an interviewer notices as being stuck. Silence before the first word is thinking time and is
not counted."""
SLOW_WPM = 110.0
"""Below this many words per minute an answer sounds hesitant (conversational English runs about 120-160)."""
FAST_WPM = 170.0
"""Above this many words per minute an interviewer has trouble following a technical answer."""
FILLER_RATE = 3.0
"""Filler words per 100 words above which they are worth working on (a word every half-minute or so at a normal
pace goes unnoticed)."""
# A pace figure from a few seconds of speech is noise: below this the pace line says so instead.
_MIN_PACE_SECONDS = 10.0

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# Always fillers, whatever surrounds them.
_ALWAYS = re.compile(r"\b(?:u+m+|u+h+|e+rm+|basically|ну)\b", re.IGNORECASE)
# "like" is a filler only when set off by commas ("it was, like, slow"; "like, the cache"), never as a verb or a
# preposition ("I like it", "looks like a tree"), which engines write without commas.
_LIKE = re.compile(r"(?:^|[,.;:!?]\s*)(like)\s*,", re.IGNORECASE)
# "you know" is a filler unless it has an object ("you know the answer", "you know what a cache is").
_YOU_KNOW = re.compile(
    r"\b(you know)\b(?!\s+(?:what|how|that|why|when|where|which|who|whether|if|the|a|an|it|this|these|those|"
    r"them|him|her|me|us|about)\b)",
    re.IGNORECASE,
)
# «как бы» and «короче» are fillers except in their literal sense: «как бы ни» (however), «короче, чем» / «короче
# чем» (shorter than).
_KAK_BY = re.compile(r"(?<![^\W_])(как бы)(?![^\W_])(?!\s+ни\b)", re.IGNORECASE)
_KOROCHE = re.compile(r"(?<![^\W_])(короче)(?![^\W_])(?!,?\s+чем\b)", re.IGNORECASE)
# «типа» is the genitive of «тип» after an adjective or a number word («этого типа», «одного типа»): not a filler.
_TIPA = re.compile(r"(?<![^\W_])(?<!ого )(?<!его )(типа)(?![^\W_])", re.IGNORECASE)


@dataclass(frozen=True)
class Pause:
    """A silence between two words.

    Attributes:
        start: When the word before it ended, in seconds.
        end: When the next word started, in seconds.
        after: The word before the silence.
    """

    start: float
    end: float
    after: str

    @property
    def seconds(self) -> float:
        """How long the silence lasted."""
        return self.end - self.start


@dataclass(frozen=True)
class Delivery:
    """The figures of how an answer was said, each with one line of advice.

    Attributes:
        seconds: Speaking time, from the first word to the last (the recording's length without timestamps).
        time_limit: The question's soft limit in seconds, if any.
        words: Words said.
        wpm: Words per minute; ``None`` without a speaking time.
        fillers: Filler word -> times said (lower case), most frequent first.
        pauses: Long pauses (:data:`LONG_PAUSE`), in order; empty without word timestamps.
        timestamps: Whether the engine gave word timestamps (without them pauses cannot be found).
        advice: One line for each of time, pace, fillers and pauses, in that order.
    """

    seconds: float | None
    time_limit: float | None
    words: int
    wpm: float | None
    fillers: tuple[tuple[str, int], ...]
    pauses: tuple[Pause, ...]
    timestamps: bool
    advice: tuple[str, ...]

    @property
    def filler_count(self) -> int:
        """Filler words said, all kinds together."""
        return sum(count for _, count in self.fillers)


def word_count(text: str) -> int:
    """Words in ``text``: runs of letters or digits with inner apostrophes and hyphens (``don't``, «из-за», ``42``)."""
    return len(_WORD.findall(text))


def speaking_seconds(transcript: Transcript) -> float | None:
    """Seconds from the first word's start to the last word's end, else the recording's duration, else ``None``."""
    if transcript.words:
        return max(0.0, transcript.words[-1].end - transcript.words[0].start)
    return transcript.duration


def words_per_minute(words: int, seconds: float | None) -> float | None:
    """``words`` spoken in ``seconds`` as words per minute; ``None`` when there is no time to divide by."""
    if seconds is None or seconds <= 0:
        return None
    return words * 60.0 / seconds


def count_fillers(text: str) -> dict[str, int]:
    """Filler words in ``text``: English "um", "uh", "erm", "basically", "you know" and "like" set off by commas;
    Russian «ну», «короче», «как бы», «типа» (each except in its literal sense, see the patterns' comments).

    Args:
        text: A transcript.

    Returns:
        Filler (lower case, ``umm`` counted as ``um``) -> times said; fillers not said are absent.
    """
    found: Counter[str] = Counter()
    for match in _ALWAYS.finditer(text):
        found[_canonical(match.group(0))] += 1
    for pattern in (_LIKE, _YOU_KNOW, _KAK_BY, _KOROCHE, _TIPA):
        for match in pattern.finditer(text):
            found[match.group(1).lower()] += 1
    return dict(found)


def _canonical(filler: str) -> str:
    lowered = filler.lower()
    for short in ("um", "uh", "erm"):
        if re.fullmatch(short[0] + "+" + "".join(f"{letter}+" for letter in short[1:]), lowered):
            return short
    return lowered


def long_pauses(words: Sequence[Word], threshold: float = LONG_PAUSE) -> tuple[Pause, ...]:
    """Silences of at least ``threshold`` seconds between consecutive words.

    Args:
        words: Words with timestamps, in order.
        threshold: Shortest silence reported, in seconds (:data:`LONG_PAUSE`).

    Returns:
        The pauses in order; silence before the first word or after the last is not a pause.
    """
    pauses = []
    for before, after in zip(words, words[1:], strict=False):
        if after.start - before.end >= threshold:
            pauses.append(Pause(start=before.end, end=after.start, after=before.text.strip()))
    return tuple(pauses)


def assess(transcript: Transcript, *, time_limit: float | None = None) -> Delivery:
    """All figures of how ``transcript`` was said, with one line of advice each.

    Args:
        transcript: The transcribed answer.
        time_limit: The question's soft time limit in seconds (the interview's ``--time-limit``), if any.

    Returns:
        The figures; :attr:`Delivery.advice` has a line for time, pace, fillers and pauses.
    """
    seconds = speaking_seconds(transcript)
    words = word_count(transcript.text)
    wpm = words_per_minute(words, seconds)
    fillers = tuple(sorted(count_fillers(transcript.text).items(), key=lambda item: (-item[1], item[0])))
    timestamps = bool(transcript.words)
    pauses = long_pauses(transcript.words)
    advice = (
        _time_advice(seconds, time_limit),
        _pace_advice(wpm, seconds),
        _filler_advice(fillers, words),
        _pause_advice(pauses, timestamps),
    )
    return Delivery(
        seconds=seconds,
        time_limit=time_limit,
        words=words,
        wpm=wpm,
        fillers=fillers,
        pauses=pauses,
        timestamps=timestamps,
        advice=advice,
    )


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    """How an answer was said, as stored in the history (``answers.delivery``), shown by ``history show``,
    and given as ``speech`` in the records of ``mockint grade``.

    Args:
        delivery: The figures (:func:`mockint.speech.delivery.assess`).

    Returns:
        ``seconds``, ``time_limit``, ``words``, ``wpm`` (rounded to 0.1), ``fillers`` (filler -> count),
        ``filler_count``, ``filler_rate`` (per 100 words, rounded to 0.1), ``long_pauses``, ``longest_pause``
        (seconds or ``None``), ``timestamps`` and ``advice`` (the four lines).
    """
    longest = max((pause.seconds for pause in delivery.pauses), default=None)
    rate = 100.0 * delivery.filler_count / delivery.words if delivery.words else None
    return {
        "seconds": round(delivery.seconds, 2) if delivery.seconds is not None else None,
        "time_limit": delivery.time_limit,
        "words": delivery.words,
        "wpm": round(delivery.wpm, 1) if delivery.wpm is not None else None,
        "fillers": dict(delivery.fillers),
        "filler_count": delivery.filler_count,
        "filler_rate": round(rate, 1) if rate is not None else None,
        "long_pauses": len(delivery.pauses),
        "longest_pause": round(longest, 2) if longest is not None else None,
        "timestamps": delivery.timestamps,
        "advice": list(delivery.advice),
    }


def clock(seconds: float) -> str:
    """``seconds`` as ``m:ss`` (``75.4`` -> ``1:15``)."""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _time_advice(seconds: float | None, limit: float | None) -> str:
    if seconds is None:
        return "Time: unknown (the recording's length could not be read)."
    if limit is None:
        return f"Time: {clock(seconds)}; no time limit was set, so aim for about two minutes per answer."
    if seconds > limit:
        return (
            f"Time: {clock(seconds)} of {clock(limit)}, over by {clock(seconds - limit)}: lead with the answer in one "
            "sentence, then give detail only as far as time allows."
        )
    if seconds < limit / 4:
        return f"Time: {clock(seconds)} of {clock(limit)}: short; add an example or a trade-off to show depth."
    return f"Time: {clock(seconds)} of {clock(limit)}: within the limit."


def _pace_advice(wpm: float | None, seconds: float | None) -> str:
    if wpm is None or seconds is None:
        return "Pace: unknown (no speaking time)."
    if seconds < _MIN_PACE_SECONDS:
        return f"Pace: {wpm:.0f} words per minute, from under {_MIN_PACE_SECONDS:.0f} s of speech: too little to judge."
    if wpm < SLOW_WPM:
        return (
            f"Pace: {wpm:.0f} words per minute, slow: outline the answer in your head first so that each sentence "
            "follows without searching."
        )
    if wpm > FAST_WPM:
        return f"Pace: {wpm:.0f} words per minute, fast: slow down and pause after each key point."
    return f"Pace: {wpm:.0f} words per minute: easy to follow."


def _filler_advice(fillers: tuple[tuple[str, int], ...], words: int) -> str:
    total = sum(count for _, count in fillers)
    if total == 0:
        return "Fillers: none."
    listed = ", ".join(f'"{filler}" x{count}' for filler, count in fillers)
    rate = 100.0 * total / words if words else 0.0
    if rate > FILLER_RATE:
        return f"Fillers: {listed} ({rate:.0f} per 100 words): pause silently instead; a short silence sounds surer."
    return f"Fillers: {listed} ({rate:.0f} per 100 words): few enough not to distract."


def _pause_advice(pauses: tuple[Pause, ...], timestamps: bool) -> str:
    if not timestamps:
        return "Pauses: unknown (the speech engine gave no word timestamps)."
    if not pauses:
        return f"Pauses: none of {LONG_PAUSE:g} s or more."
    longest = max(pauses, key=lambda pause: pause.seconds)
    count = f"{len(pauses)} pause{'s' if len(pauses) != 1 else ''}"
    return (
        f'Pauses: {count} of {LONG_PAUSE:g} s or more (longest {longest.seconds:.1f} s, after "{longest.after}"): '
        'when you need time, say so ("let me think about the trade-off") rather than go silent.'
    )
