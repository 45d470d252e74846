"""Regression tests for the ten defects of the one-disclosure-path review (issue 9), each
through the pages a user would use, Fred included.  Worlds are built by direct inserts
(``tests.test_policy_table``'s builders); the pages are what is tested."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from auth.models import Organisation, User
from auth.roles import OrganisationKind, Role
from consent.categories import Category
from consent.models import ConsentGrant
from kernel import clock
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case, Membership
from sig.meetings.models import Participant
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Change, Goal
from sig.youths.models import Youth
from tests.case_helpers import text_of, valid_pnr
from tests.helpers import fill_rule, login, post
from tests.test_policy_table import (
    SPECS,
    add_case,
    add_consent,
    add_entry,
    add_meeting,
    born,
)
from tests.test_sharing import _cell, _flows

YOUTH_NAME = "Ung Testsson"
PI_GOAL = "Förundersökning: Kalle misstänks för rån"
POLICE_GOAL = "Kalle håller sig borta från brott"
SCHOOL_GOAL = "Kalle går i skolan varje dag"


@pytest.fixture
def users(personas):
    return personas


def client_of(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


def add_goal(users, orgs, case: Case, source: str, text: str, *, pre: bool = False) -> Goal:
    author = {"social": "sara", "police": "per", "school": "kim", "leisure": "lo"}[source]
    goal = Goal(case_id=case.id, life_area="criminality", origin_org_id=orgs[source].id,
                category=Category.COORDINATION.value, created_by_id=users[author].id,
                pre_investigation=pre)
    goal.description = text
    db.session.add(goal)
    return goal


def grant_only(case: Case, guardians, users, orgs, flows: list[tuple[str, str, str]]):
    """A valid consent of ``case`` that grants exactly ``flows`` (source, recipient, cat)."""
    consent = add_consent(users, orgs, case, guardians, SPECS["full"])
    db.session.flush()
    wanted = {(orgs[s].id, orgs[r].id, c) for s, r, c in flows}
    for grant in db.session.scalars(select(ConsentGrant).where(
            ConsentGrant.consent_id == consent.id)):
        if (grant.source_org_id, grant.recipient_org_id, grant.category) not in wanted:
            db.session.delete(grant)
    return consent


def main_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", html.split('<main id="main"', 1)[1].split("</main>", 1)[0])


# --- 1. view as shows only what the viewer may see too ------------------------------------------


def test_view_as_never_shows_the_owner_what_her_own_page_withholds(app, users, orgs,
                                                                    fake_clock):
    with app.app_context():
        case, _g = add_case(users, orgs, born(16, clock.now().date()), 1)
        add_goal(users, orgs, case, "police", POLICE_GOAL)
        add_goal(users, orgs, case, "police", PI_GOAL, pre=True)
        add_goal(users, orgs, case, "school", SCHOOL_GOAL)
        db.session.commit()
        case_id = case.id
    sara = client_of(app, users["sara"], fake_clock)
    own = main_of(sara.get(f"/cases/{case_id}"))
    assert POLICE_GOAL in own and PI_GOAL not in own and SCHOOL_GOAL not in own

    as_police = main_of(sara.get(f"/cases/{case_id}/view-as/{orgs['police'].id}"))
    assert POLICE_GOAL in as_police
    assert PI_GOAL not in as_police, "the police's own secret goal shown to the owner"
    assert "not_for_reader" not in as_police  # an internal code never reaches the page
    with app.test_request_context():
        from flask_babel import force_locale, ngettext

        with force_locale("sv"):
            told = ngettext(
                "%(num)d item from %(org)s (%(category)s) is shown to %(me)s but not to you, "
                "so it is not shown here either.",
                "%(num)d items from %(org)s (%(category)s) are shown to %(me)s but not to you, "
                "so they are not shown here either.", 1, org=orgs["police"].name,
                category="samordning", me=orgs["police"].name)
    assert told in as_police

    as_school = main_of(sara.get(f"/cases/{case_id}/view-as/{orgs['school'].id}"))
    assert SCHOOL_GOAL not in as_school, "the school's goal no consent covers"
    assert PI_GOAL not in as_school
    # Fred, outside the group, gets 404 on both
    fred = client_of(app, users["fred"], fake_clock)
    assert fred.get(f"/cases/{case_id}/view-as/{orgs['police'].id}").status_code == 404


# --- 2. the identity condition is correlated with the case at hand ------------------------------


def test_an_identity_consent_in_one_case_opens_no_other_youth(app, users, orgs, fake_clock):
    with app.app_context():
        today = clock.now().date()
        with_consent, guardians = add_case(users, orgs, born(16, today), 1)
        grant_only(with_consent, guardians, users, orgs, [("social", "police", "identity")])
        others = [add_case(users, orgs, born(15, today), 1)[0] for _ in range(3)]
        db.session.commit()
        ids = [with_consent.id] + [c.id for c in others]
    per = client_of(app, users["per"], fake_clock)
    assert YOUTH_NAME in main_of(per.get(f"/cases/{ids[0]}"))
    for case_id in ids[1:]:
        assert YOUTH_NAME not in main_of(per.get(f"/cases/{case_id}"))
        assert "Vårdnadshavare" not in main_of(per.get(f"/cases/{case_id}"))
    sara = client_of(app, users["sara"], fake_clock)
    for case_id in ids:
        page = sara.get(f"/cases/{case_id}/sharing")
        assert page.status_code == 200  # was PolicyError (500)
        cell = _cell(main_of(page), orgs["police"].id, "identity")
        verdicts = {verdict for _s, _n, verdict, _r in _flows(cell)}
        assert verdicts == ({"shown"} if case_id == ids[0] else {"withheld"})


# --- 3. the youth and guardians as participants are identity ------------------------------------


def test_a_youth_participant_is_shown_only_where_identity_is(app, users, orgs, fake_clock):
    with app.app_context():
        case, guardians = add_case(users, orgs, born(16, clock.now().date()), 1)
        case.youth.name = "Alva Berg"  # the register's names: participants are picked there
        guardians[0].name = "Bo Berg"
        grant_only(case, guardians, users, orgs, [("social", "police", "coordination")])
        meeting = add_meeting(users, orgs, case)
        db.session.commit()
        case_id, meeting_id, guardian_id = case.id, meeting.id, guardians[0].id
    sara = client_of(app, users["sara"], fake_clock)
    for name, role in (("", "youth"), ("", "guardian"), ("Eje Tolk", "other")):
        response = post(sara, f"/cases/{case_id}/meetings/{meeting_id}/participants/external",
                        {"external_name": name, "external_role": role,
                         "guardian_id": guardian_id if role == "guardian" else ""},
                        page=f"/cases/{case_id}/meetings/{meeting_id}")
        assert response.status_code == 302, text_of(response)[-1500:]
    with app.app_context():
        categories = {p.external_role: p.category for p in db.session.scalars(
            select(Participant).where(Participant.external_role.is_not(None)))}
    assert categories == {"youth": "identity", "guardian": "identity", "other": "coordination"}
    per = client_of(app, users["per"], fake_clock)
    page = main_of(per.get(f"/cases/{case_id}/meetings/{meeting_id}"))
    assert "Alva Berg" not in page and "Bo Berg" not in page
    assert "Eje Tolk" in page  # coordination, which the consent covers
    assert "Alva Berg" in main_of(sara.get(f"/cases/{case_id}/meetings/{meeting_id}"))


# --- 4. a membership does not follow a person to another organisation --------------------------


def test_a_member_moved_to_another_organisation_leaves_the_group(app, users, orgs, fake_clock):
    from auth.admin.operations import AdminError, change_role_and_organisation

    with app.app_context():
        case, _g = add_case(users, orgs, born(16, clock.now().date()), 1)
        add_goal(users, orgs, case, "social", "Socialtjänstens mål")
        db.session.commit()
        case_id = case.id
    with app.app_context():
        per = db.session.get(User, users["per"].id)
        change_role_and_organisation(per, Role.MEMBER.value, orgs["social"].id)
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(
            Membership.user_id == users["per"].id))
        assert membership.removed_at is not None
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.event == "member_removed", AuditEntry.target_ref == case_id))
        assert entry is not None and "moved_organisation" in entry.details
    per_client = client_of(app, users["per"], fake_clock)
    assert per_client.get(f"/cases/{case_id}").status_code == 404
    assert "Socialtjänstens mål" not in per_client.get("/cases").get_data(as_text=True)
    # bound by construction too: a membership granted for another organisation opens nothing
    with app.app_context():
        kim = db.session.get(User, users["kim"].id)
        kim.organisation_id = orgs["leisure"].id  # moved behind the operation's back
        db.session.commit()
    assert client_of(app, users["kim"], fake_clock).get(f"/cases/{case_id}").status_code == 404
    # an owner of an open case is not moved (the case would have no owner)
    with app.app_context():
        sara = db.session.get(User, users["sara"].id)
        with pytest.raises(AdminError):
            change_role_and_organisation(sara, Role.CASE_OWNER.value, orgs["police"].id)
        assert db.session.get(User, users["sara"].id).organisation_id == orgs["social"].id
    assert client_of(app, users["fred"], fake_clock).get(f"/cases/{case_id}").status_code == 404


def test_the_admin_page_says_why_an_owner_is_not_moved(app, users, orgs, fake_clock):
    with app.app_context():
        add_case(users, orgs, born(16, clock.now().date()), 1)
        db.session.commit()
    ali = client_of(app, users["ali"], fake_clock)
    url = f"/admin/users/{users['sara'].id}"
    response = post(ali, url + "/role", {"role": "case_owner",
                                         "organisation_id": orgs["police"].id}, page=url)
    assert response.status_code == 400
    assert "lämna över" in text_of(response)
    with app.app_context():
        assert db.session.get(User, users["sara"].id).organisation_id == orgs["social"].id


# --- 5. an identity consent does not cross cases -----------------------------------------------


def test_a_consent_of_a_closed_case_opens_nothing_in_the_next(app, users, orgs, fake_clock):
    with app.app_context():
        # Per was not in the old case's group: only its consent could tell him who it is.
        old, guardians = add_case(users, orgs, born(16, clock.now().date()), 1, members=())
        grant_only(old, guardians, users, orgs, [("social", "police", "identity")])
        old.status, old.closed_on, old.close_reason = "closed", clock.now().date(), "completed"
        db.session.flush()
        new = Case(youth_id=old.youth_id, owner_id=users["sara"].id, status="active",
                   referral_source="police", referral_date=clock.now().date(),
                   origin_org_id=orgs["social"].id, category="coordination",
                   created_by_id=users["sara"].id)
        db.session.add(new)
        db.session.flush()
        db.session.add(Membership(case_id=new.id, user_id=users["per"].id,
                                  member_org_id=orgs["police"].id, function="kontaktpolis",
                                  from_date=clock.now().date(), origin_org_id=orgs["social"].id,
                                  category="coordination", created_by_id=users["sara"].id))
        db.session.commit()
        new_id = new.id
    per = client_of(app, users["per"], fake_clock)
    page = main_of(per.get(f"/cases/{new_id}"))
    assert YOUTH_NAME not in page and "Vårdnadshavare" not in page
    listing = main_of(per.get("/cases"))
    assert YOUTH_NAME not in listing


# --- 6. the sharing overview counts outcome events ---------------------------------------------


def test_the_sharing_overview_counts_outcome_events(app, users, orgs, fake_clock):
    with app.app_context():
        case, _g = add_case(users, orgs, born(16, clock.now().date()), 1)
        event = OutcomeEvent(case_id=case.id, kind="police_report",
                             occurred_on=clock.now().date(), source_org_id=orgs["police"].id,
                             origin_org_id=orgs["police"].id, category="police_information",
                             created_by_id=users["per"].id)
        db.session.add(event)
        db.session.commit()
        case_id = case.id
    sara = client_of(app, users["sara"], fake_clock)
    page = main_of(sara.get(f"/cases/{case_id}/sharing"))
    school = _flows(_cell(page, orgs["school"].id, "police_information"))
    assert (orgs["police"].id, "1", "withheld", "no_consent") in school
    social = _flows(_cell(page, orgs["social"].id, "police_information"))
    assert (orgs["police"].id, "1", "shown", "statutory") in social


# --- 7. the case list names the youth exactly where the case page does -------------------------


def test_the_case_list_and_the_case_page_agree_on_identity(app, users, orgs, fake_clock):
    with app.app_context():
        today = clock.now().date()
        named, guardians = add_case(users, orgs, born(16, today), 1)
        grant_only(named, guardians, users, orgs, [("social", "police", "identity")])
        unnamed, _g = add_case(users, orgs, born(16, today), 1)
        db.session.commit()
        ids = {named.id: True, unnamed.id: False}
    per = client_of(app, users["per"], fake_clock)
    listing = main_of(per.get("/cases"))
    rows = re.findall(r"<tr>.*?</tr>", listing)
    for case_id, shown in ids.items():
        row = next(r for r in rows if case_id in r)
        assert (YOUTH_NAME in row) is shown
        assert (YOUTH_NAME in main_of(per.get(f"/cases/{case_id}"))) is shown
    assert YOUTH_NAME not in main_of(client_of(app, users["fred"], fake_clock).get("/cases"))


# --- 8. a withheld notice does not reveal a preliminary investigation --------------------------


def test_only_a_police_reader_learns_that_material_is_pre_investigation(app, users, orgs,
                                                                         make_user, fake_clock):
    with app.app_context():
        other_police = Organisation(name="Polisen Grannområde", kind=OrganisationKind.POLICE)
        db.session.add(other_police)
        db.session.commit()
        orgs["police2"] = other_police
    ove = make_user("ove", "police2", Role.MEMBER)
    with app.app_context():
        case, _g = add_case(users, orgs, born(16, clock.now().date()), 1)
        add_goal(users, orgs, case, "police", PI_GOAL, pre=True)
        db.session.add(Membership(case_id=case.id, user_id=ove.id,
                                  member_org_id=other_police.id, function="utredare",
                                  from_date=clock.now().date(), origin_org_id=orgs["social"].id,
                                  category="coordination", created_by_id=users["sara"].id))
        db.session.commit()
        case_id = case.id
    for name in ("kim", "lo", "sara"):
        page = main_of(client_of(app, users[name], fake_clock).get(f"/cases/{case_id}"))
        assert PI_GOAL not in page
        assert "förundersökning" not in page.lower(), name
    sara = client_of(app, users["sara"], fake_clock)
    overview = main_of(sara.get(f"/cases/{case_id}/sharing"))
    assert "förundersökning" not in overview.lower()
    assert "pre_investigation" not in overview
    page = main_of(client_of(app, ove, fake_clock).get(f"/cases/{case_id}"))
    assert PI_GOAL not in page and "förundersökningsmaterial delas inte" in page
    assert client_of(app, users["fred"], fake_clock).get(f"/cases/{case_id}").status_code == 404


# --- 9. the history of pre-investigation minutes keeps the flag --------------------------------


def test_minutes_history_keeps_the_pre_investigation_flag(app, users, orgs, fake_clock):
    with app.app_context():
        case, _g = add_case(users, orgs, born(16, clock.now().date()), 1)
        meeting = add_meeting(users, orgs, case)
        entry = add_entry(users, orgs, case, meeting, "police", "police_information", pre=True,
                          text="Förhör hölls den 3 mars")
        db.session.commit()
        case_id, meeting_id, entry_id, version = case.id, meeting.id, entry.id, entry.version
    per = client_of(app, users["per"], fake_clock)
    url = f"/cases/{case_id}/meetings/{meeting_id}/minutes/{entry_id}/edit"
    response = post(per, url, {"category": "police_information", "version": str(version),
                               "text": "Förhör hölls den 4 mars"},
                    page=url)
    assert response.status_code == 302, text_of(response)[-1500:]
    with app.app_context():
        changes = list(db.session.scalars(select(Change).where(Change.item_id == entry_id)))
        assert changes and all(c.pre_investigation for c in changes)
    sara = main_of(client_of(app, users["sara"], fake_clock).get(
        f"/cases/{case_id}/meetings/{meeting_id}"))
    assert "Förhör" not in sara


# --- 10. the youth register is need to know ----------------------------------------------------


def test_a_case_owner_outside_the_case_learns_no_details_from_the_register(
        app, users, orgs, make_user, fake_clock):
    sam = make_user("sam", "social", Role.CASE_OWNER)
    pnr = valid_pnr("20100315", "123")
    sara = client_of(app, users["sara"], fake_clock)
    from tests.case_helpers import open_case, register_youth

    youth_id = register_youth(sara, name="Alva Berg", pnr=pnr)
    open_case(sara, youth_id)
    sam_client = client_of(app, sam, fake_clock)
    found = post(sam_client, "/youths/search", {"personal_number": pnr}, page="/youths/search")
    assert found.status_code in (200, 302)
    page = text_of(sam_client.get("/youths/search") if found.status_code == 302 else found)
    assert "Alva Berg" not in page and "ett öppet SIG-ärende som du inte ingår i" in page
    assert sam_client.get(f"/youths/{youth_id}").status_code == 404
    assert sam_client.get(f"/youths/{youth_id}/cases/new").status_code == 404
    again = post(sam_client, "/youths/new",
                 {"name": "X", "personal_number": pnr, "gender": "girl"}, page="/youths/new")
    assert again.status_code == 200
    assert "Alva Berg" not in text_of(again) and youth_id not in text_of(again)
    assert "ett öppet SIG-ärende som du inte ingår i" in text_of(again)
    with app.app_context():
        lookups = list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "youth_searched", AuditEntry.actor_user_id == sam.id)))
        assert len(lookups) == 2
        assert all("Alva" not in e.details and pnr[:8] not in e.details for e in lookups)
    # Sara, in the case, still reads it; Fred gets nothing
    assert "Alva Berg" in text_of(sara.get(f"/youths/{youth_id}"))
    fred = client_of(app, users["fred"], fake_clock)
    assert fred.get(f"/youths/{youth_id}").status_code in (403, 404)
    # once every case is closed, another case owner may read it to open a new case
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.youth_id == youth_id))
        case.status, case.closed_on, case.close_reason = "closed", clock.now().date(), "moved"
        db.session.commit()
    assert "Alva Berg" in text_of(sam_client.get(f"/youths/{youth_id}"))


def test_register_lookups_are_limited_per_hour(app, users, orgs, fake_clock):
    app.config["YOUTH_LOOKUPS_PER_HOUR"] = 3
    sara = client_of(app, users["sara"], fake_clock)
    for n in range(3):
        response = post(sara, "/youths/search",
                        {"personal_number": valid_pnr("20100315", f"{n + 200}")},
                        page="/youths/search")
        assert response.status_code == 200
        assert "många personnummer" not in text_of(response)
    limited = post(sara, "/youths/search", {"personal_number": valid_pnr("20100315", "300")},
                   page="/youths/search")
    assert "många personnummer" in text_of(limited)
    fake_clock.advance(hours=1, minutes=1)
    sara = client_of(app, users["sara"], fake_clock)
    allowed = post(sara, "/youths/search", {"personal_number": valid_pnr("20100315", "301")},
                   page="/youths/search")
    assert "många personnummer" not in text_of(allowed)
    with app.app_context():
        assert db.session.scalar(select(Youth.id)) is None


# --- every case URL: who is refused, and how --------------------------------------------------

# The transparency, consent and disclosure pages are the owner's: a member may know the case
# exists (403); anyone outside the group — a former member, a member moved to another
# organisation, Fred, the manager, the admin, the auditor — learns nothing (404).
OWNER_ONLY = ("consents.", "disclosures.", "sharing.")


def test_every_owner_only_case_url_refuses_everyone_else(app, users, orgs, make_user,
                                                         fake_clock):
    from tests.helpers import csrf
    from tests.worlds import case_with_every_record

    with app.app_context():
        ids = case_with_every_record(users, orgs)
        db.session.add(Membership(case_id=ids["case_id"], user_id=users["lo"].id,
                                  member_org_id=orgs["leisure"].id, function="fritidsledare",
                                  from_date=clock.now().date(), removed_at=clock.now(),
                                  origin_org_id=orgs["social"].id, category="coordination",
                                  created_by_id=users["sara"].id))
        db.session.commit()
    moved = make_user("mona", "school", Role.MEMBER)
    with app.app_context():
        db.session.add(Membership(case_id=ids["case_id"], user_id=moved.id,
                                  member_org_id=orgs["school"].id, function="kurator",
                                  from_date=clock.now().date(), origin_org_id=orgs["social"].id,
                                  category="coordination", created_by_id=users["sara"].id))
        db.session.get(User, moved.id).organisation_id = orgs["leisure"].id
        db.session.commit()
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith(OWNER_ONLY) and "case_id" in r.arguments]
    assert len(rules) == 14  # (with the protocol printed for one organisation)
    expected = {"per": 403, "kim": 403, "lo": 404, "fred": 404, "maria": 404, "ali": 404,
                "eva": 404}
    failures = []
    for name, status in [*expected.items(), ("mona", 404)]:
        user = moved if name == "mona" else users[name]
        client = client_of(app, user, fake_clock)
        token = csrf(client, "/account")
        for rule in rules:
            path = fill_rule(rule, ids)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.get(path) if method == "GET" else client.post(
                    path, data={"csrf_token": token})
                if response.status_code != status:
                    failures.append(f"{name} {method} {rule.endpoint}: "
                                    f"{response.status_code} != {status}")
                body = response.get_data(as_text=True)
                assert YOUTH_NAME not in body and "Bedömning" not in body, (name, path)
    assert not failures, "\n".join(failures)
    # and the owner gets every page
    sara = client_of(app, users["sara"], fake_clock)
    for rule in rules:
        if "GET" in rule.methods:
            assert sara.get(fill_rule(rule, ids)).status_code == 200, rule.endpoint
