"""Accounts, organisations, roles, login, two-factor authentication, sessions,
and the permission vocabulary every view declares.  Knows nothing of cases."""
