"""A form that adds something is saved once, however often it is sent: a double click
(the browser sends the form twice, the second time while or after the first is saved),
or a browser sending it again.  Each form is sent as the browser would send it — every
field the page's form holds, with its token — and the second sending lands where the
first one's result is shown, told so; the same form with other values is a new one."""
# ruff: noqa: F811 - the tests take the imported fixture `plan` by its name
from __future__ import annotations

import datetime as dt
import io
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from auth.models import Organisation
from auth.roles import Role
from kernel import clock, submissions
from kernel.db import db
from sig.documents.models import Document
from sig.meetings.models import Meeting, MinutesEntry, Participant
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action, Goal
from sig.youths.models import Guardian
from tests.case_helpers import text_of
from tests.helpers import csrf, login
from tests.test_documents import PDF
from tests.test_plans import plan  # noqa: F401 - the world: Sara's case, Per and Kim
from tests.test_reliability import double_click

SENT_TWICE = "Formuläret skickades mer än en gång. Det sparades en gång."


class _Forms(HTMLParser):
    """The forms of a page as a browser sends them: per action, the fields' names and
    values (a checkbox or radio when checked, a select's chosen or first option)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[list]] = {}
        self._fields: list | None = None
        self._select: list | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._fields = self.forms.setdefault(a.get("action", ""), [])
        elif self._fields is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._fields.append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None, False]
            self._fields.append(self._select)
        elif tag == "option" and self._select is not None:
            if self._select[1] is None or ("selected" in a and not self._select[2]):
                self._select[1] = a.get("value", "")
                self._select[2] = "selected" in a
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            self._fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def as_sent(client, page: str, action: str, **values) -> MultiDict:
    """What the browser sends from the form posting to ``action`` on ``page``, with
    ``values`` typed (a name given replaces that field; a new name is added)."""
    forms = _Forms()
    forms.feed(client.get(page).get_data(as_text=True))
    fields = [(f[0], f[1] or "") for f in forms.forms[action]]
    assert any(name == "once" for name, _value in fields), f"no token in {action}"
    kept = [(name, value) for name, value in fields if name not in values]
    return MultiDict(kept + list(values.items()))


def _with(sent: MultiDict, **values) -> MultiDict:
    changed = sent.copy()
    for name, value in values.items():
        changed[name] = value
    return changed


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _later(days: int) -> str:
    return (clock.local_today() + dt.timedelta(days=days)).isoformat()


def _meeting_id(app, case_id: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Meeting.id).where(Meeting.case_id == case_id)
                                 .order_by(Meeting.created_at.desc()))


def _youth_id(app, case_id: str) -> str:
    from sig.cases.models import Case

    with app.app_context():
        return db.session.get(Case, case_id).youth_id


def _schedule(app, client, case_id: str, when: str = "2027-03-04T10:00",
              invite_group: bool = True) -> str:
    url = f"/cases/{case_id}/meetings/new"
    sent = as_sent(client, url, url, starts_at=when, place="Rum 2", agenda="Planen")
    if not invite_group:
        sent.pop("invite_group")
    response = client.post(url, data=sent)
    assert response.status_code == 302, text_of(response)[-2000:]
    return _meeting_id(app, case_id)


# Each form that adds something: the page that holds it, where it posts, what is typed,
# and what it adds (a model and the rows of this case).
def _goal(app, client, case):
    url = f"/cases/{case['case']}/plan/goals/new"
    return url, url, {"life_area": "school", "description": "Kalle läser varje kväll"}, (
        Goal, Goal.case_id == case["case"])


def _action(app, client, case, orgs):
    url = f"/cases/{case['case']}/plan/goals/{case['goals']['school']}/actions/new"
    return url, url, {"what": "Läxhjälp på tisdagar", "responsible_org_id":
                      orgs["school"].id}, (Action, Action.case_id == case["case"])


def _meeting(app, client, case):
    url = f"/cases/{case['case']}/meetings/new"
    return url, url, {"starts_at": "2027-02-03T09:30", "place": "Rum 1"}, (
        Meeting, Meeting.case_id == case["case"])


def _on_a_meeting(path: str, typed: dict[str, str], model, column):
    """A form of a new meeting's page, posting to the meeting's ``path``."""
    def make(app, client, case):
        meeting = _schedule(app, client, case["case"])
        page = f"/cases/{case['case']}/meetings/{meeting}"
        return page, f"{page}/{path}", typed, (model, column == meeting)
    return make


_minutes = _on_a_meeting("protocol", {"category": "coordination",
                                      "text": "Alla var överens om planen"},
                         MinutesEntry, MinutesEntry.meeting_id)
_external = _on_a_meeting("participants/external", {"external_role": "other",
                                                    "external_name": "Tolk Tolksson"},
                          Participant, Participant.meeting_id)


def _outcome(app, client, case):
    url = f"/cases/{case['case']}/outcomes/new"
    return url, url, {"kind": "concern_report", "note": "Anmälan från skolan"}, (
        OutcomeEvent, OutcomeEvent.case_id == case["case"])


def _guardian(app, client, case):
    youth = _youth_id(app, case["case"])
    return f"/youths/{youth}", f"/youths/{youth}/guardians", {"name": "Eva Extra"}, (
        Guardian, Guardian.youth_id == youth)


FORMS = {"goal": _goal, "action": _action, "meeting": _meeting, "minutes": _minutes,
         "external participant": _external, "outcome": _outcome, "guardian": _guardian}


def _form(name, app, client, world, orgs):
    make = FORMS[name]
    return make(app, client, world, orgs) if name == "action" else make(app, client, world)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_form_sent_twice_adds_once_and_says_so(app, client, plan, orgs, name):
    page, action, typed, (model, where) = _form(name, app, client, plan, orgs)
    before = _count(app, model, where)
    sent = as_sent(client, page, action, **typed)
    first = client.post(action, data=sent)
    assert first.status_code == 302, text_of(first)[-2000:]
    second = client.post(action, data=sent)
    assert second.status_code == 302
    assert _count(app, model, where) == before + 1
    shown = client.get(second.location)
    assert shown.status_code == 200 and SENT_TWICE in text_of(shown)


@pytest.mark.parametrize("name", ["goal", "minutes", "outcome"])
def test_a_form_sent_again_while_the_first_is_saved_adds_once(app, client, plan, orgs,
                                                               sara, fake_clock, name):
    """The second sending arrives while the first waits at its first write: both passed
    the check before either saved; the database's key decides (on both databases)."""
    page, action, typed, (model, where) = _form(name, app, client, plan, orgs)
    before = _count(app, model, where)
    sent = as_sent(client, page, action, **typed)
    other = app.test_client()  # the same person's second request, on its own connection
    login(other, sara, fake_clock=fake_clock)
    token = as_sent(other, page, action)["csrf_token"]
    again = _with(sent, csrf_token=token)
    table = model.__tablename__.upper()
    with double_click(app, f"INSERT INTO {table}",
                      lambda: other.post(action, data=again).status_code) as fired:
        first = client.post(action, data=sent)
    assert fired == [True, 302]                 # the second one saved it
    assert first.status_code == 302              # the first is told it was saved once
    assert _count(app, model, where) == before + 1
    assert SENT_TWICE in text_of(client.get(first.location))


