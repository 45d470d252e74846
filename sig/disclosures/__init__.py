"""Statutory provisions (reviewable) and one-off disclosure decisions."""
