"""Provider batch engines: export judge requests as a Batch API file, import its output, run a whole batch.

* :func:`export_requests` writes one OpenAI Batch API request line per answer: ``custom_id`` is the answer's
  id, ``body`` is exactly what the live judge would POST (``OpenAIJudge.request_body``, ``json_schema``
  mode). The same file runs on OpenAI's Batch API and on vLLM's offline ``run-batch``.
* :class:`BatchOutput` indexes Batch API output files (custom id -> file offset, not the replies themselves,
  so a 100k-line output does not sit in memory) and :class:`BatchReplyJudge` serves each stored reply to
  :func:`~mockint.grading.grade_answer` through the ordinary judge protocol: the reply is validated by the
  same :func:`~mockint.judge.parse_reply` as a live one, its quotes are verified against the answer, and a
  missing, failed or invalid reply becomes a deterministic grade whose warning says why.
* :func:`run_provider_batch` uploads, submits, polls and downloads through the openai SDK's files and
  batches endpoints. The batch ids are kept in a state file next to the output (``OUT.batch.json``), written
  after every step, so a re-run (after a kill, a network failure or simply the next morning) polls the
  batches already submitted instead of paying for them again.

Several judges (``--judge-models``, ``--samples``): a Batch API file takes one model, so each model gets files of
its own (:class:`ModelRequests`), one line per answer and sample, and each ``custom_id`` names its judge
(:func:`panel_custom_id`: ``ID@MODEL``, ``ID@MODEL#sN``). On import one :class:`BatchOutput` indexes every file
and one :class:`BatchReplyJudge` per judge picks its own replies, so the answers get the same vote as live.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockint.batch.answers import Record
from mockint.batch.panel import ModelRequests
from mockint.batch.state import BatchState, Chunk, load_state, save_state, state_path
from mockint.config import DEFAULT_MAX_REPLY_BYTES
from mockint.errors import InputError, JudgeError, MockintError
from mockint.models import JudgeResult, Rubric
from mockint.rubrics import RubricSet

if TYPE_CHECKING:
    from mockint.judge import BatchClient, BatchStatus

__all__ = [
    "BatchOutput",
    "BatchReplyJudge",
    "ExportSummary",
    "export_requests",
    "run_provider_batch",
    "state_path",
]

# OpenAI's limits per batch: 50,000 requests and a 200 MB input file. A little under, to be safe.
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 190 * 1024 * 1024
BATCH_URL = "/v1/chat/completions"


@dataclass
class ExportSummary:
    """What an export wrote.

    Attributes:
        files: The request files written (one per batch).
        requests: Request lines written.
        errors: One-line messages of records that could not be exported (bad input, unknown question).
    """

    files: list[Path] = field(default_factory=list)
    requests: int = 0
    errors: list[str] = field(default_factory=list)


def export_requests(
    records: Iterable[Record],
    rubrics: RubricSet,
    request_body: Callable[[str, Rubric], dict[str, Any]],
    path_for: Callable[[int], Path],
    *,
    max_requests: int = MAX_BATCH_REQUESTS,
    max_bytes: int = MAX_BATCH_BYTES,
    custom_ids: Callable[[str], Sequence[str]] | None = None,
) -> ExportSummary:
    """Write Batch API request lines, starting a new file when one would exceed the provider's limits.

    Each file is written to ``NAME.part`` and renamed when complete, so a file that exists is whole.

    Args:
        records: Input records, read lazily.
        rubrics: Rubrics by question id.
        request_body: The live judge's request body for an answer (``OpenAIJudge.request_body``).
        path_for: The path of request file number ``n`` (from 1).
        max_requests: Request lines per file at most.
        max_bytes: Bytes per file at most.
        custom_ids: The custom ids of an answer's requests, one line each with the same body (default: the
            answer's id alone; see :meth:`ModelRequests.custom_ids`).

    Returns:
        The files, the number of requests and the records that could not be exported.
    """
    summary = ExportSummary()
    handle = None
    part: Path | None = None
    lines = size = 0

    def finish() -> None:
        nonlocal handle
        if handle is not None and part is not None:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            handle = None
            final = part.with_name(part.name.removesuffix(".part"))
            part.replace(final)
            summary.files.append(final)

    try:
        for record in records:
            answer = record.answer
            if answer is None:
                summary.errors.append(record.error or f"{record.source}: cannot be read")
                continue
            try:
                rubric = rubrics.get_rubric(answer.question_id)
            except MockintError as exc:
                summary.errors.append(f"{record.source}: question_id: {exc}")
                continue
            body = request_body(answer.answer, rubric)
            for custom_id in custom_ids(answer.id) if custom_ids is not None else (answer.id,):
                line = {"custom_id": custom_id, "method": "POST", "url": BATCH_URL, "body": body}
                data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
                if handle is not None and (lines >= max_requests or size + len(data) > max_bytes):
                    finish()
                if handle is None:
                    target = path_for(len(summary.files) + 1)
                    part = target.with_name(target.name + ".part")
                    try:
                        handle = part.open("wb")
                    except OSError as exc:
                        raise InputError(f"{target}: cannot write ({exc.strerror}); check the path") from None
                    lines = size = 0
                handle.write(data)
                lines += 1
                size += len(data)
                summary.requests += 1
        finish()
    finally:
        if handle is not None:
            handle.close()
    return summary


# -- import ------------------------------------------------------------------------------------------------


class BatchOutput:
    """Batch API output files, indexed by ``custom_id``; each reply is read from disk when it is graded.

    Lines that cannot be used at all (not JSON, no ``custom_id``) are listed in :attr:`problems` with their
    file and line; the answers they were for then get no reply and fall back to deterministic grading.

    Args:
        paths: Output files (OpenAI's output and error files, or vLLM ``run-batch`` output).

    Raises:
        InputError: A file cannot be read.
    """

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self.problems: list[str] = []
        self.duplicates = 0
        # custom_id -> (file number, byte offset, byte length, line number): a plain tuple, the smallest
        # record Python has, since an output can have 100k lines.
        self._index: dict[str, tuple[int, int, int, int]] = {}
        self._used: set[str] = set()
        self._lock = threading.Lock()
        self._fds: list[int] = []
        try:
            for number, path in enumerate(self.paths):
                self._scan(number, path)
        except BaseException:
            self.close()
            raise

    def _scan(self, number: int, path: Path) -> None:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file; pass the Batch API output file (.jsonl)") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
        with handle:
            self._fds.append(os.dup(handle.fileno()))
            offset = 0
            for line_number, raw in enumerate(handle, start=1):
                start, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                where = f"{path}:{line_number}"
                try:
                    data = json.loads(raw)
                except ValueError:
                    self.problems.append(
                        f"{where}: not a JSON line (cut off or edited?); its answer gets a deterministic grade"
                    )
                    continue
                custom_id = data.get("custom_id") if isinstance(data, dict) else None
                if not isinstance(custom_id, str) or not custom_id:
                    self.problems.append(
                        f"{where}: no custom_id; not a Batch API output line (pass the output file, not the input)"
                    )
                    continue
                if custom_id in self._index:
                    # A retried request can appear twice (once in the error file, once in the output): keep
                    # the success.
                    self.duplicates += 1
                    if not _is_success(data):
                        continue
                self._index[custom_id] = (number, start, len(raw), line_number)

    def __len__(self) -> int:
        return len(self._index)

    def close(self) -> None:
        """Close the files."""
        for fd in self._fds:
            os.close(fd)
        self._fds = []

    def __enter__(self) -> BatchOutput:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def unused(self) -> int:
        """Replies whose custom_id matched no answer graded so far."""
        with self._lock:
            return len(self._index) - len(self._used)

    def line(self, custom_id: str) -> tuple[str, dict[str, Any]] | None:
        """``(FILE:LINE, object)`` of the reply for ``custom_id``, or ``None`` when there is none."""
        where = self._index.get(custom_id)
        if where is None:
            return None
        with self._lock:
            self._used.add(custom_id)
        file, offset, length, line = where
        # pread: no shared file position, so worker threads need no lock to read.
        raw = os.pread(self._fds[file], length, offset)
        return f"{self.paths[file]}:{line}", json.loads(raw)


def _is_success(data: Mapping[str, Any]) -> bool:
    response = data.get("response")
    return not data.get("error") and isinstance(response, Mapping) and response.get("status_code") == 200


class BatchReplyJudge:
    """Serves replies from a :class:`BatchOutput` as if the judge had just answered them (no HTTP).

    Args:
        output: The indexed output files.
        model: Model name to record when a reply does not name one.
        prompt_version: The prompt version the requests were built with.
        max_reply_bytes: Largest reply accepted, in UTF-8 bytes; a larger one is invalid.
        custom_id: The custom id of this judge's reply to an answer id (default: the answer id; with several
            judges, :func:`panel_custom_id` of this judge).
    """

    def __init__(
        self,
        output: BatchOutput,
        *,
        model: str,
        prompt_version: str,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        custom_id: Callable[[str], str] | None = None,
    ) -> None:
        from mockint.judge import completion_content, completion_usage, parse_reply

        self._output = output
        self._custom_id = custom_id
        self._model = model
        self._prompt_version = prompt_version
        self._content = completion_content
        self._max_reply_bytes = max_reply_bytes
        self._usage = completion_usage
        self._parse = parse_reply
        self._lock = threading.Lock()
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.replies = 0
        self.last_model: str | None = None

    @property
    def model(self) -> str:
        """The model recorded when a reply names none."""
        return self._model

    @property
    def prompt_version(self) -> str:
        """The prompt version of the exported requests."""
        return self._prompt_version

    def judge(self, answer: str, rubric: Rubric, *, answer_id: str | None = None) -> JudgeResult:
        """The stored reply for ``answer_id``, validated against ``rubric``.

        Raises:
            JudgeError: No reply, a failed request, or a reply that breaks the contract; the message names
                the output file and line.
        """
        key = answer_id or ""
        if self._custom_id is not None:
            key = self._custom_id(key)
        found = self._output.line(key)
        if found is None:
            files = ", ".join(str(path) for path in self._output.paths)
            named = f" (custom_id {key!r})" if self._custom_id is not None else ""
            raise JudgeError(f"no reply for this answer{named} in the batch output {files}", reason="batch_missing")
        where, data = found
        error = data.get("error")
        if error:
            detail = error.get("message") or error.get("code") if isinstance(error, Mapping) else error
            raise JudgeError(f"{where}: the batch request failed ({detail})", reason="batch_error")
        response = data.get("response")
        if not isinstance(response, Mapping):
            raise JudgeError(f"{where}: no response in the output line", reason="bad_response")
        status = response.get("status_code")
        body = response.get("body")
        if status != 200:
            message = body.get("error") if isinstance(body, Mapping) else None
            if isinstance(message, Mapping):
                message = message.get("message")
            suffix = f": {' '.join(str(message).split())[:200]}" if message else ""
            raise JudgeError(f"{where}: the request got HTTP {status}{suffix}", reason=f"http_{status}")
        try:
            reply = self._parse(self._content(body, max_bytes=self._max_reply_bytes), rubric)
        except JudgeError as exc:
            raise JudgeError(f"{where}: {exc}", reason=exc.reason) from None
        usage = self._usage(body)
        with self._lock:
            self.replies += 1
            if usage is not None:
                self.prompt_tokens += usage[0]
                self.completion_tokens += usage[1]
        model = body.get("model") if isinstance(body, Mapping) else None
        if isinstance(model, str) and model:
            self.last_model = model
        return JudgeResult(
            reply=reply,
            model=model if isinstance(model, str) and model else self._model,
            prompt_version=self._prompt_version,
            requests=1,
        )


# -- the provider's batch engine ------------------------------------------------------------------------------


@dataclass
class ProviderBatchResult:
    """What a provider batch run left to import.

    Attributes:
        outputs: Downloaded output and error files, to pass to :class:`BatchOutput`.
        statuses: The final status of each batch.
        resumed: Whether existing batches were picked up instead of submitting new ones.
    """

    outputs: list[Path]
    statuses: list[BatchStatus]
    resumed: bool


def run_provider_batch(
    client: BatchClient,
    out: Path,
    *,
    records: Callable[[], Iterable[Record]],
    rubrics: RubricSet,
    request_body: Callable[[str, Rubric], dict[str, Any]],
    model: str,
    prompt_version: str,
    answers: Sequence[Path],
    batch_id: str | None = None,
    poll_interval: float = 30.0,
    progress: Callable[[Sequence[BatchStatus]], None] | None = None,
    notice: Callable[[str], None] | None = None,
    max_requests: int = MAX_BATCH_REQUESTS,
    sleep: Callable[[float], None] = time.sleep,
    panel: Sequence[ModelRequests] = (),
) -> ProviderBatchResult:
    """Run the answers through the provider's Batch API and download the results next to ``out``.

    New run: requests are exported to ``OUT.batch-input-N.jsonl`` (with several judges, each model's to files and
    batches of its own, numbered on: a batch takes one model), uploaded and submitted, and the ids saved
    to ``OUT.batch.json`` after each step. Re-run with that file present (or with ``batch_id``): the batches
    already submitted are polled, nothing is submitted twice. Then every batch is polled until it ends and
    its output and error files are downloaded to ``OUT.batch-output-N.jsonl`` / ``OUT.batch-errors-N.jsonl``.

    Args:
        client: The provider's files and batches endpoints.
        out: The grades file the results will be imported into.
        records: Reads the answers (called only when a new batch is submitted).
        rubrics: Rubrics by question id.
        request_body: The live judge's request body for an answer.
        model: The judge's model (recorded in the state file; with ``panel``, its models, comma-separated).
        prompt_version: The judge's prompt version (recorded; a mismatch on resume is reported).
        answers: The answers files (recorded, to warn when a resume uses others).
        batch_id: Poll this existing batch instead of the state file's or a new one.
        poll_interval: Seconds between polls.
        progress: Called with every batch's status after each poll.
        notice: Called with one-line messages for the user.
        max_requests: Requests per batch at most (the provider's limit).
        sleep: Waits between polls (tests).
        panel: Several judges: each model's requests (then ``request_body`` is not used); default: one judge,
            ``model`` with ``request_body``.

    Returns:
        The downloaded files and the final statuses.

    Raises:
        InputError: The state file is unreadable, or a batch failed or was cancelled with nothing to import.
        JudgeError: The server could not be reached or refused a call, after retries.
    """
    say = notice or (lambda message: None)
    path = state_path(out)
    resumed = True
    if batch_id is not None:
        state = BatchState(
            chunks=[Chunk(input_file="", requests=0, batch_id=batch_id)],
            model=model,
            prompt_version=prompt_version,
            answers=[str(item) for item in answers],
        )
        save_state(path, state)
    elif path.exists():
        state = load_state(path)
        ids = ", ".join(chunk.batch_id or "(not yet submitted)" for chunk in state.chunks)
        say(f"picking up batch {ids} from {path} (delete that file to submit a new batch)")
        if state.prompt_version != prompt_version or state.model != model:
            say(
                f"the batch was submitted with model {state.model} and prompt {state.prompt_version}; now "
                f"{model} and {prompt_version}: its replies are still validated against the current rubrics"
            )
        if state.answers and sorted(state.answers) != sorted(str(item) for item in answers):
            say(f"the batch was submitted for {', '.join(state.answers)}; custom_ids are matched to answer ids")
    else:
        resumed = False
        chunks: list[Chunk] = []
        for group in panel or (ModelRequests(model, request_body),):
            first = len(chunks)
            exported = export_requests(
                records(),
                rubrics,
                group.request_body,
                functools.partial(_input_path, out, first),
                max_requests=max_requests,
                custom_ids=group.custom_ids,
            )
            if exported.requests == 0:
                raise InputError("no answer could be exported for the batch; fix the input errors above and run again")
            chunks += [
                Chunk(input_file=str(file), requests=_count_lines(file), model=group.model if group.tagged else None)
                for file in exported.files
            ]
        state = BatchState(
            chunks=chunks,
            model=model,
            prompt_version=prompt_version,
            answers=[str(item) for item in answers],
        )
        save_state(path, state)
    _submit_missing(client, state, path, say)
    statuses = _poll(client, state, poll_interval, progress, sleep)
    failed = [status for status in statuses if status.status == "failed"]
    if failed:
        reasons = "; ".join(failed[0].errors[:3]) or "no reason given"
        raise InputError(
            f"batch {failed[0].id} failed ({reasons}); fix the cause, delete {path} and run again to resubmit"
        )
    outputs: list[Path] = []
    for number, status in enumerate(statuses, start=1):
        if status.status in ("expired", "cancelled"):
            done = status.completed
            what = "it finished no replies" if not done else f"importing the {done} repl{'y' if done == 1 else 'ies'}"
            say(f"batch {status.id} {status.status}; {what}{' it finished' if done else ''}")
        for kind, file_id in (("output", status.output_file_id), ("errors", status.error_file_id)):
            if file_id:
                dest = out.with_name(f"{out.name}.batch-{kind}-{number}.jsonl")
                client.download(file_id, dest)
                outputs.append(dest)
    return ProviderBatchResult(outputs=outputs, statuses=statuses, resumed=resumed)


def _input_path(out: Path, first: int, number: int) -> Path:
    """Request file ``number`` of a model whose files follow the ``first`` ones of the models before it."""
    return out.with_name(f"{out.name}.batch-input-{first + number}.jsonl")


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def _submit_missing(client: BatchClient, state: BatchState, path: Path, say: Callable[[str], None]) -> None:
    for chunk in state.chunks:
        if chunk.batch_id is not None:
            continue
        if chunk.file_id is not None:
            # Killed between creating the batch and saving its id? The server knows it by its input file.
            found = client.find_batch(chunk.file_id)
            if found is not None:
                chunk.batch_id = found.id
                save_state(path, state)
                continue
        else:
            chunk.file_id = client.upload(Path(chunk.input_file))
            save_state(path, state)
        status = client.submit(chunk.file_id, metadata={"mockint_input": Path(chunk.input_file).name[:500]})
        chunk.batch_id = status.id
        save_state(path, state)
        of = f" of model {chunk.model}" if chunk.model else ""
        say(f"submitted batch {status.id} ({chunk.requests} requests{of}); its id is kept in {path}")


def _poll(
    client: BatchClient,
    state: BatchState,
    poll_interval: float,
    progress: Callable[[Sequence[BatchStatus]], None] | None,
    sleep: Callable[[float], None],
) -> list[BatchStatus]:
    ids = [chunk.batch_id for chunk in state.chunks if chunk.batch_id is not None]
    while True:
        statuses = [client.retrieve(batch) for batch in ids]
        if progress is not None:
            progress(statuses)
        if all(status.done for status in statuses):
            return statuses
        sleep(poll_interval)
