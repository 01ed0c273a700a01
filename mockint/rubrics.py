"""Rubric files: YAML to validated ``Rubric``, lookup by id, discovery of the shipped rubrics, and YAML out.

Errors name the file, the line and the field, and say how to fix it, in one line (simonw/llm ``Template``
loading renders pydantic errors the same way).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import BaseModel, ValidationError

from mockint.errors import RubricError
from mockint.files import DEFAULT_MAX_RUBRIC_BYTES, env_limit, read_text
from mockint.models import Rubric
from mockint.resources import data_dir

RUBRIC_SUFFIXES = (".yaml", ".yml")
MAX_YAML_DEPTH = 32
"""Deepest nesting of lists and mappings in a rubric file; the schema needs six levels (``criteria`` to a check's
concept phrases). PyYAML composes recursively, so a deeper file is refused before it can overflow the stack."""


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark | None) -> None:
        self.mark = mark


class _DepthLimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing documents nested deeper than :data:`MAX_YAML_DEPTH`."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# libyaml's parser and composer, when PyYAML was built with it: about five times faster than the pure-Python
# loader, which matters at start-up (every `mockint` run reads the rubrics). Its composer is C and cannot count
# depth as it goes, so the depth is checked on its event stream first (see _check_depth).
_FAST_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_NODES = (yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.ScalarEvent, yaml.AliasEvent)


def _check_depth(text: str, loader: type[yaml.SafeLoader]) -> None:
    """Refuse a document nested deeper than :data:`MAX_YAML_DEPTH`, counted as the composer counts (every node
    one level below its collection), before anything is composed."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, _NODES) and depth + 1 > MAX_YAML_DEPTH:
                raise _TooDeep(cast("yaml.Mark", event.start_mark))
            if isinstance(event, _OPENING):
                depth += 1
            elif isinstance(event, _CLOSING):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml refuses a flow collection nested past its own limit while scanning ahead of the events.
        if "nesting depth" in (exc.problem or ""):
            raise _TooDeep(exc.problem_mark) from None
        raise


def _load_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's root node (for line numbers in errors) and its data, refusing deep nesting."""
    loader: yaml.SafeLoader
    if _FAST_LOADER is not None:
        _check_depth(text, _FAST_LOADER)
        loader = _FAST_LOADER(text)
    else:
        loader = _DepthLimitedLoader(text)
    try:
        root = loader.get_single_node()
        # Built from the node already composed, not parsed a second time.
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def default_rubrics_dir() -> Path:
    """The folder of rubrics shipped with mockint."""
    return data_dir("rubrics")


