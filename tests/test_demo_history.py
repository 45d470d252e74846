"""The demo's anonymous history: real figures on Maria's dashboard, and nothing in any
persona's own working views (Fred, the curious police officer, included)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from auth.models import User
from kernel.db import db
from sig import demo
from sig.cases.models import Case, Membership
from sig.demo_history import ACCOUNTS, OWNER
from sig.meetings.models import Participant
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action
from tests.helpers import login

# A fixed day, so the history (laid out relative to today) is the same in every run.
TODAY = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
SECTION = re.compile(r'<section class="statistic" id="([^"]+)".*?</section>', re.S)
SHOWN = re.compile(r'<td data-col="[^"]+" data-mark="shown">([^<]*)</td>')


@pytest.fixture
def loaded(app, fake_clock) -> list[str]:
    fake_clock.current = TODAY
    app.config["MFA_REQUIRED"] = False  # as the demo's instance config does
    with app.app_context():
        return demo.load()


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Case, Membership, Participant, Action, OutcomeEvent)}


def _history_case_ids() -> set[str]:
    owner = db.session.scalar(select(User).where(User.username == OWNER))
    return set(db.session.scalars(select(Case.id).where(Case.owner_id == owner.id)))


def test_history_is_loaded_once_and_owned_by_a_deactivated_former_colleague(app, loaded):
    assert any(line.startswith("Anonymous history for the statistics:") for line in loaded)
    with app.app_context():
        history = _history_case_ids()
        assert 70 <= len(history) <= 95
        accounts = {u.username: u for u in db.session.scalars(
            select(User).where(User.username.in_([a[0] for a in ACCOUNTS])))}
        assert len(accounts) == len(ACCOUNTS)
        assert not any(u.active for u in accounts.values())
        statuses = dict(db.session.execute(
            select(Case.status, func.count()).where(Case.id.in_(history))
            .group_by(Case.status)).all())
        assert statuses["closed"] > statuses["active"] >= 15
        # No persona owns, is in the group of or took part in a history case.
        persona_ids = set(db.session.scalars(select(User.id).where(
            User.username.in_([p[0] for p in demo.PERSONAS]))))
        assert len(persona_ids) == len(demo.PERSONAS)
        assert not db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.case_id.in_(history), Membership.user_id.in_(persona_ids)))
        assert not db.session.scalar(select(func.count()).select_from(Participant).where(
            Participant.case_id.in_(history), Participant.user_id.in_(persona_ids)))
        assert not db.session.scalar(select(func.count()).select_from(Action).where(
            Action.case_id.in_(history), Action.responsible_user_id.in_(persona_ids)))
        # Dates a person could have entered: nothing ahead of today, in order.
        today = TODAY.date()
        for referred, started, closed in db.session.execute(
                select(Case.referral_date, Case.plan_agreed_on, Case.closed_on)
                .where(Case.id.in_(history))):
            assert referred <= started <= (closed or today) <= today
        assert not db.session.scalar(select(func.count()).select_from(OutcomeEvent).where(
            OutcomeEvent.occurred_on > today))
        before = _counts()
        again = demo.load()
        assert not any("history" in line for line in again)
        assert _counts() == before


def test_no_history_case_in_any_personas_case_list(app, loaded):
    with app.app_context():
        references = {"SIG-" + case_id[:8].upper() for case_id in _history_case_ids()}
        people = {u.username: u for u in db.session.scalars(select(User).where(
            User.username.in_(["sara", "per", "kim", "lo", "fred"])))}
    for username in ("sara", "fred", "per", "kim", "lo"):
        client = app.test_client()
        login(client, people[username], demo.DEMO_PASSWORD)
        page = client.get("/cases")
        assert page.status_code == 200, username
        html = page.get_data(as_text=True)
        assert not any(ref in html for ref in references), username
        assert "Historik" not in html, username
        if username == "sara":
            assert html.count('href="/cases/') == 4  # her own four demo cases


def test_former_colleagues_cannot_log_in(app, loaded):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == OWNER))
    client = app.test_client()
    response = login(client, owner, demo.DEMO_PASSWORD)
    assert not (response.status_code == 302 and response.location.endswith("/start"))
    assert client.get("/cases").status_code in (302, 401, 403)


def test_maria_sees_real_figures_for_2025(app, loaded):
    with app.app_context():
        maria = db.session.scalar(select(User).where(User.username == "maria"))
    client = app.test_client()
    login(client, maria, demo.DEMO_PASSWORD)
    html = client.get("/statistics/?period=year&year=2025").get_data(as_text=True)
    sections = {m.group(1): m.group(0) for m in SECTION.finditer(html)}
    for name in ("outcomes_after_start", "attendance", "actions", "cases_opened"):
        figures = [int(re.sub(r"\D", "", v)) for v in SHOWN.findall(sections[name])]
        assert any(n >= 5 for n in figures), (name, figures)

