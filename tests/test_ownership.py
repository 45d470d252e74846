"""Handover, deputies, the unit manager's list, and closing with confirmation and undo —
through the pages, with Fred trying every door."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select, update

from auth.models import User
from auth.roles import Role
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case, Deputy, Handover, Membership
from tests.case_helpers import add_member, open_case, register_youth, text_of, valid_pnr
from tests.helpers import login, post
from tests.test_meetings import schedule

YOUTH = "Ebba Ägarbytesson"


@pytest.fixture
def sam(make_user):
    """Sara's colleague: another case owner of the same social services."""
    return make_user("sam", "social", Role.CASE_OWNER, name="Sam Kollega")


@pytest.fixture
def case_id(app, client, sara, per, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case = open_case(client, register_youth(client, name=YOUTH))
    add_member(client, case, per, function="kommunpolis")
    return case


def _client(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


def _entries(app, event: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.event == event)
                                       .order_by(AuditEntry.seq)))


def _name_deputy(client, case_id, user, start: dt.date, end: dt.date):
    return post(client, f"/cases/{case_id}/ownership/deputies",
                {"user_id": user.id, "from_date": start.isoformat(),
                 "to_date": end.isoformat()}, page=f"/cases/{case_id}/ownership")


def test_a_deputy_has_the_owners_rights_in_her_period_logged_as_deputy(
        app, client, case_id, sara, sam, fred, fake_clock):
    today = fake_clock.current.date()
    response = _name_deputy(client, case_id, sam, today, today + dt.timedelta(days=7))
    assert response.status_code == 302
    assert "Sam Kollega" in text_of(client.get(f"/cases/{case_id}"))

    deputy = _client(app, sam, fake_clock)
    start = text_of(deputy.get("/start"))
    assert "du är ersättare för ägaren" in start
    page = text_of(deputy.get(f"/cases/{case_id}"))
    assert YOUTH in page and "Du är ersättare för ärendeägaren" in page
    # she does the owner's work: a meeting, the consents page
    schedule(deputy, case_id, fake_clock.current + dt.timedelta(days=3))
    assert deputy.get(f"/cases/{case_id}/consents/new").status_code == 200
    scheduled = _entries(app, "meeting_scheduled")[-1]
    assert scheduled.actor_user_id == sam.id and json.loads(scheduled.details)["as"] == "deputy"
    # ... but neither hands the case over nor names deputies
    assert deputy.get(f"/cases/{case_id}/ownership").status_code == 403
    refused = _entries(app, "access_denied")[-1]
    assert json.loads(refused.details)["reason"] == "deputy_may_not"
    # Fred, Sara's colleagues outside the period: nothing
    fred_client = _client(app, fred, fake_clock)
    assert fred_client.get(f"/cases/{case_id}").status_code == 404
    assert fred_client.get(f"/cases/{case_id}/ownership").status_code == 404
    assert YOUTH not in text_of(fred_client.get("/start"))
    fake_clock.advance(days=8)
    deputy = _client(app, sam, fake_clock)
    assert deputy.get(f"/cases/{case_id}").status_code == 404
    assert YOUTH not in text_of(deputy.get("/cases"))


def test_a_deputy_period_in_the_future_gives_nothing_yet_and_ending_it_takes_it_back(
        app, client, case_id, sara, sam, fake_clock):
    today = fake_clock.current.date()
    _name_deputy(client, case_id, sam, today + dt.timedelta(days=2), today + dt.timedelta(days=9))
    deputy = _client(app, sam, fake_clock)
    assert deputy.get(f"/cases/{case_id}").status_code == 404
    fake_clock.advance(days=2)
    deputy = _client(app, sam, fake_clock)
    assert deputy.get(f"/cases/{case_id}").status_code == 200
    with app.app_context():
        deputy_id = db.session.scalar(select(Deputy.id))
    client = _client(app, sara, fake_clock)
    post(client, f"/cases/{case_id}/ownership/deputies/{deputy_id}/end",
         page=f"/cases/{case_id}/ownership")
    assert deputy.get(f"/cases/{case_id}").status_code == 404


