"""Health and readiness for a load balancer: no data, no session, no access-log entry.

* ``GET /healthz`` — the process answers (liveness); touches nothing.
* ``GET /readyz`` — this app server can serve: the database answers, its schema is at
  the migrations' head, and the key file loads.  503 with the names of what failed
  (never a message, which could carry a path or a host).
"""
from __future__ import annotations

from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from auth.permissions import public
from kernel.crypto.keys import current_keyring
from kernel.db import db

bp = Blueprint("health", __name__)


def _head() -> str | None:
    cached = current_app.extensions.get("sig.migration_head")
    if cached is None:
        from sig.migrate import alembic_config

        cached = ScriptDirectory.from_config(alembic_config()).get_current_head()
        current_app.extensions["sig.migration_head"] = cached
    return cached


def _checks() -> dict[str, bool]:
    results: dict[str, bool] = {}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
        results["database"] = True
        results["schema"] = current == _head()
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        results["database"] = results.get("database", False)
        results.setdefault("schema", False)
    try:
        results["keys"] = bool(current_keyring().active_id)
    except Exception:  # noqa: BLE001
        results["keys"] = False
    return results


def _answer(body: dict[str, Any], status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
@public
def healthz():
    return _answer({"status": "alive"}, 200)


@bp.route("/readyz")
@public
def readyz():
    checks = _checks()
    failed = sorted(name for name, ok in checks.items() if not ok)
    if failed:
        current_app.logger.warning("not ready: %s", ", ".join(failed))
        return _answer({"status": "not ready", "failed": failed}, 503)
    return _answer({"status": "ready"}, 200)
