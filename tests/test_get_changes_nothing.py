"""A GET changes nothing — over every GET endpoint of the app, as every persona (Fred
included): every table but the access log and the sessions is the same afterwards."""
from __future__ import annotations

from sqlalchemy import select

from consent.categories import Category
from kernel import clock
from kernel.db import Base, db
from sig.plans.models import Action, Goal
from tests.helpers import login
from tests.test_policy_table import (
    SPECS,
    add_case,
    add_consent,
    add_disclosure,
    add_entry,
    add_meeting,
    born,
)

# Written by every request by design: the access log, and the server-side session.
WRITTEN_BY_READS = {"audit_entries", "audit_head", "web_sessions"}
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
        today = clock.now().date()
        case, guardians = add_case(personas, orgs, born(16, today), 1, members=("per", "kim"))
        consent = add_consent(personas, orgs, case, guardians, SPECS["full"])
        consent.form, consent.form_filename = b"%PDF-1.4 underskrift", "samtycke.pdf"
        consent.form_mime = "application/pdf"
        meeting = add_meeting(personas, orgs, case)
        entry = add_entry(personas, orgs, case, meeting, "social", "social_assessment",
                          text="Bedömning")
        goal = Goal(case_id=case.id, life_area="school", origin_org_id=orgs["social"].id,
                    category=Category.COORDINATION.value, created_by_id=personas["sara"].id)
        goal.description = "Går i skolan"
        db.session.add(goal)
        db.session.flush()
        action = Action(case_id=case.id, goal_id=goal.id, origin_org_id=orgs["social"].id,
                        category="coordination", responsible_org_id=orgs["police"].id,
                        created_by_id=personas["sara"].id, status="planned")
        action.what = "Kontaktpolis"
        db.session.add(action)
        db.session.flush()
        disclosure = add_disclosure(personas, orgs, case, [entry])
        db.session.commit()
        ids = {"case_id": case.id, "youth_id": case.youth_id, "goal_id": goal.id,
               "action_id": action.id, "meeting_id": meeting.id, "entry_id": entry.id,
               "consent_id": consent.id, "disclosure_id": disclosure.id,
               "org_id": orgs["police"].id, "user_id": personas["per"].id}
        before = snapshot()
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
            path = rule.rule.replace("<", "{").replace(">", "}").format(**ids)
            response = client.get(path)
            assert response.status_code < 500, (name, path)
            seen.add(rule.endpoint)
        with app.app_context():
            after = snapshot()
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, (name, changed)
    assert {"cases.show", "sharing.view_as", "consents.download", "audit.index"} <= seen
