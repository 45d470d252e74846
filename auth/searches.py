"""What a list was searched for, kept for the rest of the login — so that a name looked
for (a youth's, a colleague's) is never part of a URL, and the answer is still a page the
browser can go back to and page through.

The search form is sent by POST; the view keeps what was asked for under a random handle
and redirects to the list with ``?search=<handle>`` (post, redirect, get).  What is kept
is encrypted like every personal value (bound to the user and the handle) and lives in
the session's server-side row, the last few searches only; the handle says nothing, and
in another login — or another person's — it finds nothing."""
from __future__ import annotations

import base64
import binascii
import json
import re
import secrets

from flask import session
from flask_login import current_user

from kernel.crypto import cipher
from kernel.crypto.keys import current_keyring

KEY = "_searches"
KEEP = 8
PLACE = "web_sessions.search"
_HANDLE = re.compile(r"[A-Za-z0-9_-]{16}")


def _bound_to(handle: str) -> str:
    return f"{current_user.get_id()}:{handle}"


def keep(fields: dict[str, str]) -> str:
    """Keep ``fields`` (what the form asked for); the handle to find them with."""
    handle = secrets.token_urlsafe(12)
    blob = cipher.encrypt(current_keyring(), PLACE, _bound_to(handle),
                          json.dumps(fields, sort_keys=True).encode("utf-8"))
    kept = dict(session.get(KEY) or {})
    kept[handle] = base64.b64encode(blob).decode("ascii")
    while len(kept) > KEEP:  # the oldest go first
        kept.pop(next(iter(kept)))
    session[KEY] = kept
    return handle


def kept(handle: str | None) -> dict[str, str] | None:
    """What was kept under ``handle`` in this login, or None (none asked, or it is gone:
    another login, another person, a handle made up or damaged)."""
    if not handle or not _HANDLE.fullmatch(handle):
        return None
    stored = (session.get(KEY) or {}).get(handle)
    if not isinstance(stored, str):
        return None
    try:
        plain = cipher.decrypt(current_keyring(), PLACE, _bound_to(handle),
                               base64.b64decode(stored, validate=True))
        fields = json.loads(plain)
    except (cipher.DecryptionError, binascii.Error, ValueError):
        return None
    if not isinstance(fields, dict):
        return None
    return {str(k): str(v) for k, v in fields.items()}
