"""Flask-Login wiring and the request guards that go with it."""
from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException

from auth import sessions
from auth.models import User
from kernel import reference
from kernel.db import db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = None  # server-side sessions and rotation do this job

# Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static"}


@functools.cache
def _user_statement() -> Select:
    """Built once per process (bound: ``user_id``): the user with the organisation (its
    kind decides much of what the user may do) and the reference data's stamp (the
    organisations and rules this worker keeps)."""
    return (select(User, reference.stamp_column()).where(User.id == bindparam("user_id"))
            .options(joinedload(User.organisation)))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # read with the session's row already, in the request's first statement
    row = (sessions.user_read_with_session(user_id)
           or db.session.execute(_user_statement(), {"user_id": user_id}).first())
    if row is None:
        return None
    user, stamp = row
    reference.note(stamp)
    return user if user.active else None


def force_password_change() -> Any:
    """``before_request``: after an admin reset, nothing else until a new password is set."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_ALLOWED):
        return redirect(url_for("auth.change_password"))
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(force_password_change)


# The login's own pages: never a page to return to after it.
_LOGIN_PAGES = {"auth.login", "auth.second_factor", "auth.enrol", "auth.logout", "static"}


def page_after_login(target: Any) -> str | None:
    """``target`` (a ``next`` given to the login) if it is a page of this app to open after
    the login — a path and query matched against the app's GET routes — else None: never
    another site (a scheme, ``//host``, a backslash), never the login pages themselves."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return None
    if "\\" in target or any(ord(ch) < 33 or ord(ch) == 127 or ch.isspace() for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") \
            or parts.path.startswith("//"):
        return None
    try:
        endpoint, _arguments = current_app.url_map.bind("localhost").match(
            parts.path, method="GET")
    except HTTPException:  # (no such page, not one to GET, or one that redirects)
        return None
    if endpoint in _LOGIN_PAGES:
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def pending_user_id() -> str | None:
    pending = session.get("pending_login")
    return pending.get("user_id") if isinstance(pending, dict) else None
