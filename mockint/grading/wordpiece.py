"""BERT's uncased tokenizer (BasicTokenizer + WordPiece) for the meaning layer, stdlib only.

Written from the model's own ``vocab.txt``, as in transformers' ``BertTokenizer`` (uncased): the token ids
equal transformers' on the texts checked in ``tests/grading/test_semantic.py``.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

# The model was trained on 128-token inputs; key points and answer sentences are far shorter, so the cap
# costs no meaning and bounds the attention cost of a pasted wall of text.
MAX_TOKENS = 128


# ---------------------------------------------------------------------------------------------------------
# Tokenizer: BERT's BasicTokenizer + WordPiece, as in transformers' BertTokenizer (uncased)
# ---------------------------------------------------------------------------------------------------------


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    # BERT counts tab, newline and carriage return as whitespace, not control characters.
    if char in "\t\n\r":
        return False
    return unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    # ASCII symbols such as "$", "^" and "`" are not Unicode punctuation, but BERT splits on them too.
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class WordPieceTokenizer:
    """The uncased BERT tokenizer: clean, lowercase, strip accents, split on punctuation, then WordPiece.

    Args:
        vocab: The vocabulary in id order (the lines of ``vocab.txt``).
        max_chars_per_word: Longer words become ``[UNK]`` whole, as in BERT.
    """

    def __init__(self, vocab: Sequence[str], *, max_chars_per_word: int = 100) -> None:
        self.vocab: dict[str, int] = {}
        for index, token in enumerate(vocab):
            self.vocab.setdefault(token, index)
        for special in ("[UNK]", "[CLS]", "[SEP]", "[PAD]"):
            if special not in self.vocab:
                raise ValueError(f"vocabulary has no {special} token")
        self.unk_id = self.vocab["[UNK]"]
        self.cls_id = self.vocab["[CLS]"]
        self.sep_id = self.vocab["[SEP]"]
        self.pad_id = self.vocab["[PAD]"]
        self.max_chars_per_word = max_chars_per_word
        self._inverse = {index: token for token, index in self.vocab.items()}
        # Words recur across answers; the bound keeps a stream of unusual words from growing it forever.
        self._word_ids: dict[str, tuple[int, ...]] = {}
        self._word_lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path) -> WordPieceTokenizer:
        """Read a ``vocab.txt`` (one token a line, the line number is the id)."""
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls([line.rstrip("\r") for line in lines])

    def basic_tokens(self, text: str) -> list[str]:
        """Split text into lowercased, accent-free words and punctuation marks (BERT's BasicTokenizer)."""
        cleaned: list[str] = []
        for char in text:
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD or _is_control(char):
                continue
            if _is_whitespace(char):
                cleaned.append(" ")
            elif _is_cjk(cp):
                cleaned.append(f" {char} ")
            else:
                cleaned.append(char)
        tokens: list[str] = []
        for word in unicodedata.normalize("NFC", "".join(cleaned)).split():
            word = unicodedata.normalize("NFD", word.lower())
            word = "".join(char for char in word if unicodedata.category(char) != "Mn")
            start = 0
            for index, char in enumerate(word):
                if _is_punctuation(char):
                    if start < index:
                        tokens.append(word[start:index])
                    tokens.append(char)
                    start = index + 1
            if start < len(word):
                tokens.append(word[start:])
        return tokens

    def _word_piece(self, word: str) -> tuple[int, ...]:
        cached = self._word_ids.get(word)
        if cached is not None:
            return cached
        ids: tuple[int, ...]
        if len(word) > self.max_chars_per_word:
            ids = (self.unk_id,)
        else:
            pieces: list[int] = []
            start = 0
            while start < len(word):
                end = len(word)
                found: int | None = None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.vocab.get(piece)
                    if found is not None:
                        break
                    end -= 1
                if found is None:
                    # BERT gives up on the whole word, not just the unmatched rest.
                    pieces = [self.unk_id]
                    break
                pieces.append(found)
                start = end
            ids = tuple(pieces)
        with self._word_lock:
            if len(self._word_ids) >= 100_000:
                self._word_ids.clear()
            self._word_ids[word] = ids
        return ids

    def token_ids(self, text: str) -> list[int]:
        """WordPiece ids of the text, without ``[CLS]``/``[SEP]`` and without truncation."""
        ids: list[int] = []
        for word in self.basic_tokens(text):
            ids.extend(self._word_piece(word))
        return ids

    def tokenize(self, text: str) -> list[str]:
        """WordPiece tokens of the text (``##`` marks a continuation), without special tokens."""
        return [self._inverse[index] for index in self.token_ids(text)]

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """Model input ids: ``[CLS]``, the text's ids cut to fit, ``[SEP]``; at most ``max_tokens`` in all."""
        if max_tokens < 2:
            raise ValueError("max_tokens must leave room for [CLS] and [SEP]")
        return [self.cls_id, *self.token_ids(text)[: max_tokens - 2], self.sep_id]
