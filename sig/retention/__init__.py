"""Retention (gallring): deleting a case's personal data when the law says so."""
