"""Speech settings from the environment: which speech-to-text engine, the speech server's URL, key and model
(``MOCKINT_STT_*``), and the text-to-speech server that reads questions aloud (``MOCKINT_TTS_*``).

A speech server has its own settings so that a text-only judge (a local llama.cpp) and a speech server (a
faster-whisper-server, vLLM, LocalAI or OpenAI's ``whisper-1``) can live apart; each one defaults to the judge's
(``OPENAI_BASE_URL``, ``OPENAI_API_KEY``), since one OpenAI account or one vLLM often serves both.

The key is held as a ``SecretStr`` so that no repr, log line or error message can show it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from mockint.config import LOCAL_PLACEHOLDER_KEY, load_settings
from mockint.errors import ConfigError

__all__ = [
    "DEFAULT_STT_MODEL",
    "DEFAULT_TTS_MODEL",
    "DEFAULT_TTS_VOICE",
    "Engine",
    "SttSettings",
    "TtsSettings",
    "load_stt_settings",
    "load_tts_settings",
]

DEFAULT_STT_MODEL = "whisper-1"
"""OpenAI's name for its Whisper endpoint; faster-whisper-server and LocalAI take it too."""
DEFAULT_TTS_MODEL = "tts-1"
"""OpenAI's text-to-speech model; LocalAI and openedai-speech take the name too."""
DEFAULT_TTS_VOICE = "alloy"
"""One of OpenAI's voices (``alloy``, ``echo``, ``nova`` ...)."""

Engine = Literal["openai", "local"]


class _SpeechServer(BaseModel):
    """What both speech servers' settings hold: where the server is, its key, and the judge's HTTP limits."""

    model_config = ConfigDict(frozen=True)

    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout: float
    max_attempts: int

    def key_for_client(self) -> str:
        """The key to hand to the SDK: the real one, or a placeholder for a keyless local server."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        return LOCAL_PLACEHOLDER_KEY


class SttSettings(_SpeechServer):
    """How recordings are transcribed.

    Attributes:
        engine: ``openai`` (a speech server) or ``local`` (faster-whisper, the ``voice`` extra):
            ``MOCKINT_STT_ENGINE``, else ``openai`` when a server is configured, else ``local``.
        base_url: ``MOCKINT_STT_BASE_URL``, else ``OPENAI_BASE_URL``; ``None`` for OpenAI.
        api_key: ``MOCKINT_STT_API_KEY``, else ``OPENAI_API_KEY``; never printed.
        model: ``MOCKINT_STT_MODEL``, else ``whisper-1``.
        timeout: Seconds for one HTTP request (``MOCKINT_TIMEOUT``, as for the judge).
        max_attempts: HTTP attempts per recording, retries included (``MOCKINT_MAX_ATTEMPTS``).
    """

    engine: Engine
    model: str = DEFAULT_STT_MODEL


def _first(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _base_url(env: Mapping[str, str], *names: str) -> str | None:
    """The first of ``names`` that is set, checked to be an ``http(s)://`` URL (the error names that variable)."""
    source = next((name for name in names if env.get(name, "").strip()), None)
    if source is None:
        return None
    base_url = env[source].strip()
    if not base_url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"{source} must start with http:// or https://; set e.g. {source}=http://localhost:8000/v1")
    return base_url


def load_stt_settings(env: Mapping[str, str] | None = None) -> SttSettings:
    """Read the speech-to-text settings.

    Args:
        env: The environment to read (``os.environ`` by default).

    Returns:
        The settings.

    Raises:
        ConfigError: A variable is invalid (an unknown engine, a URL that is not ``http(s)://``, the server
            engine with no server configured, or a numeric variable shared with the judge).
    """
    env = os.environ if env is None else env
    shared = load_settings(env=env)
    base_url = _base_url(env, "MOCKINT_STT_BASE_URL", "OPENAI_BASE_URL")
    key = _first(env, "MOCKINT_STT_API_KEY", "OPENAI_API_KEY")
    chosen = (env.get("MOCKINT_STT_ENGINE", "").strip().lower()) or None
    if chosen is not None and chosen not in ("openai", "local"):
        raise ConfigError(
            f"MOCKINT_STT_ENGINE={chosen!r} is not an engine; set it to openai (a speech server) or local "
            "(faster-whisper, pip install 'mockint[voice]')"
        )
    configured = base_url is not None or key is not None
    if chosen == "openai" and not configured:
        raise ConfigError(
            "MOCKINT_STT_ENGINE=openai needs a speech server: set MOCKINT_STT_BASE_URL (or OPENAI_BASE_URL) or "
            "MOCKINT_STT_API_KEY (or OPENAI_API_KEY)"
        )
    engine: Engine = "openai" if chosen == "openai" or (chosen is None and configured) else "local"
    return SttSettings(
        engine=engine,
        base_url=base_url,
        api_key=SecretStr(key) if key is not None else None,
        model=_first(env, "MOCKINT_STT_MODEL") or DEFAULT_STT_MODEL,
        timeout=shared.timeout,
        max_attempts=shared.max_attempts,
    )


class TtsSettings(_SpeechServer):
    """The OpenAI-compatible ``audio/speech`` server that reads questions aloud (``mockint interview --tts openai``).

    Attributes:
        base_url: ``MOCKINT_TTS_BASE_URL``, else ``MOCKINT_STT_BASE_URL``, else ``OPENAI_BASE_URL``; ``None`` for
            OpenAI.
        api_key: ``MOCKINT_TTS_API_KEY``, else ``MOCKINT_STT_API_KEY``, else ``OPENAI_API_KEY``; never printed.
        model: ``MOCKINT_TTS_MODEL``, else ``tts-1``.
        voice: ``MOCKINT_TTS_VOICE``, else ``alloy``.
        timeout: Seconds for one HTTP request (``MOCKINT_TIMEOUT``).
        max_attempts: HTTP attempts per question, retries included (``MOCKINT_MAX_ATTEMPTS``).
    """

    model: str = DEFAULT_TTS_MODEL
    voice: str = DEFAULT_TTS_VOICE


def load_tts_settings(env: Mapping[str, str] | None = None) -> TtsSettings:
    """Read the text-to-speech server's settings (each defaults to the speech server's, then the judge's).

    Args:
        env: The environment to read (``os.environ`` by default).

    Returns:
        The settings.

    Raises:
        ConfigError: No server is configured at all (no URL and no key), a URL is not ``http(s)://``, or a numeric
            variable shared with the judge is invalid.
    """
    env = os.environ if env is None else env
    shared = load_settings(env=env)
    base_url = _base_url(env, "MOCKINT_TTS_BASE_URL", "MOCKINT_STT_BASE_URL", "OPENAI_BASE_URL")
    key = _first(env, "MOCKINT_TTS_API_KEY", "MOCKINT_STT_API_KEY", "OPENAI_API_KEY")
    if base_url is None and key is None:
        raise ConfigError(
            "--tts openai needs a speech server: set MOCKINT_TTS_BASE_URL (e.g. http://localhost:8000/v1) or "
            "MOCKINT_TTS_API_KEY (OpenAI), or choose --tts espeak"
        )
    return TtsSettings(
        base_url=base_url,
        api_key=SecretStr(key) if key is not None else None,
        model=_first(env, "MOCKINT_TTS_MODEL") or DEFAULT_TTS_MODEL,
        voice=_first(env, "MOCKINT_TTS_VOICE") or DEFAULT_TTS_VOICE,
        timeout=shared.timeout,
        max_attempts=shared.max_attempts,
    )
