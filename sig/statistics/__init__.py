"""Anonymised statistics for managers (DESIGN §7)."""
