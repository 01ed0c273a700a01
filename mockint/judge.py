"""The LLM judge: one chat-completions call per answer, validated against the judge reply contract.

This is the only module that imports ``openai`` and ``tenacity``; both are imported when a judge is built or
called, never at import time, so ``mockint --help`` and deterministic grading do not pay for them.

How a request is made:

* **One call per answer.** The rubric and the instructions go in the system message; the candidate's answer is
  data in the last user message, between ``<answer question_id="...">`` and ``</answer>``.
* **Tag neutralisation.** Before sending, every tag-like sequence in the answer (``</answer>``, ``<system>``,
  ``<|im_start|>`` ...) has its ``<`` and ``>`` replaced by ``‹`` and ``›`` (:func:`neutralise_tags`), so a
  candidate cannot close the answer tag or open a fake one. The judge's evidence quotes are copied from the
  neutralised text; the grader maps ``‹ ›`` back to ``< >`` on both sides before checking a quote.
* **Structured-output ladder.** Servers differ: OpenAI and vLLM take ``response_format`` ``json_schema``;
  llama-cpp-python 0.3.x answers that with HTTP 500 but takes ``json_object`` with a ``schema``; some servers
  take neither. While no request has succeeded yet, a 400/404/422/500/501 steps down one rung at once
  (``json_schema`` -> ``json_object`` -> ``text``); the first success locks the mode for the judge's life.
* **Bounded retries in one place.** The SDK's own retries are off. Timeouts, connection errors, 429 and 5xx are
  retried with tenacity (exponential backoff with jitter, or the server's ``Retry-After``/``retry-after-ms``,
  capped by ``max_retry_wait``), bounded by ``max_attempts`` and by a total deadline per answer.
* **One re-ask.** A reply that is not valid JSON or breaks the contract is sent back once with the validation
  error; a second bad reply is a :class:`~mockint.errors.JudgeError` with reason ``invalid_reply``.
* **Shared limits.** With a :class:`~mockint.ratelimit.RequestLimiter`, every HTTP request holds one of its
  in-flight slots and passes its per-minute buckets, and a ``Retry-After`` pauses every thread sharing it.
  The judge counts requests and the tokens servers report (:attr:`OpenAIJudge.usage`), for cost reports.
* **Batch engines.** :meth:`OpenAIJudge.request_body` is the exact body of a live request (for Batch API
  files); :func:`completion_content` applies the live rules to a stored reply; :class:`BatchClient` wraps the
  SDK's files and batches endpoints with the same retries.

A failure is never a zero: :meth:`Judge.judge` raises ``JudgeError`` and the caller decides what to do.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from pydantic import ValidationError

from mockint.config import Settings
from mockint.errors import ConfigError, JudgeError
from mockint.models import JudgeCriterion, JudgeMistake, JudgeReply, JudgeResult, Rubric
from mockint.prompts import load_prompt
from mockint.ratelimit import RequestLimiter, estimate_tokens

if TYPE_CHECKING:
    from pathlib import Path

    import openai
    from openai.types.chat import ChatCompletion
    from tenacity import RetryCallState

__all__ = [
    "MODES",
    "NEUTRAL_GT",
    "NEUTRAL_LT",
    "BatchClient",
    "BatchStatus",
    "Judge",
    "Mode",
    "OpenAIJudge",
    "Usage",
    "build_judge",
    "completion_content",
    "completion_usage",
    "neutralise_tags",
    "parse_reply",
    "reply_schema",
    "retry_after_seconds",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

Mode = Literal["json_schema", "json_object", "text"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object", "text")
"""The structured-output ladder, most constrained first."""

NEUTRAL_LT = "\u2039"  # ‹
NEUTRAL_GT = "\u203a"  # ›

PROMPT_NAME = "judge"
SCHEMA_NAME = "judge_reply"

# Statuses that, before any success, mean "this server does not take this response_format".
_LADDER_STATUSES = frozenset({400, 404, 422, 500, 501})
# 501 is "not implemented": retrying it cannot help.
_NOT_RETRYABLE_5XX = frozenset({501})
# Exponential backoff: 0.5 s, 1 s, 2 s ... plus up to 0.5 s of jitter, capped by max_retry_wait.
_BACKOFF_MULTIPLIER = 0.5
_BACKOFF_JITTER = 0.5
# Longest server message quoted in an error.
_DETAIL_CHARS = 200
# Reply allowance for the tokens-per-minute estimate: a rationale, a verdict and a quote per rubric item.
_REPLY_TOKENS_PER_ITEM = 80
_REPLY_TOKENS_BASE = 20
# Reply allowance for ask() (one small JSON object).
_ASK_REPLY_TOKENS = 300
# How many '{' positions the lenient parser tries before giving up (guards against pathological replies).
_MAX_JSON_CANDIDATES = 20

# A '<' that starts something tag-like (a letter, '/', '!', '?' or '|' after optional spaces), with its
# closing '>' when that is on the same line. "p < 0.05" and "a -> b" stay as they are.
_TAG_LIKE = re.compile(r"<(?=\s*[/!?|]|\s*[^\W\d_])([^<>\n]{0,200}>)?")


def neutralise_tags(text: str) -> str:
    """Replace the ``<`` and ``>`` of tag-like sequences with ``‹`` and ``›``.

    The answer is sent between ``<answer>`` and ``</answer>``; without this, an answer containing
    ``</answer>`` followed by instructions could step out of the data block. Plain comparisons such as
    ``p < 0.05`` or arrows such as ``a -> b`` are left alone.

    Args:
        text: The candidate's answer.

    Returns:
        The text with tag-like sequences neutralised (``"</answer>"`` becomes ``"‹/answer›"``).
    """

    def replace(match: re.Match[str]) -> str:
        tail = match.group(1)
        return NEUTRAL_LT + (tail[:-1] + NEUTRAL_GT if tail else "")

    return _TAG_LIKE.sub(replace, text)


def reply_schema(rubric: Rubric) -> dict[str, Any]:
    """Build the JSON schema of the judge reply for one rubric.

    Ids are ``enum`` s of the rubric's own ids, so a server that enforces the schema cannot invent any;
    ``rationale`` comes before the verdict so the model reasons before it decides. Every field is required and
    no other field is allowed, as OpenAI's strict mode demands.

    Args:
        rubric: The rubric whose key point and mistake ids the reply must use.

    Returns:
        A JSON schema (a plain dict).
    """
    criterion_item = _object_schema(
        {
            "id": {"type": "string", "enum": [criterion.id for criterion in rubric.criteria]},
            "rationale": {"type": "string"},
            "verdict": {"type": "string", "enum": ["met", "partial", "missed"]},
            "evidence": {"type": ["string", "null"]},
        }
    )
    # An empty enum is not valid JSON schema; a rubric without mistakes gets a plain string id, and the
    # validator rejects any entry (the prompt asks for an empty list).
    mistake_ids = [mistake.id for mistake in rubric.mistakes]
    mistake_id: dict[str, Any] = {"type": "string", "enum": mistake_ids} if mistake_ids else {"type": "string"}
    mistake_item = _object_schema(
        {
            "id": mistake_id,
            "rationale": {"type": "string"},
            "committed": {"type": "boolean"},
            "evidence": {"type": ["string", "null"]},
        }
    )
    return _object_schema(
        {
            "criteria": {"type": "array", "items": criterion_item},
            "mistakes": {"type": "array", "items": mistake_item},
        }
    )


def _object_schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


class _InvalidReply(ValueError):
    """The reply is not valid JSON or breaks the contract; the message is fed back to the model."""


def parse_reply(content: str, rubric: Rubric) -> JudgeReply:
    """Parse and validate a judge reply leniently.

    Markdown fences and prose around the JSON are ignored (the outermost JSON object is taken), raw newlines
    and tabs inside strings and trailing commas are tolerated. The result must then match the contract, with
    every key point id and every mistake id of the rubric exactly once and no other id. Items are returned in
    rubric order; blank evidence becomes ``None``.

    Args:
        content: The assistant message's text.
        rubric: The rubric the reply grades against.

    Returns:
        The validated reply.

    Raises:
        JudgeError: With reason ``invalid_reply`` when the content cannot be used.
    """
    try:
        return _parse(content, rubric)
    except _InvalidReply as exc:
        raise JudgeError(f"invalid judge reply: {_shorten(str(exc))}", reason="invalid_reply") from None


def _parse(content: str, rubric: Rubric) -> JudgeReply:
    return _validate(_extract_json(content), rubric)


def _extract_json(content: str) -> Any:
    text = content.strip()
    if not text:
        raise _InvalidReply("the reply was empty; expected a JSON object")
    first_error: str | None = None
    start = text.find("{")
    tried = 0
    while start != -1 and tried < _MAX_JSON_CANDIDATES:
        tried += 1
        end = _object_end(text, start)
        if end is None:
            # The first unbalanced object runs to the end of the reply: it was cut off.
            raise _InvalidReply(
                first_error or "the JSON object is incomplete (the reply was cut off); send the whole object"
            )
        candidate = text[start : end + 1]
        # The comma-dropping pass costs more than the parse itself: run it only when the plain parse fails.
        for repair in (False, True):
            try:
                value = json.loads(_drop_trailing_commas(candidate) if repair else candidate, strict=False)
            except json.JSONDecodeError as exc:
                first_error = first_error or f"the reply is not valid JSON ({exc.msg} at character {exc.pos})"
                continue
            if isinstance(value, dict):
                return value
            break
        # Only look for another object after this one: an inner object is not the reply.
        start = text.find("{", end + 1)
    raise _InvalidReply(first_error or "no JSON object found in the reply; reply with the JSON object only")


def _object_end(text: str, start: int) -> int | None:
    """Index of the ``}`` closing the object opened at ``start`` (string-aware), or None if unclosed."""
    depth = 0
    in_string = False
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _drop_trailing_commas(text: str) -> str:
    """Remove commas directly before ``}`` or ``]`` outside strings (small models often leave them)."""
    out: list[str] = []
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == ",":
            rest = text[index + 1 :].lstrip()
            if rest[:1] in ("}", "]"):
                continue
        out.append(char)
    return "".join(out)


def _validate(value: Any, rubric: Rubric) -> JudgeReply:
    try:
        reply = JudgeReply.model_validate(value)
    except ValidationError as exc:
        raise _InvalidReply(_describe_validation_error(exc)) from None
    problems = _id_problems("criteria", [item.id for item in reply.criteria], [c.id for c in rubric.criteria])
    problems += _id_problems("mistakes", [item.id for item in reply.mistakes], [m.id for m in rubric.mistakes])
    if problems:
        raise _InvalidReply("; ".join(problems))
    criterion_order = {criterion.id: index for index, criterion in enumerate(rubric.criteria)}
    mistake_order = {mistake.id: index for index, mistake in enumerate(rubric.mistakes)}
    criteria = [
        JudgeCriterion(
            id=item.id, rationale=item.rationale, verdict=item.verdict, evidence=_blank_to_none(item.evidence)
        )
        for item in sorted(reply.criteria, key=lambda item: criterion_order[item.id])
    ]
    mistakes = [
        JudgeMistake(
            id=item.id, rationale=item.rationale, committed=item.committed, evidence=_blank_to_none(item.evidence)
        )
        for item in sorted(reply.mistakes, key=lambda item: mistake_order[item.id])
    ]
    return JudgeReply(criteria=criteria, mistakes=mistakes)


def _blank_to_none(evidence: str | None) -> str | None:
    return evidence if evidence is not None and evidence.strip() else None


def _id_problems(field: str, got: Sequence[str], expected: Sequence[str]) -> list[str]:
    counts = Counter(got)
    known = set(expected)
    problems: list[str] = []
    unknown = [item for item in counts if item not in known]
    if unknown:
        allowed = ", ".join(expected) if expected else "none (use an empty list)"
        problems.append(f"{field}: unknown id {', '.join(map(repr, unknown))}; allowed ids: {allowed}")
    duplicated = [item for item, count in counts.items() if count > 1 and item in known]
    if duplicated:
        problems.append(f"{field}: id {', '.join(map(repr, duplicated))} given more than once")
    missing = [item for item in expected if item not in counts]
    if missing:
        problems.append(f"{field}: missing id {', '.join(map(repr, missing))}")
    return problems


def _describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error["loc"]) or "reply"
        lines.append(f"{where}: {error['msg']}")
    if exc.error_count() > 5:
        lines.append(f"and {exc.error_count() - 5} more problems")
    return "; ".join(lines)


def _shorten(text: str, limit: int = 400) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """How long a server asked us to wait, from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date).

    Args:
        headers: Response headers (any letter case).

    Returns:
        Seconds to wait (never negative), or ``None`` when no usable header is present.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    milliseconds = lowered.get("retry-after-ms", "").strip()
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


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


