"""The action plan: goals, actions, follow-up, history and concurrent edits (Fred included)."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select, update

from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.plans.models import Action, Change, Goal
from tests.case_helpers import add_member, open_case, register_youth, text_of
from tests.helpers import csrf_from, login, post

# A due date well ahead (and within what the form accepts: five years).
LATER = (dt.date.today() + dt.timedelta(days=700)).isoformat()

SCHOOL_GOAL = "Kalle går i skolan varje dag"
LEISURE_GOAL = "Kalle har en meningsfull fritid"
POLICE_ACTION = "Kontaktpolis träffar Kalle varannan vecka"
SCHOOL_ACTION = "Mentorssamtal varje måndag"
SECRET_WORDS = ("Kalle", "skolan", "fritid", "Kontaktpolis", "Mentorssamtal", "Hembesök",
                "Utvärdering")


def _goal_ids(app, case_id: str) -> dict[str, str]:
    with app.app_context():
        return {g.life_area: g.id for g in db.session.scalars(
            select(Goal).where(Goal.case_id == case_id))}


def _action_id(app, text: str) -> str:
    with app.app_context():
        for action in db.session.scalars(select(Action)):
            if action.what == text:
                return action.id
    raise AssertionError(f"no action {text!r}")


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _add_goal(client, case_id: str, life_area: str, description: str) -> None:
    response = post(client, f"/cases/{case_id}/plan/goals/new",
                    {"life_area": life_area, "description": description},
                    page=f"/cases/{case_id}/plan/goals/new")
    assert response.status_code == 302, text_of(response)[-2000:]


def _add_action(client, case_id: str, goal_id: str, org_id: str, what: str, **extra):
    url = f"/cases/{case_id}/plan/goals/{goal_id}/actions/new"
    data = {"what": what, "responsible_org_id": org_id, "responsible_user_id": "",
            "start_date": "", "due_date": "", "status": "planned", "follow_up": "", **extra}
    return post(client, url, data, page=url)


@pytest.fixture
def plan(app, client, orgs, sara, per, kim, fake_clock):
    """Sara's case with Per and Kim in the group, two goals, a police and a school action."""
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per, function="kontaktpolis")
    add_member(client, case_id, kim, function="skolkurator")
    _add_goal(client, case_id, "school", SCHOOL_GOAL)
    _add_goal(client, case_id, "leisure", LEISURE_GOAL)
    goals = _goal_ids(app, case_id)
    police = _add_action(client, case_id, goals["leisure"], orgs["police"].id, POLICE_ACTION,
                         responsible_user_id=per.id, start_date="2025-02-01",
                         due_date="2025-03-01")
    assert police.status_code == 302, text_of(police)[-2000:]
    school = _add_action(client, case_id, goals["school"], orgs["school"].id, SCHOOL_ACTION,
                         due_date=LATER)
    assert school.status_code == 302, text_of(school)[-2000:]
    return {"case": case_id, "goals": goals, "police_action": _action_id(app, POLICE_ACTION),
            "school_action": _action_id(app, SCHOOL_ACTION)}


def _logged_in(app, user, fake_clock):
    other = app.test_client()
    login(other, user, fake_clock=fake_clock)
    return other


def test_owner_builds_the_plan(app, client, plan, orgs, sara, per):
    page = text_of(client.get(f"/cases/{plan['case']}"))
    assert SCHOOL_GOAL in page and LEISURE_GOAL in page
    assert POLICE_ACTION in page and SCHOOL_ACTION in page
    assert f'id="action-{plan["police_action"]}" class="overdue"' in page  # due 2025-03-01
    assert f'id="action-{plan["school_action"]}" class="overdue"' not in page
    assert "Per Testsson" in page
    with app.app_context():
        goal = db.session.get(Goal, plan["goals"]["school"])
        assert goal.origin_org_id == orgs["social"].id and goal.category == "coordination"
        assert b"skolan" not in goal.description_enc
        action = db.session.get(Action, plan["police_action"])
        assert (action.origin_org_id, action.responsible_org_id) == (orgs["social"].id,
                                                                     orgs["police"].id)
        assert action.responsible_user_id == per.id and action.status == "planned"
        assert str(action.due_date) == "2025-03-01" and action.version == 1
        # the creation is history too, encrypted, and it inherits origin and addressee
        changes = db.session.scalars(select(Change).where(
            Change.item_id == action.id)).all()
        assert {c.field for c in changes} == {"what", "responsible_user_id", "start_date",
                                              "due_date", "status"}
        assert all(c.addressed_org_id == orgs["police"].id and c.before is None
                   and c.changed_by_id == sara.id for c in changes)
        assert all(b"Kontaktpolis" not in (c.after_enc or b"") for c in changes)


def test_due_before_start_is_refused_and_the_text_kept(app, client, plan, orgs, kim):
    response = _add_action(client, plan["case"], plan["goals"]["school"], orgs["school"].id,
                           "Läxhjälp två gånger i veckan", start_date="2026-05-01",
                           due_date="2026-04-01")
    page = text_of(response)
    assert response.status_code == 200
    assert 'id="due_date-error"' in page and 'aria-invalid="true"' in page
    assert "Läxhjälp två gånger i veckan" in page
    with app.app_context():
        assert len(db.session.scalars(select(Action)).all()) == 2
    # the responsible person must be of the responsible organisation
    wrong = _add_action(client, plan["case"], plan["goals"]["school"], orgs["police"].id,
                        "Hembesök", responsible_user_id=kim.id)
    assert wrong.status_code == 200 and 'id="responsible_user_id-error"' in text_of(wrong)
    with app.app_context():
        assert len(db.session.scalars(select(Action)).all()) == 2


def test_per_sees_his_action_only_and_gets_404_on_the_rest(app, plan, per, fake_clock):
    per_client = _logged_in(app, per, fake_clock)
    case = plan["case"]
    page = text_of(per_client.get(f"/cases/{case}"))
    assert POLICE_ACTION in page
    assert SCHOOL_GOAL not in page and LEISURE_GOAL not in page
    assert SCHOOL_ACTION not in page
    assert 'id="withheld-goal-heading"' in page
    assert f"/plan/actions/{plan['police_action']}/edit" in page
    # no link to add under a goal he does not see; he may add his organisation's own goals
    assert "/actions/new" not in page and "/plan/goals/new" in page
    for url in (f"/cases/{case}/plan/goals/{plan['goals']['school']}/edit",
                f"/cases/{case}/plan/goals/{plan['goals']['school']}/history",
                f"/cases/{case}/plan/goals/{plan['goals']['leisure']}/actions/new",
                f"/cases/{case}/plan/actions/{plan['school_action']}/edit",
                f"/cases/{case}/plan/actions/{plan['school_action']}/history",
                f"/cases/{case}/plan/actions/not-an-action/edit"):
        assert per_client.get(url).status_code == 404, url
    token = csrf_from(per_client.get(f"/cases/{case}").get_data(as_text=True))
    for url, data in ((f"/cases/{case}/plan/actions/{plan['school_action']}/status",
                       {"status": "done", "version": "1"}),
                      (f"/cases/{case}/plan/actions/{plan['school_action']}/edit",
                       {"what": "x", "status": "done", "version": "1"}),
                      (f"/cases/{case}/plan/goals/{plan['goals']['school']}/edit",
                       {"life_area": "school", "description": "x", "version": "1"})):
        assert per_client.post(url, data={**data, "csrf_token": token}).status_code == 404
    assert per_client.get(f"/cases/{case}/plan/goals/new").status_code == 200
    # his own action's edit form shows no trace of the goal
    edit = text_of(per_client.get(f"/cases/{case}/plan/actions/{plan['police_action']}/edit"))
    assert POLICE_ACTION in edit and LEISURE_GOAL not in edit and 'class="withheld"' in edit
    with app.app_context():
        school = db.session.get(Action, plan["school_action"])
        assert school.status == "planned" and school.version == 1
        denied = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "access_denied", AuditEntry.actor_user_id == per.id)).all()
        # every refusal of a real id is logged; a malformed id is no URL of the app
        assert len(denied) >= 8