@pytest.mark.parametrize("body, message", [
    ({"user_id": ""}, "Välj ersättare."),
    ({"to_date": "2020-01-01"}, "Slutdatumet är före startdatumet."),
    ({"from_date": "2020-01-01", "to_date": "2020-02-01"}, "Perioden är redan slut."),
])
def test_naming_a_deputy_says_what_is_wrong_and_keeps_the_form(
        app, client, case_id, sam, fake_clock, body, message):
    today = fake_clock.current.date().isoformat()
    data = {"user_id": sam.id, "from_date": today, "to_date": today, **body}
    response = post(client, f"/cases/{case_id}/ownership/deputies", data,
                    page=f"/cases/{case_id}/ownership")
    assert response.status_code == 400
    assert message in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(Deputy.id)) is None


def test_only_a_case_owner_of_the_organisation_can_be_deputy_or_take_over(
        app, client, case_id, per, maria, fake_clock):
    today = fake_clock.current.date()
    for person in (per, maria):  # a police member; the manager (not a case owner)
        response = _name_deputy(client, case_id, person, today, today)
        assert response.status_code == 400
        response = post(client, f"/cases/{case_id}/ownership/offer", {"to_user": person.id},
                        page=f"/cases/{case_id}/ownership")
        assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Handover.id)) is None


def test_a_handover_changes_hands_when_accepted_and_the_history_shows_who_owned_it(
        app, client, case_id, sara, sam, per, fred, fake_clock):
    offered = post(client, f"/cases/{case_id}/ownership/offer", {"to_user": sam.id},
                   page=f"/cases/{case_id}/ownership")
    assert offered.status_code == 302
    # a second click offers nothing more
    again = post(client, f"/cases/{case_id}/ownership/offer", {"to_user": sam.id},
                 page=f"/cases/{case_id}/ownership")
    assert again.status_code == 302
    assert "redan erbjudet" in text_of(client.get(again.location))
    with app.app_context():
        handover_id = db.session.scalar(select(Handover.id))

    sam_client = _client(app, sam, fake_clock)
    assert "Ärenden som erbjuds dig" in text_of(sam_client.get("/start"))
    offers = text_of(sam_client.get("/handovers"))
    assert "SIG-" + case_id[:8].upper() in offers and YOUTH not in offers
    assert sam_client.get(f"/cases/{case_id}").status_code == 404  # not hers yet
    # Fred and Per may not answer it (not case owners), nor learn of it
    for other in (fred, per):
        other_client = _client(app, other, fake_clock)
        assert post(other_client, f"/handovers/{handover_id}/accept").status_code == 403
    accepted = post(sam_client, f"/handovers/{handover_id}/accept", page="/handovers")
    assert accepted.status_code == 302 and accepted.location.endswith(f"/cases/{case_id}")
    again = post(sam_client, f"/handovers/{handover_id}/accept", page="/handovers")
    assert again.status_code == 302  # "already answered", no error
    with app.app_context():
        assert db.session.get(Case, case_id).owner_id == sam.id
    page = text_of(sam_client.get(f"/cases/{case_id}"))
    assert YOUTH in page and "Sam Kollega" in page
    history = text_of(sam_client.get(f"/cases/{case_id}/ownership"))
    assert "Sara Testsson" in history and "Sam Kollega" in history
    # Sara no longer owns it: nothing of it is hers to read
    assert _client(app, sara, fake_clock).get(f"/cases/{case_id}").status_code == 404
    # the police member stays in the group
    assert _client(app, per, fake_clock).get(f"/cases/{case_id}").status_code == 200
    assert _entries(app, "case_handover_accepted")


def test_accepting_ends_the_deputies_and_the_new_owners_membership(
        app, client, case_id, sara, sam, fake_clock):
    add_member(client, case_id, sam, function="kollega")
    today = fake_clock.current.date()
    with app.app_context():
        db.session.add(Deputy(case_id=case_id, user_id=sam.id, from_date=today,
                              to_date=today, named_by_id=sara.id))
        db.session.commit()
    post(client, f"/cases/{case_id}/ownership/offer", {"to_user": sam.id},
         page=f"/cases/{case_id}/ownership")
    with app.app_context():
        handover_id = db.session.scalar(select(Handover.id))
    sam_client = _client(app, sam, fake_clock)
    post(sam_client, f"/handovers/{handover_id}/accept", page="/handovers")
    with app.app_context():
        assert db.session.scalar(select(Deputy.ended_at)) is not None
        assert db.session.scalar(select(Membership.removed_at).where(
            Membership.user_id == sam.id)) is not None