def _node_line(root: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a 1-based line number."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    node = value_node
                    # Point at the key: the value of a block sequence starts on the next line.
                    line = key_node.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


_FIXES: dict[str, str] = {
    "missing": "add this required field",
    "extra_forbidden": "remove it or fix its spelling",
    "string_too_short": "give a non-empty value",
    "too_short": "add at least one item",
    "string_pattern_mismatch": "use letters, digits, '.', '_' or '-', starting with a letter or digit",
    "greater_than": "use a larger number",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
    "literal_error": "use one of the allowed values",
    "string_type": "write it as text",
    "list_type": "write it as a YAML list",
    "dict_type": "write it as a YAML mapping",
    "float_parsing": "write a number",
    "bool_parsing": "write true or false",
    "model_type": "write it as a YAML mapping",
}


def _format_loc(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def describe_validation_error(path: Path | str, exc: ValidationError, root: yaml.Node | None) -> str:
    """Render the first pydantic error as ``FILE:LINE: field: what is wrong; how to fix``.

    Args:
        path: The file the data came from.
        exc: The validation error.
        root: The composed YAML node tree, to find line numbers (``None`` for non-YAML input).

    Returns:
        One line, with a count of further errors when there are several.
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = [part for part in first["loc"] if isinstance(part, int | str)]
    # Validators on the whole rubric report their own field path inside the message.
    message = str(first["msg"]).removeprefix("Value error, ")
    field = _format_loc(loc)
    fix = _FIXES.get(str(first["type"]), "")
    line = _node_line(root, loc) if root is not None else None
    where = f"{path}:{line}" if line is not None else f"{path}"
    text = f"{where}: {field}: {message}"
    if fix and fix not in message:
        text += f"; {fix}"
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    return text


def parse_rubric(text: str, path: Path | str = "<rubric>") -> Rubric:
    """Parse and validate rubric YAML text.

    Args:
        text: The YAML text.
        path: Shown in error messages.

    Returns:
        The validated rubric.

    Raises:
        RubricError: The YAML is malformed or does not match the rubric schema.
    """
    try:
        root, data = _load_yaml(text)
    except _TooDeep as exc:
        line = f":{exc.mark.line + 1}" if exc.mark is not None else ""
        raise RubricError(
            f"{path}{line}: nested more than {MAX_YAML_DEPTH} levels deep; a rubric needs about six: flatten the "
            "lists and mappings from this line on"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "malformed YAML"
        raise RubricError(f"{path}{line}: invalid YAML: {problem}; fix the syntax on that line") from None
    except yaml.YAMLError as exc:
        raise RubricError(f"{path}: invalid YAML: {exc}; fix the syntax") from None
    if not isinstance(data, dict):
        raise RubricError(
            f"{path}: a rubric must be a YAML mapping with id, title, question, ...; see `mockint rubric schema`"
        )
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(describe_validation_error(path, exc, root)) from None


def load_rubric(path: str | Path) -> Rubric:
    """Load and validate one rubric file.

    Args:
        path: A ``.yaml`` rubric file.

    Returns:
        The validated rubric.

    Raises:
        RubricError: With ``FILE:LINE: field: problem; fix`` when the file is missing, malformed or invalid.
    """
    file = Path(path)
    return parse_rubric(read_rubric_text(file), file)


def read_rubric_text(file: Path) -> str:
    """A rubric file's text, refused when over ``MOCKINT_MAX_RUBRIC_BYTES`` (default 1 MiB), binary or not UTF-8.

    Raises:
        RubricError: The file cannot be read as a rubric; the message says why and what to do.
    """
    return read_text(
        file,
        "a rubric .yaml file",
        RubricError,
        noun="rubric file",
        max_bytes=env_limit("MOCKINT_MAX_RUBRIC_BYTES", DEFAULT_MAX_RUBRIC_BYTES),
        limit_name="MOCKINT_MAX_RUBRIC_BYTES",
    )


@dataclass(frozen=True)
class RubricSet(Mapping[str, Rubric]):
    """Rubrics by id, remembering the file each came from."""

    rubrics: dict[str, Rubric]
    files: dict[str, Path]

    def __getitem__(self, key: str) -> Rubric:
        return self.rubrics[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.rubrics)

    def __len__(self) -> int:
        return len(self.rubrics)

    def get_rubric(self, question_id: str) -> Rubric:
        """Return the rubric for ``question_id``.

        Raises:
            RubricError: The id is unknown; the message lists the known ids.
        """
        try:
            return self.rubrics[question_id]
        except KeyError:
            known = ", ".join(sorted(self.rubrics)) or "(none)"
            raise RubricError(
                f"unknown question id {question_id!r}; known ids: {known} (see `mockint questions list`)"
            ) from None


def rubric_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the list of rubric files they hold (folders: ``*.yaml``/``*.yml``)."""
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in RUBRIC_SUFFIXES and p.is_file()))
        elif path.exists():
            files.append(path)
        else:
            raise RubricError(f"{path}: no such rubric file or folder; check the path")
    return files


def load_rubrics(paths: Iterable[str | Path] | str | Path | None = None) -> RubricSet:
    """Load every rubric in the given files and folders (the shipped rubrics when none are given).

    Args:
        paths: Rubric files or folders; ``None`` means the rubrics shipped with mockint.

    Returns:
        The rubrics by id.

    Raises:
        RubricError: A file is invalid, two files share an id, or a folder holds no rubric.
    """
    if paths is None:
        paths = [default_rubrics_dir()]
    elif isinstance(paths, str | Path):
        paths = [paths]
    paths = list(paths)
    files = rubric_files(paths)
    if not files:
        where = ", ".join(str(p) for p in paths)
        raise RubricError(f"{where}: no rubric files (*.yaml) found; pass --rubrics DIR with rubric files")
    rubrics: dict[str, Rubric] = {}
    sources: dict[str, Path] = {}
    for file in files:
        rubric = load_rubric(file)
        if rubric.id in rubrics:
            raise RubricError(
                f"{file}: id: {rubric.id!r} is already used by {sources[rubric.id]}; give each rubric its own id"
            )
        rubrics[rubric.id] = rubric
        sources[rubric.id] = file
    return RubricSet(rubrics, sources)


def rubric_schema() -> dict[str, Any]:
    """The JSON Schema of a rubric file, for editors and validators."""
    schema = Rubric.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mockint rubric"
    return schema


def rubric_as_json(rubric: BaseModel) -> dict[str, Any]:
    """The whole rubric as plain JSON data (used by ``mockint questions show --format json``)."""
    return rubric.model_dump(mode="json")


# ---------------------------------------------------------------------------------------------------------
# Writing: Rubric -> YAML
# ---------------------------------------------------------------------------------------------------------

