"""The SQLite store of interview sessions: questions, answers, grades, follow-ups, timings.

One file, ``history.db`` under ``MOCKINT_HOME`` (stdlib ``sqlite3``). Every step of a session is committed as
soon as it happens (the answer when it is submitted, its grade when it is graded, the follow-up when it is
asked and when its reply is graded), so Ctrl-C or a killed process loses nothing already answered.

Schema versions live in ``PRAGMA user_version``; :data:`MIGRATIONS` is an ordered list, each step applied with
the version bump in one transaction, so a newer mockint opens (and upgrades) an older database and a failed
upgrade leaves the file as it was. A file that is not a mockint database, or is damaged, is reported in one
line with the way out (move it aside); a database written by a newer mockint is refused rather than damaged.

Schema (version 2):

``sessions``
    ``id``, ``started_at``, ``ended_at``, ``status`` (``running`` | ``finished`` | ``interrupted``),
    ``grader`` (``llm`` | ``deterministic``: what was configured), ``model``, ``mockint_version``,
    ``options`` (JSON of the command's options). What is *read back* as a session's grader is derived from
    its answers' and replies' graders (:mod:`mockint.practice.history`); the stored one is its ``configured``.
``answers``
    One row per question put to the candidate and answered, skipped or cut short: ``position``,
    ``question_id``, ``question`` (its text at the time), ``answer``, ``status`` (``graded`` | ``ungraded`` |
    ``skipped`` | ``unfinished``), ``shown_at``, ``answered_at``, ``seconds``, ``time_limit``, ``over_time``,
    ``score``, ``grader``, ``model``, ``prompt_version``, ``grade`` (grade output contract JSON), ``tips``
    (JSON list of the tips shown). *v2 added* ``time_limit``, ``over_time``, ``tips``.
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
import shlex
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from mockint.errors import MockintError
from mockint.models import Grade
from mockint.practice.followup import recovery_label
from mockint.practice.history import SessionGrading, grading_label, session_grading

__all__ = [
    "HISTORY_FILE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AnswerRecord",
    "FollowupRecord",
    "HistoryError",
    "HistoryStore",
    "Review",
    "SessionRecord",
    "SessionSummary",
    "history_path",
    "session_json",
    "session_markdown",
]

HISTORY_FILE = "history.db"

# Tables a mockint database has; a version-0 file holding other tables belongs to something else.
_OUR_TABLES = frozenset({"sessions", "answers", "followups", "key_point_reviews"})
# Seconds to wait for another mockint process that is writing.
_BUSY_TIMEOUT = 5.0


class HistoryError(MockintError):
    """The history database cannot be opened, read or written; the message names the file and the way out."""


def _move_aside(path: Path) -> str:
    return f"mv {shlex.quote(str(path))} {shlex.quote(str(path) + '.bak')}"


def history_path(home: Path) -> Path:
    """The history database inside mockint's home folder (``Settings.home``)."""
    return home / HISTORY_FILE


# -- migrations -----------------------------------------------------------------------------------------------

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


def _statements(*sql: str) -> Migration:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)

    return apply


def _v2(conn: sqlite3.Connection) -> None:
    _statements(*_V2)(conn)
    _backfill_reviews(conn)


MIGRATIONS: tuple[Migration, ...] = (_statements(*_V1), _v2)
"""Migration ``i`` takes a database from version ``i`` to ``i + 1``; never edit one that has shipped."""

SCHEMA_VERSION = len(MIGRATIONS)


# -- records --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowupRecord:
    """The follow-up probe asked after an answer, and the reply to it."""

    criterion_ids: list[str]
    question: str
    source: str
    model: str | None
    prompt_version: str | None
    asked_at: datetime
    reply: str | None
    status: str
    replied_at: datetime | None
    seconds: float | None
    score: float | None
    grader: str | None
    grade: Grade | None
    probed_score: float | None


@dataclass(frozen=True)
class AnswerRecord:
    """One question put to the candidate in a session, with what became of it."""

    id: int
    session_id: int
    position: int
    question_id: str
    question: str
    answer: str
    status: str
    shown_at: datetime
    answered_at: datetime | None
    seconds: float | None
    time_limit: float | None
    over_time: bool
    score: float | None
    grader: str | None
    model: str | None
    prompt_version: str | None
    grade: Grade | None
    tips: list[str]
    followup: FollowupRecord | None = None


