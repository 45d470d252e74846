"""E-mail through the outbox, delivered to a real SMTP server on 127.0.0.1 and read back:
invitations with a valid .ics (new, changed, cancelled), retries through an outage,
each user's choices, change notices by the policy, the reminder digest — and no name,
personal identity number or case content in any mail."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from icalendar import Calendar
from sqlalchemy import select

from auth.models import User
from kernel.audit.models import AuditEntry
from kernel.db import db
from kernel.mail.models import OutboxMessage
from sig.meetings.models import Meeting
from tests.case_helpers import add_member, open_case, register_youth, text_of, valid_pnr
from tests.helpers import login, post
from tests.test_meetings import AGENDA, PLACE, local, schedule

YOUTH = "Mejla Mejlsson"
PNR = valid_pnr("20100909", "246")
GUARDIAN = "Greta Mejlsson"
MINUTES = "Mejla berättar om läget hemma"
SECRETS = (YOUTH, "Mejla", PNR, PNR.replace("-", ""), PNR[2:], GUARDIAN, PLACE, AGENDA,
           MINUTES)


def _address(app, *users) -> None:
    with app.app_context():
        for user in users:
            db.session.get(User, user.id).email = f"{user.username}@kommunen.example"
        db.session.commit()


def _send(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def _calendar(message) -> Calendar:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def _no_secrets(smtp) -> None:
    for raw in smtp.inbox.raw:
        text = raw.decode("utf-8", "replace")
        for message in smtp.inbox.messages:
            for part in message.walk():
                payload = part.get_payload(decode=True)
                if payload:
                    text += payload.decode("utf-8", "replace")
        leaked = [s for s in SECRETS if s in text]
        assert not leaked, leaked


@pytest.fixture
def case_id(app, client, sara, per, kim, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case = open_case(client, register_youth(client, name=YOUTH, pnr=PNR,
                                            guardian1_name=GUARDIAN))
    add_member(client, case, per, function="kommunpolis")
    add_member(client, case, kim, function="skolkurator")
    _address(app, sara, per, kim)
    return case


def test_an_invitation_reaches_the_smtp_server_with_a_valid_ics_and_no_personal_data(
        app, client, smtp, case_id, fake_clock):
    starts = fake_clock.current + dt.timedelta(days=3)
    meeting_id = schedule(client, case_id, starts)
    assert "sent 3" in _send(app)
    assert sorted(r[0] for r in smtp.inbox.recipients) == [
        "kim@kommunen.example", "per@kommunen.example", "sara@kommunen.example"]
    reference = "SIG-" + case_id[:8].upper()
    for message in smtp.inbox.messages:
        assert reference in message["Subject"]
        event = next(c for c in _calendar(message).walk() if c.name == "VEVENT")
        assert _calendar(message)["METHOD"] == "REQUEST"
        assert str(event["UID"]) == f"{meeting_id}@sig"
        assert event.decoded("DTSTART") == starts.replace(second=0, microsecond=0)
        assert f"/cases/{case_id}/meetings/{meeting_id}" in str(event["URL"])
        attachments = [p.get_filename() for p in message.walk() if p.get_filename()]
        assert attachments == ["inbjudan.ics"]
    _no_secrets(smtp)


def test_a_change_and_a_cancellation_update_the_same_calendar_entry(
        app, client, smtp, case_id, fake_clock):
    starts = fake_clock.current + dt.timedelta(days=3)
    meeting_id = schedule(client, case_id, starts)
    _send(app)
    first = next(c for c in _calendar(smtp.inbox.messages[0]).walk() if c.name == "VEVENT")
    smtp.inbox.clear()
    with app.app_context():
        version = db.session.get(Meeting, meeting_id).version
    later = starts + dt.timedelta(hours=2)
    edit = post(client, f"/cases/{case_id}/meetings/{meeting_id}/edit",
                {"starts_at": local(later), "place": PLACE, "agenda": AGENDA,
                 "version": str(version)}, page=f"/cases/{case_id}/meetings/{meeting_id}/edit")
    assert edit.status_code == 302
    _send(app)
    changed = [m for m in smtp.inbox.messages]
    assert len(changed) == 3 and all(m["Subject"].startswith("Ändrat") for m in changed)
    event = next(c for c in _calendar(changed[0]).walk() if c.name == "VEVENT")
    assert event["UID"] == first["UID"] and event["SEQUENCE"] > first["SEQUENCE"]
    assert event.decoded("DTSTART") == later.replace(second=0, microsecond=0)
    smtp.inbox.clear()
    with app.app_context():
        version = db.session.get(Meeting, meeting_id).version
    post(client, f"/cases/{case_id}/meetings/{meeting_id}/cancel", {"version": str(version)},
         page=f"/cases/{case_id}/meetings/{meeting_id}")
    _send(app)
    cancelled = smtp.inbox.messages
    assert len(cancelled) == 3 and _calendar(cancelled[0])["METHOD"] == "CANCEL"
    _no_secrets(smtp)


def _status(app, meeting_id: str) -> str:
    with app.app_context():
        return db.session.get(Meeting, meeting_id).status


def _logged(app, event: str) -> dict:
    """The details of the one access-log entry of ``event``."""
    with app.app_context():
        return json.loads(db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.event == event)).one())


def test_closing_the_case_cancels_its_meetings_to_come_and_undoing_plans_them_again(
        app, client, smtp, case_id, sara, fred, fake_clock):
    """Nobody goes to a meeting of a closed case: the calendars drop the entries still to
    come (a meeting already begun stays as it is, to be recorded), and undoing the
    closing puts them back — the same calendar entry, a higher sequence."""
    coming = schedule(client, case_id, fake_clock.current + dt.timedelta(days=3))
    begun = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    _send(app)
    first = next(c for c in _calendar(smtp.inbox.messages[0]).walk() if c.name == "VEVENT")
    smtp.inbox.clear()
    closed = post(client, f"/cases/{case_id}/close",
                  {"reason": "completed", "confirmed": "yes",
                   "closed_on": fake_clock.current.date().isoformat()},
                  page=f"/cases/{case_id}")
    assert closed.status_code == 302
    assert _status(app, coming) == "cancelled" and _status(app, begun) == "planned"
    assert _logged(app, "case_closed")["meetings_cancelled"] == 1
    assert "sent 3" in _send(app)
    cancelled = smtp.inbox.messages
    assert all(_calendar(m)["METHOD"] == "CANCEL" for m in cancelled)
    assert all(m["Subject"].startswith("Inställt") for m in cancelled)
    event = next(c for c in _calendar(cancelled[0]).walk() if c.name == "VEVENT")
    assert event["UID"] == first["UID"] and event["SEQUENCE"] > first["SEQUENCE"]
    smtp.inbox.clear()
    post(client, f"/cases/{case_id}/reopen", page=f"/cases/{case_id}")
    assert _status(app, coming) == "planned"
    assert _logged(app, "case_reopened")["meetings_restored"] == 1
    assert "sent 3" in _send(app)
    again = smtp.inbox.messages
    assert all(_calendar(m)["METHOD"] == "REQUEST" for m in again)
    renewed = next(c for c in _calendar(again[0]).walk() if c.name == "VEVENT")
    assert renewed["UID"] == first["UID"] and renewed["SEQUENCE"] > event["SEQUENCE"]
    _no_secrets(smtp)
    # Fred, in no group of this case, got nothing and sees nothing
    assert not any("fred" in r[0] for r in smtp.inbox.recipients)
    fred_client = app.test_client()
    login(fred_client, fred, fake_clock=fake_clock)
    assert fred_client.get(f"/cases/{case_id}/meetings/{coming}").status_code == 404


def test_an_smtp_outage_blocks_no_write_and_loses_no_mail(
        app, client, smtp, case_id, fake_clock):
    app.config["MAIL_PORT"] = 9  # nothing listens there: every attempt fails
    meeting_id = schedule(client, case_id, fake_clock.current + dt.timedelta(days=3))
    assert meeting_id  # the meeting is saved whatever the mail server does
    assert "to retry 3" in _send(app)
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {(r.state, r.attempts) for r in rows} == {("pending", 1)}
        assert all(r.last_error for r in rows)
    assert "sent 0" in _send(app)  # not yet due: the next attempt waits a minute
    page = text_of(client.get(f"/cases/{case_id}/meetings/{meeting_id}"))
    assert "försöker igen" in page
    app.config["MAIL_PORT"] = smtp.port
    fake_clock.advance(minutes=2)
    assert "sent 3" in _send(app)
    assert len(smtp.inbox.raw) == 3
    sara = app.test_client()
    login(sara, db_user(app, "sara"), fake_clock=fake_clock)
    assert "skickad" in text_of(sara.get(f"/cases/{case_id}/meetings/{meeting_id}"))


def test_a_message_is_given_up_after_the_last_attempt(app, client, smtp, case_id, fake_clock):
    app.config.update(MAIL_PORT=9, MAIL_MAX_ATTEMPTS=3)
    schedule(client, case_id, fake_clock.current + dt.timedelta(days=3))
    for _attempt in range(3):
        _send(app)
        fake_clock.advance(hours=7)
    with app.app_context():
        assert {r.state for r in db.session.scalars(select(OutboxMessage))} == {"failed"}
    assert "failed" in app.test_cli_runner().invoke(args=["mail", "status"]).output


def test_each_user_chooses_what_she_receives(app, client, smtp, case_id, kim, fake_clock):
    kim_client = app.test_client()
    login(kim_client, kim, fake_clock=fake_clock)
    wrong = post(kim_client, "/account/email", {"email": "kim-at-skolan"}, page="/account/email")
    assert wrong.status_code == 400 and "namn@exempel.se" in text_of(wrong)
    assert 'value="kim-at-skolan"' in wrong.get_data(as_text=True)
    post(kim_client, "/account/email", {"email": "kim@skolan.example", "reminder": "y"},
         page="/account/email")
    with app.app_context():
        user = db.session.get(User, kim.id)
        assert user.email == "kim@skolan.example" and user.mail_off == "invitation,change"
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "mail_settings_changed")).one()
        assert "skolan.example" not in entry.details
    schedule(client, case_id, fake_clock.current + dt.timedelta(days=3))
    _send(app)
    assert sorted(r[0] for r in smtp.inbox.recipients) == ["per@kommunen.example",
                                                          "sara@kommunen.example"]


def test_a_change_notice_goes_to_those_whose_organisation_may_see_the_change(
        app, client, smtp, case_id, per, fake_clock):
    meeting_id = schedule(client, case_id, fake_clock.current)
    _send(app)
    smtp.inbox.clear()
    per_client = app.test_client()
    login(per_client, per, fake_clock=fake_clock)
    url = f"/cases/{case_id}/meetings/{meeting_id}"
    post(per_client, url + "/protocol", {"category": "police_information", "text": MINUTES},
         page=url)
    post(per_client, url + "/protocol", {"category": "police_information", "text": "Mer"},
         page=url)
    _send(app)
    # police information reaches social services by statute, the school only by consent:
    # Sara is told (once for both entries), Kim is not, Per wrote it
    assert [r[0] for r in smtp.inbox.recipients] == ["sara@kommunen.example"]
    message = smtp.inbox.messages[0]
    assert "SIG-" + case_id[:8].upper() in message["Subject"]
    _no_secrets(smtp)


def test_the_reminder_digest_names_counts_and_references_only(
        app, client, smtp, case_id, orgs, per, fake_clock):
    with app.app_context():
        db.session.get(User, per.id).mail_off = ""
        db.session.commit()
    post(client, f"/cases/{case_id}/plan/goals/new",
         {"life_area": "school", "description": "Går i skolan varje dag"},
         page=f"/cases/{case_id}/plan/goals/new")
    from sig.plans.models import Goal
    with app.app_context():
        goal = db.session.scalar(select(Goal.id).where(Goal.case_id == case_id))
    due = (fake_clock.current.date() + dt.timedelta(days=3)).isoformat()
    response = post(client, f"/cases/{case_id}/plan/goals/{goal}/actions/new",
                    {"what": "Hembesök hos Mejla", "responsible_org_id": orgs["police"].id,
                     "responsible_user_id": per.id, "start_date": "", "status": "planned",
                     "due_date": due}, page=f"/cases/{case_id}/plan/goals/{goal}/actions/new")
    assert response.status_code == 302, text_of(response)[-800:]
    _send(app)
    smtp.inbox.clear()
    result = app.test_cli_runner().invoke(args=["reminders", "--mail", "--user", "per"])
    assert "per: reminder e-mail written" in result.output
    _send(app)
    assert [r[0] for r in smtp.inbox.recipients] == ["per@kommunen.example"]
    body = smtp.inbox.messages[0].get_payload(decode=True).decode()
    assert "SIG-" + case_id[:8].upper() in body and "/start" in body
    assert "Hembesök" not in body
    _no_secrets(smtp)
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "reminders_printed")).all()[-1]
    assert json.loads(entry.details)["mailed"] is True


def db_user(app, username: str):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def test_the_outbox_forgets_what_was_sent_after_the_keep_period(
        app, client, smtp, case_id, fake_clock):
    schedule(client, case_id, fake_clock.current + dt.timedelta(days=3))
    _send(app)
    with app.app_context():
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 3
    fake_clock.advance(days=31)
    _send(app)
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []
