"""Statutory provisions as reviewable data, and one-off disclosure decisions.

Sara (social services) owns the case, Per (police) and Kim (school) are in the group,
Fred (police, other groups) must find no trace.  Social services → police needs a
decision naming the items (OSL 10 kap. 18 a §, youths under 21); police → social
services is blanket except preliminary-investigation material, which only the police
can flag.  Tests assert on data and HTML structure, not on translated text (where a
message matters, it is rendered in the user's language by the test).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select

from consent.models import Disclosure, DisclosureItem, StatutoryRule
from kernel import clock
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.meetings.models import MinutesEntry
from sig.plans.models import Action, Goal
from tests.case_helpers import add_member, open_case, register_youth, text_of, valid_pnr
from tests.helpers import csrf, login, post

STOCKHOLM = ZoneInfo("Europe/Stockholm")
YOUTH_NAME = "Kalle Test"
SOCIAL_MINUTES = "Familjen berättar om svårigheter hemma hösten"
SOCIAL_ASSESSMENT = "Bedömning: risk för fortsatt brottslighet i kamratgruppen"
SOCIAL_GOAL = "Kalle ska ha en fritidsaktivitet varje vecka"
ASSESSMENT = "Uppgiften behövs för att förhindra att Kalle begår brott: gruppen planerar"
POLICE_GOAL = "Minska kontakterna med äldre kriminella kamrater"
PRE_INVESTIGATION_GOAL = "Förhör om inbrottet på Storgatan hålls i mars"
PRE_INVESTIGATION_ACTION = "Kontrollera alibi för kvällen den 4 mars"
U21 = "social_services_to_police_u21"
POLICE_TO_SOCIAL = "police_to_social_services"


# --- helpers ----------------------------------------------------------------------------------


def logged_in(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


def case_with_group(client, sara, per, kim, fake_clock, **youth) -> str:
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client, name=YOUTH_NAME, **youth))
    add_member(client, case_id, per, function="kommunpolis")
    add_member(client, case_id, kim, function="skolkurator")
    return case_id


def schedule_and_write(client, case_id: str, fake_clock) -> str:
    """A held meeting with Sara's two entries: plain minutes and a social assessment."""
    starts = (fake_clock.current - dt.timedelta(hours=1)).astimezone(STOCKHOLM)
    response = post(client, f"/cases/{case_id}/meetings/new",
                    {"starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "place": "Rum 1",
                     "agenda": "Planen", "invite_group": "y"},
                    page=f"/cases/{case_id}/meetings/new")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    meeting_id = response.location.split("#")[0].rsplit("/", 1)[-1]
    for category, words in (("minutes", SOCIAL_MINUTES),
                            ("social_assessment", SOCIAL_ASSESSMENT)):
        response = post(client, f"/cases/{case_id}/meetings/{meeting_id}/protocol",
                        {"category": category, "text": words}, page=f"/cases/{case_id}")
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return meeting_id


def add_goal(client, case_id: str, words: str, *, flag: bool = False, area: str = "leisure"):
    data = {"life_area": area, "description": words}
    if flag:
        data["pre_investigation"] = "y"
    response = post(client, f"/cases/{case_id}/plan/goals/new", data,
                    page=f"/cases/{case_id}/plan/goals/new")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response.location.split("#goal-")[-1]


def entry_id(app, words: str) -> str:
    with app.app_context():
        return next(e.id for e in db.session.scalars(select(MinutesEntry)) if e.text == words)


def decide(client, case_id: str, items: list[str], recipient: str,
           assessment: str = ASSESSMENT):
    return post(client, f"/cases/{case_id}/disclosures/new",
                {"items": items, "recipient_org_id": recipient, "assessment": assessment},
                page=f"/cases/{case_id}/disclosures/new")


def checkbox_values(page: str) -> set[str]:
    return set(re.findall(r'<input id="items-\d+" name="items" type="checkbox" value="([^"]+)">',
                          page))