@dataclass(frozen=True)
class Usage:
    """Tokens and requests a judge has used so far (from the servers' ``usage`` fields).

    Attributes:
        requests: HTTP requests sent (retries and re-asks included).
        prompt_tokens: Input tokens the server reported.
        completion_tokens: Output tokens the server reported.
        unreported: Successful replies that carried no ``usage`` (their tokens are not counted).
    """

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    unreported: int = 0


class _Call:
    """Book-keeping for one ``judge()`` call: requests made and the deadline shared by retries and re-ask."""

    def __init__(self, deadline: float, label: str, reply_tokens: int = _ASK_REPLY_TOKENS) -> None:
        self.deadline = deadline
        self.label = label
        self.requests = 0
        self.reply_tokens = reply_tokens

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class OpenAIJudge:
    """A judge behind any OpenAI-compatible chat completions server (OpenAI, vLLM, Ollama, llama.cpp ...).

    One object is meant to be shared by the threads of a batch: the client is thread-safe and the
    structured-output mode is guarded by a lock.

    Attributes:
        timeout: Seconds for one HTTP request.
        max_attempts: HTTP attempts per completion, retries included (a re-ask gets its own attempts).
        max_retry_wait: Longest pause between attempts, even when the server asks for more.
        total_timeout: Deadline for one ``judge()`` call, retries and re-ask included.
        limiter: Shared limits on requests in flight, per minute and tokens per minute, if any.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None,
        api_key: str,
        timeout: float = 60.0,
        max_attempts: int = 4,
        max_retry_wait: float = 30.0,
        total_timeout: float | None = None,
        limiter: RequestLimiter | None = None,
    ) -> None:
        """Create the judge and its HTTP client (no request is made yet).

        Args:
            model: The model to ask for.
            base_url: The server's base URL (``.../v1``); ``None`` for OpenAI.
            api_key: The key; never shown in any message.
            timeout: Seconds for one HTTP request.
            max_attempts: HTTP attempts per completion, retries included.
            max_retry_wait: Longest pause between attempts, in seconds.
            total_timeout: Deadline for one ``judge()`` call; by default ``2 * timeout + max_retry_wait``,
                so a hung server costs about two timeouts per answer, not ``max_attempts`` of them.
            limiter: Limits shared with other judges or threads: every HTTP request holds one of its slots,
                and a server's ``Retry-After`` pauses every thread using it.

        Raises:
            ConfigError: A numeric setting is out of range, or the prompt files are missing or malformed.
        """
        if timeout <= 0:
            raise ConfigError("the judge timeout must be greater than 0; set e.g. MOCKINT_TIMEOUT=60")
        if max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1; set e.g. MOCKINT_MAX_ATTEMPTS=4")
        if max_retry_wait < 0:
            raise ConfigError("max_retry_wait must not be negative")
        import openai

        self._model = model
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_wait = max_retry_wait
        self.total_timeout = total_timeout if total_timeout is not None else 2 * timeout + max_retry_wait
        self.limiter = limiter
        self._prompt = load_prompt(PROMPT_NAME)
        self._check_prompt()
        self._secret = api_key
        # Retries are ours (tenacity, below): SDK retries would multiply attempts and ignore our deadline.
        self._client: openai.OpenAI = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
        self._server = _without_userinfo(str(self._client.base_url)).rstrip("/")
        self._lock = threading.Lock()
        self._rung = 0
        self._locked = False
        # requests, prompt tokens, completion tokens, replies without usage (see Usage)
        self._counts = [0, 0, 0, 0]

    @property
    def model(self) -> str:
        """The model name the judge asks for."""
        return self._model

    @property
    def prompt_version(self) -> str:
        """The version of the prompt files, read once when the judge was built."""
        return self._prompt.version

    @property
    def mode(self) -> Mode:
        """The structured-output mode the next request uses (see the module docstring)."""
        with self._lock:
            return MODES[self._rung]

    @property
    def mode_locked(self) -> bool:
        """Whether a request has succeeded, fixing :attr:`mode` for the life of this judge."""
        with self._lock:
            return self._locked

    @property
    def usage(self) -> Usage:
        """Requests and tokens used so far by this judge (all threads)."""
        with self._lock:
            return Usage(*self._counts)

    def fingerprint(self) -> dict[str, Any]:
        """What, besides the rubric and the answer, decides the reply: for cache keys.

        The structured-output mode is left out on purpose: it is found by probing the server on each run, and
        every mode's reply is validated against the same contract.

        Returns:
            Model, prompt version, server (without credentials or query) and sampling settings.
        """
        return {
            "model": self._model,
            "prompt_version": self.prompt_version,
            "server": self._server.split("?", 1)[0],
            "temperature": 0,
        }

    def close(self) -> None:
        """Close the HTTP client's connections."""
        self._client.close()

    def __enter__(self) -> OpenAIJudge:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request_body(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> dict[str, Any]:
        """Return the JSON body :meth:`judge` would POST to ``/chat/completions`` in ``json_schema`` mode.

        ``judge`` builds its requests with the same code, so an exported batch file cannot drift from it.

        Args:
            answer: The candidate's answer text (neutralised here, as ``judge`` does).
            rubric: The rubric to grade against.
            answer_id: Accepted for symmetry with ``judge``; it is not sent, so identical answers give
                identical bodies.

        Returns:
            The request body: model, messages, temperature 0 and the ``json_schema`` response format.
        """
        return self._body(self._messages(answer, rubric), reply_schema(rubric), "json_schema")

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """Grade ``answer`` against ``rubric`` with one chat completion (plus retries and at most one re-ask).

        Args:
            answer: The candidate's answer text.
            rubric: The rubric to grade against.
            answer_id: The answer's id, to label log lines; it is not sent to the model.

        Returns:
            The validated reply, the model, the prompt version and the number of HTTP requests made.

        Raises:
            JudgeError: ``reason`` is ``timeout``, ``connection``, ``http_<status>``, ``invalid_reply``,
                ``refusal`` or ``bad_response``; the message says how to fix it and never holds the key.
        """
        reply_tokens = _REPLY_TOKENS_BASE + _REPLY_TOKENS_PER_ITEM * (len(rubric.criteria) + len(rubric.mistakes))
        call = _Call(time.monotonic() + self.total_timeout, label=answer_id or "-", reply_tokens=reply_tokens)
        messages = self._messages(answer, rubric)
        schema = reply_schema(rubric)
        content = self._complete(messages, schema, call)
        try:
            reply = _parse(content, rubric)
        except _InvalidReply as first:
            logger.info("answer %s: invalid judge reply (%s); asking once more", call.label, _shorten(str(first)))
            reask = self._prompt.text(
                "reask",
                error=_shorten(str(first), 1000),
                criterion_ids=", ".join(criterion.id for criterion in rubric.criteria),
                mistake_ids=", ".join(mistake.id for mistake in rubric.mistakes) or "none (an empty list)",
            )
            conversation = [
                *messages,
                {"role": "assistant", "content": content},
                {"role": "user", "content": reask},
            ]
            content = self._complete(conversation, schema, call)
            try:
                reply = _parse(content, rubric)
            except _InvalidReply as second:
                raise JudgeError(
                    self._redact(
                        f"the judge's reply was invalid twice ({_shorten(str(second), _DETAIL_CHARS)}); "
                        "try a stronger model with --model"
                    ),
                    reason="invalid_reply",
                ) from None
        return JudgeResult(reply=reply, model=self._model, prompt_version=self.prompt_version, requests=call.requests)

    def ask(
        self,
        prompt_name: str,
        variables: Mapping[str, str],
        schema: dict[str, Any],
        validate: Callable[[dict[str, Any]], T],
        *,
        label: str = "-",
    ) -> T:
        """One structured completion for work other than grading (follow-up questions, rubric drafting).

        The same ladder, retries, deadline and single re-ask as :meth:`judge`. The prompt is read from
        ``prompts/<prompt_name>_system.md`` and ``_user.md`` (and ``_reask.md`` with ``{error}``, if present);
        anything a candidate wrote must be passed through :func:`neutralise_tags` by the caller.

        Args:
            prompt_name: The prompt files' name.
            variables: The prompt's variables.
            schema: JSON Schema of the reply (sent as ``json_schema`` where the server takes it).
            validate: Turns the parsed JSON object into the result; raises ``ValueError`` (pydantic's
                ``ValidationError`` is one) when the reply does not fit.
            label: Names the request in log lines.

        Returns:
            What ``validate`` returned.

        Raises:
            JudgeError: As for :meth:`judge`.
        """
        prompt = load_prompt(prompt_name)
        call = _Call(time.monotonic() + self.total_timeout, label=label)
        messages = prompt.messages(**variables)
        content = self._complete(messages, schema, call, prompt_name)
        try:
            return validate(_extract_json(content))
        except ValueError as first:
            error = _shorten(str(first), 1000)
            reask = (
                prompt.text("reask", error=error)
                if "reask" in prompt.parts
                else f"Your reply could not be used: {error}\n\nReply again with only the JSON object asked for."
            )
            conversation = [*messages, {"role": "assistant", "content": content}, {"role": "user", "content": reask}]
            content = self._complete(conversation, schema, call, prompt_name)
            try:
                return validate(_extract_json(content))
            except ValueError as second:
                raise JudgeError(
                    self._redact(
                        f"the model's reply was invalid twice ({_shorten(str(second), _DETAIL_CHARS)}); "
                        "try a stronger model with --model"
                    ),
                    reason="invalid_reply",
                ) from None

    # -- request building ---------------------------------------------------------------------------------

    def _check_prompt(self) -> None:
        """Render the prompt once with placeholders so a broken prompt file fails at start-up, not per answer."""
        placeholders = dict.fromkeys(
            ("question", "model_answer", "key_points", "mistakes", "question_id", "answer"), "x"
        )
        self._prompt.messages(**placeholders)
        self._prompt.text("reask", error="x", criterion_ids="x", mistake_ids="x")

    def _messages(self, answer: str, rubric: Rubric) -> list[dict[str, str]]:
        return self._prompt.messages(
            question=rubric.question,
            model_answer=rubric.model_answer,
            key_points=_format_key_points(rubric),
            mistakes=_format_mistakes(rubric),
            question_id=rubric.id,
            answer=neutralise_tags(answer),
        )

    def _body(
        self, messages: list[dict[str, str]], schema: dict[str, Any], mode: Mode, schema_name: str = SCHEMA_NAME
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self._model, "messages": messages, "temperature": 0}
        if mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "strict": True, "schema": schema},
            }
        elif mode == "json_object":
            # llama-cpp-python constrains json_object output with this (non-OpenAI) "schema" field.
            body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    # -- sending, the ladder and retries ------------------------------------------------------------------

    def _complete(
        self, messages: list[dict[str, str]], schema: dict[str, Any], call: _Call, schema_name: str = SCHEMA_NAME
    ) -> str:
        """One completion: the ladder inside each attempt, tenacity around the attempts."""
        import openai
        import tenacity

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= self.max_attempts:
                return True
            # Starting an attempt with only a sliver of the deadline left would just time out.
            return call.remaining() - state.upcoming_sleep < min(0.5, self.timeout / 4)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(_is_transient),
            stop=stop,
            wait=self._wait,
            before_sleep=lambda state: self._log_retry(state, call),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send(messages, schema, call, schema_name)
        except openai.APIError as exc:
            self._forget_unconfirmed_mode()
            raise self._error_for(exc, call) from (exc if isinstance(exc, openai.APIConnectionError) else None)
        raise AssertionError("unreachable: tenacity either returns, raises or reraises")  # pragma: no cover

    def _send(
        self, messages: list[dict[str, str]], schema: dict[str, Any], call: _Call, schema_name: str = SCHEMA_NAME
    ) -> str:
        """One attempt: POST in the current mode, stepping down the ladder while the mode is unconfirmed."""
        import openai

        mode = self.mode
        while True:
            remaining = call.remaining()
            if remaining <= 0:
                raise JudgeError(
                    f"the judge did not finish within {self.total_timeout:g}s ({call.requests} requests); "
                    "check the server, raise MOCKINT_TIMEOUT, or pass --no-llm",
                    reason="timeout",
                )
            body = self._body(messages, schema, mode, schema_name)
            call.requests += 1
            try:
                completion = self._post(body, min(self.timeout, remaining), call)
            except openai.APIStatusError as exc:
                lower = self._step_down(mode, exc.status_code)
                if lower is None:
                    raise
                logger.info(
                    "answer %s: judge server answered HTTP %d to response_format %s; trying %s",
                    call.label,
                    exc.status_code,
                    mode,
                    lower,
                )
                mode = lower
                continue
            self._confirm(mode)
            return self._content(completion)

    def _post(self, body: dict[str, Any], timeout: float, call: _Call) -> ChatCompletion:
        """One HTTP request, inside the limiter's slot when there is a limiter; counts requests and usage."""
        with self._lock:
            self._counts[0] += 1
        if self.limiter is None:
            completion: ChatCompletion = self._client.chat.completions.create(**body, timeout=timeout)
        else:
            estimate = 1
            if self.limiter.limits_tokens:
                chars = sum(len(str(message.get("content", ""))) for message in body["messages"])
                chars += len(json.dumps(body["response_format"])) if "response_format" in body else 0
                estimate = estimate_tokens(chars, call.reply_tokens)
            with self.limiter.request(estimate) as slot:
                completion = self._client.chat.completions.create(**body, timeout=timeout)
            usage = getattr(completion, "usage", None)
            slot.used(getattr(usage, "total_tokens", None) if usage is not None else None)
        usage = getattr(completion, "usage", None)
        prompt = getattr(usage, "prompt_tokens", None)
        output = getattr(usage, "completion_tokens", None)
        with self._lock:
            if isinstance(prompt, int) and isinstance(output, int):
                self._counts[1] += prompt
                self._counts[2] += output
            else:
                self._counts[3] += 1
        return completion

    def _step_down(self, mode: Mode, status: int) -> Mode | None:
        """The next rung below ``mode``, or None when the mode is confirmed or already at the bottom."""
        if status not in _LADDER_STATUSES:
            return None
        with self._lock:
            index = MODES.index(mode)
            if self._locked or index + 1 >= len(MODES):
                return None
            # max(): another thread may already have stepped further down.
            self._rung = max(self._rung, index + 1)
            return MODES[self._rung]

    def _confirm(self, mode: Mode) -> None:
        with self._lock:
            if not self._locked:
                self._locked = True
                self._rung = MODES.index(mode)
                logger.info("judge server takes response_format mode %s; using it from now on", mode)

    def _forget_unconfirmed_mode(self) -> None:
        # Every rung failing proves nothing about response_format (the server may be down or the request too
        # long), so the next answer starts from the top again instead of settling for "text".
        with self._lock:
            if not self._locked:
                self._rung = 0

    def _content(self, completion: ChatCompletion) -> str:
        choices = getattr(completion, "choices", None)
        if not choices:
            raise JudgeError(
                f"the judge server at {self._server} returned no completion; check that it serves chat completions",
                reason="bad_response",
            )
        message = choices[0].message
        content = getattr(message, "content", None)
        if content:
            return str(content)
        refusal = getattr(message, "refusal", None)
        if refusal:
            raise JudgeError(
                self._redact(f"the model refused to grade the answer: {_shorten(str(refusal), _DETAIL_CHARS)}"),
                reason="refusal",
            )
        return ""  # An empty reply is an invalid one: it gets the re-ask.

    def _wait(self, state: RetryCallState) -> float:
        """Honour the server's Retry-After when it gives one, else exponential backoff with jitter."""
        import tenacity

        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        response = getattr(error, "response", None)
        if response is not None:
            asked = retry_after_seconds(response.headers)
            if asked is not None:
                wait = min(asked, self.max_retry_wait)
                if self.limiter is not None:
                    # The server is overloaded for everyone, not just this request: pause the other threads.
                    self.limiter.hold_off(wait)
                return wait
        backoff = tenacity.wait_exponential_jitter(
            multiplier=_BACKOFF_MULTIPLIER, max=self.max_retry_wait, jitter=_BACKOFF_JITTER
        )
        return float(backoff(state))

    def _log_retry(self, state: RetryCallState, call: _Call) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        logger.info(
            "answer %s: judge request failed (%s); retrying in %.1fs (attempt %d of %d)",
            call.label,
            _cause(error),
            state.upcoming_sleep,
            state.attempt_number + 1,
            self.max_attempts,
        )

    # -- errors -------------------------------------------------------------------------------------------

    def _error_for(self, exc: openai.APIError, call: _Call) -> JudgeError:
        """Turn an SDK error into a one-line JudgeError that says how to fix it."""
        requests = f"{call.requests} request{'s' if call.requests != 1 else ''}"
        message, reason = self._describe_error(exc, requests)
        return JudgeError(self._redact(message), reason=reason)

    def _describe_error(self, exc: openai.APIError, requests: str) -> tuple[str, str]:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return (
                f"the judge server at {self._server} did not answer within {self.timeout:g}s ({requests}); "
                "check that it is running, raise MOCKINT_TIMEOUT, or pass --no-llm",
                "timeout",
            )
        if isinstance(exc, openai.APIConnectionError):
            return (
                f"cannot connect to the judge server at {self._server} ({requests}); start it or fix "
                "OPENAI_BASE_URL, or pass --no-llm",
                "connection",
            )
        if not isinstance(exc, openai.APIStatusError):
            return (
                f"unexpected reply from the judge server at {self._server}: {_shorten(str(exc), _DETAIL_CHARS)}",
                "bad_response",
            )
        status = exc.status_code
        if status == 401:
            # No server detail: OpenAI's 401 message quotes part of the key.
            message = "the server rejected the API key (HTTP 401); check OPENAI_API_KEY"
        elif status == 403:
            message = (
                f"the server refused access (HTTP 403){self._detail(exc)}; check that the API key may use "
                f"model {self._model!r}"
            )
        elif status == 404:
            message = (
                f"model {self._model!r} or the chat completions endpoint was not found at {self._server} "
                f"(HTTP 404){self._detail(exc)}; check --model / MOCKINT_MODEL and OPENAI_BASE_URL (it usually "
                "ends in /v1)"
            )
        elif status == 429 and _quota_exhausted(exc):
            message = "the API quota is exhausted (HTTP 429 insufficient_quota); check your plan and billing"
        elif status == 429:
            message = (
                f"the judge server is rate limiting (HTTP 429) and still was after {requests}; try again later "
                "or grade fewer answers at a time"
            )
        elif status >= 500:
            message = (
                f"the judge server failed (HTTP {status}){self._detail(exc)} ({requests}); check the server's "
                "log or try again later"
            )
        else:
            message = (
                f"the judge server rejected the request (HTTP {status}){self._detail(exc)}; check --model and "
                "that the server supports chat completions"
            )
        return message, f"http_{status}"

    def _detail(self, exc: openai.APIStatusError) -> str:
        body = exc.body
        text: object = None
        if isinstance(body, Mapping):
            text = body.get("message") or body.get("detail") or body.get("error")
        elif isinstance(body, str):
            text = body
        if not text:
            return ""
        return ": " + _shorten(str(text), _DETAIL_CHARS)

    def _redact(self, text: str) -> str:
        # A server may echo the key back (proxies, debug servers); it must not reach a message or a log.
        if len(self._secret) >= 4 and self._secret in text:
            text = text.replace(self._secret, "***")
        return text