@dataclass(frozen=True)
class SessionSummary:
    """One line of ``mockint history``.

    ``grader`` and ``model`` say what really graded the session's answers (see :mod:`mockint.practice.history`);
    ``grading`` has the details and what was configured.
    """

    id: int
    started_at: datetime
    ended_at: datetime | None
    status: str
    grader: str
    model: str | None
    questions: int
    graded: int
    mean_score: float | None
    grading: SessionGrading | None = None


@dataclass(frozen=True)
class SessionRecord:
    """A whole session, for ``mockint history show`` and the Markdown report."""

    id: int
    started_at: datetime
    ended_at: datetime | None
    status: str
    grader: str
    model: str | None
    mockint_version: str
    options: dict[str, Any]
    answers: list[AnswerRecord] = field(default_factory=list)
    configured_grader: str | None = None
    configured_model: str | None = None

    @property
    def grading(self) -> SessionGrading:
        """How the session's answers and follow-up replies were really graded, and what was configured."""
        return session_grading(
            self.configured_grader or self.grader,
            self.configured_model if self.configured_grader is not None else self.model,
            [answer.grader if answer.status == "graded" else None for answer in self.answers],
            [a.followup.grader for a in self.answers if a.followup is not None and a.followup.status == "graded"],
        )

    @property
    def graded(self) -> list[AnswerRecord]:
        """The answers that were graded."""
        return [answer for answer in self.answers if answer.score is not None]

    @property
    def mean_score(self) -> float | None:
        """The mean unprompted score of the graded answers."""
        scores = [answer.score for answer in self.graded if answer.score is not None]
        return round(sum(scores) / len(scores), 4) if scores else None


@dataclass(frozen=True)
class Review:
    """One key point's verdicts in one graded answer (spaced repetition input)."""

    question_id: str
    criterion_id: str
    reviewed_at: datetime
    verdict: str
    followup_verdict: str | None


@dataclass(frozen=True)
class Attempt:
    """One graded answer to a question (progress input)."""

    question_id: str
    answered_at: datetime
    score: float
    probed_score: float | None


# -- the store ------------------------------------------------------------------------------------------------