def test_the_same_form_with_other_values_is_a_new_one(app, client, plan, orgs):
    """Back, change, send: the token is the same, what was typed is not."""
    page, action, typed, (model, where) = _goal(app, client, plan)
    before = _count(app, model, where)
    sent = as_sent(client, page, action, **typed)
    assert client.post(action, data=sent).status_code == 302
    changed = _with(sent, description="Kalle läser två böcker i månaden")
    assert client.post(action, data=changed).status_code == 302
    assert _count(app, model, where) == before + 2
    assert SENT_TWICE not in text_of(client.get(f"/cases/{plan['case']}"))


def test_a_form_refused_keeps_its_token_and_is_saved_once_when_corrected(
        app, client, plan, orgs):
    url = f"/cases/{plan['case']}/plan/goals/{plan['goals']['school']}/actions/new"
    sent = as_sent(client, url, url, what="Läxhjälp", responsible_org_id=orgs["school"].id,
                   start_date="2027-05-01", due_date="2027-04-01")  # due before start
    refused = client.post(url, data=sent)
    assert refused.status_code == 200 and "före startdatum" in text_of(refused)
    kept = sent["once"]
    assert f'name="once" type="hidden" value="{kept}"' in text_of(refused)
    corrected = _with(sent, due_date="2027-06-01")
    before = _count(app, Action, Action.case_id == plan["case"])
    assert client.post(url, data=corrected).status_code == 302
    assert client.post(url, data=corrected).status_code == 302
    assert _count(app, Action, Action.case_id == plan["case"]) == before + 1