_PLAIN_RE = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n#:]*$")
_NOT_PLAIN = re.compile(
    r"^(?:~|null|true|false|yes|no|on|off|y|n|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|"
    r"0x[0-9a-f]+|0o[0-7]+|\.inf|\.nan|[-+]?\.inf)$",
    re.IGNORECASE,
)
_FOLD_WIDTH = 110


def _scalar(value: Any) -> str:
    """One YAML scalar: plain when unambiguous, else JSON-quoted (a JSON string is a valid YAML one)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if text and _PLAIN_RE.match(text) and not _NOT_PLAIN.match(text) and text == text.strip() and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _folded(text: str, indent: str) -> list[str] | None:
    """Long prose as a ``>-`` block wrapped at word boundaries, when that reads back to exactly ``text``."""
    if len(text) <= _FOLD_WIDTH - len(indent) or "\n" in text or "  " in text or "\t" in text:
        return None
    if text != text.strip() or not text.isprintable():
        return None
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(indent) + len(current) + 1 + len(word) > _FOLD_WIDTH:
            lines.append(indent + current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(indent + current)
    return lines


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(key)}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, str) and any(char in value for char in ",[]{}"):
        return json.dumps(value, ensure_ascii=False)  # these end a plain scalar inside [...] and {...}
    return _scalar(value)


_FIELD_ORDER = ("id", "label", "lang", "title", "text", "weight", "penalty", "question", "topic", "tags", "source")
# Lists written on one line: short phrase lists, concepts, and small checks.
_FLOW_LISTS = frozenset({"tags", "exclude", "unless", "omission_of", "score"})


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    first = {key: data[key] for key in _FIELD_ORDER if key in data}
    return {**first, **{key: value for key, value in data.items() if key not in first}}


def _emit(key: str, value: Any, indent: str, out: list[str], first_prefix: str | None = None) -> None:
    """Emit ``key: value`` at ``indent``; ``first_prefix`` replaces the indent of the first line ("- ")."""
    lead = first_prefix if first_prefix is not None else indent
    name = key
    key = _scalar(key)  # ids used as keys ("1", "yes") must stay strings
    if isinstance(value, dict):
        if not value:
            out.append(f"{lead}{key}: {{}}")
            return
        out.append(f"{lead}{key}:")
        for child_key, child in _ordered(value).items():
            _emit(str(child_key), child, indent + "  ", out)
        return
    if isinstance(value, list):
        if not value:
            out.append(f"{lead}{key}: []")
            return
        if (
            name in _FLOW_LISTS
            or (name == "concepts")
            or all(isinstance(item, str) and len(item) < 40 for item in value)
            and name not in ("tips",)
        ):
            if name == "concepts":
                out.append(f"{lead}{key}:")
                out.extend(f"{indent}  - {_flow(item)}" for item in value)
            else:
                out.append(f"{lead}{key}: {_flow(value)}")
            return
        out.append(f"{lead}{key}:")
        for item in value:
            _emit_item(item, indent, out, compact=name in ("checks", "detectors"))
        return
    _emit_scalar(f"{lead}{key}:", value, indent, out)


def _emit_scalar(prefix: str, value: Any, indent: str, out: list[str]) -> None:
    """``prefix value`` on one line, or a folded block (``prefix >-``) for long text."""
    folded = _folded(value, indent + "  ") if isinstance(value, str) else None
    if folded is not None:
        out.append(f"{prefix} >-")
        out.extend(folded)
    else:
        out.append(f"{prefix} {_scalar(value)}")


def _emit_item(item: Any, indent: str, out: list[str], compact: bool = False) -> None:
    if isinstance(item, dict):
        line = _flow(item) if compact else ""
        if compact and len(indent) + 2 + len(line) <= _FOLD_WIDTH:
            # A short check reads best on one line.
            out.append(f"{indent}- {line}")
            return
        for position, (key, value) in enumerate(_ordered(item).items()):
            _emit(str(key), value, indent + "  ", out, first_prefix=f"{indent}- " if position == 0 else None)
        return
    _emit_scalar(f"{indent}-", item, indent, out)


def rubric_yaml(rubric: Rubric, header: Sequence[str] = ()) -> str:
    """The rubric as readable YAML: header comments, folded prose, concept lists and short checks on one line.

    Written by a small emitter for the rubric's known shape (PyYAML's representer is the bottleneck of a
    bank import of thousands of questions); tests read every kind of output back with the rubric loader.

    Args:
        rubric: The rubric.
        header: Comment lines written above the YAML (without ``#``).

    Returns:
        The file's text, ending with a newline.
    """
    data = rubric.model_dump(mode="json", exclude_defaults=True)
    for criterion in data.get("criteria", []):
        criterion.setdefault("weight", 1.0)
    out = [f"# {line}" for line in header]
    for key, value in _ordered(data).items():
        _emit(key, value, "", out)
    return "\n".join(out) + "\n"
