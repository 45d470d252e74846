"""The start page: my cases, my actions due, my meetings — and where the role leads."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

from auth.permissions import Permission, has_permission, public, requires
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.home import reminders

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def root():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return redirect(url_for("auth.login"))


@bp.route("/start")
@requires(Permission.VIEW_START_PAGE)
def index():
    due = None
    if has_permission(current_user, Permission.WORK_IN_CASES):
        due = reminders.for_user(current_user, clock.now())
        record(AuditEvent.START_PAGE_VIEWED, details={
            "cases": len(due.cases), "listed": len(due.listed),
            "identity_shown": len(due.names), "actions": len(due.actions),
            "meetings": len(due.meetings)})
        db.session.commit()
    return render_template("home/index.html", due=due)


@bp.route("/accessibility")
@public
def accessibility():
    """The accessibility statement (tillgänglighetsredogörelse, lagen om tillgänglighet
    till digital offentlig service): how accessible SIG is, what is known not to be, and
    how to report a problem."""
    return render_template("home/accessibility.html",
                           contact=current_app.config["ACCESSIBILITY_CONTACT"],
                           assessed=current_app.config["ACCESSIBILITY_ASSESSED"])
