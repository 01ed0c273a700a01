"""Several judges in provider batch files: who asks what, under which ``custom_id``, in which file.

A Batch API file (OpenAI's, vLLM ``run-batch``) takes one model, so with ``--judge-models a,b`` every model gets
request files of its own; ``--samples N`` puts a model's N samples of an answer in its file, one line each.
Each line's ``custom_id`` names its judge (:func:`panel_custom_id`), so the output files of all the judges can be
imported together and each judge finds its own replies. One judge keeps plain answer ids and one file, as ever.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockint.errors import ConfigError
from mockint.models import Rubric

if TYPE_CHECKING:
    from mockint.batch.provider import BatchOutput, BatchReplyJudge
    from mockint.config import Settings
    from mockint.judge import Judge

__all__ = ["ModelRequests", "export_path", "panel_custom_id", "panel_requests", "reply_judge"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def panel_custom_id(answer_id: str, model: str | None = None, sample: int | None = None) -> str:
    """The ``custom_id`` of one judge's request for an answer.

    Args:
        answer_id: The answer's id.
        model: The judge's model, with several judges; ``None`` for one judge.
        sample: The sample number, with ``--samples``.

    Returns:
        ``ID`` for one judge, ``ID@MODEL`` with ``--judge-models``, ``ID@MODEL#sN`` with ``--samples``. Ids are only
        ever built, never split, so an answer id with ``@`` or ``#`` in it is no problem.
    """
    if model is None:
        return answer_id
    return f"{answer_id}@{model}" + (f"#s{sample}" if sample is not None else "")


@dataclass(frozen=True)
class ModelRequests:
    """The batch requests of one judge model: one line per answer and sample, in files of their own.

    Attributes:
        model: The model (every request body names it).
        request_body: Its live judge's request body for an answer (``OpenAIJudge.request_body``).
        samples: The sample numbers it is asked for (``(None,)`` unless ``--samples``).
        tagged: Whether custom ids name the judge (several judges) or are the answer ids (one judge).
    """

    model: str
    request_body: Callable[[str, Rubric], dict[str, Any]]
    samples: tuple[int | None, ...] = (None,)
    tagged: bool = False

    def custom_ids(self, answer_id: str) -> list[str]:
        """The custom ids of this model's requests for ``answer_id`` (see :func:`panel_custom_id`)."""
        model = self.model if self.tagged else None
        return [panel_custom_id(answer_id, model, sample) for sample in self.samples]


@contextlib.contextmanager
def panel_requests(settings: Settings) -> Iterator[tuple[list[ModelRequests], str]]:
    """The requests of each judge model of ``settings.panel()``, in voting order, and the prompt version.

    The judges only build request bodies: no server is called, and a placeholder key does.

    Args:
        settings: The judges (``model``, or ``judge_models`` and ``samples``) and server.

    Yields:
        One :class:`ModelRequests` per model (tagged when there are several judges), and the prompt version.
    """
    from mockint.judge import OpenAIJudge

    samples: dict[str, list[int | None]] = {}
    for model, sample in settings.panel():
        samples.setdefault(model, []).append(sample)
    tagged = settings.several_judges
    judges = [
        OpenAIJudge(
            model,
            base_url=settings.base_url,
            api_key=settings.key_for_client(),
            # The body a live sample sends: its temperature (the sample number is not sent).
            temperature=settings.samples_temperature if settings.samples > 1 else 0.0,
            sample=1 if settings.samples > 1 else None,
        )
        for model in samples
    ]
    try:
        yield (
            [ModelRequests(judge.model, judge.request_body, tuple(samples[judge.model]), tagged) for judge in judges],
            judges[0].prompt_version,
        )
    finally:
        for judge in judges:
            judge.close()


def export_path(target: Path, models: Sequence[str], model: str) -> Path:
    """The request file of ``model`` for ``--export-batch TARGET`` with several judge models.

    ``requests.jsonl`` -> ``requests.MODEL.jsonl`` (``TARGET.MODEL.jsonl`` for another suffix); characters other
    than letters, digits, ``.``, ``_`` and ``-`` in the model's name become ``_``.

    Raises:
        ConfigError: Two of ``models`` would share a file.
    """

    def path(name: str) -> Path:
        safe = _UNSAFE.sub("_", name)
        stem = target.name.removesuffix(".jsonl")
        return target.with_name(f"{stem}.{safe}.jsonl")

    mine = path(model)
    clash = [other for other in models if other != model and path(other) == mine]
    if clash:
        raise ConfigError(f"--judge-models {model} and {clash[0]} would both write {mine}; export them in two runs")
    return mine


def reply_judge(replies: BatchOutput, settings: Settings, prompt_version: str) -> tuple[Judge, list[BatchReplyJudge]]:
    """The judge that grades with stored batch replies: one, or the panel of ``settings`` voting.

    Args:
        replies: The indexed output files of every judge.
        settings: The judges, and the largest reply accepted.
        prompt_version: The prompt version the requests were built with.

    Returns:
        The judge to grade with, and the judges that read replies (for their counts).
    """
    from mockint.batch.provider import BatchReplyJudge
    from mockint.judge.several import MultiJudge

    if not settings.several_judges:
        one = BatchReplyJudge(
            replies, model=settings.model, prompt_version=prompt_version, max_reply_bytes=settings.max_reply_bytes
        )
        return one, [one]
    members = [
        (
            BatchReplyJudge(
                replies,
                model=model,
                prompt_version=prompt_version,
                max_reply_bytes=settings.max_reply_bytes,
                custom_id=functools.partial(panel_custom_id, model=model, sample=sample),
            ),
            sample,
        )
        for model, sample in settings.panel()
    ]
    return MultiJudge(members), [judge for judge, _ in members]