def test_per_updates_his_actions_status_and_follow_up(app, plan, per, fake_clock):
    per_client = _logged_in(app, per, fake_clock)
    case, action_id = plan["case"], plan["police_action"]
    response = post(per_client, f"/cases/{case}/plan/actions/{action_id}/status",
                    {"status": "in_progress", "version": "1"}, page=f"/cases/{case}")
    assert response.status_code == 302
    html = _page(per_client, f"/cases/{case}/plan/actions/{action_id}/edit")
    assert 'name="version" type="hidden" value="2"' in html
    response = post(per_client, f"/cases/{case}/plan/actions/{action_id}/edit",
                    {"what": POLICE_ACTION, "responsible_user_id": per.id,
                     "start_date": "2025-02-01", "due_date": "2025-03-01", "status": "done",
                     "follow_up": "Utvärdering: Kalle kom till alla träffar", "version": "2"},
                    page=f"/cases/{case}/plan/actions/{action_id}/edit")
    assert response.status_code == 302, text_of(response)[-1500:]
    with app.app_context():
        action = db.session.get(Action, action_id)
        assert action.status == "done" and action.version == 3
        assert action.follow_up.startswith("Utvärdering")
    page = text_of(per_client.get(f"/cases/{case}"))
    assert f'id="action-{action_id}" class="overdue"' not in page  # done is not overdue


def test_kim_cannot_create_a_police_action(app, plan, orgs, kim, fake_clock):
    kim_client = _logged_in(app, kim, fake_clock)
    # Through the pages: the goals are social services', so withheld from the school.
    response = _add_action(kim_client, plan["case"], plan["goals"]["school"],
                           orgs["police"].id, "Hembesök av polis")
    assert response.status_code == 404
    # Through the operation, even under a goal she were shown: refused.
    from sig.cases.models import Case
    from sig.plans import operations

    with app.test_request_context():
        from auth.models import User

        user = db.session.get(User, kim.id)
        case = db.session.get(Case, plan["case"])
        goal = db.session.get(Goal, plan["goals"]["school"])
        with pytest.raises(operations.NotAllowed):
            operations.add_action(user, case, goal, what="Hembesök av polis",
                                  responsible_org_id=orgs["police"].id)
        assert operations.responsible_org_ids(user, operations.relation_to(user, case),
                                              case) == [orgs["school"].id]
    with app.app_context():
        assert len(db.session.scalars(select(Action)).all()) == 2


def test_member_of_the_owners_organisation_adds_only_own_organisation_actions(
        app, client, plan, orgs, make_user, fake_clock):
    """A member who does see a goal may add under it — for their own organisation only."""
    from auth.roles import Role

    ulla = make_user("ulla", "social", Role.MEMBER)
    add_member(client, plan["case"], ulla, function="familjebehandlare")
    ulla_client = _logged_in(app, ulla, fake_clock)
    goal_id = plan["goals"]["school"]
    page = text_of(ulla_client.get(f"/cases/{plan['case']}"))
    assert SCHOOL_GOAL in page and f"/plan/goals/{goal_id}/actions/new" in page
    assert f"/plan/goals/{goal_id}/edit" in page  # her organisation's goal
    refused = _add_action(ulla_client, plan["case"], goal_id, orgs["police"].id, "Hembesök")
    assert refused.status_code == 200 and 'id="responsible_org_id-error"' in text_of(refused)
    added = _add_action(ulla_client, plan["case"], goal_id, orgs["social"].id,
                        "Hembesök varje vecka")
    assert added.status_code == 302
    with app.app_context():
        action = db.session.get(Action, _action_id(app, "Hembesök varje vecka"))
        assert action.origin_org_id == orgs["social"].id == action.responsible_org_id
        assert action.created_by_id == ulla.id
    assert ulla_client.get(
        f"/cases/{plan['case']}/plan/goals/{goal_id}/edit").status_code == 200


