"""Spoken answers in the interview (``--audio-in``): review, fall-backs, delivery, and the command's errors."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_speech import FakeSpeech, write_silent_wav
from typer.testing import CliRunner

from mockint.cli import app
from mockint.errors import InputError, SpeechError
from mockint.practice.history import HistoryStore, history_path
from mockint.practice.session import Interviewer
from mockint.practice.spoken import RUSSIAN_OFFLINE_NOTE, open_audio_answers
from mockint.practice.terminal import PlainView, ScriptedLines
from mockint.rubrics import load_rubrics
from mockint.speech.transcript import Transcript, Word

runner = CliRunner()
CNN = "A CNN slides a small learned filter across the image. Um, deeper layers compose edges into parts and objects."


def timed(text: str, step: float = 0.4, gap_after: int | None = None, gap: float = 0.0) -> tuple[Word, ...]:
    """``text``'s words, one every ``step`` seconds, with a silence of ``gap`` after word ``gap_after``."""
    words, at = [], 0.0
    for index, token in enumerate(text.split()):
        words.append(Word(token, at, at + step * 0.8))
        at += step + (gap if index == gap_after else 0.0)
    return tuple(words)


class Scripted:
    """A Transcriber that returns queued transcripts (or raises queued errors) and records its prompts."""

    engine = "faster-whisper"
    model = "base"

    def __init__(self, *results: Transcript | SpeechError) -> None:
        self.results = list(results)
        self.prompts: list[str | None] = []

    def transcribe(self, audio: Path, *, language: str | None = None, prompt: str | None = None) -> Transcript:
        self.prompts.append(prompt)
        result = self.results.pop(0)
        if isinstance(result, SpeechError):
            raise result
        return result


def heard(text: str, language: str = "en", gap: float = 0.0) -> Transcript:
    return Transcript(text, "faster-whisper", "base", language, 12.0, timed(text, gap_after=3, gap=gap))


def interview(
    tmp_path: Path, lines: list[str], engine: Scripted, questions: tuple[str, ...] = ("cnn-explained",)
) -> tuple[str, HistoryStore, int]:
    rubrics = load_rubrics()
    files = [write_silent_wav(tmp_path / f"answer{i}.wav") for i in range(len(engine.results))]
    audio = open_audio_answers(files, len(questions), home=tmp_path, transcriber=engine)
    out = io.StringIO()
    store = HistoryStore(tmp_path / "h.db")
    session = Interviewer(store, PlainView(out), ScriptedLines(lines), followup=False, time_limit=60, audio=audio)
    result = session.run([rubrics.get_rubric(q) for q in questions])
    return out.getvalue(), store, result.session_id


def test_the_transcript_is_shown_accepted_with_enter_graded_and_said_how(tmp_path: Path) -> None:
    engine = Scripted(heard(CNN, gap=2.5))
    text, store, session_id = interview(tmp_path, [""], engine)
    assert f"Heard (faster-whisper/base, from answer0.wav): {CNN}" in text
    assert "Score 0.50 (deterministic)" in text
    section = text[text.index("How it was said:") :]
    # 19 words, the last ending at 18 * 0.4 + 2.5 + 0.32 = 10.02 s: 114 words per minute
    assert "♪ Time: 0:10 of 1:00: short; add an example" in section
    assert "♪ Pace: 114 words per minute: easy to follow." in section
    assert '♪ Fillers: "um" x1 (5 per 100 words): pause silently instead' in section
    # word 4 ("a") ends at 1.2 + 0.32, word 5 starts at 1.6 + 2.5
    assert '♪ Pauses: 1 pause of 2 s or more (longest 2.6 s, after "a")' in section
    # the question and the rubric's terms steer the engine
    assert engine.prompts[0] is not None and engine.prompts[0].startswith("Explain what a convolutional")
    (answer,) = store.get_session(session_id).answers
    store.close()
    assert answer.answer == CNN and answer.status == "graded"


def test_a_typed_replacement_is_graded_instead_and_delivery_still_comes_from_the_recording(tmp_path: Path) -> None:
    engine = Scripted(heard("A CNN is, like, a network."))
    typed = "A CNN slides a small learned filter across the image."
    text, store, session_id = interview(tmp_path, [typed, "Deeper layers compose edges into parts.", "."], engine)
    assert "How it was said:" in text and "Graded your typed replacement" in text
    (answer,) = store.get_session(session_id).answers
    store.close()
    assert answer.answer == f"{typed}\nDeeper layers compose edges into parts." and answer.status == "graded"


def test_skip_keeps_the_transcript_and_grades_nothing(tmp_path: Path) -> None:
    text, store, session_id = interview(tmp_path, ["/skip"], Scripted(heard(CNN)))
    assert "Score" not in text and "0 answered, 1 skipped" in text
    (answer,) = store.get_session(session_id).answers
    store.close()
    assert answer.status == "skipped" and answer.answer == CNN