def _ts(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("history timestamps must be timezone-aware")
    return value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _grade(text: str | None) -> Grade | None:
    if text is None:
        return None
    try:
        return Grade.model_validate_json(text)
    except ValueError:
        return None  # an unreadable grade is shown as ungraded rather than failing the whole listing


class HistoryStore:
    """The history database: open (creating or upgrading it), write a session step by step, read it back.

    Use as a context manager, or call :meth:`close`.

    Args:
        path: The database file; its folder is created when needed.

    Raises:
        HistoryError: The file is not a mockint database, is damaged, was written by a newer mockint, or
            cannot be created.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"{path.parent}: cannot create the history folder ({exc.strerror}); set MOCKINT_HOME to a "
                "writable folder"
            ) from None
        if path.is_dir():
            raise HistoryError(f"{path}: is a folder, not a history database; move it aside: {_move_aside(path)}")
        try:
            # Autocommit mode: transactions are explicit (BEGIN ... COMMIT) so each step commits when we say.
            self._conn = sqlite3.connect(path, timeout=_BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"{path}: cannot open the history database ({exc}); check the path") from None
        try:
            with self._guard():
                self._conn.execute("PRAGMA foreign_keys = ON")
                self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # context management

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn sqlite's errors into one-line messages that name the file and the way out."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise HistoryError(
                    f"{self.path}: the history database is busy (another mockint is writing to it); try again"
                ) from None
            if "readonly" in text or "read-only" in text or "unable to open" in text:
                raise HistoryError(
                    f"{self.path}: cannot write the history database ({text}); check its permissions or set "
                    "MOCKINT_HOME to a writable folder"
                ) from None
            raise self._corrupt(text) from None
        except sqlite3.DatabaseError as exc:
            raise self._corrupt(str(exc)) from None

    def _corrupt(self, reason: str) -> HistoryError:
        return HistoryError(
            f"{self.path}: not a usable mockint history database ({reason}); move it aside: "
            f"{_move_aside(self.path)} (a new history starts on the next run)"
        )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                # Ctrl-C in the middle of a step must not leave half of it behind.
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _migrate(self) -> None:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: written by a newer mockint (history schema v{version}; this one reads up to "
                f"v{SCHEMA_VERSION}); upgrade mockint (pip install -U mockint) or set MOCKINT_HOME to another folder"
            )
        if version == 0:
            tables = {row[0] for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            foreign = tables - _OUR_TABLES
            if foreign:
                raise self._corrupt(f"it holds other tables: {', '.join(sorted(foreign))}")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction() as conn:
                MIGRATIONS[target - 1](conn)
                # PRAGMA takes no parameters; target is an int we computed.
                conn.execute(f"PRAGMA user_version = {target}")

    @property
    def schema_version(self) -> int:
        """The database's schema version (after any upgrade, :data:`SCHEMA_VERSION`)."""
        with self._guard():
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # writing a session, step by step

    def start_session(
        self, started_at: datetime, *, grader: str, model: str | None, version: str, options: Mapping[str, Any]
    ) -> int:
        """Record a new running session and return its id."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO sessions (started_at, status, grader, model, mockint_version, options) "
                "VALUES (?, 'running', ?, ?, ?, ?)",
                (_ts(started_at), grader, model, version, json.dumps(dict(options), ensure_ascii=False)),
            )
            return int(cursor.lastrowid or 0)

    def end_session(self, session_id: int, ended_at: datetime, status: str) -> None:
        """Mark a session ``finished`` or ``interrupted``."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE sessions SET ended_at = ?, status = ? WHERE id = ?", (_ts(ended_at), status, session_id)
            )

    def add_answer(
        self,
        session_id: int,
        *,
        position: int,
        question_id: str,
        question: str,
        answer: str,
        status: str,
        shown_at: datetime,
        answered_at: datetime | None,
        time_limit: float | None,
    ) -> int:
        """Record an answer as submitted (``ungraded``), or a skipped or unfinished one; return its id."""
        seconds = (answered_at - shown_at).total_seconds() if answered_at is not None else None
        over_time = time_limit is not None and seconds is not None and seconds > time_limit
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO answers (session_id, position, question_id, question, answer, status, shown_at, "
                "answered_at, seconds, time_limit, over_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    position,
                    question_id,
                    question,
                    answer,
                    status,
                    _ts(shown_at),
                    _ts(answered_at) if answered_at is not None else None,
                    seconds,
                    time_limit,
                    int(over_time),
                ),
            )
            return int(cursor.lastrowid or 0)

    def record_grade(self, answer_id: int, grade: Grade, tips: Sequence[str], reviewed_at: datetime) -> None:
        """Store an answer's grade and one spaced-repetition review per key point, in one transaction."""
        with self._transaction() as conn:
            row = conn.execute("SELECT question_id FROM answers WHERE id = ?", (answer_id,)).fetchone()
            if row is None:
                raise HistoryError(f"{self.path}: answer {answer_id} does not exist")
            conn.execute(
                "UPDATE answers SET status = 'graded', score = ?, grader = ?, model = ?, prompt_version = ?, "
                "grade = ?, tips = ? WHERE id = ?",
                (
                    grade.score,
                    grade.grader,
                    grade.model,
                    grade.prompt_version,
                    grade.model_dump_json(),
                    json.dumps(list(tips), ensure_ascii=False),
                    answer_id,
                ),
            )
            for criterion in grade.criteria:
                conn.execute(
                    "INSERT OR REPLACE INTO key_point_reviews "
                    "(answer_id, question_id, criterion_id, reviewed_at, verdict, source) VALUES (?, ?, ?, ?, ?, ?)",
                    (answer_id, row[0], criterion.id, _ts(reviewed_at), criterion.verdict, criterion.source),
                )

    def add_followup(
        self,
        answer_id: int,
        *,
        criterion_ids: Sequence[str],
        question: str,
        source: str,
        model: str | None,
        prompt_version: str | None,
        asked_at: datetime,
    ) -> None:
        """Record the follow-up question as asked."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO followups (answer_id, criterion_ids, question, source, model, prompt_version,"
                " asked_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'asked')",
                (answer_id, json.dumps(list(criterion_ids)), question, source, model, prompt_version, _ts(asked_at)),
            )

    def record_followup_reply(self, answer_id: int, reply: str, status: str, replied_at: datetime) -> None:
        """Store the reply to the follow-up (``ungraded`` until graded, or ``skipped``/``unfinished``)."""
        with self._transaction() as conn:
            asked = conn.execute("SELECT asked_at FROM followups WHERE answer_id = ?", (answer_id,)).fetchone()
            if asked is None:
                raise HistoryError(f"{self.path}: answer {answer_id} has no follow-up")
            seconds = (replied_at - datetime.fromisoformat(asked[0])).total_seconds()
            conn.execute(
                "UPDATE followups SET reply = ?, status = ?, replied_at = ?, seconds = ? WHERE answer_id = ?",
                (reply, status, _ts(replied_at), seconds, answer_id),
            )

    def record_followup_grade(self, answer_id: int, grade: Grade, probed_score: float) -> None:
        """Store the follow-up's grade and the probed key points' verdicts after the prompt, in one transaction."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE followups SET status = 'graded', score = ?, grader = ?, grade = ?, probed_score = ? "
                "WHERE answer_id = ?",
                (grade.score, grade.grader, grade.model_dump_json(), probed_score, answer_id),
            )
            for criterion in grade.criteria:
                conn.execute(
                    "UPDATE key_point_reviews SET followup_verdict = ?, followup_source = ? "
                    "WHERE answer_id = ? AND criterion_id = ?",
                    (criterion.verdict, criterion.source, answer_id, criterion.id),
                )

    # reading

    def list_sessions(self) -> list[SessionSummary]:
        """All sessions, newest first."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT s.id, s.started_at, s.ended_at, s.status, s.grader, s.model, COUNT(a.id), COUNT(a.score), "
                "AVG(a.score), GROUP_CONCAT(CASE WHEN a.status = 'graded' THEN a.grader END), "
                "GROUP_CONCAT(CASE WHEN f.status = 'graded' THEN f.grader END) "
                "FROM sessions s LEFT JOIN answers a ON a.session_id = s.id "
                "LEFT JOIN followups f ON f.answer_id = a.id "
                "GROUP BY s.id ORDER BY s.started_at DESC, s.id DESC"
            ).fetchall()
        summaries = []
        for row in rows:
            # A follow-up belongs to one answer, so the join adds no rows to count.
            grading = session_grading(row[4], row[5], _graders(row[9]), _graders(row[10]))
            summaries.append(
                SessionSummary(
                    id=row[0],
                    started_at=datetime.fromisoformat(row[1]),
                    ended_at=_dt(row[2]),
                    status=row[3],
                    grader=grading.grader,
                    model=grading.model,
                    questions=row[6],
                    graded=row[7],
                    mean_score=round(row[8], 4) if row[8] is not None else None,
                    grading=grading,
                )
            )
        return summaries

    def last_session_id(self) -> int | None:
        """The id of the most recent session, if any."""
        with self._guard():
            row = self._conn.execute("SELECT id FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1").fetchone()
        return int(row[0]) if row else None

    def get_session(self, session_id: int) -> SessionRecord:
        """One whole session with its answers and follow-ups.

        Raises:
            HistoryError: There is no session with this id.
        """
        with self._guard():
            row = self._conn.execute(
                "SELECT id, started_at, ended_at, status, grader, model, mockint_version, options "
                "FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                raise HistoryError(f"{self.path}: no session {session_id}; run `mockint history` to list the sessions")
            answers = self._conn.execute(
                "SELECT id, session_id, position, question_id, question, answer, status, shown_at, answered_at, "
                "seconds, time_limit, over_time, score, grader, model, prompt_version, grade, tips "
                "FROM answers WHERE session_id = ? ORDER BY position, id",
                (session_id,),
            ).fetchall()
            followups = {
                f[0]: f
                for f in self._conn.execute(
                    "SELECT f.answer_id, f.criterion_ids, f.question, f.source, f.model, f.prompt_version, "
                    "f.asked_at, f.reply, f.status, f.replied_at, f.seconds, f.score, f.grader, f.grade, "
                    "f.probed_score FROM followups f JOIN answers a ON a.id = f.answer_id WHERE a.session_id = ?",
                    (session_id,),
                )
            }
        try:
            options = json.loads(row[7])
        except ValueError:
            options = {}
        configured = SessionRecord(
            id=row[0],
            started_at=datetime.fromisoformat(row[1]),
            ended_at=_dt(row[2]),
            status=row[3],
            grader=row[4],
            model=row[5],
            mockint_version=row[6],
            options=options if isinstance(options, dict) else {},
            answers=[_answer_record(a, followups.get(a[0])) for a in answers],
        )
        grading = configured.grading
        return replace(
            configured,
            grader=grading.grader,
            model=grading.model,
            configured_grader=grading.configured,
            configured_model=grading.configured_model,
        )

    def reviews(self) -> list[Review]:
        """Every key point review of every graded answer, oldest first."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT question_id, criterion_id, reviewed_at, verdict, followup_verdict FROM key_point_reviews "
                "ORDER BY reviewed_at, answer_id, id"
            ).fetchall()
        return [Review(row[0], row[1], datetime.fromisoformat(row[2]), row[3], row[4]) for row in rows]

    def attempts(self) -> list[Attempt]:
        """Every graded answer's score, oldest first."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT a.question_id, COALESCE(a.answered_at, a.shown_at), a.score, f.probed_score FROM answers a "
                "LEFT JOIN followups f ON f.answer_id = a.id WHERE a.score IS NOT NULL "
                "ORDER BY COALESCE(a.answered_at, a.shown_at), a.id"
            ).fetchall()
        return [Attempt(row[0], datetime.fromisoformat(row[1]), float(row[2]), row[3]) for row in rows]


def _graders(concatenated: str | None) -> list[str]:
    return concatenated.split(",") if concatenated else []


def _answer_record(row: Sequence[Any], followup: Sequence[Any] | None) -> AnswerRecord:
    try:
        tips = json.loads(row[17]) if row[17] else []
    except ValueError:
        tips = []
    return AnswerRecord(
        id=row[0],
        session_id=row[1],
        position=row[2],
        question_id=row[3],
        question=row[4],
        answer=row[5],
        status=row[6],
        shown_at=datetime.fromisoformat(row[7]),
        answered_at=_dt(row[8]),
        seconds=row[9],
        time_limit=row[10],
        over_time=bool(row[11]),
        score=row[12],
        grader=row[13],
        model=row[14],
        prompt_version=row[15],
        grade=_grade(row[16]),
        tips=[str(tip) for tip in tips] if isinstance(tips, list) else [],
        followup=_followup_record(followup) if followup is not None else None,
    )


def _followup_record(row: Sequence[Any]) -> FollowupRecord:
    try:
        ids = json.loads(row[1])
    except ValueError:
        ids = []
    return FollowupRecord(
        criterion_ids=[str(item) for item in ids] if isinstance(ids, list) else [],
        question=row[2],
        source=row[3],
        model=row[4],
        prompt_version=row[5],
        asked_at=datetime.fromisoformat(row[6]),
        reply=row[7],
        status=row[8],
        replied_at=_dt(row[9]),
        seconds=row[10],
        score=row[11],
        grader=row[12],
        grade=_grade(row[13]),
        probed_score=row[14],
    )


# -- output ---------------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def session_json(session: SessionRecord) -> dict[str, Any]:
    """The whole session as JSON data (``mockint history show ID --format json``); grades per the contract."""
    answers: list[dict[str, Any]] = []
    for answer in session.answers:
        followup: dict[str, Any] | None = None
        if answer.followup is not None:
            f = answer.followup
            followup = {
                "criterion_ids": f.criterion_ids,
                "question": f.question,
                "source": f.source,
                "model": f.model,
                "prompt_version": f.prompt_version,
                "asked_at": _iso(f.asked_at),
                "reply": f.reply,
                "status": f.status,
                "replied_at": _iso(f.replied_at),
                "seconds": f.seconds,
                "score": f.score,
                "grader": f.grader,
                "grade": f.grade.model_dump(mode="json") if f.grade is not None else None,
                "probed_score": f.probed_score,
                "recovered": _recovered(answer),
            }
        answers.append(
            {
                "id": answer.id,
                "position": answer.position,
                "question_id": answer.question_id,
                "question": answer.question,
                "answer": answer.answer,
                "status": answer.status,
                "shown_at": _iso(answer.shown_at),
                "answered_at": _iso(answer.answered_at),
                "seconds": answer.seconds,
                "time_limit": answer.time_limit,
                "over_time": answer.over_time,
                "score": answer.score,
                "grader": answer.grader,
                "model": answer.model,
                "prompt_version": answer.prompt_version,
                "grade": answer.grade.model_dump(mode="json") if answer.grade is not None else None,
                "tips": answer.tips,
                "followup": followup,
            }
        )
    return {
        "id": session.id,
        "started_at": _iso(session.started_at),
        "ended_at": _iso(session.ended_at),
        "status": session.status,
        "grader": session.grader,
        "model": session.model,
        "configured": {"grader": session.configured_grader or session.grader, "model": session.configured_model},
        "mockint_version": session.mockint_version,
        "options": session.options,
        "mean_score": session.mean_score,
        "answers": answers,
    }


def summary_json(summary: SessionSummary) -> dict[str, Any]:
    """One session of ``mockint history --format json``."""
    return {
        "id": summary.id,
        "started_at": _iso(summary.started_at),
        "ended_at": _iso(summary.ended_at),
        "status": summary.status,
        "grader": summary.grader,
        "model": summary.model,
        "configured": {
            "grader": summary.grading.configured if summary.grading else summary.grader,
            "model": summary.grading.configured_model if summary.grading else summary.model,
        },
        "questions": summary.questions,
        "graded": summary.graded,
        "mean_score": summary.mean_score,
    }


def _recovered(answer: AnswerRecord) -> list[str]:
    """Key points missed or partial unprompted and met after the follow-up."""
    if answer.followup is None or answer.followup.grade is None or answer.grade is None:
        return []
    before = {c.id: c.verdict for c in answer.grade.criteria}
    return [c.id for c in answer.followup.grade.criteria if c.verdict == "met" and before.get(c.id) != "met"]


def _md(text: str) -> str:
    """Inline text with Markdown's table and emphasis characters made literal."""
    flat = " ".join(text.split())
    for char in "\\`*_[]|<>":
        flat = flat.replace(char, "\\" + char)
    return flat


