"""The teacher's loop: review grades, keep the teacher's labels, calibrate mockint's scores to them.

Modules: ``queue`` (the grades that most need a person, first), ``session`` (the review state machine with
injected commands and output), ``terminal`` (single keys at a terminal), ``labels`` (the labels file: a fsynced
journal, resumed after Ctrl-C), ``run`` (``mockint review`` in one call, corrected grades), ``calibration``
(isotonic maps from mockint's score to the teacher's scale; the calibration file; applying it), ``fitting``
(``mockint calibrate`` in one call). Names load on first use so that importing the package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockint._lazy import lazy_attributes

__all__ = [
    "Calibration",
    "CalibrationRun",
    "Calibrator",
    "Label",
    "LabelsJournal",
    "LineCommands",
    "ReviewItem",
    "ReviewRun",
    "ReviewSession",
    "ScriptedCommands",
    "TerminalKeys",
    "apply_calibration",
    "calibrate",
    "check_calibration",
    "fit_calibration",
    "isotonic_fit",
    "load_calibration",
    "read_grades",
    "read_label_file",
    "review",
    "review_queue",
    "with_calibrated_score",
    "write_calibration",
]

if TYPE_CHECKING:
    from mockint.review.calibration import (
        Calibration,
        Calibrator,
        apply_calibration,
        check_calibration,
        fit_calibration,
        isotonic_fit,
        load_calibration,
        with_calibrated_score,
        write_calibration,
    )
    from mockint.review.fitting import CalibrationRun, calibrate
    from mockint.review.labels import Label, LabelsJournal, read_label_file
    from mockint.review.queue import ReviewItem, read_grades, review_queue
    from mockint.review.run import ReviewRun, review
    from mockint.review.session import LineCommands, ReviewSession, ScriptedCommands
    from mockint.review.terminal import TerminalKeys

_LAZY = {
    "Calibration": "mockint.review.calibration",
    "Calibrator": "mockint.review.calibration",
    "apply_calibration": "mockint.review.calibration",
    "check_calibration": "mockint.review.calibration",
    "fit_calibration": "mockint.review.calibration",
    "isotonic_fit": "mockint.review.calibration",
    "load_calibration": "mockint.review.calibration",
    "with_calibrated_score": "mockint.review.calibration",
    "write_calibration": "mockint.review.calibration",
    "CalibrationRun": "mockint.review.fitting",
    "calibrate": "mockint.review.fitting",
    "Label": "mockint.review.labels",
    "LabelsJournal": "mockint.review.labels",
    "read_label_file": "mockint.review.labels",
    "ReviewItem": "mockint.review.queue",
    "read_grades": "mockint.review.queue",
    "review_queue": "mockint.review.queue",
    "ReviewRun": "mockint.review.run",
    "review": "mockint.review.run",
    "LineCommands": "mockint.review.session",
    "ReviewSession": "mockint.review.session",
    "ScriptedCommands": "mockint.review.session",
    "TerminalKeys": "mockint.review.terminal",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
