"""The review session: a state machine over the queue, with injected commands and output.

Commands are text, one per decision: ``a`` accepts the answer's grade (with any changes made), ``f N [met|partial|
missed]`` flips key point N (met <-> missed, partial -> met, unless a verdict is given), ``m N`` marks or
unmarks typical mistake N, ``g X`` sets the overall grade (0..score_max), ``n TEXT`` sets the note (``n`` alone
clears it), ``s`` skips the answer for now, ``q`` quits, ``?`` shows the keys. A pipe sends one command per line
(:class:`LineCommands`); at a terminal :class:`~mockint.review.terminal.TerminalKeys` reads single keys and builds
the same commands, so scripts, tests and people drive one machine.

Every change is saved to the labels journal at once (the answer stays ``open``); ``a`` saves it ``done``. An
answer already ``done`` in the journal is not shown again; an ``open`` one comes back with its changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Protocol

from mockint.models import Verdict
from mockint.review.labels import Label, LabelsJournal
from mockint.review.queue import ReviewItem

__all__ = ["HELP", "Commands", "LineCommands", "Prompt", "ReviewResult", "ReviewSession", "ScriptedCommands"]

HELP = (
    "a accept · f N flip key point N (f N met|partial|missed to set it) · m N mark/unmark mistake N · "
    "g X set the grade · n TEXT note · p show again · s skip · q quit · ? keys"
)
_VERDICTS: tuple[Verdict, ...] = ("met", "partial", "missed")


@dataclass(frozen=True)
class Prompt:
    """What the next command is about, for an input that asks for a key point's number.

    Attributes:
        key_points: How many key points the answer's rubric has.
        mistakes: How many typical mistakes it has.
        score_max: The top of the teacher's scale.
    """

    key_points: int
    mistakes: int
    score_max: float


class Commands(Protocol):
    """Where the reviewer's commands come from."""

    def read(self, prompt: Prompt) -> str | None:
        """The next command, or ``None`` at the end of input."""
        ...


