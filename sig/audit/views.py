"""The auditor's page: list, filter and export the access log (Eva's monthly log review)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import Select, select
from wtforms import SelectChoice

from auth import directory
from auth.models import Organisation, User
from auth.permissions import Permission, requires
from kernel import clock
from kernel.audit.events import AuditEvent, event_label, outcome_label
from kernel.audit.log import record
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.audit.forms import AuditFilterForm
from sig.web.paging import page_of
from sig.web.spreadsheet import csv_response

bp = Blueprint("audit", __name__, url_prefix="/audit")
bp.add_app_template_filter(event_label, "event_label")
bp.add_app_template_filter(outcome_label, "outcome_label")

EXPORT_COLUMNS = ("seq", "at", "event", "outcome", "actor_user_id", "actor_username",
                  "actor_org", "actor_role", "target_type", "target_ref", "details", "hash")


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    users = db.session.execute(select(User.id, User.username).order_by(User.username))
    orgs = db.session.execute(select(Organisation.id, Organisation.name)
                              .order_by(Organisation.name))
    form.user.choices = [SelectChoice("", "—")] + [SelectChoice(i, n) for i, n in users]
    form.organisation.choices = [SelectChoice("", "—")] + [SelectChoice(i, n) for i, n in orgs]
    if not form.validate():
        # A filter that is not valid (an impossible date, an unknown user) filters nothing;
        # the page says why next to the field and keeps what was typed.
        for field in form:
            if field.errors:
                field.data = None
    return form


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def _filtered(form: AuditFilterForm) -> Select:
    stmt = select(AuditEntry)
    if form.user.data:
        stmt = stmt.where(AuditEntry.actor_user_id == form.user.data)
    if form.organisation.data:
        stmt = stmt.where(AuditEntry.actor_org_id == form.organisation.data)
    if form.event.data:
        stmt = stmt.where(AuditEntry.event == form.event.data)
    if form.date_from.data:
        stmt = stmt.where(AuditEntry.at >= _local_midnight_utc(form.date_from.data))
    if form.date_to.data:
        end = form.date_to.data + dt.timedelta(days=1)
        stmt = stmt.where(AuditEntry.at < _local_midnight_utc(end))
    return stmt


def _filters_used(form: AuditFilterForm) -> dict[str, str]:
    return {name: str(field.data) for name, field in form._fields.items() if field.data}


@bp.route("/")
@requires(Permission.READ_AUDIT_LOG)
def index():
    form = _form()
    page = page_of(_filtered(form).order_by(AuditEntry.seq.desc()),
                   current_app.config["AUDIT_PAGE_SIZE"])
    names = dict(db.session.execute(select(User.id, User.username)).all())
    orgs = directory.names()
    record(AuditEvent.AUDIT_VIEWED, details={"filters": _filters_used(form),
                                             "page": page.number})
    db.session.commit()
    return render_template("audit/index.html", form=form, entries=page.rows, names=names,
                           orgs=orgs, page=page)


@bp.route("/export.csv")
@requires(Permission.READ_AUDIT_LOG)
def export():
    form = _form()
    names = dict(db.session.execute(select(User.id, User.username)).all())
    orgs = directory.names()
    rows = [EXPORT_COLUMNS]
    for e in db.session.scalars(_filtered(form).order_by(AuditEntry.seq)):
        rows.append([
            e.seq, clock.as_utc(e.at).isoformat(), e.event, e.outcome, e.actor_user_id or "",
            names.get(e.actor_user_id, ""), orgs.get(e.actor_org_id, ""), e.actor_role or "",
            e.target_type or "", e.target_ref or "", e.details, e.hash,
        ])
    count = len(rows) - 1
    record(AuditEvent.AUDIT_EXPORTED, details={"filters": _filters_used(form), "rows": count})
    db.session.commit()
    return csv_response(rows, f"sig-access-log-{dt.date.today().isoformat()}.csv")
