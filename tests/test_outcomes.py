"""Outcome events on a case: police reports, concern reports and concern conversations.

Sara (social services) owns the case and records all three kinds; Per (police, in the
group) records police reports only; Kim (school, in the group) records nothing; Fred
(police, other groups) finds no trace.  Assertions are on data and HTML structure.
"""
from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select, text

from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.outcomes.models import OutcomeEvent
from tests.case_helpers import add_member, open_case, register_youth
from tests.helpers import csrf, login, post

SARA_NOTE = "Orosanmälan från skolan om frånvaro och oro hemma"
PER_NOTE = "Misstänkt för snatteri i centrum"


def logged_in(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


def case_with_group(app, sara, per, kim, fake_clock):
    client = logged_in(app, sara, fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per, function="kommunpolis")
    add_member(client, case_id, kim, function="skolkurator")
    return client, case_id


def record_event(client, case_id: str, kind: str, source_org_id: str, *,
                 occurred_on: str = "2026-02-01", led: str = "", note: str = "",
                 **extra):
    url = f"/cases/{case_id}/outcomes/new"
    return post(client, url, {"kind": kind, "occurred_on": occurred_on,
                              "source_org_id": source_org_id,
                              "led_to_intervention": led, "note": note, **extra}, page=url)


def events(app, case_id: str) -> list[OutcomeEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutcomeEvent).where(
            OutcomeEvent.case_id == case_id).order_by(OutcomeEvent.created_at)))
        for row in rows:
            db.session.expunge(row)
        return rows


def outcome_ids(page: str) -> set[str]:
    return set(re.findall(r'data-outcome="([^"]+)"', page))


def test_sara_records_each_kind(app, orgs, sara, per, kim, fake_clock):
    client, case_id = case_with_group(app, sara, per, kim, fake_clock)
    assert client.get(f"/cases/{case_id}/outcomes/new").status_code == 200
    for kind, source, led in (("police_report", "police", ""),
                              ("concern_report", "school", ""),
                              ("concern_conversation", "police", "yes")):
        response = record_event(client, case_id, kind, orgs[source].id, led=led,
                                note=SARA_NOTE)
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    # recorded at one (fake) moment: compared by kind, not in the order read
    saved = sorted(events(app, case_id), key=lambda e: e.kind)
    assert [(e.kind, e.category, e.origin_org_id, e.led_to_intervention) for e in saved] == [
        ("concern_conversation", "social_assessment", orgs["social"].id, True),
        ("concern_report", "social_assessment", orgs["social"].id, None),
        ("police_report", "police_information", orgs["social"].id, None)]
    assert saved[1].source_org_id == orgs["school"].id
    assert all(e.created_by_id == sara.id for e in saved)
    assert outcome_ids(client.get(f"/cases/{case_id}").get_data(as_text=True)) == {
        e.id for e in saved}


def test_per_records_police_reports_only_and_kim_nothing(app, orgs, sara, per, kim,
                                                         fake_clock):
    _, case_id = case_with_group(app, sara, per, kim, fake_clock)
    per_client = logged_in(app, per, fake_clock)
    assert per_client.get(f"/cases/{case_id}/outcomes/new").status_code == 200
    assert record_event(per_client, case_id, "police_report",
                        orgs["police"].id).status_code == 302
    assert record_event(per_client, case_id, "concern_report",
                        orgs["police"].id).status_code == 403
    kim_client = logged_in(app, kim, fake_clock)
    assert kim_client.get(f"/cases/{case_id}/outcomes/new").status_code == 403
    assert record_event(kim_client, case_id, "police_report",
                        orgs["school"].id).status_code == 403
    saved = events(app, case_id)
    assert [(e.kind, e.origin_org_id) for e in saved] == [("police_report", orgs["police"].id)]