def select_options(page: str, name: str) -> set[str]:
    block = re.search(rf'<select id="{name}" name="{name}".*?</select>', page, re.S).group(0)
    return set(re.findall(r'<option[^>]*value="([^"]*)"', block)) - {""}


def audit(app, event: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.event == event)
                                       .order_by(AuditEntry.seq)))


def in_swedish(app, text: str, **values) -> str:
    with app.test_request_context(), force_locale("sv"):
        return gettext(text, **values)


# --- the provisions ---------------------------------------------------------------------------


def test_rules_page_lists_every_provision_with_its_reference_for_everyone(
        app, personas, fake_clock):
    with app.app_context():
        rules = {r.code: (r.legal_reference, r.version) for r in
                 db.session.scalars(select(StatutoryRule))}
    assert set(rules) == {U21, POLICE_TO_SOCIAL}
    for person in personas.values():
        client = logged_in(app, person, fake_clock)
        response = client.get("/rules")
        assert response.status_code == 200, person.username
        page = response.get_data(as_text=True)
        articles = re.findall(r'<article class="statutory-rule".*?</article>', page, re.S)
        assert len(articles) == 2, person.username
        for code, (reference, version) in rules.items():
            article = next(a for a in articles if f'data-code="{code}"' in a)
            assert f'data-version="{version}"' in article and 'data-current="yes"' in article
            assert reference in article
        u21 = next(a for a in articles if f'data-code="{U21}"' in a)
        assert 'data-condition="needs_decision"' in u21 and 'data-condition="max_age"' in u21
        police = next(a for a in articles if f'data-code="{POLICE_TO_SOCIAL}"' in a)
        assert 'data-condition="excludes_pre_investigation"' in police
        assert 'data-condition="blanket"' in police
    viewed = audit(app, "rules_viewed")
    assert {e.actor_user_id for e in viewed} == {p.id for p in personas.values()}
    assert all(json.loads(e.details) == {"rules": 2} for e in viewed)
    # Not for anonymous visitors
    assert app.test_client().get("/rules").status_code in (302, 401)


def test_an_ended_rule_version_is_listed_as_not_in_force(app, sara, fake_clock):
    with app.app_context():
        old = StatutoryRule(code=U21, version=0, source_kind="social_services",
                            recipient_kind="police", categories="social_assessment",
                            excludes_pre_investigation=False, needs_decision=True, max_age=18,
                            legal_reference="OSL 10 kap. 18 a § (äldre lydelse)",
                            explanation="Äldre version.", valid_from=dt.date(2020, 1, 1),
                            valid_to=dt.date(2025, 12, 31))
        db.session.add(old)
        db.session.commit()
        old_id = old.id
    try:
        page = logged_in(app, sara, fake_clock).get("/rules").get_data(as_text=True)
        article = re.search(rf'<article class="statutory-rule" id="rule-{old_id}".*?</article>',
                            page, re.S).group(0)
        assert 'data-current="no"' in article and "2025-12-31" in article
        assert "(äldre lydelse)" in article
    finally:
        with app.app_context():
            db.session.delete(db.session.get(StatutoryRule, old_id))
            db.session.commit()


# --- a disclosure decision --------------------------------------------------------------------