def test_closing_withdraws_an_open_offer_and_undoing_the_closing_renews_it(
        app, client, case_id, sara, sam, fred, fake_clock):
    """A closed case cannot change hands: the offer leaves Sam's list when the case is
    closed (it could only be refused), and comes back if Sara undoes the closing."""
    post(client, f"/cases/{case_id}/ownership/offer", {"to_user": sam.id},
         page=f"/cases/{case_id}/ownership")
    sam_client = _client(app, sam, fake_clock)
    reference = "SIG-" + case_id[:8].upper()
    assert reference in text_of(sam_client.get("/handovers"))
    _close(client, case_id, fake_clock.current.date().isoformat(), confirmed=True)
    assert reference not in text_of(sam_client.get("/handovers"))
    assert "Ärenden som erbjuds dig" not in text_of(sam_client.get("/start"))
    with app.app_context():
        offer = db.session.scalar(select(Handover))
        assert offer.state == "withdrawn"
        closed = db.session.get(Case, case_id)
        assert offer.decided_at == closed.closed_at
    assert "Sam Kollega" not in text_of(client.get(f"/cases/{case_id}"))
    withdrawn = _entries(app, "case_handover_withdrawn")[-1]
    assert withdrawn.actor_user_id == sara.id
    assert json.loads(withdrawn.details)["reason"] == "case_closed"
    post(client, f"/cases/{case_id}/reopen", page=f"/cases/{case_id}")
    assert reference in text_of(sam_client.get("/handovers"))
    with app.app_context():
        assert db.session.scalar(select(Handover.state)) == "pending"
    # Fred learns nothing along the way
    assert _client(app, fred, fake_clock).get(f"/cases/{case_id}/ownership").status_code == 404


def test_a_declined_or_withdrawn_offer_leaves_the_case_with_its_owner(
        app, client, case_id, sara, sam, fake_clock):
    post(client, f"/cases/{case_id}/ownership/offer", {"to_user": sam.id},
         page=f"/cases/{case_id}/ownership")
    with app.app_context():
        first = db.session.scalar(select(Handover.id))
    sam_client = _client(app, sam, fake_clock)
    post(sam_client, f"/handovers/{first}/decline", page="/handovers")
    assert "Erbjud ärendet" in text_of(client.get(f"/cases/{case_id}/ownership"))
    post(client, f"/cases/{case_id}/ownership/offer", {"to_user": sam.id},
         page=f"/cases/{case_id}/ownership")
    with app.app_context():
        second = db.session.scalar(select(Handover.id).where(Handover.state == "pending"))
    post(client, f"/cases/{case_id}/ownership/offers/{second}/withdraw",
         page=f"/cases/{case_id}/ownership")
    accepted = post(sam_client, f"/handovers/{second}/accept", page="/handovers")
    assert accepted.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).owner_id == sara.id
        states = sorted(db.session.scalars(select(Handover.state)))
    assert states == ["declined", "withdrawn"]


def test_the_unit_manager_reassigns_a_gone_owners_case_without_seeing_it(
        app, client, case_id, sara, sam, maria, ali, fred, fake_clock):
    admin = _client(app, ali, fake_clock)
    post(admin, f"/admin/users/{sara.id}/deactivate", page="/admin/users")
    manager = _client(app, maria, fake_clock)
    page = text_of(manager.get("/reassign"))
    reference = "SIG-" + case_id[:8].upper()
    assert reference in page and "1 öppna ärenden har ägare som" in page
    assert YOUTH not in page and "Orosanmälan" not in page
    assert manager.get(f"/cases/{case_id}").status_code == 404
    response = post(manager, f"/reassign/{case_id}", {"to_user": sam.id},
                    page="/reassign")
    assert response.status_code == 302
    offered = _entries(app, "case_handover_offered")[-1]
    assert json.loads(offered.details)["by_manager"] is True
    # Fred is refused by his role, and learns nothing
    fred_client = _client(app, fred, fake_clock)
    assert fred_client.get("/reassign").status_code == 403
    assert post(fred_client, f"/reassign/{case_id}", {}).status_code == 403
    with app.app_context():
        handover_id = db.session.scalar(select(Handover.id))
    post(_client(app, sam, fake_clock), f"/handovers/{handover_id}/accept", page="/handovers")
    with app.app_context():
        assert db.session.get(Case, case_id).owner_id == sam.id
    assert "Inget öppet ärende har en ägare" in text_of(manager.get("/reassign"))


