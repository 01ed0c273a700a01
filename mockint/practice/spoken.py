"""Spoken answers in an interview: recordings given with ``--audio-in``, transcribed, shown, then graded.

The session (:class:`~mockint.practice.session.Interviewer`) talks to spoken answers through
:class:`SpokenAnswers`: :class:`AudioAnswers` here (recordings given beforehand) and
:class:`~mockint.practice.voice.VoiceAnswers` (``--voice``: questions read aloud, answers recorded). Both show the
transcript the same way (:func:`ask_about`) and go the same way to grading.

**Which file answers which question.** The recordings answer the questions in the order they are asked: the
first file answers question 1, the second question 2, and so on; questions after the last file are typed as
usual. Follow-up questions are always typed. More files than questions is an error before anything starts.

**Review before grading.** The transcript is shown with the engine that made it; the candidate presses Enter to
have it graded, types a replacement answer (ended by a line holding only ``.``, as always), or types ``/skip``.
A recording cannot be re-recorded, so "again" means typing the answer. A transcript with no words in it, or only
filler words (a silent or muted recording), or a recording the engine cannot read, is never graded: the candidate
is asked to type the answer instead.

**Russian.** Whisper base offline loops or returns nothing on Russian synthetic speech (49% word error rate,
measured for issue 12), so the first Russian question or transcript met with the offline engine says once that a
speech server is the way to go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from mockint.errors import InputError, SpeechError
from mockint.speech.delivery import delivery_json

if TYPE_CHECKING:
    from mockint.models import Rubric
    from mockint.practice.terminal import LineSource, View
    from mockint.speech.delivery import Delivery
    from mockint.speech.transcript import Transcriber, Transcript

__all__ = [
    "RUSSIAN_OFFLINE_NOTE",
    "AudioAnswers",
    "Choice",
    "Heard",
    "SpokenAnswers",
    "ask_about",
    "delivery_json",
    "open_audio_answers",
    "usable",
]

Choice = Literal["accept", "replace", "skip", "quit", "type", "again"]
"""What the candidate did with a transcript (``type``: there was none worth grading; ``again``: record again)."""

RUSSIAN_OFFLINE_NOTE = (
    "offline transcription of Russian is not usable (49% word error rate measured; Whisper base loops or drops "
    "words); check the transcript, or set MOCKINT_STT_BASE_URL to a speech server (faster-whisper-server, vLLM, "
    "OpenAI whisper-1)"
)
"""Said once per session, on the first Russian question or transcript met with the offline engine."""


@dataclass(frozen=True)
class Heard:
    """A spoken answer: the recording, what the engine heard, and how it was said.

    Attributes:
        recording: The recording the answer came from.
        transcript: The engine's transcript.
        delivery: Speaking time, pace, fillers and pauses (``None`` until graded).
        edited: Whether the candidate replaced the transcript before grading.
    """

    recording: Path
    transcript: Transcript
    delivery: Delivery | None = None
    edited: bool = False


class SpokenAnswers(Protocol):
    """What the session needs of spoken answers (:class:`AudioAnswers`, ``practice.voice.VoiceAnswers``)."""

    def spoken(self, position: int | None) -> bool:
        """Whether question ``position`` (1-based; ``None``: a follow-up question) is answered aloud."""
        ...

    def say(self, text: str, view: View) -> None:
        """Read a question aloud, if questions are read (it is on screen already)."""
        ...

    def listen(
        self, position: int | None, rubric: Rubric, view: View, lines: LineSource, typed: list[str]
    ) -> tuple[Choice, Heard | None]:
        """Hear the answer to ``rubric``'s question and let the candidate decide what to do with the transcript.

        Args:
            position: The question's position (``None``: a follow-up question).
            rubric: The question (a follow-up's sub-rubric for a follow-up), for the transcription prompt.
            view: Where the transcript is shown.
            lines: Where the candidate's choice comes from.
            typed: The answer's lines so far; set to the transcript while the candidate decides (so that Ctrl-C
                keeps it), and to the first typed line of a replacement.

        Returns:
            The choice (``accept``: grade the transcript; ``replace``: read the rest of a typed answer;
            ``skip``; ``quit``; ``type``: nothing usable was heard, read a typed answer) and what was heard
            (``None`` when nothing was).
        """
        ...


class AudioAnswers:
    """The recordings of one interview, in question order, and the engine that transcribes them.

    Args:
        files: The recordings; file ``i`` answers question ``i + 1``.
        transcriber: The speech-to-text engine.
    """

    def __init__(self, files: Sequence[Path], transcriber: Transcriber) -> None:
        self._files = list(files)
        self._transcriber = transcriber
        self._russian_noted = False

    @property
    def stt_model(self) -> str:
        """``engine/model`` of the engine, as stored with each spoken answer."""
        return f"{self._transcriber.engine}/{self._transcriber.model}"

    def recording(self, position: int) -> Path | None:
        """The recording that answers question ``position`` (1-based), or ``None`` (typed)."""
        return self._files[position - 1] if 0 < position <= len(self._files) else None

    def spoken(self, position: int | None) -> bool:
        """Whether a recording answers question ``position`` (follow-ups are typed)."""
        return position is not None and self.recording(position) is not None

    def say(self, text: str, view: View) -> None:
        """Questions are not read aloud with ``--audio-in``."""

    def listen(
        self, position: int | None, rubric: Rubric, view: View, lines: LineSource, typed: list[str]
    ) -> tuple[Choice, Heard | None]:
        """:meth:`review` of the recording that answers question ``position``."""
        recording = self.recording(position) if position is not None else None
        if recording is None:
            return "type", None
        return self.review(recording, rubric, view, lines, typed)

    def transcribe(self, audio: Path, rubric: Rubric) -> Transcript:
        """Transcribe ``audio``, steered by the question and the rubric's key terms.

        Raises:
            SpeechError: The recording cannot be read, or the engine failed.
        """
        from mockint.speech.transcript import key_terms, transcription_prompt

        prompt = transcription_prompt(rubric.question, key_terms(rubric))
        return self._transcriber.transcribe(audio, prompt=prompt)

    def language_note(self, transcript: Transcript) -> str | None:
        """:data:`RUSSIAN_OFFLINE_NOTE` the first time a Russian transcript comes from the offline engine."""
        russian = (transcript.language or "").lower().startswith("ru")
        return self._russian_note() if russian and transcript.engine == "faster-whisper" else None

    def question_note(self, question: str) -> str | None:
        """:data:`RUSSIAN_OFFLINE_NOTE` the first time a Russian question is to be answered to the offline engine."""
        from mockint.speech.tts import language_of

        return (
            self._russian_note()
            if self._transcriber.engine == "faster-whisper" and language_of(question) == "ru"
            else None
        )

    def _russian_note(self) -> str | None:
        if self._russian_noted:
            return None
        self._russian_noted = True
        return RUSSIAN_OFFLINE_NOTE

    def review(
        self, recording: Path, rubric: Rubric, view: View, lines: LineSource, typed: list[str]
    ) -> tuple[Choice, Heard | None]:
        """Transcribe ``recording``, show the transcript, and ask the candidate what to do with it.

        Args:
            recording: The recording that answers the question.
            rubric: The question.
            view: Where the transcript is shown.
            lines: Where the candidate's choice comes from.
            typed: The answer's lines so far; set to the transcript while the candidate decides (so that Ctrl-C
                keeps it), and to the first typed line of a replacement.

        Returns:
            The choice (``accept``: grade the transcript; ``replace``: read the rest of a typed answer;
            ``skip``; ``quit``; ``type``: nothing usable was heard, read a typed answer) and what was heard
            (``None`` for ``type``).
        """
        try:
            with view.grading():
                transcript = self.transcribe(recording, rubric)
        except SpeechError as exc:
            view.warn(f"{exc}; type the answer instead")
            return "type", None
        note = self.language_note(transcript)
        if note is not None:
            view.warn(note)
        if not usable(transcript):
            view.warn(f"{recording}: nothing usable was heard in the recording; type the answer instead")
            return "type", None
        return ask_about(Heard(recording, transcript), f"from {recording.name}", view, lines, typed, again=False)


def ask_about(
    heard: Heard, where: str, view: View, lines: LineSource, typed: list[str], *, again: bool
) -> tuple[Choice, Heard]:
    """Show a transcript and read what the candidate does with it.

    Args:
        heard: The recording and its transcript.
        where: Where it came from, shown after the engine (``from a1.wav``, ``0:07 recorded``).
        view: Where the transcript is shown.
        lines: Where the candidate's choice comes from.
        typed: Set to the transcript while the candidate decides, then to the first line of a replacement.
        again: Whether ``/again`` (record it again) is offered.

    Returns:
        ``accept`` (Enter or ``.``), ``again``, ``skip``, ``quit`` or ``replace`` (any other line: the first line
        of a typed answer; the heard answer is then marked as edited).
    """
    transcript = heard.transcript
    view.note(f"Heard ({transcript.stt_model}, {where}): {transcript.text}")
    if again:
        view.note(
            "Enter: grade this transcript · /again: record it again · or type the answer instead (end with '.') · /skip"
        )
    else:
        view.note("Enter: grade this transcript · or type a replacement answer (end with '.') · or /skip")
    typed[:] = [transcript.text]
    line = lines.readline(view.line_prompt(True, None))
    command = "" if line is None else line.strip()
    if command in ("", "."):
        return "accept", heard
    if command == "/again" and again:
        typed[:] = []
        return "again", heard
    if command in ("/skip", "/quit"):
        return ("skip" if command == "/skip" else "quit"), heard
    typed[:] = [line or ""]
    return "replace", replace(heard, edited=True)


def usable(transcript: Transcript) -> bool:
    """Whether a transcript has words worth grading: not empty, not only punctuation, not only filler words."""
    from mockint.speech.delivery import count_fillers, word_count

    fillers = sum(count * word_count(filler) for filler, count in count_fillers(transcript.text).items())
    return word_count(transcript.text) > fillers


def open_audio_answers(
    files: Sequence[Path], questions: int, *, home: Path, transcriber: Transcriber | None = None
) -> AudioAnswers:
    """Check the recordings and make the engine ready, before the interview starts.

    Args:
        files: The ``--audio-in`` files, in question order.
        questions: How many questions the interview asks.
        home: ``MOCKINT_HOME`` (the offline engine keeps its model there).
        transcriber: The engine; the configured one (``MOCKINT_STT_*``) by default.

    Returns:
        The recordings with their engine.

    Raises:
        InputError: More recordings than questions.
        SpeechError: A recording is missing, empty or not audio; or the offline engine is not installed (the
            message names ``pip install 'mockint[voice]'`` and the speech-server setting).
        ConfigError: A speech setting is invalid.
    """
    from mockint.speech.recording import check_recording

    if len(files) > questions:
        raise InputError(
            f"--audio-in: {len(files)} recordings for {questions} question{'s' if questions != 1 else ''}; "
            "give at most one recording per question, in question order"
        )
    for path in files:
        check_recording(path)
    if transcriber is None:
        from mockint.speech.engines import build_transcriber

        transcriber = build_transcriber(home=home)
    from mockint.speech.whisper import WhisperTranscriber

    if isinstance(transcriber, WhisperTranscriber):
        transcriber.load()  # a missing extra or model fails here, before a question is asked
    return AudioAnswers(files, transcriber)