def test_a_document_sent_twice_is_added_once(app, client, plan):
    url = f"/cases/{plan['case']}/documents/new"

    def body():
        return {**as_sent(client, url, url).to_dict(), "once": token, "title": "Utredning",
                "category": "social_assessment", "file": (io.BytesIO(PDF), "utredning.pdf")}

    token = as_sent(client, url, url)["once"]
    first = client.post(url, data=body(), content_type="multipart/form-data")
    second = client.post(url, data=body(), content_type="multipart/form-data")
    assert (first.status_code, second.status_code) == (302, 302)
    assert _count(app, Document, Document.case_id == plan["case"]) == 1
    other_file = {**body(), "file": (io.BytesIO(PDF + b"\n%extra"), "utredning.pdf")}
    third = client.post(url, data=other_file, content_type="multipart/form-data")
    assert third.status_code == 302
    assert _count(app, Document, Document.case_id == plan["case"]) == 2


def test_an_account_and_an_organisation_sent_twice_are_made_once(app, ali, orgs, fake_clock):
    client = app.test_client()
    login(client, ali, fake_clock=fake_clock)
    sent = as_sent(client, "/admin/organisations", "/admin/organisations",
                   name="Fritidsgården", kind="other")
    assert client.post("/admin/organisations", data=sent).status_code == 302
    second = client.post("/admin/organisations", data=sent)
    assert second.status_code == 302
    assert "finns redan" not in text_of(client.get(second.location))
    assert _count(app, Organisation, Organisation.name == "Fritidsgården") == 1
    sent = as_sent(client, "/admin/users/new", "/admin/users/new", username="nyperson",
                   display_name="Ny Person", organisation_id=orgs["school"].id,
                   role=Role.MEMBER.value)
    first = client.post("/admin/users/new", data=sent)
    assert first.status_code == 200 and "nyperson" in text_of(first)
    second = client.post("/admin/users/new", data=sent)
    assert second.status_code == 302 and second.location.endswith("/admin/users")
    listed = text_of(client.get(second.location))
    assert "kontot skapades en gång" in listed and "återställ lösenordet" in listed
    assert "nyperson" in listed


def test_fred_sending_saras_form_gets_404_and_does_not_spend_it(app, client, plan,
                                                                fred, fake_clock):
    """Fred, with what Sara's form sends (its token too), gets her case's 404; nothing he
    sent is kept that would turn her own sending away."""
    page, action, typed, (model, where) = _goal(app, client, plan)
    sent = as_sent(client, page, action, **typed)
    intruder = app.test_client()
    login(intruder, fred, fake_clock=fake_clock)
    stolen = _with(sent, csrf_token=csrf(intruder, "/account"))
    assert intruder.post(action, data=stolen).status_code == 404
    assert _count(app, submissions.FormSubmission) == 0
    before = _count(app, model, where)
    assert client.post(action, data=sent).status_code == 302
    assert _count(app, model, where) == before + 1


def test_the_token_is_never_given_back_as_typed_text():
    from sig.web.errors import typed_texts

    token = "A" * 24
    assert typed_texts(MultiDict([("once", token), ("text", "Alla var överens")])) == [
        "Alla var överens"]


