"""The history store: step-by-step writes, reading back, migration from v1, corrupt and foreign files, the CLI."""

from __future__ import annotations

import functools
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockint.cli import app
from mockint.grading import grade_answer
from mockint.practice.export import session_markdown
from mockint.practice.history import HistoryError, HistoryStore, history_path
from mockint.practice.migrations import SCHEMA_VERSION
from mockint.rubrics import RubricSet, load_rubrics


@functools.cache
def shipped() -> RubricSet:
    """The shipped rubrics, loaded once per test module (loading takes ~0.2 s)."""
    return load_rubrics()


runner = CliRunner()
T0 = datetime(2025, 3, 3, 18, 0, tzinfo=UTC)
CNN_ANSWER = "A CNN slides a small learned filter across the image. Deeper layers compose edges into parts and objects."


def home() -> Path:
    import os

    return Path(os.environ["MOCKINT_HOME"])


def db_file() -> Path:
    return history_path(home())


def write_session(store: HistoryStore) -> int:
    """One session: a graded answer with a graded follow-up, then a skipped question."""
    rubric = shipped().get_rubric("cnn-explained")
    session = store.start_session(T0, grader="deterministic", model=None, version="test", options={"count": 2})
    answer_id = store.add_answer(
        session,
        position=1,
        question_id=rubric.id,
        question=rubric.question,
        answer=CNN_ANSWER,
        status="ungraded",
        shown_at=T0,
        answered_at=T0 + timedelta(seconds=95),
        time_limit=60,
    )
    grade = grade_answer(CNN_ANSWER, rubric)
    store.record_grade(answer_id, grade, ["Mention locality and weight sharing."], T0 + timedelta(seconds=95))
    store.add_followup(
        answer_id,
        criterion_ids=["weight-sharing"],
        question="What about weight sharing?",
        source="template",
        model=None,
        prompt_version=None,
        asked_at=T0 + timedelta(seconds=96),
    )
    reply = "The same weights are reused at every position, so a pattern is detected anywhere in the image."
    store.record_followup_reply(answer_id, reply, "ungraded", T0 + timedelta(seconds=120))
    from mockint.practice.followup import followup_rubric

    sub = followup_rubric(rubric, ["weight-sharing"], "What about weight sharing?")
    store.record_followup_grade(answer_id, grade_answer(reply, sub), 0.6)
    store.add_answer(
        session,
        position=2,
        question_id="genai-tools",
        question="What is your view ...",
        answer="",
        status="skipped",
        shown_at=T0 + timedelta(seconds=130),
        answered_at=T0 + timedelta(seconds=131),
        time_limit=60,
    )
    store.end_session(session, T0 + timedelta(seconds=140), "finished")
    return session