def test_sara_discloses_one_entry_and_per_sees_exactly_that(
        app, client, sara, per, kim, fred, eva, orgs, fake_clock):
    case_id = case_with_group(client, sara, per, kim, fake_clock)
    meeting_id = schedule_and_write(client, case_id, fake_clock)
    add_goal(client, case_id, SOCIAL_GOAL)
    assessment_entry = entry_id(app, SOCIAL_ASSESSMENT)
    minutes_entry = entry_id(app, SOCIAL_MINUTES)
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id))

    # The form: the items social services recorded, and the police in the group only
    page = client.get(f"/cases/{case_id}/disclosures/new").get_data(as_text=True)
    values = checkbox_values(page)
    assert {f"minutes_entries:{assessment_entry}", f"minutes_entries:{minutes_entry}",
            f"goals:{goal_id}"} <= values
    assert any(v.startswith("youths:") for v in values)
    assert select_options(page, "recipient_org_id") == {orgs["police"].id}
    assert "OSL 10 kap. 18 a §" in page

    response = decide(client, case_id, [f"minutes_entries:{assessment_entry}"],
                      orgs["police"].id)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    disclosure_id = response.location.rsplit("/", 1)[-1]
    with app.app_context():
        disclosure = db.session.get(Disclosure, disclosure_id)
        assert disclosure.case_id == case_id and disclosure.recipient_org_id == orgs["police"].id
        assert disclosure.created_by_id == sara.id and disclosure.rule.code == U21
        assert disclosure.assessment == ASSESSMENT
        assert ASSESSMENT.encode() not in disclosure.assessment_enc
        assert [(i.item_type, i.item_id) for i in disclosure.items] == [
            ("minutes_entries", assessment_entry)]

    # Per sees the named entry and nothing else of social services'
    per_client = logged_in(app, per, fake_clock)
    per_meeting = text_of(per_client.get(f"/cases/{case_id}/meetings/{meeting_id}"))
    assert SOCIAL_ASSESSMENT in per_meeting and SOCIAL_MINUTES not in per_meeting
    assert re.findall(r'class="minutes-entry" id="entry-([0-9a-f-]{36})"', per_meeting) == [
        assessment_entry]
    per_case = per_client.get(f"/cases/{case_id}")
    assert per_case.status_code == 200
    per_case = text_of(per_case)
    assert SOCIAL_GOAL not in per_case and YOUTH_NAME not in per_case
    assert 'id="disclosures-heading"' not in per_case  # the decisions are the owner's
    assert per_client.get(f"/cases/{case_id}/disclosures/{disclosure_id}").status_code == 403
    assert per_client.get(f"/cases/{case_id}/disclosures/new").status_code == 403

    # Kim (school) sees nothing of it
    kim_client = logged_in(app, kim, fake_clock)
    kim_meeting = text_of(kim_client.get(f"/cases/{case_id}/meetings/{meeting_id}"))
    assert SOCIAL_ASSESSMENT not in kim_meeting and SOCIAL_MINUTES not in kim_meeting
    assert 'id="disclosures-heading"' not in text_of(kim_client.get(f"/cases/{case_id}"))
    assert kim_client.get(f"/cases/{case_id}/disclosures/{disclosure_id}").status_code == 403
    assert post(kim_client, f"/cases/{case_id}/disclosures/new",
                {"items": [f"minutes_entries:{assessment_entry}"],
                 "recipient_org_id": orgs["school"].id, "assessment": "x"}).status_code == 403

    # Fred (police, another group): the case and the decision do not exist
    fred_client = logged_in(app, fred, fake_clock)
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/disclosures/new",
                 f"/cases/{case_id}/disclosures/{disclosure_id}",
                 f"/cases/{case_id}/meetings/{meeting_id}"):
        assert fred_client.get(path).status_code == 404, path
    assert post(fred_client, f"/cases/{case_id}/disclosures/new",
                {"items": [f"minutes_entries:{assessment_entry}"],
                 "recipient_org_id": orgs["police"].id, "assessment": "x"}).status_code == 404

    # On the case, for Sara: who, when, to whom, which items, under which provision
    sara_case = text_of(client.get(f"/cases/{case_id}"))
    listed = re.search(rf'<li class="disclosure" id="disclosure-{disclosure_id}">.*?</li>',
                       sara_case).group(0)
    assert "Sara Testsson" in listed and orgs["police"].name in listed
    assert "OSL 10 kap. 18 a §" in listed
    assert re.search(r'<span class="disclosed-items">[^<]*: 1</span>', listed)
    assert ASSESSMENT not in sara_case and SOCIAL_ASSESSMENT not in listed
    detail = text_of(client.get(f"/cases/{case_id}/disclosures/{disclosure_id}"))
    assert ASSESSMENT in detail and SOCIAL_ASSESSMENT[:40] in detail
    assert re.findall(r'<li data-type="([a-z_]+)">', detail) == ["minutes_entries"]

    # The access log: ids and item types only
    decided = audit(app, "disclosure_decided")
    assert len(decided) == 1 and decided[0].actor_user_id == sara.id
    assert decided[0].target_ref == case_id and decided[0].outcome == "ok"
    details = json.loads(decided[0].details)
    assert details["disclosure"] == disclosure_id and details["rule"] == U21
    assert details["recipient_org"] == orgs["police"].id
    assert details["items"] == [{"type": "minutes_entries", "id": assessment_entry}]
    viewed = audit(app, "disclosure_viewed")
    assert [(e.actor_user_id, json.loads(e.details)) for e in viewed] == [
        (sara.id, {"disclosure": disclosure_id})]
    with app.app_context():
        for entry in db.session.scalars(select(AuditEntry)):
            for secret in (ASSESSMENT, SOCIAL_ASSESSMENT, YOUTH_NAME, "Kalle"):
                assert secret not in entry.details, (entry.event, secret)
    eva_client = logged_in(app, eva, fake_clock)
    log_page = eva_client.get("/audit/?event=disclosure_decided").get_data(as_text=True)
    # in a sentence: the decision by its short reference, the provision by its code
    assert f"Utlämnande {disclosure_id[:8].upper()}." in log_page and U21 in log_page