def _is_transient(error: BaseException) -> bool:
    """Whether tenacity should try again: timeouts, connection errors, 408/409/429 and 5xx (not 501)."""
    import openai

    if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status == 429:
            return not _quota_exhausted(error)
        return status in (408, 409) or (status >= 500 and status not in _NOT_RETRYABLE_5XX)
    return False


def _quota_exhausted(error: openai.APIStatusError) -> bool:
    # OpenAI's "insufficient_quota" 429 does not go away by waiting.
    return error.code == "insufficient_quota" or error.type == "insufficient_quota"


def _cause(error: BaseException | None) -> str:
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        return f"HTTP {status}"
    name = type(error).__name__ if error is not None else "unknown"
    return "timeout" if "Timeout" in name else "connection error" if "Connection" in name else name


def _without_userinfo(url: str) -> str:
    return re.sub(r"(?<=//)[^/@]*@", "", url)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _format_key_points(rubric: Rubric) -> str:
    return "\n".join(
        f'- id "{criterion.id}" (weight {criterion.weight:g}): {_one_line(criterion.text)}'
        for criterion in rubric.criteria
    )


def _format_mistakes(rubric: Rubric) -> str:
    if not rubric.mistakes:
        return 'None for this question: reply with an empty "mistakes" list.'
    lines = []
    for mistake in rubric.mistakes:
        if mistake.omission_of:
            points = ", ".join(f'"{point}"' for point in mistake.omission_of)
            kind = f" (an omission: committed when the answer misses all of the key points {points})"
        else:
            kind = ""
        lines.append(f'- id "{mistake.id}"{kind}: {_one_line(mistake.text)}')
    return "\n".join(lines)


