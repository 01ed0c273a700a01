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
from mockint.speech.transcript import Transcript, Word

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


# -- top-level fields, concurrency, the transcript cache ---------------------------------------------------------


def recordings(folder: Path, count: int) -> Path:
    """``count`` recordings (each different) and a JSONL answers file of them; returns the file."""
    lines = []
    for number in range(1, count + 1):
        write_silent_wav(folder / f"a{number}.wav", seconds=0.1 * number)
        lines.append(json.dumps({"id": str(number), "question_id": "cnn-explained", "audio": f"a{number}.wav"}))
    answers = folder / "answers.jsonl"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return answers


def test_the_output_line_has_transcript_and_stt_model_at_the_top_and_the_question_as_prompt(
    tmp_path: Path, speech_server: FakeSpeech
) -> None:
    (graded,), errors = grade(recordings(tmp_path, 1))
    assert errors == [] and graded["transcript"] == STRONG and graded["stt_model"] == "openai/whisper-1"
    assert graded["extra"]["transcript"] == STRONG  # type: ignore[index]  # kept where it was, too
    (request,) = speech_server.requests
    assert str(request.fields["prompt"]).startswith("Explain what a convolutional neural network is")


def test_a_text_answer_gains_no_speech_fields(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "1", "question_id": "cnn-explained", "answer": "filters slide"}\n', encoding="utf-8")
    (graded,), _ = grade(answers)
    assert "transcript" not in graded and "stt_model" not in graded and "speech" not in graded


class Gathering:
    """A Transcriber whose calls only return once ``together`` of them are in flight at the same time."""

    engine = "fake"
    model = "together"

    def __init__(self, together: int) -> None:
        import threading

        self.barrier = threading.Barrier(together, timeout=10)
        self.lock = threading.Lock()
        self.calls: list[str] = []

    def transcribe(self, audio: Path, *, language: str | None = None, prompt: str | None = None) -> Transcript:
        with self.lock:
            self.calls.append(audio.name)
        self.barrier.wait()  # BrokenBarrierError (a failed test) if the recordings were transcribed one by one
        return Transcript(f"heard {audio.stem}", "fake", "together")


def test_recordings_are_transcribed_concurrently_and_the_records_stay_in_input_order(tmp_path: Path) -> None:
    answers = recordings(tmp_path, 8)
    engine = Gathering(4)
    records = list(read_answers(answers, audio=AudioAnswers(engine, workers=4)))
    assert [record.answer.answer for record in records if record.answer] == [f"heard a{n}" for n in range(1, 9)]
    assert sorted(engine.calls) == sorted(f"a{n}.wav" for n in range(1, 9))


def test_a_missing_recording_among_concurrent_ones_is_an_error_on_its_own_line(tmp_path: Path) -> None:
    answers = recordings(tmp_path, 4)
    (tmp_path / "a2.wav").unlink()
    engine = Gathering(3)
    records = list(read_answers(answers, audio=AudioAnswers(engine, workers=4)))
    assert [r.error is None for r in records] == [True, False, True, True]
    assert str(records[1].error).startswith(f"{answers}:2: audio: {tmp_path / 'a2.wav'}: no such audio file")


def test_grade_transcribes_with_c_workers_and_caches_transcripts_in_mockint_home(
    tmp_path: Path, speech_server: FakeSpeech
) -> None:
    answers = recordings(tmp_path, 3)
    stream = io.StringIO()
    grade_files([answers], settings=load_settings(no_llm=True), stdout=stream, concurrency=3)
    first = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [g["id"] for g in first] == ["1", "2", "3"] and all(g["transcript"] == STRONG for g in first)
    assert len(speech_server.requests) == 3
    assert len(list((load_settings().home / "transcripts").rglob("*.json"))) == 3
    again, _ = grade(answers)  # the same recordings, engine, model and prompt: from the cache
    assert [g["transcript"] for g in again] == [STRONG] * 3 and len(speech_server.requests) == 3
    grade_files([answers], settings=load_settings(no_llm=True), stdout=io.StringIO(), use_cache=False)
    assert len(speech_server.requests) == 6  # --no-cache transcribes again


def test_the_cache_key_is_the_audio_the_engine_the_model_the_prompt_and_the_language(tmp_path: Path) -> None:
    from mockint.speech.cache import TranscriptCache, transcript_key

    base = transcript_key("ab" * 32, "openai", "whisper-1", "What is a CNN?", None)
    assert base == transcript_key("ab" * 32, "openai", "whisper-1", "What is a CNN?", None)
    others = [
        transcript_key("cd" * 32, "openai", "whisper-1", "What is a CNN?", None),
        transcript_key("ab" * 32, "faster-whisper", "whisper-1", "What is a CNN?", None),
        transcript_key("ab" * 32, "openai", "base", "What is a CNN?", None),
        transcript_key("ab" * 32, "openai", "whisper-1", "What is a cache?", None),
        transcript_key("ab" * 32, "openai", "whisper-1", "What is a CNN?", "en"),
    ]
    assert base not in others and len(set(others)) == len(others)
    cache = TranscriptCache(tmp_path / "transcripts")
    kept = Transcript("A CNN.", "openai", "whisper-1", "en", 1.5, (Word("A", 0.0, 0.2), Word("CNN.", 0.3, 0.8)))
    assert cache.get(base) is None
    cache.put(base, kept)
    assert cache.get(base) == kept and (cache.stats.hits, cache.stats.misses) == (1, 1)
    next((tmp_path / "transcripts").rglob("*.json")).write_text("{not json", encoding="utf-8")
    assert cache.get(base) is None  # a damaged entry is a miss


