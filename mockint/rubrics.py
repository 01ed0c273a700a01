"""Rubric files: YAML to validated ``Rubric``, lookup by id, and discovery of the shipped rubrics.

Errors name the file, the line and the field, and say how to fix it, in one line (simonw/llm ``Template``
loading renders pydantic errors the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from mockint.errors import RubricError
from mockint.files import read_text
from mockint.models import Rubric
from mockint.resources import data_dir

RUBRIC_SUFFIXES = (".yaml", ".yml")


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
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
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
    return parse_rubric(read_text(file, "a rubric .yaml file", RubricError, noun="rubric file"), file)


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
