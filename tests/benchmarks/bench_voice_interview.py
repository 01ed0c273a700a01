"""A spoken interview end to end, offline: ``mockint interview --voice`` in a pseudo-terminal, recording from a
fake ALSA microphone that plays espeak-ng saying the answer, transcribed by faster-whisper (Whisper base).

Prints figures; asserts nothing. Needs the voice extra (``pip install -e '.[voice]'``), PortAudio and espeak-ng
(``apt-get install libportaudio2 espeak-ng``) and pexpect. Run from the repository root:

    python tests/benchmarks/bench_voice_interview.py [--questions cnn-explained genai-tools ab-significance]

For each question, the rubric's ``strong`` example answer is spoken by espeak-ng (160 wpm) into the fake
microphone (``tests/fake_alsa.py``). The question is read aloud with espeak-ng (to ALSA's null device), the
answer is recorded until Enter (sent once the clip has played), then the transcript is accepted with Enter.

* start: from the command's start to the recording line (loading the model, synthesising and playing the
  question); the first question also joins and checks the model (a fresh ``MOCKINT_HOME``).
* WER: the transcript (from the history) against the text espeak-ng said.
* Enter -> transcript: from the Enter that stops the recording to the transcript on screen (writing the WAV and
  transcribing it).
* accept -> grade: from the Enter that accepts the transcript to the score on screen.
* text / spoken: the deterministic score of the text and of the transcript.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # for clips and fake_alsa

import pexpect  # noqa: E402
from clips import espeak  # noqa: E402
from fake_alsa import fake_alsa_env, fake_alsa_home  # noqa: E402

from mockint.grading import grade_answer  # noqa: E402
from mockint.rubrics import load_rubrics  # noqa: E402
from mockint.speech.wer import word_error_rate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", nargs="+", default=["cnn-explained", "genai-tools", "ab-significance"])
    args = parser.parse_args()
    rubrics = load_rubrics()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        home = root / "mockint-home"
        print(
            f"{'question':<18} {'start s':>7} {'audio s':>7} {'WER':>6} {'Enter->transcript s':>20} "
            f"{'accept->grade s':>16} {'text':>5} {'spoken':>6}"
        )
        for question_id in args.questions:
            rubric = rubrics[question_id]
            answer = next(example.answer for example in rubric.examples if example.label == "strong")
            clip = espeak(answer, root / f"{question_id}.wav")
            alsa = fake_alsa_home(root / question_id, clip)
            seconds = (alsa / "clip.raw").stat().st_size / 2 / 16_000
            env = fake_alsa_env(alsa, MOCKINT_HOME=str(home), TERM="xterm-256color", COLUMNS="200", LINES="60")
            env.pop("MOCKINT_STT_BASE_URL", None)
            env["MOCKINT_SEMANTIC"] = "off"
            command = ["-m", "mockint", "interview", "-q", question_id, "--no-llm", "--no-followup", "--voice"]
            began = time.perf_counter()
            child = pexpect.spawn(
                sys.executable,
                [*command, "--tts", "espeak"],
                env=env,
                encoding="utf-8",
                timeout=180,
                dimensions=(60, 200),
            )
            child.logfile_read = io.StringIO()
            try:
                child.expect("Recording: answer aloud")
                start = time.perf_counter() - began
                time.sleep(seconds + 0.5)
                stopped = time.perf_counter()
                child.sendline("")
                child.expect(r"Heard \(faster-whisper/base")
                child.expect("> ")
                heard = time.perf_counter() - stopped
                accepted = time.perf_counter()
                child.sendline("")
                child.expect(r"Score (\d\.\d\d)")
                graded = time.perf_counter() - accepted
                child.expect(pexpect.EOF)
            finally:
                child.close()
            shown = subprocess.run(
                [sys.executable, "-m", "mockint", "history", "show", "last", "--format", "json"],
                env={**os.environ, "MOCKINT_HOME": str(home)},
                capture_output=True,
                text=True,
                check=True,
            )
            spoken = json.loads(shown.stdout)["answers"][0]
            transcript = spoken["speech"]["transcript"]
            text_score = grade_answer(answer, rubric).score
            print(
                f"{question_id:<18} {start:>7.1f} {seconds:>7.1f} {word_error_rate(answer, transcript):>6.1%} "
                f"{heard:>20.2f} {graded:>16.2f} {text_score:>5.2f} {spoken['score']:>6.2f}"
            )


if __name__ == "__main__":
    main()