def test_session_round_trip(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        session_id = write_session(store)
        record = store.get_session(session_id)
        reviews = store.reviews()
        attempts = store.attempts()
    assert record.status == "finished" and record.options == {"count": 2}
    first, second = record.answers
    assert first.status == "graded" and first.seconds == 95 and first.over_time
    assert first.grade is not None and first.grade.question_id == "cnn-explained"
    assert first.tips == ["Mention locality and weight sharing."]
    assert first.followup is not None and first.followup.status == "graded"
    assert first.followup.seconds == 24 and first.followup.probed_score == 0.6
    assert second.status == "skipped" and second.grade is None
    # one review per key point of the graded answer; the probed one carries its verdict after the prompt
    assert len(reviews) == 8
    by_id = {r.criterion_id: r for r in reviews}
    assert by_id["weight-sharing"].verdict == "missed" and by_id["weight-sharing"].followup_verdict == "met"
    assert by_id["small-filter-slides"].followup_verdict is None
    assert [(a.question_id, a.probed_score) for a in attempts] == [("cnn-explained", 0.6)]


def test_markdown_report_a_mentor_can_read(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        text = session_markdown(store.get_session(write_session(store)))
    assert text.startswith("# Mock interview — session 1\n")
    assert "| 1 | cnn-explained | 0." in text and "| 2 | genai-tools | skipped |" in text
    assert "**Key points met**" in text and "“A CNN slides a small learned filter across the image.”" in text
    assert "**Key points missed**" in text and "**Typical mistakes made**" in text
    assert "Forget weight sharing across positions." in text
    assert "**Follow-up** (from the rubric)" in text and "> What about weight sharing?" in text
    assert "Recovered after the prompt" in text
    assert "(1 min 35 s of 1 min 00 s, over time)" in text
    assert "- Mention locality and weight sharing." in text


def test_markdown_keeps_the_candidates_text_literal(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        session = store.start_session(T0, grader="deterministic", model=None, version="t", options={})
        store.add_answer(
            session,
            position=1,
            question_id="q",
            question="Q?",
            answer="# not a heading\n<script>x</script>\n- not a list",
            status="unfinished",
            shown_at=T0,
            answered_at=T0,
            time_limit=None,
        )
        text = session_markdown(store.get_session(session))
    assert "> \\# not a heading" in text
    assert "<script>" not in text and "\\<script\\>" in text
    assert "> \\- not a list" in text
    assert "_Unfinished (the session ended mid-answer)._" in text


V1_SCHEMA = """
CREATE TABLE sessions (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT,
  status TEXT NOT NULL DEFAULT 'running', grader TEXT NOT NULL, model TEXT, mockint_version TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '{}');
CREATE TABLE answers (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  position INTEGER NOT NULL, question_id TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL, shown_at TEXT NOT NULL, answered_at TEXT, seconds REAL, score REAL, grader TEXT, model TEXT,
  prompt_version TEXT, grade TEXT);
CREATE INDEX answers_by_session ON answers(session_id, position);
CREATE INDEX answers_by_question ON answers(question_id, shown_at);
PRAGMA user_version = 1;
"""


def make_v1_database(path: Path) -> None:
    """A history written by the first schema, by hand (not with mockint's own migration code)."""
    rubric = shipped().get_rubric("cnn-explained")
    grade = grade_answer(CNN_ANSWER, rubric)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    conn.execute(
        "INSERT INTO sessions (id, started_at, ended_at, status, grader, mockint_version) VALUES (7, ?, ?, 'finished',"
        " 'deterministic', '0.0.9')",
        (yesterday, yesterday),
    )
    conn.execute(
        "INSERT INTO answers (session_id, position, question_id, question, answer, status, shown_at, answered_at, "
        "seconds, score, grader, grade) "
        "VALUES (7, 1, 'cnn-explained', ?, ?, 'graded', ?, ?, 42.0, ?, 'deterministic', ?)",
        (rubric.question, CNN_ANSWER, yesterday, yesterday, grade.score, grade.model_dump_json()),
    )
    conn.commit()
    conn.close()


def test_v1_database_is_migrated_and_keeps_its_sessions() -> None:
    make_v1_database(db_file())
    with HistoryStore(db_file()) as store:
        assert store.schema_version == SCHEMA_VERSION == 3
        record = store.get_session(7)
        reviews = store.reviews()
    assert record.answers[0].answer == CNN_ANSWER and record.answers[0].seconds == 42.0
    assert record.answers[0].tips == [] and record.answers[0].followup is None
    assert record.answers[0].speech is None  # v3's spoken-answer columns are empty for a typed answer
    # the v2 review table was filled from the stored grade
    verdicts = {r.criterion_id: r.verdict for r in reviews}
    assert verdicts["small-filter-slides"] == "met" and verdicts["weight-sharing"] == "missed"
    # and the commands read it: yesterday's weak question is due first
    shown = runner.invoke(app, ["history", "show", "7", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["answers"][0]["question_id"] == "cnn-explained"
    progress = runner.invoke(app, ["progress", "--format", "json"])
    assert progress.exit_code == 0, progress.output
    assert json.loads(progress.stdout)["next"][0] == "cnn-explained"


def test_v2_database_gains_the_spoken_answer_columns_and_keeps_its_answers() -> None:
    from mockint.practice.migrations import MIGRATIONS

    make_v1_database(db_file())
    conn = sqlite3.connect(db_file(), isolation_level=None)
    MIGRATIONS[1](conn)  # what mockint with schema v2 wrote
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    with HistoryStore(db_file()) as store:
        assert store.schema_version == 3
        (answer,) = store.get_session(7).answers
        assert answer.answer == CNN_ANSWER and answer.speech is None
        recording = db_file().parent / "spoken.wav"
        recording.write_bytes(b"RIFF....WAVE")
        kept = store.record_speech(
            answer.id, transcript="heard", stt_model="openai/whisper-1", delivery={"wpm": 120.0}, recording=recording
        )
        (answer,) = store.get_session(7).answers
    assert kept == db_file().parent / "recordings" / "7" / f"answer-{answer.id}.wav"
    assert answer.speech is not None and answer.speech.delivery == {"wpm": 120.0} and answer.speech.recording == kept


def test_failed_migration_leaves_the_file_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    # The store reads MIGRATIONS from its own module's globals.
    import mockint.practice.history as history

    make_v1_database(db_file())

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE answers ADD COLUMN time_limit REAL")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(history, "MIGRATIONS", (history.MIGRATIONS[0], broken))
    with pytest.raises(HistoryError):
        HistoryStore(db_file())
    conn = sqlite3.connect(db_file())
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    columns = [row[1] for row in conn.execute("PRAGMA table_info(answers)")]
    conn.close()
    assert "time_limit" not in columns


def test_newer_database_is_refused_not_damaged() -> None:
    path = db_file()
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    result = runner.invoke(app, ["history"])
    assert result.exit_code == 1
    assert "newer mockint" in result.stderr and "v99" in result.stderr and str(path) in result.stderr
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    conn.close()


@pytest.mark.parametrize(
    "content",
    [b"this is not a database, just text\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text", "damaged-header"],
)
def test_corrupt_database_gives_one_line_and_the_way_out(content: bytes) -> None:
    path = db_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    for args in (["history"], ["progress"], ["interview", "--no-llm", "-q", "cnn-explained"]):
        result = runner.invoke(app, args, input="An answer.\n.\n")
        assert result.exit_code == 1, (args, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.output, result.output
        assert lines[0].startswith(f"mockint: error: {path}: not a usable mockint history database")
        assert f"mv {path} {path}.bak" in lines[0]
    assert path.read_bytes() == content


def test_foreign_sqlite_file_is_not_taken_over() -> None:
    path = db_file()
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bookmarks (url TEXT)")
    conn.close()
    result = runner.invoke(app, ["history"])
    assert result.exit_code == 1
    assert "it holds other tables: bookmarks" in result.stderr
    conn = sqlite3.connect(path)
    assert [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["bookmarks"]
    conn.close()


def test_history_commands() -> None:
    empty = runner.invoke(app, ["history"])
    assert empty.exit_code == 0 and "no sessions yet" in empty.stderr
    assert not db_file().exists()  # listing must not create the database
    assert runner.invoke(app, ["history", "--format", "json"]).stdout.strip() == "[]"
    missing = runner.invoke(app, ["history", "show", "1"])
    assert missing.exit_code == 1 and "no history yet" in missing.stderr

    with HistoryStore(db_file()) as store:
        write_session(store)
    listed = runner.invoke(app, ["history", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    (summary,) = json.loads(listed.stdout)
    assert summary["id"] == 1 and summary["status"] == "finished"
    assert summary["questions"] == 2 and summary["graded"] == 1
    table = runner.invoke(app, ["history"])
    assert table.exit_code == 0 and "finished" in table.stdout and "1/2" in table.stdout

    shown = runner.invoke(app, ["history", "show", "last"])
    assert shown.exit_code == 0 and shown.stdout.startswith("# Mock interview — session 1")
    data = json.loads(runner.invoke(app, ["history", "show", "1", "--format", "json"]).stdout)
    assert data["answers"][0]["followup"]["recovered"] == ["weight-sharing"]
    assert data["answers"][0]["grade"]["criteria"][0]["source"] == "deterministic"

    unknown = runner.invoke(app, ["history", "show", "5"])
    assert unknown.exit_code == 1 and "no session 5" in unknown.stderr and "mockint history" in unknown.stderr
    bad = runner.invoke(app, ["history", "show", "abc"])
    assert bad.exit_code == 1 and "not a number" in bad.stderr


def test_export_writes_the_report(tmp_path: Path) -> None:
    with HistoryStore(db_file()) as store:
        write_session(store)
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["history", "export", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote the report of session 1 to {out}" in result.stderr
    assert out.read_text(encoding="utf-8") == runner.invoke(app, ["history", "show", "1"]).stdout
    unwritable = runner.invoke(app, ["history", "export", "1", "--out", str(tmp_path / "no" / "dir" / "r.md")])
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.stderr
