"""Forms that add or change something are saved once, however often they are sent (a
double click, a browser sending again): each carries a token (:class:`SavedOnce`), and
the view saves within :func:`once` — see :mod:`kernel.submissions` for how the key is
kept.

    form = GoalForm()
    if form.validate_on_submit():
        with once(form, shown_at=url_for("cases.show", case_id=case.id)):
            goal = operations.add_goal(...)   # its commit records the sending

A sending saved before is answered by the app's handler of
:class:`kernel.submissions.AlreadySent`: nothing more is saved, and the user lands where
the first one's result is shown, told that the form was sent more than once.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from contextlib import AbstractContextManager
from typing import Any

from flask import request
from flask_login import current_user
from wtforms import HiddenField

from auth.form_base import Form
from kernel import submissions

# What new_token() writes; anything else was not written by a form of ours: not checked.
TOKEN = re.compile(r"[A-Za-z0-9_-]{24,64}")
FIELD = "once"
_CHUNK = 1 << 16


def new_token() -> str:
    return secrets.token_urlsafe(18)


class SavedOnce(Form):
    """A form whose sending adds or changes something: it carries a new token each time
    it is shown (kept when it comes back with an error: nothing was saved yet)."""

    # (no id: a page holds several such forms, and nothing refers to the field)
    once = HiddenField(default=new_token, render_kw={"id": False})


def _file_digest(storage: Any) -> str:
    """The whole file's, wherever the view has read it to (put back where it was)."""
    digest = hashlib.sha256()
    stream = storage.stream
    where = stream.tell()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
    stream.seek(where)
    return digest.hexdigest()


def sending(form: SavedOnce) -> str | None:
    """The key of this sending of ``form``: its token, the user, the address and every
    value sent (files by their content) — or None when it carries no token of ours."""
    field = getattr(form, FIELD, None)
    # what was sent, not the field's data: without a value sent it holds a new token
    token = (field.raw_data or [None])[0] if field is not None else None
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    skip = {field.name, getattr(getattr(form, "csrf_token", None), "name", "csrf_token")}
    values = sorted((name, value) for name, value in request.form.items(multi=True)
                    if name not in skip)
    files = sorted((name, storage.filename or "", _file_digest(storage))
                   for name, storage in request.files.items(multi=True))
    return submissions.key(token, current_user.get_id() or "", request.path,
                           values=[*values, *((n, f"{f}\x00{d}") for n, f, d in files)])


def once(form: SavedOnce, shown_at: str, said: Any = None) -> AbstractContextManager[None]:
    """The block's commit saves this sending of ``form`` once (``shown_at``: the page
    where what it adds is shown, a path with ids only; ``said``: what a second sending
    is told, if more than that the form was saved once)."""
    return submissions.once(sending(form), shown_at, said)
