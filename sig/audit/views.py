"""The auditor's page: list, filter and export the access log (Eva's monthly log review)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from auth import directory
from auth.models import Organisation, User
from auth.permissions import Permission, requires
from auth.roles import Role
from consent.models import Consent
from kernel import clock
from kernel.audit.events import AuditEvent, event_label, outcome_label
from kernel.audit.log import record
from kernel.audit.models import AuditEntry
from kernel.db import db
from kernel.paging import count_up_to, page_by_key
from sig.audit import review
from sig.audit.forms import AuditFilterForm, LogReviewForm
from sig.audit.sentences import Names, describe, details_of, target_text
from sig.cases.models import Case
from sig.referrals.models import Referral
from sig.web.spreadsheet import csv_response

bp = Blueprint("audit", __name__, url_prefix="/audit")
bp.add_app_template_filter(event_label, "event_label")
bp.add_app_template_filter(outcome_label, "outcome_label")

# The export's columns: for a person (Swedish headers, local time with its offset, the
# entry as a sentence) and for checking the chain (the details as recorded, the hash).
EXPORT_COLUMNS = (_l("No."), _l("Time (Swedish time)"), _l("Event"), _l("Outcome"),
                  _l("User"), _l("Username"), _l("Organisation"), _l("Role"), _l("Concerns"),
                  _l("Description"), _l("Details as recorded"), _l("Checksum"),
                  _l("User id"))


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    users = db.session.execute(select(User.id, User.username).order_by(User.username))
    orgs = db.session.execute(select(Organisation.id, Organisation.name)
                              .order_by(Organisation.name))
    form.user.choices = [SelectChoice("", "—")] + [SelectChoice(i, n) for i, n in users]
    form.organisation.choices = [SelectChoice("", "—")] + [SelectChoice(i, n) for i, n in orgs]
    # A filter that is not valid (an impossible date, an unknown user, a mistyped
    # pseudonym, a range given backwards) filters nothing: the page says why next to the
    # field and keeps what was typed (see ``_given``).
    form.validate()
    return form


def _given(field: Any) -> Any:
    """A filter's value, or None when it is empty or not valid."""
    return None if field.errors else field.data


def _filtered(form: AuditFilterForm) -> Select:
    stmt = select(AuditEntry)
    if _given(form.user):
        stmt = stmt.where(AuditEntry.actor_user_id == form.user.data)
    if _given(form.organisation):
        stmt = stmt.where(AuditEntry.actor_org_id == form.organisation.data)
    if _given(form.event):
        stmt = stmt.where(AuditEntry.event == form.event.data)
    if form.case_prefix:
        stmt = stmt.where(_about_cases(form.case_prefix))
    if _given(form.date_from):
        stmt = stmt.where(AuditEntry.at >= clock.local_midnight(_given(form.date_from)))
    if _given(form.date_to):
        end = _given(form.date_to) + dt.timedelta(days=1)
        stmt = stmt.where(AuditEntry.at < clock.local_midnight(end))
    return stmt


# Entries about a case name it as their target, or — about one of its consents or
# proposals — name that as the target and the case in their details.
CASE_PARTS = {"consent": Consent, "referral": Referral}


def _about_cases(prefix: str) -> ColumnElement[bool]:
    """The entries about the cases whose id begins with ``prefix`` (eight hex digits, the
    form checked: no wildcard), reached through the index on the target: the case table
    is searched for the prefix, never the log's text."""
    ids = list(db.session.scalars(select(Case.id).where(Case.id.like(prefix + "%"))))
    about = [and_(AuditEntry.target_type == "case", AuditEntry.target_ref.in_(ids))]
    about += [and_(AuditEntry.target_type == kind, AuditEntry.target_ref.in_(
                  select(model.id).where(model.case_id.in_(ids))))
              for kind, model in CASE_PARTS.items()]
    return or_(*about)


def _names(entries: list[AuditEntry]) -> Names:
    """The people the entries name (actors, and accounts they are about) and every
    organisation: display names are decrypted for these people only."""
    ids = {e.actor_user_id for e in entries if e.actor_user_id} | {
        e.target_ref for e in entries if e.target_type == "user" and e.target_ref} | {
        member for e in entries if isinstance(member := details_of(e).get("member"), str)}
    people = {u.id: u.display_name or u.username for u in db.session.scalars(
        select(User).where(User.id.in_(sorted(ids))))} if ids else {}
    return Names(people, directory.names())


def _role_label(code: str | None) -> str:
    if not code:
        return ""
    try:
        return str(Role(code).label)
    except ValueError:
        return code


def _filters_used(form: AuditFilterForm) -> dict[str, str]:
    return {name: str(field.data) for name, field in form._fields.items() if _given(field)}


@bp.route("/")
@requires(Permission.READ_AUDIT_LOG)
def index():
    form = _form()
    limit = current_app.config["AUDIT_EXPORT_MAX_ROWS"]
    # The log grows for years: the page is reached by entry number and the selection
    # counted only as far as one export file holds, so a view costs the same whatever
    # the log's length.
    page = page_by_key(_filtered(form), AuditEntry.seq, current_app.config["AUDIT_PAGE_SIZE"],
                       ceiling=limit)
    names = _names(page.rows)
    record(AuditEvent.AUDIT_VIEWED, details={"filters": _filters_used(form)} | page.where)
    db.session.commit()
    rows = [(e, clock.local_moment(e.at), describe(e, names)) for e in page.rows]
    # (a selection one file cannot hold is not offered for export: the page says why)
    return render_template("audit/index.html", form=form, rows=rows, page=page,
                           too_many=page.more_than_counted, export_limit=format_number(limit))


