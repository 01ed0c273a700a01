"""Speed of the meaning layer (``mockint.grading.semantic``), and how well its raw signal separates key points.

Prints figures; asserts nothing. Needs the ``semantic`` extra. Run from the repository root:

    python tests/benchmarks/bench_semantic.py [--answers 200] [--words 60] [--repeat 5] [--threads 1]
                                              [--quality] [--no-speed] [--mohler PATH] [--labelled PATH]

Speed (always):

* load: a fresh ``Encoder`` from the installed model files; RSS of this process before and after, and at peak.
* sentences/s: one ``embed`` call on distinct sentences (no cache hits), and one sentence per call.
* per answer: ``--answers`` answers of about ``--words`` words (fixed seed), built from a rubric's own
  sentences with some words swapped so that no two are alike. What a grader would do per answer: split
  sentences, keep those :meth:`Encoder.supports`, embed them, add windows of two adjacent sentences, and take
  the cosine of every window with every key point text and source quote (cached after the first answer).
  Windows pooled from the sentences' own passes (``embed_joined``, no extra pass) and embedded exactly (one
  more pass each) are both timed. Median of ``--repeat`` runs, cache emptied of answer text between runs.
* grader: ``grade_answer`` alone on the same answers, and with the layer added (one process, one thread).

Quality (``--quality``): Pearson r of sentence-to-reference cosine against the human score on the Mohler
development set, and for the labelled development set (never the holdout) the distribution of
s = max over sentences and adjacent pairs of cos(window, key point) for met / partial / missed labels, with
the thresholds that give precision >= 0.9, and how upgrades of the deterministic grader's "missed" would fare.

BLAS: ``OPENBLAS_CORETYPE`` (set on some machines here) picks an older kernel; the figures name it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
MOHLER = REPO.parent / "shared" / "eval" / "mohler-dev.jsonl"
LABELLED = REPO / "tests" / "data" / "labelled" / "dev.jsonl"
SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")
SWAP_SHARE = 0.12


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def sentences(text: str) -> list[str]:
    """The simple split used for measuring: on . ! ? ; followed by space, and on newlines."""
    return [part.strip() for part in SPLIT.split(text) if part and part.strip()]


def english_pool(rubric: Any) -> tuple[list[str], list[str]]:
    texts = [rubric.model_answer, *(c.text for c in rubric.criteria), *(c.source_quote or "" for c in rubric.criteria)]
    texts += [example.answer for example in rubric.examples]
    pool = [s for text in texts for s in sentences(" ".join(text.split())) if len(s.split()) >= 4]
    pool = [s for s in pool if not re.search(r"[а-яё]", s, re.IGNORECASE)]
    return pool, [word for s in pool for word in s.split()]


def make_answers(count: int, words: int, seed: int = 11) -> list[tuple[Any, str]]:
    from mockint.rubrics import load_rubrics

    rubrics = list(load_rubrics().values())
    pools = {rubric.id: english_pool(rubric) for rubric in rubrics}
    chooser = random.Random(seed)
    answers = []
    for _ in range(count):
        rubric = chooser.choice(rubrics)
        pool, vocabulary = pools[rubric.id]
        target = max(10, int(chooser.gauss(words, words / 8)))
        out: list[str] = []
        while sum(len(s.split()) for s in out) < target:
            tokens = chooser.choice(pool).rstrip(".!?").split()
            tokens = [chooser.choice(vocabulary) if chooser.random() < SWAP_SHARE else t for t in tokens]
            # The last sentence is cut so that answers keep to the asked length.
            tokens = tokens[: max(4, target - sum(len(s.split()) for s in out))]
            out.append(" ".join(tokens) + ".")
        answers.append((rubric, " ".join(out)))
    return answers


def median_time(run: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def layer_for(encoder: Any, exact_windows: bool) -> Callable[[Any, str], Any]:
    """One answer through the layer as a grader would use it: the (windows x key points) max cosine."""
    import numpy as np

    from mockint.grading.semantic import similarity

    def run(rubric: Any, answer: str) -> Any:
        parts = [s for s in sentences(answer) if encoder.supports(s)]
        keys = encoder.embed([c.text for c in rubric.criteria] + [c.source_quote or c.text for c in rubric.criteria])
        if not parts:
            return np.zeros(len(rubric.criteria), dtype=np.float32)
        rows = encoder.embed(parts)
        pairs = list(zip(parts, parts[1:], strict=False))
        if pairs:
            joined = encoder.embed([f"{a} {b}" for a, b in pairs]) if exact_windows else encoder.embed_joined(pairs)
            rows = np.vstack([rows, joined])
        sims = similarity(rows, keys).max(axis=0)
        return np.maximum(sims[: len(rubric.criteria)], sims[len(rubric.criteria) :])

    return run


def bench_speed(args: argparse.Namespace) -> None:
    rss_start = rss_mb()
    import numpy as np

    from mockint.grading import grade_answer, semantic

    model_dir = semantic._model_dir()
    if model_dir is None:
        raise SystemExit("the semantic extra is not installed: pip install -e '.[semantic]'")
    rss_numpy = rss_mb()
    started = time.perf_counter()
    encoder = semantic.Encoder(model_dir, name="bench", threads=args.threads)
    load = time.perf_counter() - started
    rss_loaded = rss_mb()
    blas = "unknown"
    try:
        import threadpoolctl

        info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        blas = ", ".join(
            f"{i['internal_api']} {i['version']} {i.get('architecture')} x{i['num_threads']}" for i in info
        )
    except ImportError:
        pass
    print(f"numpy {np.__version__}; BLAS {blas}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '-')}")
    print(f"layer threads: {args.threads}; load average {os.getloadavg()[0]:.2f}; cores {os.cpu_count()}")
    print(
        f"load: {load * 1000:.0f} ms; RSS {rss_start:.0f} MB at start, {rss_numpy:.0f} MB with numpy and mockint, "
        f"{rss_loaded:.0f} MB with the model"
    )

    answers = make_answers(args.answers, args.words)
    all_sentences = list(dict.fromkeys(s for _, answer in answers for s in sentences(answer)))[:400]
    tokens = [len(encoder.tokenizer.encode(s)) for s in all_sentences]
    per_answer = statistics.mean(len(sentences(a)) for _, a in answers)
    words = statistics.mean(len(a.split()) for _, a in answers)
    print(
        f"answers: {len(answers)}, {words:.0f} words, {per_answer:.1f} sentences and "
        f"{statistics.mean(len(encoder.tokenizer.encode(a)) - 2 for _, a in answers):.0f} word pieces each; "
        f"sentences average {statistics.mean(tokens):.1f} tokens with [CLS]/[SEP]"
    )

    def clear() -> None:
        encoder._cache.clear()

    batch = median_time(lambda: encoder.embed(all_sentences), args.repeat, clear)
    single = median_time(lambda: [encoder.embed([s]) for s in all_sentences], max(1, args.repeat // 2), clear)
    print(
        f"sentences/s: {len(all_sentences) / batch:,.0f} in one call of {len(all_sentences)}; "
        f"{len(all_sentences) / single:,.0f} one per call"
    )

    layer_joined, layer_exact = layer_for(encoder, False), layer_for(encoder, True)
    for rubric, answer in answers[:5]:
        layer_joined(rubric, answer)  # key point texts into the cache, as after the first answer of a run

    def keep_keys() -> None:
        keys = {t for r, _ in answers for c in r.criteria for t in (c.text, c.source_quote or c.text)}
        for text in list(encoder._cache):
            if text not in keys:
                del encoder._cache[text]

    for name, layer in (("windows pooled (embed_joined)", layer_joined), ("windows embedded exactly", layer_exact)):
        seconds = median_time(lambda layer=layer: [layer(r, a) for r, a in answers], args.repeat, keep_keys)
        print(f"layer per {words:.0f}-word answer, {name}: {seconds / len(answers) * 1000:.1f} ms")

    sentences_only = median_time(lambda: [encoder.embed(sentences(a)) for _, a in answers], args.repeat, keep_keys)
    print(f"layer per answer, sentences only: {sentences_only / len(answers) * 1000:.1f} ms")

    grader = median_time(lambda: [grade_answer(a, r) for r, a in answers], args.repeat)

    def both() -> None:
        for rubric, answer in answers:
            grade_answer(answer, rubric)
            layer_joined(rubric, answer)

    combined = median_time(both, args.repeat, keep_keys)
    print(
        f"grader alone: {len(answers) / grader:,.0f} answers/s ({grader / len(answers) * 1000:.1f} ms); "
        f"grader + layer (pooled windows): {len(answers) / combined:,.0f} answers/s "
        f"({combined / len(answers) * 1000:.1f} ms) in one process"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RSS now {rss_mb():.0f} MB, peak {peak:.0f} MB")


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    import numpy as np

    return float(np.corrcoef(np.asarray(x, dtype=float), np.asarray(y, dtype=float))[0, 1])


def bench_mohler(encoder: Any, path: Path) -> None:
    import numpy as np

    from mockint.grading.semantic import similarity

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    features: dict[str, list[float]] = {"max sentence": [], "mean sentence": [], "max window (pooled)": []}
    features["whole answer"] = []
    for row in rows:
        parts = sentences(row["answer"]) or [row["answer"]]
        reference = encoder.embed([row["reference_answer"]])
        sims = similarity(encoder.embed(parts), reference)[:, 0]
        pairs = list(zip(parts, parts[1:], strict=False))
        windows = similarity(encoder.embed_joined(pairs), reference)[:, 0] if pairs else sims
        features["max sentence"].append(float(sims.max()))
        features["mean sentence"].append(float(sims.mean()))
        features["max window (pooled)"].append(float(max(sims.max(), windows.max())))
        features["whole answer"].append(float(similarity(encoder.embed([row["answer"]]), reference)[0, 0]))
    scores = [row["score"] for row in rows]
    print(f"Mohler dev ({len(rows)} answers, {len({r['question_id'] for r in rows})} questions): Pearson r with score")
    for name, values in features.items():
        print(f"  {name}: r = {pearson(values, scores):.3f}")
    by_question: dict[str, list[tuple[float, float]]] = {}
    for row, value in zip(rows, features["max sentence"], strict=True):
        by_question.setdefault(row["question_id"], []).append((value, row["score"]))
    within = [
        pearson([v for v, _ in pairs], [s for _, s in pairs])
        for pairs in by_question.values()
        if len({s for _, s in pairs}) > 1
    ]
    print(f"  max sentence, within a question: mean r = {float(np.mean(within)):.3f} over {len(within)} questions")


def threshold(records: list[dict[str, Any]], key: str, positive: set[str], target: float = 0.9) -> str:
    """The lowest s with precision >= target among records at or above it, and the recall there."""
    ranked = sorted(records, key=lambda r: -r[key])
    wanted = sum(r["label"] in positive for r in records)
    best, hits = None, 0
    for index, record in enumerate(ranked):
        hits += record["label"] in positive
        last = index + 1 == len(ranked) or ranked[index + 1][key] < record[key]
        if last and hits / (index + 1) >= target:
            best = (record[key], hits / (index + 1), hits / max(1, wanted), index + 1)
    if best is None:
        return "none reaches precision 0.9"
    return f"s >= {best[0]:.3f}: precision {best[1]:.2f}, recall {best[2]:.2f} ({best[3]} at or above)"


def bench_labelled(encoder: Any, path: Path) -> None:
    import numpy as np

    from mockint.grading import grade_answer
    from mockint.rubrics import load_rubrics

    if path.name != "dev.jsonl":
        raise SystemExit("use the development set (dev.jsonl) only; the holdout is for the final check")
    rubrics = load_rubrics()
    records: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rubric = rubrics.get_rubric(row["question_id"])
        grade = grade_answer(row["answer"], rubric)
        deterministic = {c.id: c.verdict for c in grade.criteria}
        mistaken = any(m.committed for m in grade.mistakes)
        parts = sentences(row["answer"]) or [row["answer"]]
        windows = encoder.embed(parts + [f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False)])
        pooled = encoder.embed_joined([(a, b) for a, b in zip(parts, parts[1:], strict=False)])
        supported = [i for i, s in enumerate(parts) if encoder.supports(s)]
        for criterion in rubric.criteria:
            keys = encoder.embed([criterion.text, criterion.source_quote or criterion.text])
            exact, joined = windows @ keys.T, np.vstack([windows[: len(parts)], pooled]) @ keys.T
            records.append(
                {
                    "kind": row["kind"],
                    "label": row["labels"][criterion.id],
                    "deterministic": deterministic[criterion.id],
                    "mistaken": mistaken,
                    "russian": row["kind"] in ("russian", "mixed-language"),
                    "text": float(exact[:, 0].max()),
                    "quote": float(exact[:, 1].max()),
                    "both": float(exact.max()),
                    "both, pooled windows": float(joined.max()),
                    "both, supported sentences": float(exact[supported].max()) if supported else -1.0,
                }
            )
    english = [r for r in records if not r["russian"]]
    counts = {label: sum(r["label"] == label for r in english) for label in ("met", "partial", "missed")}
    print(f"labelled dev: {len(records)} (answer, key point) pairs; English answers: {counts}")
    for key in ("text", "quote", "both", "both, pooled windows"):
        print(f"  s = max cos(window, key point {key}):")
        for label in ("met", "partial", "missed"):
            values = np.array([r[key] for r in english if r["label"] == label])
            p10, p25, p50, p75, p90 = np.percentile(values, [10, 25, 50, 75, 90])
            print(f"    {label:8s} p10 {p10:.2f}  p25 {p25:.2f}  p50 {p50:.2f}  p75 {p75:.2f}  p90 {p90:.2f}")
        print(f"    t_met (label met):         {threshold(english, key, {'met'})}")
        print(f"    t_partial (met or partial): {threshold(english, key, {'met', 'partial'})}")
        missed = [r for r in english if r["deterministic"] == "missed"]
        print(f"    upgrades of deterministic 'missed' ({len(missed)}): met {threshold(missed, key, {'met'})}")
        for name, pool in (("all", missed), ("no committed mistake", [r for r in missed if not r["mistaken"]])):
            cells = []
            for cut in (0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
                above = [r for r in pool if r[key] >= cut]
                met = sum(r["label"] == "met" for r in above)
                some = sum(r["label"] != "missed" for r in above)
                cells.append(f"{cut:.2f}: {met}+{some - met}/{len(above)}" if above else f"{cut:.2f}: -")
            print(f"      {name}, s >= t: met+partial/n  " + "  ".join(cells))
    russian = [r for r in records if r["russian"]]
    print(f"  Russian and mixed answers ({len(russian)} pairs), s over the sentences the model supports:")
    for label in ("met", "partial", "missed"):
        values = [r["both, supported sentences"] for r in russian if r["label"] == label]
        silent = sum(v < 0 for v in values)
        print(f"    {label:8s} {len(values)} pairs, {silent} with no supported sentence (layer silent)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for the layer (0: leave as is)")
    parser.add_argument("--quality", action="store_true", help="also measure separation on the dev sets")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed figures")
    parser.add_argument("--mohler", type=Path, default=MOHLER)
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    args = parser.parse_args()
    args.threads = args.threads or None
    if not args.no_speed:
        bench_speed(args)
    if args.quality:
        from mockint.grading import semantic

        encoder = semantic.get_encoder()
        if encoder is None:
            sys.exit("the semantic extra is not installed")
        if args.mohler.exists():
            bench_mohler(encoder, args.mohler)
        if args.labelled.exists():
            bench_labelled(encoder, args.labelled)


if __name__ == "__main__":
    main()
