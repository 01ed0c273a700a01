"""Practising: the interview session, follow-up probes, spaced repetition, the terminal views, the history.

The session still lives in :mod:`mockint.interview` and the store in :mod:`mockint.history`; new code goes
into this package's modules (see DESIGN.md), which the move will complete. Nothing is imported here, so
importing the package stays cheap.
"""
