"""Recorded answers in answers files: ``audio`` instead of ``answer``, transcribed by a speech server, then graded."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_speech import FakeSpeech, write_silent_wav

from mockint.batch import grade_files, read_answers
from mockint.batch.audio import AudioAnswers
from mockint.config import load_settings
from mockint.rubrics import load_rubrics

STRONG = next(example.answer for example in load_rubrics()["cnn-explained"].examples if example.label == "strong")


def grade(answers: Path) -> tuple[list[dict[str, object]], list[str]]:
    stream, errors = io.StringIO(), []
    grade_files([answers], settings=load_settings(no_llm=True), stdout=stream, error=errors.append)
    return [json.loads(line) for line in stream.getvalue().splitlines()], errors


@pytest.fixture
def speech_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSpeech]:
    with FakeSpeech(text=STRONG) as server:
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)
        monkeypatch.setenv("MOCKINT_STT_API_KEY", "sk-speech-test-0000")
        yield server


def test_a_recording_is_transcribed_then_graded_and_a_missing_one_is_an_error_on_its_line(
    tmp_path: Path, speech_server: FakeSpeech
) -> None:
    (tmp_path / "audio").mkdir()
    write_silent_wav(tmp_path / "audio" / "one.wav")
    answers = tmp_path / "answers.jsonl"
    answers.write_text(
        '{"id": "1", "question_id": "cnn-explained", "audio": "audio/one.wav"}\n'
        '{"id": "2", "question_id": "cnn-explained", "audio": "audio/two.wav"}\n'
        '{"id": "3", "question_id": "cnn-explained", "answer": "A CNN slides learned filters."}\n',
        encoding="utf-8",
    )
    grades, errors = grade(answers)
    first, second, third = grades
    assert first["error"] is None and first["score"] == 1.0
    assert first["extra"] == {"audio": "audio/one.wav", "transcript": STRONG, "stt_model": "openai/whisper-1"}
    expected = (
        f"{answers}:2: audio: {tmp_path / 'audio' / 'two.wav'}: no such audio file; check the path (relative to the "
        "answers file)"
    )
    assert second["error"] == expected and second["score"] is None and second["id"] == "2"
    assert errors == [expected]
    assert third["error"] is None and "transcript" not in third["extra"]
    (request,) = speech_server.requests  # one recording sent; the missing one never was
    assert request.file_bytes == (tmp_path / "audio" / "one.wav").read_bytes()


def test_a_csv_of_recordings_needs_no_answer_column(tmp_path: Path, speech_server: FakeSpeech) -> None:
    write_silent_wav(tmp_path / "a.wav")
    answers = tmp_path / "answers.csv"
    answers.write_text("id,question_id,audio\n1,cnn-explained,a.wav\n", encoding="utf-8")
    (graded,), errors = grade(answers)
    assert errors == [] and graded["extra"]["transcript"] == STRONG  # type: ignore[index]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"id": "1", "question_id": "cnn-explained", "audio": "a.wav", "answer": "text"}',
            "give either answer or audio, not both; drop one of them",
        ),
        (
            '{"id": "1", "question_id": "cnn-explained", "audio": ["a.wav"]}',
            "audio: must be a path to the recording, relative to the answers file",
        ),
        (
            '{"id": "1", "question_id": "cnn-explained", "audio": "broken.wav"}',
            "audio: {dir}/broken.wav: not a readable",
        ),
    ],
)
def test_bad_audio_records_are_one_line_errors(
    tmp_path: Path, speech_server: FakeSpeech, line: str, message: str
) -> None:
    write_silent_wav(tmp_path / "a.wav")
    (tmp_path / "broken.wav").write_bytes(b"RIFF but no wave")
    answers = tmp_path / "answers.jsonl"
    answers.write_text(line + "\n", encoding="utf-8")
    (graded,), errors = grade(answers)
    assert errors == [graded["error"]]
    assert str(graded["error"]).startswith(f"{answers}:1: " + message.format(dir=tmp_path))
    assert speech_server.requests == []


def test_a_silent_recording_is_never_graded_as_an_empty_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_silent_wav(tmp_path / "a.wav")
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "1", "question_id": "cnn-explained", "audio": "a.wav"}\n', encoding="utf-8")
    with FakeSpeech(text="   ") as server:
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)
        (graded,), _ = grade(answers)
    assert graded["error"] == (
        f"{answers}:1: audio: {tmp_path / 'a.wav'}: nothing was heard in the recording; check that it holds the "
        "answer (and is not muted)"
    )


def test_text_answers_never_build_a_speech_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An invalid speech setting would fail the engine's construction; text answers must not notice it.
    monkeypatch.setenv("MOCKINT_STT_ENGINE", "nonsense")
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "1", "question_id": "cnn-explained", "answer": "filters slide"}\n', encoding="utf-8")
    audio = AudioAnswers()
    (record,) = read_answers(answers, audio=audio)
    assert record.error is None
    answers.write_text('{"id": "1", "question_id": "cnn-explained", "audio": "a.wav"}\n', encoding="utf-8")
    (record,) = read_answers(answers, audio=audio)
    assert record.error == f"{answers}:1: audio: MOCKINT_STT_ENGINE='nonsense' is not an engine; set it to openai " + (
        "(a speech server) or local (faster-whisper, pip install 'mockint[voice]')"
    )
