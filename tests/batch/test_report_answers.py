"""The report's per-answer section: what it shows, how it escapes, what it keeps of big runs."""

from __future__ import annotations

import html
import re
from pathlib import Path

from typer.testing import CliRunner

from mockint.batch.report import ReportBuilder
from mockint.batch.report_answers import (
    MAX_EVIDENCE_CHARS,
    MAX_TEXT_CHARS,
    KeyPoint,
    evidence_spans,
    review_need,
)
from mockint.cli import app
from mockint.models import CriterionResult, Grade, MistakeResult
from mockint.render import grade_to_json, md_inline
from mockint.review.queue import GradeLine, review_queue
from mockint.rubrics import load_rubrics

runner = CliRunner()

HOSTILE = "<script>alert('x')</script> | *bold* [link](http://x)"


def grade(
    answer_id: str,
    score: float,
    *,
    question: str = "q1",
    verdicts: tuple[str, str] = ("met", "missed"),
    evidence: tuple[str | None, str | None] = ("kernel slides", None),
    agree: tuple[bool | None, bool | None] = (None, None),
    warnings: list[str] | None = None,
    fallback: str | None = None,
    extra: dict[str, object] | None = None,
    grader: str = "llm",
) -> Grade:
    return Grade(
        id=answer_id,
        question_id=question,
        score=score,
        grader=grader,  # type: ignore[arg-type]
        criteria=[
            CriterionResult(id="c1", text="Slides a kernel", verdict=verdicts[0], evidence=evidence[0], agree=agree[0]),  # type: ignore[arg-type]
            CriterionResult(id="c2", text="Shares weights", verdict=verdicts[1], evidence=evidence[1], agree=agree[1]),  # type: ignore[arg-type]
        ],
        mistakes=[MistakeResult(id="m1", text="Says it is dense", committed=False)],
        warnings=warnings or [],
        fallback=fallback,
        extra=extra or {},
    )


def test_markdown_section_shows_each_answer_with_evidence_marked_in_its_text() -> None:
    builder = ReportBuilder()
    builder.add(grade("a1", 0.9, extra={"name": "Ann Lee", "group": 3}))
    builder.add(grade("a2", 0.45, agree=(False, None), extra={"name": HOSTILE}))
    # read back from a file, with the fields the calibration and several-judges helpers add
    data = grade_to_json(grade("a3", 0.2, grader="hybrid"))
    data.update(calibrated_score=1.5, stability=0.5)
    builder.add_json(data)
    assert builder.attach_texts([("a1", "The kernel slides over the image."), ("a2", "x"), ("zz", "not graded")]) == 2
    text = builder.markdown()
    section = text.split("## Every answer")[1]
    assert "All 3 graded answers. In input order" in section
    assert "### a1 · q1" in section and "Score **0.90** (llm); name: Ann Lee, group: 3." in section
    assert "| 1 | Slides a kernel | met | “kernel slides” |" in section
    assert "| 2 | Shares weights | missed |  |" in section
    # the quote is found case-insensitively and marked where it stands
    assert "> The «kernel slides»[1] over the image." in section
    a2 = section.split("### a2")[1].split("###")[0]
    assert "Needs review: judge and checks disagree on 1 key point; score 0.45 near the pass mark 0.50." in a2
    assert "| 1 | Slides a kernel | met (judge and checks disagree) |" in a2
    assert "<script>" not in text and "\\<script\\>" in a2 and "\\| \\*bold\\* \\[link\\]" in a2
    a3 = section.split("### a3")[1]
    assert "Score **0.20**, calibrated 1.50 (hybrid)." in a3
    assert "Needs review: judges disagree (stability 0.50)." in a3
    assert "> " not in a3  # no text attached for a3: no quote block


