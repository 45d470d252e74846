"""Transparency for the case owner: "view as" an organisation, and the sharing overview
(Per and Fred included)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.plans.models import Action, Goal
from tests.case_helpers import add_member, open_case, register_youth, text_of
from tests.helpers import login, post

SCHOOL_GOAL = "Kalle går i skolan varje dag"
LEISURE_GOAL = "Kalle har en meningsfull fritid"
POLICE_ACTION = "Kontaktpolis träffar Kalle varannan vecka"
SCHOOL_ACTION = "Mentorssamtal varje måndag"
POLICE_GOAL = "Kalle håller sig borta från brott"
# (the phone numbers whole: "070-" alone is also part of one id in some 200 random ones)
SECRET_WORDS = ("Kalle", "skolan", "fritid", "Kontaktpolis", "Mentorssamtal", "brott",
                "Anna", "070-000 00 00", "070-111 11 11", "Testsson")


def _goal_ids(app, case_id: str) -> dict[str, str]:
    with app.app_context():
        return {g.life_area: g.id for g in db.session.scalars(
            select(Goal).where(Goal.case_id == case_id))}


def _add_goal(client, case_id: str, life_area: str, description: str) -> None:
    response = post(client, f"/cases/{case_id}/plan/goals/new",
                    {"life_area": life_area, "description": description},
                    page=f"/cases/{case_id}/plan/goals/new")
    assert response.status_code == 302, text_of(response)[-2000:]


def _add_action(client, case_id: str, goal_id: str, org_id: str, what: str, **extra) -> None:
    url = f"/cases/{case_id}/plan/goals/{goal_id}/actions/new"
    data = {"what": what, "responsible_org_id": org_id, "responsible_user_id": "",
            "start_date": "", "due_date": "", "status": "planned", "follow_up": "", **extra}
    response = post(client, url, data, page=url)
    assert response.status_code == 302, text_of(response)[-2000:]


def _logged_in(app, user, fake_clock):
    other = app.test_client()
    login(other, user, fake_clock=fake_clock)
    return other


def _main(response) -> str:
    """The page's <main>: the menu's log-out form is not part of the case page."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", html.split('<main id="main"', 1)[1].split("</main>", 1)[0])


@pytest.fixture
def case(app, client, orgs, sara, per, kim, fake_clock):
    """Sara's case with Per and Kim in the group: two social-services goals, an action
    for the police and one for the school."""
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per, function="kontaktpolis")
    add_member(client, case_id, kim, function="skolkurator")
    _add_goal(client, case_id, "school", SCHOOL_GOAL)
    _add_goal(client, case_id, "leisure", LEISURE_GOAL)
    goals = _goal_ids(app, case_id)
    _add_action(client, case_id, goals["leisure"], orgs["police"].id, POLICE_ACTION,
                responsible_user_id=per.id)
    _add_action(client, case_id, goals["school"], orgs["school"].id, SCHOOL_ACTION)
    return case_id


def test_sara_views_the_case_as_the_police_see_it(app, client, case, orgs, per, fake_clock):
    per_page = _main(_logged_in(app, per, fake_clock).get(f"/cases/{case}"))
    response = client.get(f"/cases/{case}/view-as/{orgs['police'].id}")
    assert response.status_code == 200
    page = _main(response)
    # what Per sees, and only that
    for text in (POLICE_ACTION, 'id="withheld-heading"', 'id="withheld-goal-heading"'):
        assert text in per_page and text in page, text
    for text in (SCHOOL_ACTION, SCHOOL_GOAL, LEISURE_GOAL, "Kalle Test"):
        assert text not in per_page and text not in page, text
    # the withheld notice names the police as the ones not let see, not Sara's organisation
    notice = page.split('id="withheld-heading"', 1)[1].split("</section>", 1)[0]
    assert orgs["police"].name in notice
    # read-only: a banner, no forms, no links that change anything
    banner = page.split('class="banner warning view-as-banner"', 1)[1].split("</p>", 1)[0]
    assert orgs["police"].name in banner
    body = page.split('data-read-only="true">', 1)[1]
    assert "<form" not in page and "csrf_token" not in page
    for write in ("/edit", "/new", "/status", "/members", "/agree-plan", "/close",
                  "/schedule", "/sharing", "/view-as/"):
        assert write not in body, write
    # the page around it is still Sara's (her menu)
    assert "/youths" in response.get_data(as_text=True)
    # and Sara's own page links to the overview
    assert f"/cases/{case}/sharing" in text_of(client.get(f"/cases/{case}"))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "case_viewed_as")).one()
        details = json.loads(entry.details)
        assert details["as_organisation"] == orgs["police"].id
        assert details["relation"] == "member"
        assert "coordination" in details["shown"]
        assert {"identity", "coordination"} <= set(details["withheld"])
        for word in SECRET_WORDS:
            assert word not in entry.details


def test_view_as_the_owners_own_organisation(app, client, case, orgs):
    page = _main(client.get(f"/cases/{case}/view-as/{orgs['social'].id}"))
    # a social-services member sees what social services recorded
    assert SCHOOL_GOAL in page and SCHOOL_ACTION in page and "Kalle Test" in page
    assert "<form" not in page and "/edit" not in page


