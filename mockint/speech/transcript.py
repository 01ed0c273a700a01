"""What every speech-to-text engine returns, the one interface they share, and the prompt they are given.

An engine (:class:`Transcriber`) turns a recording into a :class:`Transcript`: the text, the language heard,
the words with their timestamps when the engine gives them, and which engine and model made it, so that a
grade made from a transcript can say so (``stt_model``) and a cache can key on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from mockint.models import Rubric

__all__ = ["Transcriber", "Transcript", "Word", "key_terms", "transcription_prompt"]

# Whisper reads at most 224 tokens of prompt and keeps the *last* ones; about 600 characters of mixed English
# and Russian stays under that, so the question (put first) is never the part that is dropped.
PROMPT_CHARS = 600


@dataclass(frozen=True)
class Word:
    """One word heard, with when it was said.

    Attributes:
        text: The word as the engine wrote it (punctuation attached, as engines give it).
        start: Seconds from the start of the recording.
        end: Seconds from the start of the recording; not before ``start``.
    """

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Transcript:
    """A recording turned into text.

    Attributes:
        text: What was said, as one string (may be empty: nothing was heard).
        engine: Which engine made it (``"openai"``, ``"faster-whisper"``).
        model: The engine's model (``"whisper-1"``, ``"base"``): stored as ``stt_model``.
        language: The language heard or given (``"en"``, ``"ru"``), when known.
        duration: Seconds of audio, when known.
        words: Each word with its timestamps, in order; empty when the engine gave none.
    """

    text: str
    engine: str
    model: str
    language: str | None = None
    duration: float | None = None
    words: tuple[Word, ...] = field(default_factory=tuple)

    @property
    def stt_model(self) -> str:
        """``engine/model``, the ``stt_model`` field of a graded record."""
        return f"{self.engine}/{self.model}"


@runtime_checkable
class Transcriber(Protocol):
    """A speech-to-text engine."""

    @property
    def engine(self) -> str:
        """The engine's name, as in :attr:`Transcript.engine`."""
        ...

    @property
    def model(self) -> str:
        """The model used, as in :attr:`Transcript.model`."""
        ...

    def transcribe(self, audio: Path, *, language: str | None = None, prompt: str | None = None) -> Transcript:
        """Turn a recording into text.

        Args:
            audio: The recording (WAV, or any format the engine decodes).
            language: ``"en"`` or ``"ru"`` when known; the engine detects it otherwise.
            prompt: Words likely to be said (:func:`transcription_prompt`), to steer spelling.

        Returns:
            The transcript.

        Raises:
            SpeechError: The file is missing or undecodable, or the engine failed; the message says how to fix it.
        """
        ...


def transcription_prompt(question: str, key_terms: Iterable[str] = (), *, limit: int = PROMPT_CHARS) -> str:
    """The prompt that steers an engine towards the question's vocabulary.

    Whisper-style engines treat the prompt as text said just before the recording, so the question's own
    words and the rubric's terms (``"reranking"``, not ``"ranking"``) come out spelt as the grader expects.

    Args:
        question: The question asked.
        key_terms: Terms from the rubric's key points; duplicates (any letter case) are dropped, order kept.
        limit: Longest prompt in characters; terms that do not fit are left out, never cut in half.

    Returns:
        ``question`` followed by the terms, comma separated, on one line.
    """
    text = " ".join(question.split())[:limit]
    seen = {word.casefold() for word in text.split()}
    terms: list[str] = []
    for term in key_terms:
        flat = " ".join(term.split())
        if not flat or flat.casefold() in seen:
            continue
        seen.add(flat.casefold())
        terms.append(flat)
    for count in range(len(terms), 0, -1):
        candidate = f"{text} {', '.join(terms[:count])}." if text else f"{', '.join(terms[:count])}."
        if len(candidate) <= limit:
            return candidate
    return text


def key_terms(rubric: Rubric, *, max_words: int = 3) -> list[str]:
    """The rubric's terms worth spelling right: the first phrasing of each concept its key points check.

    The first phrasing is the rubric author's canonical one (``"weight sharing"``, ``"receptive field"``); the
    alternatives are paraphrases that add length, not spelling. Key points come in the rubric's order, the most
    important first, so :func:`transcription_prompt` drops the least important when space runs out.

    Args:
        rubric: The question's rubric.
        max_words: Longest phrase kept; longer ones are sentences, not terms.

    Returns:
        The terms in order, without duplicates (any letter case).
    """
    seen: set[str] = set()
    terms: list[str] = []
    for criterion in rubric.criteria:
        for check in criterion.checks:
            for concept in check.concepts:
                if not concept:
                    continue
                term = " ".join(concept[0].split())
                if term and len(term.split()) <= max_words and term.casefold() not in seen:
                    seen.add(term.casefold())
                    terms.append(term)
    return terms


def words_text(words: Sequence[Word]) -> str:
    """The words joined by single spaces (for an engine that gives words but no text)."""
    return " ".join(word.text.strip() for word in words if word.text.strip())
