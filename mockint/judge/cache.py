"""The grade cache: validated judge replies in SQLite, so grading the same answers again sends no request.

This is the store; :class:`~mockint.judge.wrappers.CachingJudge` puts it in front of a judge.

What is stored is the judge's validated reply (:class:`~mockint.models.JudgeResult`), not the grade: a cached
answer still goes through the deterministic checks, evidence verification and reconciliation, so a cached
grade is identical to a live one, and a change to the checks takes effect without clearing the cache.

The key is a sha256 over everything that decides the reply:

* the rubric's content (its canonical JSON: any edit, even to a tip, is a different rubric),
* the answer text (exact bytes),
* the judge's fingerprint: model, prompt version (a hash of the prompt files), server and sampling settings.

So the cache never serves a reply across a rubric or prompt change. Failures are never stored. Nothing
secret is: the key is not part of any of it, and the server URL is stored without credentials.

The file is ``MOCKINT_HOME/cache.db``. The cache only saves money, so no trouble with it stops a run:

* a file that is not a SQLite database (or a damaged one) is moved aside (renamed ``cache.db.corrupt-<time>``)
  and a fresh cache is started, with a warning;
* a folder or file that cannot be created or written (a read-only ``MOCKINT_HOME``, a full or read-only disk,
  no permission) leaves the run without the cache, with one warning, and the file untouched: a healthy cache
  is never mistaken for a corrupt one;
* an error while the run is going (disk full) turns the cache off for the rest of the run, with a warning.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockint.models import JudgeResult, Rubric

__all__ = ["CACHE_FILE", "CacheStats", "GradeCache", "cache_key", "rubric_hash"]

CACHE_FILE = "cache.db"
# Bumped when the meaning of a key or of a stored value changes; old rows then simply stop matching.
KEY_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    result TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    created REAL NOT NULL
)
"""

# SQLite's primary result codes that mean the file itself is damaged or not a database; any other error on
# opening (SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM, SQLITE_IOERR ...) is about where the file lives.
_DAMAGED = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB

_MEMO_SIZE = 1024
_rubric_hashes: dict[int, tuple[Rubric, str]] = {}
_rubric_hashes_lock = threading.Lock()


def rubric_hash(rubric: Rubric) -> str:
    """sha256 of the rubric's canonical JSON (keys sorted, no whitespace); computed once per rubric object."""
    with _rubric_hashes_lock:
        known = _rubric_hashes.get(id(rubric))
        # The rubric itself is kept in the entry so its id cannot be reused by another object.
        if known is not None and known[0] is rubric:
            return known[1]
    canonical = json.dumps(rubric.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    with _rubric_hashes_lock:
        if len(_rubric_hashes) >= _MEMO_SIZE:  # a long-lived process loading rubric after rubric
            _rubric_hashes.clear()
        _rubric_hashes[id(rubric)] = (rubric, digest)
    return digest


def cache_key(rubric: Rubric, answer: str, fingerprint: Mapping[str, Any]) -> str:
    """The cache key of one judge request.

    Args:
        rubric: The rubric graded against.
        answer: The answer text, exactly as graded.
        fingerprint: The judge's model, prompt version and settings (``OpenAIJudge.fingerprint()``).

    Returns:
        A sha256 hex digest.
    """
    material = {
        "v": KEY_VERSION,
        "rubric": rubric_hash(rubric),
        "answer": hashlib.sha256(answer.encode("utf-8")).hexdigest(),
        "judge": dict(fingerprint),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass
class CacheStats:
    """What the cache did in one run.

    Attributes:
        hits: Replies served from the cache (no request sent).
        misses: Lookups that found nothing (the judge was asked).
        stored: Replies written.
    """

    hits: int = 0
    misses: int = 0
    stored: int = 0


class GradeCache:
    """Validated judge replies by key, in one SQLite file; thread-safe.

    A cache that cannot be opened (see the module docstring) is not an error: it says so once through ``warn``
    and :attr:`available` is false; ``get`` then finds nothing and ``put`` stores nothing.

    Args:
        path: The database file (created with its folder when missing).
        warn: Called with a one-line message when the file was corrupt, cannot be used, or the cache turns
            itself off.
    """

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.stats = CacheStats()
        self._warn = warn or (lambda message: None)
        self._lock = threading.Lock()
        self._disabled = False
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._unavailable(f"{path.parent}: cannot create the cache folder ({exc.strerror})")
            return
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorcode & 0xFF not in _DAMAGED:
                self._unavailable(f"{path}: cannot write the grade cache ({exc})")
                return
            self._replace_damaged()

    @property
    def available(self) -> bool:
        """Whether the cache is in use (false when it could not be opened, or turned itself off)."""
        with self._lock:
            return not self._disabled

    def _unavailable(self, problem: str) -> None:
        self._disabled = True
        self._warn(f"{problem}; grading without it (make MOCKINT_HOME writable, set it elsewhere, or pass --no-cache)")

    def _replace_damaged(self) -> None:
        path = self.path
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            path.replace(aside)
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            self._db = self._open()
        except (OSError, sqlite3.Error) as exc:
            self._unavailable(f"{path}: the grade cache is not a readable SQLite file and cannot be replaced ({exc})")
            return
        self._warn(
            f"{path}: the grade cache was not a readable SQLite file; moved it to {aside.name} and started a new one"
        )

    def _open(self) -> sqlite3.Connection:
        # check_same_thread=False: one connection shared by the batch's workers, serialised by self._lock.
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            # WAL lets two runs share the file; NORMAL sync is enough for a cache (a crash loses at most the last
            # few replies, which are simply asked again).
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            db.execute("SELECT count(*) FROM replies WHERE key = ''").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._disabled = True

    def get(self, key: str) -> JudgeResult | None:
        """The stored reply for ``key``, or ``None`` (also when the row cannot be read any more)."""
        with self._lock:
            if self._disabled or self._db is None:
                return None
            try:
                row = self._db.execute("SELECT result FROM replies WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as exc:
                self._disable(exc)
                return None
        if row is None:
            return None
        try:
            return JudgeResult.model_validate_json(row[0])
        except ValueError:
            # A row written by an incompatible version: treat as a miss; the fresh reply overwrites it.
            return None

    def put(self, key: str, result: JudgeResult) -> None:
        """Store a validated reply under ``key`` (replacing any older one)."""
        payload = result.model_dump_json()
        with self._lock:
            if self._disabled or self._db is None:
                return
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO replies (key, result, model, prompt_version, created) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (key, payload, result.model, result.prompt_version, time.time()),
                )
            except sqlite3.Error as exc:
                self._disable(exc)
                return
            self.stats.stored += 1

    def _disable(self, exc: sqlite3.Error) -> None:
        self._disabled = True
        self._warn(f"{self.path}: the grade cache failed ({exc}); continuing without it")