def test_history_shows_who_when_before_and_after(app, client, plan, per, fake_clock):
    case, goal_id = plan["case"], plan["goals"]["school"]
    fake_clock.advance(minutes=5)
    response = post(client, f"/cases/{case}/plan/goals/{goal_id}/edit",
                    {"life_area": "school", "description": "Kalle går i skolan minst 4 dagar",
                     "version": "1"}, page=f"/cases/{case}/plan/goals/{goal_id}/edit")
    assert response.status_code == 302
    page = client.get(f"/cases/{case}/plan/goals/{goal_id}/history")
    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td><time datetime=\"([^\"]+)\">.*?</td>\s*<td>(.*?)</td>\s*"
                      r"<td>(.*?)</td>\s*<td class=\"before\">(.*?)</td>\s*"
                      r"<td class=\"after\">(.*?)</td>", page.get_data(as_text=True), re.S)
    before_after = [(r[3], r[4]) for r in rows]
    assert (SCHOOL_GOAL, "Kalle går i skolan minst 4 dagar") in before_after
    assert ("—", SCHOOL_GOAL) in before_after  # the creation
    assert all("Sara Testsson" in r[1] for r in rows)
    assert len({r[0] for r in rows}) == 2  # created, then changed five minutes later
    # Per's own action: he sees its history, with his status change in it
    per_client = _logged_in(app, per, fake_clock)
    post(per_client, f"/cases/{case}/plan/actions/{plan['police_action']}/status",
         {"status": "done", "version": "1"}, page=f"/cases/{case}")
    history = text_of(per_client.get(
        f"/cases/{case}/plan/actions/{plan['police_action']}/history"))
    assert "Per Testsson" in history and "Sara Testsson" in history
    assert re.search(r'class="before">\s*\w', history)
    assert LEISURE_GOAL not in history
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.event == "history_viewed").order_by(AuditEntry.seq.desc()))
        assert entry.actor_user_id == per.id
        assert json.loads(entry.details)["action"] == plan["police_action"]


def test_concurrent_edit_conflict_keeps_the_typed_text(app, client, plan, sara, fake_clock):
    case, goal_id = plan["case"], plan["goals"]["leisure"]
    url = f"/cases/{case}/plan/goals/{goal_id}/edit"
    second = _logged_in(app, sara, fake_clock)  # Sara in a second browser tab/window
    first_page = client.get(url).get_data(as_text=True)
    second_page = second.get(url).get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in second_page
    first = client.post(url, data={"life_area": "leisure", "version": "1",
                                   "description": "Kalle börjar i fotbollslaget",
                                   "csrf_token": csrf_from(first_page)})
    assert first.status_code == 302
    typed = "Kalle hittar en fritidsaktivitet han gillar"
    clash = second.post(url, data={"life_area": "leisure", "version": "1",
                                   "description": typed,
                                   "csrf_token": csrf_from(second_page)})
    page = text_of(clash)
    assert clash.status_code == 409
    assert 'class="message error conflict" role="alert"' in page
    assert typed in page  # what the second writer typed is kept in the form
    assert "Kalle börjar i fotbollslaget" in page  # and the saved value shown next to it
    assert 'name="version" type="hidden" value="2"' in page  # based on the new version
    with app.app_context():
        goal = db.session.get(Goal, goal_id)
        assert goal.description == "Kalle börjar i fotbollslaget" and goal.version == 2
        failed = db.session.scalar(select(AuditEntry).where(
            AuditEntry.event == "goal_updated", AuditEntry.outcome == "failed"))
        assert json.loads(failed.details) == {"goal": goal_id, "reason": "conflict"}
    # saving again, deliberately, on the new version replaces it
    again = second.post(url, data={"life_area": "leisure", "version": "2",
                                   "description": typed,
                                   "csrf_token": csrf_from(clash.get_data(as_text=True))})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Goal, goal_id).description == typed


