"""The offline speech engine on synthetic speech: word error rate, real-time factor, and what it costs a grade.

Prints figures; asserts nothing. Needs the voice extra (``pip install -e '.[voice]'``) and espeak-ng
(``apt-get install espeak-ng``). Run from the repository root:

    python tests/benchmarks/bench_speech.py [--beam-size 5] [--threads 0] [--no-grades]

* clips: the three short answers of ``tests/speech/clips.py``, spoken by espeak-ng (160 wpm), transcribed with
  no prompt and with the question as prompt: WER against the text spoken, seconds of audio, seconds to
  transcribe (wall and CPU) and the real-time factor (wall / audio).
* grades: each seed rubric's ``strong`` example answer spoken the same way (espeak-ng's ``ru`` voice for a
  Russian rubric), transcribed with the question and the rubric's key terms as prompt, then graded
  deterministically: the score of the text, of the transcript, and the drop.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # for clips

from clips import CLIPS, espeak  # noqa: E402

from mockint.grading import grade_answer  # noqa: E402
from mockint.rubrics import load_rubrics  # noqa: E402
from mockint.speech.transcript import key_terms, transcription_prompt  # noqa: E402
from mockint.speech.wer import word_error_rate  # noqa: E402
from mockint.speech.whisper import WhisperTranscriber  # noqa: E402

QUESTIONS = {
    "cache": "What is a cache, and what is hard about it?",
    "overfitting": "What is overfitting and how do you prevent it?",
    "ab-test": "How do you run an A/B test without fooling yourself?",
}


def _timed(engine: WhisperTranscriber, clip: Path, language: str, prompt: str | None) -> tuple[str, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    transcript = engine.transcribe(clip, language=language, prompt=prompt)
    return transcript.text, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: CTranslate2 chooses)")
    parser.add_argument("--no-grades", action="store_true", help="skip the grade-drop part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        engine = WhisperTranscriber(root / "home", cpu_threads=args.threads, beam_size=args.beam_size)
        started = time.perf_counter()
        engine.load()
        print(f"join + check + load model: {time.perf_counter() - started:.2f} s (first run; later runs only load)")
        print(f"\n{'clip':<12} {'prompt':<8} {'WER':>6} {'audio s':>8} {'wall s':>7} {'cpu s':>6} {'RTF':>6}")
        totals: dict[str, list[float]] = {"none": [], "question": []}
        for name, (language, text) in CLIPS.items():
            clip = espeak(text, root / f"{name}.wav", voice=language)
            seconds = engine.transcribe(clip, language=language).duration or 0.0
            for label, prompt in (("none", None), ("question", QUESTIONS[name])):
                heard, wall, cpu = _timed(engine, clip, language, prompt)
                rate = word_error_rate(text, heard)
                totals[label].append(rate)
                figures = f"{rate:>6.1%} {seconds:>8.1f} {wall:>7.2f} {cpu:>6.2f} {wall / seconds:>6.3f}"
                print(f"{name:<12} {label:<8} {figures}")
        for label, rates in totals.items():
            print(f"mean WER, prompt {label}: {sum(rates) / len(rates):.1%}")
        if args.no_grades:
            return
        print(f"\n{'rubric':<22} {'lang':<4} {'WER':>6} {'text':>6} {'spoken':>7} {'drop':>6} {'RTF':>6}")
        rubrics = load_rubrics()
        drops: list[float] = []
        for question_id in rubrics:
            rubric = rubrics[question_id]
            strong = next((example for example in rubric.examples if example.label == "strong"), None)
            if strong is None:
                continue
            language = "ru" if re.search("[а-яё]", rubric.question, re.IGNORECASE) else "en"
            clip = espeak(strong.answer, root / f"{question_id}.wav", voice=language)
            prompt = transcription_prompt(rubric.question, key_terms(rubric))
            wall = time.perf_counter()
            transcript = engine.transcribe(clip, language=language, prompt=prompt)
            wall = time.perf_counter() - wall
            # Deterministic grades (no judge), so that the drop is the transcript's alone.
            text_score = grade_answer(strong.answer, rubric).score
            spoken_score = grade_answer(transcript.text, rubric).score if transcript.text else 0.0
            drop = text_score - spoken_score
            drops.append(drop)
            rtf = wall / (transcript.duration or 1.0)
            print(
                f"{question_id:<22} {language:<4} {word_error_rate(strong.answer, transcript.text):>6.1%} "
                f"{text_score:>6.2f} {spoken_score:>7.2f} {drop:>6.2f} {rtf:>6.3f}"
            )
        if drops:
            print(f"mean grade drop: {sum(drops) / len(drops):.3f} over {len(drops)} answers")


if __name__ == "__main__":
    main()
