"""Spoken clips for tests and benchmarks, synthesised with espeak-ng (skipped where it is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CLIPS = {
    "cache": (
        "en",
        "A cache keeps frequently used data close to where it is needed, so reads are faster. "
        "The hard part is invalidation: deciding when cached data is stale.",
    ),
    "overfitting": (
        "en",
        "Overfitting means the model learns the noise in the training data. It scores well on training examples "
        "but badly on new ones. Regularization, more data and early stopping help.",
    ),
    "ab-test": (
        "en",
        "Before the test we fix a significance level of five percent and the sample size. "
        "We do not stop the experiment the moment the p value drops below the threshold.",
    ),
}


def espeak(text: str, out: Path, *, voice: str = "en", words_per_minute: int = 160) -> Path:
    """Synthesise ``text`` to the WAV file ``out`` with espeak-ng; skip the test when espeak-ng is missing.

    espeak-ng exits 0 even without a sound device; writing to a file (``-w``) needs none.
    """
    binary = shutil.which("espeak-ng")
    if binary is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    subprocess.run(
        [binary, "-v", voice, "-s", str(words_per_minute), "-w", str(out), text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return out


def pad_with_silence(clip: Path, out: Path, seconds: float) -> Path:
    """Write ``clip`` followed by ``seconds`` of silence to ``out`` (same format); return ``out``."""
    import wave

    with wave.open(str(clip), "rb") as source:
        params = source.getparams()
        frames = source.readframes(source.getnframes())
    with wave.open(str(out), "wb") as target:
        target.setparams(params)
        target.writeframes(frames + b"\0" * (params.sampwidth * params.nchannels * int(seconds * params.framerate)))
    return out