def build_judge(settings: Settings, *, limiter: RequestLimiter | None = None) -> OpenAIJudge:
    """Build the OpenAI-compatible judge from settings.

    Args:
        settings: Loaded settings; ``use_llm`` must be true.
        limiter: Limits on requests in flight and per minute, shared by the threads of a batch.

    Returns:
        A judge using ``settings.model``, ``base_url``, key, ``timeout`` and ``max_attempts``.

    Raises:
        ConfigError: The settings turn the LLM off, or the prompt files are missing or malformed.
    """
    if not settings.use_llm:
        raise ConfigError(f"the LLM judge is off ({settings.llm_reason}); grade deterministically instead")
    return OpenAIJudge(
        settings.model,
        base_url=settings.base_url,
        api_key=settings.key_for_client(),
        timeout=settings.timeout,
        max_attempts=settings.max_attempts,
        limiter=limiter,
    )


# -- the provider's batch engine ------------------------------------------------------------------------------


def completion_content(body: Any) -> str:
    """The assistant's text in a ``chat.completion`` object read from a file (a Batch API output line).

    The same rules as a live reply: no choice is a bad response, a refusal is a refusal, an empty message is
    an empty (invalid) reply for :func:`parse_reply` to reject.

    Args:
        body: The ``response.body`` of a Batch API output line.

    Returns:
        The message content (possibly empty).

    Raises:
        JudgeError: ``bad_response`` when the object is not a chat completion, ``refusal`` when the model
            refused.
    """
    choices = body.get("choices") if isinstance(body, Mapping) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        raise JudgeError("the reply is not a chat completion (no choices)", reason="bad_response")
    message = choices[0].get("message")
    if not isinstance(message, Mapping):
        raise JudgeError("the reply is not a chat completion (no message)", reason="bad_response")
    content = message.get("content")
    if isinstance(content, str) and content:
        return content
    refusal = message.get("refusal")
    if refusal:
        raise JudgeError(
            f"the model refused to grade the answer: {_shorten(str(refusal), _DETAIL_CHARS)}", reason="refusal"
        )
    return ""


