"""Prompt files and their rendering.

A prompt called ``name`` is a set of files ``prompts/<name>_<part>.md``: ``system`` and ``user`` are required,
other parts (e.g. ``reask``) are optional single messages. Each file is a langchain-core f-string template
with named variables (``{question}``); literal braces are written ``{{`` and ``}}``. User text only ever
enters a prompt as a variable's value, so it is never parsed as a template.

``langchain_core`` is imported inside the functions that need it: ``mockint --help`` and deterministic grading
must not pay for it.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

from mockint.errors import ConfigError
from mockint.resources import data_dir

_REQUIRED_PARTS = ("system", "user")


def _prompts_dir() -> Path:
    """The folder holding the prompt files (tests point this at a temporary copy)."""
    return data_dir("prompts")


@dataclass(frozen=True)
class Prompt:
    """The text of one prompt's files, read once, with the version derived from their bytes.

    Attributes:
        name: The prompt's name, e.g. ``"judge"``.
        parts: Template text per part (``"system"``, ``"user"``, optional extras such as ``"reask"``).
        files: The file each part was read from (for error messages).
        version: ``"<name>@<first 10 hex digits of sha256 over the files>"``; editing a file changes it.
    """

    name: str
    parts: dict[str, str]
    files: dict[str, Path]
    version: str

    def variables(self, part: str) -> set[str]:
        """Return the names of the template variables used by one part.

        Raises:
            ConfigError: The part does not exist or its template is malformed.
        """
        template = self._template_text(part)
        try:
            return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
        except ValueError as exc:
            raise ConfigError(
                f"{self.files[part]}: invalid template ({exc}); write literal braces as {{{{ and }}}}"
            ) from None

    def messages(self, **variables: str) -> list[dict[str, str]]:
        """Render the system and user parts as OpenAI chat messages.

        Args:
            **variables: Values for the templates' variables (extra ones are ignored).

        Returns:
            ``[{"role": "system", "content": ...}, {"role": "user", "content": ...}]``.

        Raises:
            ConfigError: A template uses a variable that was not given, or is malformed.
        """
        from langchain_core.prompts import ChatPromptTemplate

        for part in _REQUIRED_PARTS:
            self._require_variables(part, variables)
        try:
            template = ChatPromptTemplate.from_messages(
                [("system", self.parts["system"]), ("human", self.parts["user"])], template_format="f-string"
            )
            rendered = template.format_messages(**variables)
        except (KeyError, ValueError) as exc:  # pragma: no cover - _require_variables catches these first
            raise ConfigError(f"prompt {self.name!r}: cannot render ({exc}); check {self.files['system']}") from None
        roles = {"system": "system", "human": "user"}
        messages: list[dict[str, str]] = []
        for message in rendered:
            content = message.content
            if not isinstance(content, str):  # pragma: no cover - string templates render strings
                raise ConfigError(f"prompt {self.name!r}: a part did not render to text")
            messages.append({"role": roles[message.type], "content": content})
        return messages

    def text(self, part: str, **variables: str) -> str:
        """Render one part on its own (e.g. the ``reask`` user message).

        Raises:
            ConfigError: The part does not exist, or its template is malformed or uses a variable not given.
        """
        from langchain_core.prompts import PromptTemplate

        self._require_variables(part, variables)
        template = PromptTemplate.from_template(self.parts[part], template_format="f-string")
        return template.format(**variables)

    def _template_text(self, part: str) -> str:
        try:
            return self.parts[part]
        except KeyError:
            folder = _prompts_dir()
            raise ConfigError(
                f"{folder / f'{self.name}_{part}.md'}: prompt file not found; reinstall mockint or restore the file"
            ) from None

    def _require_variables(self, part: str, given: dict[str, str]) -> None:
        missing = sorted(self.variables(part) - given.keys())
        if missing:
            names = ", ".join("{" + name + "}" for name in missing)
            known = ", ".join("{" + name + "}" for name in sorted(given)) or "none"
            raise ConfigError(
                f"{self.files[part]}: unknown template variable {names}; use only {known}, "
                "or write literal braces as {{ and }}"
            )


def load_prompt(name: str) -> Prompt:
    """Read the files of prompt ``name`` from the prompts folder.

    Args:
        name: The prompt's name; its files are ``<name>_system.md``, ``<name>_user.md`` and optional
            ``<name>_<part>.md``.

    Returns:
        The prompt, with its version computed from the files' names and bytes.

    Raises:
        ConfigError: A required file is missing or unreadable, or a file is not UTF-8.
    """
    folder = _prompts_dir()
    paths = {part: folder / f"{name}_{part}.md" for part in _REQUIRED_PARTS}
    if folder.is_dir():
        for path in sorted(folder.glob(f"{name}_*.md")):
            paths.setdefault(path.stem[len(name) + 1 :], path)
    digest = hashlib.sha256()
    parts: dict[str, str] = {}
    for part, path in sorted(paths.items(), key=lambda item: item[1].name):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"{path}: prompt file not found; reinstall mockint or restore the file") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read prompt file ({exc.strerror}); check its permissions") from None
        try:
            parts[part] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: prompt file is not UTF-8 text; save it as UTF-8") from None
        # The file name is hashed too, so moving text from one part to another changes the version.
        digest.update(path.name.encode("utf-8") + b"\0" + raw + b"\0")
    return Prompt(name=name, parts=parts, files=paths, version=f"{name}@{digest.hexdigest()[:10]}")


def render_messages(name: str, **variables: str) -> list[dict[str, str]]:
    """Render prompt ``name`` as OpenAI chat messages: its system part, then its user part.

    Args:
        name: The prompt's name, e.g. ``"judge"``.
        **variables: Values for the templates' named variables; user text belongs here only.

    Returns:
        ``[{"role": "system", "content": ...}, {"role": "user", "content": ...}]``.

    Raises:
        ConfigError: A prompt file is missing, unreadable or malformed, or a variable it uses is not given.
    """
    return load_prompt(name).messages(**variables)


def prompt_version(name: str) -> str:
    """Return the version of prompt ``name``, e.g. ``"judge@3f2a9c01de"``.

    The suffix is the first 10 hex digits of a sha256 over the prompt's files, so editing a file changes it.

    Raises:
        ConfigError: A required prompt file is missing or unreadable.
    """
    return load_prompt(name).version
