"""How a request's transaction ends (kernel.db.end_transaction): what it read is
committed, what it wrote and did not commit is rolled back — never kept."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError

from auth.models import Organisation
from kernel.db import db, end_transaction
from tests.helpers import login


def _ended(app):
    """The ways the engine's transactions ended, in order."""
    seen: list[str] = []
    engine = app.extensions["sig.db"].engine
    for name in ("commit", "rollback"):
        event.listen(engine, name, lambda _conn, name=name: seen.append(name))
    return seen


def _name_of(app, org_id: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Organisation.name).where(Organisation.id == org_id))


def test_a_read_is_committed_and_a_write_not_committed_is_rolled_back(app, orgs):
    police = orgs["police"].id
    seen = _ended(app)
    with app.app_context():
        db.session.scalar(select(Organisation.name).where(Organisation.id == police))
    assert seen == ["commit"]

    for write in ("statement", "flushed", "pending", "text"):
        seen.clear()
        with app.app_context():
            org = db.session.get(Organisation, police)
            if write == "statement":
                db.session.execute(update(Organisation).where(Organisation.id == police)
                                   .values(name="Ändrad utan commit"))
            elif write == "flushed":
                org.name = "Ändrad utan commit"
                db.session.flush()
            elif write == "pending":  # changed, not flushed: a commit would write it
                org.name = "Ändrad utan commit"
            else:
                db.session.execute(text("UPDATE organisations SET name = 'x' WHERE id = :id"),
                                   {"id": police})
        assert seen == ["rollback"], write
        assert _name_of(app, police) == orgs["police"].name, write


def test_a_failed_statement_ends_in_a_rollback(app, orgs):
    seen = _ended(app)
    with app.app_context():
        with pytest.raises(DBAPIError):
            db.session.execute(text("SELECT * FROM no_such_table"))
        end_transaction(db.session)
    assert "commit" not in seen


def test_a_page_that_only_reads_ends_without_a_rollback(app, personas, fake_clock):
    """The session store's read and the page's read are committed: on PostgreSQL a
    rollback makes the driver drop the connection's prepared statements, and the
    statements of every request would be planned afresh."""
    client = app.test_client()
    login(client, personas["fred"], fake_clock=fake_clock)
    for _ in range(2):
        assert client.get("/accessibility").status_code == 200
    seen = _ended(app)
    assert client.get("/accessibility").status_code == 200
    assert "rollback" not in seen
    assert client.get("/cases").status_code == 200  # a page that writes its log entry
    assert "rollback" not in seen
    engine = app.extensions["sig.db"].engine
    if engine.dialect.name == "postgresql":
        for _ in range(6):  # the driver prepares a statement on its fifth execution
            client.get("/cases")
        with engine.connect() as connection:
            prepared = connection.execute(
                text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        assert prepared > 0