def test_html_section_is_escaped_and_carries_what_the_filters_read() -> None:
    builder = ReportBuilder()
    builder.add(grade("ok", 1.0, verdicts=("met", "met"), evidence=("kernel", "weights"), extra={"name": "Ann"}))
    builder.add(
        grade(
            "<b>id</b>",
            0.1,
            question="q2",
            evidence=(HOSTILE, None),
            warnings=["c1: judge evidence not found in the answer (unverified)"],
            fallback="timeout",
            grader="deterministic",
            extra={"name": HOSTILE, "nested": {"a": [1, 2]}},
        )
    )
    builder.attach_texts([("ok", "kernel and weights"), ("<b>id</b>", f"Before {HOSTILE} after")])
    page = builder.html()
    section = page.split('<h2 id="answers">')[1]
    assert "<script>alert" not in page and "<b>id</b>" not in page
    assert html.escape(HOSTILE) in section
    rows = re.findall(r'<tbody class="answer" ([^>]*)>', section)
    assert len(rows) == 2
    assert 'data-id="ok" data-question="q1" data-grader="llm" data-score="1.0000"' in rows[0]
    assert 'data-flags=""' in rows[0]
    assert 'data-id="&lt;b&gt;id&lt;/b&gt;" data-question="q2" data-grader="deterministic"' in rows[1]
    assert 'data-flags="fallback unverified"' in rows[1]
    # the extra columns are columns, non-text values as JSON
    assert "<th>name</th><th>nested</th>" in section and html.escape('{"a": [1, 2]}') in section
    # evidence marked in the answer text, escaped inside the mark
    assert f'<mark title="key point 1">{html.escape(HOSTILE)}</mark><sup>1</sup>' in section
    assert '<mark title="key point 1">kernel</mark><sup>1</sup> and <mark title="key point 2">weights</mark>' in section
    # the controls offer each question and grader present
    assert '<option value="q2">q2</option>' in section and '<option value="deterministic">' in section
    assert '<option value="needs-review">' in section


def test_big_runs_keep_the_answers_most_in_need_of_review_cut_to_size() -> None:
    builder = ReportBuilder(max_answers=3)
    long_quote = "w " * MAX_EVIDENCE_CHARS
    for index in range(10):
        disagree = index in (2, 7)
        builder.add(
            grade(
                f"a{index}",
                0.95,
                agree=(False if disagree else None, None),
                evidence=(long_quote, None),
                fallback="timeout" if index == 5 else None,
            )
        )
    entries = builder.answers.entries()
    # a2 and a7 (one disagreement: 3) tie with a5 (fallback: 3); the rest need nothing
    assert [entry.id for entry in entries] == ["a2", "a5", "a7"]
    assert builder.answers.seen == 10
    assert all(len(entry.criteria[0].evidence or "") == MAX_EVIDENCE_CHARS for entry in entries)
    builder.attach_texts([("a5", "y" * (MAX_TEXT_CHARS + 10))])
    assert entries[1].text is not None and len(entries[1].text) == MAX_TEXT_CHARS and entries[1].text_cut == 10
    text = builder.markdown()
    assert "The 3 of 10 graded answers most in need of review" in text
    assert "… (10 more characters)" in text
    assert "“" + md_inline(long_quote[:MAX_EVIDENCE_CHARS] + "…") + "”" in text


def test_need_of_review_orders_grades_like_the_review_queue() -> None:
    grades = [
        grade("plain", 0.95),
        grade("near", 0.55),
        grade("disagree", 0.9, agree=(False, False)),
        grade("fallback", 0.1, fallback="timeout"),
        grade("unverified", 0.8, warnings=["c1: quote not in the answer (unverified)"]),
    ]
    builder = ReportBuilder()
    lines = []
    for item in grades:
        data = grade_to_json(item)
        if item.id == "near":
            data["stability"] = 0.75
        builder.add_json(data)
        lines.append(GradeLine(data, item, f"g.jsonl:{len(lines) + 1}"))
    rubric = next(iter(load_rubrics().values()))  # the queue only needs one to be there
    queue = review_queue(lines, {item.id or "": "text" for item in grades}, {"q1": rubric})
    by_need = sorted(builder.answers.entries(), key=lambda entry: (-entry.need, entry.seq))
    assert [entry.id for entry in by_need] == [item.id for item in queue]
    assert [round(entry.need, 6) for entry in by_need] == [round(item.need, 6) for item in queue]
    assert review_need(0.5, 0, None, 0, None) == (2.0, ("near-pass",), ("score 0.50 near the pass mark 0.50",))


def test_evidence_spans_skip_missed_overlapping_and_absent_quotes() -> None:
    text = "Alpha beta gamma delta."
    points = [
        KeyPoint("c1", "met", "beta gamma", 10, None),
        KeyPoint("c2", "partial", "gamma", 5, None),  # inside c1's quote: left to the list
        KeyPoint("c3", "missed", "Alpha", 5, None),  # a missed key point has no evidence to mark
        KeyPoint("c4", "met", "not there", 9, None),
        KeyPoint("c5", "met", "beta gamma", 10, None),  # the same quote as c1: marked once, both numbers
        KeyPoint("c6", "met", "DELTA", 5, None),
    ]
    assert evidence_spans(text, points) == [(6, 16, [1, 5]), (17, 22, [6])]


