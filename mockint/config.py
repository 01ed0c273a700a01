"""Settings from command-line flags and the environment.

The API key is held as a ``SecretStr`` so that no repr, log line or error message can show it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from mockint.errors import ConfigError
from mockint.files import DEFAULT_MAX_ANSWER_CHARS, env_limit

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_MAX_REPLY_BYTES = 1_000_000
"""Largest judge reply accepted, in UTF-8 bytes of its text: about fifty times a reply that quotes a long answer
for every key point, and small enough that a runaway reply (a model repeating itself) is not parsed or cached."""
# Kept equal to mockint.judge.transport.DEFAULT_RATE_LIMIT_PATIENCE and mockint.judge.circuit.DEFAULT_COOLDOWN
# (config must not import the judge package; a test checks they agree).
DEFAULT_RATE_LIMIT_PATIENCE = 300.0
DEFAULT_BREAKER_COOLDOWN = 30.0
DEFAULT_SAMPLES_TEMPERATURE = 0.7
"""Temperature of ``--samples``: high enough that a model's doubts show as different verdicts, low enough that
each sample is still a careful grade (OpenAI's and most servers' default is 1.0)."""
MAX_SAMPLES = 20
# A local server (Ollama, llama.cpp, vLLM, LM Studio) ignores the key, but the openai SDK insists on one.
LOCAL_PLACEHOLDER_KEY = "not-needed"


class Settings(BaseModel):
    """Everything that decides whether and how the LLM judge is called.

    Attributes:
        api_key: ``OPENAI_API_KEY``; never printed.
        base_url: ``OPENAI_BASE_URL``; an OpenAI-compatible server (a local one needs no key).
        model: ``--model`` or ``MOCKINT_MODEL``.
        use_llm: False with ``--no-llm``, or when neither a key nor a base URL is set.
        llm_reason: Why the LLM is off, for the one-time notice.
        timeout: Seconds for one HTTP request to the judge (``MOCKINT_TIMEOUT``).
        max_attempts: HTTP attempts per judge request, retries included (``MOCKINT_MAX_ATTEMPTS``); rate
            limits (HTTP 429) spend none of them.
        max_reply_bytes: Largest judge reply accepted, in UTF-8 bytes (``MOCKINT_MAX_REPLY_BYTES``); a larger
            one is an invalid reply, never cached.
        rate_limit_patience: Seconds of rate limiting an answer waits out before it is graded
            deterministically (``--rate-limit-patience``, ``MOCKINT_RATE_LIMIT_PATIENCE``).
        breaker_cooldown: Seconds the circuit breaker stays open before it sends one probe
            (``MOCKINT_BREAKER_COOLDOWN``).
        home: ``MOCKINT_HOME``, else the platform's user data folder: where mockint keeps its own files.
        max_answer_chars: Longest answer graded (``MOCKINT_MAX_ANSWER_CHARS``, ``--max-answer-chars``); a longer
            one is an error record.
        judge_models: ``--judge-models``: grade each answer with each of these models and vote (``model`` is then
            the first); empty for one judge.
        samples: ``--samples``: ask each judge model this many times, at ``samples_temperature``, and vote.
        samples_temperature: ``--samples-temperature``: the sampling temperature when ``samples`` > 1 (grading with
            one sample is at temperature 0).
    """

    model_config = ConfigDict(frozen=True)

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    use_llm: bool = False
    llm_reason: str = ""
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES
    rate_limit_patience: float = DEFAULT_RATE_LIMIT_PATIENCE
    breaker_cooldown: float = DEFAULT_BREAKER_COOLDOWN
    home: Path
    max_answer_chars: int = DEFAULT_MAX_ANSWER_CHARS
    judge_models: tuple[str, ...] = ()
    samples: int = 1
    samples_temperature: float = DEFAULT_SAMPLES_TEMPERATURE

    def panel(self) -> list[tuple[str, int | None]]:
        """The judges each answer is graded by: ``(model, sample number or None)``, in voting order.

        Returns:
            One ``(model, None)`` for a single judge; each of ``judge_models`` in turn; with ``samples`` > 1, each
            model's samples ``1..samples``.
        """
        models = self.judge_models or (self.model,)
        if self.samples > 1:
            return [(model, sample) for model in models for sample in range(1, self.samples + 1)]
        return [(model, None) for model in models]

    @property
    def several_judges(self) -> bool:
        """Whether each answer is graded by more than one judge (and the verdicts are voted on)."""
        return len(self.panel()) > 1

    def key_for_client(self) -> str:
        """The key to hand to the SDK: the real one, or a placeholder for a keyless local server."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        return LOCAL_PLACEHOLDER_KEY


# Longest wait a setting may ask for: far beyond any sane request, well inside what sockets and locks accept.
_MAX_SECONDS = 86_400.0


