"""The LLM judge: one chat-completions call per answer, validated against the judge reply contract.

This package is the only importer of ``openai`` and ``tenacity``; both are imported when a judge is built or
called, never at import time, and the names below load their modules on first use, so ``mockint --help`` and
deterministic grading do not pay for them.

Modules:

* ``reply``: the reply's JSON schema, lenient parsing and validation, tag neutralising of the answer.
* ``openai_judge``: :class:`OpenAIJudge`: the request body, retries and the re-ask, usage.
* ``ladder``: the structured-output ladder: which ``response_format`` the server takes, found by trying.
* ``rubric_text``: the rubric's key points and mistakes as the judge's prompt shows them.
* ``transport``: the one retry policy, SDK errors as :class:`~mockint.errors.JudgeError`, redaction.
* ``wrappers``: judges around a judge: the circuit breaker, the cache in front.
* ``several``: several judges (models, or samples of one) for each answer, and the arithmetic of their vote.
* ``shared``: identical requests of one run sent once and shared, also while in flight.
* ``circuit``: the breaker's state (closed, open, half-open), shared by the breaker and the judge inside it.
* ``ratelimit``: limits on requests in flight (adapting to 429s) and per minute, shared by a batch's threads.
* ``cache``: validated replies in SQLite.
* ``provider``: the provider's Batch API client and the reading of stored replies.

A failure is never a zero: :meth:`Judge.judge` raises ``JudgeError`` and the caller decides what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from mockint._lazy import lazy_attributes
from mockint.errors import ConfigError

if TYPE_CHECKING:
    from mockint.config import Settings
    from mockint.judge.cache import GradeCache
    from mockint.judge.circuit import BREAKER_THRESHOLD, Circuit
    from mockint.judge.ladder import MODES, Mode
    from mockint.judge.openai_judge import OpenAIJudge, Usage
    from mockint.judge.provider import BatchClient, BatchStatus, completion_content, completion_usage
    from mockint.judge.ratelimit import RequestLimiter
    from mockint.judge.reply import NEUTRAL_GT, NEUTRAL_LT, neutralise_tags, parse_reply, reply_schema
    from mockint.judge.several import MultiJudge
    from mockint.judge.shared import SharedRequestsJudge
    from mockint.judge.transport import retry_after_seconds
    from mockint.judge.wrappers import CachingJudge, CircuitBreakerJudge
    from mockint.models import JudgeResult, Rubric

__all__ = [
    "BREAKER_THRESHOLD",
    "Asker",
    "MODES",
    "NEUTRAL_GT",
    "NEUTRAL_LT",
    "BatchClient",
    "BatchStatus",
    "CachingJudge",
    "Circuit",
    "CircuitBreakerJudge",
    "Judge",
    "JudgeStack",
    "Mode",
    "MultiJudge",
    "OpenAIJudge",
    "SharedRequestsJudge",
    "Usage",
    "build_judge",
    "completion_content",
    "completion_usage",
    "judge_stack",
    "neutralise_tags",
    "parse_reply",
    "reply_schema",
    "retry_after_seconds",
]


T = TypeVar("T")


class Asker(Protocol):
    """A structured LLM call for work other than grading (``OpenAIJudge.ask``): follow-up questions in the
    interview, rubric drafts refined on import. The one protocol for such calls."""

    @property
    def model(self) -> str:
        """The model asked."""
        ...

    def ask(
        self,
        prompt_name: str,
        variables: Mapping[str, str],
        schema: dict[str, Any],
        validate: Callable[[dict[str, Any]], T],
        *,
        label: str = "-",
    ) -> T:
        """Render prompt ``prompt_name``, ask the model, return ``validate(reply)``; ``JudgeError`` on failure."""
        ...


class Judge(Protocol):
    """Anything that can grade one answer against a rubric with an LLM.

    ``judge`` raises :class:`~mockint.errors.JudgeError` on failure; it never returns an empty or zero verdict
    in place of one.
    """

    @property
    def model(self) -> str:
        """The model name the judge asks for."""
        ...

    @property
    def prompt_version(self) -> str:
        """The version of the prompt files in use, e.g. ``"judge@3f2a9c01de"``."""
        ...

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """Grade ``answer`` against ``rubric``.

        Args:
            answer: The candidate's answer text.
            rubric: The rubric to grade against.
            answer_id: The answer's id, to label log lines.

        Returns:
            The validated reply with the model, prompt version and number of HTTP requests.

        Raises:
            JudgeError: The judge could not produce a valid reply; ``reason`` says why.
        """
        ...


def build_judge(
    settings: Settings,
    *,
    limiter: RequestLimiter | None = None,
    circuit: Circuit | None = None,
    model: str | None = None,
    sample: int | None = None,
) -> OpenAIJudge:
    """Build the OpenAI-compatible judge from settings.

    Args:
        settings: Loaded settings; ``use_llm`` must be true.
        limiter: Limits on requests in flight and per minute, shared by the threads of a batch.
        circuit: The circuit breaker's state, shared with the breaker around the judge (see
            :func:`judge_stack`).
        model: The model to ask for; default ``settings.model``.
        sample: Which sample of the model this judge draws (``--samples``): it then asks at
            ``settings.samples_temperature``, and the number is part of its fingerprint; ``None``: temperature 0.

    Returns:
        A judge using ``settings.model``, ``base_url``, key, ``timeout``, ``max_attempts`` and
        ``rate_limit_patience`` and ``max_reply_bytes``.

    Raises:
        ConfigError: The settings turn the LLM off, or the prompt files are missing or malformed.
    """
    if not settings.use_llm:
        raise ConfigError(f"the LLM judge is off ({settings.llm_reason}); grade deterministically instead")
    from mockint.judge.openai_judge import OpenAIJudge

    return OpenAIJudge(
        model or settings.model,
        base_url=settings.base_url,
        api_key=settings.key_for_client(),
        timeout=settings.timeout,
        max_attempts=settings.max_attempts,
        limiter=limiter,
        rate_limit_patience=settings.rate_limit_patience,
        circuit=circuit,
        max_reply_bytes=settings.max_reply_bytes,
        temperature=settings.samples_temperature if sample is not None else 0.0,
        sample=sample,
    )


@dataclass(frozen=True)
class JudgeStack:
    """The judges of one live run, from the one to call down to the one that sends requests.

    Attributes:
        judge: What to grade with: ``shared`` in front of the cache (when on) in front of the breaker in front
            of ``openai_judge``.
        breaker: The circuit breaker, to tell whether and why it opened (its circuit is shared with
            ``openai_judge``, so requests without a response count and in-flight retries stop when it opens).
        openai_judge: The judge that sends the requests, for its usage.
        cache: The reply cache, for its hit and miss counts; ``None`` when it is off.
        shared: Sends identical requests of the run once, for its count of shared ones.
        members: With several judges (``settings.several_judges``): each one's own stack, in voting order;
            ``judge`` is then a :class:`~mockint.judge.several.MultiJudge` over theirs, and ``breaker``,
            ``openai_judge`` and ``shared`` are the first member's. Empty for one judge.
    """

    judge: Judge
    breaker: CircuitBreakerJudge
    openai_judge: OpenAIJudge
    cache: GradeCache | None
    shared: SharedRequestsJudge
    members: tuple[JudgeStack, ...] = ()

    @property
    def parts(self) -> tuple[JudgeStack, ...]:
        """The stacks that send requests: the members, or this stack alone (for usage and counts)."""
        return self.members or (self,)


@contextmanager
def judge_stack(
    settings: Settings,
    *,
    limiter: RequestLimiter | None = None,
    use_cache: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Iterator[JudgeStack]:
    """Build the judge a live run grades with, and close its client and cache when the run ends.

    The breaker half-opens ``settings.breaker_cooldown`` seconds after it opens and sends one probe, so a
    server that comes back is used again in a long batch.

    With several judges (``--judge-models``, ``--samples``) each member gets a stack of its own: its own shared
    requests and cache keys (its model, temperature and sample number are in its fingerprint), and a breaker per
    model (shared by that model's samples); the limiter and the cache file are shared by all.

    Args:
        settings: Loaded settings; ``use_llm`` must be true.
        limiter: Limits on requests in flight and per minute, shared by the threads of a batch.
        use_cache: Put the grade cache (``MOCKINT_HOME/cache.db``) in front of the breaker.
        warn: Called with one-line messages when the cache file was corrupt, cannot be used (the run then goes
            on without it) or turns itself off.

    Yields:
        The stack; its parts stay readable (usage, cache counts) after the ``with`` block.

    Raises:
        ConfigError: The settings turn the LLM off, or the prompt files are missing or malformed.
    """
    from mockint.judge.cache import CACHE_FILE, GradeCache
    from mockint.judge.circuit import Circuit
    from mockint.judge.several import MultiJudge
    from mockint.judge.shared import SharedRequestsJudge
    from mockint.judge.wrappers import CachingJudge, CircuitBreakerJudge

    circuits: dict[str, Circuit] = {}
    opened: list[OpenAIJudge] = []
    cache: GradeCache | None = None
    try:
        if use_cache:
            cache = GradeCache(settings.home / CACHE_FILE, warn=warn)
            if not cache.available:  # it has said why, once; the run goes on without it
                cache.close()
                cache = None
        parts: list[JudgeStack] = []
        for model, sample in settings.panel():
            circuit = circuits.setdefault(model, Circuit(cooldown=settings.breaker_cooldown))
            openai_judge = build_judge(settings, limiter=limiter, circuit=circuit, model=model, sample=sample)
            opened.append(openai_judge)
            breaker = CircuitBreakerJudge(openai_judge, circuit=circuit)
            judge: Judge = breaker
            if cache is not None:
                judge = CachingJudge(breaker, cache, openai_judge.fingerprint())
            # Outermost, so that a copy of an answer in flight waits for it instead of missing the cache too.
            shared = SharedRequestsJudge(judge, openai_judge.fingerprint())
            parts.append(
                JudgeStack(judge=shared, breaker=breaker, openai_judge=openai_judge, cache=cache, shared=shared)
            )
        if len(parts) == 1:
            yield parts[0]
        else:
            several = MultiJudge(
                [(part.judge, sample) for part, (_, sample) in zip(parts, settings.panel(), strict=True)]
            )
            first = parts[0]
            yield JudgeStack(
                judge=several,
                breaker=first.breaker,
                openai_judge=first.openai_judge,
                cache=cache,
                shared=first.shared,
                members=tuple(parts),
            )
    finally:
        for openai_judge in opened:
            openai_judge.close()
        if cache is not None:
            cache.close()


_LAZY = {
    "MODES": "mockint.judge.ladder",
    "Mode": "mockint.judge.ladder",
    "OpenAIJudge": "mockint.judge.openai_judge",
    "Usage": "mockint.judge.openai_judge",
    "BatchClient": "mockint.judge.provider",
    "BatchStatus": "mockint.judge.provider",
    "completion_content": "mockint.judge.provider",
    "completion_usage": "mockint.judge.provider",
    "NEUTRAL_GT": "mockint.judge.reply",
    "NEUTRAL_LT": "mockint.judge.reply",
    "neutralise_tags": "mockint.judge.reply",
    "parse_reply": "mockint.judge.reply",
    "reply_schema": "mockint.judge.reply",
    "retry_after_seconds": "mockint.judge.transport",
    "BREAKER_THRESHOLD": "mockint.judge.circuit",
    "Circuit": "mockint.judge.circuit",
    "CachingJudge": "mockint.judge.wrappers",
    "CircuitBreakerJudge": "mockint.judge.wrappers",
    "SharedRequestsJudge": "mockint.judge.shared",
    "MultiJudge": "mockint.judge.several",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
"""Lazy package attributes: a name loads its module on first use, so importing the package stays cheap."""