def test_a_manager_of_another_organisation_cannot_reassign(app, make_user, case_id, sam,
                                                          fake_clock):
    other = make_user("moa", "school", Role.MANAGER)
    client = _client(app, other, fake_clock)
    assert "SIG-" + case_id[:8].upper() not in text_of(client.get("/reassign"))
    assert post(client, f"/reassign/{case_id}", {"to_user": sam.id},
                page="/reassign").status_code == 404


# --- closing: confirmation, undo, a new episode ---------------------------------------------


def _close(client, case_id, day: str, confirmed: bool):
    data = {"reason": "completed", "closed_on": day}
    if confirmed:
        data["confirmed"] = "yes"
    return post(client, f"/cases/{case_id}/close", data, page=f"/cases/{case_id}")


def test_closing_asks_for_confirmation_and_can_be_undone_within_the_period(
        app, client, case_id, fake_clock):
    today = fake_clock.current.date().isoformat()
    asked = _close(client, case_id, today, confirmed=False)
    assert asked.status_code == 200 and "Ja, avsluta ärendet" in text_of(asked)
    assert "kommande möten ställs in" in text_of(asked)  # she is told what closing does
    with app.app_context():
        assert db.session.get(Case, case_id).status == "referred"
    assert _close(client, case_id, today, confirmed=True).status_code == 302
    page = text_of(client.get(f"/cases/{case_id}"))
    assert "Ångra avslutet" in page
    fake_clock.advance(days=29)
    client = _client(app, db_user(app, "sara"), fake_clock)
    post(client, f"/cases/{case_id}/reopen", page=f"/cases/{case_id}")
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == "referred" and case.closed_on is None and case.closed_at is None
    assert _entries(app, "case_reopened")


def test_after_the_period_the_closing_stays_and_a_new_episode_is_opened(
        app, client, case_id, fake_clock):
    _close(client, case_id, fake_clock.current.date().isoformat(), confirmed=True)
    fake_clock.advance(days=31)
    client = _client(app, db_user(app, "sara"), fake_clock)
    assert "Ångra avslutet" not in text_of(client.get(f"/cases/{case_id}"))
    post(client, f"/cases/{case_id}/reopen", page=f"/cases/{case_id}")
    assert "kan inte längre ångras" in text_of(client.get(f"/cases/{case_id}"))
    with app.app_context():
        assert db.session.get(Case, case_id).status == "closed"


