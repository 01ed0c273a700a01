"""The history database's schema and the migrations that build it, one step per schema version.

Schema versions live in ``PRAGMA user_version``; :data:`MIGRATIONS` is an ordered list, and the store
(:class:`mockint.practice.history.HistoryStore`) applies each step with the version bump in one transaction,
so a newer mockint opens (and upgrades) an older database and a failed upgrade leaves the file as it was.

Schema (version 3):

``sessions``
    ``id``, ``started_at``, ``ended_at``, ``status`` (``running`` | ``finished`` | ``interrupted``),
    ``grader`` (``llm`` | ``deterministic``: what was configured), ``model``, ``mockint_version``,
    ``options`` (JSON of the command's options). What is *read back* as a session's grader is derived from
    its answers' and replies' graders (:mod:`mockint.practice.records`); the stored one is its ``configured``.
``answers``
    One row per question put to the candidate and answered, skipped or cut short: ``position``,
    ``question_id``, ``question`` (its text at the time), ``answer``, ``status`` (``graded`` | ``ungraded`` |
    ``skipped`` | ``unfinished``), ``shown_at``, ``answered_at``, ``seconds``, ``time_limit``, ``over_time``,
    ``score``, ``grader``, ``model``, ``prompt_version``, ``grade`` (grade output contract JSON), ``tips``
    (JSON list of the tips shown). *v2 added* ``time_limit``, ``over_time``, ``tips``. *v3 added*, for an
    answer spoken from a recording (``NULL`` for a typed one): ``transcript`` (what the engine heard; ``answer``
    is what was graded, the candidate's replacement when they typed one), ``stt_model`` (``engine/model``),
    ``delivery`` (JSON of how it was said: ``seconds``, ``time_limit``, ``words``, ``wpm``, ``fillers``,
    ``filler_count``, ``filler_rate`` per 100 words, ``long_pauses``, ``longest_pause``, ``timestamps``,
    ``advice``) and ``recording`` (the kept copy, relative to the database's folder; ``NULL`` once removed
    with ``mockint history purge-audio``).
``followups`` (*v2*)
    At most one per answer: ``criterion_ids`` (JSON list of the probed key points), ``question``, ``source``
    (``llm`` | ``template``), ``model``, ``prompt_version``, ``asked_at``, ``reply``, ``status`` (``asked`` |
    ``ungraded`` | ``graded`` | ``skipped`` | ``unfinished``), ``replied_at``, ``seconds``, ``score``,
    ``grader``, ``grade`` (JSON, graded against the probed key points only), ``probed_score``.
``key_point_reviews`` (*v2*)
    One row per key point per graded answer, for spaced repetition: ``verdict`` and ``source`` given
    unprompted, ``followup_verdict`` and ``followup_source`` after the follow-up (``NULL`` when not probed).
    The upgrade from v1 fills it from the stored grades.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "TABLES", "Migration"]

TABLES = frozenset({"sessions", "answers", "followups", "key_point_reviews"})
"""Tables a mockint database has; a version-0 file holding other tables belongs to something else."""


_V1 = (
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        grader TEXT NOT NULL,
        model TEXT,
        mockint_version TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        shown_at TEXT NOT NULL,
        answered_at TEXT,
        seconds REAL,
        score REAL,
        grader TEXT,
        model TEXT,
        prompt_version TEXT,
        grade TEXT
    )""",
    "CREATE INDEX answers_by_session ON answers(session_id, position)",
    "CREATE INDEX answers_by_question ON answers(question_id, shown_at)",
)

_V2 = (
    "ALTER TABLE answers ADD COLUMN time_limit REAL",
    "ALTER TABLE answers ADD COLUMN over_time INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE answers ADD COLUMN tips TEXT NOT NULL DEFAULT '[]'",
    """CREATE TABLE followups (
        answer_id INTEGER PRIMARY KEY REFERENCES answers(id) ON DELETE CASCADE,
        criterion_ids TEXT NOT NULL,
        question TEXT NOT NULL,
        source TEXT NOT NULL,
        model TEXT,
        prompt_version TEXT,
        asked_at TEXT NOT NULL,
        reply TEXT,
        status TEXT NOT NULL DEFAULT 'asked',
        replied_at TEXT,
        seconds REAL,
        score REAL,
        grader TEXT,
        grade TEXT,
        probed_score REAL
    )""",
    """CREATE TABLE key_point_reviews (
        id INTEGER PRIMARY KEY,
        answer_id INTEGER NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        criterion_id TEXT NOT NULL,
        reviewed_at TEXT NOT NULL,
        verdict TEXT NOT NULL,
        source TEXT,
        followup_verdict TEXT,
        followup_source TEXT,
        UNIQUE (answer_id, criterion_id)
    )""",
    "CREATE INDEX reviews_by_key_point ON key_point_reviews(question_id, criterion_id, reviewed_at)",
)


_V3 = (
    "ALTER TABLE answers ADD COLUMN transcript TEXT",
    "ALTER TABLE answers ADD COLUMN stt_model TEXT",
    "ALTER TABLE answers ADD COLUMN delivery TEXT",
    "ALTER TABLE answers ADD COLUMN recording TEXT",
)


def _backfill_reviews(conn: sqlite3.Connection) -> None:
    """v1 kept only grade JSON; spaced repetition needs one row per key point, so derive them from it."""
    rows = conn.execute(
        "SELECT id, question_id, COALESCE(answered_at, shown_at), grade FROM answers "
        "WHERE status = 'graded' AND grade IS NOT NULL ORDER BY id"
    ).fetchall()
    for answer_id, question_id, reviewed_at, grade_text in rows:
        try:
            criteria = json.loads(grade_text).get("criteria", [])
        except (ValueError, AttributeError):
            continue  # an unreadable grade cannot be reviewed; the answer itself is kept
        for item in criteria:
            if isinstance(item, dict) and item.get("verdict") in ("met", "partial", "missed") and item.get("id"):
                conn.execute(
                    "INSERT OR IGNORE INTO key_point_reviews "
                    "(answer_id, question_id, criterion_id, reviewed_at, verdict, source) VALUES (?, ?, ?, ?, ?, ?)",
                    (answer_id, question_id, str(item["id"]), reviewed_at, item["verdict"], item.get("source")),
                )


Migration = Callable[[sqlite3.Connection], None]
"""One schema step, run inside the transaction that also bumps ``user_version``."""


def _statements(*sql: str) -> Migration:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)

    return apply


def _v2(conn: sqlite3.Connection) -> None:
    _statements(*_V2)(conn)
    _backfill_reviews(conn)


MIGRATIONS: tuple[Migration, ...] = (_statements(*_V1), _v2, _statements(*_V3))
"""Migration ``i`` takes a database from version ``i`` to ``i + 1``; never edit one that has shipped."""

SCHEMA_VERSION = len(MIGRATIONS)
