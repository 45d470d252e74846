"""No consequential choice has a default: a new account's organisation and role, an
organisation's type, who consented and how, a case's close reason, what a minutes
entry is about — each list starts at "— välj —", the field says nothing is chosen in
advance, and saving without choosing says what to choose and keeps what was typed.
Deactivating an account asks first."""
from __future__ import annotations

import re

from sqlalchemy import select

from auth.models import Organisation, User
from kernel.db import db
from sig.cases.models import Case
from sig.meetings.models import Meeting, MinutesEntry
from tests.case_helpers import add_member, open_case, register_youth, text_of
from tests.helpers import login, post

CHOOSE = "— välj —"
NO_DEFAULT = "Inget är förvalt: välj ett alternativ."


def _selected(page: str, field_id: str) -> str:
    """The value of the option chosen in the select ``field_id`` ("" when none is)."""
    select_html = re.search(rf'<select[^>]*id="{field_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select_html, field_id
    chosen = re.search(r'<option selected value="([^"]*)"', select_html.group(1))
    return chosen.group(1) if chosen else ""


def test_a_new_account_has_no_organisation_or_role_until_chosen(app, client, ali, orgs):
    login(client, ali)
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert _selected(page, "organisation_id") == "" and _selected(page, "role") == ""
    assert CHOOSE in page and NO_DEFAULT in page
    response = post(client, "/admin/users/new", {"username": "nora.lund",
                                                 "display_name": "Nora Lund"},
                    page="/admin/users/new")
    text = text_of(response)
    assert response.status_code == 200
    assert "Välj organisation." in text and "Välj roll." in text
    assert 'value="nora.lund"' in response.get_data(as_text=True) and "Nora Lund" in text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "nora.lund")) is None
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert _selected(page, "kind") == ""
    refused = post(client, "/admin/organisations", {"name": "Fritidsgården Syd"},
                   page="/admin/organisations")
    assert "Välj typ av organisation." in text_of(refused)
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(
            Organisation.name == "Fritidsgården Syd")) is None


def test_deactivating_an_account_asks_first(app, client, ali, lo):
    login(client, ali)
    page = client.get(f"/admin/users/{lo.id}").get_data(as_text=True)
    assert f'action="/admin/users/{lo.id}/deactivate"' not in page  # no one-click deactivate
    confirm = client.get(f"/admin/users/{lo.id}/deactivation")
    assert confirm.status_code == 200
    assert "Inaktivera kontot lo?" in text_of(confirm)
    with app.app_context():
        assert db.session.get(User, lo.id).active  # asking changed nothing
    post(client, f"/admin/users/{lo.id}/deactivate", page=f"/admin/users/{lo.id}/deactivation")
    with app.app_context():
        assert not db.session.get(User, lo.id).active


def test_nobody_is_ticked_as_consenting_and_no_method_is_assumed(app, client, sara,
                                                                fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    page = client.get(f"/cases/{case_id}/consents/new").get_data(as_text=True)
    assert 'name="youth"' in page and not re.search(r'name="youth"[^>]*checked', page)
    assert not re.search(r'name="guardians"[^>]*checked', page)
    assert _selected(page, "method") == ""


def test_closing_needs_a_chosen_reason(app, client, sara, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert _selected(page, "reason") == ""
    response = post(client, f"/cases/{case_id}/close",
                    {"closed_on": fake_clock.current.date().isoformat()},
                    page=f"/cases/{case_id}")
    assert "Välj skäl för avslut." in text_of(response)
    with app.app_context():
        assert db.session.get(Case, case_id).status != "closed"


def test_only_the_owner_is_offered_to_close_the_case(app, client, sara, per, fred,
                                                  fake_clock):
    """The close form is the owner's: a member's page has none; Fred gets no page."""
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per)
    closing = f'action="/cases/{case_id}/close"'
    assert closing in client.get(f"/cases/{case_id}").get_data(as_text=True)
    member = app.test_client()
    login(member, per, fake_clock=fake_clock)
    page = member.get(f"/cases/{case_id}")
    assert page.status_code == 200 and closing not in page.get_data(as_text=True)
    curious = app.test_client()
    login(curious, fred, fake_clock=fake_clock)
    assert curious.get(f"/cases/{case_id}").status_code == 404


def test_a_minutes_entry_needs_a_chosen_subject_and_keeps_the_text(app, client, sara,
                                                                   fake_clock):
    from tests.test_consents import schedule_and_write

    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, "Första anteckningen")
    url = f"/cases/{case_id}/meetings/{meeting_id}"
    assert _selected(client.get(url).get_data(as_text=True), "category") == ""
    response = post(client, url + "/protocol", {"text": "Familjen berättar om sommaren"},
                    page=url)
    assert "Välj vad anteckningen handlar om." in text_of(response)
    assert "Familjen berättar om sommaren" in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(MinutesEntry.id).where(
            MinutesEntry.meeting_id == meeting_id,
            MinutesEntry.created_at.is_not(None)).limit(2).offset(1)) is None
        assert db.session.get(Meeting, meeting_id) is not None