class LineCommands:
    """One command per line from a stream (a pipe, a file)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def read(self, prompt: Prompt) -> str | None:
        """The next line, without its newline; ``None`` at the end."""
        line = self._stream.readline()
        return None if line == "" else line.rstrip("\r\n")


class ScriptedCommands:
    """Commands from a list (tests)."""

    def __init__(self, commands: Iterable[str]) -> None:
        self._commands: Iterator[str] = iter(list(commands))

    def read(self, prompt: Prompt) -> str | None:
        """The next command, ``None`` when there are no more."""
        return next(self._commands, None)


@dataclass
class ReviewResult:
    """How a review session ended.

    Attributes:
        reviewed: Answers accepted in this session.
        skipped: Answers skipped.
        remaining: Answers not yet ``done`` (skipped, open or never shown).
        already: Answers that were ``done`` before the session started.
        status: ``finished`` (the queue ran out), ``quit``, ``ended`` (end of input) or ``interrupted``.
    """

    reviewed: int = 0
    skipped: int = 0
    remaining: int = 0
    already: int = 0
    status: str = "finished"


@dataclass
class _Draft:
    verdicts: dict[str, Verdict]
    mistakes: dict[str, bool]
    human_criteria: list[str] = field(default_factory=list)
    human_mistakes: list[str] = field(default_factory=list)
    score: float | None = None
    note: str | None = None


def _flat(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def marked_answer(item: ReviewItem) -> str:
    """The answer with each key point's evidence marked ``«quote»[N]`` (N the key point's number)."""
    answer = item.answer
    spans: dict[tuple[int, int], list[int]] = {}
    for number, criterion in enumerate(item.line.grade.criteria, start=1):
        quote = criterion.evidence
        if criterion.verdict == "missed" or not quote:
            continue
        start = answer.find(quote)
        if start >= 0:
            spans.setdefault((start, start + len(quote)), []).append(number)
    out: list[str] = []
    position = 0
    for (start, end), numbers in sorted(spans.items()):
        if start < position:
            continue  # overlaps a quote already marked; the key point list shows its evidence
        tag = ",".join(str(n) for n in numbers)
        out.append(f"{answer[position:start]}«{answer[start:end]}»[{tag}]")
        position = end
    out.append(answer[position:])
    return "".join(out).strip()


class ReviewSession:
    """Walks the queue, one answer at a time.

    Args:
        queue: The answers to review, most in need first.
        journal: The labels file; each decision is appended to it at once.
        commands: Where commands come from.
        out: Where to write what the reviewer sees.
        score_max: The top of the teacher's scale.
    """

    def __init__(
        self, queue: list[ReviewItem], journal: LabelsJournal, commands: Commands, out: IO[str], score_max: float
    ) -> None:
        self._queue = queue
        self._journal = journal
        self._commands = commands
        self._out = out
        self._score_max = score_max

    def _print(self, text: str = "") -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def run(self) -> ReviewResult:
        """Review until the queue, the input or the reviewer's patience runs out (Ctrl-C keeps every decision)."""
        done = {label_id for label_id, label in self._journal.labels.items() if label.state == "done"}
        todo = [item for item in self._queue if item.id not in done]
        result = ReviewResult(already=len(self._queue) - len(todo))
        if result.already:
            self._print(f"{result.already} answer(s) already reviewed in {self._journal.path}; {len(todo)} to go.")
        try:
            for position, item in enumerate(todo, start=1):
                outcome = self._review(item, position, len(todo))
                if outcome == "accepted":
                    result.reviewed += 1
                elif outcome == "skipped":
                    result.skipped += 1
                else:
                    result.status = outcome
                    break
        except KeyboardInterrupt:
            result.status = "interrupted"
            self._print()
        left = {label_id for label_id, label in self._journal.labels.items() if label.state == "done"}
        result.remaining = sum(1 for item in self._queue if item.id not in left)
        return result

    def _draft(self, item: ReviewItem) -> _Draft:
        grade = item.line.grade
        draft = _Draft({c.id: c.verdict for c in grade.criteria}, {m.id: m.committed for m in grade.mistakes})
        saved = self._journal.labels.get(item.id)
        if saved is not None:  # an answer left open: its changes come back
            draft.verdicts.update({cid: v for cid, v in saved.labels.items() if cid in draft.verdicts})
            if saved.mistakes is not None:
                draft.mistakes = {m.id: m.id in saved.mistakes for m in grade.mistakes}
            draft.human_criteria = list(saved.human_criteria)
            draft.human_mistakes = list(saved.human_mistakes)
            draft.score = saved.score if saved.score_set else None
            draft.note = saved.note
        return draft

    def _score(self, item: ReviewItem, draft: _Draft) -> float:
        from mockint.grading.score import score

        if draft.score is not None:
            return draft.score
        grade = item.line.grade
        if not draft.human_criteria and not draft.human_mistakes:
            return (grade.score or 0.0) * self._score_max  # as graded, caps of the guards included
        # A person changed a verdict: the score follows from the verdicts, with no guard's cap (the teacher has
        # read the answer), and a mistake a person marked costs its penalty even without a quote.
        weights = {c.id: c.weight for c in item.rubric.criteria}
        evidence = {m.id: m.evidence for m in grade.mistakes}
        penalties = [
            m.penalty
            for m in item.rubric.mistakes
            if draft.mistakes.get(m.id) and (m.id in draft.human_mistakes or evidence.get(m.id))
        ]
        verdicts = [(weights.get(cid, 1.0), verdict) for cid, verdict in draft.verdicts.items()]
        return score(verdicts, penalties) * self._score_max

    def _save(self, item: ReviewItem, draft: _Draft, state: str) -> None:
        grade = item.line.grade
        evidence = {m.id: m.evidence for m in grade.mistakes}
        self._journal.append(
            Label(
                id=item.id,
                question_id=grade.question_id or item.rubric.id,
                answer=item.answer,
                score=self._score(item, draft),
                score_max=self._score_max,
                labels=dict(draft.verdicts),
                # As in eval's labels: the mistakes the answer states (a quote, or a person's mark), not omissions.
                mistakes=[
                    mid
                    for mid, made in draft.mistakes.items()
                    if made and (mid in draft.human_mistakes or evidence.get(mid))
                ],
                note=draft.note,
                state="done" if state == "done" else "open",
                score_set=draft.score is not None,
                human_criteria=list(draft.human_criteria),
                human_mistakes=list(draft.human_mistakes),
            )
        )

    def _show(self, item: ReviewItem, draft: _Draft, position: int, total: int) -> None:
        grade = item.line.grade
        why = "; ".join(item.reasons) if item.reasons else "no sign of doubt"
        self._print()
        self._print(f"== {position}/{total} · {item.id} · {item.rubric.id} · {why} ==")
        self._print(f"Question: {_flat(item.rubric.question, 400)}")
        self._print("Answer:")
        for paragraph in marked_answer(item).splitlines():
            if paragraph.strip():
                self._print(f"  {paragraph.strip()}")
        self._show_verdicts(item, draft)
        extra = ", ".join(f"{key}: {value}" for key, value in grade.extra.items() if isinstance(value, str | int))
        if extra:
            self._print(f"Also: {_flat(extra)}")

    def _show_verdicts(self, item: ReviewItem, draft: _Draft) -> None:
        grade = item.line.grade
        mine = (grade.score or 0.0) * self._score_max
        now = self._score(item, draft)
        graded_by = (grade.grader or "?") + (f", {grade.model}" if grade.model else "")
        self._print(
            f"Score: mockint {mine:.2f}/{self._score_max:g} ({graded_by})"
            + (f"; yours {now:.2f}" if abs(now - mine) > 1e-9 or draft.score is not None else "")
            + (f"; note: {draft.note}" if draft.note else "")
        )
        self._print("Key points:")
        for number, criterion in enumerate(grade.criteria, start=1):
            verdict = draft.verdicts.get(criterion.id, criterion.verdict)
            who = "you" if criterion.id in draft.human_criteria else criterion.source
            doubt = ", judge and checks disagree" if criterion.agree is False else ""
            quote = f" — “{_flat(criterion.evidence, 160)}”" if criterion.evidence and verdict != "missed" else ""
            self._print(f"  {number} [{verdict:7s}] ({who}{doubt}) {_flat(criterion.text, 160)}{quote}")
        if grade.mistakes:
            self._print("Typical mistakes:")
            for number, mistake in enumerate(grade.mistakes, start=1):
                made = draft.mistakes.get(mistake.id, mistake.committed)
                who = "you" if mistake.id in draft.human_mistakes else mistake.source
                quote = f" — “{_flat(mistake.evidence, 160)}”" if made and mistake.evidence else ""
                self._print(f"  {number} [{'x' if made else ' '}] ({who}) {_flat(mistake.text, 160)}{quote}")

    def _review(self, item: ReviewItem, position: int, total: int) -> str:
        draft = self._draft(item)
        self._show(item, draft, position, total)
        grade = item.line.grade
        prompt = Prompt(len(grade.criteria), len(grade.mistakes), self._score_max)
        while True:
            command = self._commands.read(prompt)
            if command is None:
                return "ended"
            word, _, rest = command.strip().partition(" ")
            word, rest = word.casefold(), rest.strip()
            if not word:
                continue
            if word in ("a", "accept", "y"):
                self._save(item, draft, "done")
                self._print(f"Saved: {self._score(item, draft):.2f}/{self._score_max:g}.")
                return "accepted"
            if word in ("s", "skip"):
                return "skipped"
            if word in ("q", "quit"):
                return "quit"
            if word in ("?", "h", "help"):
                self._print(HELP)
                continue
            if word in ("p", "print"):
                self._show(item, draft, position, total)
                continue
            change = self._change(item, draft, word, rest)
            if change.startswith("!"):
                self._print(change)
                continue
            self._save(item, draft, "open")
            self._print(f"{change}; score now {self._score(item, draft):.2f}/{self._score_max:g} (saved; a accepts)")

    def _change(self, item: ReviewItem, draft: _Draft, word: str, rest: str) -> str:
        """Apply one change to the draft: what changed, or the problem with the command (starting with "!")."""
        grade = item.line.grade
        if word in ("f", "flip"):
            number, _, verdict = rest.partition(" ")
            index = _index(number, len(grade.criteria))
            if index is None:
                return f"! which key point? f 1..{len(grade.criteria)}"
            criterion_id = grade.criteria[index].id
            current = draft.verdicts[criterion_id]
            verdict = verdict.strip().casefold()
            if verdict and verdict not in _VERDICTS:
                return f"! {verdict!r} is not met, partial or missed"
            chosen: Verdict = next((v for v in _VERDICTS if v == verdict), "missed" if current == "met" else "met")
            draft.verdicts[criterion_id] = chosen
            if criterion_id not in draft.human_criteria:
                draft.human_criteria.append(criterion_id)
            return f"key point {index + 1}: {chosen}"
        if word in ("m", "mistake"):
            index = _index(rest, len(grade.mistakes))
            if index is None:
                return f"! which mistake? m 1..{len(grade.mistakes)}" if grade.mistakes else "! this rubric lists none"
            mistake_id = grade.mistakes[index].id
            draft.mistakes[mistake_id] = not draft.mistakes.get(mistake_id, False)
            if mistake_id not in draft.human_mistakes:
                draft.human_mistakes.append(mistake_id)
            return f"mistake {index + 1}: {'made' if draft.mistakes[mistake_id] else 'not made'}"
        if word in ("g", "grade"):
            try:
                value = float(rest.replace(",", "."))
            except ValueError:
                return f"! g needs a number from 0 to {self._score_max:g}, e.g. g {self._score_max / 2:g}"
            if not 0 <= value <= self._score_max:
                return f"! {value:g} is outside 0..{self._score_max:g}"
            draft.score = value
            return f"grade {value:g}"
        if word in ("n", "note"):
            draft.note = rest or None
            return "note set" if rest else "note cleared"
        return f"! unknown command {word!r}; {HELP}"


def _index(text: str, count: int) -> int | None:
    try:
        number = int(text.strip())
    except ValueError:
        return None
    return number - 1 if 1 <= number <= count else None
