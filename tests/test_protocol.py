"""One meeting protocol: attendance, every action's follow-up and a minutes entry saved
in one submit (together or not at all, nothing typed lost), signed off by the owner and
read-only after, corrections logged as such, and printed per organisation with only
what the policy shows it."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from auth.models import User
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case
from sig.meetings.models import Meeting, MinutesEntry, Participant
from sig.plans.models import Action
from tests.case_helpers import text_of
from tests.helpers import csrf
from tests.test_meetings import (
    SOCIAL_ASSESSMENT,
    case_with_group,
    logged_in,
    meeting_url,
    participants,
    schedule,
)

PROTOCOL_TEXT = "Gruppen går igenom planen; skolan rapporterar bättre närvaro"
POLICE_MINUTES = "Polisen: inga nya misstankar sedan förra mötet"


@pytest.fixture
def held(app, client, sara, per, kim, orgs, fake_clock):
    """A case with Per and Kim, a meeting that started an hour ago, and three actions
    (police, school, social services)."""
    from sig.plans import operations as plans

    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    with app.app_context():
        case = db.session.get(Case, case_id)
        owner = db.session.get(User, sara.id)
        goal = plans.add_goal(owner, case, "school", "Går i skolan varje dag")
        ids = [plans.add_action(owner, case, goal, what=what, responsible_org_id=orgs[org].id).id
               for what, org in (("Polisen håller samtal", "police"),
                                 ("Skolan följer närvaron", "school"),
                                 ("Socialtjänsten träffar familjen", "social"))]
    return case_id, meeting_id, ids


def _protocol(client, case_id, meeting_id, app, *, marks=None, follow_ups=None,
              minutes=None, versions=None):
    data = {"csrf_token": csrf(client, meeting_url(case_id, meeting_id))}
    for pid, value in (marks or {}).items():
        data[f"attendance-{pid}"] = value
    with app.app_context():
        for action_id, (status, note) in (follow_ups or {}).items():
            version = (versions or {}).get(action_id) or db.session.get(Action, action_id).version
            data.update({f"action-{action_id}-status": status,
                         f"action-{action_id}-follow_up": note,
                         f"action-{action_id}-version": str(version)})
    if minutes:
        data.update(category=minutes[0], text=minutes[1])
    return client.post(meeting_url(case_id, meeting_id, "/protocol"), data=data)


def test_attendance_three_follow_ups_and_minutes_in_one_submit_then_signed_off(
        app, client, held, sara, per, kim, fake_clock):
    case_id, meeting_id, actions = held
    rows = participants(app, meeting_id)
    response = _protocol(
        client, case_id, meeting_id, app,
        marks={rows[per.id].id: "present", rows[kim.id].id: "remote",
               rows[sara.id].id: "present"},
        follow_ups={a: ("in_progress", f"Uppföljning {n}") for n, a in enumerate(actions)},
        minutes=("minutes", PROTOCOL_TEXT))
    assert response.status_code == 302
    assert "Protokollet är sparat" in text_of(client.get(response.location))
    with app.app_context():
        assert {p.attendance for p in db.session.scalars(select(Participant))} == {
            "present", "remote"}
        assert {a.status for a in db.session.scalars(select(Action))} == {"in_progress"}
        assert db.session.scalar(select(MinutesEntry.id)) is not None
    # signed off: read-only; a change to an entry is a logged correction
    post_sign = client.post(meeting_url(case_id, meeting_id, "/sign-off"),
                            data={"csrf_token": csrf(client, meeting_url(case_id, meeting_id))})
    assert post_sign.status_code == 302
    page = text_of(client.get(meeting_url(case_id, meeting_id)))
    assert "justerat av Sara Testsson" in page and "Spara protokollet" not in page
    late = _protocol(client, case_id, meeting_id, app, minutes=("minutes", "För sent"))
    assert late.status_code == 400 and "justerat" in text_of(late)
    with app.app_context():
        entry = db.session.scalar(select(MinutesEntry))
        entry_id, version = entry.id, entry.version
    url = meeting_url(case_id, meeting_id, f"/minutes/{entry_id}/edit")
    body = {"category": "minutes", "text": PROTOCOL_TEXT + " (rättat)",
            "version": str(version), "csrf_token": csrf(client, url)}
    refused = client.post(url, data=body)
    assert "bekräfta att detta är en rättelse" in text_of(refused)
    corrected = client.post(url, data={**body, "correction": "y"})
    assert corrected.status_code == 302
    with app.app_context():
        written = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "minutes_written")).all()[-1]
        assert json.loads(written.details)["correction"] is True
        assert db.session.get(Meeting, meeting_id).signed_off_at is not None


def test_a_conflict_on_one_follow_up_saves_nothing_and_keeps_everything_typed(
        app, client, held, sara, per, fake_clock):
    case_id, meeting_id, actions = held
    rows = participants(app, meeting_id)
    stale = {actions[1]: 1}
    with app.app_context():  # someone changes the school's action meanwhile
        action = db.session.get(Action, actions[1])
        action.status = "done"
        db.session.commit()
    response = _protocol(
        client, case_id, meeting_id, app, marks={rows[per.id].id: "present"},
        follow_ups={actions[0]: ("in_progress", "Polisens anteckning"),
                    actions[1]: ("in_progress", "Skolans anteckning")},
        minutes=("minutes", PROTOCOL_TEXT), versions=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert PROTOCOL_TEXT in page and "Polisens anteckning" in page
    assert "Skolans anteckning" in page
    with app.app_context():
        assert db.session.get(Action, actions[0]).status == "planned"
        assert db.session.scalar(select(func.count()).select_from(MinutesEntry)) == 0
        assert participants(app, meeting_id)[per.id].attendance is None


def test_a_mistake_in_one_part_says_where_and_keeps_the_other_parts(
        app, client, held, per, fake_clock):
    case_id, meeting_id, actions = held
    rows = participants(app, meeting_id)
    response = _protocol(client, case_id, meeting_id, app,
                         marks={rows[per.id].id: "absent"},
                         follow_ups={actions[0]: ("done", "Klart enligt polisen")},
                         minutes=("", PROTOCOL_TEXT))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Välj vad anteckningen handlar om." in text_of(response)
    assert PROTOCOL_TEXT in page and "Klart enligt polisen" in page
    assert '<option value="absent" selected>' in page
    with app.app_context():
        assert db.session.get(Action, actions[0]).status == "planned"


def test_the_protocol_prints_for_the_school_without_social_services_items(
        app, client, held, sara, per, kim, fred, orgs, fake_clock):
    case_id, meeting_id, _actions = held
    _protocol(client, case_id, meeting_id, app,
              minutes=("social_assessment", SOCIAL_ASSESSMENT))
    per_client = logged_in(app, per, fake_clock)
    assert _protocol(per_client, case_id, meeting_id, app,
                     minutes=("police_information", POLICE_MINUTES)).status_code == 302
    for_school = text_of(client.get(meeting_url(case_id, meeting_id,
                                                f"/print/{orgs['school'].id}")))
    assert SOCIAL_ASSESSMENT not in for_school and POLICE_MINUTES not in for_school
    assert "utskrivet för Testskolan" in for_school and "utelämnade" in for_school
    # the police see their own information (and social services by statute): printed
    for_police = text_of(client.get(meeting_url(case_id, meeting_id,
                                                f"/print/{orgs['police'].id}")))
    assert POLICE_MINUTES in for_police and SOCIAL_ASSESSMENT not in for_police
    kim_client = logged_in(app, kim, fake_clock)
    own = text_of(client.get(meeting_url(case_id, meeting_id, "/print")))
    assert SOCIAL_ASSESSMENT in own
    assert kim_client.get(meeting_url(case_id, meeting_id,
                                      f"/print/{orgs['school'].id}")).status_code == 403
    fred_client = logged_in(app, fred, fake_clock)
    assert fred_client.get(meeting_url(case_id, meeting_id, "/print")).status_code == 404


def test_the_youth_and_a_guardian_are_picked_from_the_register(
        app, client, held, fake_clock):
    case_id, meeting_id, _actions = held
    from tests.test_meetings import GUARDIAN_NAME, YOUTH_NAME, add_external
    add_external(client, case_id, meeting_id, "youth", "")
    add_external(client, case_id, meeting_id, "guardian", GUARDIAN_NAME)
    rows = participants(app, meeting_id)
    assert f"youth:{YOUTH_NAME}" in rows and f"guardian:{GUARDIAN_NAME}" in rows
    response = client.post(meeting_url(case_id, meeting_id, "/participants/external"),
                           data={"external_role": "guardian", "guardian_id": "",
                                 "csrf_token": csrf(client, meeting_url(case_id, meeting_id))})
    assert response.status_code == 400 and "Välj vårdnadshavare." in text_of(response)