def test_disclosing_the_identity_shows_the_youth_to_the_police_only(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = case_with_group(client, sara, per, kim, fake_clock)
    add_goal(client, case_id, SOCIAL_GOAL)
    per_client = logged_in(app, per, fake_clock)
    assert YOUTH_NAME not in text_of(per_client.get(f"/cases/{case_id}"))
    page = client.get(f"/cases/{case_id}/disclosures/new").get_data(as_text=True)
    identity = next(v for v in checkbox_values(page) if v.startswith("youths:"))
    assert decide(client, case_id, [identity], orgs["police"].id).status_code == 302
    per_page = text_of(per_client.get(f"/cases/{case_id}"))
    assert YOUTH_NAME in per_page and SOCIAL_GOAL not in per_page
    kim_page = text_of(logged_in(app, kim, fake_clock).get(f"/cases/{case_id}"))
    assert YOUTH_NAME not in kim_page
    sara_page = text_of(client.get(f"/cases/{case_id}"))
    assert len(re.findall(r'<li class="disclosure" id="disclosure-', sara_page)) == 1


def test_decision_names_only_own_items_for_police_in_the_group(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = case_with_group(client, sara, per, kim, fake_clock)
    meeting_id = schedule_and_write(client, case_id, fake_clock)
    per_client = logged_in(app, per, fake_clock)
    response = post(per_client, f"/cases/{case_id}/meetings/{meeting_id}/protocol",
                    {"category": "police_information", "text": "Polisens anteckning"},
                    page=f"/cases/{case_id}")
    assert response.status_code == 302
    police_entry = entry_id(app, "Polisens anteckning")
    own = f"minutes_entries:{entry_id(app, SOCIAL_ASSESSMENT)}"
    page = client.get(f"/cases/{case_id}/disclosures/new").get_data(as_text=True)
    assert f"minutes_entries:{police_entry}" not in checkbox_values(page)
    # Another organisation's item, a school recipient, no items, no assessment: refused
    assert decide(client, case_id, [f"minutes_entries:{police_entry}"],
                  orgs["police"].id).status_code == 400
    assert decide(client, case_id, [own], orgs["school"].id).status_code == 400
    assert decide(client, case_id, [], orgs["police"].id).status_code == 400
    assert decide(client, case_id, [own], orgs["police"].id, assessment=" ").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Disclosure.id)) is None
        assert db.session.scalar(select(DisclosureItem.id)) is None


