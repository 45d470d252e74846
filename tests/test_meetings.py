"""SIG meetings: scheduling, participants (stand-ins, the youth, guardians), attendance,
minutes with categories, plan follow-up at a meeting, and attendance by organisation.

Sara (social services) owns the case, Per (police) and Kim (school) are in the group,
Pia is a police officer who stands in for Per, and Fred (police, other groups) must
find no trace of any meeting.  Tests assert on data and HTML structure, not on text
that will be translated.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text, update

from auth.models import User
from auth.roles import Role
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case, Membership
from sig.meetings.models import Meeting, MinutesEntry, Participant
from sig.plans.models import Action, Change
from tests.case_helpers import add_member, open_case, register_youth, text_of
from tests.helpers import csrf, login, post

STOCKHOLM = ZoneInfo("Europe/Stockholm")
YOUTH_NAME = "Kalle Test"
GUARDIAN_NAME = "Anna Test"
OTHER_NAME = "Bertil Mentorsson"
PLACE = "Rum Ekorren, Storgatan 9"
AGENDA = "Genomgång av planen och skolgången"
SOCIAL_MINUTES = "Familjen berättar om svårigheter hemma hösten"
SOCIAL_ASSESSMENT = "Bedömning: behov av stöd enligt SoL kvarstår"
POLICE_MINUTES = "Polisen har haft kontakt med ungdomen vid två tillfällen"


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def pia(make_user) -> User:
    """A police officer who is not in the group: Per's stand-in."""
    return make_user("pia", "police", Role.MEMBER)


def local(moment: dt.datetime) -> str:
    """The form's value for ``moment``: local time, minutes."""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")


def logged_in(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


def case_with_group(app, client, sara, per, kim, fake_clock) -> str:
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client, name=YOUTH_NAME))
    add_member(client, case_id, per, function="kommunpolis")
    add_member(client, case_id, kim, function="skolkurator")
    return case_id


def schedule(client, case_id: str, starts_at: dt.datetime, *, invite_group: bool = True,
             place: str = PLACE, agenda: str = AGENDA) -> str:
    data = {"starts_at": local(starts_at), "place": place, "agenda": agenda}
    if invite_group:
        data["invite_group"] = "y"
    response = post(client, f"/cases/{case_id}/meetings/new", data,
                    page=f"/cases/{case_id}/meetings/new")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    meeting_id = response.location.split("#")[0].rsplit("/", 1)[-1]
    assert len(meeting_id) == 36
    return meeting_id


def participants(app, meeting_id: str) -> dict[str, Participant]:
    """The meeting's participant rows by user id, or by role for external people."""
    with app.app_context():
        rows = db.session.scalars(select(Participant).where(Participant.meeting_id == meeting_id))
        return {p.user_id or f"{p.external_role}:{p.external_name}": p for p in rows}


def meeting_url(case_id: str, meeting_id: str, rest: str = "") -> str:
    return f"/cases/{case_id}/meetings/{meeting_id}{rest}"


def add_person(client, case_id: str, meeting_id: str, user) -> None:
    response = post(client, meeting_url(case_id, meeting_id, "/participants"),
                    {"user_id": user.id}, page=meeting_url(case_id, meeting_id))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def add_external(client, case_id: str, meeting_id: str, role: str, name: str) -> None:
    """The youth and a guardian are picked from the register (``name`` says which
    guardian); anyone else is named."""
    data = {"external_role": role, "external_name": name if role == "other" else ""}
    if role == "guardian":
        page = client.get(meeting_url(case_id, meeting_id)).get_data(as_text=True)
        data["guardian_id"] = re.search(rf'<option value="([0-9a-f-]{{36}})">{name}</option>',
                                        page).group(1)
    response = post(client, meeting_url(case_id, meeting_id, "/participants/external"),
                    data, page=meeting_url(case_id, meeting_id))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def mark(client, case_id: str, meeting_id: str, marks: dict[str, str]):
    """POST attendance: ``{participant id: attendance}``."""
    data = {f"attendance-{pid}": value for pid, value in marks.items()}
    return post(client, meeting_url(case_id, meeting_id, "/protocol"), data,
                page=f"/cases/{case_id}")