def test_a_malformed_token_is_no_token(app, client, plan):
    page, action, typed, (model, where) = _goal(app, client, plan)
    sent = _with(as_sent(client, page, action, **typed), once="<script>")
    before = _count(app, model, where)
    assert client.post(action, data=sent).status_code == 302
    assert _count(app, model, where) == before + 1


def test_the_keys_are_kept_a_day_and_hold_no_value(app, client, plan, fake_clock):
    page, action, typed, _added = _goal(app, client, plan)
    assert client.post(action, data=as_sent(client, page, action, **typed)).status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(submissions.FormSubmission)).all()
        assert len(rows) == 1 and len(rows[0].key) == 64
        assert "Kalle" not in rows[0].key + rows[0].shown_at
        assert rows[0].shown_at.startswith(f"/cases/{plan['case']}")
    fake_clock.advance(hours=23)
    result = app.test_cli_runner().invoke(args=["users", "purge-sessions"])
    assert result.exit_code == 0
    assert _count(app, submissions.FormSubmission) == 1
    fake_clock.advance(hours=2)
    app.test_cli_runner().invoke(args=["users", "purge-sessions"])
    assert _count(app, submissions.FormSubmission) == 0


def test_a_case_opened_twice_is_opened_once_and_not_called_an_error(app, client, sara,
                                                                    fake_clock):
    from sig.cases.models import Case
    from tests.case_helpers import register_youth

    login(client, sara, fake_clock=fake_clock)
    youth = register_youth(client)
    url = f"/youths/{youth}/cases/new"
    sent = as_sent(client, url, url, referral_source="police")
    assert client.post(url, data=sent).status_code == 302
    second = client.post(url, data=sent)
    assert second.status_code == 302 and second.location == f"/youths/{youth}"
    page = text_of(client.get(second.location))
    assert SENT_TWICE in page and "har redan ett öppet ärende" not in page
    assert _count(app, Case, Case.youth_id == youth) == 1


def test_an_area_group_sent_twice_is_made_once(app, make_user, fake_clock):
    from sig.area.models import AreaGroup

    cora = make_user("cora", "social", Role.COORDINATOR, name="Cora Samordnare")
    client = app.test_client()
    login(client, cora, fake_clock=fake_clock)
    sent = as_sent(client, "/area", "/area/groups", name="EST Norr", kind="situation",
                   period_days="14")
    assert client.post("/area/groups", data=sent).status_code == 302
    second = client.post("/area/groups", data=sent)
    assert second.status_code == 302 and SENT_TWICE in text_of(client.get(second.location))
    assert _count(app, AreaGroup, AreaGroup.name == "EST Norr") == 1


def test_a_consent_sent_twice_is_recorded_once(app, client, plan, orgs):
    from consent.models import Consent
    from tests.test_consents import grant, guardians

    url = f"/cases/{plan['case']}/consents/new"
    sent = as_sent(client, url, url, youth="y", method="signed_form")
    sent.setlist("guardians", list(guardians(app, plan["case"])))
    sent.setlist("grants", [grant(orgs, "social", "police", "coordination")])
    first = client.post(url, data=sent)
    assert first.status_code == 302, text_of(first)[-2000:]
    second = client.post(url, data=sent)
    assert second.status_code == 302 and SENT_TWICE in text_of(client.get(second.location))
    assert _count(app, Consent, Consent.case_id == plan["case"]) == 1


# --- edits: the second sending of the same change is not "changed meanwhile" -------------


def _edit_goal(client, plan):
    goal = plan["goals"]["school"]
    url = f"/cases/{plan['case']}/plan/goals/{goal}/edit"
    return url, as_sent(client, url, url, description="Kalle går i skolan varje dag, i tid")


def _version(app, model, item_id) -> int:
    with app.app_context():
        return db.session.get(model, item_id).version


def test_a_change_sent_twice_is_saved_once_and_not_called_a_conflict(app, client, plan):
    url, sent = _edit_goal(client, plan)
    goal = plan["goals"]["school"]
    version = _version(app, Goal, goal)
    assert client.post(url, data=sent).status_code == 302
    second = client.post(url, data=sent)
    assert second.status_code == 302
    page = text_of(client.get(second.location))
    assert SENT_TWICE in page and "i tid" in page
    assert _version(app, Goal, goal) == version + 1


