"""The transcript record and the prompt given to speech engines."""

from __future__ import annotations

from mockint.speech.transcript import Transcript, Word, transcription_prompt, words_text


def test_the_prompt_is_the_question_then_the_new_terms() -> None:
    prompt = transcription_prompt("What is   reranking?", ["reranking?", "Cross-encoder", "cross-encoder", " BM25 "])
    assert prompt == "What is reranking? Cross-encoder, BM25."


def test_terms_that_do_not_fit_are_left_out_whole() -> None:
    # "Q? alpha, beta." is 15 characters.
    assert transcription_prompt("Q?", ["alpha", "beta", "gamma"], limit=15) == "Q? alpha, beta."
    assert transcription_prompt("Q?", ["alpha", "beta", "gamma"], limit=14) == "Q? alpha."
    assert transcription_prompt("Q?", ["alpha", "beta"], limit=9) == "Q? alpha."
    assert transcription_prompt("Q?", ["alphabet"], limit=5) == "Q?"


def test_stt_model_names_engine_and_model() -> None:
    transcript = Transcript("hi", engine="openai", model="whisper-1")
    assert transcript.stt_model == "openai/whisper-1"
    assert words_text([Word(" hi", 0, 1), Word(" ", 1, 1), Word("there", 1, 2)]) == "hi there"