def completion_usage(body: Any) -> tuple[int, int] | None:
    """``(prompt_tokens, completion_tokens)`` of a ``chat.completion`` object, or ``None`` when absent."""
    usage = body.get("usage") if isinstance(body, Mapping) else None
    if not isinstance(usage, Mapping):
        return None
    prompt, output = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if isinstance(prompt, int) and isinstance(output, int):
        return prompt, output
    return None


BATCH_ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
BATCH_COMPLETION_WINDOW: Literal["24h"] = "24h"
BATCH_DONE = frozenset({"completed", "failed", "expired", "cancelled"})
"""Batch statuses after which nothing changes any more."""


@dataclass(frozen=True)
class BatchStatus:
    """Where a provider batch job stands.

    Attributes:
        id: The batch id.
        status: ``validating``, ``in_progress``, ``finalizing``, ``completed``, ``failed``, ``expired``,
            ``cancelling`` or ``cancelled``.
        input_file_id: The uploaded request file.
        output_file_id: The file of successful replies, once there is one.
        error_file_id: The file of failed requests, once there is one.
        total: Requests in the batch (0 until the server has counted them).
        completed: Requests done.
        failed: Requests that failed.
        errors: The server's messages when the batch itself failed (e.g. a bad input line).
    """

    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        """Whether the batch has reached a final status."""
        return self.status in BATCH_DONE


