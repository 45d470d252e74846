"""Server-side sessions stored in ``web_sessions``.

The cookie carries only a random token.  Each request looks the token up and
refuses sessions that have ended, been idle too long (default 30 min) or lived
too long since login (default 12 h).  At login the token changes (``rotate``),
so a token planted before login is worth nothing afterwards.

A visitor who has not logged in carries only a form token and messages: that is kept in
a signed cookie (``a.`` + the signed data) and no row is written, so fetching the login
page — as a bot does, thousands of times — leaves nothing in the database.  A row is made
once there is something else to keep (the password step passed, a login).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import secrets
from collections.abc import Iterator
from typing import Any

from flask import Flask, Request, Response, g, has_app_context
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import CallbackDict

from auth.models import User, WebSession
from kernel import clock, reference
from kernel.audit import AuditEvent, record
from kernel.db import db, end_transaction

log = logging.getLogger(__name__)

# What a visitor who has not logged in may carry, in a signed cookie instead of a row.
ANONYMOUS_KEYS = frozenset({"csrf_token", "_flashes"})
ANONYMOUS_PREFIX = "a."
MAX_COOKIE = 4000
# A session that a request did not change has its row touched (last seen) at most this
# often: most requests then write nothing to the session store at all.
TOUCH_EVERY = dt.timedelta(seconds=30)


@functools.cache
def _session_statement() -> Select:
    """Built once per process (bound: ``id``): the session's row with its user, the
    user's organisation and the reference data's stamp — what every request reads
    first, in one statement (the user is taken from here by ``auth.login``)."""
    return (select(WebSession, User, reference.stamp_column())
            .outerjoin(User, User.id == WebSession.user_id)
            .where(WebSession.id == bindparam("id"))
            .options(joinedload(User.organisation)))


def user_read_with_session(user_id: str) -> tuple[User, str | None] | None:
    """The user (and the reference stamp) the request's session row was read with, if
    that is the user asked for."""
    held = g.get("_sig_session_user") if has_app_context() else None
    if held is not None and held[0].id == user_id:
        return held
    return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class _Json:
    """JSON as the session rows store it (lazy texts of messages become text)."""

    @staticmethod
    def dumps(obj: Any) -> str:
        return json.dumps(obj, sort_keys=True, default=str)

    loads = staticmethod(json.loads)


def _signer(app: Flask) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.secret_key, salt="sig-anonymous-session",
                                  serializer=_Json)


def _anonymous(session: Any) -> bool:
    return not session.get("_user_id") and set(session) <= ANONYMOUS_KEYS


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, token: str | None = None,
                 authenticated_at: dt.datetime | None = None) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.authenticated_at = authenticated_at
        self.modified = False
        self.rotate_requested = False
        self.ended_here = False  # this request ended its row (logout)
        # The cookie named a login that no longer holds (timed out, ended, gone): a form
        # sent with it is answered with what was typed (``sig.web.errors``).
        self.lost_login = False
        self.expired_reason: str | None = None
        self.expired_user_id: str | None = None
        self.last_seen: dt.datetime | None = None  # as the row said when it was opened
        self.not_read = False  # a static file's request: the store is neither read nor written


def rotate(session: Any, *, login: bool) -> None:
    """Give the session a new token at the end of this request.

    ``login=True`` at login (the absolute timeout starts now); ``False`` keeps the
    login time (password change, second factor enrolled).
    """
    session.rotate_requested = True
    if login:
        session.authenticated_at = clock.now()
    session.modified = True


def end_current(session: Any, reason: str) -> None:
    """End the current session's row (within the caller's transaction)."""
    token = getattr(session, "token", None)
    if token:
        session.ended_here = True
        db.session.execute(
            update(WebSession)
            .where(WebSession.id == _digest(token), WebSession.ended_at.is_(None))
            .values(ended_at=clock.now(), end_reason=reason))


def end_sessions_of_user(user_id: str, reason: str, keep_token: str | None = None) -> int:
    """End every open session of a user (within the caller's transaction)."""
    stmt = (update(WebSession)
            .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
            .values(ended_at=clock.now(), end_reason=reason))
    if keep_token is not None:
        stmt = stmt.where(WebSession.id != _digest(keep_token))
    return db.session.execute(stmt).rowcount


class ServerSessionInterface(SessionInterface):
    """Reads and writes sessions through a database session of its own, so the
    request's unit of work is never committed as a side effect of saving a cookie."""

    @contextlib.contextmanager
    def _store(self, app: Flask) -> Iterator[Session]:
        """A database session of the store's own; what it read and did not commit is
        ended as a read (``end_transaction``), what it wrote and did not commit is
        rolled back."""
        with app.extensions["sig.db"].factory() as store:
            yield store
            end_transaction(store)

    def _limits(self, app: Flask) -> tuple[dt.timedelta, dt.timedelta]:
        return (dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
                dt.timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]))

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if app.static_url_path and request.path.startswith(app.static_url_path + "/"):
            # A stylesheet, an icon or the page's script needs no session: no statement,
            # no touch (each page asks for three of them)
            skipped = ServerSession()
            skipped.not_read = True
            return skipped
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > MAX_COOKIE:
            return ServerSession()
        if token.startswith(ANONYMOUS_PREFIX):
            return self._open_anonymous(app, token)
        if len(token) > 128:
            return ServerSession()
        # Read with the request's own database session: the page's statements follow in
        # the same transaction, on the same connection (no second checkout, no second
        # transaction to begin and end — each a round trip to PostgreSQL).
        found = db.session.execute(_session_statement(), {"id": _digest(token)}).first()
        if found is None or found[0].ended_at is not None:
            lost = ServerSession()
            lost.lost_login = found is None or found[0].user_id is not None
            return lost
        row, user, stamp = found
        now = clock.now()
        idle, absolute = self._limits(app)
        if now - clock.as_utc(row.last_seen_at) > idle:
            reason = "idle_timeout"
        elif row.authenticated_at and now - clock.as_utc(row.authenticated_at) > absolute:
            reason = "absolute_timeout"
        else:
            opened = ServerSession(json.loads(row.data), token=token,
                                   authenticated_at=clock.as_utc(row.authenticated_at))
            opened.last_seen = clock.as_utc(row.last_seen_at)
            if user is not None:
                g._sig_session_user = (user, stamp)  # (auth.login.load_user takes it)
            return opened
        self._expire(app, row.id, row.user_id, reason, now)
        fresh = ServerSession()
        fresh.expired_reason = reason
        fresh.lost_login = row.user_id is not None
        return fresh

    def _expire(self, app: Flask, row_id: str, user_id: str | None, reason: str,
                now: dt.datetime) -> None:
        """End a session that timed out, through the store (the request's unit of work
        is not committed with it); a request at the same time that ended it first
        leaves it to that one, so the log says it once."""
        with self._store(app) as store:
            ended = store.execute(
                update(WebSession)
                .where(WebSession.id == row_id, WebSession.ended_at.is_(None))
                .values(ended_at=now, end_reason=reason)).rowcount
            if ended and user_id:
                event = (AuditEvent.SESSION_EXPIRED_IDLE if reason == "idle_timeout"
                         else AuditEvent.SESSION_EXPIRED_ABSOLUTE)
                record(event, actor=store.get(User, user_id), session=store)
            store.commit()

    def _open_anonymous(self, app: Flask, token: str) -> ServerSession:
        idle, _absolute = self._limits(app)
        try:
            data = _signer(app).loads(token.removeprefix(ANONYMOUS_PREFIX),
                                      max_age=int(idle.total_seconds()))
        except BadSignature:  # also an expired one
            return ServerSession()
        if not isinstance(data, dict) or not _anonymous(data):
            return ServerSession()
        return ServerSession(data)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if session.not_read:
            return
        name = self.get_cookie_name(app)
        cookie_kwargs = dict(
            domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app), httponly=self.get_cookie_httponly(app),
            samesite=self.get_cookie_samesite(app),
        )
        # Whatever the request left uncommitted is discarded anyway at teardown; end it
        # now so it cannot hold SQLite's write lock while the session row is saved.
        request_session = g.get("_sig_session")
        if request_session is not None:
            end_transaction(request_session)
        if (session and session.token and session.last_seen is not None
                and not session.modified and not session.rotate_requested
                and clock.now() - session.last_seen < TOUCH_EVERY):
            # Nothing changed and the row was touched moments ago: no write (the idle
            # timeout counts from the last request to within TOUCH_EVERY, never later),
            # and no cookie: the browser has this one, or one that replaced it.
            response.vary.add("Cookie")
            return
        touch_only = bool(session and session.token and not session.modified
                          and not session.rotate_requested)
        try:
            with self._store(app) as store:
                self._save(app, session, response, store, name, cookie_kwargs)
        except SQLAlchemyError as error:
            if not touch_only:
                raise  # (what the session holds would be lost: answered 503)
            # Only the idle clock was to move (a lock held too long, a lost connection):
            # the page is answered, and a later request moves it.
            response.vary.add("Cookie")
            log.warning("session: last-seen time not saved (%s)", type(error).__name__)

    def _save(self, app: Flask, session: ServerSession, response: Response, dbs: Session,
              name: str, cookie_kwargs: dict[str, Any]) -> None:
        """Write the session and answer with a cookie only when the token changes.

        A response repeating the token it came with could arrive after a request
        alongside it replaced the token (the icon of the code page after the login
        gave a new one) and put the dead token back in the browser: the user would
        be logged out.  So a request whose token ended elsewhere meanwhile writes
        nothing and leaves the cookie alone."""
        now = clock.now()
        row = dbs.get(WebSession, _digest(session.token)) if session.token else None
        if session.token and (row is None or row.ended_at is not None):
            if not (session.rotate_requested or session.ended_here):
                return  # ended elsewhere (rotated alongside, logout elsewhere, an admin)
            if session.get("_user_id") and not session.rotate_requested:
                # Never resurrect a login that was ended.
                response.delete_cookie(name, **cookie_kwargs)
                return
            # A new id: for what is left after a logout (a "you are logged out" message),
            # or for what this request authenticated (a login step, a password change)
            # while one alongside — the other click of a double click — ended the token.
            session.token = None
        elif session.token and (session.rotate_requested or not session):
            assert row is not None
            row.ended_at = now
            row.end_reason = "rotated" if session else "logout"
            if not session:
                dbs.commit()
                response.delete_cookie(name, **cookie_kwargs)
                return
            session.token = None
        if not session:
            if session.expired_reason:
                dbs.commit()
                response.delete_cookie(name, **cookie_kwargs)
            return
        if session.token is None and _anonymous(session):
            dbs.commit()  # (an old row ended above)
            if session.modified or session.rotate_requested:
                value = ANONYMOUS_PREFIX + _signer(app).dumps(dict(session))
                if len(value) <= MAX_COOKIE:
                    response.set_cookie(name, value, **cookie_kwargs)
                    response.vary.add("Cookie")
            return
        issued = session.token is None
        if issued:
            session.token = secrets.token_urlsafe(32)
            row = WebSession(id=_digest(session.token), created_at=now, last_seen_at=now)
            dbs.add(row)
        assert row is not None
        if session.modified or row.data is None:
            # Only a request that changed the session writes it: a request running at
            # the same time (a stylesheet, an icon) must not put back what it read.
            row.data = json.dumps(dict(session), sort_keys=True, default=str)  # lazy texts
            row.user_id = session.get("_user_id")
            row.authenticated_at = session.authenticated_at if row.user_id else None
        row.last_seen_at = now
        dbs.commit()
        if issued:
            response.set_cookie(name, session.token, **cookie_kwargs)
        response.vary.add("Cookie")
