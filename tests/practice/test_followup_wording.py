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


def test_template_followups_are_worded_from_the_key_points_text() -> None:
    from mockint.practice.followup import template_followup

    ab, cnn, fashion = (shipped().get_rubric(q) for q in ("ab-significance", "cnn-explained", "fashion-recommender"))
    # what the statement is about, in its own words ("The p-value is ..."), never the id ("pvalue-definition")
    partial = template_followup(ab.criterion("pvalue-definition"), "partial", "The p-value is about chance.")
    assert partial == "You started on the p-value — can you say more precisely what you mean, and why it matters here?"
    missed = template_followup(cnn.criterion("weight-sharing"), "missed", "A CNN is a neural network.")
    assert missed == "One more thing: what can you tell me about the filter weights, and why does that matter here?"
    # a statement that opens with its verb: what the verb acts on
    inputs = template_followup(fashion.criterion("model-inputs"), "missed", "We used a two-tower model.")
    assert "what can you tell me about the model inputs," in inputs
    # an imported key point is named after the answer's keyword: the question asks about the subject instead
    imported = ab.criterion("effect-size").model_copy(
        update={"id": "abstraction", "text": "The main advantages of object-oriented programming include abstraction."}
    )
    question = template_followup(imported, "missed", "Classes and objects.")
    assert "the main advantages of object-oriented programming" in question and "abstraction" not in question
    russian = template_followup(cnn.criterion("weight-sharing"), "missed", "Свёрточная сеть применяет фильтр.")
    assert russian == "Ещё один момент: что вы можете сказать про «the filter weights» и почему это здесь важно?"
    for rubric in shipped().values():
        for criterion in rubric.criteria:
            for verdict in ("missed", "partial"):
                asked = template_followup(criterion, verdict, "An answer.")  # type: ignore[arg-type]
                assert criterion.text not in asked, asked  # the statement is never given away
    # every shipped key point whose statement has a plain subject or object is asked about in its words
    worded = [template_followup(c, "missed", "An answer.") for r in shipped().values() for c in r.criteria]
    assert sum("what can you tell me about" in q and "-" not in q.split("about", 1)[1][:3] for q in worded) >= 25
