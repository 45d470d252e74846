"""Demo data: every persona, printed logins, idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from auth.models import Organisation, User
from kernel.db import db
from sig.demo import DEMO_PASSWORD, ORGANISATIONS, PERSONAS
from tests.helpers import csrf


def test_demo_load_twice_creates_each_persona_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    for username, *_ in PERSONAS:
        assert username in first.output
    assert DEMO_PASSWORD in first.output
    with app.app_context():
        from sig.demo_history import ACCOUNTS

        users = db.session.scalar(select(func.count()).select_from(User))
        assert users == len(PERSONAS) + len(ACCOUNTS)  # the history's former colleagues
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == len(
            ORGANISATIONS)
        fred = db.session.scalar(select(User).where(User.username == "fred"))
        assert fred.role == "member" and fred.organisation.kind == "police"


def test_every_persona_can_log_in_to_the_demo(app):
    app.config["MFA_REQUIRED"] = False  # as the demo's instance config does
    app.test_cli_runner().invoke(args=["demo", "load"])
    for username, *_ in PERSONAS:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                               "csrf_token": csrf(client)})
        assert response.status_code == 302 and response.location.endswith("/start"), username
        assert client.get("/start").status_code == 200


def test_demo_cases_in_different_states_and_fred_in_one_group_only(app):
    from sig.cases.models import Case, Membership
    from sig.meetings.models import Participant
    from sig.plans.models import Action

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    runner.invoke(args=["demo", "load"])
    assert "Elias Lindqvist" in first.output
    with app.app_context():
        sara = db.session.scalar(select(User).where(User.username == "sara"))
        states = sorted(db.session.scalars(select(Case.status).where(Case.owner_id == sara.id)))
        assert states == ["active", "active", "closed", "referred"]
        fred = db.session.scalar(select(User).where(User.username == "fred"))
        fred_cases = set(db.session.scalars(
            select(Membership.case_id).where(Membership.user_id == fred.id)))
        assert len(fred_cases) == 1
        assert db.session.scalar(select(func.count()).select_from(Action)) >= 6
        marked = db.session.scalar(select(func.count()).select_from(Participant)
                                   .where(Participant.attendance.is_not(None)))
        assert marked >= 10
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_demo_consents_make_each_personas_view_differ(app):
    """Full consent (Elias): Per sees the youth's name; missing party (Nora): Kim does not;
    partial (Alva): Lo sees her, Fred (police) does not; withdrawn flow: Per sees no social
    assessment of Elias."""
    app.config["MFA_REQUIRED"] = False
    app.test_cli_runner().invoke(args=["demo", "load"])

    def page_of(username: str, youth_name: str) -> str:
        from sig.cases.models import Case
        from sig.youths.models import Youth

        client = app.test_client()
        client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                    "csrf_token": csrf(client)})
        with app.app_context():
            youth = next(y for y in db.session.scalars(select(Youth)) if y.name == youth_name)
            case_id = db.session.scalar(select(Case.id).where(Case.youth_id == youth.id))
        return client.get(f"/cases/{case_id}").get_data(as_text=True)

    assert "Elias Lindqvist" in page_of("per", "Elias Lindqvist")
    assert "Nora Haddad" not in page_of("kim", "Nora Haddad")
    assert "Alva Berg" in page_of("lo", "Alva Berg")
    fred_page = page_of("fred", "Alva Berg")
    assert "Alva Berg" not in fred_page and 'class="withheld-notice"' in fred_page


def test_demo_has_outcome_events_before_and_after_start(app):
    from sig.cases.models import Case
    from sig.outcomes.models import OutcomeEvent

    app.test_cli_runner().invoke(args=["demo", "load"])
    with app.app_context():
        rows = db.session.execute(select(OutcomeEvent.kind, OutcomeEvent.occurred_on,
                                         Case.referral_date, Case.closed_on)
                                  .join(Case, Case.id == OutcomeEvent.case_id)).all()
    assert {kind for kind, *_ in rows} == {"police_report", "concern_report",
                                            "concern_conversation"}
    assert any(on < start for _, on, start, _ in rows)
    assert any(closed and on > closed for _, on, _, closed in rows)  # a relapse
