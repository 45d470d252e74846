"""Generic error pages: they say what happened in general terms and reveal nothing."""
from __future__ import annotations

import functools
import traceback
from typing import Any

from flask import Flask, flash, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from wtforms import PasswordField
from wtforms.fields.core import UnboundField

from kernel.submissions import AlreadySent

HANDLED = (400, 403, 404, 405, 413, 429, 500, 503)


FALLBACK = "<!doctype html><title>SIG</title><h1>{code}</h1>"
MAX_TEXTS = 50


@functools.cache
def _never_given_back() -> frozenset[str]:
    """The names of fields whose value is never written into a page: every password
    field, and every field of the login forms (names, codes)."""
    from auth import forms as login_forms
    from auth import sent_once
    from auth.form_base import Form

    names, todo = {"csrf_token", sent_once.FIELD}, [Form]
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        for name, field in vars(form).items():
            if isinstance(field, UnboundField) and (
                    issubclass(field.field_class, PasswordField)
                    or form.__module__ == login_forms.__name__):
                names.add(name)
    return frozenset(names)


def typed_texts(form: Any) -> list[str]:
    """What a person typed into a form, as far as it is worth giving back: every value
    with a space in it or of 20 characters or more (names, notes, minutes) — never a
    password, a code or the form's token; not version numbers, nor choices and numbers
    easily set again."""
    texts = []
    secret = _never_given_back()
    for name, value in form.items(multi=True):
        text = value.strip()
        if not text or name in secret or name.endswith("version"):
            continue
        if len(text) >= 20 or any(character.isspace() for character in text):
            texts.append(text)
    return texts[:MAX_TEXTS]


def _render(code: int, **context):
    try:
        return render_template("errors/error.html", code=code, **context), code
    except Exception:  # the error page itself must never fail or leak
        return FALLBACK.format(code=code), code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(getattr(exc, "original_exception", None), SQLAlchemyError):
            # (a database error after the view, saving the session: Flask hands it
            # over as a 500)
            return database_error(exc.original_exception, after_view=True)
        code = exc.code or 500
        return _render(code if code in HANDLED else 400)

    @app.errorhandler(CSRFError)
    def csrf_error(_exc: CSRFError):
        if request.method == "POST" and getattr(session, "lost_login", False):
            # The form was sent after its login ended (30 minutes without a request,
            # or logged out elsewhere): nothing is saved, and what was typed is given
            # back rather than lost.  Only to the browser that held the login: a form
            # posted from another site carries no session cookie.
            try:
                from auth.login import page_after_login

                return render_template(
                    "errors/lost_form.html", texts=typed_texts(request.form),
                    idle_minutes=app.config["SESSION_IDLE_MINUTES"],
                    back_to=page_after_login(request.path)), 400
            except Exception as exc:  # (like every error page, it must not fail)
                app.logger.error("typed-text page failed: %s\n%s", type(exc).__name__,
                                 where(exc))
        return _render(400, csrf=True)

    @app.errorhandler(AlreadySent)
    def already_sent(exc: AlreadySent):
        # The same form again (a double click, a browser sending it again): what the
        # first sending added stands, nothing of this one is kept.
        from kernel.db import db

        db.session.rollback()
        flash(str(exc.said) if exc.said is not None
              else _("The form was sent more than once. It was saved once."), "info")
        return redirect(exc.shown_at)

    @app.errorhandler(SQLAlchemyError)
    def database_error(exc: SQLAlchemyError, after_view: bool = False):
        # The database refused (the access log cannot be written, the database is gone or
        # locked): nothing is shown and nothing half-done is kept.  Fail closed, with an
        # answer that says so rather than "something went wrong".
        from kernel.db import db

        db.session.rollback()
        app.logger.error("database error %s\n%s", type(exc).__name__, where(exc))
        return _render(503, after_view=after_view)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # The page says nothing; the log gets the exception type and where it happened,
        # never its message, which may carry personal data (a database error repeats the
        # parameters of the failed statement, for example).
        app.logger.error("unhandled %s\n%s", type(exc).__name__, where(exc))
        return _render(500)


def where(exc: BaseException) -> str:
    """The stack of an exception as file:line in function, without any values."""
    frames = traceback.extract_tb(exc.__traceback__)
    return "\n".join(f"  {f.filename}:{f.lineno} in {f.name}" for f in frames)
