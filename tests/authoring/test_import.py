"""`mockint rubric import`: both document layouts, English Markdown, Q&A banks, bad input, speed, the LLM path."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, FakeReply
from typer.testing import CliRunner

from mockint.authoring.bank import draft_bank
from mockint.authoring.draft import draft_documents, write_drafts
from mockint.authoring.refine import refine_with_llm
from mockint.authoring.sources import merge_questions, read_bank, read_document, read_sources
from mockint.cli import app
from mockint.errors import InputError
from mockint.grading import grade_answer
from mockint.judge import OpenAIJudge
from mockint.rubrics import load_rubric, load_rubrics

DATA = Path(__file__).resolve().parents[1] / "data" / "authoring"
SEED_000 = DATA / "000_c1138e3d60123fdf.txt"
SEED_001 = DATA / "001_77260d5510a59060.txt"
runner = CliRunner()


# --- documents ------------------------------------------------------------------------------------------------


def test_answer_yourself_layout() -> None:
    [question] = read_document(SEED_000)
    assert question.title == "Глубокий разбор мультимодального fashion-рекомендера совместимых вещей"
    assert question.question.startswith("Разберите мультимодальный fashion-рекомендер")
    assert question.short_answer.startswith("A strong answer separates retrieval and reranking")
    assert len(question.breakdown) == 3 and len(question.theory) == 1
    assert question.mistakes[0] == "Say only “we used embeddings” without labels or negatives."
    assert question.tips == [
        "Name one concrete unresolved failure mode.",
        "Explain how outfit data becomes pair or triplet supervision.",
    ]
    # UI lines of the prep site are not part of the question.
    assert "Ответить самому" not in question.question and "Сначала" not in question.question


def test_say_it_aloud_layout_with_question_markers() -> None:
    questions = read_document(SEED_001)
    assert len(questions) == 4
    assert [q.sources[0][1] for q in questions[1:]] == ["Вопрос", "Вопрос по метрикам", "Вопрос про production ML"]
    assert questions[1].question.startswith("Explain what a convolutional neural network is")
    assert questions[2].mistakes[0] == "Define p-value as probability the hypothesis is true."
    assert questions[3].tips[-1] == "End with verification as the non-negotiable step."
    for question in questions:
        assert "Показать разбор" not in question.question and "Формулы" not in question.question
        assert question.short_answer and question.breakdown and len(question.mistakes) == 4


def test_same_question_in_two_files_is_one_rubric() -> None:
    questions, items = read_sources([SEED_000, SEED_001])
    assert items == [] and len(questions) == 4
    fashion = questions[0]
    assert [document for document, _ in fashion.sources] == [SEED_000.name, SEED_001.name]
    assert len(fashion.mistakes) == 4 and len(fashion.tips) == 2  # united without repeats
    assert len(merge_questions([*read_document(SEED_000), *read_document(SEED_000)])) == 1


def test_english_markdown_layout() -> None:
    questions = read_document(DATA / "cnn.md")
    assert [q.title for q in questions] == ["CNN for engineers", "Queues"]
    assert questions[0].question.startswith("Explain what a convolutional neural network is")
    assert questions[0].mistakes == [
        "Forget weight sharing across positions.",
        'Explain CNN as just "splitting the image into pieces".',
    ]
    assert questions[0].tips == ["Mention locality and weight sharing."]
    assert questions[1].short_answer.startswith("A queue stores elements")


def test_drafted_document_rubric(tmp_path: Path) -> None:
    questions, _ = read_sources([SEED_000, SEED_001])
    drafts = draft_documents(questions)
    written = write_drafts(drafts, tmp_path)
    assert len(written) == 4
    rubric = load_rubric(written[0])  # the YAML is valid and reads back
    assert {source.document for source in rubric.source} == {SEED_000.name, SEED_001.name}
    assert [m.text for m in rubric.mistakes][0] == "Say only “we used embeddings” without labels or negatives."
    assert rubric.tips == questions[0].tips
    assert 1 <= len(rubric.criteria) <= 8
    for criterion in rubric.criteria:
        assert criterion.checks and criterion.source_quote
    skip = next(m for m in rubric.mistakes if m.text.startswith("Skip"))
    assert skip.omission_of and skip.penalty <= 0.05  # "skip ..." is the omission of key points
    text = written[0].read_text(encoding="utf-8")
    assert text.startswith("# Drafted by `mockint rubric import`")
    cnn = load_rubric(written[1])
    strong = (
        "A CNN slides a small learned filter over the image; the same weights are shared, detecting local patterns."
    )
    assert (grade_answer(strong, cnn).score or 0) > (grade_answer("It is a kind of neural network.", cnn).score or 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Title\nWhat is X?\nПолный разбор\nSome text.\n", "has no 'Короткий ответ' / 'Short answer' section"),
        (
            "Title\nWhat is X?\nКороткий ответ\nТипичные ошибки\n- a\n",
            ":3: section 'Короткий ответ / Short answer' is empty",
        ),
        ("Короткий ответ\nAn answer.\n", ":1: section 'Короткий ответ' before any question"),
        ("Just some notes\nwithout any sections.\n", "no interview-prep sections found"),
        (
            "T\nQ?\nКороткий ответ\nA.\nКороткий ответ\nB.\n",
            ":5: a second 'Короткий ответ' section in one question",
        ),
    ],
)
def test_malformed_document_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_document(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_cli_writes_nothing_when_one_input_is_bad(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("Title\nQuestion?\nПолный разбор\nText.\n", encoding="utf-8")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    out = tmp_path / "out"
    for broken in (bad, binary):
        result = runner.invoke(app, ["rubric", "import", str(SEED_001), str(broken), "--out", str(out), "--no-llm"])
        assert result.exit_code == 1
        assert result.stderr.startswith("mockint: error: ") and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
        assert not out.exists() or not any(out.iterdir())
    assert "binary file" in result.stderr


def test_cli_import_seeds_then_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "rubrics"
    result = runner.invoke(app, ["rubric", "import", str(SEED_000), str(SEED_001), "--out", str(out), "--no-llm"])
    assert result.exit_code == 0, result.output
    assert "wrote 4 rubric(s)" in result.stderr
    assert len(load_rubrics(out)) == 4
    again = runner.invoke(app, ["rubric", "import", str(SEED_001), "--out", str(out), "--no-llm"])
    assert again.exit_code == 1 and "already exists; pass --force" in again.stderr
    forced = runner.invoke(app, ["rubric", "import", str(SEED_001), "--out", str(out), "--no-llm", "--force"])
    assert forced.exit_code == 0
    assert not list(out.glob(".*.tmp"))


# --- banks ----------------------------------------------------------------------------------------------------


def test_bank_jsonl_and_csv() -> None:
    items = read_bank(DATA / "bank.jsonl")
    assert [item.id for item in items] == ["q-stack", "q-queue", "q-ctor"]
    assert items[2].references == ["Unlimited number.", "As many as you need, with different parameters."]
    csv_items = read_bank(DATA / "bank.csv")
    assert [item.id for item in csv_items] == ["c1", "c2"]
    assert csv_items[1].references == ["At the main function.", "In main()"]


def test_bank_rubric_uses_the_bank_id_and_grades_claims(tmp_path: Path) -> None:
    drafts = draft_bank(read_bank(DATA / "bank.jsonl"))
    write_drafts(drafts, tmp_path)
    rubrics = load_rubrics(tmp_path)
    assert set(rubrics) == {"q-stack", "q-queue", "q-ctor"}
    stack = rubrics["q-stack"]
    # "push and pop" answers "What are the two main functions defined by a stack?": one statement per item.
    assert [c.id for c in stack.criteria] == ["push", "pop"]
    assert [c.text for c in stack.criteria] == [
        "The two main functions defined by a stack include push.",
        "The two main functions defined by a stack include pop.",
    ]
    full = grade_answer("push and pop", stack).score or 0
    half = grade_answer("push", stack).score or 0
    none = grade_answer("It is a list of things in memory.", stack).score or 0
    assert full == 1.0 and 0.4 < half < 1.0 and none == 0.0
    queue = rubrics["q-queue"]
    assert (grade_answer("A FIFO structure of elements.", queue).score or 0) > 0.3  # synonym from the lexicon
    ctor = rubrics["q-ctor"]
    assert (grade_answer("Infinite, as long as the parameters differ.", ctor).score or 0) > 0.3
    assert "Alternative reference answer" in ctor.model_answer
    # The second reference says the same claim in other words: one key point, checked both ways (each
    # reference's claim check, and the checks that give part of the credit).
    [claim] = ctor.criteria
    assert claim.text == "Unlimited number of constructors can be created for a class."
    first, *others = claim.checks
    assert first.concepts[0][0] == "unlimited number"
    assert [["as many as you need"], ["different parameters"]] in [[c[:1] for c in check.concepts] for check in others]
    assert grade_answer("As many as you need, each with different parameters.", ctor).score == 1.0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "a", "question": "Q?"}', ":2: reference_answer: missing or empty"),
        ('{"id": "a", "reference_answer": "R"}', ":2: question: missing or empty"),
        ('{"id": "has space", "question": "Q?", "reference_answer": "R"}', ":2: id: 'has space' cannot be a rubric id"),
        ('{"id": "x1", "question": "Q?", "reference_answer": "R"}', ":2: id: duplicate id 'x1' (first at"),
        ('{"id": "a", "question": "Q?", "reference_answers": "R"}', ":2: reference_answers: must be a list"),
        ("{not json", ":2: invalid JSON"),
    ],
)
def test_bad_bank_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bank.jsonl"
    path.write_text('{"id": "x1", "question": "Q?", "reference_answer": "R"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_bank(path)
    assert f"{path}{message}" in str(info.value)


def test_graded_answers_file_imports_as_a_bank(tmp_path: Path) -> None:
    rows = [
        {"question_id": "1.4", "answer_id": f"1.4.{n}", "question": "Where do C++ programs begin to execute?",
         "reference_answer": "At the main function.", "answer": "main", "score": 5}
        for n in range(3)
    ]  # fmt: skip
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    [item] = read_bank(path)
    assert item.id == "1.4" and item.references == ["At the main function."]
    rows[2]["reference_answer"] = "Somewhere else."
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=":3: question_id '1.4' has a different question or reference"):
        read_bank(path)


def test_thousands_of_bank_questions_import_in_seconds(tmp_path: Path) -> None:
    words = "pointer array stack queue tree node heap graph hash list sort search insert delete merge".split()
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n in range(3000):
            reference = " ".join(words[(n + k * 7) % len(words)] for k in range(6)) + f" case{n}"
            handle.write(json.dumps({"id": f"q{n}", "question": f"Question {n} about {words[n % 15]}?",
                                     "reference_answer": reference}) + "\n")  # fmt: skip
    started = time.perf_counter()
    result = runner.invoke(app, ["rubric", "import", str(path), "--out", str(tmp_path / "out"), "--no-llm"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("*.yaml"))) == 3000
    assert elapsed < 30, f"3000 questions took {elapsed:.1f} s"


# --- with an LLM (local OpenAI-compatible test server) ------------------------------------------------------


def _llm_reply(draft_ids: list[str]) -> dict[str, Any]:
    return {
        "criteria": [
            {
                "id": "learned-filter",
                "text": "A small learned filter slides across the image.",
                "source_quote": "A convolutional layer slides a small learned filter across the image.",
                "weight": 3,
                "concepts": [["filter", "kernel", "фильтр"], ["slides", "sliding", "скользит"]],
                "negations": ["hand-crafted filter"],
            },
            {
                "id": "weight-sharing",
                "text": "The same filter weights are reused at every position.",
                "source_quote": "The same filter weights are reused at all positions, which is weight sharing.",
                "weight": 2,
                "concepts": [["weight sharing", "same weights", "shared weights", "общие веса"]],
                "negations": [],
            },
        ],
        "mistakes": [
            {"id": mistake_id, "omission_of": ["weight-sharing"] if n == 0 else [], "concepts": []}
            for n, mistake_id in enumerate(draft_ids)
        ],
        "examples": [
            {
                "label": "strong",
                "answer": "A small learned filter slides across the image and the same weights are shared.",
                "criteria": [{"id": "learned-filter", "verdict": "met"}, {"id": "weight-sharing", "verdict": "met"}],
                "mistakes": [],
            }
        ],
    }


def test_llm_rewrites_the_draft() -> None:
    [draft] = draft_documents(read_document(DATA / "cnn.md")[:1])
    reply = _llm_reply([m.id for m in draft.rubric.mistakes])
    sources = ["A convolutional layer slides a small learned filter across the image. The same filter weights "
               "are reused at all positions, which is weight sharing."]  # fmt: skip
    with FakeOpenAI([FakeReply.ok(json.dumps(reply))]) as server:
        judge = OpenAIJudge("m", base_url=server.base_url, api_key="k", timeout=2)
        refined = refine_with_llm(draft, judge, sources)
        body = server.bodies[0]
    assert refined.llm and not refined.warnings
    assert [c.id for c in refined.rubric.criteria] == ["learned-filter", "weight-sharing"]
    assert refined.rubric.criteria[0].checks[0].exclude == ["hand-crafted filter"]
    assert refined.rubric.mistakes[0].omission_of == ["weight-sharing"]
    assert refined.rubric.mistakes[0].text == draft.rubric.mistakes[0].text  # verbatim, never rewritten
    assert refined.rubric.examples[0].label == "strong"
    assert body["response_format"]["json_schema"]["name"] == "draft"
    assert "Forget weight sharing across positions." in body["messages"][-1]["content"]


def test_llm_failure_keeps_the_deterministic_draft() -> None:
    [draft] = draft_documents(read_document(DATA / "cnn.md")[:1])
    bad = _llm_reply([m.id for m in draft.rubric.mistakes])
    bad["criteria"][0]["source_quote"] = "A sentence that is not in the document."
    with FakeOpenAI([FakeReply.ok(json.dumps(bad)), FakeReply.ok(json.dumps(bad))]) as server:
        judge = OpenAIJudge("m", base_url=server.base_url, api_key="k", timeout=2)
        kept = refine_with_llm(draft, judge, ["The breakdown."])
        reask = server.bodies[1]["messages"][-1]["content"]
    assert "source_quote is not a sentence of the source text" in reask
    assert not kept.llm and kept.rubric is draft.rubric
    assert "LLM drafting failed" in kept.warnings[0] and "kept the deterministic draft" in kept.warnings[0]


def test_cli_import_with_llm_server_down_warns_and_writes_drafts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAI([FakeReply.error(400, "nope")] * 20) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")
        out = tmp_path / "out"
        result = runner.invoke(app, ["rubric", "import", str(DATA / "bank.jsonl"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "LLM drafting failed for q-stack" in result.stderr
    assert len(load_rubrics(out)) == 3


def test_yaml_output_reads_back_exactly(tmp_path: Path) -> None:
    odd = [
        {"id": "1.3", "question": "- What: is #1, 'quoted' and \"double\"?", "reference_answer": "yes"},
        {"id": "null", "question": "true", "reference_answer": "A, B [and] {C}: 0.5 #hash, привет — ok  twice"},
        {"id": "long", "question": "Why? " * 40, "reference_answer": "Because of tabs\there and " + "words " * 40},
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in odd) + "\n", encoding="utf-8")
    drafts = draft_bank(read_bank(path))
    written = write_drafts(drafts, tmp_path / "out")
    for draft, file in zip(drafts, written, strict=True):
        assert load_rubric(file) == draft.rubric
    documents = draft_documents(read_sources([SEED_000, SEED_001])[0])
    for draft, file in zip(documents, write_drafts(documents, tmp_path / "docs"), strict=True):
        assert load_rubric(file) == draft.rubric
