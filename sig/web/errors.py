"""Generic error pages: they say what happened in general terms and reveal nothing."""
from __future__ import annotations

import traceback
from typing import Any

from flask import Flask, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

HANDLED = (400, 403, 404, 405, 413, 429, 500, 503)


FALLBACK = "<!doctype html><title>SIG</title><h1>{code}</h1>"
MAX_TEXTS = 50


def typed_texts(form: Any) -> list[str]:
    """What a person typed into a form, as far as it is worth giving back: every value
    with a space in it or of 20 characters or more (names, notes, minutes), not the
    form's token or version numbers, nor choices and numbers easily set again."""
    texts = []
    for name, value in form.items(multi=True):
        text = value.strip()
        if not text or name == "csrf_token" or name.endswith("version"):
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
            return render_template(
                "errors/lost_form.html", texts=typed_texts(request.form),
                idle_minutes=app.config["SESSION_IDLE_MINUTES"]), 400
        return _render(400, csrf=True)

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
