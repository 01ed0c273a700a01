"""Mohler-dev benchmark: import the questions as a Q&A bank, grade the answers deterministically, print r.

Usage: python tests/benchmarks/bench_mohler.py [PATH/TO/mohler-dev.jsonl]
(default ../shared/eval/mohler-dev.jsonl next to the repository; skipped with a message when absent). Make the
file from the public release with ``examples/mohler_to_jsonl.py ... --split dev`` (see the README).
With the ``semantic`` extra installed the grade includes the meaning layer; ``MOCKINT_SEMANTIC=off`` grades
with the checks alone. Nothing is learned from the human scores: the rubrics come from the questions and
references only.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from mockint.authoring.bank import draft_bank
from mockint.authoring.draft import write_drafts
from mockint.authoring.evaluation import evaluate
from mockint.authoring.labels import read_labels
from mockint.authoring.sources import read_bank
from mockint.rubrics import load_rubrics

DEFAULT = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "mohler-dev.jsonl"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    if not path.is_file():
        print(
            f"skipped: {path} not found (pass the path to mohler-dev.jsonl, made by examples/mohler_to_jsonl.py "
            "--split dev; see the README)"
        )
        return 0
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        items = read_bank(path)
        write_drafts(draft_bank(items), Path(folder))
        imported = time.perf_counter() - started
        rubrics = load_rubrics(folder)
        records = read_labels([path])
        report = evaluate(records, rubrics)
    scores = report.scores
    from mockint.grading import meaning

    layers = f"lexical + semantic:{meaning.layer_name()}" if meaning.layer_name() else "lexical"
    print(f"questions imported: {len(items)} in {imported:.2f} s")
    print(f"answers graded:     {len(report.graded)} in {report.seconds:.2f} s (deterministic: {layers})")
    print(f"pearson r:          {scores['pearson']:.3f}")
    print(f"spearman rho:       {scores['spearman']:.3f}")
    print(f"rmse (rescaled):    {scores['rmse_rescaled']:.3f} on 0-5")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