def test_undo_is_refused_when_the_youth_has_another_open_case(app, client, sara, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    youth = register_youth(client, name="Nils Nyepisod", pnr=valid_pnr("20110505", "321"))
    first = open_case(client, youth)
    _close(client, first, fake_clock.current.date().isoformat(), confirmed=True)
    open_case(client, youth)
    post(client, f"/cases/{first}/reopen", page=f"/cases/{first}")
    assert "redan ett öppet ärende" in text_of(client.get(f"/cases/{first}"))
    with app.app_context():
        assert db.session.get(Case, first).status == "closed"


@pytest.mark.parametrize("day, message", [
    ("2026-01-01", "Slutdatumet är före aktualiseringsdatumet."),
    ("2999-01-01", "framtiden"),
])
def test_closing_refuses_a_date_before_the_referral_or_in_the_future(
        app, client, case_id, day, message):
    for confirmed in (False, True):
        response = _close(client, case_id, day, confirmed=confirmed)
        assert message in text_of(response)
    with app.app_context():
        assert db.session.get(Case, case_id).status == "referred"


def db_user(app, username: str):
    from auth.models import User
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def test_the_unit_manager_pages_through_the_open_cases_and_picks_an_owner(
        app, sara, sam, maria, fred, orgs, make_user, fake_clock):
    """A municipality has thousands of open cases: the page shows fifty at a time (the
    cases of owners who are gone first), lists the owners with their counts to pick one,
    and reads as many statements for 55 cases as for 5; a refused offer shows that case
    with its message, whichever page it was on."""
    from tests.test_policy_table import add_case, born
    from tests.test_sql_flat import statements_for

    people = {"sara": sara, "sam": sam}
    today = fake_clock.current.date()
    with app.app_context():
        for n in range(5):
            add_case(people, orgs, born(15, today), 1, members=(),
                     owner="sam" if n < 2 else "sara")
        db.session.commit()
    manager = _client(app, maria, fake_clock)
    few = statements_for(app, manager, "/reassign")
    with app.app_context():
        for _ in range(50):
            add_case(people, orgs, born(15, today), 1, members=())
        db.session.execute(update(User).where(User.id == sam.id).values(active=False))
        db.session.commit()
        sams = set(db.session.scalars(select(Case.id).where(Case.owner_id == sam.id)))
    assert statements_for(app, manager, "/reassign") == few
    page = manager.get("/reassign").get_data(as_text=True)
    rows = re.findall(r"<td>(SIG-[0-9A-F]{8})</td>", page)
    assert len(rows) == 50 and "Sida 1 av 2" in page
    assert {r for r in rows[:2]} == {"SIG-" + c[:8].upper() for c in sams}  # gone first
    assert "2 öppna ärenden har ägare som" in text_of(manager.get("/reassign"))
    # one picker of colleagues for the page, not one per case
    assert page.count('name="to_user"') == 1
    assert page.count('form="offer"') == 50
    assert len(re.findall(r"<td>SIG-", manager.get("/reassign?page=2").get_data(
        as_text=True))) == 5
    assert "Sam Kollega (slutat): 2 öppna ärenden" in page
    only_sam = manager.get(f"/reassign?owner={sam.id}").get_data(as_text=True)
    assert len(re.findall(r"<td>SIG-", only_sam)) == 2
    # an owner who is not one of the organisation's is no filter
    assert len(re.findall(r"<td>SIG-", manager.get(f"/reassign?owner={fred.id}").get_data(
        as_text=True))) == 50
    # an offer refused on the second page: that case, with what to do
    with app.app_context():
        last = db.session.scalar(select(Case.id).where(Case.owner_id == sara.id)
                                 .order_by(Case.referral_date.desc(), Case.id.desc()))
    refused = post(manager, f"/reassign/{last}", {"to_user": ""},
                   page="/reassign?page=2")
    assert refused.status_code == 400
    body = text_of(refused)
    assert "SIG-" + last[:8].upper() in body and "Tillbaka till alla öppna ärenden" in body
    assert len(re.findall(r"<td>SIG-", refused.get_data(as_text=True))) == 1
    # the page's picker lists the case's own owner too: choosing her is told why not
    mine = post(manager, f"/reassign/{last}", {"to_user": sara.id}, page="/reassign")
    assert mine.status_code == 400 and "Den personen äger redan ärendet" in text_of(mine)
    # an offer made from the second page returns there, with the colleague still chosen
    colleague = make_user("sol", "social", Role.CASE_OWNER, name="Sol Kollega")
    made = post(manager, f"/reassign/{last}?page=2", {"to_user": colleague.id},
                page="/reassign?page=2")
    assert made.status_code == 302
    assert "page=2" in made.location and f"to={colleague.id}" in made.location
    back = manager.get(made.location).get_data(as_text=True)
    assert "Sida 2 av 2" in back and "Erbjudet Sol Kollega" in back
    assert re.search(rf'<option (selected )?value="{colleague.id}"( selected)?>', back)
    assert "selected" in re.search(rf'<option[^>]*value="{colleague.id}"[^>]*>', back).group(0)
    assert _client(app, fred, fake_clock).get("/reassign").status_code == 403