def test_concurrent_status_change_is_a_conflict_too(app, client, plan, per, fake_clock):
    case, action_id = plan["case"], plan["police_action"]
    per_client = _logged_in(app, per, fake_clock)
    assert post(per_client, f"/cases/{case}/plan/actions/{action_id}/status",
                {"status": "in_progress", "version": "1"},
                page=f"/cases/{case}").status_code == 302
    late = post(client, f"/cases/{case}/plan/actions/{action_id}/status",
                {"status": "cancelled", "version": "1"}, page=f"/cases/{case}")
    page = text_of(late)
    assert late.status_code == 409 and "conflict" in page
    assert re.search(r'<option selected value="cancelled">|<option value="cancelled" selected',
                     page)
    with app.app_context():
        assert db.session.get(Action, action_id).status == "in_progress"


def test_a_race_the_form_version_cannot_see_is_caught_by_the_database(app, plan, sara):
    """Both writers passed the version check; the database refuses the second update."""
    from auth.models import User
    from sig.cases.models import Case
    from sig.plans import operations

    with app.test_request_context():
        user = db.session.get(User, sara.id)
        case = db.session.get(Case, plan["case"])
        action = db.session.get(Action, plan["school_action"])
        with db.engine.begin() as other:  # another server commits in between
            other.execute(update(Action).where(Action.id == action.id)
                          .values(version=2, status="done"))
        with pytest.raises(operations.Conflict) as raised:
            operations.update_action_status(user, case, action, "cancelled", version=1)
        assert raised.value.version == 2 and raised.value.item.status == "done"
    with app.app_context():
        assert db.session.get(Action, plan["school_action"]).status == "done"
        assert not db.session.scalars(select(Change).where(
            Change.item_id == plan["school_action"], Change.field == "status",
            Change.after == "cancelled")).all()


def test_follow_up_at_a_meeting_is_recorded_in_the_history(app, plan, sara, orgs):
    import datetime as dt

    from auth.models import User
    from kernel import clock
    from sig.cases.models import Case
    from sig.meetings.models import Meeting
    from sig.plans import operations

    with app.test_request_context():
        user = db.session.get(User, sara.id)
        case = db.session.get(Case, plan["case"])
        meeting = Meeting(case_id=case.id, starts_at=clock.now() + dt.timedelta(days=1),
                          origin_org_id=orgs["social"].id, category="coordination",
                          created_by_id=sara.id)
        db.session.add(meeting)
        db.session.commit()
        action = db.session.get(Action, plan["school_action"])
        operations.update_action_status(user, case, action, "in_progress", version=1,
                                        follow_up="Går bättre", meeting=meeting)
        with pytest.raises(operations.PlanError):  # a meeting of another case
            other = Meeting(case_id="another-case", starts_at=meeting.starts_at,
                            origin_org_id=orgs["social"].id, category="coordination",
                            created_by_id=sara.id)
            operations.update_action_status(user, case, action, "done", version=2,
                                            meeting=other)
        changes = db.session.scalars(select(Change).where(
            Change.item_id == action.id, Change.meeting_id == meeting.id)).all()
        assert {c.field for c in changes} == {"status", "follow_up"}


def test_fred_gets_404_on_every_plan_url(app, plan, fred, fake_clock):
    fred_client = _logged_in(app, fred, fake_clock)
    case = plan["case"]
    goal, action = plan["goals"]["school"], plan["police_action"]
    gets = [f"/cases/{case}/plan/goals/new", f"/cases/{case}/plan/goals/{goal}/edit",
            f"/cases/{case}/plan/goals/{goal}/history",
            f"/cases/{case}/plan/goals/{goal}/actions/new",
            f"/cases/{case}/plan/actions/{action}/edit",
            f"/cases/{case}/plan/actions/{action}/history"]
    for url in gets:
        assert fred_client.get(url).status_code == 404, url
    token = csrf_from(fred_client.get("/account").get_data(as_text=True))
    posts = gets[:2] + gets[3:5] + [f"/cases/{case}/plan/actions/{action}/status"]
    for url in posts:
        response = fred_client.post(url, data={"csrf_token": token, "status": "done",
                                               "version": "1", "what": "x",
                                               "description": "x", "life_area": "school"})
        assert response.status_code == 404, url
    with app.app_context():
        assert db.session.get(Action, action).status == "planned"
        assert db.session.get(Action, action).version == 1