def test_mistakes_are_sorted_by_rate_not_count() -> None:
    builder = ReportBuilder()
    for index in range(10):
        item = grade(f"big{index}", 0.9)
        item.mistakes[0].committed = index < 3  # 3 of 10: 30%
        builder.add(item)
    for index in range(2):
        item = grade(f"small{index}", 0.9, question="q2")
        item.mistakes[0].committed = True  # 2 of 2: 100%
        builder.add(item)
    text = builder.markdown()
    table = text.split("## Most frequent typical mistakes")[1].split("##")[0]
    assert table.index("| q2 | 2 | 100% |") < table.index("| q1 | 3 | 30% |")
    assert "| q2 | 2 | 100% | ████████████████████ |" in table
    page = builder.html()
    mistakes = page.split("Most frequent typical mistakes")[1].split("<h2>")[0]
    assert mistakes.index("<td>q2</td>") < mistakes.index("<td>q1</td>")
    assert 'class="made" style="width:100.0%"' in mistakes and 'style="width:30.0%"' in mistakes


def test_histogram_axes_are_labelled_and_key_point_rates_are_bars() -> None:
    builder = ReportBuilder()
    builder.add(grade("a", 0.9, verdicts=("met", "partial")))
    builder.add(grade("b", 0.2, verdicts=("missed", "partial")))
    page = builder.html()
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert ">score</text>" in svg and ">answers</text>" in svg
    assert svg.count('class="axis"') == 2 and ">0.0</text>" in svg and ">1.0</text>" in svg
    assert 'class="met" style="width:50.0%"' in page and 'class="missed" style="width:50.0%"' in page
    assert 'class="partial" style="width:100.0%"' in page


def test_the_cli_report_shows_every_example_answer_with_its_text(tmp_path: Path, examples_file: Path) -> None:
    report = tmp_path / "r.html"
    result = runner.invoke(
        app, ["grade", str(examples_file), "--no-llm", "-o", str(tmp_path / "g.jsonl"), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    section = page.split('<h2 id="answers">')[1]
    assert section.count('<tbody class="answer"') == 13
    assert "<th>candidate</th>" in section and "A. Ivanova" in section
    assert "answer text not available" not in section
    assert "<mark" in section
    markdown = tmp_path / "r.md"
    result = runner.invoke(
        app, ["grade", str(examples_file), "--no-llm", "-o", str(tmp_path / "g2.jsonl"), "--report", str(markdown)]
    )
    assert result.exit_code == 0, result.output
    assert markdown.read_text(encoding="utf-8").count("\n### ") >= 13 + 4  # the answers and the key point tables


def test_the_pass_mark_of_grade_moves_what_needs_review_in_the_report(tmp_path: Path, examples_file: Path) -> None:
    texts = {}
    for mark in ("0.5", "0.9"):
        report = tmp_path / f"r{mark}.md"
        args = [
            "grade",
            str(examples_file),
            "--no-llm",
            "-o",
            str(tmp_path / f"g{mark}.jsonl"),
            "--report",
            str(report),
        ]
        result = runner.invoke(app, [*args, *(["--pass-mark", mark] if mark != "0.5" else [])])
        assert result.exit_code == 0, result.output
        texts[mark] = report.read_text(encoding="utf-8")
    # Deterministic scores: strong answers 1.0, cnn-partial 0.375, ab-partial 0.4 (both within 0.15 of 0.5).
    assert "score 0.38 near the pass mark 0.50" in texts["0.5"] and "score 0.40 near the pass mark 0.50" in texts["0.5"]
    assert "near the pass mark 0.90" not in texts["0.5"]
    assert texts["0.9"].count("score 1.00 near the pass mark 0.90") == 5
    assert "near the pass mark 0.50" not in texts["0.9"] and "score 0.38 near" not in texts["0.9"]
    bad = runner.invoke(app, ["grade", str(examples_file), "--no-llm", "--pass-mark", "1.5"])
    assert bad.exit_code == 2 and "--pass-mark" in bad.output
