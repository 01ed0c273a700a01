"""Follow-ups as a person would word them, and one wording of what the reply recovered, live and in history."""

from __future__ import annotations

import functools

import pytest
from typer.testing import CliRunner

from mockint.cli import app
from mockint.rubrics import RubricSet, load_rubrics

runner = CliRunner()

NOISE = "Significance separates a real effect from random noise."
PARTIAL = (
    "Significance tells us whether the difference we see is a real effect or just noise. The p-value is the "
    "probability of getting a difference at least this big by chance, and if it is below 0.05 we call the result "
    "significant. A bigger sample size makes it easier to reach significance."
)
HALF_DEFINITION = "The probability of a result this extreme."
FULL_DEFINITION = (
    "The p-value is the probability, assuming there is no effect, of a result at least as extreme as the one measured."
)


@functools.cache
def shipped() -> RubricSet:
    return load_rubrics()


@pytest.mark.parametrize(
    ("answer", "reply", "label"),
    [
        (NOISE, HALF_DEFINITION, "Partly recovered after the prompt"),
        (PARTIAL, HALF_DEFINITION, "Still only partly covered after the prompt"),
        (NOISE, FULL_DEFINITION, "Recovered after the prompt"),
        (NOISE, "No idea.", "Not recovered after the prompt"),
    ],
    ids=["missed-then-partial", "partial-then-partial", "recovered", "not-recovered"],
)
def test_the_live_screen_and_history_word_the_recovery_alike(answer: str, reply: str, label: str) -> None:
    live = runner.invoke(
        app, ["interview", "--no-llm", "-q", "ab-significance", "--followup"], input=f"{answer}\n.\n{reply}\n.\n"
    )
    assert live.exit_code == 0, live.output
    text = shipped().get_rubric("ab-significance").criterion("pvalue-definition").text
    (line,) = [line.strip() for line in live.stdout.splitlines() if "after the prompt" in line]
    assert line.split(" ", 1)[1].startswith(f"{label}: {text}"), line
    shown = runner.invoke(app, ["history", "show", "last"]).stdout
    (entry,) = [line for line in shown.splitlines() if "after the prompt" in line]
    assert entry.startswith(f"- {label}: {text}"), entry