def _whole_number(env: Mapping[str, str], name: str, default: int, example: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; set e.g. {name}={example}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1; set e.g. {name}={example}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float, example: str, *, zero: bool = True) -> float:
    """A duration from ``env[name]``: 0 or more seconds (more than 0 unless ``zero``), at most a day."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number; set it to seconds, e.g. {name}={example}") from None
    # float() also takes "nan", "inf" and "1e400"; none of them is a usable number of seconds, and an
    # infinite wait cannot even be handed to a socket or a lock.
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number; set it to seconds, e.g. {name}={example}")
    if value < 0 or (value == 0 and not zero):
        floor = "0 or more" if zero else "greater than 0"
        raise ConfigError(f"{name} must be {floor} seconds; set e.g. {name}={example}")
    if value > _MAX_SECONDS:
        raise ConfigError(f"{name} must be at most {_MAX_SECONDS:g} seconds (a day); set e.g. {name}={example}")
    return value


def _default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("mockint", appauthor=False))


def load_settings(
    *,
    model: str | None = None,
    no_llm: bool = False,
    rate_limit_patience: float | None = None,
    env: Mapping[str, str] | None = None,
    judge_models: str | None = None,
    samples: int = 1,
    samples_temperature: float | None = None,
) -> Settings:
    """Build settings from flags, falling back to environment variables.

    Args:
        model: ``--model``; overrides ``MOCKINT_MODEL``.
        no_llm: ``--no-llm``: never call a judge.
        rate_limit_patience: ``--rate-limit-patience``; overrides ``MOCKINT_RATE_LIMIT_PATIENCE``.
        env: The environment to read (``os.environ`` by default).
        judge_models: ``--judge-models``: comma-separated models, each grading every answer.
        samples: ``--samples``: requests per answer and model, voted on (1: one request, at temperature 0).
        samples_temperature: ``--samples-temperature``; default :data:`DEFAULT_SAMPLES_TEMPERATURE`.

    Returns:
        The settings; ``use_llm`` says whether a judge will be built.

    Raises:
        ConfigError: ``--model`` was given with ``--no-llm``, several judges were asked for without a server or
            with a contradicting option, or a numeric variable is invalid.
    """
    env = os.environ if env is None else env
    models = _judge_models(judge_models, model=model, no_llm=no_llm, samples=samples, temperature=samples_temperature)

    key_text = env.get("OPENAI_API_KEY", "").strip()
    api_key = SecretStr(key_text) if key_text else None
    base_url = env.get("OPENAI_BASE_URL", "").strip() or None
    chosen_model = (model or env.get("MOCKINT_MODEL", "").strip() or DEFAULT_MODEL).strip()
    if models:
        chosen_model = models[0]
    if model and no_llm:
        raise ConfigError("--model and --no-llm contradict each other; drop one of them")
    if no_llm:
        use_llm, reason = False, "--no-llm given"
    elif api_key is None and base_url is None:
        if models or samples > 1:
            raise ConfigError(
                f"{'--judge-models' if models else '--samples'} needs a server: set OPENAI_BASE_URL (local server) "
                "or OPENAI_API_KEY (OpenAI)"
            )
        if model:
            raise ConfigError(
                f"--model {model} needs a server: set OPENAI_BASE_URL (local server) or OPENAI_API_KEY "
                "(OpenAI), or drop --model"
            )
        use_llm = False
        reason = "no LLM configured (set OPENAI_API_KEY or OPENAI_BASE_URL to use one)"
    else:
        use_llm, reason = True, ""
    home_raw = env.get("MOCKINT_HOME", "").strip()
    return Settings(
        api_key=api_key,
        base_url=base_url,
        model=chosen_model,
        use_llm=use_llm,
        llm_reason=reason,
        timeout=_seconds(env, "MOCKINT_TIMEOUT", DEFAULT_TIMEOUT, "30", zero=False),
        max_attempts=_whole_number(env, "MOCKINT_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS),
        max_reply_bytes=_whole_number(env, "MOCKINT_MAX_REPLY_BYTES", DEFAULT_MAX_REPLY_BYTES, DEFAULT_MAX_REPLY_BYTES),
        rate_limit_patience=(
            rate_limit_patience
            if rate_limit_patience is not None
            else _seconds(env, "MOCKINT_RATE_LIMIT_PATIENCE", DEFAULT_RATE_LIMIT_PATIENCE, "300")
        ),
        breaker_cooldown=_seconds(env, "MOCKINT_BREAKER_COOLDOWN", DEFAULT_BREAKER_COOLDOWN, "30"),
        home=Path(home_raw).expanduser() if home_raw else _default_home(),
        max_answer_chars=env_limit("MOCKINT_MAX_ANSWER_CHARS", DEFAULT_MAX_ANSWER_CHARS, env),
        judge_models=tuple(models) if len(models) > 1 else (),
        samples=samples,
        samples_temperature=DEFAULT_SAMPLES_TEMPERATURE if samples_temperature is None else samples_temperature,
    )


def _judge_models(
    raw: str | None, *, model: str | None, no_llm: bool, samples: int, temperature: float | None
) -> list[str]:
    """The models of ``--judge-models``, checked along with ``--samples`` (one-line errors that say the fix)."""
    if not 1 <= samples <= MAX_SAMPLES:
        raise ConfigError(f"--samples must be 1..{MAX_SAMPLES}, not {samples}; e.g. --samples 3")
    if temperature is not None and not (math.isfinite(temperature) and 0 <= temperature <= 2):
        raise ConfigError(f"--samples-temperature must be 0..2, not {temperature:g}; e.g. --samples-temperature 0.7")
    if temperature is not None and samples == 1:
        raise ConfigError("--samples-temperature sets the temperature of --samples; add e.g. --samples 3")
    if no_llm and (raw is not None or samples > 1):
        raise ConfigError("--judge-models and --samples ask LLM judges; drop them or --no-llm")
    if raw is None:
        return []
    if model:
        raise ConfigError("--model and --judge-models both choose the judge; give the models in --judge-models only")
    models = [name.strip() for name in raw.split(",")]
    if not all(models):
        raise ConfigError(f"--judge-models {raw!r} has an empty name; give models separated by commas, e.g. a,b,c")
    twice = sorted({name for name in models if models.count(name) > 1})
    if twice:
        raise ConfigError(
            f"--judge-models names {', '.join(twice)} more than once; to ask one model several times use --samples"
        )
    return models
