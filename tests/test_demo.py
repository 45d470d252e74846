"""Demo data: every persona, printed logins, idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from auth.models import Organisation, User
from sig.db import db
from sig.demo import DEMO_PASSWORD, PERSONAS
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
        assert db.session.scalar(select(func.count()).select_from(User)) == len(PERSONAS)
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 5
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
