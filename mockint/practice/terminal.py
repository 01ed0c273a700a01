"""The terminal side of an interview: line input, the countdown's timers, and the views (plain and rich).

Input is a :class:`LineSource`: scripted lines (tests, scripts) or standard input (a terminal or a pipe). Output
is a :class:`View`: :class:`PlainView` for pipes, files and tests, :class:`RichView` for a terminal. The session
(:mod:`mockint.practice.session`) only talks to these protocols, so it runs the same under all of them.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol

from mockint.practice.followup import recovery_label

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from mockint.models import Rubric
    from mockint.practice.followup import Probe
    from mockint.practice.session import AnswerOutcome, SessionInfo, SessionResult

__all__ = [
    "Cancellable",
    "LineSource",
    "PlainView",
    "RichView",
    "ScriptedLines",
    "StdinLines",
    "TimerFactory",
    "View",
    "format_duration",
    "start_timer",
]

# -- input ----------------------------------------------------------------------------------------------------


class LineSource(Protocol):
    """Where the candidate's lines come from."""

    def readline(self, prompt: str) -> str | None:
        """Show ``prompt`` (when interactive) and return one line without its newline; ``None`` at end of input."""
        ...

    def reprompt(self, prompt: str) -> None:
        """Show ``prompt`` again, and what was typed of the line so far, after a message printed over the line.

        Called from a timer thread while :meth:`readline` waits.
        """
        ...


class ScriptedLines:
    """Lines from a string or a list (tests, scripts)."""

    def __init__(self, lines: str | Iterable[str]) -> None:
        self._lines: Iterator[str] = iter(lines.splitlines() if isinstance(lines, str) else list(lines))
        self.prompts: list[str] = []
        self.reprompts: list[str] = []

    def readline(self, prompt: str) -> str | None:
        """Return the next line, or ``None`` when there are no more."""
        self.prompts.append(prompt)
        return next(self._lines, None)

    def reprompt(self, prompt: str) -> None:
        """Record the prompt shown again."""
        self.reprompts.append(prompt)