def test_no_decision_for_a_youth_aged_21_or_older(app, client, sara, per, kim, orgs,
                                                  fake_clock):
    born = fake_clock.current.date().replace(month=1, day=2)
    born = born.replace(year=born.year - 22)
    case_id = case_with_group(client, sara, per, kim, fake_clock,
                              pnr=valid_pnr(born.strftime("%Y%m%d"), "234"))
    schedule_and_write(client, case_id, fake_clock)
    own = f"minutes_entries:{entry_id(app, SOCIAL_ASSESSMENT)}"
    expected = in_swedish(
        app, "No disclosure decision can be made: the youth is %(age)d years old, and "
        "%(reference)s applies only to youths under %(max)d.",
        age=22 if fake_clock.current.date() >= born.replace(year=born.year + 22) else 21,
        reference="OSL 10 kap. 18 a §", max=21)
    page = client.get(f"/cases/{case_id}/disclosures/new")
    assert page.status_code == 200
    page = text_of(page)
    blocked = re.search(r'<p class="message error disclosure-blocked" role="alert">(.*?)</p>',
                        page).group(1)
    assert blocked == expected
    assert 'name="items"' not in page and 'name="assessment"' not in page
    response = decide(client, case_id, [own], orgs["police"].id)
    assert response.status_code == 400
    assert expected in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(Disclosure.id)) is None
    refused = audit(app, "disclosure_decided")
    assert [(e.outcome, json.loads(e.details)) for e in refused] == [
        ("denied", {"reason": "too_old"})]


def test_the_age_limit_is_checked_in_the_operation_too(app, client, sara, per, kim, orgs,
                                                       fake_clock):
    from sig.cases.models import Case
    from sig.disclosures import operations
    from sig.youths.models import Youth

    case_id = case_with_group(client, sara, per, kim, fake_clock)
    schedule_and_write(client, case_id, fake_clock)
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        youth = db.session.get(Youth, case.youth_id)
        youth.birth_date_text = "1990-01-01"
        db.session.commit()
        user = db.session.get(type(sara), sara.id)
        rule = operations.decision_rule(user)
        entry = entry_id(app, SOCIAL_ASSESSMENT)
        with pytest.raises(operations.DisclosureError) as caught:
            operations.decide_disclosure(user, case, rule, orgs["police"].id,
                                         [("minutes_entries", entry)], ASSESSMENT)
        assert caught.value.code == "too_old"
        # Kim (school member) may not decide at all
        kim_user = db.session.get(type(kim), kim.id)
        with pytest.raises(operations.NotAllowed):
            operations.decide_disclosure(kim_user, case, rule, orgs["police"].id,
                                         [("minutes_entries", entry)], ASSESSMENT)


# --- preliminary-investigation material -------------------------------------------------------


