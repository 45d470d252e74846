"""The youth register: register, search by personal identity number (POST only), view."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from auth.permissions import Permission, requires
from sig.audit import AuditEvent, record
from sig.cases.access import accessible
from sig.cases.models import Case
from sig.db import db
from sig.youths import operations
from sig.youths.forms import GuardianForm, SearchForm, YouthForm
from sig.youths.models import Youth

bp = Blueprint("youths", __name__, url_prefix="/youths")


def load_youth(youth_id: str) -> Youth:
    """A youth registered by the user's own organisation, or 404 (logged)."""
    youth = db.session.get(Youth, youth_id) if len(youth_id) <= 36 else None
    if youth is None or youth.origin_org_id != current_user.organisation_id:
        record(AuditEvent.ACCESS_DENIED, target_type="youth",
               target_ref=youth.id if youth else None, outcome="denied")
        db.session.commit()
        abort(404)
    return youth


def _cases_of(youth: Youth) -> list[Case]:
    """The youth's cases the user owns or is in: a colleague in the same office does not
    learn of a case they are not part of (DESIGN §4 rule 1)."""
    return list(db.session.scalars(
        select(Case).where(Case.youth_id == youth.id, accessible(current_user))
        .order_by(Case.referral_date.desc())))


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CASES)
def register():
    form = YouthForm()
    if form.validate_on_submit():
        try:
            youth = operations.register(
                current_user, form.personal_number.parsed, form.name.data, form.gender.data,
                form.contact.data or "", form.school.data or "", form.guardians())
        except operations.AlreadyRegistered as exc:
            if exc.youth.origin_org_id == current_user.organisation_id:
                flash(_("This person is already in the register."), "info")
                return redirect(url_for("youths.show", youth_id=exc.youth.id))
            form.personal_number.errors.append(
                _("This person is already registered by another organisation."))
        else:
            flash(_("The youth is registered."), "success")
            return redirect(url_for("youths.show", youth_id=youth.id))
    return render_template("youths/new.html", form=form)


@bp.route("/search", methods=["GET", "POST"])
@requires(Permission.MANAGE_CASES)
def search():
    form = SearchForm()
    if form.validate_on_submit():
        youth = operations.find_by_pnr(form.personal_number.parsed)
        found = youth is not None and youth.origin_org_id == current_user.organisation_id
        record(AuditEvent.YOUTH_SEARCHED, target_type="youth",
               target_ref=youth.id if found else None, details={"found": found})
        db.session.commit()
        if found:
            return redirect(url_for("youths.show", youth_id=youth.id))
        flash(_("No youth with that number in your organisation's register."), "info")
    return render_template("youths/search.html", form=form)


@bp.route("/<youth_id>")
@requires(Permission.MANAGE_CASES)
def show(youth_id: str):
    youth = load_youth(youth_id)
    cases = _cases_of(youth)
    record(AuditEvent.YOUTH_VIEWED, target_type="youth", target_ref=youth.id,
           details={"shown": ["identity"]})
    db.session.commit()
    return render_template("youths/show.html", youth=youth, cases=cases,
                           guardian_form=GuardianForm(),
                           has_open_case=any(c.status != "closed" for c in cases))


@bp.route("/<youth_id>/guardians", methods=["POST"])
@requires(Permission.MANAGE_CASES)
def add_guardian(youth_id: str):
    youth = load_youth(youth_id)
    form = GuardianForm()
    if form.validate_on_submit():
        operations.add_guardian(current_user, youth, form.name.data, form.contact.data or "",
                                form.has_custody.data)
        flash(_("The guardian is added."), "success")
        return redirect(url_for("youths.show", youth_id=youth.id))
    cases = _cases_of(youth)
    return render_template("youths/show.html", youth=youth, cases=cases, guardian_form=form,
                           has_open_case=any(c.status != "closed" for c in cases))
