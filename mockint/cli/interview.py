"""``mockint interview``: a mock interview in the terminal, typed or spoken."""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockint.cli._common import EXIT_INTERRUPTED, RubricsOption, notice, sigterm_as_ctrl_c, user_errors

if TYPE_CHECKING:
    from mockint.practice import Asker


class Tts(StrEnum):
    """``--tts``: what reads the questions aloud (:mod:`mockint.speech.tts`)."""

    espeak = "espeak"
    piper = "piper"
    openai = "openai"
    none = "none"


@user_errors
@sigterm_as_ctrl_c
def interview(
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question", "-q", metavar="ID", help="Ask this question (repeatable; see `mockint questions list`)."
        ),
    ] = None,
    topic: Annotated[
        str | None, typer.Option("--topic", "-t", metavar="T", help="Only questions on this topic.")
    ] = None,
    count: Annotated[
        int, typer.Option("--count", "-n", metavar="N", min=1, help="Questions in the session (without --question).")
    ] = 5,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Grade deterministically; never call an LLM.")] = False,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Judge model (default: $MOCKINT_MODEL or gpt-4o-mini)."),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit", metavar="S", min=1, help="Soft limit per answer in seconds: a countdown that warns."
        ),
    ] = None,
    followup: Annotated[
        bool | None,
        typer.Option(
            "--followup/--no-followup",
            help="Ask a follow-up question about the most important key point missed. Default: on when typing "
            "at a terminal, off when answers are piped in.",
        ),
    ] = None,
    audio_in: Annotated[
        list[Path] | None,
        typer.Option(
            "--audio-in",
            metavar="FILE",
            help="Answer from a recording (repeatable: the files answer the questions in order; the rest are "
            "typed). The transcript is shown to accept (Enter), replace or /skip.",
        ),
    ] = None,
    voice: Annotated[
        bool,
        typer.Option(
            "--voice",
            help="A spoken interview: questions are read aloud, answers recorded from the microphone until Enter, "
            "transcribed, shown to accept (Enter), record /again or replace by typing, then graded. Needs "
            "pip install 'mockint[voice]'.",
        ),
    ] = False,
    tts: Annotated[
        Tts | None,
        typer.Option(
            "--tts",
            help="With --voice: what reads the questions aloud (openai: MOCKINT_TTS_* settings). Default: espeak "
            "when espeak-ng is installed, else none (text only).",
        ),
    ] = None,
    rubrics: RubricsOption = None,
) -> None:
    """Run a mock interview in the terminal.

    Each question is shown; type the answer over as many lines as you like and end it with a line holding only
    "." (or Ctrl-D). /skip and /quit on a line of their own skip the question or end the session. Every answer
    is graded and stored in the history as soon as it is finished; Ctrl-C ends the session and keeps it.

    Without --question, questions due for review come first (weakest first), then unseen ones. Answers can be
    piped in, separated by "." lines; the end of input ends the session. SIGTERM is handled like Ctrl-C.

    With --voice, say the answer and press Enter to stop recording (/type on that line types it instead);
    follow-ups are spoken too. Without a microphone the answers are typed, without a sound output device the
    questions are only shown (each said once).
    """
    from mockint.config import load_settings
    from mockint.errors import InputError
    from mockint.judge import CircuitBreakerJudge
    from mockint.practice import (
        HistoryStore,
        Interviewer,
        PlainView,
        RichView,
        StdinLines,
        View,
        history_path,
        open_audio_answers,
        open_voice,
        pick_questions,
        start_timer,
    )
    from mockint.rubrics import load_rubrics

    if tts is not None and not voice:
        raise InputError("--tts reads the questions of a spoken interview; add --voice (or drop --tts)")
    if voice and audio_in:
        raise InputError("--voice records the answers and --audio-in reads them from files; choose one")
    settings = load_settings(model=model, no_llm=no_llm)
    rubric_set = load_rubrics(rubrics)
    path = history_path(settings.home)
    lines = StdinLines()
    interactive = lines.interactive
    use_followup = interactive if followup is None else followup

    # A mistyped id fails before anything is written.
    chosen = [rubric_set.get_rubric(item) for item in question or []]
    with HistoryStore(path) as store, contextlib.ExitStack() as resources:
        if chosen:
            selected = chosen
        else:
            selected = pick_questions(rubric_set.values(), store.reviews(), datetime.now(UTC), topic=topic, count=count)
        audio = open_audio_answers(audio_in, len(selected), home=settings.home) if audio_in else None
        spoken = None
        if voice:
            from mockint.practice.voice import voice_folder

            folder = Path(resources.enter_context(voice_folder()))
            meter = sys.stdout if sys.stdout.isatty() else None
            spoken = open_voice(home=settings.home, folder=folder, tts=tts.value if tts else None, meter=meter)
        judge: CircuitBreakerJudge | None = None
        asker: Asker | None = None
        if settings.use_llm:
            from mockint.judge import build_judge

            raw = resources.enter_context(build_judge(settings))  # closed when the session ends
            judge = CircuitBreakerJudge(raw)
            asker = raw
            grading = f"LLM judge ({settings.model}) with deterministic checks"
        else:
            grading = f"deterministic checks ({settings.llm_reason})"

        view: View
        if sys.stdout.isatty():
            from rich.console import Console

            view = RichView(Console(), interactive=interactive)
        else:
            view = PlainView(sys.stdout, interactive=interactive)
        options = {
            "question": question or None,
            "topic": topic,
            "count": None if question else count,
            "model": settings.model if settings.use_llm else None,
            "time_limit": time_limit,
            "followup": use_followup,
            "audio_in": [str(p) for p in audio_in] if audio_in else None,
            "voice": {"tts": spoken.tts, "stt_model": spoken.stt_model} if spoken is not None else None,
        }
        session = Interviewer(
            store,
            view,
            lines,
            judge=judge,
            asker=asker,
            followup=use_followup,
            time_limit=time_limit,
            timer=start_timer if interactive else None,
            grading=grading,
            options=options,
            where=str(path),
            audio=spoken if spoken is not None else audio,
        )
        if followup is None and not interactive:
            notice("answers are piped in: follow-up questions are off (pass --followup to script their replies)")
        result = session.run(selected)
    if result.status == "interrupted":
        # The session's closing lines already say where it is saved.
        raise typer.Exit(EXIT_INTERRUPTED)