def test_pre_investigation_material_is_withheld_from_social_services(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = case_with_group(client, sara, per, kim, fake_clock)
    per_client = logged_in(app, per, fake_clock)
    # Only the police get the checkbox
    assert 'name="pre_investigation"' in per_client.get(
        f"/cases/{case_id}/plan/goals/new").get_data(as_text=True)
    assert 'name="pre_investigation"' not in client.get(
        f"/cases/{case_id}/plan/goals/new").get_data(as_text=True)
    shown_goal = add_goal(per_client, case_id, POLICE_GOAL, area="criminality")
    flagged_goal = add_goal(per_client, case_id, PRE_INVESTIGATION_GOAL, flag=True,
                            area="criminality")
    form = per_client.get(f"/cases/{case_id}/plan/goals/{shown_goal}/actions/new")
    assert 'name="pre_investigation"' in form.get_data(as_text=True)
    response = post(per_client, f"/cases/{case_id}/plan/goals/{shown_goal}/actions/new",
                    {"what": PRE_INVESTIGATION_ACTION, "responsible_org_id": orgs["police"].id,
                     "responsible_user_id": "", "status": "planned",
                     "pre_investigation": "y"},
                    page=f"/cases/{case_id}/plan/goals/{shown_goal}/actions/new")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        goals = {g.description: g.pre_investigation for g in db.session.scalars(select(Goal))}
        assert goals == {POLICE_GOAL: False, PRE_INVESTIGATION_GOAL: True}
        action = db.session.scalar(select(Action))
        assert action.pre_investigation is True and action.origin_org_id == orgs["police"].id

    sara_page = text_of(client.get(f"/cases/{case_id}"))
    assert POLICE_GOAL in sara_page  # police → social services by statute
    assert PRE_INVESTIGATION_GOAL not in sara_page and PRE_INVESTIGATION_ACTION not in sara_page
    notice = re.search(r'<section class="withheld-notice".*?</section>', sara_page).group(0)
    with app.test_request_context(), force_locale("sv"):
        # That the police hold preliminary-investigation material is itself secret
        # (OSL 18:1): social services get the notice of any police item without consent.
        expected = ngettext(
            "%(num)d item from %(org)s withheld (%(category)s): no consent or provision "
            "lets %(me)s see it.",
            "%(num)d items from %(org)s withheld (%(category)s): no consent or provision "
            "lets %(me)s see them.", 2, org=orgs["police"].name,
            category=gettext("coordination"), me=orgs["social"].name)
        secret = gettext("preliminary-investigation material is not shared")
    assert expected in notice
    assert secret not in sara_page and "förundersökning" not in notice
    assert client.get(f"/cases/{case_id}/plan/goals/{flagged_goal}/history").status_code == 404
    # Per sees his own material, flagged or not
    per_page = text_of(per_client.get(f"/cases/{case_id}"))
    assert PRE_INVESTIGATION_GOAL in per_page and PRE_INVESTIGATION_ACTION in per_page


def test_only_the_police_can_flag_pre_investigation_material(app, client, sara, per, kim,
                                                             fake_clock):
    case_id = case_with_group(client, sara, per, kim, fake_clock)
    add_goal(client, case_id, SOCIAL_GOAL, flag=True)
    kim_client = logged_in(app, kim, fake_clock)
    add_goal(kim_client, case_id, "Kalle går i skolan varje dag", flag=True, area="school")
    assert 'name="pre_investigation"' not in kim_client.get(
        f"/cases/{case_id}/plan/goals/new").get_data(as_text=True)
    with app.app_context():
        assert [g.pre_investigation for g in db.session.scalars(select(Goal))] == [False, False]


# --- CSRF -------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_rejected(app, client, sara, per, kim, orgs, fake_clock):
    case_id = case_with_group(client, sara, per, kim, fake_clock)
    schedule_and_write(client, case_id, fake_clock)
    own = f"minutes_entries:{entry_id(app, SOCIAL_ASSESSMENT)}"
    response = client.post(f"/cases/{case_id}/disclosures/new",
                           data={"items": [own], "recipient_org_id": orgs["police"].id,
                                 "assessment": ASSESSMENT})
    assert response.status_code == 400
    token = csrf(client, f"/cases/{case_id}")
    assert client.post(f"/cases/{case_id}/disclosures/new",
                       data={"items": [own], "recipient_org_id": orgs["police"].id,
                             "assessment": ASSESSMENT,
                             "csrf_token": token + "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Disclosure.id)) is None


def test_the_sharing_overview_dates_a_decision_by_the_swedish_calendar(
        app, client, sara, per, kim, orgs, fake_clock):
    """A decision made at half past midnight in Stockholm (23:30 UTC the evening before)
    is dated that Swedish day on the sharing overview."""
    case_id = case_with_group(client, sara, per, kim, fake_clock)
    add_goal(client, case_id, SOCIAL_GOAL)
    fake_clock.current = fake_clock.current.replace(hour=23, minute=30)
    swedish, utc = clock.local_day(fake_clock.current), fake_clock.current.date()
    client = logged_in(app, sara, fake_clock)
    page = client.get(f"/cases/{case_id}/disclosures/new").get_data(as_text=True)
    goal = next(v for v in checkbox_values(page) if v.startswith("goals:"))
    assert decide(client, case_id, [goal], orgs["police"].id).status_code == 302
    overview = text_of(client.get(f"/cases/{case_id}/sharing"))
    assert f"{swedish.isoformat()} (OSL" in overview, overview
    assert f"{utc.isoformat()} (OSL" not in overview
