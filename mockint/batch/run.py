"""Grading many answers: bounded concurrency, ordered streaming output, resume.

Input is read lazily and at most a bounded window of answers is held at once, so memory does not grow with the
number of answers; each result is handed on as soon as every earlier one is done, so an interrupted run
keeps everything it graded, in input order.

Deterministic grading is CPU-bound Python under one GIL: a large input is graded in a pool of worker processes
(rubrics handed over once per worker, answers in chunks), its grades still handed on in input order.

Output meant to be resumed goes through :class:`DurableJsonlWriter` (one ``write`` per line, periodic
fsync); :func:`scan_output` reads it back before a resumed run, cutting off a line torn by a kill, so that a
run killed at any moment and resumed ends with every answer exactly once.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockint.batch.answers import Record, error_grade
from mockint.errors import InputError, MockintError
from mockint.files import MAX_ERROR_MESSAGES, replace_lone_surrogates
from mockint.grading import grade_answer, semantic
from mockint.grading.matching import freeze_rubrics
from mockint.judge.wrappers import CircuitBreakerJudge
from mockint.models import Grade
from mockint.render import grade_to_json
from mockint.rubrics import RubricSet

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from mockint.judge import Judge


@dataclass
class RunSummary:
    """What a batch run did.

    Attributes:
        graded: Answers graded.
        errors: Records that could not be graded (``error`` set).
        fallbacks: Answers graded deterministically because the judge failed.
        fallback_reasons: Those answers counted by their grade's ``fallback`` reason.
        breaker_reason: Why the judge stopped being called, when it did.
        messages: The first :data:`MAX_ERROR_MESSAGES` one-line error messages, in input order.
        skipped: Records skipped because the output already had them (``--resume``).
        processes: Worker processes that graded (1: the calling process did).
    """

    graded: int = 0
    errors: int = 0
    fallbacks: int = 0
    fallback_reasons: Counter[str] = field(default_factory=Counter)
    breaker_reason: str | None = None
    messages: list[str] = field(default_factory=list)
    skipped: int = 0
    processes: int = 1


def _grade_record(record: Record, rubrics: RubricSet, judge: Judge | None) -> Grade:
    answer = record.answer
    if answer is None:
        return error_grade(record)
    try:
        rubric = rubrics.get_rubric(answer.question_id)
    except MockintError as exc:
        return error_grade(record, f"{record.source}: question_id: {exc}")
    grade = grade_answer(answer.answer, rubric, judge, answer_id=answer.id)
    grade.extra = answer.extra
    grade.warnings[:0] = record.warnings
    return grade


def breaker_notice(breaker: CircuitBreakerJudge) -> str:
    """The one line saying that the judge is given up, why, and whether it is tried again."""
    circuit = breaker.circuit
    if circuit.cooldown is None:
        return f"the LLM judge stopped: {circuit.describe()}; grading the rest deterministically"
    return f"the LLM judge stopped: {circuit.describe()}; grading deterministically until it answers again"


# The reorder window: records submitted but not yet emitted. A slow answer (a retry waiting out a 429) holds
# back the output of everything after it, and once the window is full, new work too; a wide window keeps the
# workers busy through such stalls. Its memory is bounded: a record and a grade are a few kilobytes each.
MIN_WINDOW = 256
MAX_WINDOW = 4096
WINDOW_PER_WORKER = 16


def grade_records(
    records: Iterable[Record],
    rubrics: RubricSet,
    judge: Judge | None,
    emit: Callable[[Grade], None],
    *,
    concurrency: int = 4,
    workers: int | None = None,
    processes: int = 1,
    breaker: CircuitBreakerJudge | None = None,
    notice: Callable[[str], None] | None = None,
    started: Callable[[], None] | None = None,
) -> RunSummary:
    """Grade records and hand each grade to ``emit`` in input order, as soon as it is ready.

    Records are read lazily and at most a bounded window of them is held at once, so memory does not grow with
    the number of answers.

    Args:
        records: Input records, read lazily.
        rubrics: Rubrics by question id.
        judge: The judge (breaker-wrapped, maybe cached), or ``None`` for deterministic grading.
        emit: Called once per record, in input order, from the calling thread.
        concurrency: Judge requests in flight at most (deterministic grading runs inline).
        workers: Answers graded at once; default ``concurrency``. Set it higher only when the judge caps its
            own requests in flight (an ``OpenAIJudge`` with a ``RequestLimiter``): the extra workers then run
            the CPU side of grading (checks, prompts, parsing) while the requests wait on the network.
        processes: Without a judge, grade in this many worker processes (see :func:`usable_cpus`) when the
            input is long enough to repay starting them; the grades are the same as in one process.
        breaker: The circuit breaker inside ``judge``, to report when it opens; found automatically when
            ``judge`` is one.
        notice: Called once with a message when the judge stops being called.
        started: Called once, when grading starts (after any worker process is started: start a progress
            bar's refresh thread here, not before, so that the workers can be forked from one thread).

    Returns:
        Counts of what happened.
    """
    summary = RunSummary()
    if breaker is None and isinstance(judge, CircuitBreakerJudge):
        breaker = judge
    judge_down = False
    seen = (0, 0)  # the breaker's openings and recoveries already told

    def tell_breaker() -> None:
        # One line when the judge is given up and one when a probe finds it working again, not per answer;
        # counted, not sampled, so that a quick open-and-recover between two grades is told too.
        nonlocal judge_down, seen
        if breaker is None:
            return
        circuit = breaker.circuit
        openings, recoveries = circuit.openings, circuit.recoveries
        for down, happened in ((True, openings > seen[0]), (False, recoveries > seen[1]), (True, breaker.is_open)):
            if happened and down != judge_down:
                judge_down = down
                if down:
                    summary.breaker_reason = summary.breaker_reason or circuit.last_reason
                if notice is not None:
                    notice(breaker_notice(breaker) if down else "the LLM judge answers again; using it")
        seen = (openings, recoveries)

    def account(grade: Grade) -> None:
        if grade.error is not None:
            summary.errors += 1
            if len(summary.messages) < MAX_ERROR_MESSAGES:  # the rest are counted; each is in its record
                summary.messages.append(grade.error)
        else:
            summary.graded += 1
            if grade.fallback is not None:
                summary.fallbacks += 1
                summary.fallback_reasons[grade.fallback] += 1
        tell_breaker()
        emit(grade)

    threads = max(1, workers if workers is not None else concurrency)
    if judge is None and processes > 1:
        context = _process_context()
        remaining = iter(records)
        head = list(itertools.islice(remaining, _min_answers(context)))
        if len(head) == _min_answers(context):
            summary.processes = processes
            _grade_in_processes(itertools.chain(head, remaining), rubrics, account, processes, context, started)
            return summary
        records = head
    if started is not None:
        started()
    if judge is None or threads <= 1:
        for record in records:
            account(_grade_record(record, rubrics, judge))
        return summary

    window = min(MAX_WINDOW, max(MIN_WINDOW, WINDOW_PER_WORKER * threads))
    pending: deque[Future[Grade]] = deque()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mockint-grade") as pool:
        try:
            for record in records:
                pending.append(pool.submit(_grade_record, record, rubrics, judge))
                while len(pending) >= window or (pending and pending[0].done()):
                    account(pending.popleft().result())
            while pending:
                account(pending.popleft().result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return summary


# -- deterministic grading in worker processes ---------------------------------------------------------------

PROCESS_MIN_ANSWERS = 200
"""Fewer answers than this are graded in the calling process: forking workers costs more than it saves."""
PROCESS_MIN_ANSWERS_SPAWNED = 2000
"""The same where workers cannot be forked and each must import mockint (and unpickle the rubrics) first."""
PROCESS_CHUNK = 32
"""Answers per task sent to a worker: tens of milliseconds of grading, so the hand-off costs well under 1%."""
CHUNKS_PER_PROCESS = 4
"""Chunks submitted but not yet emitted, per worker: enough to keep each busy while the oldest is written."""

_worker_rubrics: RubricSet | None = None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one)."""
    counter: Callable[[], int | None] | None = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return counter() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _process_context() -> BaseContext:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # A forked worker starts in milliseconds with the rubrics (compiled or not) already in memory, but fork is
    # only safe while this process has a single thread, and not on macOS, whose system libraries break in a
    # forked child.
    if "fork" in methods and sys.platform != "darwin" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _min_answers(context: BaseContext) -> int:
    return PROCESS_MIN_ANSWERS if context.get_start_method() == "fork" else PROCESS_MIN_ANSWERS_SPAWNED


def _init_worker(rubrics: RubricSet) -> None:
    global _worker_rubrics
    import signal

    _worker_rubrics = rubrics
    # This process's rubrics are its own copy (forked or unpickled), and grading does not change them: their
    # compiled checks can be found by identity instead of by a dump of each rubric per answer.
    freeze_rubrics(rubrics.values())
    # The meaning layer's passes cap BLAS at one thread each; a process that only grades keeps the cap between
    # them rather than setting and lifting it per answer.
    semantic.hold_blas_cap()
    # Ctrl-C reaches the whole process group; the parent stops the run and leaves a resumable output.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker blocked on its task queue would outlive a parent killed outright (SIGKILL, SIGTERM). The parent
    # is the grading process, or the fork server, which exits with it.
    watch = threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="mockint-parent", daemon=True)
    watch.start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _grade_chunk(records: list[Record]) -> list[Grade]:
    if _worker_rubrics is None:
        raise RuntimeError("grading worker started without rubrics")
    return [_grade_record(record, _worker_rubrics, None) for record in records]


