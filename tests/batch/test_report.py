"""The batch report: counts computed by hand, Markdown and self-contained HTML, tokens and cost."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, FakeReply, correct_handler
from typer.testing import CliRunner

from mockint.batch.report import ReportBuilder, Usage, price_for, report_format
from mockint.cli import app
from mockint.errors import InputError
from mockint.models import CriterionResult, Grade, MistakeResult
from mockint.render import grade_to_json
from mockint.rubrics import load_rubrics

runner = CliRunner()


def make_grade(
    answer_id: str,
    score: float,
    verdicts: tuple[str, str],
    *,
    agree: tuple[bool | None, bool | None] = (None, None),
    made: bool = False,
    warnings: list[str] | None = None,
    grader: str = "llm",
) -> Grade:
    return Grade(
        id=answer_id,
        question_id="q1",
        score=score,
        grader=grader,  # type: ignore[arg-type]
        criteria=[
            CriterionResult(id="c1", text="First point", verdict=verdicts[0], agree=agree[0]),  # type: ignore[arg-type]
            CriterionResult(id="c2", text="Second | point", verdict=verdicts[1], agree=agree[1]),  # type: ignore[arg-type]
        ],
        mistakes=[MistakeResult(id="m1", text="Says <b>wrong</b> thing", committed=made)],
        warnings=warnings or [],
    )


def build() -> ReportBuilder:
    builder = ReportBuilder()
    builder.add(make_grade("a", 1.0, ("met", "met")))
    builder.add(make_grade("b", 0.55, ("met", "partial"), agree=(False, None), made=True))
    builder.add(make_grade("c", 0.05, ("missed", "missed"), agree=(False, False), made=True))
    fallback = "LLM judge failed (timeout): the judge server did not answer; graded deterministically"
    builder.add(make_grade("d", 0.5, ("met", "missed"), warnings=[fallback], grader="deterministic"))
    # the same kind of grade, read back from a file written by an earlier run
    builder.add_json(grade_to_json(make_grade("e", 0.95, ("met", "met"))))
    builder.add(Grade(id=None, question_id=None, score=None, grader=None, error="in.jsonl:9: invalid JSON"))
    return builder


def test_markdown_report_counts() -> None:
    text = build().markdown()
    assert "6 answers: 5 graded (llm 4, hybrid 0, deterministic 1), 1 not gradeable." in text
    # scores 0.05, 0.5, 0.55, 0.95, 1.0: mean 0.61, median 0.55
    assert "Score: mean 0.61, median 0.55" in text
    histogram = re.findall(r"^\| (\d\.\d–\d\.\d) \| (\d+) \|", text, re.MULTILINE)
    assert dict(histogram) == {
        "0.0–0.1": "1", "0.1–0.2": "0", "0.2–0.3": "0", "0.3–0.4": "0", "0.4–0.5": "0",
        "0.5–0.6": "2", "0.6–0.7": "0", "0.7–0.8": "0", "0.8–0.9": "0", "0.9–1.0": "2",
    }  # fmt: skip
    assert "| q1 | 5 | 0.61 |" in text
    # c1: met 4 of 5 = 80%, missed 20%; c2: met 2, partial 1, missed 2
    assert "| First point (`c1`) | 80% | 0% | 20% |" in text
    assert "| Second \\| point (`c2`) | 40% | 20% | 40% |" in text
    assert "| Says \\<b\\>wrong\\</b\\> thing (`m1`) | q1 | 2 | 40% |" in text
    disagreements = text.split("disagree most")[1].split("##")[0]
    assert disagreements.index("| c | q1 | 2: c1, c2 |") < disagreements.index("| b | q1 | 1: c1 |")
    assert "| timeout | 1 | d |" in text
    assert "1 of these grades were written by an earlier run (resumed)." in text
    assert "in.jsonl:9: invalid JSON" in text


def test_html_report_is_self_contained_and_escaped() -> None:
    page = build().html()
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "<svg" in page
    assert not re.search(r"<(link|img|iframe)\b", page)
    assert not re.search(r"(src|href)=", page)
    # One inline script (the per-answer table's sorting and filters), and it fetches nothing.
    assert page.count("<script>") == 1 and not re.search(r"fetch\(|XMLHttpRequest|import\(", page)
    assert "Says &lt;b&gt;wrong&lt;/b&gt; thing" in page and "<b>wrong</b>" not in page
    assert page.count("<rect") == 10


def test_cost_is_estimated_only_with_a_price() -> None:
    builder = ReportBuilder()
    builder.usage = Usage(requests=3, prompt_tokens=2_000_000, completion_tokens=500_000, model="gpt-4o-mini")
    builder.usage.pricing = price_for("gpt-4o-mini-2024-07-18")
    text = builder.markdown()
    # 2M * 0.15 + 0.5M * 0.60 = 0.30 + 0.30
    assert "Estimated cost: $0.6000" in text and "built-in list price for gpt-4o-mini" in text
    builder.usage.batch = True
    assert "Estimated cost: $0.3000" in builder.markdown()
    builder.usage = Usage(prompt_tokens=10, completion_tokens=5, model="qwen2.5:7b")
    assert "Estimated cost: unknown (no price known for qwen2.5:7b; pass --price-in and --price-out)" in (
        builder.markdown()
    )
    assert price_for("gpt-4o") is not None and price_for("gpt-4o").input == 2.5  # type: ignore[union-attr]
    assert price_for("gpt-4o-mini").input == 0.15  # type: ignore[union-attr]
    assert price_for("gpt-4") is None and price_for(None) is None


def test_report_format_from_suffix(tmp_path: Path) -> None:
    assert report_format(tmp_path / "r.md") == "md"
    assert report_format(tmp_path / "r.HTML") == "html"
    with pytest.raises(InputError, match=r"r\.txt: the report must be a \.md or \.html file"):
        report_format(tmp_path / "r.txt")


def test_report_from_the_cli_with_tokens_cache_and_price(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, examples_file: Path
) -> None:
    monkeypatch.setenv("MOCKINT_MODEL", "my-local-model")
    monkeypatch.setenv("MOCKINT_TIMEOUT", "5")
    monkeypatch.setenv("MOCKINT_MAX_ATTEMPTS", "1")
    rubrics = list(load_rubrics().values())
    report = tmp_path / "report.html"
    handler = correct_handler(*rubrics)
    with FakeOpenAI([FakeReply.error(503, "busy")], handler=handler) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        args = ["grade", str(examples_file), "-o", str(tmp_path / "g.jsonl"), "--report", str(report), "-c", "1"]
        first = runner.invoke(app, args)
        second = runner.invoke(app, [*args, "--price-in", "1", "--price-out", "2"])
    assert first.exit_code == second.exit_code == 0, first.output
    assert f"report written to {report}" in first.stderr
    page = report.read_text(encoding="utf-8")
    # Second run: 12 cache hits, and the one answer whose first request failed is asked again.
    assert "Grade cache: 12 of 13 judge replies served from the cache (92%)" in page
    assert "Tokens used by this run: 150 (100 input, 50 output); 1 requests sent." in page
    assert "Estimated cost: $0.0002 ($1 / $2 per 1M input / output tokens, --price-in/--price-out)." in page
    assert "13 answers: 13 graded (llm 13, hybrid 0, deterministic 0)" in page


def test_report_covers_resumed_lines_and_interrupts(tmp_path: Path, examples_file: Path) -> None:
    out = tmp_path / "g.jsonl"
    report = tmp_path / "r.md"
    runner.invoke(app, ["grade", str(examples_file), "-o", str(out)])
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:5]), encoding="utf-8")
    result = runner.invoke(app, ["grade", str(examples_file), "-o", str(out), "--resume", "--report", str(report)])
    assert result.exit_code == 0, result.output
    text = report.read_text(encoding="utf-8")
    assert "13 answers: 13 graded (llm 0, hybrid 0, deterministic 13)" in text
    assert "5 of these grades were written by an earlier run (resumed)." in text
    assert "Model: none (deterministic grading)." in text
    assert json.loads(lines[0])["id"] in out.read_text(encoding="utf-8")