def test_post_without_csrf_token_is_400(app, client, plan):
    case, action = plan["case"], plan["police_action"]
    assert client.post(f"/cases/{case}/plan/goals/new",
                       data={"life_area": "health", "description": "x"}).status_code == 400
    assert client.post(f"/cases/{case}/plan/actions/{action}/status",
                       data={"status": "done", "version": "1"}).status_code == 400
    with app.app_context():
        assert len(db.session.scalars(select(Goal)).all()) == 2
        assert db.session.get(Action, action).status == "planned"


def test_the_audit_log_has_the_plan_events_without_the_text(app, client, plan):
    case = plan["case"]
    post(client, f"/cases/{case}/plan/actions/{plan['school_action']}/edit",
         {"what": SCHOOL_ACTION, "responsible_user_id": "", "start_date": "",
          "due_date": LATER, "status": "in_progress",
          "follow_up": "Utvärdering efter fyra veckor", "version": "1"},
         page=f"/cases/{case}/plan/actions/{plan['school_action']}/edit")
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        events = [e.event for e in entries]
        assert events.count("goal_created") == 2 and events.count("action_created") == 2
        assert "action_updated" in events
        updated = json.loads(next(e.details for e in entries if e.event == "action_updated"))
        assert updated["action"] == plan["school_action"]
        assert updated["fields"] == ["follow_up", "status"]
        for entry in entries:
            for word in SECRET_WORDS:
                assert word not in entry.details, (entry.event, word)


def test_closed_case_plan_is_read_only(app, client, plan):
    case = plan["case"]
    post(client, f"/cases/{case}/close", {"reason": "completed", "closed_on": "2026-03-01",
                                          "confirmed": "yes"},
         page=f"/cases/{case}")
    page = text_of(client.get(f"/cases/{case}"))
    assert SCHOOL_GOAL in page and "/plan/goals/new" not in page and "/edit" not in page
    response = post(client, f"/cases/{case}/plan/goals/new",
                    {"life_area": "health", "description": "x"}, page=f"/cases/{case}")
    assert response.status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(Goal)).all()) == 2


def test_member_plans_their_organisations_own_part(app, client, plan, orgs, sara, per, kim,
                                                    fake_clock):
    """Per sees none of social services' goals, so he adds a police goal and police
    actions under it; they are police items: Sara sees them by statute (police → social
    services), Kim does not without consent."""
    per_client = _logged_in(app, per, fake_clock)
    case = plan["case"]
    _add_goal(per_client, case, "criminality", "Inga nya brott under hösten")
    goal_id = _goal_ids(app, case)["criminality"]
    refused = _add_action(per_client, case, goal_id, orgs["school"].id, "Skolan ska ringa")
    assert refused.status_code == 200
    added = _add_action(per_client, case, goal_id, orgs["police"].id, "Orosamtal med familjen")
    assert added.status_code == 302
    per_page = text_of(per_client.get(f"/cases/{case}"))
    assert "Inga nya brott" in per_page and "Orosamtal med familjen" in per_page
    assert f"/plan/goals/{goal_id}/edit" in per_page
    sara_page = text_of(client.get(f"/cases/{case}"))
    assert "Inga nya brott" in sara_page and "Orosamtal" in sara_page
    kim_client = _logged_in(app, kim, fake_clock)
    assert "Orosamtal" not in text_of(kim_client.get(f"/cases/{case}"))
    assert kim_client.get(f"/cases/{case}/plan/goals/{goal_id}/edit").status_code == 404
