"""Consent records, disclosure decisions, the statutory rules, and ``policy``: the one
function that decides what a user sees of a case.  Knows case items only through a
small interface (origin organisation, category, case).  Arrives with the case domain."""