def write(client, case_id: str, meeting_id: str, category: str, words: str):
    return post(client, meeting_url(case_id, meeting_id, "/protocol"),
                {"category": category, "text": words}, page=f"/cases/{case_id}")


def attendance_table(page: str) -> dict[str, tuple[int, int, int, int]]:
    """The case page's attendance by organisation: org id → (held, represented, %, persons)."""
    rows = re.findall(
        r'<tr data-org="([^"]+)"> <th scope="row">[^<]*</th> <td class="held">(\d+)</td> '
        r'<td class="represented">(\d+)</td> <td class="rate">(\d+) %</td> '
        r'<td class="persons">(\d+)</td>', page)
    return {org: tuple(int(n) for n in numbers) for org, *numbers in rows}


def shown_participant_ids(page: str) -> set[str]:
    return set(re.findall(r'<tr id="participant-([0-9a-f-]{36})" class="participant">', page))


# --- scheduling, participants, attendance ------------------------------------------------------


def test_schedule_invites_the_group_each_for_their_organisation(app, client, sara, per, kim,
                                                                orgs, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    starts = fake_clock.current + dt.timedelta(days=7)
    meeting_id = schedule(client, case_id, starts)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status == "planned" and meeting.category == "coordination"
        assert meeting.origin_org_id == orgs["social"].id
        assert meeting.place == PLACE and PLACE.encode() not in meeting.place_enc
        stored = meeting.starts_at.replace(tzinfo=dt.UTC) if meeting.starts_at.tzinfo is None \
            else meeting.starts_at
        assert stored == starts.replace(second=0)
    invited = participants(app, meeting_id)
    assert {uid: p.represented_org_id for uid, p in invited.items()} == {
        sara.id: orgs["social"].id, per.id: orgs["police"].id, kim.id: orgs["school"].id}
    assert all(p.attendance is None and p.origin_org_id == orgs["social"].id
               for p in invited.values())
    page = text_of(client.get(f"/cases/{case_id}"))
    assert meeting_url(case_id, meeting_id) in page
    # The meeting page in the owner's local time.
    shown = text_of(client.get(meeting_url(case_id, meeting_id)))
    assert starts.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") in shown
    assert PLACE in shown and AGENDA in shown


def test_a_stand_in_comes_from_an_organisation_in_the_group(
        app, client, sara, per, kim, pia, fred, make_user, fake_clock):
    """The picker offers the group and the case workers of the group's organisations —
    not the whole municipality's staff; someone of an organisation outside the group is
    refused with a message (the invitation would tell her organisation of the case)."""
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current + dt.timedelta(days=2))
    leisure = make_user("lea", "leisure", Role.MEMBER, name="Lea Fritidsledare")
    page = client.get(meeting_url(case_id, meeting_id)).get_data(as_text=True)
    picker = re.search(r'<select[^>]*name="user_id".*?</select>', page, re.S).group(0)
    assert pia.id in picker and fred.id in picker  # police is in the group
    assert leisure.id not in picker
    response = post(client, meeting_url(case_id, meeting_id, "/participants"),
                    {"user_id": leisure.id}, page=meeting_url(case_id, meeting_id))
    assert response.status_code == 400
    assert "En ersättare kommer från en organisation som finns i gruppen" in text_of(response)
    assert leisure.id not in participants(app, meeting_id)
    # once someone of her organisation is in the group, she may stand in
    leo = make_user("leo", "leisure", Role.MEMBER)
    add_member(client, case_id, leo, function="fritid")
    add_person(client, case_id, meeting_id, leisure)
    assert leisure.id in participants(app, meeting_id)
    # ... at the meetings on days her organisation is in the group: not after Leo's last day
    with app.app_context():
        db.session.execute(update(Membership).where(Membership.user_id == leo.id).values(
            to_date=fake_clock.current.date() + dt.timedelta(days=5)))
        db.session.commit()
    later = schedule(client, case_id, fake_clock.current + dt.timedelta(days=10))
    refused = post(client, meeting_url(case_id, later, "/participants"),
                   {"user_id": leisure.id}, page=meeting_url(case_id, later))
    assert refused.status_code == 400 and leisure.id not in participants(app, later)
    # Fred, outside the group, learns nothing of the meeting whatever he posts
    curious = logged_in(app, fred, fake_clock)
    assert post(curious, meeting_url(case_id, meeting_id, "/participants"),
                {"user_id": fred.id}).status_code == 404


