"""Fallbacks: which grades the judge failed on, and re-grading them inside an existing output file.

A grade is a *fallback* when a judge was configured but its reply could not be used, so the answer was graded
deterministically; its ``fallback`` field holds the failure's reason code. Lines written before that field
existed are recognised by the warning :func:`mockint.grading.grade_answer` has always written.

``mockint grade ... --out grades.jsonl --resume --retry-fallbacks`` re-grades those answers (and appends the
answers the file does not have yet, as ``--resume`` does). The new grades of the fallbacks go to a side file,
``grades.jsonl.retry``, written like the output itself (one ``write`` per line, torn last line cut off on the
next run), so a run killed at any moment loses nothing it re-graded. When every answer is done, the output is
rewritten to ``grades.jsonl.merge`` with each fallback line replaced by its new grade in place (input order
kept, each id once), fsynced, the side file removed and the merge file renamed over the output. A run killed
during that step is finished by the next one: a merge file with its side file still there is incomplete and
is redone; one without it is complete and only needs its rename.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockint.batch.run import DurableJsonlWriter, ResumeState, scan_output
from mockint.errors import InputError
from mockint.files import fsync_folder

if TYPE_CHECKING:
    from mockint.batch.answers import Record
    from mockint.models import Grade
    from mockint.render import GradeWriter

__all__ = [
    "RetrySession",
    "describe_reasons",
    "discard_retry_files",
    "fallback_reason",
    "finish_interrupted_merge",
    "merge_path",
    "open_existing",
    "side_path",
]

# The warning grade_answer writes on a judge failure, for output written before the ``fallback`` field.
_FAILED = re.compile(r"^LLM judge failed \(([^)]*)\): ")


def fallback_reason(data: Mapping[str, Any]) -> str | None:
    """The fallback reason of a grade line read back from JSONL output, or ``None`` if it is not a fallback.

    Args:
        data: One grade object of the output.

    Returns:
        Its ``fallback`` field; for a line written before that field existed, the reason in its warning.
    """
    value = data.get("fallback")
    if isinstance(value, str) and value:
        return value
    if "fallback" in data or data.get("grader") != "deterministic" or data.get("error") is not None:
        return None
    for warning in data.get("warnings") or []:
        found = _FAILED.match(str(warning))
        if found is not None:
            return found.group(1) or "judge_error"
    return None


def describe_reasons(reasons: Counter[str]) -> str:
    """``"http_503: 3, circuit_open: 1"``: the reasons, most frequent first."""
    return ", ".join(f"{reason}: {count}" for reason, count in reasons.most_common())


def side_path(out: Path) -> Path:
    """Where the new grades of re-graded fallbacks wait until they replace their lines in ``out``."""
    return out.with_name(out.name + ".retry")


def merge_path(out: Path) -> Path:
    """The rewritten output, renamed over ``out`` once complete."""
    return out.with_name(out.name + ".merge")


def discard_retry_files(out: Path) -> None:
    """Remove what an interrupted ``--retry-fallbacks`` run left next to ``out`` (before ``out`` is replaced).

    Its re-grades belong to the file being replaced; kept, they would replace lines of the new one.
    """
    for path in (side_path(out), merge_path(out)):
        path.unlink(missing_ok=True)


def finish_interrupted_merge(out: Path, notice: Callable[[str], None]) -> None:
    """Finish, or undo, the rewrite of ``out`` by a ``--retry-fallbacks`` run that was stopped during it.

    Called before anything reads or appends to ``out`` (``--resume`` too), so that a complete merge file is
    never renamed over lines appended after it was written.
    """
    merge, side = merge_path(out), side_path(out)
    if not merge.exists():
        return
    try:
        if side.exists():
            merge.unlink()  # cut short while being written: it is made again from the side file
            return
        os.replace(merge, out)
    except OSError as exc:
        raise InputError(f"{merge}: cannot finish the interrupted merge ({exc.strerror}); check permissions") from None
    fsync_folder(out)
    notice(f"{out}: finished replacing the re-graded fallbacks (the previous run was stopped while doing it)")


@dataclass
class RetrySession:
    """One ``--retry-fallbacks`` pass over an output file: what to re-grade, where it goes, and the merge.

    Use :meth:`start`; pass the input records through :meth:`pending`, the run's writer through :meth:`route`,
    and call :meth:`finish` (or :meth:`commit`) once the run has finished; not when it was interrupted: the next
    run goes on from the side file.

    Attributes:
        out: The JSONL output file.
        state: What ``out`` held when the run started (as for ``--resume``).
        to_retry: Ids of fallback lines in ``out`` not re-graded yet.
        retried_before: Fallbacks re-graded by an earlier run that was interrupted (in the side file).
        regraded: Fallbacks re-graded by this run.
        still_failing: Reasons of the re-graded answers that fell back again.
    """

    out: Path
    state: ResumeState
    to_retry: set[str]
    retried_before: int = 0
    regraded: int = 0
    still_failing: Counter[str] = field(default_factory=Counter)
    _routing: set[str] = field(default_factory=set)
    _fresh: set[str] = field(default_factory=set)  # ids this run wrote, to tell the report which lines are new
    _side: DurableJsonlWriter | None = None

    @classmethod
    def start(cls, out: Path, notice: Callable[[str], None]) -> RetrySession:
        """Read ``out`` (and the side file of an interrupted retry) and find the fallbacks to re-grade.

        Args:
            out: The JSONL output of an earlier run.
            notice: Prints a one-line notice (torn lines cut off, an interrupted merge finished).

        Raises:
            InputError: ``out`` or the side file holds a line that is not a grade, or cannot be rewritten.
        """
        finish_interrupted_merge(out, notice)
        fallback_ids: set[str] = set()

        def see(data: dict[str, Any]) -> None:
            answer_id = data.get("id")
            if isinstance(answer_id, str) and fallback_reason(data) is not None:
                fallback_ids.add(answer_id)

        state = scan_output(out, see)
        if state.torn_bytes:
            notice(f"{out}: dropped a torn last line ({state.torn_bytes} bytes) left by an interrupted run")
        side = side_path(out)
        done = scan_output(side)
        if done.torn_bytes:
            notice(f"{side}: dropped a torn last line ({done.torn_bytes} bytes) left by an interrupted run")
        return cls(out=out, state=state, to_retry=fallback_ids - done.ids, retried_before=len(done.ids))

    def pending(self, records: Iterable[Record]) -> Iterator[Record]:
        """The records to grade: the fallbacks' answers, and those ``out`` does not have (as ``--resume``)."""
        for record in records:
            answer_id = record.raw_id
            # Only a gradeable answer replaces a fallback: an answer now invalid keeps its old grade.
            if answer_id is not None and record.answer is not None and answer_id in self.to_retry:
                self.to_retry.discard(answer_id)
                self._routing.add(answer_id)
                yield record
            elif self.state.done(record):
                self.state.skipped += 1
            else:
                yield record

    def route(self, main: GradeWriter, close_main: Callable[[], None]) -> tuple[GradeWriter, Callable[[], None]]:
        """A writer that sends the re-grades to the side file and every other grade to ``main``."""
        return _RoutingWriter(self, main), lambda: self._close(close_main)

    def _close(self, close_main: Callable[[], None]) -> None:
        try:
            close_main()
        finally:
            if self._side is not None:
                self._side.close()

    def _write_regrade(self, grade: Grade) -> None:
        if grade.error is not None:
            # Not gradeable now (its rubric has gone, say): the old grade is worth more than an error line.
            if grade.id is not None:
                self.to_retry.add(grade.id)
            return
        if self._side is None:
            self._side = DurableJsonlWriter(side_path(self.out), append=True)
        self._side.write(grade)
        self.regraded += 1
        if grade.fallback is not None:
            self.still_failing[grade.fallback] += 1

    def commit(self, on_line: Callable[[dict[str, Any], bool], None] | None = None) -> int:
        """Replace each re-graded fallback's line in ``out`` by its new grade, atomically.

        Args:
            on_line: Called with every grade object of the final file, in order, and whether an earlier run
                wrote it (for the report).

        Returns:
            Fallbacks left in the final file.

        Raises:
            InputError: The files cannot be read or written.
        """
        side = side_path(self.out)
        try:
            earlier = self._written_earlier
            return _merge(self.out, side, on_line, earlier) if side.exists() else _count(self.out, on_line, earlier)
        except OSError as exc:
            raise InputError(
                f"{self.out}: cannot replace the re-graded fallbacks ({exc.strerror}); the new grades are kept "
                f"in {side}: fix the cause and run the same command again"
            ) from None

    def _written_earlier(self, data: Mapping[str, Any]) -> bool:
        return data.get("id") not in self._fresh

    def finish(self, on_line: Callable[[dict[str, Any], bool], None] | None, notice: Callable[[str], None]) -> int:
        """:meth:`commit`, then say what the re-grading did in one line (and one about fallbacks left alone).

        Returns:
            Fallbacks left in the final file.
        """
        left = self.commit(on_line)
        regraded = self.regraded + self.retried_before
        if regraded:
            again = sum(self.still_failing.values())
            reasons = f" ({describe_reasons(self.still_failing)})" if again else ""
            notice(
                f"re-graded {regraded} fallback(s) in {self.out} in place: {regraded - again} by the judge now, "
                f"{again} fell back again{reasons}"
            )
        else:
            notice(f"no fallback to re-grade in {self.out}")
        if self.unmatched:
            notice(
                f"{self.unmatched} fallback(s) in {self.out} have no gradeable answer in the input; kept as they are"
            )
        return left

    @property
    def unmatched(self) -> int:
        """Fallbacks of ``out`` whose answer the input no longer has (or not as a gradeable answer)."""
        return len(self.to_retry)


