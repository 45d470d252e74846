"""Password hashing (argon2id) and the password rules.

Rules (NIST SP 800-63B / OWASP): at least ``PASSWORD_MIN_LENGTH`` (12) characters,
no composition rules, not on the shipped list of common and breached passwords,
not containing the username.  Hash parameters are OWASP's argon2id
recommendation (m=19 MiB, t=2, p=1): about 0.1 s per login on a 2-core server.
Hashes made with other parameters are upgraded at the next successful login.
"""
from __future__ import annotations

import functools
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1,
                        hash_len=32, salt_len=16, type=Type.ID)
MAX_LENGTH = 256  # long enough for any passphrase, short enough to bound hashing work


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("auth").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with a new password, as messages for the user (empty when fine)."""
    found = []
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        found.append(_("The password must be at least %(n)d characters long.", n=min_length))
    if len(password) > MAX_LENGTH:
        found.append(_("The password must be at most %(n)d characters long.", n=MAX_LENGTH))
    if password.lower() in common_passwords():
        found.append(_("This password is too common: it appears in lists of leaked "
                       "passwords. Choose another one, for example a few unrelated words."))
    if username and len(username) >= 3 and username.lower() in password.lower():
        found.append(_("The password must not contain your username."))
    return found


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not an account exists (pass ``None`` for no account)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _DUMMY_HASH() -> str:  # noqa: N802 - a constant computed once
    return HASHER.hash("no-such-account-dummy-password")


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
