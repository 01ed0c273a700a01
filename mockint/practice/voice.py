"""A spoken interview (``mockint interview --voice``): questions read aloud, answers recorded, transcribed, graded.

**One answer.** The question is on screen and read aloud (:mod:`mockint.speech.tts`, then
:mod:`mockint.speech.playback`). Recording starts when the reading ends and runs until Enter, with the elapsed
time and a level meter on a terminal (:mod:`mockint.speech.microphone`). The recording is transcribed by the
same engine and with the same prompt as ``--audio-in``, and the transcript is shown
(:func:`~mockint.practice.spoken.ask_about`): Enter grades it, ``/again`` records the answer again, any other line
is the first line of a typed answer that replaces it (ended by a ``.`` line, as always); ``/skip`` and ``/quit``
work as ever. On the recording line, ``/type`` types the answer instead, and ``/skip`` and ``/quit`` drop the
recording. A transcript with no words, or only filler words, is never graded: the candidate is asked to say it
again. Follow-up questions are read aloud and answered the same way.

**Falling back, said once.** No sound output device: the questions are only shown. No microphone (PortAudio finds
no input device): the answers are typed. An engine that fails on a recording: that answer is typed.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from mockint.errors import SpeechError
from mockint.practice.spoken import AudioAnswers, Choice, Heard, ask_about, usable

if TYPE_CHECKING:
    from mockint.models import Rubric
    from mockint.practice.terminal import LineSource, View
    from mockint.speech.microphone import Capture, Recorder
    from mockint.speech.transcript import Transcriber
    from mockint.speech.tts import Speaker

__all__ = ["RECORDING_HELP", "LevelMeter", "VoiceAnswers", "open_voice", "voice_folder"]

RECORDING_HELP = "Recording: answer aloud, then press Enter to stop (/type to type instead, /skip, /quit)"
"""Shown when a recording starts."""
# Redraws of the level meter per second: smooth enough to see speech, cheap on a busy terminal.
_METER_HZ = 5.0
_METER_CELLS = 10


class LevelMeter:
    """One terminal line, redrawn in place while recording: elapsed time and a bar of the loudness.

    Args:
        stream: The terminal.
        clock: Seconds, for throttling the redraws.
    """

    def __init__(self, stream: IO[str], clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()
        self._drawn = 0.0
        self._open = False

    def start(self) -> None:
        """Draw from now on."""
        with self._lock:
            self._open, self._drawn = True, 0.0

    def update(self, seconds: float, level: float) -> None:
        """Redraw (at most :data:`_METER_HZ` times a second); called from the recording thread."""
        with self._lock:
            now = self._clock()
            if not self._open or now - self._drawn < 1.0 / _METER_HZ:
                return
            self._drawn = now
            cells = round(max(0.0, min(1.0, level)) * _METER_CELLS)
            whole = int(seconds)
            bar = "▮" * cells + "▯" * (_METER_CELLS - cells)
            self._stream.write(f"\r● REC {whole // 60}:{whole % 60:02d}  {bar}  Enter stops\x1b[K")
            self._stream.flush()

    def stop(self) -> None:
        """Stop drawing and clear the line."""
        with self._lock:
            if self._open:
                self._open = False
                self._stream.write("\r\x1b[K")
                self._stream.flush()


class VoiceAnswers:
    """The voice of one interview: a reader for the questions, a recorder and an engine for the answers.

    Args:
        transcriber: The speech-to-text engine.
        recorder: The microphone; ``None`` when answers are typed (no input device).
        speaker: The question reader; ``None`` when questions are only shown.
        folder: Where the recordings and the spoken questions are written (the history copies the recordings).
        play: Plays a WAV file (:func:`mockint.speech.playback.play`).
        meter: Shows the level while recording (on a terminal); ``None`` for none.
        notice: Said once, at the first question: why something falls back (e.g. no microphone).
    """

    def __init__(
        self,
        transcriber: Transcriber,
        recorder: Recorder | None,
        speaker: Speaker | None,
        folder: Path,
        *,
        play: Callable[[Path], object] | None = None,
        meter: LevelMeter | None = None,
        notice: str | None = None,
    ) -> None:
        self._stt = AudioAnswers([], transcriber)
        self._recorder = recorder
        self._speaker = speaker
        self._folder = folder
        self._play = play
        self._meter = meter
        self._notice = notice
        self._takes = 0

    @property
    def stt_model(self) -> str:
        """``engine/model`` of the speech-to-text engine."""
        return self._stt.stt_model

    @property
    def tts(self) -> str | None:
        """The question reader's name, ``None`` when questions are only shown."""
        return self._speaker.name if self._speaker is not None else None

    def _say_notice(self, view: View) -> None:
        if self._notice is not None:
            view.warn(self._notice)
            self._notice = None

    def spoken(self, position: int | None) -> bool:
        """Every answer and follow-up reply is spoken while there is a microphone."""
        return self._recorder is not None

    def say(self, text: str, view: View) -> None:
        """Read ``text`` aloud; with no sound device, say once that questions are only shown from now on."""
        self._say_notice(view)
        if self._speaker is None:
            return
        self._takes += 1
        out = self._folder / f"question-{self._takes}.wav"
        try:
            self._speaker.speak(text, out)
            if self._play is None:
                from mockint.speech.playback import play

                play(out)
            else:
                self._play(out)
        except SpeechError as exc:
            self._speaker = None
            view.warn(f"{exc}; questions are shown, not read aloud, for the rest of the session")

    def listen(
        self, position: int | None, rubric: Rubric, view: View, lines: LineSource, typed: list[str]
    ) -> tuple[Choice, Heard | None]:
        """Record the answer, transcribe it, and ask the candidate about it, until a usable one or a command.

        See :meth:`mockint.practice.spoken.SpokenAnswers.listen`; end of input on the recording line is ``quit``.
        """
        self._say_notice(view)
        note = self._stt.question_note(rubric.question)
        if note is not None:
            view.warn(note)
        while self._recorder is not None:
            recorded = self._record(self._recorder, view, lines)
            if isinstance(recorded, str):
                return recorded, None
            path, seconds = recorded
            try:
                with view.grading():
                    transcript = self._stt.transcribe(path, rubric)
            except SpeechError as exc:
                view.warn(f"{exc}; type the answer instead")
                return "type", None
            note = self._stt.language_note(transcript)
            if note is not None:
                view.warn(note)
            if not usable(transcript):
                view.warn("nothing usable was heard (no words, or only filler words); say the answer again")
                continue
            from mockint.speech.delivery import clock

            choice, heard = ask_about(
                Heard(path, transcript), f"{clock(seconds)} recorded", view, lines, typed, again=True
            )
            if choice != "again":
                return choice, heard
        return "type", None

    def _record(self, recorder: Recorder, view: View, lines: LineSource) -> tuple[Path, float] | Choice:
        """One take: the recording and its length, or what the candidate typed instead (``type``, ``skip``,
        ``quit``); without a microphone, said once, ``type`` from now on."""
        self._takes += 1
        path = self._folder / f"answer-{self._takes}.wav"
        view.note(RECORDING_HELP)
        try:
            capture = recorder.start(path, self._meter.update if self._meter is not None else None)
        except SpeechError as exc:
            return self._no_microphone(exc, view)
        if self._meter is not None:
            self._meter.start()
        try:
            line = lines.readline("")
        except BaseException:
            self._stop_quietly(capture)
            raise
        try:
            seconds = self._stop(capture)
        except SpeechError as exc:
            return self._no_microphone(exc, view)
        command = None if line is None else line.strip()
        if command is None or command == "/quit":
            return "quit"
        if command in ("/skip", "/type"):
            return "skip" if command == "/skip" else "type"
        full = " (the longest a recording can be)" if capture.full else ""
        from mockint.speech.delivery import clock

        view.note(f"Recorded {clock(seconds)}{full}.")
        return path, seconds

    def _stop(self, capture: Capture) -> float:
        if self._meter is not None:
            self._meter.stop()
        return capture.stop()

    def _stop_quietly(self, capture: Capture) -> None:
        with contextlib.suppress(SpeechError):
            self._stop(capture)

    def _no_microphone(self, exc: SpeechError, view: View) -> Choice:
        self._recorder = None
        view.warn(f"{exc}; type the answers instead for the rest of the session")
        return "type"