def _grade_in_processes(
    records: Iterator[Record],
    rubrics: RubricSet,
    account: Callable[[Grade], None],
    processes: int,
    context: BaseContext,
    started: Callable[[], None] | None,
) -> None:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(processes, mp_context=context, initializer=_init_worker, initargs=(rubrics,))
    pending: deque[Future[list[Grade]]] = deque()
    window = CHUNKS_PER_PROCESS * processes
    try:
        while chunk := list(itertools.islice(records, PROCESS_CHUNK)):
            # The first submit forks every worker, before any thread of the pool (or of ``started``) exists.
            pending.append(pool.submit(_grade_chunk, chunk))
            if started is not None:
                started()
                started = None
            while len(pending) >= window or (pending and pending[0].done()):
                for grade in pending.popleft().result():
                    account(grade)
        while pending:
            for grade in pending.popleft().result():
                account(grade)
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        raise MockintError(
            "a grading worker process died (killed, or out of memory); the grades written so far are kept: "
            "run again with --resume, or with -c 1 to grade in one process"
        ) from None
    except BaseException:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


# -- durable JSONL output and resume -------------------------------------------------------------------------

FSYNC_INTERVAL = 1.0
"""Seconds between fsyncs of the output: a killed process loses nothing it wrote (the OS has it); the fsyncs
bound what a power cut can take."""


