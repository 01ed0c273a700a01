"""The state file of a provider batch run: which batches were submitted, so a re-run resumes them.

:func:`~mockint.batch.provider.run_provider_batch` writes it next to the output (``OUT.batch.json``) after every
step (upload, submit, download), so a killed or failed run polls the batches it already paid for instead of
submitting them again.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mockint.errors import InputError

__all__ = ["BatchState", "Chunk", "load_state", "save_state", "state_path"]

STATE_VERSION = 1


def state_path(out: Path) -> Path:
    """Where the batch ids of a ``--batch-api`` run writing ``out`` are kept."""
    return out.with_name(out.name + ".batch.json")


@dataclass
class Chunk:
    """One Batch API input file and how far it got.

    Attributes:
        input_file: The request file written for this batch.
        requests: How many requests (lines) it holds.
        file_id: The provider's id of the uploaded file, once uploaded.
        batch_id: The provider's batch id, once submitted.
        model: The judge model of a multi-model run (``None``: the run's one model).
    """

    input_file: str
    requests: int
    file_id: str | None = None
    batch_id: str | None = None
    model: str | None = None


@dataclass
class BatchState:
    """What a provider batch run has submitted, saved after every step.

    Attributes:
        chunks: The batches, one per input file.
        model: The judge model the requests were written for.
        prompt_version: The judge prompt's version (recorded; a resume with another version is reported).
        answers: The answer ids sent, in order.
        created: When the run was first started (Unix time).
    """

    chunks: list[Chunk]
    model: str
    prompt_version: str
    answers: list[str]
    created: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        """The state as the JSON object the state file holds."""
        return {
            "version": STATE_VERSION,
            "model": self.model,
            "prompt_version": self.prompt_version,
            "answers": self.answers,
            "created": self.created,
            "batches": [asdict(chunk) for chunk in self.chunks],
        }


def save_state(path: Path, state: BatchState) -> None:
    """Write the state file whole (see :func:`state_path`)."""
    # Write-then-rename: the state file is always whole, even if the run is killed while saving it.
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8") as handle:
        json.dump(state.to_json(), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    part.replace(path)


def load_state(path: Path) -> BatchState:
    """Read a state file written by :func:`save_state`.

    Raises:
        InputError: The file cannot be read or is not a state file; the message says how to start afresh.
    """
    fix = f"delete {path} to submit a new batch, or pass --batch-id ID"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        chunks = [
            Chunk(
                input_file=str(item["input_file"]),
                requests=int(item["requests"]),
                file_id=item.get("file_id"),
                batch_id=item.get("batch_id"),
                model=item.get("model"),
            )
            for item in data["batches"]
        ]
        return BatchState(
            chunks=chunks,
            model=str(data["model"]),
            prompt_version=str(data["prompt_version"]),
            answers=[str(item) for item in data.get("answers", [])],
            created=float(data.get("created", 0)),
        )
    except OSError as exc:
        raise InputError(f"{path}: cannot read the batch state ({exc.strerror}); {fix}") from None
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{path}: not a mockint batch state file; {fix}") from None