def open_voice(
    *,
    home: Path,
    folder: Path,
    tts: str | None = None,
    transcriber: Transcriber | None = None,
    recorder: Recorder | None = None,
    speaker: Speaker | None = None,
    meter: IO[str] | None = None,
) -> VoiceAnswers:
    """Check the microphone, the question reader and the engine, before the interview starts.

    Args:
        home: ``MOCKINT_HOME`` (the offline engine keeps its model there).
        folder: Where the recordings and spoken questions go during the session.
        tts: ``--tts`` (``espeak``, ``piper``, ``openai``, ``none``; ``None``: espeak-ng when it is installed).
        transcriber: The engine; the configured one (``MOCKINT_STT_*``) by default.
        recorder: The microphone (:class:`~mockint.speech.microphone.Microphone` by default).
        speaker: The question reader; by default the one ``tts`` names.
        meter: The terminal to draw the level meter on; ``None`` for none.

    Returns:
        The voice of the interview; a machine without a microphone gets typed answers, said at the first question.

    Raises:
        SpeechError: The ``voice`` extra (sounddevice), PortAudio, the offline engine or the ``--tts`` engine is
            missing; the message names the install.
        ConfigError: A speech setting is invalid (``--tts openai`` with no server, ``MOCKINT_STT_*``).
    """
    from mockint.speech.microphone import Microphone

    microphone: Recorder = recorder if recorder is not None else Microphone()
    listening: Recorder | None = microphone
    notice = None
    try:
        microphone.check()
    except SpeechError as exc:
        if exc.reason != "no_device":
            raise
        listening, notice = None, f"{exc}; type the answers instead"
    reader = speaker
    if reader is None:
        from mockint.speech.tts import build_speaker

        reader = build_speaker(tts)
    if transcriber is None:
        from mockint.speech.engines import build_transcriber

        transcriber = build_transcriber(home=home)
    if listening is not None:
        from mockint.speech.whisper import WhisperTranscriber

        if isinstance(transcriber, WhisperTranscriber):
            transcriber.load()  # a missing extra or model fails here, before a question is asked
    return VoiceAnswers(
        transcriber,
        listening,
        reader,
        folder,
        meter=LevelMeter(meter) if meter is not None else None,
        notice=notice,
    )


def voice_folder() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for one session's recordings and spoken questions (removed when the session ends)."""
    return tempfile.TemporaryDirectory(prefix="mockint-voice-")
