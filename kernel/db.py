"""Database: the declarative base, shared column types and the per-request session.

One ``Base`` with a naming convention so every constraint has a stable name
(Alembic migrations depend on it).  The session lives for one application
context: it is created on first use and closed at teardown, rolled back if
nothing committed it.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, String, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker

from kernel import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        # Aware timestamps, always UTC (SQLite gives them back naive: see clock.as_utc).
        dt.datetime: DateTime(timezone=True),
        str: String(),
    }


def new_uuid() -> str:
    return str(uuid.uuid4())


uuid_pk = Annotated[str, mapped_column(String(36), primary_key=True, default=new_uuid)]
created_at = Annotated[dt.datetime, mapped_column(default=clock.now)]


# How long a statement waits, by default, for a lock another transaction holds (SQLite's
# busy timeout, PostgreSQL's lock_timeout; the app's DB_LOCK_WAIT_MS) and for a connection
# to PostgreSQL: then it fails, and the request is answered 503 — a worker is not held
# until the server kills it.
WAIT_FOR_LOCK_MS = 5000
CONNECT_TIMEOUT_S = 5


def _sqlite_pragmas(wait_for_lock_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={wait_for_lock_ms:d}")
        cursor.close()

    return on_connect


def _create_private_file(url: str) -> None:
    """Create a new SQLite file readable by its owner only; SQLite gives the WAL and
    shared-memory files the same mode."""
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:" and not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str, wait_for_lock_ms: int = WAIT_FOR_LOCK_MS) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout, PostgreSQL
    a lock timeout and a connect timeout (``wait_for_lock_ms``, ``CONNECT_TIMEOUT_S``).
    Each connection knows whether its transaction has written (:func:`end_transaction`)."""
    if url.startswith("sqlite"):
        _create_private_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas(wait_for_lock_ms))
    else:
        engine = create_engine(url, pool_pre_ping=True, connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c lock_timeout={wait_for_lock_ms:d}"})
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "handle_error", _note_failure)
    for ended in ("commit", "rollback"):
        event.listen(engine, ended, _transaction_ended)
    return engine


# --- ending a transaction ---------------------------------------------------------------------

WROTE = "sig_transaction_wrote"
_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)


def _note_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    """Anything but a SELECT counts as a write (deny by default: a transaction with an
    unknown statement is rolled back, as every transaction was before)."""
    if not _READ.match(statement):
        conn.info[WROTE] = True


def _note_failure(context: Any) -> None:
    """A transaction in which a statement failed is rolled back, whatever it was."""
    if context.connection is not None:
        context.connection.info[WROTE] = True


def _transaction_ended(conn: Any) -> None:
    conn.info.pop(WROTE, None)


def end_transaction(session: Session) -> None:
    """End what ``session`` began and did not commit: a transaction that only read is
    committed — the same as rolling it back, but on PostgreSQL a rollback also makes
    the driver drop every prepared statement of the connection, so each request's
    statements would be planned afresh — and one that wrote, or has changes not yet
    flushed, is rolled back."""
    transaction = session.get_transaction()
    if transaction is None:
        return
    if (not transaction.is_active or session.new or session.dirty or session.deleted
            or session.connection().info.get(WROTE)):
        session.rollback()
        return
    try:
        session.commit()
    except SQLAlchemyError:  # only a broken connection fails a read's commit: nothing
        session.rollback()   # is lost, and the connection is not used again


class Database:
    """Engine and session factory of one Flask app (``app.extensions['sig.db']``)."""

    def __init__(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"],
                                  app.config.get("DB_LOCK_WAIT_MS", WAIT_FOR_LOCK_MS))
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        app.extensions["sig.db"] = self
        app.teardown_appcontext(_teardown)


def _teardown(_exc: BaseException | None) -> None:
    session = g.pop("_sig_session", None)
    if session is not None:
        # what was not committed is rolled back (a read is committed: end_transaction);
        # close() detaches objects without expiring them, so values read stay readable
        try:
            end_transaction(session)
        finally:
            session.close()


class _CurrentDatabase:
    """``db.session`` / ``db.engine`` of the current app; one session per app context."""

    @property
    def engine(self) -> Engine:
        return current_app.extensions["sig.db"].engine

    @property
    def session(self) -> Session:
        session = g.get("_sig_session")
        if session is None:
            session = current_app.extensions["sig.db"].factory()
            g._sig_session = session
        return session


db = _CurrentDatabase()
