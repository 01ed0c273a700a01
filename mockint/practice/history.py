"""The SQLite store of interview sessions: questions, answers, grades, follow-ups, timings.

One file, ``history.db`` under ``MOCKINT_HOME`` (stdlib ``sqlite3``). Every step of a session is committed as
soon as it happens (the answer when it is submitted, its grade when it is graded, the follow-up when it is
asked and when its reply is graded), so Ctrl-C or a killed process loses nothing already answered.

Opening the file applies the schema's migrations (:mod:`mockint.practice.migrations`), each with its version bump
in one transaction. A file that is not a mockint database, or is damaged, is reported in one line with the way
out (move it aside); a database written by a newer mockint is refused rather than damaged. What is read back is
in :mod:`mockint.practice.records`; a session as JSON or Markdown in :mod:`mockint.practice.export`.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from mockint.errors import HistoryError
from mockint.models import Grade
from mockint.practice.migrations import MIGRATIONS, SCHEMA_VERSION, TABLES
from mockint.practice.records import (
    AnswerRecord,
    Attempt,
    FollowupRecord,
    Review,
    SessionRecord,
    SessionSummary,
    SpeechRecord,
    session_grading,
)

__all__ = ["HISTORY_FILE", "HistoryError", "HistoryStore", "history_path"]

HISTORY_FILE = "history.db"
RECORDINGS = "recordings"
"""The folder, beside the database, that keeps a copy of each spoken answer's recording, one folder per session."""

# Seconds to wait for another mockint process that is writing.
_BUSY_TIMEOUT = 5.0


def _move_aside(path: Path) -> str:
    return f"mv {shlex.quote(str(path))} {shlex.quote(str(path) + '.bak')}"


def history_path(home: Path) -> Path:
    """The history database inside mockint's home folder (``Settings.home``)."""
    return home / HISTORY_FILE


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
            foreign = tables - TABLES
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

    def record_speech(
        self, answer_id: int, *, transcript: str, stt_model: str, delivery: Mapping[str, Any], recording: Path
    ) -> Path | None:
        """Store how a spoken answer was heard and said, with a copy of its recording.

        The copy goes to ``recordings/<session>/answer-<id><suffix>`` beside the database. A copy that cannot be
        made (a full disk) does not lose the rest: the transcript and figures are stored without it.

        Returns:
            The kept copy, or ``None`` when it could not be made.
        """
        with self._guard():
            row = self._conn.execute("SELECT session_id FROM answers WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            raise HistoryError(f"{self.path}: answer {answer_id} does not exist")
        relative = Path(RECORDINGS) / str(row[0]) / f"answer-{answer_id}{recording.suffix.lower()}"
        target = self.path.parent / relative
        kept: Path | None = target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(recording, target)
        except OSError:
            kept = None
        with self._transaction() as conn:
            conn.execute(
                "UPDATE answers SET transcript = ?, stt_model = ?, delivery = ?, recording = ? WHERE id = ?",
                (
                    transcript,
                    stt_model,
                    json.dumps(dict(delivery), ensure_ascii=False),
                    relative.as_posix() if kept is not None else None,
                    answer_id,
                ),
            )
        return kept

    def purge_recordings(self, session_id: int | None = None) -> int:
        """Delete the kept recordings (of one session, or all); transcripts and figures stay.

        Returns:
            How many recordings were removed.
        """
        query = "SELECT id, recording FROM answers WHERE recording IS NOT NULL"
        params: tuple[int, ...] = ()
        if session_id is not None:
            self.get_session(session_id)  # an unknown id is an error, not "0 removed"
            query, params = query + " AND session_id = ?", (session_id,)
        with self._guard():
            rows = self._conn.execute(query, params).fetchall()
        for _, relative in rows:
            (self.path.parent / relative).unlink(missing_ok=True)
        with self._transaction() as conn:
            conn.executemany("UPDATE answers SET recording = NULL WHERE id = ?", [(row[0],) for row in rows])
        folders = [self.path.parent / RECORDINGS / str(session_id)] if session_id is not None else []
        if session_id is None and (self.path.parent / RECORDINGS).is_dir():
            folders = [p for p in (self.path.parent / RECORDINGS).iterdir() if p.is_dir()]
        for folder in folders:
            try:
                folder.rmdir()  # only when empty: files mockint did not write stay
            except OSError:
                pass
        return len(rows)

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
                "seconds, time_limit, over_time, score, grader, model, prompt_version, grade, tips, transcript, "
                "stt_model, delivery, recording FROM answers WHERE session_id = ? ORDER BY position, id",
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
            answers=[_answer_record(a, followups.get(a[0]), self.path.parent) for a in answers],
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
                "SELECT a.question_id, COALESCE(a.answered_at, a.shown_at), a.score, f.probed_score, a.delivery, "
                "a.session_id "
                "FROM answers a "
                "LEFT JOIN followups f ON f.answer_id = a.id WHERE a.score IS NOT NULL "
                "ORDER BY COALESCE(a.answered_at, a.shown_at), a.id"
            ).fetchall()
        attempts = []
        for row in rows:
            delivery = _json_object(row[4])
            attempts.append(
                Attempt(
                    row[0],
                    datetime.fromisoformat(row[1]),
                    float(row[2]),
                    row[3],
                    wpm=_number(delivery.get("wpm")),
                    filler_rate=_number(delivery.get("filler_rate")),
                    session_id=row[5],
                )
            )
        return attempts


def _graders(concatenated: str | None) -> list[str]:
    return concatenated.split(",") if concatenated else []


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _speech_record(row: Sequence[Any], folder: Path) -> SpeechRecord | None:
    transcript, stt_model, delivery, recording = row[18:22]
    if transcript is None:
        return None
    return SpeechRecord(
        transcript=transcript,
        stt_model=stt_model,
        delivery=_json_object(delivery),
        recording=folder / recording if recording else None,
    )


def _answer_record(row: Sequence[Any], followup: Sequence[Any] | None, folder: Path) -> AnswerRecord:
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
        speech=_speech_record(row, folder),
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