def test_a_change_sent_again_while_the_first_is_saved_is_not_a_conflict(app, client, plan,
                                                                         sara, fake_clock):
    """The second sending saves first (the first waits at its write), so the first finds
    the version moved on: the answer is the same as for any second sending."""
    url, sent = _edit_goal(client, plan)
    other = app.test_client()
    login(other, sara, fake_clock=fake_clock)
    again = _with(sent, csrf_token=as_sent(other, url, url)["csrf_token"])
    with double_click(app, "UPDATE GOALS",
                      lambda: other.post(url, data=again).status_code) as fired:
        first = client.post(url, data=sent)
    assert fired == [True, 302]
    assert first.status_code == 302 and SENT_TWICE in text_of(client.get(first.location))


def test_someone_elses_change_meanwhile_is_still_a_conflict(app, client, plan, sara,
                                                           fake_clock):
    url, sent = _edit_goal(client, plan)
    other = app.test_client()
    login(other, sara, fake_clock=fake_clock)
    theirs = as_sent(other, url, url, description="Kalle går i skolan fyra dagar i veckan")
    assert other.post(url, data=theirs).status_code == 302
    mine = client.post(url, data=sent)
    assert mine.status_code == 409 and "i tid" in text_of(mine)
    # the refusal's access-log entry kept no key: "save my version" saves
    forms = _Forms()
    forms.feed(mine.get_data(as_text=True))
    again = MultiDict([(f[0], f[1] or "") for f in forms.forms[url]])
    assert again["once"] == sent["once"] and again["version"] != sent["version"]
    assert client.post(url, data=again).status_code == 302
    assert "i tid" in text_of(client.get(f"/cases/{plan['case']}"))


def test_a_status_and_a_cancellation_sent_twice_are_saved_once(app, client, plan):
    case, action = plan["case"], plan["school_action"]
    status_url = f"/cases/{case}/plan/actions/{action}/status"
    sent = as_sent(client, f"/cases/{case}", status_url, status="in_progress")
    assert client.post(status_url, data=sent).status_code == 302
    second = client.post(status_url, data=sent)
    assert second.status_code == 302 and SENT_TWICE in text_of(client.get(second.location))
    meeting = _schedule(app, client, case)
    page = f"/cases/{case}/meetings/{meeting}"
    sent = as_sent(client, page, f"{page}/cancel")
    assert client.post(f"{page}/cancel", data=sent).status_code == 302
    second = client.post(f"{page}/cancel", data=sent)
    shown = text_of(client.get(second.location))
    assert SENT_TWICE in shown and "ändrade mötet" not in shown


def test_a_member_added_twice_is_added_once_and_not_refused(app, client, plan, make_user):
    """After the first sending the person is no longer offered in the picker: the second
    is answered before the form is checked, not with "not a valid choice"."""
    from sig.cases.models import Membership

    lisa = make_user("lisa", "school", Role.MEMBER)
    url = f"/cases/{plan['case']}/members"
    sent = as_sent(client, url, url, user_id=lisa.id, function="mentor")
    assert client.post(url, data=sent).status_code == 302
    second = client.post(url, data=sent)
    assert second.status_code == 302 and SENT_TWICE in text_of(client.get(second.location))
    assert _count(app, Membership, Membership.case_id == plan["case"],
                  Membership.user_id == lisa.id) == 1


def test_a_participant_added_twice_is_added_once(app, client, plan, per):
    meeting = _schedule(app, client, plan["case"], invite_group=False)
    page = f"/cases/{plan['case']}/meetings/{meeting}"
    sent = as_sent(client, page, f"{page}/participants", user_id=per.id)
    assert client.post(f"{page}/participants", data=sent).status_code == 302
    second = client.post(f"{page}/participants", data=sent)
    assert second.status_code == 302 and SENT_TWICE in text_of(client.get(second.location))
    assert _count(app, Participant, Participant.meeting_id == meeting,
                  Participant.user_id == per.id) == 1