# -- how it was said: the speech figures -----------------------------------------------------------------------

SAID = "Um, a CNN slides learned filters over the image, you know, and uh pooling shrinks it."
# 16 words: 8 from 0.0 s to 1.5 s, a silence of 2.5 s after "the", 8 more from 4.0 s to 8.0 s.
SAID_WORDS = [
    *((word, 0.2 * n, 0.2 * n + 0.1) for n, word in enumerate("Um, a CNN slides learned filters over the".split())),
    *((word, 4.0 + 0.5 * n, 4.0 + 0.5 * n + 0.4) for n, word in enumerate("image, you know, and uh pooling".split())),
    ("shrinks", 7.0, 7.4),
    ("it.", 7.5, 8.0),
]


def said(folder: Path, seconds: float = 9.0) -> Path:
    write_silent_wav(folder / "a.wav", seconds=seconds)
    answers = folder / "answers.jsonl"
    answers.write_text('{"id": "1", "question_id": "cnn-explained", "audio": "a.wav"}\n', encoding="utf-8")
    return answers


def test_a_recorded_answer_has_the_speech_figures_and_a_warm_cache_gives_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = said(tmp_path)
    with FakeSpeech(text=SAID, words=SAID_WORDS, duration=9.0) as server:
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)
        (graded,), errors = grade(answers)
        (again,), _ = grade(answers)
        assert len(server.requests) == 1  # the second run's transcript came from MOCKINT_HOME/transcripts
    assert errors == [] and graded["transcript"] == SAID
    speech = graded["speech"]
    assert isinstance(speech, dict)
    # By hand: 16 words from the first word's start (0.0 s) to the last one's end (8.0 s) is 120 per minute;
    # "Um", "you know" (no object) and "uh" are 3 fillers, 18.75 per 100 words; one silence of 2.5 s.
    assert {key: value for key, value in speech.items() if key != "advice"} == {
        "seconds": 8.0,
        "time_limit": None,
        "words": 16,
        "wpm": 120.0,
        "fillers": {"um": 1, "uh": 1, "you know": 1},
        "filler_count": 3,
        "filler_rate": 18.8,
        "long_pauses": 1,
        "longest_pause": 2.5,
        "timestamps": True,
    }
    assert len(speech["advice"]) == 4 and speech["advice"][3].startswith("Pauses: 1 pause of 2 s or more")
    assert "speech" not in graded["extra"]  # type: ignore[operator]  # top-level only
    assert again["speech"] == speech  # the cached transcript keeps the duration and the word timestamps


def test_without_word_timestamps_the_pause_figures_are_left_out_and_the_recording_length_is_the_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = said(tmp_path, seconds=4.0)
    with FakeSpeech(text=SAID, words=SAID_WORDS, verbose=False) as server:  # a json-only server (vLLM)
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)
        (graded,), errors = grade(answers)
    speech = graded["speech"]
    assert errors == [] and isinstance(speech, dict)
    assert (speech["seconds"], speech["wpm"], speech["filler_count"]) == (4.0, 240.0, 3)  # 16 words in 4 s
    assert speech["timestamps"] is False and "long_pauses" not in speech and "longest_pause" not in speech


def test_the_csv_has_the_speech_columns_and_md_a_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    answers = said(tmp_path)
    with answers.open("a", encoding="utf-8") as more:
        more.write('{"id": "2", "question_id": "cnn-explained", "answer": "A CNN slides learned filters."}\n')
    outputs = {}
    with FakeSpeech(text=SAID, words=SAID_WORDS) as server:
        monkeypatch.setenv("MOCKINT_STT_BASE_URL", server.base_url)
        for fmt in ("csv", "md", "gradebook"):
            stream = io.StringIO()
            grade_files([answers], settings=load_settings(no_llm=True), output_format=fmt, stdout=stream)
            outputs[fmt] = stream.getvalue()
    recorded, typed = csv.DictReader(io.StringIO(outputs["csv"]))
    columns = ["speech_seconds", "speech_wpm", "speech_fillers", "speech_long_pauses"]
    assert [recorded[name] for name in columns] == ["8.0", "120.0", "3", "1"]
    assert [typed[name] for name in columns] == ["", "", "", ""] and "speech" not in recorded
    assert recorded["transcript"] == SAID and recorded["other_columns"] == ""
    assert "How it was said: 0:08 · 120 wpm · 3 filler words · 1 long pause (openai/whisper-1)" in outputs["md"]
    (book,) = [row for row in csv.DictReader(io.StringIO(outputs["gradebook"])) if row["id"] == "1"]
    assert [book[name] for name in columns] == ["8.0", "120.0", "3", "1"]
