"""The application factory."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect

from sig import config
from sig.config import ROOT

csrf = CSRFProtect()



def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults → ``instance/config.py`` → ``SIG_*`` environment variables.

    ``test_config`` replaces the last two (tests pass everything they need).
    :raises config.ConfigurationError: outside debug/testing without a strong secret or keys.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("SIG_INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
    )
    if test_config and "INSTANCE_PATH" in test_config:
        app.instance_path = test_config["INSTANCE_PATH"]
    app.jinja_env.add_extension("jinja2.ext.do")
    config.load(app, test_config)
    config.check_production_safety(app)
    os.makedirs(app.instance_path, exist_ok=True)

    from auth import login as auth_login
    from auth.permissions import enforce_declared_permission, public
    from auth.sessions import ServerSessionInterface
    from kernel.db import Database
    from sig import i18n
    from sig.web import errors, ids, security

    Database(app)
    app.session_interface = ServerSessionInterface()
    csrf.init_app(app)
    i18n.init_app(app)
    auth_login.init_app(app)
    app.before_request(enforce_declared_permission)
    security.init_app(app)
    errors.init_app(app)
    ids.register(app)
    if app.config["PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _register_blueprints(app)
    public(app.view_functions["static"])
    from sig.statistics import solver

    app.teardown_appcontext(solver.reap)  # an idle suppression process is ended

    @app.template_filter("role_label")
    def role_label(code: str) -> str:
        from auth.roles import Role

        try:
            return Role(code).label
        except ValueError:
            return code

    from auth.sent_once import new_token

    # (a form written in a template carries the token of a SavedOnce form this way)
    app.jinja_env.globals["once_token"] = new_token

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        from flask_babel import get_locale

        from auth.permissions import Permission, has_permission

        return {"Permission": Permission, "has_permission": has_permission,
                "get_locale": get_locale,
                "mfa_required": app.config["MFA_REQUIRED"]}

    from sig.cli import register

    register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from auth.admin.views import bp as admin_bp
    from auth.views import bp as auth_bp
    from sig import labels
    from sig.area.views import bp as area_bp
    from sig.audit.views import bp as audit_bp
    from sig.casework.ownership import bp as ownership_bp
    from sig.casework.register import bp as youths_bp
    from sig.casework.sharing import bp as sharing_bp
    from sig.casework.views import bp as cases_bp
    from sig.consents.views import bp as consents_bp
    from sig.disclosures.views import bp as disclosures_bp
    from sig.documents.views import bp as documents_bp
    from sig.extracts.views import bp as extracts_bp
    from sig.health import bp as health_bp
    from sig.home.views import bp as home_bp
    from sig.meetings.views import bp as meetings_bp
    from sig.notify.views import bp as notify_bp
    from sig.outcomes.views import bp as outcomes_bp
    from sig.plans.views import bp as plans_bp
    from sig.referrals.views import bp as referrals_bp
    from sig.statistics.views import bp as statistics_bp

    for bp in (home_bp, auth_bp, admin_bp, audit_bp, youths_bp, cases_bp, plans_bp,
               meetings_bp, outcomes_bp, consents_bp, disclosures_bp, sharing_bp, statistics_bp,
               extracts_bp, ownership_bp, referrals_bp, notify_bp, documents_bp,
               area_bp, health_bp):
        app.register_blueprint(bp)
    labels.init_app(app)
    from auth.admin.operations import on_organisation_change
    from sig.cases import subjects
    from sig.cases.operations import leave_groups_on_move

    subjects.register()
    from sig.cases.operations import on_close
    from sig.cases.ownership import renew_on_reopen, withdraw_on_close
    from sig.plans.operations import end_open_actions, restore_ended_actions

    on_close(end_open_actions, restore_ended_actions)
    on_close(withdraw_on_close, renew_on_reopen)
    from sig.meetings.operations import cancel_coming_on_close, restore_on_reopen

    on_close(cancel_coming_on_close, restore_on_reopen)
    from sig.notify import changes

    changes.listen()
    from sig.statistics import store

    store.listen()
    on_organisation_change(leave_groups_on_move)
