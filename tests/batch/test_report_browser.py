"""The HTML report in a real browser: headless Chromium runs its script, and the DOM it leaves is checked.

Skipped where no Chromium is installed (``apt-get install chromium`` on Debian). The filters and the sort are
set through the URL's hash, as a link to a view of the report would set them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mockint.batch.report import ReportBuilder
from mockint.models import CriterionResult, Grade

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")

INJECTED = '<img src="x" onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'


def grade(answer_id: str, question: str, score: float, *, agree: bool | None = None, grader: str = "llm") -> Grade:
    return Grade(
        id=answer_id,
        question_id=question,
        score=score,
        grader=grader,  # type: ignore[arg-type]
        criteria=[CriterionResult(id="c1", text="Key point", verdict="met", evidence="the quote", agree=agree)],
        extra={"name": f"Candidate {answer_id}"},
    )


def page(tmp_path: Path) -> Path:
    builder = ReportBuilder()
    builder.add(grade("a1", "q1", 0.95))
    builder.add(grade("a2", "q1", 0.9, agree=False))  # judge and checks disagree: needs review
    builder.add(grade("a3", "q2", 0.52, grader="hybrid"))  # near the pass mark: needs review
    builder.add(grade("a4", "q2", 0.1))
    builder.add(grade("a5", "q2", 0.99))
    builder.attach_texts([(f"a{n}", f"Answer {n} with the quote. {INJECTED}") for n in range(1, 6)])
    path = tmp_path / "report.html"
    builder.write(path)
    return path


def dump_dom(tmp_path: Path, url: str) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # tests run as root in CI
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def visible(dom: str) -> list[str]:
    rows = re.findall(r'<tbody class="answer"([^>]*)>', dom)
    return [re.search(r'data-id="([^"]*)"', row).group(1) for row in rows if "hidden" not in row]  # type: ignore[union-attr]


def test_filters_and_sort_run_in_chromium(tmp_path: Path) -> None:
    url = page(tmp_path).as_uri()
    everything = dump_dom(tmp_path, url)
    assert visible(everything) == ["a1", "a2", "a3", "a4", "a5"]
    assert '<output id="shown">5 of 5 answers shown</output>' in everything
    # nothing the answers carried became markup: one script (the report's), no image, the title untouched
    assert everything.count("<script>") == 1 and "<img" not in everything
    assert "<title>mockint batch report</title>" in everything

    review = dump_dom(tmp_path, url + "#filter=needs-review")
    assert visible(review) == ["a2", "a3"]
    assert '<output id="shown">2 of 5 answers shown</output>' in review and 'data-shown="2"' in review

    by_score = dump_dom(tmp_path, url + "#question=q2&sort=-score")
    assert visible(by_score) == ["a5", "a3", "a4"]
    assert '<output id="shown">3 of 5 answers shown</output>' in by_score

    llm_by_id = dump_dom(tmp_path, url + "#grader=llm&sort=id")
    assert visible(llm_by_id) == ["a1", "a2", "a4", "a5"]


def test_chromium_draws_the_report(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1200,2400",
            f"--screenshot={shot}",
            page(tmp_path).as_uri() + "#filter=needs-review",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 2400)
    # a page of text, bars and marks is far from one flat colour, which compresses to almost nothing
    assert len(data) > 20_000
