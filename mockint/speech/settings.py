"""Speech-to-text settings from the environment: which engine, and the speech server's URL, key and model.

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

__all__ = ["DEFAULT_STT_MODEL", "Engine", "SttSettings", "load_stt_settings"]

DEFAULT_STT_MODEL = "whisper-1"
"""OpenAI's name for its Whisper endpoint; faster-whisper-server and LocalAI take it too."""

Engine = Literal["openai", "local"]


class SttSettings(BaseModel):
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

    model_config = ConfigDict(frozen=True)

    engine: Engine
    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = DEFAULT_STT_MODEL
    timeout: float
    max_attempts: int

    def key_for_client(self) -> str:
        """The key to hand to the SDK: the real one, or a placeholder for a keyless local server."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        return LOCAL_PLACEHOLDER_KEY


def _first(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


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
    base_url = _first(env, "MOCKINT_STT_BASE_URL", "OPENAI_BASE_URL")
    key = _first(env, "MOCKINT_STT_API_KEY", "OPENAI_API_KEY")
    source = "MOCKINT_STT_BASE_URL" if env.get("MOCKINT_STT_BASE_URL", "").strip() else "OPENAI_BASE_URL"
    if base_url is not None and not base_url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"{source} must start with http:// or https://; set e.g. {source}=http://localhost:8000/v1")
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
