"""Practising: the interview session, follow-up probes, spaced repetition, the terminal views, the history.

Nothing is imported here, so importing the package stays cheap.
"""