def open_existing(
    out: Path | None,
    *,
    resume: bool,
    retry_fallbacks: bool,
    on_line: Callable[[dict[str, Any]], None] | None,
    notice: Callable[[str], None],
) -> tuple[ResumeState | None, RetrySession | None, int]:
    """Read what an output file already holds, before a run writes to it.

    Args:
        out: The output file, if any.
        resume: ``--resume``: keep what ``out`` holds and add to it.
        retry_fallbacks: ``--retry-fallbacks``: also re-grade its fallbacks.
        on_line: Called with each grade line kept (for the report); not used when re-grading, whose report
            is fed from the final file by :meth:`RetrySession.finish`.
        notice: Prints a one-line notice.

    Returns:
        The resume state (``None`` for a fresh run), the re-grade session, and how many fallback lines a plain
        ``--resume`` keeps.
    """
    if out is None:
        return None, None, 0
    if not resume:
        discard_retry_files(out)
        return None, None, 0
    if retry_fallbacks:
        retry = RetrySession.start(out, notice)
        return retry.state, retry, 0
    finish_interrupted_merge(out, notice)
    if side_path(out).exists():
        notice(
            f"{side_path(out)} holds re-grades of an interrupted --retry-fallbacks run; add --retry-fallbacks to "
            "put them in place"
        )
    kept = 0

    def see(data: dict[str, Any]) -> None:
        nonlocal kept
        kept += fallback_reason(data) is not None
        if on_line is not None:
            on_line(data)

    state = scan_output(out, see)
    if state.torn_bytes:
        notice(f"{out}: dropped a torn last line ({state.torn_bytes} bytes) left by an interrupted run")
    return state, None, kept