def _blockquote(text: str) -> list[str]:
    lines = text.strip("\n").splitlines() or [""]
    return [f"> {_md_line(line)}" if line.strip() else ">" for line in lines]


def _md_line(line: str) -> str:
    # Keep the candidate's line breaks and spacing readable, but never let it open HTML or a heading.
    escaped = line.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>")
    return "\\" + escaped if escaped.lstrip()[:1] in ("#", "-", "*", "+") else escaped


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = int(round(seconds))
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def _local(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


_STATUS_WORDS = {
    "graded": "graded",
    "ungraded": "not graded (interrupted while grading)",
    "skipped": "skipped",
    "unfinished": "unfinished (the session ended mid-answer)",
}


def session_markdown(session: SessionRecord) -> str:
    """A report of one session a candidate can share with a mentor (``mockint history export``).

    For every question: the question, the answer, the score, key points met with the quoted evidence, key
    points missed, typical mistakes made (the document's words and the quote from the answer), the follow-up
    with the key points recovered after the prompt, and the interview tips shown.

    Args:
        session: The session, as read by :meth:`HistoryStore.get_session`.

    Returns:
        Markdown text.
    """
    lines = [f"# Mock interview — session {session.id}", ""]
    lines.append(f"- **Date:** {_local(session.started_at)}")
    if session.ended_at is not None:
        lines.append(f"- **Length:** {_duration((session.ended_at - session.started_at).total_seconds())}")
    lines.append(f"- **Graded by:** {_md(grading_label(session.grading))}")
    status = "unfinished" if session.status == "running" else session.status
    lines.append(f"- **Status:** {status}")
    graded = session.graded
    skipped = sum(1 for a in session.answers if a.status == "skipped")
    mean = f"; mean score **{session.mean_score:.2f}**" if session.mean_score is not None else ""
    lines.append(f"- **Questions:** {len(graded)} graded, {skipped} skipped{mean}")
    lines.append("")
    if session.answers:
        lines += ["| # | question | score | after follow-up | time |", "|---|---|---|---|---|"]
        for answer in session.answers:
            score_text = f"{answer.score:.2f}" if answer.score is not None else _STATUS_WORDS.get(answer.status, "–")
            probed = answer.followup.probed_score if answer.followup is not None else None
            after = f"{probed:.2f}" if probed is not None else "–"
            lines.append(
                f"| {answer.position} | {_md(answer.question_id)} | {score_text} | {after} | "
                f"{_duration(answer.seconds)} |"
            )
        lines.append("")
    for answer in session.answers:
        lines += _answer_markdown(answer)
    if not session.answers:
        lines.append("_No question was answered in this session._")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _answer_markdown(answer: AnswerRecord) -> list[str]:
    lines = [f"## {answer.position}. {_md(answer.question_id)}", "", *_blockquote(answer.question), ""]
    timing = f" ({_duration(answer.seconds)}"
    if answer.time_limit is not None:
        timing += f" of {_duration(answer.time_limit)}" + (", over time" if answer.over_time else "")
    timing += ")"
    if answer.status == "skipped" and not answer.answer.strip():
        return [*lines, "_Skipped._", ""]
    lines += [f"**Answer**{timing if answer.seconds is not None else ''}", "", *_blockquote(answer.answer), ""]
    grade = answer.grade
    if grade is None or grade.score is None:
        return [*lines, f"_{_STATUS_WORDS.get(answer.status, answer.status).capitalize()}._", ""]
    model = f", {grade.model}" if grade.model else ""
    lines += [f"**Score {grade.score:.2f}** ({grade.grader}{model})", ""]
    met = [c for c in grade.criteria if c.verdict == "met"]
    partial = [c for c in grade.criteria if c.verdict == "partial"]
    missed = [c for c in grade.criteria if c.verdict == "missed"]
    if met:
        lines += ["**Key points met**", ""]
        lines += [f"- {_md(c.text)}" + (f" — “{_md(c.evidence)}”" if c.evidence else "") for c in met]
        lines.append("")
    if partial:
        lines += ["**Only partly covered**", ""]
        lines += [f"- {_md(c.text)}" + (f" — “{_md(c.evidence)}”" if c.evidence else "") for c in partial]
        lines.append("")
    if missed:
        lines += ["**Key points missed**", "", *(f"- {_md(c.text)}" for c in missed), ""]
    made = [m for m in grade.mistakes if m.committed]
    if made:
        lines += ["**Typical mistakes made**", ""]
        lines += [f"- {_md(m.text)}" + (f" — you wrote “{_md(m.evidence)}”" if m.evidence else "") for m in made]
        lines.append("")
    if answer.followup is not None:
        lines += _followup_markdown(answer)
    if answer.tips:
        lines += ["**How to say it in an interview**", "", *(f"- {_md(tip)}" for tip in answer.tips), ""]
    notes = [w for w in grade.warnings if w]
    if notes:
        lines += ["<details><summary>Grading notes</summary>", "", *(f"- {_md(w)}" for w in notes), "", "</details>"]
        lines.append("")
    return lines


def _followup_markdown(answer: AnswerRecord) -> list[str]:
    followup = answer.followup
    assert followup is not None
    source = "written by the LLM" if followup.source == "llm" else "from the rubric"
    lines = [f"**Follow-up** ({source})", "", *_blockquote(followup.question), ""]
    if followup.reply is None or followup.status == "skipped" and not (followup.reply or "").strip():
        return [*lines, "_Not answered._", ""]
    lines += ["**Reply**" + (f" ({_duration(followup.seconds)})" if followup.seconds is not None else ""), ""]
    lines += [*_blockquote(followup.reply), ""]
    if followup.grade is None:
        return [*lines, "_Not graded._", ""]
    after = {c.id: c for c in followup.grade.criteria}
    before = {c.id: c.verdict for c in answer.grade.criteria} if answer.grade is not None else {}
    for cid in followup.criterion_ids:
        result = after.get(cid)
        verdict = result.verdict if result is not None else "missed"
        line = f"- {recovery_label(before.get(cid, 'missed'), verdict)}: {_md(result.text if result else cid)}"
        if result is not None and verdict != "missed" and result.evidence:
            line += f" — you said “{_md(result.evidence)}”"
        lines.append(line)
    lines.append("")
    if _recovered(answer):
        lines += ["_A key point recovered only when prompted counts at reduced credit._", ""]
    if followup.probed_score is not None:
        lines += [f"Score counting the follow-up: **{followup.probed_score:.2f}**", ""]
    return lines