class StdinLines:
    """Lines from standard input: ``input()`` on a terminal (with line editing when ``readline`` is loaded),
    plain reads from a pipe."""

    def __init__(self, stream: IO[str] | None = None, *, interactive: bool | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdin
        self.interactive = self._stream.isatty() if interactive is None else interactive
        self._reading = False

    def readline(self, prompt: str) -> str | None:
        """Read one line; Ctrl-D (or the end of a pipe) gives ``None``."""
        if self.interactive:
            self._reading = True
            try:
                return input(prompt)
            except EOFError:
                # input() leaves the cursor after the prompt; move to a fresh line for what comes next.
                print()
                return None
            finally:
                self._reading = False
        line = self._stream.readline()
        if line == "":
            return None
        return line.rstrip("\r\n")

    def reprompt(self, prompt: str) -> None:
        """Write the prompt again on a terminal, with the line typed so far when GNU readline holds it.

        Without readline the terminal itself holds the typed characters, which cannot be read back: they still
        count, only the prompt is shown.
        """
        if not self.interactive or not self._reading:
            return
        readline = sys.modules.get("readline")
        typed = readline.get_line_buffer() if readline is not None else ""
        sys.stdout.write(prompt + typed)
        sys.stdout.flush()


# -- timers ---------------------------------------------------------------------------------------------------


class Cancellable(Protocol):
    """A started timer that can be called off."""

    def cancel(self) -> None:
        """Call the timer off (a no-op once it has fired)."""
        ...


TimerFactory = Callable[[float, Callable[[], None]], Cancellable]
"""Starts a timer: ``(delay in seconds, action) -> the timer``."""


def start_timer(delay: float, action: Callable[[], None]) -> threading.Timer:
    """Run ``action`` once after ``delay`` seconds in a daemon thread (the countdown's warnings)."""
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
    return timer


# -- output ---------------------------------------------------------------------------------------------------


class View(Protocol):
    """What the candidate sees; :class:`PlainView` for pipes and tests, :class:`RichView` for terminals."""

    def start(self, info: SessionInfo) -> None:
        """The session starts: how answers are graded, how to answer."""
        ...

    def question(self, position: int, total: int, rubric: Rubric, time_limit: float | None) -> None:
        """Show a question."""
        ...

    def line_prompt(self, first: bool, remaining: float | None) -> str:
        """The prompt shown before each line typed (only used on a terminal)."""
        ...

    def note(self, text: str) -> None:
        """A one-line message."""
        ...

    def warn(self, text: str) -> None:
        """A one-line warning."""
        ...

    def alarm(self, text: str) -> None:
        """A countdown warning, called from a timer thread while the candidate may be mid-line."""
        ...

    def grading(self) -> AbstractContextManager[None]:
        """Shown while an answer is being graded."""
        ...

    def followup(self, probe: Probe) -> None:
        """Show the follow-up question."""
        ...

    def feedback(self, outcome: AnswerOutcome) -> None:
        """Show the feedback on an answer (and its follow-up)."""
        ...

    def end(self, result: SessionResult, where: str) -> None:
        """The session ended; ``where`` says where it is saved."""
        ...


@dataclass(frozen=True)
class _Item:
    mark: str
    text: str
    quote: str | None = None
    quote_label: str = ""


@dataclass(frozen=True)
class _Section:
    title: str
    style: str
    items: list[_Item]


def format_duration(seconds: float) -> str:
    """``42 s`` or ``2 min 05 s``."""
    whole = int(round(seconds))
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def _flat(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _headline(outcome: AnswerOutcome) -> str:
    grade = outcome.grade
    model = f", {grade.model}" if grade.model else ""
    parts = [f"Score {grade.score:.2f} ({grade.grader}{model})", format_duration(outcome.seconds)]
    if outcome.probed_score is not None:
        parts.insert(1, f"{outcome.probed_score:.2f} counting the follow-up")
    if outcome.over_time > 0 and outcome.time_limit is not None:
        parts.append(f"over the {format_duration(outcome.time_limit)} limit by {format_duration(outcome.over_time)}")
    return " · ".join(parts)


def _sections(outcome: AnswerOutcome) -> list[_Section]:
    grade = outcome.grade
    sections: list[_Section] = []
    met = [c for c in grade.criteria if c.verdict == "met"]
    partial = [c for c in grade.criteria if c.verdict == "partial"]
    missed = [c for c in grade.criteria if c.verdict == "missed"]
    if met:
        items = [_Item("✓", c.text, c.evidence, "you said") for c in met]
        sections.append(_Section(f"Key points met ({len(met)} of {len(grade.criteria)})", "green", items))
    if partial:
        sections.append(_Section("Only partly covered", "yellow", [_Item("~", c.text, c.evidence) for c in partial]))
    if missed:
        sections.append(_Section("Key points missed", "red", [_Item("✗", c.text) for c in missed]))
    made = [m for m in grade.mistakes if m.committed]
    if made:
        items = [_Item("!", m.text, m.evidence, "you wrote") for m in made]
        sections.append(_Section("Typical mistakes made", "magenta", items))
    if outcome.probe is not None:
        sections.append(_followup_section(outcome))
    if outcome.tips:
        sections.append(_Section("How to say it in an interview", "cyan", [_Item("•", tip) for tip in outcome.tips]))
    spoken = outcome.spoken
    if spoken is not None and spoken.delivery is not None:
        items = [_Item("♪", line) for line in spoken.delivery.advice]
        if spoken.edited:
            items.append(_Item("·", "Graded your typed replacement; these figures are from the recording."))
        sections.append(_Section("How it was said", "cyan", items))
    if not missed and not partial and not made:
        sections.append(_Section("", "green", [_Item("★", "Every key point covered and no typical mistake made.")]))
    if grade.warnings:
        sections.append(_Section("Notes", "dim", [_Item("·", warning) for warning in grade.warnings]))
    return sections


def _followup_section(outcome: AnswerOutcome) -> _Section:
    probe = outcome.probe
    assert probe is not None
    items = [_Item("?", probe.question)]
    if outcome.followup_grade is None:
        items.append(_Item("–", "no reply given" if not outcome.followup_reply else "the reply was not graded"))
    else:
        after = {c.id: c for c in outcome.followup_grade.criteria}
        result = after.get(probe.criterion.id)
        verdict = result.verdict if result is not None else "missed"
        mark = {"met": "✓", "partial": "~"}.get(verdict, "✗")
        label = f"{recovery_label(probe.verdict, verdict)}: {probe.criterion.text}"
        evidence = result.evidence if result is not None and verdict != "missed" else None
        items.append(_Item(mark, label, evidence, "you said"))
        made = [m for m in outcome.followup_grade.mistakes if m.committed]
        items.extend(_Item("!", f"In the reply: {m.text}", m.evidence, "you wrote") for m in made)
    return _Section("Follow-up", "blue", items)


def _item_line(item: _Item) -> str:
    text = f"{item.mark} {_flat(item.text, 400)}"
    if item.quote:
        label = f"{item.quote_label}: " if item.quote_label else ""
        text += f" — {label}“{_flat(item.quote)}”"
    return text


def _where_saved(result: SessionResult, where: str) -> str:
    return (
        f"Session {result.session_id} saved in {where}. Review it with `mockint history show {result.session_id}`, "
        f"share it with `mockint history export {result.session_id} --out report.md`, "
        "see what is due with `mockint progress`."
    )


def _summary_line(result: SessionResult) -> str:
    mean = f"; mean score {result.mean_score:.2f}" if result.mean_score is not None else ""
    state = "Session interrupted" if result.status == "interrupted" else "Session finished"
    graded_by = f"\nGraded by: {result.graded_by}." if result.graded_by else ""
    return f"{state}: {len(result.outcomes)} answered, {result.skipped} skipped{mean}.{graded_by}"


_HOW_TO_ANSWER = (
    'End an answer with a line holding only "." (or Ctrl-D). On a line of their own: /skip skips the '
    "question, /quit ends the session."
)


class PlainView:
    """Plain text, for pipes, files and tests.

    Args:
        stream: Where to write.
        interactive: Whether a person is typing (then line prompts are shown).
    """

    def __init__(self, stream: IO[str], *, interactive: bool = False) -> None:
        self._stream = stream
        self._interactive = interactive
        self._lock = threading.Lock()

    def _print(self, text: str = "") -> None:
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()

    def start(self, info: SessionInfo) -> None:
        """Print how the session runs."""
        extras = []
        if info.time_limit is not None:
            extras.append(f"soft time limit {format_duration(info.time_limit)} per answer")
        extras.append("follow-up questions on" if info.followup else "follow-up questions off")
        plural = "s" if info.total != 1 else ""
        self._print(f"Mock interview: {info.total} question{plural}; grading: {info.grading}; {'; '.join(extras)}.")
        self._print(_HOW_TO_ANSWER)

    def question(self, position: int, total: int, rubric: Rubric, time_limit: float | None) -> None:
        """Print the question."""
        topic = f" · {rubric.topic}" if rubric.topic else ""
        self._print()
        self._print(f"== Question {position}/{total} · {rubric.id}{topic} ==")
        self._print(rubric.question.strip())
        if self._interactive:
            self._print()

    def line_prompt(self, first: bool, remaining: float | None) -> str:
        """``> `` with the time left when there is a limit."""
        return _line_prompt(remaining)

    def note(self, text: str) -> None:
        """Print a message."""
        self._print(text)

    def warn(self, text: str) -> None:
        """Print a warning."""
        self._print(f"! {text}")

    def alarm(self, text: str) -> None:
        """Print a countdown warning on a line of its own."""
        self._print(f"\n! {text}")

    def grading(self) -> AbstractContextManager[None]:
        """Nothing to show while grading."""
        return nullcontext()

    def followup(self, probe: Probe) -> None:
        """Print the follow-up question."""
        self._print()
        self._print(f"Follow-up: {probe.question}")
        if self._interactive:
            self._print()

    def feedback(self, outcome: AnswerOutcome) -> None:
        """Print the feedback, section by section."""
        self._print()
        self._print(_headline(outcome))
        for section in _sections(outcome):
            if section.title:
                self._print(f"{section.title}:")
            for item in section.items:
                self._print(f"  {_item_line(item)}")

    def end(self, result: SessionResult, where: str) -> None:
        """Print the summary and where the session is saved."""
        self._print()
        self._print(_summary_line(result))
        self._print(_where_saved(result, where))


def _line_prompt(remaining: float | None) -> str:
    if remaining is None:
        return "> "
    if remaining <= 0:
        return "[time up] > "
    whole = int(remaining)
    return f"[{whole // 60}:{whole % 60:02d}] > "


class RichView:
    """Rich panels, for a terminal.

    Args:
        console: The rich console to draw on.
        interactive: Whether a person is typing.
    """

    def __init__(self, console: Console, *, interactive: bool = True) -> None:
        self._console = console
        self._interactive = interactive

    def start(self, info: SessionInfo) -> None:
        """Show how the session runs."""
        from rich.text import Text

        extras = [f"grading: {info.grading}"]
        if info.time_limit is not None:
            extras.append(f"soft time limit {format_duration(info.time_limit)} per answer")
        extras.append("follow-up questions on" if info.followup else "follow-up questions off")
        plural = "s" if info.total != 1 else ""
        text = Text(f"Mock interview: {info.total} question{plural}\n", style="bold")
        text.append("; ".join(extras) + "\n", style="")
        text.append(_HOW_TO_ANSWER, style="dim")
        self._console.print(text)

    def question(self, position: int, total: int, rubric: Rubric, time_limit: float | None) -> None:
        """Show the question in a panel."""
        from rich.panel import Panel
        from rich.text import Text

        topic = f" · {rubric.topic}" if rubric.topic else ""
        self._console.print()
        self._console.print(
            Panel(
                Text(rubric.question.strip()),
                title=Text(f"Question {position}/{total} · {rubric.id}{topic}", style="bold"),
                title_align="left",
                border_style="blue",
            )
        )

    def line_prompt(self, first: bool, remaining: float | None) -> str:
        """``> `` with the time left when there is a limit."""
        return _line_prompt(remaining)

    def note(self, text: str) -> None:
        """Show a message."""
        from rich.text import Text

        self._console.print(Text(text))

    def warn(self, text: str) -> None:
        """Show a warning."""
        from rich.text import Text

        self._console.print(Text(f"! {text}", style="bold yellow"))

    def alarm(self, text: str) -> None:
        """Show a countdown warning on a line of its own (the candidate's typing goes on below it)."""
        from rich.text import Text

        self._console.print()
        self._console.print(Text(f"⏰ {text}", style="bold yellow"))

    @contextmanager
    def _status(self) -> Iterator[None]:
        with self._console.status("Grading…"):
            yield

    def grading(self) -> AbstractContextManager[None]:
        """A spinner while grading."""
        return self._status()

    def followup(self, probe: Probe) -> None:
        """Show the follow-up question in a panel."""
        from rich.panel import Panel
        from rich.text import Text

        self._console.print()
        self._console.print(
            Panel(Text(probe.question), title=Text("Follow-up", style="bold"), title_align="left", border_style="blue")
        )

    def feedback(self, outcome: AnswerOutcome) -> None:
        """Show the feedback in a panel, one coloured section per kind."""
        from rich.console import Group, RenderableType
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        parts: list[RenderableType] = []
        for section in _sections(outcome):
            if parts:
                parts.append(Text())
            if section.title:
                parts.append(Text(section.title, style=f"bold {section.style}"))
            # A grid gives wrapped lines a hanging indent under their text, not under the mark.
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=3, justify="right")
            grid.add_column(ratio=1)
            for item in section.items:
                grid.add_row(Text(item.mark, style=section.style), _rich_item(item))
            parts.append(grid)
        score = outcome.grade.score or 0.0
        colour = "green" if score >= 0.75 else "yellow" if score >= 0.4 else "red"
        self._console.print(
            Panel(
                Group(*parts),
                title=Text(_headline(outcome), style=f"bold {colour}"),
                title_align="left",
                border_style=colour,
            )
        )

    def end(self, result: SessionResult, where: str) -> None:
        """Show the summary and where the session is saved."""
        from rich.text import Text

        self._console.print()
        self._console.print(Text(_summary_line(result), style="bold"))
        self._console.print(Text(_where_saved(result, where), style="dim"))


def _rich_item(item: _Item) -> Text:
    from rich.text import Text

    # Text, never markup: the candidate's words may hold [brackets] that rich would read as styles.
    line = Text(_flat(item.text, 400))
    if item.quote:
        label = f"{item.quote_label}: " if item.quote_label else ""
        line.append(f" — {label}", style="dim")
        line.append(f"“{_flat(item.quote)}”", style="italic")
    return line
