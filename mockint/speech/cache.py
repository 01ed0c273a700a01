"""Transcripts kept on disk, so that grading the same recordings again does not transcribe them again.

A transcript is keyed by what decides it: the recording's bytes (sha256), the engine, its model, the prompt and
the language asked for. Each one is a small JSON file under ``MOCKINT_HOME/transcripts/`` (two-letter
sub-folders), written to a temporary name and renamed, so that concurrent runs and a killed run leave either the
whole file or none. A file that does not parse is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockint.speech.transcript import Transcript, Word

__all__ = ["CacheStats", "TranscriptCache", "audio_digest", "transcript_key"]

_CHUNK = 1 << 20
_VERSION = 1


def audio_digest(path: Path) -> str:
    """The sha256 of a recording's bytes (hex).

    Raises:
        OSError: The file cannot be read.
    """
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def transcript_key(digest: str, engine: str, model: str, prompt: str | None, language: str | None) -> str:
    """The cache key of a transcript: a sha256 over the recording's digest, engine, model, prompt and language."""
    material = json.dumps([_VERSION, digest, engine, model, prompt or "", language or ""], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass
class CacheStats:
    """Lookups of one run: ``hits`` found, ``misses`` transcribed."""

    hits: int = 0
    misses: int = 0


class TranscriptCache:
    """Transcripts on disk under ``folder``, by :func:`transcript_key`.

    Args:
        folder: The cache's folder (``MOCKINT_HOME/transcripts``); made on the first write.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stats = CacheStats()
        self._lock = threading.Lock()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Transcript | None:
        """The transcript kept under ``key``, or ``None`` (missing or unreadable: a miss)."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            transcript = _from_json(data)
        except (OSError, ValueError, TypeError, KeyError):
            transcript = None
        with self._lock:
            if transcript is None:
                self.stats.misses += 1
            else:
                self.stats.hits += 1
        return transcript

    def put(self, key: str, transcript: Transcript) -> None:
        """Keep ``transcript`` under ``key``; a folder that cannot be written only loses the cache."""
        path = self._path(key)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(_to_json(transcript), ensure_ascii=False), encoding="utf-8")
            partial.replace(path)
        except OSError:
            partial.unlink(missing_ok=True)


def _to_json(transcript: Transcript) -> dict[str, Any]:
    return {
        "text": transcript.text,
        "engine": transcript.engine,
        "model": transcript.model,
        "language": transcript.language,
        "duration": transcript.duration,
        "words": [[word.text, word.start, word.end] for word in transcript.words],
    }


def _from_json(data: Any) -> Transcript:
    if not isinstance(data, dict) or not isinstance(data["text"], str):
        raise ValueError("not a transcript")
    duration = data.get("duration")
    return Transcript(
        text=data["text"],
        engine=str(data["engine"]),
        model=str(data["model"]),
        language=data.get("language") if isinstance(data.get("language"), str) else None,
        duration=float(duration) if isinstance(duration, int | float) else None,
        words=tuple(Word(str(text), float(start), float(end)) for text, start, end in data.get("words") or ()),
    )
