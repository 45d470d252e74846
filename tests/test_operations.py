"""What an operator needs: health and readiness for the load balancer (and, below,
backup, restore and the anchored audit head)."""
from __future__ import annotations

from sqlalchemy import func, select

from auth.models import WebSession
from kernel.audit.models import AuditEntry
from kernel.db import db


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(WebSession)),
                db.session.scalar(select(func.count()).select_from(AuditEntry)))


def test_health_and_readiness_answer_without_session_or_log(app):
    client = app.test_client()
    before = _counts(app)
    alive = client.get("/healthz")
    ready = client.get("/readyz")
    assert alive.status_code == 200 and alive.get_json() == {"status": "alive"}
    assert ready.status_code == 200 and ready.get_json() == {"status": "ready"}
    for response in (alive, ready):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
    assert _counts(app) == before


def test_not_ready_without_the_key_file(app, tmp_path):
    app.config["KEYRING_PATH"] = str(tmp_path / "missing-keys.json")
    app.extensions.pop("sig.keyring", None)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "failed": ["keys"]}
    assert "missing-keys" not in response.get_data(as_text=True)


def test_not_ready_when_the_schema_is_behind(app):
    app.extensions["sig.migration_head"] = "9999"  # as if the code were newer than the schema
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["failed"] == ["schema"]