@pytest.mark.parametrize(
    ("result", "warning"),
    [
        (heard(" ... "), "nothing usable was heard in the recording; type the answer instead"),
        (Transcript("", "faster-whisper", "base"), "nothing usable was heard in the recording; type the answer"),
        (SpeechError("answer0.wav: cannot decode the recording", "undecodable"), "cannot decode the recording; type"),
    ],
)
def test_an_empty_or_unusable_recording_asks_for_a_typed_answer_never_grades_it_empty(
    tmp_path: Path, result: Transcript | SpeechError, warning: str
) -> None:
    text, store, session_id = interview(tmp_path, ["A CNN slides a small learned filter.", "."], Scripted(result))
    assert warning in text and "Heard (" not in text and "How it was said" not in text
    (answer,) = store.get_session(session_id).answers
    store.close()
    assert answer.answer == "A CNN slides a small learned filter." and answer.status == "graded"


def test_russian_offline_is_said_to_be_unreliable_once(tmp_path: Path) -> None:
    russian = "Свёрточная сеть сдвигает небольшой фильтр по изображению и учит его веса."
    engine = Scripted(heard(russian, language="ru"), heard(russian, language="ru"))
    text, store, _ = interview(tmp_path, ["", ""], engine, questions=("cnn-explained", "genai-tools"))
    store.close()
    assert text.count(RUSSIAN_OFFLINE_NOTE) == 1 and "MOCKINT_STT_BASE_URL" in RUSSIAN_OFFLINE_NOTE


def test_more_recordings_than_questions_fails_before_anything_starts(tmp_path: Path) -> None:
    files = [write_silent_wav(tmp_path / "a.wav"), write_silent_wav(tmp_path / "b.wav")]
    with pytest.raises(InputError, match=r"--audio-in: 2 recordings for 1 question; give at most one"):
        open_audio_answers(files, 1, home=tmp_path, transcriber=Scripted())


# -- the command --------------------------------------------------------------------------------------------


@pytest.fixture
def speech_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSpeech]:
    words = [(w, 0.5 * i, 0.5 * i + 0.4) for i, w in enumerate(CNN.split())]
    with FakeSpeech(text=CNN, words=words, duration=10.0) as server:
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)
        monkeypatch.setenv("MOCKINT_STT_API_KEY", "sk-speech-test-0000")
        yield server