def test_attendance_per_person_with_stand_in_and_external_participants(
        app, client, sara, per, kim, pia, orgs, fake_clock, database_url):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=2))
    add_person(client, case_id, meeting_id, pia)
    add_external(client, case_id, meeting_id, "youth", YOUTH_NAME)
    add_external(client, case_id, meeting_id, "guardian", GUARDIAN_NAME)
    add_external(client, case_id, meeting_id, "other", OTHER_NAME)
    rows = participants(app, meeting_id)
    assert rows[pia.id].represented_org_id == orgs["police"].id  # the stand-in's organisation
    youth = rows[f"youth:{YOUTH_NAME}"]
    guardian = rows[f"guardian:{GUARDIAN_NAME}"]
    other = rows[f"other:{OTHER_NAME}"]
    assert youth.represented_org_id is None and youth.user_id is None
    # The names are stored encrypted: not in any column of any participant row.
    with app.app_context():
        for row in db.session.execute(text("SELECT * FROM participants")):
            for value in row:
                raw = value if isinstance(value, bytes | memoryview) else str(value).encode()
                for name in (YOUTH_NAME, GUARDIAN_NAME, OTHER_NAME):
                    assert name.encode() not in bytes(raw)
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        for file in (path, path + "-wal"):
            if os.path.exists(file):
                with open(file, "rb") as stored:
                    blob = stored.read()
                for name in (YOUTH_NAME, GUARDIAN_NAME, OTHER_NAME, PLACE):
                    assert name.encode() not in blob, (file, name)

    response = mark(client, case_id, meeting_id, {
        rows[sara.id].id: "present", rows[per.id].id: "absent", rows[pia.id].id: "present",
        rows[kim.id].id: "remote", youth.id: "present", guardian.id: "excused"})
    assert response.status_code == 302
    after = participants(app, meeting_id)
    assert {key: p.attendance for key, p in after.items()} == {
        sara.id: "present", per.id: "absent", pia.id: "present", kim.id: "remote",
        f"youth:{YOUTH_NAME}": "present", f"guardian:{GUARDIAN_NAME}": "excused",
        f"other:{OTHER_NAME}": None}
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "held"
    page = text_of(client.get(meeting_url(case_id, meeting_id)))
    assert shown_participant_ids(page) == {p.id for p in after.values()}
    assert YOUTH_NAME in page and GUARDIAN_NAME in page and OTHER_NAME in page
    assert 'class="stand-in"' in page
    assert other.id in page
    # the stand-in counts for police on the case page
    case_page = text_of(client.get(f"/cases/{case_id}"))
    table = attendance_table(case_page)
    assert table[orgs["police"].id] == (1, 1, 100, 1)
    assert table[orgs["school"].id] == (1, 1, 100, 1)
    assert table[orgs["social"].id] == (1, 1, 100, 1)