class _RoutingWriter:
    def __init__(self, session: RetrySession, main: GradeWriter) -> None:
        self._session = session
        self._main = main

    def write(self, grade: Grade) -> None:
        if grade.id is not None:
            self._session._fresh.add(grade.id)
        routing = self._session._routing
        if grade.id is not None and grade.id in routing:
            routing.discard(grade.id)
            self._session._write_regrade(grade)
        else:
            self._main.write(grade)

    def close(self) -> None:
        """Closed by the session's close function."""


def _count(
    out: Path, on_line: Callable[[dict[str, Any], bool], None] | None, earlier: Callable[[Mapping[str, Any]], bool]
) -> int:
    left = 0
    try:
        handle = out.open("rb")
    except FileNotFoundError:
        return 0
    with handle:
        for raw in handle:
            data = json.loads(raw)
            left += fallback_reason(data) is not None
            if on_line is not None:
                on_line(data, earlier(data))
    return left


def _merge(
    out: Path,
    side: Path,
    on_line: Callable[[dict[str, Any], bool], None] | None,
    earlier: Callable[[Mapping[str, Any]], bool],
) -> int:
    # The side file's lines by id (offsets only: a re-grade is read back when its line comes up).
    index: dict[str, tuple[int, int]] = {}
    offset = 0
    with side.open("rb") as handle:
        for raw in handle:
            answer_id = json.loads(raw).get("id")
            if isinstance(answer_id, str):
                index[answer_id] = (offset, len(raw))
            offset += len(raw)
    merge = merge_path(out)
    left = 0
    seen: set[str] = set()

    def put(raw: bytes, data: dict[str, Any]) -> None:
        nonlocal left
        target.write(raw)
        left += fallback_reason(data) is not None
        if on_line is not None:
            on_line(data, earlier(data))

    with out.open("rb") as source, side.open("rb") as regrades, merge.open("wb") as target:
        for raw in source:
            data = json.loads(raw)
            answer_id = data.get("id")
            if isinstance(answer_id, str):
                seen.add(answer_id)
                where = index.get(answer_id)
                if where is not None and fallback_reason(data) is not None:
                    del index[answer_id]
                    regrades.seek(where[0])
                    raw = regrades.read(where[1])
                    data = json.loads(raw)
            put(raw, data)
        # A re-grade whose line has gone from the output (edited meanwhile) is kept at the end, never lost;
        # one whose line is no longer a fallback was superseded and is dropped, so each id stays once.
        for answer_id, (start, size) in index.items():
            if answer_id not in seen:
                regrades.seek(start)
                raw = regrades.read(size)
                put(raw, json.loads(raw))
        target.flush()
        os.fsync(target.fileno())
    # Side file first: a merge file without its side file is complete (see finish_interrupted_merge).
    side.unlink()
    os.replace(merge, out)
    fsync_folder(out)
    return left
