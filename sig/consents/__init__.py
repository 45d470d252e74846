"""Consent pages of a case: record, explain, withdraw, print the form."""
