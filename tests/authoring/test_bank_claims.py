"""Bank imports that read like a person's rubric: each rule of the deterministic bank drafting, proved.

A reference answer becomes claims (statements in its own words, never one word), each claim a check of its
most specific phrases plus checks that give part of the credit for part of the claim; a fully correct answer
meets every key point; lint finds at most a few real problems.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mockint.authoring.bank import draft_bank
from mockint.authoring.draft import write_drafts
from mockint.authoring.lint import lint_paths
from mockint.authoring.sources import BankItem, read_bank
from mockint.cli import app
from mockint.grading import grade_answer
from mockint.grading.matching import analyse
from mockint.grading.words import content_words
from mockint.models import Rubric
from mockint.rubrics import load_rubrics

DATA = Path(__file__).resolve().parents[1] / "data" / "authoring"
MOHLER = Path(__file__).resolve().parents[3] / "shared" / "eval" / "mohler-dev.jsonl"
runner = CliRunner()

# Reference answers of the shapes a bank has: a bare list, a fragment, clauses joined by ";" and ", and",
# a list sharing a predicate, predicates sharing a subject, a leading pronoun, a parenthetical alternative.
BANK: list[dict[str, Any]] = [
    {"id": "b-stack", "question": "What are the two main functions defined by a stack?",
     "reference_answer": "push and pop"},
    {"id": "b-hash", "question": "What is a hash table used for?",
     "reference_answer": "A hash table is used for fast lookup and caching."},
    {"id": "b-static", "question": "What is the difference between an array declared as static, and one that is not?",
     "reference_answer": "The arrays declared as static live throughout the life of the program; that is, they "
     "are initialized only once, when the function that declares the array is first called."},
    {"id": "b-merge", "question": "How does merge sort work?",
     "reference_answer": "Merge sort splits the array in half, sorts each half recursively, and merges the "
     "sorted halves."},
    {"id": "b-inline", "question": "How does the compiler handle inline functions?",
     "reference_answer": "It makes a copy of the function code in every place where a function call is made."},
    {"id": "b-list", "question": "What is a linked list?",
     "reference_answer": "A collection of elements that can be allocated dynamically."},
    {"id": "b-merge-base", "question": "What is the base case for a recursive implementation of merge sort?",
     "reference_answer": "When the size of the array to be sorted is 1 (or 2)"},
    {"id": "b-queue", "question": "How can you implement a queue with an array?",
     "reference_answer": "Use a circular array. Keep the rear of the queue toward the end of the array, and the "
     "front toward the beginning, and allow the rear pointer to wrap around."},
    {"id": "b-ctor", "question": "How many constructors can be created for a class?",
     "reference_answers": ["Unlimited number.", "As many as you need, with different parameters."]},
    {"id": "b-thread", "question": "What is the difference between a process and a thread?",
     "reference_answer": "Processes have separate memory spaces, while threads of one process share memory."},
]  # fmt: skip

# Generic words no concept may consist of (the old drafts listed them as synonyms of one another).
GENERIC = {"data", "information", "value", "values", "use", "used", "thing", "things", "number"}


def bank_items(tmp_path: Path, rows: list[dict[str, Any]] = BANK) -> list[BankItem]:
    path = tmp_path / "bank.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return read_bank(path)


@pytest.fixture
def rubrics(tmp_path: Path) -> dict[str, Rubric]:
    out = tmp_path / "rubrics"
    write_drafts(draft_bank(bank_items(tmp_path)), out)
    return dict(load_rubrics(out))


def texts(rubric: Rubric) -> list[str]:
    return [criterion.text for criterion in rubric.criteria]


# --- claims -------------------------------------------------------------------------------------------------


def test_every_key_point_is_a_statement_never_one_word(rubrics: dict[str, Rubric]) -> None:
    for rubric in rubrics.values():
        for criterion in rubric.criteria:
            text = criterion.text
            assert not text.startswith("Mentions"), text
            assert not re.search(r'"[^"]+"', text), text  # no quoted key term
            assert len(text.split()) >= 3 and len(content_words(text)) >= 2, text
            assert text[0].isupper() and text.endswith("."), text
            assert criterion.source_quote and criterion.checks


def test_a_bare_list_is_said_through_the_question(rubrics: dict[str, Rubric]) -> None:
    stack = rubrics["b-stack"]
    assert texts(stack) == [
        "The two main functions defined by a stack include push.",
        "The two main functions defined by a stack include pop.",
    ]
    assert [c.checks[0].concepts for c in stack.criteria] == [[["push"]], [["pop"]]]


def test_a_list_after_the_predicate_is_one_claim_per_item(rubrics: dict[str, Rubric]) -> None:
    assert texts(rubrics["b-hash"]) == ["A hash table is used for fast lookup.", "A hash table is used for caching."]


def test_predicates_sharing_a_subject_are_one_claim_each(rubrics: dict[str, Rubric]) -> None:
    assert texts(rubrics["b-merge"]) == [
        "Merge sort splits the array in half.",
        "Merge sort sorts each half recursively.",
        "Merge sort merges the sorted halves.",
    ]


def test_semicolon_and_clauses_split_and_a_pronoun_names_its_subject(rubrics: dict[str, Rubric]) -> None:
    assert texts(rubrics["b-static"]) == [
        "The arrays declared as static live throughout the life of the program.",
        "The arrays declared as static are initialized only once, when the function that declares the array is "
        "first called.",
    ]
    # "It makes a copy ...": the question says who "it" is.
    assert texts(rubrics["b-inline"]) == [
        "The compiler makes a copy of the function code in every place where a function call is made."
    ]
    assert texts(rubrics["b-thread"]) == [
        "Processes have separate memory spaces.",
        "Threads of one process share memory.",
    ]


def test_sentences_clauses_and_gapped_lists_with_tiny_pieces_kept_whole(rubrics: dict[str, Rubric]) -> None:
    assert texts(rubrics["b-queue"]) == [
        "Use a circular array.",
        "Keep the rear of the queue toward the end of the array.",
        "Keep the front toward the beginning.",
        "Allow the rear pointer to wrap around.",
    ]
    # A piece with too few words to say anything stays with its neighbour.
    [tiny] = draft_bank(
        [BankItem("t", "Which way does the stack grow?", ["The stack grows upward; always."], "t:1", "t")]
    )
    assert texts(tiny.rubric) == ["The stack grows upward; always."]


def test_a_fragment_becomes_a_statement_of_the_question(rubrics: dict[str, Rubric]) -> None:
    assert texts(rubrics["b-list"]) == ["A linked list is a collection of elements that can be allocated dynamically."]
    assert texts(rubrics["b-merge-base"]) == [
        "The base case for a recursive implementation of merge sort is when the size of the array to be sorted "
        "is 1 (or 2)."
    ]
    assert texts(rubrics["b-ctor"]) == ["Unlimited number of constructors can be created for a class."]


def test_several_references_contribute_claims_deduplicated(rubrics: dict[str, Rubric]) -> None:
    [claim] = rubrics["b-ctor"].criteria  # "as many as you need" says "unlimited" again
    # The claim check of each reference, then the second reference's checks for part of it.
    firsts = [[concept[0] for concept in check.concepts] for check in claim.checks]
    assert firsts[0] == ["unlimited number"] and ["as many as you need", "different parameters"] in firsts
    for answer in ("Unlimited.", "As many as you need, with different parameters.", "Infinitely many."):
        assert grade_answer(answer, rubrics["b-ctor"]).score == 1.0, answer


# --- checks -------------------------------------------------------------------------------------------------


def test_concepts_are_the_claims_own_specific_phrases(rubrics: dict[str, Rubric]) -> None:
    for rubric in rubrics.values():
        for criterion in rubric.criteria:
            for check in criterion.checks:
                assert 1 <= len(check.concepts) <= 3
                concepts = check.concepts
                if len(concepts) == 3 and concepts[2] == list(dict.fromkeys([*concepts[0], *concepts[1]])):
                    concepts = concepts[:2]  # "either of the two phrases": its third concept accepts both
                for concept in concepts:
                    assert not set(concept) <= GENERIC, (criterion.id, concept)
                    assert len(concept) <= 10, concept  # a few variants, not a topic's vocabulary
    inline = rubrics["b-inline"].criteria[0].checks[0].concepts
    assert inline[0][:2] == ["copy of the function code", "copy"]  # the phrase, then its distinctive word
    base = rubrics["b-merge-base"].criteria[0].checks[0].concepts
    assert ["1", "2"] in base  # "1 (or 2)": the parenthetical is an alternative
    dynamic = rubrics["b-list"].criteria[0].checks[0].concepts[-1]
    assert dynamic[:2] == ["allocated dynamically", "dynamically"] and "at run time" in dynamic


def test_no_generic_synonym_lists_in_the_lexicon() -> None:
    from mockint.authoring import lexicon

    for group in lexicon.SYNONYM_GROUPS:
        assert not {"data", "information"} <= set(group), group
        assert not {"value", "information"} <= set(group), group


def test_partial_credit_comes_from_some_of_the_concepts(rubrics: dict[str, Rubric]) -> None:
    inorder = draft_bank(
        [BankItem("t", "What is the inorder traversal of a binary tree?",
                  ["Traverse the left subtree, then the root, then the right subtree."], "t:1", "t")]
    )[0].rubric  # fmt: skip
    [criterion] = inorder.criteria
    assert len(criterion.checks[0].concepts) >= 2
    assert grade_answer("First the left subtree, then the root, then the right subtree.", inorder).score == 1.0
    assert grade_answer("Visit the left subtree and the right subtree.", inorder).score == 0.5  # no root
    assert grade_answer("Visit the left subtree.", inorder).score == 0.0


def one_claim(question: str, reference: str) -> Rubric:
    return draft_bank([BankItem("t", question, [reference], "t:1", "t")])[0].rubric


def lexical(answer: str, rubric: Rubric) -> list[str]:
    """The verdicts of the checks alone (the meaning layer, when installed, would only add credit)."""
    return [match.verdict for match in analyse(answer, rubric, by_meaning_too=False).criteria]


def test_a_named_notion_alone_meets_its_claim() -> None:
    loop = one_claim(
        "What is the main difference between a while and a do...while statement?",
        "The block inside a do...while statement will execute at least once.",
    )
    assert lexical("A do...while loop always runs at least once.", loop) == ["met"]  # "at least once" is its head
    assert lexical("The block executes.", loop) == ["partial"]  # two of its three words
    assert lexical("A while loop checks first.", loop) == ["missed"]


def test_either_of_two_phrases_earns_half_and_both_meet() -> None:
    linked = one_claim("What is a linked list?", "A collection of elements that can be allocated dynamically.")
    assert lexical("Its memory is allocated dynamically.", linked) == ["partial"]
    assert lexical("A collection of elements allocated at run time.", linked) == ["met"]
    assert lexical("A chain of nodes with pointers.", linked) == ["missed"]
    [criterion] = linked.criteria
    unions = [
        c.concepts
        for c in criterion.checks
        if len(c.concepts) == 3 and c.concepts[2] == list(dict.fromkeys([*c.concepts[0], *c.concepts[1]]))
    ]
    assert unions, "no check accepts either phrase"


def test_phrases_joined_as_equals_have_no_head() -> None:
    inorder = one_claim(
        "What is the inorder traversal of a binary tree?",
        "Traverse the left subtree, then the root, then the right subtree.",
    )
    assert lexical("The left subtree first.", inorder) == ["missed"]
    assert lexical("Visit the left subtree and the right subtree.", inorder) == ["partial"]


def test_repeating_the_question_earns_nothing(rubrics: dict[str, Rubric]) -> None:
    for rubric in rubrics.values():
        assert set(lexical(rubric.question, rubric)) == {"missed"}, rubric.id


# --- grading and lint -----------------------------------------------------------------------------------------


def test_a_fully_correct_answer_misses_no_key_point(rubrics: dict[str, Rubric]) -> None:
    correct = {
        "b-stack": "Push and pop.",
        "b-hash": "It is used for fast lookups and for caching.",
        "b-merge": "It splits the array in half, sorts each half recursively and then merges the sorted halves.",
        "b-list": "A collection of elements that are allocated dynamically, at run time.",
        "b-queue": "Use a circular array: keep the rear of the queue toward the end of the array and the front "
        "toward the beginning. Allow the rear pointer to wrap around.",
        "b-ctor": "An unlimited number.",
    }
    for rubric_id, answer in correct.items():
        grade = grade_answer(answer, rubrics[rubric_id])
        assert grade.score == 1.0, (rubric_id, grade.feedback)
        assert "Missed key points" not in grade.feedback and "missed" not in grade.feedback.casefold()
    for rubric_id, rubric in rubrics.items():
        for reference in [line for line in rubric.model_answer.split("\n\n") if line]:
            reference = reference.removeprefix("Alternative reference answer: ")
            verdicts = {c.id: c.verdict for c in grade_answer(reference, rubric).criteria}
            if "Alternative" not in rubric.model_answer:
                assert set(verdicts.values()) == {"met"}, (rubric_id, verdicts)


def test_imported_rubrics_pass_their_own_examples_and_lint_finds_at_most_three(tmp_path: Path) -> None:
    out = tmp_path / "rubrics"
    write_drafts(draft_bank(bank_items(tmp_path)), out)
    tested = runner.invoke(app, ["rubric", "test", str(out), "--no-llm"])
    assert tested.exit_code == 0, tested.stdout
    report = lint_paths([out])
    assert report.errors == 0
    per_file: dict[str, int] = {}
    for finding in report.findings:
        per_file[finding.file] = per_file.get(finding.file, 0) + 1
    assert max(per_file.values(), default=0) <= 3, [f.render() for f in report.findings]
    assert not any(f.rule in ("missing-examples", "check-never-matches", "no-checks") for f in report.findings)


@pytest.mark.skipif(not MOHLER.is_file(), reason="shared/eval/mohler-dev.jsonl is not next to the repository")
def test_mohler_import_reads_like_a_rubric_and_lints_quietly(tmp_path: Path) -> None:
    out = tmp_path / "mohler"
    result = runner.invoke(app, ["rubric", "import", str(MOHLER), "--out", str(out), "--no-llm"])
    assert result.exit_code == 0, result.output
    rubrics = dict(load_rubrics(out))
    assert len(rubrics) == 40
    for rubric in rubrics.values():
        for criterion in rubric.criteria:
            assert not criterion.text.startswith("Mentions") and len(criterion.text.split()) >= 3
            for check in criterion.checks:
                for concept in check.concepts:
                    assert not set(concept) <= GENERIC
    report = lint_paths([out])
    per_file: dict[str, int] = {}
    for finding in report.findings:
        per_file[finding.file] = per_file.get(finding.file, 0) + 1
    assert report.errors == 0 and max(per_file.values(), default=0) <= 3
    assert report.warnings <= len(rubrics)  # was 35 per rubric
    # "Missed key points: Mentions "between"" on a fully correct answer, from the issue.
    grade = grade_answer("push and pop", rubrics["8.2"])
    assert grade.score == 1.0 and "between" not in grade.feedback
    tested = runner.invoke(app, ["rubric", "test", str(out), "--no-llm"])
    assert tested.exit_code == 0, tested.stdout
