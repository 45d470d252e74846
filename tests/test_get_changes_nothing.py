"""A GET changes nothing — over every GET endpoint of the app, as every persona (Fred
included): every table but the access log, the sessions and the stored statistics
counts is the same afterwards."""
from __future__ import annotations

from sqlalchemy import select

from kernel.db import Base, db
from tests.helpers import fill_rule, login
from tests.worlds import case_with_every_record

# Written by reads by design: the access log, the server-side session, and the stored
# statistics counts (a cache of anonymous figures derived from the rest, keyed by the
# data version: a read that fills it changes no figure anyone sees).
WRITTEN_BY_READS = {"audit_entries", "audit_head", "web_sessions", "statistics_results"}
STATIC = {"static"}


def snapshot() -> dict[str, list[tuple]]:
    tables = {}
    for table in Base.metadata.sorted_tables:
        if table.name in WRITTEN_BY_READS:
            continue
        rows = db.session.execute(select(table)).all()
        tables[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return tables


def test_no_get_changes_anything(app, personas, orgs, fake_clock):
    with app.app_context():
        ids = case_with_every_record(personas, orgs)
    rules = [r for r in app.url_map.iter_rules()
             if "GET" in r.methods and r.endpoint not in STATIC
             and set(r.arguments) <= set(ids)]
    assert len(rules) > 40
    seen = set()
    for name, user in personas.items():
        client = app.test_client()
        login(client, user, fake_clock=fake_clock)
        with app.app_context():
            before = snapshot()
        for rule in rules:
            path = fill_rule(rule, ids)
            response = client.get(path)
            assert response.status_code < 500, (name, path)
            seen.add(rule.endpoint)
        with app.app_context():
            after = snapshot()
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, (name, changed)
    assert {"cases.show", "sharing.view_as", "consents.download", "audit.index"} <= seen
