"""A stored session as JSON data (``mockint history show --format json``, ``mockint history --format json``) and
as a Markdown report to share with a mentor (``mockint history export``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockint.practice.followup import recovery_label
from mockint.practice.records import AnswerRecord, SessionRecord, SessionSummary, grading_label

__all__ = ["session_json", "session_markdown", "summary_json"]


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
                "speech": _speech_json(answer),
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


def _speech_json(answer: AnswerRecord) -> dict[str, Any] | None:
    speech = answer.speech
    if speech is None:
        return None
    return {
        "transcript": speech.transcript,
        "stt_model": speech.stt_model,
        "recording": str(speech.recording) if speech.recording is not None else None,
        "delivery": speech.delivery,
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
    """Inline text with Markdown's table and emphasis characters made literal (:func:`mockint.render.md_inline`)."""
    from mockint.render import md_inline

    return md_inline(text)


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
    lines += _speech_markdown(answer)
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


def _speech_markdown(answer: AnswerRecord) -> list[str]:
    speech = answer.speech
    if speech is None:
        return []
    engine = f" by {_md(speech.stt_model)}" if speech.stt_model else ""
    lines = [f"**Spoken**: heard{engine}", ""]
    if speech.transcript.strip() != answer.answer.strip():
        lines[0] += "; the answer above is the typed replacement of"
        lines += [*_blockquote(speech.transcript), ""]
    advice = speech.delivery.get("advice")
    if isinstance(advice, list) and advice:
        lines += ["**How it was said**", "", *(f"- {_md(str(line))}" for line in advice), ""]
    where = f"`{speech.recording}`" if speech.recording is not None else "removed"
    return [*lines, f"Recording: {where}", ""]


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