@bp.route("/export.csv")
@requires(Permission.READ_AUDIT_LOG)
def export():
    form = _form()
    limit = current_app.config["AUDIT_EXPORT_MAX_ROWS"]
    if count_up_to(_filtered(form), limit, AuditEntry.seq) > limit:
        # (a whole year's log is millions of entries: no file is built, the filters stay;
        # the selection is counted only as far as the ceiling)
        record(AuditEvent.AUDIT_EXPORTED, outcome="failed", details={
            "filters": _filters_used(form), "more_than": limit, "reason": "too_many_rows"})
        db.session.commit()
        flash(_("The selection holds more than %(limit)s entries, which is what one file "
                "holds. Choose a shorter period, a person or an organisation, and export "
                "again.", limit=format_number(limit)), "error")
        return redirect(url_for("audit.index", **{k: v for k, v in request.args.items()
                                                  if k not in {"page", "before", "after"}}))
    entries = list(db.session.scalars(_filtered(form).order_by(AuditEntry.seq.desc())))
    names = _names(entries)
    usernames = dict(db.session.execute(select(User.id, User.username)).all())
    rows: list[list[object]] = [[str(c) for c in EXPORT_COLUMNS]]
    for e in entries:  # newest first, as on the page
        rows.append([
            e.seq, clock.local_moment(e.at).isoformat(timespec="seconds"), event_label(e.event),
            outcome_label(e.outcome), names.person(e.actor_user_id) if e.actor_user_id else "",
            usernames.get(e.actor_user_id, ""), names.org(e.actor_org_id)
            if e.actor_org_id else "", _role_label(e.actor_role), target_text(e, names),
            describe(e, names), e.details, e.hash, e.actor_user_id or "",
        ])
    count = len(rows) - 1
    record(AuditEvent.AUDIT_EXPORTED, details={"filters": _filters_used(form), "rows": count})
    db.session.commit()
    return csv_response(rows, f"sig-access-log-{clock.local_today().isoformat()}.csv")


# --- the monthly log review ------------------------------------------------------------------


def _review_month() -> tuple[review.Month, str | None]:
    """The month asked for (default: the last complete one) and what is wrong with it."""
    today = clock.local_today()
    default = review.Month.last_complete(today)
    asked = request.values.get("month")
    if not asked:
        return default, None
    month = review.Month.parse(asked)
    if month is None or month.first.year < 2000:
        return default, _("Write the month as YYYY-MM, for example %(example)s.",
                          example=default.key)
    if month.first > today:
        return default, _("The month has not begun yet.")
    return month, None


def _render_review(form: LogReviewForm, status: int = 200):
    month, error = _review_month()
    size = min(max(request.args.get("n", current_app.config["AUDIT_REVIEW_SAMPLE"], type=int),
                   1), 100)
    found = review.build(month, size)
    entries = list(found.entries.values())
    names = _names(entries)
    tallied = {user for r in found.reports.values() for user, _d, _n in r.tallies}
    names.people.update({u.id: u.display_name or u.username for u in db.session.scalars(
        select(User).where(User.id.in_(sorted(tallied - set(names.people)))))})
    signers = {r.signed_by_id for r in found.signed} - set(names.people)
    names.people.update({u.id: u.display_name or u.username for u in db.session.scalars(
        select(User).where(User.id.in_(sorted(signers))))})
    sentences = {e.seq: (clock.local_moment(e.at), describe(e, names)) for e in entries}
    record(AuditEvent.LOG_REVIEW_VIEWED, details={"month": month.key, **{
        f"found_{k}": v for k, v in found.counts().items()}})
    db.session.commit()
    form.month.data = month.key
    return render_template("audit/review.html", review=found, month=month, error=error,
                           asked=request.values.get("month", ""), sentences=sentences,
                           names=names, form=form, shown=review.SHOWN, sample_size=size,
                           today=clock.local_today()), status


@bp.route("/review")
@requires(Permission.READ_AUDIT_LOG)
def monthly_review():
    return _render_review(LogReviewForm(formdata=None))


@bp.route("/review", methods=["POST"])
@requires(Permission.READ_AUDIT_LOG)
def sign_review():
    form = LogReviewForm()
    month, error = _review_month()
    if error is not None or not form.validate_on_submit():
        return _render_review(form, 400 if error is not None else 200)
    found = review.build(month, current_app.config["AUDIT_REVIEW_SAMPLE"])
    try:
        review.sign_off(current_user, found, form.findings.data or "")
        db.session.commit()
    except IntegrityError:  # the same sign-off twice (a double click): one is enough
        db.session.rollback()
        flash(_("This review is already signed off with these findings."), "info")
    else:
        flash(_("The review of %(month)s is signed off.", month=month.key), "success")
    return redirect(url_for("audit.monthly_review", month=month.key))