def _sync(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        # /dev/null, a pipe or a terminal cannot be synced and has nothing to keep durable.
        if exc.errno not in (errno.EINVAL, errno.EROFS, errno.ENOTSUP):
            raise


class DurableJsonlWriter:
    """Writes grades to a JSONL file so that a run killed at any moment leaves only complete lines behind,
    except perhaps one torn last line, which :func:`scan_output` removes.

    Each line goes out in a single ``os.write`` on an unbuffered descriptor (no library buffer to lose or to
    split a line), and the file is fsynced at most once a second and when closed.

    Args:
        path: The output file.
        append: Add to the file (``--resume``) instead of replacing it.

    Raises:
        InputError: The file cannot be opened for writing.
    """

    def __init__(self, path: Path, *, append: bool = False) -> None:
        self.path = path
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
        try:
            self._fd: int | None = os.open(path, flags, 0o644)
        except OSError as exc:
            raise InputError(f"{path}: cannot write ({exc.strerror}); check the path and permissions") from None
        self._synced = time.monotonic()
        self.lines = 0

    def write(self, grade: Grade) -> None:
        """Append one grade as a JSON line."""
        self.write_line(json.dumps(grade_to_json(grade), ensure_ascii=False))

    def write_line(self, text: str) -> None:
        """Append one line (``text`` must not contain a newline)."""
        if self._fd is None:
            raise ValueError("the writer is closed")
        data = (replace_lone_surrogates(text) + "\n").encode("utf-8")
        written = os.write(self._fd, data)
        while written < len(data):  # a regular file takes it in one go; a full disk may not
            written += os.write(self._fd, data[written:])
        self.lines += 1
        now = time.monotonic()
        if now - self._synced >= FSYNC_INTERVAL:
            _sync(self._fd)
            self._synced = now

    def close(self) -> None:
        """Fsync and close (idempotent)."""
        if self._fd is None:
            return
        try:
            _sync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None


@dataclass
class ResumeState:
    """What an existing output file already holds.

    Attributes:
        ids: Ids of the answers already written (graded or not).
        id_less_errors: Error messages of lines without an id (an unreadable input line), so that a resumed
            run does not write them again.
        lines: Complete lines kept.
        torn_bytes: Bytes of a torn last line that were cut off (0 when the file ended cleanly).
        skipped: Records passed over by :meth:`pending` so far.
    """

    ids: set[str] = field(default_factory=set)
    id_less_errors: set[str] = field(default_factory=set)
    lines: int = 0
    torn_bytes: int = 0
    skipped: int = 0

    def done(self, record: Record) -> bool:
        """Whether ``record`` already has its output line."""
        if record.raw_id is not None:
            return record.raw_id in self.ids
        return record.error is not None and record.error in self.id_less_errors

    def pending(self, records: Iterable[Record]) -> Iterator[Record]:
        """The records that do not have their output line yet (the others are counted in ``skipped``)."""
        for record in records:
            if self.done(record):
                self.skipped += 1
            else:
                yield record


def scan_output(path: Path, on_line: Callable[[dict[str, Any]], None] | None = None) -> ResumeState:
    """Read an output file before resuming: collect the ids it holds and cut off a torn last line.

    A run killed mid-write can leave a last line without its newline; it is removed (the file is truncated
    back to the end of the last complete line) and that answer is graded again. Any other line that is not a
    grade object means the file is not mockint output (or was edited): that is an error, and nothing is
    changed.

    Args:
        path: The JSONL output file; a missing file holds nothing.
        on_line: Called with each grade object kept (for the report).

    Returns:
        The ids and counts.

    Raises:
        InputError: A complete line is not a JSON grade object; the message names the line.
    """
    state = ResumeState()
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return state
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    good_end = 0
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                state.torn_bytes = len(raw)
                break
            data = _grade_line(raw)
            if data is None:
                raise InputError(
                    f"{path}:{number}: not a mockint grade line; remove that line (or the whole file) and run "
                    "again, or drop --resume to grade everything afresh"
                )
            good_end += len(raw)
            state.lines += 1
            answer_id = data.get("id")
            if isinstance(answer_id, str):
                state.ids.add(answer_id)
            elif isinstance(data.get("error"), str):
                state.id_less_errors.add(data["error"])
            if on_line is not None:
                on_line(data)
    if state.torn_bytes:
        try:
            with path.open("r+b") as tail:
                tail.truncate(good_end)
                tail.flush()
                os.fsync(tail.fileno())
        except OSError as exc:
            raise InputError(
                f"{path}: cannot cut off the torn last line ({exc.strerror}); check the file's permissions"
            ) from None
    return state


def _grade_line(raw: bytes) -> dict[str, Any] | None:
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # an edited file: refused with its line, never a traceback
        return None
    if not isinstance(data, dict) or "id" not in data or "score" not in data:
        return None
    return data