def test_who_sees_what(app, orgs, sara, per, kim, fake_clock):
    sara_client, case_id = case_with_group(app, sara, per, kim, fake_clock)
    record_event(sara_client, case_id, "concern_report", orgs["school"].id, note=SARA_NOTE)
    record_event(sara_client, case_id, "concern_conversation", orgs["social"].id, led="no")
    per_client = logged_in(app, per, fake_clock)
    record_event(per_client, case_id, "police_report", orgs["police"].id, note=PER_NOTE)
    assert record_event(per_client, case_id, "police_report", orgs["police"].id,
                        note="Förundersökning pågår", pre_investigation="y").status_code == 302
    saved = {(e.kind, e.pre_investigation): e for e in events(app, case_id)}
    police = saved[("police_report", False)]
    secret = saved[("police_report", True)]
    social = {saved[("concern_report", False)].id, saved[("concern_conversation", False)].id}
    # Per: his own police reports, not Sara's concern reports — and the notice says so
    page = per_client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert outcome_ids(page) == {police.id, secret.id}
    assert PER_NOTE in page and SARA_NOTE not in page
    assert 'class="withheld-notice"' in page
    # Sara: Per's police report (police → social services provision), not the
    # preliminary-investigation one
    page = sara_client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert outcome_ids(page) == social | {police.id}
    assert PER_NOTE in page and "Förundersökning pågår" not in page
    assert 'class="withheld-notice"' in page
    # the flag set directly in the database hides a report too
    with app.app_context():
        db.session.get(OutcomeEvent, police.id).pre_investigation = True
        db.session.commit()
    page = sara_client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert outcome_ids(page) == social
    # Kim (school) sees none of them
    kim_page = logged_in(app, kim, fake_clock).get(f"/cases/{case_id}").get_data(as_text=True)
    assert outcome_ids(kim_page) == set()
    # the read is logged with categories, never a note
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.event == "case_viewed", AuditEntry.actor_user_id == sara.id)
            .order_by(AuditEntry.seq.desc()))
        details = json.loads(entry.details)
        assert "social_assessment" in details["shown"]
        assert "police_information" in details["withheld"]  # the flagged police report


def test_validation_keeps_the_typed_values(app, orgs, sara, per, kim, fake_clock):
    client, case_id = case_with_group(app, sara, per, kim, fake_clock)
    future = (fake_clock.current.date() + dt.timedelta(days=3)).isoformat()
    response = record_event(client, case_id, "concern_report", orgs["school"].id,
                            occurred_on=future, note=SARA_NOTE)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'has-error' in page and f'value="{future}"' in page and SARA_NOTE in page
    response = record_event(client, case_id, "concern_report", orgs["school"].id,
                            occurred_on="1999-12-31")
    assert response.status_code == 400 and 'value="1999-12-31"' in response.get_data(
        as_text=True)
    response = record_event(client, case_id, "concern_conversation", orgs["school"].id,
                            occurred_on="2026-01-05", note=SARA_NOTE)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="2026-01-05"' in page and SARA_NOTE in page and "has-error" in page
    assert f'<option selected value="{orgs["school"].id}"' in page or (
        f'value="{orgs["school"].id}" selected' in page)
    response = record_event(client, case_id, "police_report", orgs["police"].id, led="yes")
    assert response.status_code == 400
    assert events(app, case_id) == []


def test_fred_finds_nothing_and_csrf_is_required(app, orgs, sara, per, kim, fred,
                                                 fake_clock):
    client, case_id = case_with_group(app, sara, per, kim, fake_clock)
    fred_client = logged_in(app, fred, fake_clock)
    assert fred_client.get(f"/cases/{case_id}/outcomes/new").status_code == 404
    assert record_event(fred_client, case_id, "police_report",
                        orgs["police"].id).status_code == 404
    response = client.post(f"/cases/{case_id}/outcomes/new",
                           data={"kind": "concern_report", "occurred_on": "2026-02-01",
                                 "source_org_id": orgs["school"].id})
    assert response.status_code == 400
    assert events(app, case_id) == []
    assert csrf(client, f"/cases/{case_id}/outcomes/new")


def test_the_note_is_encrypted_and_not_in_the_access_log(app, orgs, sara, per, kim,
                                                          fake_clock):
    client, case_id = case_with_group(app, sara, per, kim, fake_clock)
    assert record_event(client, case_id, "concern_report", orgs["school"].id,
                        note=SARA_NOTE).status_code == 302
    (event,) = events(app, case_id)
    with app.app_context():
        raw = db.session.execute(text("SELECT note_enc FROM outcome_events")).scalar_one()
        assert SARA_NOTE.encode() not in bytes(raw)
        assert db.session.get(OutcomeEvent, event.id).note == SARA_NOTE
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.event == "outcome_recorded"))
        details = json.loads(entry.details)
        assert details["outcome"] == event.id and details["kind"] == "concern_report"
        logged = " ".join(e.details or "" for e in db.session.scalars(select(AuditEntry)))
        assert SARA_NOTE not in logged and "Orosanmälan från skolan" not in logged
