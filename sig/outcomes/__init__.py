"""Outcome events on a case: police reports, concern reports, concern conversations."""
