"""One exception tree for everything mockint reports to a user.

Every message is a single line that names the file, line or field at fault and says how to fix it, so the
CLI can print it as it is, without a traceback (simonw/llm ``errors.py``; inspect_ai ``PrerequisiteError``).
"""

from __future__ import annotations


class MockintError(Exception):
    """Base class: ``str(error)`` is the one-line message shown to the user."""


class RubricError(MockintError):
    """A rubric file is missing, unreadable or invalid, or a question id is unknown."""


class InputError(MockintError):
    """An answers file (or other user input) cannot be read or a record in it is invalid."""


class JudgeError(MockintError):
    """The LLM judge could not produce a valid verdict (after its bounded retries).

    Attributes:
        reason: A short machine-readable cause, e.g. ``"timeout"``, ``"http_500"``, ``"invalid_reply"``.
    """

    def __init__(self, message: str, reason: str = "judge_error") -> None:
        super().__init__(message)
        self.reason = reason


class RateLimitedError(JudgeError):
    """The judge server still answered HTTP 429 when the rate-limit patience ran out.

    A busy server is not a broken one: the circuit breaker does not count this failure.
    """


class ConfigError(MockintError):
    """Settings from flags or the environment are inconsistent or invalid."""


class HistoryError(MockintError):
    """The history database cannot be opened, read or written; the message names the file and the way out."""


class SpeechError(MockintError):
    """A recording cannot be read or transcribed, or the speech engine is missing or misconfigured.

    Attributes:
        reason: A short machine-readable cause, e.g. ``"missing_file"``, ``"undecodable"``, ``"http_500"``.
    """

    def __init__(self, message: str, reason: str = "speech_error") -> None:
        super().__init__(message)
        self.reason = reason