def test_view_as_an_organisation_not_in_the_case_is_404(app, client, case, orgs):
    for org in ("leisure", "it"):
        assert client.get(f"/cases/{case}/view-as/{orgs[org].id}").status_code == 404
    assert client.get(f"/cases/{case}/view-as/no-such-org").status_code == 404
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "access_denied")).all()
        # (a malformed id is no URL of the app: 404 before any case is read)
        assert sum(json.loads(e.details).get("reason") == "organisation_not_in_case"
                   for e in denied) == 2


def test_members_and_outsiders_are_refused(app, case, orgs, per, fred, kim, fake_clock):
    per_client = _logged_in(app, per, fake_clock)
    fred_client = _logged_in(app, fred, fake_clock)
    urls = (f"/cases/{case}/view-as/{orgs['police'].id}",
            f"/cases/{case}/view-as/{orgs['social'].id}", f"/cases/{case}/sharing")
    for url in urls:
        assert per_client.get(url).status_code == 403, url  # knows the case; owner only
        assert fred_client.get(url).status_code == 404, url  # the case does not exist
    with app.app_context():
        assert not db.session.scalars(select(AuditEntry).where(AuditEntry.event.in_(
            ("case_viewed_as", "sharing_overview_viewed")))).all()


def _cell(page: str, org_id: str, category: str) -> str:
    row = page.split(f'<tr data-org="{org_id}">', 1)[1].split("</tr>", 1)[0]
    return row.split(f'data-category="{category}">', 1)[1].split("</td>", 1)[0]


FLOW = re.compile(r'<li class="(shown|withheld)" data-source="([^"]*)" data-count="(\d+)" '
                  r'data-rule="([a-z_]+)">')


def _flows(cell: str) -> set[tuple[str, str, str, str]]:
    return {(source, count, verdict, rule) for verdict, source, count, rule in FLOW.findall(cell)}


def test_sharing_overview(app, client, case, orgs, per, kim, fake_clock):
    # Per records the police's own goal and an action under it.
    per_client = _logged_in(app, per, fake_clock)
    _add_goal(per_client, case, "criminality", POLICE_GOAL)
    with app.app_context():
        police_goal = db.session.scalars(select(Goal).where(
            Goal.origin_org_id == orgs["police"].id)).one()
    _add_action(per_client, case, police_goal.id, orgs["police"].id, "Kontaktpolis ringer")
    with app.app_context():
        assert db.session.scalars(select(Action).where(
            Action.origin_org_id == orgs["police"].id)).one()

    response = client.get(f"/cases/{case}/sharing")
    assert response.status_code == 200
    page = _main(response)
    assert "<caption>" in page and '<th scope="row">' in page and '<th scope="col">' in page
    for org in ("social", "police", "school"):
        assert f"/cases/{case}/view-as/{orgs[org].id}" in page
    assert f"/view-as/{orgs['leisure'].id}" not in page
    social, police, school = orgs["social"].id, orgs["police"].id, orgs["school"].id
    # police items reach social services by the statutory provision
    cell = _cell(page, social, "coordination")
    assert _flows(cell) == {(police, "2", "shown", "statutory")}
    assert "OSL 10 kap. 28 §" in cell
    # social services' items do not reach the police: no consent; what is addressed to
    # the police (its action, Per's membership) does
    assert _flows(_cell(page, police, "coordination")) == {
        (social, "2", "shown", "addressed_to_organisation"),
        (social, "4", "withheld", "no_consent")}  # two goals, the school action, Kim
    assert _flows(_cell(page, police, "identity")) == {(social, "2", "withheld", "no_consent")}
    # the school sees neither the police's goal and action nor Per's membership
    assert (police, "2", "withheld", "no_consent") in _flows(_cell(page, school, "coordination"))
    assert _flows(_cell(page, social, "identity")) == set()
    # the counts agree with the withheld notice Per sees
    notice = _main(per_client.get(f"/cases/{case}")).split('id="withheld-heading"', 1)[1]
    assert "4 " in notice.split("</li>", 1)[0]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "sharing_overview_viewed")).one()
        details = json.loads(entry.details)
        assert f"{orgs['social'].id}:coordination" in details["shown"]
        assert f"{orgs['police'].id}:identity" in details["withheld"]
        for word in SECRET_WORDS:
            assert word not in entry.details


def test_the_overview_reads_the_case_once_for_every_organisation(app, client, case, orgs, lo,
                                                                 make_user, fake_clock):
    """One walk of the case answers every organisation of the group: the overview runs as
    many statements with three organisations as with five, and answers each as before."""
    from auth.roles import Role
    from tests.test_sql_flat import statements_for

    url = f"/cases/{case}/sharing"
    before = statements_for(app, client, url)
    cells = {org: _cell(_main(client.get(url)), orgs[org].id, "coordination")
             for org in ("social", "police")}
    it = make_user("iris", "it", Role.MEMBER)
    add_member(client, case, lo, function="fritidsledare")
    add_member(client, case, it, function="it-stöd")
    assert statements_for(app, client, url) == before
    page = _main(client.get(url))
    for org in ("leisure", "it"):
        assert f"/cases/{case}/view-as/{orgs[org].id}" in page
    social = orgs["social"].id
    # what the police and the social services are shown has not changed; the two new
    # memberships are social services' items the police are not shown
    police = _flows(_cell(page, orgs["police"].id, "coordination"))
    assert (social, "2", "shown", "addressed_to_organisation") in police
    assert (social, "6", "withheld", "no_consent") in police
    assert _flows(_cell(page, social, "coordination")) == _flows(cells["social"])