class BatchClient:
    """The provider's Batch API through the openai SDK: upload a request file, submit, poll, download.

    Calls are retried like judge requests (tenacity; timeouts, connection errors, 429 and 5xx; the server's
    ``Retry-After`` honoured), and SDK errors become one-line :class:`~mockint.errors.JudgeError` s.

    Args:
        base_url: The server's base URL (``.../v1``); ``None`` for OpenAI.
        api_key: The key; never shown in any message.
        timeout: Seconds per HTTP request (uploads and downloads of large files get ten times this).
        max_attempts: Attempts per call, retries included.
        max_retry_wait: Longest pause between attempts.
    """

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str,
        timeout: float = 60.0,
        max_attempts: int = 4,
        max_retry_wait: float = 30.0,
    ) -> None:
        import openai

        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_wait = max_retry_wait
        self._secret = api_key
        self._client: openai.OpenAI = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
        self._server = _without_userinfo(str(self._client.base_url)).rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> BatchClient:
        """A client for the server and key in ``settings``."""
        return cls(
            base_url=settings.base_url,
            api_key=settings.key_for_client(),
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
        )

    def close(self) -> None:
        """Close the HTTP client's connections."""
        self._client.close()

    def upload(self, path: Path) -> str:
        """Upload a request file (``purpose="batch"``) and return its file id."""
        with path.open("rb") as handle:

            def send() -> str:
                handle.seek(0)
                return self._client.files.create(
                    file=(path.name, handle), purpose="batch", timeout=self.timeout * 10
                ).id

            return self._call("upload the batch input file", send)

    def submit(self, input_file_id: str, metadata: Mapping[str, str] | None = None) -> BatchStatus:
        """Create a batch over an uploaded request file (chat completions, 24 h window)."""
        batch = self._call(
            "create the batch",
            lambda: self._client.batches.create(
                input_file_id=input_file_id,
                endpoint=BATCH_ENDPOINT,
                completion_window=BATCH_COMPLETION_WINDOW,
                metadata=dict(metadata) if metadata else None,
            ),
        )
        return self._status(batch)

    def retrieve(self, batch_id: str) -> BatchStatus:
        """The batch's current status and counts."""
        return self._status(self._call(f"read batch {batch_id}", lambda: self._client.batches.retrieve(batch_id)))

    def find_batch(self, input_file_id: str) -> BatchStatus | None:
        """The most recent batch over an uploaded file, when the server lists batches (``None`` otherwise).

        Used after a run was killed between creating a batch and saving its id, so the batch is not paid twice.
        """
        import openai

        try:
            page = self._client.batches.list(limit=100)
        except openai.APIError:
            return None
        for batch in page.data:
            if batch.input_file_id == input_file_id:
                return self._status(batch)
        return None

    def download(self, file_id: str, dest: Path) -> None:
        """Stream a result file to ``dest`` (replaced whole, so a failed download leaves no partial file)."""
        partial = dest.with_name(dest.name + ".part")

        def fetch() -> None:
            with self._client.files.with_streaming_response.content(file_id, timeout=self.timeout * 10) as reply:
                reply.stream_to_file(partial)

        self._call(f"download file {file_id}", fetch)
        partial.replace(dest)

    def _status(self, batch: Any) -> BatchStatus:
        counts = getattr(batch, "request_counts", None)
        errors = getattr(getattr(batch, "errors", None), "data", None) or []
        messages = tuple(
            _shorten(f"line {error.line}: {error.message}" if getattr(error, "line", None) else str(error.message), 300)
            for error in errors
        )
        return BatchStatus(
            id=batch.id,
            status=str(batch.status),
            input_file_id=batch.input_file_id,
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
            total=counts.total if counts else 0,
            completed=counts.completed if counts else 0,
            failed=counts.failed if counts else 0,
            errors=messages,
        )

    def _call(self, what: str, send: Callable[[], T]) -> T:
        import openai
        import tenacity

        def wait(state: RetryCallState) -> float:
            outcome = state.outcome
            error = outcome.exception() if outcome is not None else None
            response = getattr(error, "response", None)
            asked = retry_after_seconds(response.headers) if response is not None else None
            if asked is not None:
                return min(asked, self.max_retry_wait)
            backoff = tenacity.wait_exponential_jitter(
                multiplier=_BACKOFF_MULTIPLIER, max=self.max_retry_wait, jitter=_BACKOFF_JITTER
            )
            return float(backoff(state))

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(_is_transient),
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=wait,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return send()
        except openai.APIError as exc:
            raise JudgeError(self._redact(self._describe(what, exc)), reason=_batch_reason(exc)) from None
        except OSError as exc:
            raise JudgeError(f"cannot {what}: {exc.strerror or exc}", reason="io") from None
        raise AssertionError("unreachable: tenacity either returns, raises or reraises")  # pragma: no cover

    def _describe(self, what: str, exc: openai.APIError) -> str:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return f"cannot {what}: the server at {self._server} did not answer in time; try again later"
        if isinstance(exc, openai.APIConnectionError):
            return f"cannot {what}: cannot connect to {self._server}; check OPENAI_BASE_URL and try again"
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status == 401:
                return f"cannot {what}: the server rejected the API key (HTTP 401); check OPENAI_API_KEY"
            if status == 404:
                return (
                    f"cannot {what}: HTTP 404 from {self._server}: no such batch or file there, or no Batch API at "
                    "all; check --batch-id (or delete OUT.batch.json), or use --export-batch, the provider's batch "
                    "tool (vLLM: run-batch) and --import-batch"
                )
            if status in (405, 501):
                return (
                    f"cannot {what}: the server at {self._server} has no Batch API (HTTP {status}); use "
                    "--export-batch, the provider's batch tool (vLLM: run-batch) and --import-batch"
                )
            detail = ""
            if isinstance(exc.body, Mapping):
                message = exc.body.get("message")
                detail = f": {_shorten(str(message), _DETAIL_CHARS)}" if message else ""
            return f"cannot {what}: the server answered HTTP {status}{detail}; check the request and try again"
        return f"cannot {what}: {_shorten(str(exc), _DETAIL_CHARS)}"

    def _redact(self, text: str) -> str:
        if len(self._secret) >= 4 and self._secret in text:
            text = text.replace(self._secret, "***")
        return text


def _batch_reason(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return f"http_{status}"
    return "timeout" if "Timeout" in type(exc).__name__ else "connection"


if TYPE_CHECKING:

    def _conforms(judge: OpenAIJudge) -> Judge:
        """Lets mypy check that OpenAIJudge satisfies the Judge protocol."""
        return judge