def test_interview_answers_from_a_recording_through_a_speech_server(tmp_path: Path, speech_server: FakeSpeech) -> None:
    recording = write_silent_wav(tmp_path / "cnn.wav")
    args = ["interview", "-q", "cnn-explained", "--no-llm", "--no-followup", "--audio-in", str(recording)]
    result = runner.invoke(app, args, input="\n")
    assert result.exit_code == 0, result.output
    assert f"Heard (openai/whisper-1, from cnn.wav): {CNN}" in result.output
    assert "Score 0.50 (deterministic)" in result.output and "How it was said:" in result.output
    assert "sk-speech-test-0000" not in result.output
    (request,) = speech_server.requests
    assert request.file_bytes == recording.read_bytes()
    assert str(request.fields["prompt"]).startswith("Explain what a convolutional neural network is")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.wav", "missing.wav: no such audio file"),
        (lambda d: (d / "notes.txt").write_text("x") and d / "notes.txt", "notes.txt: not a known audio format"),
        (lambda d: (d / "empty.wav").write_bytes(b"") or d / "empty.wav", "empty.wav: the audio file is empty"),
    ],
)
def test_a_bad_recording_is_one_line_naming_the_file_before_a_question_is_asked(
    tmp_path: Path, make: object, message: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    result = runner.invoke(app, ["interview", "-q", "cnn-explained", "--no-llm", "--audio-in", str(path)], input="")
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not history_path(tmp_path / "mockint-home").exists() or "Question 1/1" not in result.output


def test_without_the_voice_extra_or_a_server_the_error_names_the_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import fails as if the extra were missing
    recording = write_silent_wav(tmp_path / "cnn.wav")
    result = runner.invoke(app, ["interview", "-q", "cnn-explained", "--no-llm", "--audio-in", str(recording)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "pip install 'mockint[voice]'" in result.output and "MOCKINT_STT_BASE_URL" in result.output
    assert len(result.output.strip().splitlines()) == 1


# -- the history keeps it ----------------------------------------------------------------------------------


def spoken_session(tmp_path: Path, transcripts: list[Transcript], lines: list[str]) -> tuple[Path, int]:
    """Run an interview answered from recordings into the history of the test's MOCKINT_HOME."""
    rubrics = load_rubrics()
    questions = ["cnn-explained", "genai-tools"][: len(transcripts)]
    files = [write_silent_wav(tmp_path / f"answer{i}.wav") for i in range(len(transcripts))]
    audio = open_audio_answers(files, len(questions), home=tmp_path, transcriber=Scripted(*transcripts))
    path = history_path(tmp_path / "mockint-home")
    with HistoryStore(path) as store:
        session = Interviewer(
            store, PlainView(io.StringIO()), ScriptedLines(lines), followup=False, time_limit=60, audio=audio
        )
        result = session.run([rubrics.get_rubric(q) for q in questions])
    return path, result.session_id


def test_history_keeps_transcript_engine_figures_and_a_copy_of_the_recording(tmp_path: Path) -> None:
    path, session_id = spoken_session(tmp_path, [heard(CNN, gap=2.5)], [""])
    with HistoryStore(path) as store:
        (answer,) = store.get_session(session_id).answers
    assert answer.speech is not None
    assert answer.speech.transcript == CNN and answer.speech.stt_model == "faster-whisper/base"
    assert answer.speech.recording == path.parent / "recordings" / str(session_id) / f"answer-{answer.id}.wav"
    assert answer.speech.recording.read_bytes() == (tmp_path / "answer0.wav").read_bytes()
    delivery = answer.speech.delivery
    assert delivery["words"] == 19 and delivery["wpm"] == 113.8 and delivery["long_pauses"] == 1
    assert delivery["fillers"] == {"um": 1} and delivery["filler_rate"] == 5.3 and len(delivery["advice"]) == 4

    shown = runner.invoke(app, ["history", "show", str(session_id), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    speech = json.loads(shown.stdout)["answers"][0]["speech"]
    assert speech["transcript"] == CNN and speech["recording"] == str(answer.speech.recording)
    markdown = runner.invoke(app, ["history", "show", str(session_id)]).stdout
    assert "**Spoken**: heard by faster-whisper/base" in markdown and "**How it was said**" in markdown
    assert "- Pace: 114 words per minute: easy to follow." in markdown

    purged = runner.invoke(app, ["history", "purge-audio", "--session", str(session_id)])
    assert purged.exit_code == 0 and "removed 1 recording from session 1" in purged.stderr
    assert not answer.speech.recording.exists() and not answer.speech.recording.parent.exists()
    markdown = runner.invoke(app, ["history", "show", str(session_id)]).stdout
    assert "Recording: removed" in markdown and CNN in markdown  # the transcript stays
    again = runner.invoke(app, ["history", "purge-audio"])
    assert again.exit_code == 0 and "removed 0 recordings from the history" in again.stderr


def test_purge_audio_of_an_unknown_session_is_one_line(tmp_path: Path) -> None:
    spoken_session(tmp_path, [heard(CNN)], [""])
    result = runner.invoke(app, ["history", "purge-audio", "--session", "9"])
    assert result.exit_code == 1 and "no session 9" in result.stderr and "Traceback" not in result.output


def test_a_skipped_spoken_answer_keeps_its_transcript_and_recording(tmp_path: Path) -> None:
    path, session_id = spoken_session(tmp_path, [heard(CNN)], ["/skip"])
    with HistoryStore(path) as store:
        (answer,) = store.get_session(session_id).answers
    assert answer.status == "skipped" and answer.speech is not None and answer.speech.recording is not None
    assert answer.speech.recording.exists()


def test_progress_shows_pace_and_fillers_over_sessions(tmp_path: Path) -> None:
    slow = "A CNN um slides a filter, um, over the image and, like, deeper layers um compose parts."
    spoken_session(tmp_path, [Transcript(slow, "openai", "whisper-1", "en", 12.0, timed(slow, step=0.7))], [""])
    spoken_session(tmp_path, [heard(CNN)], [""])
    result = runner.invoke(app, ["progress", "--format", "json"])
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.stdout)["speech"]
    assert (first["session_id"], second["session_id"]) == (1, 2)
    # 17 words over 16 * 0.7 + 0.56 = 11.76 s; 4 fillers ("um" x3, "like") in 17 words
    assert first["wpm"] == 86.7 and first["filler_rate"] == 23.5
    # 19 words over 18 * 0.4 + 0.32 = 7.52 s; 1 filler in 19 words
    assert second["wpm"] == 151.6 and second["filler_rate"] == 5.3
    table = runner.invoke(app, ["progress"])
    assert "Spoken answers: 2 in 2 sessions" in table.stdout
    assert "words per minute: 86.7 → 151.6" in table.stdout and "filler words per 100 words: 23.5 → 5.3" in table.stdout


def test_progress_says_nothing_about_speech_without_spoken_answers() -> None:
    result = runner.invoke(app, ["progress"])
    assert result.exit_code == 0 and "Spoken answers" not in result.stdout


class InterruptedLines(ScriptedLines):
    """Ctrl-C at the first prompt."""

    def readline(self, prompt: str) -> str | None:
        raise KeyboardInterrupt


def test_ctrl_c_at_the_review_prompt_keeps_the_transcript_as_unfinished(tmp_path: Path) -> None:
    rubrics = load_rubrics()
    audio = open_audio_answers(
        [write_silent_wav(tmp_path / "a.wav")], 1, home=tmp_path, transcriber=Scripted(heard(CNN))
    )
    with HistoryStore(tmp_path / "h.db") as store:
        session = Interviewer(store, PlainView(io.StringIO()), InterruptedLines([]), followup=False, audio=audio)
        result = session.run([rubrics.get_rubric("cnn-explained")])
        (answer,) = store.get_session(result.session_id).answers
    assert result.status == "interrupted"
    assert answer.status == "unfinished" and answer.answer == CNN
