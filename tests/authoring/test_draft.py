"""mockint.authoring.draft: document drafts from the seed documents, their ids and quotes, and write_drafts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mockint.authoring.draft import (
    MAX_KEY_POINTS,
    MAX_WEIGHT,
    Draft,
    draft_documents,
    shorten,
    slugify,
    split_sentences,
    unique_id,
    validated_rubric,
    write_drafts,
)
from mockint.authoring.examples import run_examples
from mockint.authoring.sources import DocQuestion, read_document, read_sources
from mockint.errors import InputError
from mockint.grading import grade_answer
from mockint.grading.matching import check_matches
from mockint.rubrics import load_rubric

DATA = Path(__file__).resolve().parent.parent / "data" / "authoring"
SEEDS = [DATA / "000_c1138e3d60123fdf.txt", DATA / "001_77260d5510a59060.txt"]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def seed_questions() -> list[DocQuestion]:
    return read_sources(SEEDS)[0]


@pytest.fixture(scope="module")
def seed_drafts(seed_questions: list[DocQuestion]) -> list[Draft]:
    return draft_documents(seed_questions)


def _document_text() -> str:
    return _flat(" ".join(path.read_text(encoding="utf-8") for path in SEEDS))


def _document_lines() -> set[str]:
    lines: set[str] = set()
    for path in SEEDS:
        for line in path.read_text(encoding="utf-8").splitlines():
            lines.add(line.strip().removeprefix("- ").strip())
    return lines


# --------------------------------------------------------------------------------------------------------
# Drafts from the seed documents
# --------------------------------------------------------------------------------------------------------


def test_one_draft_per_question_with_unique_ids_and_file_names(seed_drafts: list[Draft]) -> None:
    assert [d.rubric.id for d in seed_drafts] == [
        "glubokiy-razbor-multimodalnogo-fashion",
        "explain-what-a-convolutional-neural",
        "explain-why-statistical-significance-is",
        "what-is-your-view-on-using-modern-genai",
    ]
    assert [d.file_name for d in seed_drafts] == [f"{d.rubric.id}.yaml" for d in seed_drafts]
    for draft in seed_drafts:
        criterion_ids = [c.id for c in draft.rubric.criteria]
        mistake_ids = [m.id for m in draft.rubric.mistakes]
        assert len(set(criterion_ids)) == len(criterion_ids)
        assert len(set(mistake_ids)) == len(mistake_ids)
        assert 1 <= len(criterion_ids) <= MAX_KEY_POINTS


def test_origins_name_the_file_and_line_where_each_question_starts(seed_drafts: list[Draft]) -> None:
    second = SEEDS[1]
    lines = second.read_text(encoding="utf-8").splitlines()
    assert seed_drafts[0].origin == f"{SEEDS[0]}:1"
    for draft, marker in zip(
        seed_drafts[1:], ["Вопрос", "Вопрос по метрикам", "Вопрос про production ML"], strict=True
    ):
        file, _, line = draft.origin.rpartition(":")
        assert file == str(second)
        assert lines[int(line) - 1].strip() == marker


def test_key_point_quotes_are_sentences_of_the_document(seed_drafts: list[Draft]) -> None:
    document = _document_text()
    for draft in seed_drafts:
        for criterion in draft.rubric.criteria:
            assert criterion.source_quote, criterion.id
            assert _flat(criterion.source_quote) in document, (draft.rubric.id, criterion.id)
            # The key point restates (a clause of) its quote: its words come from the quote.
            words = {w.strip(".,;:").casefold() for w in criterion.text.split()}
            quote_words = {w.strip(".,;:").casefold() for w in criterion.source_quote.split()}
            assert words <= quote_words, (criterion.text, criterion.source_quote)


def test_mistakes_tips_and_model_answer_are_verbatim_from_the_document(seed_drafts: list[Draft]) -> None:
    lines = _document_lines()
    for draft in seed_drafts:
        rubric = draft.rubric
        assert rubric.mistakes and all(m.text in lines for m in rubric.mistakes)
        assert all(tip in lines for tip in rubric.tips)
        assert rubric.model_answer in lines
        assert rubric.question in lines


def test_the_merged_question_lists_both_documents_as_sources(seed_drafts: list[Draft]) -> None:
    fashion = seed_drafts[0].rubric
    assert [(s.document, s.section) for s in fashion.source] == [
        (SEEDS[0].name, fashion.title),
        (SEEDS[1].name, fashion.title),
    ]
    assert [s.section for s in seed_drafts[2].rubric.source] == ["Вопрос по метрикам"]
    assert seed_drafts[0].header[0].startswith(f"Drafted by `mockint rubric import` from {SEEDS[0].name}, ")


def test_every_check_matches_its_own_quote_and_no_detector_fires_on_the_model_answer(
    seed_drafts: list[Draft],
) -> None:
    for draft in seed_drafts:
        rubric = draft.rubric
        for criterion in rubric.criteria:
            assert criterion.checks, criterion.id
            assert criterion.source_quote is not None
            for check in criterion.checks:
                assert check_matches(check, criterion.source_quote) is not None, (rubric.id, criterion.id)
        for mistake in rubric.mistakes:
            for detector in mistake.detectors:
                assert check_matches(detector, rubric.model_answer) is None, (rubric.id, mistake.id)


def test_weights_penalties_and_omissions(seed_drafts: list[Draft]) -> None:
    fashion = seed_drafts[0].rubric
    assert all(0 < c.weight <= MAX_WEIGHT for d in seed_drafts for c in d.rubric.criteria)
    # The short answer's clauses come first, at the top weight.
    assert fashion.criteria[0].text == "A strong answer separates retrieval and reranking."
    assert fashion.criteria[0].weight == MAX_WEIGHT
    skip = next(m for m in fashion.mistakes if m.text.startswith("Skip"))
    hide = next(m for m in fashion.mistakes if m.text.startswith("Hide"))
    use = next(m for m in fashion.mistakes if m.text.startswith("Use random"))
    assert (skip.penalty, hide.penalty, use.penalty) == (0.05, 0.05, 0.1)
    ids = {c.id for c in fashion.criteria}
    assert skip.omission_of and set(skip.omission_of) <= ids
    assert not use.omission_of


def test_the_drafted_example_passes_and_a_strong_answer_beats_a_weak_one(seed_drafts: list[Draft]) -> None:
    for draft in seed_drafts:
        [example] = draft.rubric.examples
        assert example.label == "strong-model-answer" and example.answer == draft.rubric.model_answer
        report = run_examples(draft.rubric, draft.file_name)
        assert report.mismatches == [], report.mismatches
    fashion = seed_drafts[0].rubric
    strong = grade_answer(fashion.model_answer, fashion).score or 0.0
    weak = grade_answer("We trained a model and it worked well.", fashion).score or 0.0
    assert strong > weak


def test_drafting_is_deterministic(seed_questions: list[DocQuestion], seed_drafts: list[Draft]) -> None:
    again = draft_documents(seed_questions)
    # Compared as data: a graded Rubric also carries its compiled checks, which take part in ==.
    assert [d.rubric.model_dump() for d in again] == [d.rubric.model_dump() for d in seed_drafts]


def test_taken_ids_get_a_suffix_and_are_updated(seed_questions: list[DocQuestion]) -> None:
    taken = {"explain-what-a-convolutional-neural"}
    drafts = draft_documents(seed_questions[:2], taken)
    assert [d.rubric.id for d in drafts] == [
        "glubokiy-razbor-multimodalnogo-fashion",
        "explain-what-a-convolutional-neural-2",
    ]
    assert drafts[1].file_name == "explain-what-a-convolutional-neural-2.yaml"
    assert taken == {
        "explain-what-a-convolutional-neural",
        "glubokiy-razbor-multimodalnogo-fashion",
        "explain-what-a-convolutional-neural-2",
    }


def test_two_questions_with_the_same_title_get_distinct_ids(tmp_path: Path) -> None:
    doc = tmp_path / "twins.md"
    doc.write_text(
        "# Queues\nWhat is a queue?\n## Short answer\nA queue stores elements in arrival order and pops the oldest.\n"
        "# Queues\nHow is a queue implemented?\n## Short answer\n"
        "A ring buffer holds the elements with head and tail.\n",
        encoding="utf-8",
    )
    drafts = draft_documents(read_document(doc))
    assert [d.rubric.id for d in drafts] == ["queues", "queues-2"]
    assert [d.origin for d in drafts] == [f"{doc}:1", f"{doc}:5"]


# --------------------------------------------------------------------------------------------------------
# A document with a missing or empty section: one line, file and line
# --------------------------------------------------------------------------------------------------------


def test_a_question_without_a_short_answer_names_file_and_line(tmp_path: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text(
        "Title\nWhat is X?\nКороткий ответ\nX is a thing that does work.\n"
        "\n"
        "Вопрос\nWhat is Y, really?\nПолный разбор\nY is explained here.\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_sources([doc])
    message = str(caught.value)
    assert message.startswith(f"{doc}:6: question 'What is Y, really?' has no 'Короткий ответ' / 'Short answer'")
    assert "\n" not in message


def test_an_empty_section_names_the_line_of_its_heading(tmp_path: Path) -> None:
    doc = tmp_path / "notes.md"
    doc.write_text(
        "# T\nWhat is X?\n## Short answer\nX.\n## Typical mistakes\n\n## Theory\nSome theory.\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        read_document(doc)
    assert str(caught.value) == (
        f"{doc}:5: section 'Типичные ошибки / Typical mistakes' is empty; write its text or remove the heading"
    )


def test_a_question_with_only_a_short_answer_still_drafts(tmp_path: Path) -> None:
    doc = tmp_path / "min.txt"
    doc.write_text(
        "Queues\nWhat is a queue?\nShort answer\n"
        "A queue stores elements in arrival order; dequeue removes the oldest.\n",
        encoding="utf-8",
    )
    [draft] = draft_documents(read_document(doc))
    assert draft.rubric.mistakes == [] and draft.rubric.tips == []
    assert [c.text for c in draft.rubric.criteria] == [
        "A queue stores elements in arrival order.",
        "Dequeue removes the oldest.",
    ]
    assert {c.source_quote for c in draft.rubric.criteria} == {
        "A queue stores elements in arrival order; dequeue removes the oldest."
    }


def test_validated_rubric_error_is_one_line_naming_where() -> None:
    with pytest.raises(InputError) as caught:
        validated_rubric({"id": "x", "title": "T", "question": "Q", "model_answer": "A", "criteria": []}, "doc.txt:7")
    message = str(caught.value)
    assert message.startswith("doc.txt:7: cannot draft a valid rubric (criteria: ")
    assert message.endswith("; check the source text") and "\n" not in message


# --------------------------------------------------------------------------------------------------------
# write_drafts
# --------------------------------------------------------------------------------------------------------


def test_written_files_are_yaml_that_load_rubric_reads_back_exactly(seed_drafts: list[Draft], tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"
    written = write_drafts(seed_drafts, out)
    assert written == [out / d.file_name for d in seed_drafts]
    assert sorted(p.name for p in out.iterdir()) == sorted(d.file_name for d in seed_drafts)  # no temporaries
    for draft, path in zip(seed_drafts, written, strict=True):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("".join(f"# {line}\n" for line in draft.header))
        assert text.endswith("\n") and "\r" not in text
        data = yaml.safe_load(text)
        assert data["id"] == draft.rubric.id
        assert [c["source_quote"] for c in data["criteria"]] == [c.source_quote for c in draft.rubric.criteria]
        assert load_rubric(path).model_dump() == draft.rubric.model_dump()


def test_an_existing_file_stops_the_whole_write_unless_forced(seed_drafts: list[Draft], tmp_path: Path) -> None:
    existing = tmp_path / seed_drafts[2].file_name
    existing.write_text("keep me\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_drafts(seed_drafts, tmp_path)
    assert str(caught.value) == f"{existing}: already exists; pass --force to overwrite it, or choose another --out"
    assert [p.name for p in tmp_path.iterdir()] == [existing.name]  # all or nothing
    assert existing.read_text(encoding="utf-8") == "keep me\n"
    write_drafts(seed_drafts, tmp_path, force=True)
    assert load_rubric(existing).model_dump() == seed_drafts[2].rubric.model_dump()
    assert len(list(tmp_path.iterdir())) == len(seed_drafts)


def test_two_drafts_with_one_file_name_are_refused_before_writing(seed_drafts: list[Draft], tmp_path: Path) -> None:
    first = seed_drafts[1]
    twin = Draft(first.rubric, first.file_name, "other.txt:3")
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        write_drafts([first, twin], out)
    assert str(caught.value) == (f"other.txt:3: rubric id {first.rubric.id!r} is drafted twice ({first.origin})")
    assert not out.exists()


def test_an_output_path_that_is_a_file_is_one_line_error(seed_drafts: list[Draft], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_drafts(seed_drafts[:1], blocker / "sub")
    message = str(caught.value)
    assert message.startswith(f"{blocker / 'sub'}: cannot create the folder (") and "\n" not in message


def test_writing_nothing_writes_nothing(tmp_path: Path) -> None:
    assert write_drafts([], tmp_path / "out") == []


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "slug"),
    [
        ("Hello, World!", 48, "hello-world"),
        ("Глубокий разбор: щука и ёж", 48, "glubokiy-razbor-schuka-i-ezh"),
        ("one two three", 7, "one-two"),  # whole words only
        ("averyveryverylongword", 5, "item"),
        ("!!! ???", 48, "item"),
        ("p-value < 0.05", 48, "p-value-0-05"),
    ],
)
def test_slugify(text: str, limit: int, slug: str) -> None:
    assert slugify(text, limit) == slug


def test_unique_id_suffixes_and_records() -> None:
    taken = {"a", "a-2"}
    assert unique_id("a", taken) == "a-3"
    assert unique_id("b", taken) == "b"
    assert taken == {"a", "a-2", "a-3", "b"}


def test_split_sentences_and_shorten() -> None:
    assert split_sentences("First one.  Second\nline? «Third» here! 4 is last. lower stays.") == [
        "First one.",
        "Second line?",
        "«Third» here!",
        "4 is last. lower stays.",
    ]
    assert split_sentences("  \n ") == []
    assert shorten("a  b\nc", 10) == "a b c"
    assert shorten("abcdef ghij", 8) == "abcdef…"
    assert len(shorten("x" * 50, 10)) == 10