def test_member_records_only_their_own_attendance_and_sees_their_organisation(
        app, client, sara, per, kim, pia, orgs, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    add_person(client, case_id, meeting_id, pia)
    add_external(client, case_id, meeting_id, "guardian", GUARDIAN_NAME)
    rows = participants(app, meeting_id)
    per_client = logged_in(app, per, fake_clock)
    page = text_of(per_client.get(meeting_url(case_id, meeting_id)))
    # Per sees the rows addressed to police, nothing of the others' or the guardian's
    assert shown_participant_ids(page) == {rows[per.id].id, rows[pia.id].id}
    assert GUARDIAN_NAME not in page and "Kim Testsson" not in page
    assert f'name="attendance-{rows[per.id].id}"' in page
    assert f'name="attendance-{rows[pia.id].id}"' not in page
    assert 'class="withheld-notice"' in page  # told that participant rows are withheld

    assert mark(per_client, case_id, meeting_id, {rows[per.id].id: "remote"}).status_code == 302
    # Kim's row is not even visible to him; Pia's is, but it is not his
    assert mark(per_client, case_id, meeting_id, {rows[kim.id].id: "absent"}).status_code == 404
    assert mark(per_client, case_id, meeting_id, {rows[pia.id].id: "absent"}).status_code == 403
    assert mark(per_client, case_id, meeting_id, {rows[per.id].id: "present",
                                                  rows[sara.id].id: "absent"}).status_code == 404
    after = participants(app, meeting_id)
    assert after[per.id].attendance == "remote"
    assert after[kim.id].attendance is None and after[pia.id].attendance is None
    assert after[sara.id].attendance is None
    # Kim cannot mark Per either
    kim_client = logged_in(app, kim, fake_clock)
    assert mark(kim_client, case_id, meeting_id, {rows[per.id].id: "absent"}).status_code == 404
    assert participants(app, meeting_id)[per.id].attendance == "remote"
    # nor can a member add participants or change the meeting
    assert post(per_client, meeting_url(case_id, meeting_id, "/participants"),
                {"user_id": per.id}, page=f"/cases/{case_id}").status_code == 403
    assert per_client.get(meeting_url(case_id, meeting_id, "/edit")).status_code == 403
    assert per_client.get(f"/cases/{case_id}/meetings/new").status_code == 403


def test_attendance_waits_for_the_meeting_and_not_for_cancelled_ones(
        app, client, sara, per, kim, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    soon = schedule(client, case_id, fake_clock.current + dt.timedelta(minutes=10))
    rows = participants(app, soon)
    response = mark(client, case_id, soon, {rows[per.id].id: "present"})
    assert response.status_code == 400
    assert "från och med att mötet börjar" in text_of(response)
    assert participants(app, soon)[per.id].attendance is None
    # ... but a reported absence (anmält förhinder) can be recorded before it
    assert mark(client, case_id, soon, {rows[kim.id].id: "excused"}).status_code == 302
    assert participants(app, soon)[kim.id].attendance == "excused"
    with app.app_context():
        assert db.session.get(Meeting, soon).status == "planned"
    fake_clock.advance(minutes=11)
    assert mark(client, case_id, soon, {rows[per.id].id: "present"}).status_code == 302
    assert participants(app, soon)[per.id].attendance == "present"

    later = schedule(client, case_id, fake_clock.current + dt.timedelta(minutes=5))
    with app.app_context():
        version = db.session.get(Meeting, later).version
    assert post(client, meeting_url(case_id, later, "/cancel"), {"version": version},
                page=f"/cases/{case_id}").status_code == 302
    fake_clock.advance(minutes=6)
    rows = participants(app, later)
    mark(client, case_id, later, {rows[per.id].id: "present"})
    with app.app_context():
        assert db.session.get(Meeting, later).status == "cancelled"
    assert participants(app, later)[per.id].attendance is None
    # a held meeting cannot be cancelled
    with app.app_context():
        held_version = db.session.get(Meeting, soon).version
    post(client, meeting_url(case_id, soon, "/cancel"), {"version": held_version},
         page=f"/cases/{case_id}")
    with app.app_context():
        assert db.session.get(Meeting, soon).status == "held"


def test_concurrent_meeting_edits_do_not_overwrite(app, client, sara, per, kim, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    starts = fake_clock.current + dt.timedelta(days=5)
    meeting_id = schedule(client, case_id, starts)
    url = meeting_url(case_id, meeting_id, "/edit")
    first = post(client, url, {"starts_at": local(starts), "place": "Rum Lodjuret",
                               "agenda": AGENDA, "version": "1"}, page=url)
    assert first.status_code == 302
    second = post(client, url, {"starts_at": local(starts), "place": "Rum Björnen",
                                "agenda": AGENDA, "version": "1"}, page=url)
    assert second.status_code == 409
    page = text_of(second)
    assert 'value="Rum Björnen"' in page and "Rum Lodjuret" in page  # typed kept, saved shown
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.place == "Rum Lodjuret" and meeting.version == 2


# --- minutes ---------------------------------------------------------------------------------


def test_minutes_entries_by_category_and_what_each_organisation_sees(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    assert write(client, case_id, meeting_id, "minutes", SOCIAL_MINUTES).status_code == 302
    assert write(client, case_id, meeting_id, "social_assessment",
                 SOCIAL_ASSESSMENT).status_code == 302
    per_client = logged_in(app, per, fake_clock)
    assert write(per_client, case_id, meeting_id, "police_information",
                 POLICE_MINUTES).status_code == 302
    with app.app_context():
        entries = {e.text: e for e in db.session.scalars(
            select(MinutesEntry).where(MinutesEntry.meeting_id == meeting_id))}
        assert {t: (e.origin_org_id, e.category) for t, e in entries.items()} == {
            SOCIAL_MINUTES: (orgs["social"].id, "minutes"),
            SOCIAL_ASSESSMENT: (orgs["social"].id, "social_assessment"),
            POLICE_MINUTES: (orgs["police"].id, "police_information")}
        assert all(t.encode() not in e.text_enc for t, e in entries.items())

    per_page = text_of(per_client.get(meeting_url(case_id, meeting_id)))
    assert POLICE_MINUTES in per_page
    assert SOCIAL_MINUTES not in per_page and SOCIAL_ASSESSMENT not in per_page
    notice = re.search(r'<section class="withheld-notice".*?</section>', per_page).group(0)
    assert orgs["social"].name in notice
    assert per_page.count('class="minutes-entry"') == 1

    sara_page = text_of(client.get(meeting_url(case_id, meeting_id)))
    assert SOCIAL_MINUTES in sara_page and SOCIAL_ASSESSMENT in sara_page
    # Police information reaches social services by statute (not pre-investigation material).
    assert POLICE_MINUTES in sara_page

    kim_page = text_of(logged_in(app, kim, fake_clock).get(meeting_url(case_id, meeting_id)))
    for words in (SOCIAL_MINUTES, SOCIAL_ASSESSMENT, POLICE_MINUTES):
        assert words not in kim_page
    assert 'class="withheld-notice"' in kim_page

    # Per cannot open Sara's entry for editing: to him it does not exist
    sara_entry = entries[SOCIAL_MINUTES].id
    assert per_client.get(meeting_url(case_id, meeting_id, f"/minutes/{sara_entry}/edit")
                          ).status_code == 404


def test_editing_minutes_keeps_history_and_refuses_stale_versions(
        app, client, sara, per, kim, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    write(client, case_id, meeting_id, "minutes", SOCIAL_MINUTES)
    with app.app_context():
        entry_id = db.session.scalar(select(MinutesEntry.id))
    url = meeting_url(case_id, meeting_id, f"/minutes/{entry_id}/edit")
    assert client.get(url).status_code == 200
    changed = post(client, url, {"category": "social_assessment", "text": SOCIAL_ASSESSMENT,
                                 "version": "1"}, page=url)
    assert changed.status_code == 302
    stale = post(client, url, {"category": "minutes", "text": "Min egen version av texten",
                               "version": "1"}, page=url)
    assert stale.status_code == 409
    assert "Min egen version av texten" in stale.get_data(as_text=True)
    with app.app_context():
        entry = db.session.get(MinutesEntry, entry_id)
        assert entry.text == SOCIAL_ASSESSMENT and entry.category == "social_assessment"
        assert entry.version == 2
        changes = {c.field: c for c in db.session.scalars(
            select(Change).where(Change.item_id == entry_id))}
        assert set(changes) == {"category", "text"}
        assert changes["text"].before == SOCIAL_MINUTES and changes["text"].after == \
            SOCIAL_ASSESSMENT
        assert changes["text"].meeting_id == meeting_id
        assert SOCIAL_MINUTES.encode() not in changes["text"].before_enc
    # only the writer edits an entry
    per_client = logged_in(app, per, fake_clock)
    write(per_client, case_id, meeting_id, "police_information", POLICE_MINUTES)
    with app.app_context():
        police_entry = db.session.scalar(select(MinutesEntry.id).where(
            MinutesEntry.created_by_id == per.id))
    # Sara sees Per's entry (police → social services provision) but may not edit it.
    assert client.get(meeting_url(case_id, meeting_id, f"/minutes/{police_entry}/edit")
                      ).status_code == 403


# --- attendance by organisation --------------------------------------------------------------


def test_attendance_by_organisation_over_several_meetings(app, client, sara, per, kim, pia,
                                                          orgs, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    now = fake_clock.current
    m1 = schedule(client, case_id, now - dt.timedelta(days=40))
    m2 = schedule(client, case_id, now - dt.timedelta(days=30))
    m3 = schedule(client, case_id, now - dt.timedelta(days=20))
    m4 = schedule(client, case_id, now - dt.timedelta(days=10))   # cancelled
    m5 = schedule(client, case_id, now + dt.timedelta(days=10))   # not yet held
    m6 = schedule(client, case_id, now - dt.timedelta(days=5), invite_group=False)
    add_person(client, case_id, m2, pia)
    add_person(client, case_id, m6, per)
    r = {m: participants(app, m) for m in (m1, m2, m3, m4, m5, m6)}
    assert set(r[m6]) == {per.id}
    mark(client, case_id, m1, {r[m1][sara.id].id: "present", r[m1][per.id].id: "present",
                               r[m1][kim.id].id: "absent"})
    mark(client, case_id, m2, {r[m2][sara.id].id: "present", r[m2][per.id].id: "absent",
                               r[m2][pia.id].id: "remote", r[m2][kim.id].id: "excused"})
    mark(client, case_id, m3, {r[m3][sara.id].id: "present", r[m3][per.id].id: "absent",
                               r[m3][kim.id].id: "present"})
    with app.app_context():
        version = db.session.get(Meeting, m4).version
    post(client, meeting_url(case_id, m4, "/cancel"), {"version": version},
         page=f"/cases/{case_id}")
    mark(client, case_id, m6, {r[m6][per.id].id: "present"})

    # By hand: social 3 held, 3 represented, Sara only; police invited to m1, m2, m3, m6
    # and represented at m1 (Per), m2 (Pia, remote, standing in) and m6 (Per): 3 of 4, two
    # persons; school invited to m1–m3, represented at m3 only.
    expected = {orgs["social"].id: (3, 3, 100, 1), orgs["police"].id: (4, 3, 75, 2),
                orgs["school"].id: (3, 1, 33, 1)}
    assert attendance_table(text_of(client.get(f"/cases/{case_id}"))) == expected
    # Members see their own organisation's row only
    per_client = logged_in(app, per, fake_clock)
    assert attendance_table(text_of(per_client.get(f"/cases/{case_id}"))) == {
        orgs["police"].id: (4, 3, 75, 2)}
    kim_client = logged_in(app, kim, fake_clock)
    assert attendance_table(text_of(kim_client.get(f"/cases/{case_id}"))) == {
        orgs["school"].id: (3, 1, 33, 1)}
    # Kim was not invited to m6: to her it does not exist
    assert kim_client.get(meeting_url(case_id, m6)).status_code == 404
    assert per_client.get(meeting_url(case_id, m6)).status_code == 200

    # Computed from the policy's reading of the case, with no statement of its own
    from consent.policy import Reading, Relation
    from sig.meetings.models import Participant
    from sig.meetings.queries import attendance_by_organisation

    with app.app_context():
        owner = db.session.get(User, sara.id)
        case = db.session.get(Case, case_id)
        reading = Reading(owner, Relation.OWNER, case)
        meetings, parts = reading.items(Meeting), reading.items(Participant)
        names = {o.id: o.name for o in orgs.values()}
        statements: list[str] = []

        def count(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            rows = attendance_by_organisation(meetings, parts, names)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert statements == []
        assert {row.org_id: (row.meetings_held, row.represented, row.persons)
                for row in rows} == {k: (v[0], v[1], v[3]) for k, v in expected.items()}
        assert {row.org_id: round(row.rate, 4) for row in rows} == {
            orgs["social"].id: 1.0, orgs["police"].id: 0.75, orgs["school"].id: 0.3333}


# --- following up the plan at a meeting ----------------------------------------------------


def test_following_up_the_plan_records_changes_against_the_meeting(
        app, client, sara, per, kim, orgs, fake_clock):
    from sig.plans import operations as plan_operations

    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    with app.app_context():
        case = db.session.get(Case, case_id)
        owner = db.session.get(User, sara.id)
        goal = plan_operations.add_goal(owner, case, "school", "Går i skolan varje dag")
        police_action = plan_operations.add_action(
            owner, case, goal, what="Polisen håller samtal med ungdomen",
            responsible_org_id=orgs["police"].id)
        school_action = plan_operations.add_action(
            owner, case, goal, what="Skolan följer upp närvaron",
            responsible_org_id=orgs["school"].id)
        police_id, school_id = police_action.id, school_action.id
    per_client = logged_in(app, per, fake_clock)
    page = text_of(per_client.get(meeting_url(case_id, meeting_id)))
    assert f'id="follow-up-{police_id}"' in page and school_id not in page
    prefix = f"action-{police_id}-"
    token = csrf(per_client, meeting_url(case_id, meeting_id))
    response = per_client.post(
        meeting_url(case_id, meeting_id, "/protocol"),
        data={prefix + "status": "in_progress", prefix + "follow_up": "Första samtalet hållet",
              prefix + "version": "1", prefix + "csrf_token": token, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        assert db.session.get(Action, police_id).status == "in_progress"
        changes = list(db.session.scalars(select(Change).where(Change.item_id == police_id,
                                                               Change.meeting_id == meeting_id)))
        assert {c.field for c in changes} == {"status", "follow_up"}
    page = text_of(per_client.get(meeting_url(case_id, meeting_id)))
    assert re.search(r'<ul class="follow-ups"> <li>Polisen håller samtal', page)
    # Per cannot follow up the school's action: he does not see it, so the protocol's
    # fields for it are not his (ignored, as for an action that does not exist)
    response = per_client.post(
        meeting_url(case_id, meeting_id, "/protocol"),
        data={f"action-{school_id}-status": "done", f"action-{school_id}-version": "1",
              "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Action, school_id).status == "planned"


# --- need to know, CSRF, the access log -------------------------------------------------------


def test_fred_and_non_case_roles_get_404_on_every_meeting_url(
        app, client, sara, per, kim, fred, maria, ali, eva, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    write(client, case_id, meeting_id, "minutes", SOCIAL_MINUTES)
    with app.app_context():
        entry_id = db.session.scalar(select(MinutesEntry.id))
        participant_id = db.session.scalar(select(Participant.id))
    values = {"case_id": case_id, "meeting_id": meeting_id, "entry_id": entry_id,
              "action_id": participant_id}
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("meetings.")]
    assert {r.endpoint for r in rules} >= {
        "meetings.schedule", "meetings.show", "meetings.edit", "meetings.cancel",
        "meetings.add_participant", "meetings.add_external", "meetings.protocol",
        "meetings.sign_off", "meetings.print_protocol", "meetings.edit_minutes"}
    for person in (fred, maria, ali, eva):
        other = logged_in(app, person, fake_clock)
        token = csrf(other, "/account")
        for rule in rules:
            path = rule.build({a: values[a] for a in rule.arguments})[1]
            if "GET" in rule.methods:
                assert other.get(path).status_code == 404, (person.username, path)
            if "POST" in rule.methods:
                data = {"csrf_token": token, "text": "x", "category": "minutes",
                        f"attendance-{participant_id}": "present"}
                assert other.post(path, data=data).status_code == 404, (person.username, path)
    # Fred's attempts are logged as denied, and nothing changed
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry).where(
            AuditEntry.actor_user_id == fred.id, AuditEntry.event == "access_denied")).all()
        assert len(denied) >= len(rules)
        assert db.session.scalar(select(Participant.attendance).where(
            Participant.id == participant_id)) is None
        assert len(db.session.scalars(select(MinutesEntry)).all()) == 1
    # A wrong meeting id answers like an unseen one
    assert client.get(meeting_url(case_id, "0" * 36)).status_code == 404


def test_post_without_csrf_token_is_rejected(app, client, sara, per, kim, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    rows = participants(app, meeting_id)
    assert client.post(meeting_url(case_id, meeting_id, "/protocol"),
                       data={f"attendance-{rows[per.id].id}": "present"}).status_code == 400
    assert client.post(meeting_url(case_id, meeting_id, "/protocol"),
                       data={"category": "minutes", "text": "x"}).status_code == 400
    assert client.post(f"/cases/{case_id}/meetings/new",
                       data={"starts_at": local(fake_clock.current)}).status_code == 400
    assert client.post(meeting_url(case_id, meeting_id, "/participants/external"),
                       data={"external_role": "youth", "external_name": "X"}).status_code == 400
    assert participants(app, meeting_id)[per.id].attendance is None
    with app.app_context():
        assert db.session.scalar(select(MinutesEntry.id)) is None
        assert len(db.session.scalars(select(Meeting)).all()) == 1


def test_the_access_log_has_ids_and_counts_never_names_or_text(
        app, client, sara, per, kim, pia, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    meeting_id = schedule(client, case_id, fake_clock.current - dt.timedelta(hours=1))
    add_person(client, case_id, meeting_id, pia)
    add_external(client, case_id, meeting_id, "youth", YOUTH_NAME)
    add_external(client, case_id, meeting_id, "guardian", GUARDIAN_NAME)
    rows = participants(app, meeting_id)
    mark(client, case_id, meeting_id, {rows[per.id].id: "present",
                                       rows[f"youth:{YOUTH_NAME}"].id: "present"})
    write(client, case_id, meeting_id, "social_assessment", SOCIAL_ASSESSMENT)
    per_client = logged_in(app, per, fake_clock)
    per_client.get(meeting_url(case_id, meeting_id))
    with app.app_context():
        log = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    by_event: dict[str, list[dict]] = {}
    for entry in log:
        by_event.setdefault(entry.event, []).append(json.loads(entry.details))
        for secret in (YOUTH_NAME, GUARDIAN_NAME, "Kalle", "Anna", PLACE, AGENDA,
                       SOCIAL_ASSESSMENT, "Pia Testsson", "Per Testsson"):
            assert secret not in entry.details, (entry.event, secret)
    assert by_event["meeting_scheduled"] == [{"meeting": meeting_id, "invited": 3}]
    assert [d["kind"] for d in by_event["participant_added"]] == ["user", "external",
                                                                   "external"]
    assert by_event["participant_added"][0]["stand_in"] is True
    assert by_event["attendance_recorded"][0]["counts"] == {"present": 2}
    assert by_event["minutes_written"][0]["category"] == "social_assessment"
    viewed = by_event["meeting_viewed"][-1]
    assert viewed["meeting"] == meeting_id and viewed["participants"] == 2
    assert "social_assessment" in viewed["withheld"]
