"""Every read of case data is logged, by construction, and fail-closed (DESIGN §5).

With the access log blocked by a trigger, no case route and no page of the youth register
answers with case data — not a page, not a form re-rendered after an invalid POST, not a
file — for the owner, a member or Fred.  With the log working, every case page that shows
anything has written an entry about its case."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, select, text

from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Membership
from sig.cases.routes import CASE_ROUTES
from sig.youths.models import Guardian, Youth
from tests.helpers import csrf, fill_rule, login
from tests.worlds import ASSESSMENT, case_with_every_record

BLOCK = {
    "sqlite": ["CREATE TRIGGER block_audit BEFORE INSERT ON audit_entries "
               "BEGIN SELECT RAISE(ABORT, 'access log blocked'); END"],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION block_audit() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'access log blocked'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER block_audit BEFORE INSERT ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION block_audit()"],
}
UNBLOCK = {"sqlite": ["DROP TRIGGER IF EXISTS block_audit"],
           "postgresql": ["DROP TRIGGER IF EXISTS block_audit ON audit_entries",
                          "DROP FUNCTION IF EXISTS block_audit()"]}


@contextlib.contextmanager
def access_log_blocked(app):
    with app.app_context():
        dialect = db.engine.dialect.name
        for statement in BLOCK[dialect]:
            db.session.execute(text(statement))
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            for statement in UNBLOCK[dialect]:
                db.session.execute(text(statement))
            db.session.commit()


@pytest.fixture
def world(app, personas, orgs):
    with app.app_context():
        ids = case_with_every_record(personas, orgs)
        ids["membership_id"] = db.session.scalar(select(Membership.id).where(
            Membership.case_id == ids["case_id"], Membership.user_id == personas["kim"].id))
        youth = db.session.get(Youth, ids["youth_id"])
        guardians = db.session.scalars(select(Guardian).where(
            Guardian.youth_id == youth.id)).all()
        secrets = [youth.name, youth.pnr, ASSESSMENT, "Går i skolan", "Kontaktpolis",
                   *(g.name for g in guardians)]
    return ids, [s for s in secrets if s]


def _case_requests(app, ids):
    """(method, path, endpoint) for every declared case route and every method."""
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()
             if rule.endpoint in CASE_ROUTES}
    for endpoint, rule in sorted(rules.items()):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, fill_rule(rule, ids), endpoint


def _register_requests(ids):
    youth = f"/youths/{ids['youth_id']}"
    return [("GET", youth, "youths.show"), ("POST", youth + "/guardians", "youths.add_guardian"),
            ("GET", youth + "/cases/new", "cases.open_case"),
            ("POST", youth + "/cases/new", "cases.open_case")]


@pytest.mark.parametrize("persona", ["sara", "per", "fred"])
def test_with_the_access_log_blocked_nothing_of_a_case_is_shown(app, personas, world,
                                                                 fake_clock, persona):
    ids, secrets = world
    client = app.test_client()
    login(client, personas[persona], fake_clock=fake_clock)
    token = csrf(client, "/account")
    requests = [*_case_requests(app, ids), *_register_requests(ids)]
    assert len(requests) > 45
    shown = []
    with access_log_blocked(app):
        for method, path, endpoint in requests:
            response = (client.get(path) if method == "GET"
                        else client.post(path, data={"csrf_token": token}))
            body = response.get_data(as_text=True)
            leaked = [s for s in secrets if s in body]
            if response.status_code == 200 or leaked:
                shown.append(f"{method} {endpoint}: {response.status_code} {leaked}")
            assert response.status_code != 500, (method, endpoint)
    assert shown == [], "\n".join(shown)
    with app.app_context():  # and nothing was written meanwhile
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.actor_user_id == personas[persona].id,
            AuditEntry.event != "login_succeeded", AuditEntry.event != "mfa_verified")) <= 1


def test_every_case_page_that_answers_has_logged_the_read(app, personas, world, fake_clock):
    """The pages that were not logged before (the new-consent and new-disclosure forms, a
    meeting's edit form, the group page, opening a case, a form re-rendered after an
    invalid POST): each answer leaves an entry naming the case or the youth."""
    ids, secrets = world
    client = app.test_client()
    login(client, personas["sara"], fake_clock=fake_clock)
    token = csrf(client, "/account")
    missing = []
    for method, path, endpoint in [*_case_requests(app, ids), *_register_requests(ids)]:
        with app.app_context():
            before = db.session.scalar(select(func.max(AuditEntry.seq)))
        response = (client.get(path) if method == "GET"
                    else client.post(path, data={"csrf_token": token}))
        body = response.get_data(as_text=True)
        if response.status_code >= 300 and not any(s in body for s in secrets):
            continue  # a redirect or an error page: nothing of the case is shown
        with app.app_context():
            refs = set(db.session.scalars(select(AuditEntry.target_ref).where(
                AuditEntry.seq > before)))
        if not refs & {ids["case_id"], ids["youth_id"]}:
            missing.append(f"{method} {endpoint}: {response.status_code}")
    assert missing == [], "\n".join(missing)
