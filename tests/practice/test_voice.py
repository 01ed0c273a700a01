"""A spoken interview (``--voice``) through the injected-IO session: questions read aloud, answers recorded, the
transcript accepted, recorded again or replaced by typing, follow-ups by voice, and every fall-back said once."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from fake_speech import FakeSpeech, silent_wav
from typer.testing import CliRunner

from mockint.cli import app
from mockint.errors import SpeechError
from mockint.practice.history import HistoryStore
from mockint.practice.session import Interviewer, SessionResult
from mockint.practice.spoken import RUSSIAN_OFFLINE_NOTE, usable
from mockint.practice.terminal import PlainView, ScriptedLines
from mockint.practice.voice import RECORDING_HELP, LevelMeter, VoiceAnswers, open_voice
from mockint.rubrics import load_rubrics
from mockint.speech.microphone import Level
from mockint.speech.transcript import Transcript, Word

runner = CliRunner()
CNN = "A CNN slides a small learned filter across the image. Deeper layers compose edges into parts and objects."
REPLY = "The same weights are reused at every position, so a pattern is detected anywhere."


def timed(text: str, step: float = 0.4) -> tuple[Word, ...]:
    return tuple(Word(token, i * step, i * step + step * 0.8) for i, token in enumerate(text.split()))


def heard(text: str, language: str = "en") -> Transcript:
    return Transcript(text, "faster-whisper", "base", language, 12.0, timed(text))


class Engine:
    """A Transcriber that returns queued transcripts and keeps what it was given."""

    engine = "faster-whisper"
    model = "base"

    def __init__(self, *results: Transcript | SpeechError) -> None:
        self.results = list(results)
        self.heard: list[tuple[bytes, str | None]] = []

    def transcribe(self, audio: Path, *, language: str | None = None, prompt: str | None = None) -> Transcript:
        self.heard.append((audio.read_bytes(), prompt))
        result = self.results.pop(0)
        if isinstance(result, SpeechError):
            raise result
        return result


class Take:
    """One recording in progress: writes a short WAV when stopped."""

    full = False

    def __init__(self, out: Path, level: Level | None, seconds: float) -> None:
        self.out, self.level, self.seconds = out, level, seconds

    def stop(self) -> float:
        if self.level is not None:
            self.level(self.seconds, 0.5)
        self.out.write_bytes(silent_wav(self.seconds))
        return self.seconds


class Mic:
    """A Recorder: each take lasts ``seconds``; ``fail_at`` makes that take (1-based) find no device."""

    def __init__(self, seconds: float = 7.0, *, broken: bool = False, fail_at: int | None = None) -> None:
        self.seconds, self.broken, self.fail_at = seconds, broken, fail_at
        self.takes: list[Path] = []

    def check(self) -> None:
        if self.broken:
            raise SpeechError("no microphone found (PortAudio: Error querying device -1)", "no_device")

    def start(self, out: Path, level: Level | None = None) -> Take:
        self.takes.append(out)
        if self.fail_at == len(self.takes):
            raise SpeechError("no microphone found (PortAudio: Device unavailable)", "no_device")
        return Take(out, level, self.seconds)


class Reader:
    """A Speaker that writes a short WAV and keeps what it said."""

    name = "espeak"

    def __init__(self) -> None:
        self.said: list[str] = []

    def speak(self, text: str, out: Path) -> Path:
        self.said.append(text)
        out.write_bytes(silent_wav(0.1))
        return out


def spoken_interview(
    tmp_path: Path,
    lines: list[str],
    engine: Engine,
    *,
    mic: Mic | None = None,
    reader: Reader | None = None,
    play: object = None,
    questions: tuple[str, ...] = ("cnn-explained",),
    followup: bool = False,
) -> tuple[str, HistoryStore, SessionResult, list[Path]]:
    rubrics = load_rubrics()
    played: list[Path] = []
    folder = tmp_path / "voice"
    folder.mkdir(exist_ok=True)
    voice = open_voice(
        home=tmp_path, folder=folder, transcriber=engine, recorder=mic or Mic(), speaker=reader or Reader()
    )
    voice._play = play if play is not None else played.append  # type: ignore[assignment]
    out = io.StringIO()
    store = HistoryStore(tmp_path / "h.db")
    session = Interviewer(store, PlainView(out), ScriptedLines(lines), followup=followup, time_limit=60, audio=voice)
    result = session.run([rubrics.get_rubric(q) for q in questions])
    return out.getvalue(), store, result, played


def test_the_question_is_read_the_answer_recorded_transcribed_accepted_and_graded(tmp_path: Path) -> None:
    engine, reader = Engine(heard(CNN)), Reader()
    text, store, result, played = spoken_interview(tmp_path, ["", ""], engine, reader=reader)
    assert reader.said == [load_rubrics()["cnn-explained"].question] and len(played) == 1
    assert RECORDING_HELP in text and "Recorded 0:07." in text
    assert f"Heard (faster-whisper/base, 0:07 recorded): {CNN}" in text
    assert "/again: record it again" in text
    assert "Score 0.50 (deterministic)" in text and "How it was said:" in text
    recording, prompt = engine.heard[0]
    assert recording == silent_wav(7.0) and prompt is not None and prompt.startswith("Explain what a convolutional")
    (answer,) = store.get_session(result.session_id).answers
    store.close()
    assert answer.answer == CNN and answer.status == "graded"
    assert answer.speech is not None and answer.speech.stt_model == "faster-whisper/base"
    assert answer.speech.recording is not None and answer.speech.recording.read_bytes() == silent_wav(7.0)


def test_again_records_the_answer_again_and_grades_the_second_take(tmp_path: Path) -> None:
    engine = Engine(heard("A CNN is a network."), heard(CNN))
    text, store, result, _ = spoken_interview(tmp_path, ["", "/again", "", ""], engine)
    assert text.count(RECORDING_HELP) == 2 and len(engine.heard) == 2
    (answer,) = store.get_session(result.session_id).answers
    store.close()
    assert answer.answer == CNN and answer.status == "graded"


def test_a_typed_line_replaces_the_transcript(tmp_path: Path) -> None:
    typed = "A CNN slides a small learned filter across the image."
    text, store, result, _ = spoken_interview(
        tmp_path, ["", typed, "Deeper layers compose edges.", "."], Engine(heard(CNN))
    )
    assert "Graded your typed replacement" in text
    (answer,) = store.get_session(result.session_id).answers
    store.close()
    assert answer.answer == f"{typed}\nDeeper layers compose edges." and answer.status == "graded"
    assert answer.speech is not None and answer.speech.transcript == CNN


@pytest.mark.parametrize("nothing", ["", " ... ", "Um, uh... you know, like, um."])
def test_an_empty_or_filler_only_transcript_asks_again_and_is_never_graded(tmp_path: Path, nothing: str) -> None:
    engine = Engine(heard(nothing), heard(CNN))
    text, store, result, _ = spoken_interview(tmp_path, ["", "", ""], engine)
    assert "nothing usable was heard (no words, or only filler words); say the answer again" in text
    assert text.count(RECORDING_HELP) == 2 and text.count("Heard (") == 1  # the unusable one is not offered
    (answer,) = store.get_session(result.session_id).answers
    store.close()
    assert answer.answer == CNN and answer.status == "graded"


def test_fillers_alone_are_not_usable_but_an_answer_with_fillers_is() -> None:
    assert not usable(heard("Um, uh, like, you know."))
    assert usable(heard("Um, a cache keeps hot data close."))


def test_the_follow_up_is_read_aloud_and_answered_by_voice(tmp_path: Path) -> None:
    engine, reader = Engine(heard(CNN), heard(REPLY)), Reader()
    text, store, result, played = spoken_interview(tmp_path, ["", "", "", ""], engine, reader=reader, followup=True)
    assert len(reader.said) == 2 and "the filter weights" in reader.said[1] and len(played) == 2
    assert text.count(RECORDING_HELP) == 2 and f"Heard (faster-whisper/base, 0:07 recorded): {REPLY}" in text
    # the follow-up's prompt is its own question
    assert engine.heard[1][1] is not None and "the filter weights" in engine.heard[1][1]
    assert "Recovered after the prompt" in text
    (answer,) = store.get_session(result.session_id).answers
    store.close()
    assert answer.followup is not None and answer.followup.reply == REPLY and answer.followup.status == "graded"


def test_slash_commands_on_the_recording_line(tmp_path: Path) -> None:
    typed = "A CNN slides a small learned filter across the image."
    text, store, result, _ = spoken_interview(
        tmp_path, ["/type", typed, ".", "/skip"], Engine(), questions=("cnn-explained", "genai-tools")
    )
    answers = store.get_session(result.session_id).answers
    store.close()
    assert [a.status for a in answers] == ["graded", "skipped"] and answers[0].answer == typed
    assert answers[0].speech is None and "Heard (" not in text


def test_end_of_input_while_recording_ends_the_session(tmp_path: Path) -> None:
    _, store, result, _ = spoken_interview(tmp_path, [], Engine(), questions=("cnn-explained", "genai-tools"))
    store.close()
    assert result.status == "finished" and result.asked == 1 and not result.outcomes


def test_no_microphone_falls_back_to_typed_answers_said_once(tmp_path: Path) -> None:
    typed = ["A CNN slides a small learned filter across the image.", ".", "GenAI tools help with boilerplate.", "."]
    text, store, result, _ = spoken_interview(
        tmp_path, typed, Engine(), mic=Mic(broken=True), questions=("cnn-explained", "genai-tools")
    )
    store.close()
    assert text.count("no microphone found") == 1 and "type the answers instead" in text
    assert RECORDING_HELP not in text and len(result.outcomes) == 2


def test_a_microphone_that_goes_away_falls_back_to_typing_said_once(tmp_path: Path) -> None:
    lines = ["", "", "GenAI tools help with boilerplate.", "."]
    text, store, result, _ = spoken_interview(
        tmp_path, lines, Engine(heard(CNN)), mic=Mic(fail_at=2), questions=("cnn-explained", "genai-tools")
    )
    answers = store.get_session(result.session_id).answers
    store.close()
    assert text.count("Device unavailable") == 1 and "type the answers instead for the rest of the session" in text
    assert [a.answer for a in answers] == [CNN, "GenAI tools help with boilerplate."]


def test_no_sound_output_shows_the_questions_as_text_said_once(tmp_path: Path) -> None:
    def no_device(path: Path) -> None:
        raise SpeechError("no sound output device (PortAudio: Error querying device -1)", "no_device")

    reader = Reader()
    text, store, result, _ = spoken_interview(
        tmp_path,
        ["", "", "", ""],
        Engine(heard(CNN), heard(CNN)),
        reader=reader,
        play=no_device,
        questions=("cnn-explained", "genai-tools"),
    )
    store.close()
    assert text.count("no sound output device") == 1 and "questions are shown, not read aloud" in text
    assert len(reader.said) == 1 and "What is your view on using modern GenAI" in text
    assert len(result.outcomes) == 2


def test_an_engine_failure_asks_for_a_typed_answer(tmp_path: Path) -> None:
    engine = Engine(SpeechError("cannot reach the speech server at http://127.0.0.1:9/v1", "connection"))
    typed = "A CNN slides a small learned filter across the image."
    text, store, result, _ = spoken_interview(tmp_path, ["", typed, "."], engine)
    (answer,) = store.get_session(result.session_id).answers
    store.close()
    assert "cannot reach the speech server" in text and "type the answer instead" in text
    assert answer.answer == typed and answer.status == "graded"


def test_a_russian_question_with_the_offline_engine_is_said_once(tmp_path: Path) -> None:
    russian = "Кандидаты генерируются по эмбеддингам, затем reranking и hard negatives."
    engine = Engine(heard(russian, "ru"), heard(russian, "ru"))
    text, store, _, _ = spoken_interview(
        tmp_path, ["", "", "", ""], engine, questions=("fashion-recommender", "fashion-recommender")
    )
    store.close()
    assert text.count(RUSSIAN_OFFLINE_NOTE) == 1 and "49% word error rate" in RUSSIAN_OFFLINE_NOTE
    # said before the first recording, not after it
    assert text.index(RUSSIAN_OFFLINE_NOTE) < text.index(RECORDING_HELP)


def test_the_level_meter_draws_time_and_level_in_place() -> None:
    screen, now = io.StringIO(), [0.0]
    meter = LevelMeter(screen, clock=lambda: now[0])
    meter.update(1.0, 1.0)  # not started: nothing
    meter.start()
    now[0] = 1.0
    meter.update(65.0, 0.5)
    meter.update(66.0, 0.9)  # too soon after the last: not drawn
    meter.stop()
    assert screen.getvalue() == "\r● REC 1:05  ▮▮▮▮▮▯▯▯▯▯  Enter stops\x1b[K\r\x1b[K"


def test_voice_answers_say_nothing_without_a_reader(tmp_path: Path) -> None:
    voice = VoiceAnswers(Engine(), Mic(), None, tmp_path)
    voice.say("Why?", PlainView(io.StringIO()))
    assert voice.tts is None and voice.stt_model == "faster-whisper/base" and voice.spoken(None)


# -- the command ------------------------------------------------------------------------------------------


def test_tts_without_voice_and_voice_with_audio_in_are_one_line_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["interview", "-q", "cnn-explained", "--no-llm", "--tts", "none"])
    assert result.exit_code == 1 and "--tts reads the questions of a spoken interview; add --voice" in result.output
    wav = tmp_path / "a.wav"
    wav.write_bytes(silent_wav())
    result = runner.invoke(app, ["interview", "-q", "cnn-explained", "--no-llm", "--voice", "--audio-in", str(wav)])
    assert result.exit_code == 1 and "choose one" in result.output and "Traceback" not in result.output


def test_voice_without_the_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails as if the extra were missing
    result = runner.invoke(app, ["interview", "-q", "cnn-explained", "--no-llm", "--voice", "--tts", "none"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "pip install 'mockint[voice]'" in result.output and len(result.output.strip().splitlines()) == 1


def test_voice_without_a_microphone_types_the_answers_through_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockint.speech import microphone

    def no_device(self: object) -> None:
        raise SpeechError("no microphone found (PortAudio: Error querying device -1)", "no_device")

    monkeypatch.setattr(microphone.Microphone, "check", no_device)
    with FakeSpeech(text=CNN) as server:
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)
        args = ["interview", "-q", "cnn-explained", "--no-llm", "--no-followup", "--voice", "--tts", "none"]
        result = runner.invoke(app, args, input=CNN + "\n.\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("no microphone found") == 1 and "Score 0.50 (deterministic)" in result.output
    assert not server.requests  # nothing was recorded, so nothing was transcribed


@pytest.mark.parametrize(
    ("tts", "env", "message"),
    [
        ("openai", {}, "--tts openai needs a speech server: set MOCKINT_TTS_BASE_URL"),
        ("piper", {"MOCKINT_PIPER_VOICE": "/nowhere/voice.onnx"}, "MOCKINT_PIPER_VOICE=/nowhere/voice.onnx: no such"),
    ],
)
def test_a_tts_engine_that_cannot_work_is_one_line_before_the_first_question(
    monkeypatch: pytest.MonkeyPatch, tts: str, env: dict[str, str], message: str
) -> None:
    from mockint.speech import microphone

    monkeypatch.setattr(microphone.Microphone, "check", lambda self: None)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["interview", "-q", "cnn-explained", "--no-llm", "--voice", "--tts", tts])
    assert result.exit_code == 1 and message in result.output
    assert "Question 1/1" not in result.output and "Traceback" not in result.output


class Interrupted(ScriptedLines):
    """Lines that end in Ctrl-C."""

    def readline(self, prompt: str) -> str | None:
        line = super().readline(prompt)
        if line is None:
            raise KeyboardInterrupt
        return line


class Watched(Mic):
    """A microphone that counts the takes stopped."""

    stopped = 0

    def start(self, out: Path, level: Level | None = None) -> Take:
        take = super().start(out, level)
        stop = take.stop

        def counted() -> float:
            self.stopped += 1
            return stop()

        take.stop = counted  # type: ignore[method-assign]
        return take


@pytest.mark.parametrize(("lines", "status", "kept"), [([], None, None), ([""], "unfinished", CNN)])
def test_ctrl_c_while_recording_or_reviewing_stops_the_microphone_and_keeps_the_session(
    tmp_path: Path, lines: list[str], status: str | None, kept: str | None
) -> None:
    mic = Watched()
    folder = tmp_path / "voice"
    folder.mkdir()
    voice = open_voice(home=tmp_path, folder=folder, transcriber=Engine(heard(CNN)), recorder=mic, speaker=Reader())
    voice._play = lambda path: None  # type: ignore[assignment]
    store = HistoryStore(tmp_path / "h.db")
    session = Interviewer(store, PlainView(io.StringIO()), Interrupted(lines), followup=False, audio=voice)
    result = session.run([load_rubrics()["cnn-explained"]])
    answers = store.get_session(result.session_id).answers
    store.close()
    assert result.status == "interrupted" and mic.stopped == 1
    assert [(a.status, a.answer) for a in answers] == ([(status, kept)] if status else [])
