"""Practising: mock interview sessions, follow-up probes, spaced repetition, the terminal views, the history.

Modules: ``session`` (:class:`Interviewer`, the state machine over injected input and output), ``followup``
(which key point to probe, the question, the probed score), ``srs`` (SM-2 per key point, question order),
``terminal`` (line input, timers, plain and rich views), ``history`` (the SQLite store), ``migrations`` (its
schema), ``records`` (what the store reads back, how a session was graded), ``export`` (a session as JSON and
Markdown), ``progress`` (``mockint progress``), ``spoken`` (answers from recordings), ``voice`` (a spoken
interview: questions read aloud, answers recorded). Names load on first use, so importing the package is cheap: it
imports neither pydantic nor the judge's SDK until a name is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint._lazy import lazy_attributes

__all__ = [
    "AnswerOutcome",
    "AnswerRecord",
    "Asker",
    "AudioAnswers",
    "Attempt",
    "HistoryError",
    "HistoryStore",
    "Interviewer",
    "KeyPointState",
    "LineSource",
    "PlainView",
    "Probe",
    "ProgressReport",
    "QuestionStatus",
    "Review",
    "RichView",
    "ScriptedLines",
    "SessionInfo",
    "SessionRecord",
    "SessionResult",
    "SessionSummary",
    "StdinLines",
    "View",
    "VoiceAnswers",
    "build_progress",
    "grading_label",
    "grading_short",
    "history_path",
    "open_audio_answers",
    "open_voice",
    "pick_questions",
    "plan_questions",
    "schedule",
    "session_json",
    "session_markdown",
    "sparkline",
    "start_timer",
    "summary_json",
]

if TYPE_CHECKING:
    from mockint.errors import HistoryError
    from mockint.practice.export import session_json, session_markdown, summary_json
    from mockint.practice.followup import Asker, Probe
    from mockint.practice.history import HistoryStore, history_path
    from mockint.practice.progress import ProgressReport, build_progress, sparkline
    from mockint.practice.records import (
        AnswerRecord,
        Attempt,
        Review,
        SessionRecord,
        SessionSummary,
        grading_label,
        grading_short,
    )
    from mockint.practice.session import AnswerOutcome, Interviewer, SessionInfo, SessionResult
    from mockint.practice.spoken import AudioAnswers, open_audio_answers
    from mockint.practice.srs import KeyPointState, QuestionStatus, pick_questions, plan_questions, schedule
    from mockint.practice.terminal import LineSource, PlainView, RichView, ScriptedLines, StdinLines, View, start_timer
    from mockint.practice.voice import VoiceAnswers, open_voice

# Attribute name -> its module. No name here may equal a submodule's name: importing that submodule would bind
# the package attribute to the module instead.
_LAZY = {
    **dict.fromkeys(("session_json", "session_markdown", "summary_json"), "mockint.practice.export"),
    **dict.fromkeys(("Asker", "Probe"), "mockint.practice.followup"),
    "HistoryError": "mockint.errors",
    **dict.fromkeys(("HistoryStore", "history_path"), "mockint.practice.history"),
    **dict.fromkeys(("ProgressReport", "build_progress", "sparkline"), "mockint.practice.progress"),
    **dict.fromkeys(
        ("AnswerRecord", "Attempt", "Review", "SessionRecord", "SessionSummary", "grading_label", "grading_short"),
        "mockint.practice.records",
    ),
    **dict.fromkeys(("AudioAnswers", "open_audio_answers"), "mockint.practice.spoken"),
    **dict.fromkeys(("VoiceAnswers", "open_voice"), "mockint.practice.voice"),
    **dict.fromkeys(("AnswerOutcome", "Interviewer", "SessionInfo", "SessionResult"), "mockint.practice.session"),
    **dict.fromkeys(
        ("KeyPointState", "QuestionStatus", "pick_questions", "plan_questions", "schedule"), "mockint.practice.srs"
    ),
    **dict.fromkeys(
        ("LineSource", "PlainView", "RichView", "ScriptedLines", "StdinLines", "View", "start_timer"),
        "mockint.practice.terminal",
    ),
}


__getattr__ = lazy_attributes(__name__, _LAZY)
