"""The youth register: register, search by personal identity number (POST only), view."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from auth.forms import ConfirmForm
from auth.models import User
from auth.permissions import Permission, requires
from auth.sent_once import once
from consent.policy import Relation
from kernel.audit import AuditEvent, record
from kernel.db import db
from kernel.versioned import Conflict
from sig.cases.access import accessible, relation_to
from sig.cases.models import Case
from sig.cases.register_access import Access, lookups_left, register_access
from sig.youths import operations
from sig.youths.forms import (
    GuardianEditForm,
    GuardianForm,
    SearchForm,
    YouthEditForm,
    YouthForm,
)
from sig.youths.models import Guardian, Youth

bp = Blueprint("youths", __name__, url_prefix="/youths")


def open_case_elsewhere() -> str:
    return _("This person has an open SIG case that you are not part of. Contact the unit "
             "manager if you need to work with it.")


def too_many_lookups() -> str:
    return _("You have looked up many personal identity numbers in the last hour. Try again "
             "later, or contact the unit manager.")


def load_youth(youth_id: str) -> Youth:
    """A register entry the user may read (``sig.cases.register_access``), or 404 (logged)."""
    youth = db.session.get(Youth, youth_id)
    if register_access(current_user, youth) is not Access.READ:
        record(AuditEvent.ACCESS_DENIED, target_type="youth",
               target_ref=youth.id if youth else None, outcome="denied",
               details={"reason": "register_entry"})
        db.session.commit()
        abort(404)
    return youth


def _lookup(youth: Youth | None, via: str) -> Access:
    """Log one lookup by personal identity number and say what the user may learn."""
    access = register_access(current_user, youth)
    record(AuditEvent.YOUTH_SEARCHED, target_type="youth",
           target_ref=youth.id if access is not Access.NONE else None,
           details={"found": access is Access.READ, "via": via,
                    "open_case_elsewhere": access is Access.OPEN_CASE_ELSEWHERE})
    db.session.commit()
    return access


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
    if form.validate_on_submit() and not lookups_left(current_user):
        form.personal_number.errors.append(too_many_lookups())
    elif form.validate_on_submit():
        try:
            youth = operations.register(
                current_user, form.personal_number.parsed, form.name.data, form.gender.data,
                form.contact.data or "", form.school.data or "", form.guardians())
        except operations.AlreadyRegistered as exc:
            access = _lookup(exc.youth, "register")
            if access is Access.READ:
                flash(_("This person is already in the register."), "info")
                return redirect(url_for("youths.show", youth_id=exc.youth.id))
            if access is Access.OPEN_CASE_ELSEWHERE:
                form.personal_number.errors.append(open_case_elsewhere())
            else:
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
    if form.validate_on_submit() and not lookups_left(current_user):
        form.personal_number.errors.append(too_many_lookups())
    elif form.validate_on_submit():
        youth = operations.find_by_pnr(form.personal_number.parsed)
        access = _lookup(youth, "search")
        if access is Access.READ:
            return redirect(url_for("youths.show", youth_id=youth.id))
        if access is Access.OPEN_CASE_ELSEWHERE:
            flash(open_case_elsewhere(), "info")
        else:
            flash(_("No youth with that number in your organisation's register."), "info")
    return render_template("youths/search.html", form=form)


@bp.route("/<id:youth_id>")
@requires(Permission.MANAGE_CASES)
def show(youth_id: str):
    return _show(load_youth(youth_id), GuardianForm())


def _show(youth: Youth, guardian_form: GuardianForm, status: int = 200):
    """The register entry (also re-rendered after an invalid guardian); the read is
    logged before anything is rendered."""
    cases = _cases_of(youth)
    record(AuditEvent.YOUTH_VIEWED, target_type="youth", target_ref=youth.id,
           details={"shown": ["identity"]})
    db.session.commit()
    show_contacts = _shows_contacts(youth, cases)
    return render_template("youths/show.html", youth=youth, cases=cases,
                           guardian_form=guardian_form, show_contacts=show_contacts,
                           has_open_case=any(c.status != "closed" for c in cases)), status


@bp.route("/<id:youth_id>/guardians", methods=["POST"])
@requires(Permission.MANAGE_CASES)
def add_guardian(youth_id: str):
    youth = load_youth(youth_id)
    form = GuardianForm()
    if form.validate_on_submit():
        shown_at = url_for("youths.show", youth_id=youth.id)
        with once(form, shown_at):
            operations.add_guardian(current_user, youth, form.name.data,
                                    form.contact.data or "", form.has_custody.data)
        flash(_("The guardian is added."), "success")
        return redirect(shown_at)
    return _show(youth, form, 400)


def _shows_contacts(youth: Youth, cases: list[Case] | None = None) -> bool:
    """Protected personal data: the contact details are the case owner's (or her
    deputy's) only — not another case owner's who may read the entry to open a case."""
    cases = _cases_of(youth) if cases is None else cases
    return not youth.protected or any(
        relation_to(current_user, c) is Relation.OWNER for c in cases)


def _owner_of_protected(youth: Youth) -> None:
    """Correcting a protected entry shows its contact details: the owner's alone."""
    if not _shows_contacts(youth):
        record(AuditEvent.ACCESS_DENIED, target_type="youth", target_ref=youth.id,
               outcome="denied", details={"reason": "protected_identity"})
        db.session.commit()
        abort(403)


def _guardian(youth: Youth, guardian_id: str) -> Guardian:
    guardian = db.session.get(Guardian, guardian_id)
    if guardian is None or guardian.youth_id != youth.id or guardian.removed_at is not None:
        record(AuditEvent.ACCESS_DENIED, target_type="youth", target_ref=youth.id,
               outcome="denied", details={"reason": "register_entry"})
        db.session.commit()
        abort(404)
    return guardian


@bp.route("/<id:youth_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_CASES)
def edit(youth_id: str):
    """Correct the entry: name, contact details, school, protected personal data."""
    youth = load_youth(youth_id)
    _owner_of_protected(youth)
    form = YouthEditForm(obj=youth if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = youth.version
    conflict = None
    if form.validate_on_submit():
        try:
            with once(form, url_for("youths.show", youth_id=youth.id)):
                changed = operations.update_youth(
                    current_user, youth, version=form.version.data, name=form.name.data,
                    contact=form.contact.data or "", school=form.school.data or "",
                    protected=form.protected.data)
        except Conflict as exc:
            conflict = exc.item
            form.version.data = exc.version
        else:
            flash(_("The register entry is saved.") if changed
                  else _("Nothing was changed."), "success")
            return redirect(url_for("youths.show", youth_id=youth.id))
    record(AuditEvent.YOUTH_VIEWED, target_type="youth", target_ref=youth.id,
           details={"shown": ["identity"], "view": "edit"})
    db.session.commit()
    status = 409 if conflict is not None else 400 if form.errors else 200
    return render_template("youths/edit.html", youth=youth, form=form,
                           conflict=conflict), status


@bp.route("/<id:youth_id>/guardians/<id:guardian_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_CASES)
def edit_guardian(youth_id: str, guardian_id: str):
    """Correct a guardian, or change custody: every consent of the youth's cases is
    judged against the new custody from the next page on (the case page says what it
    meant)."""
    youth = load_youth(youth_id)
    _owner_of_protected(youth)
    guardian = _guardian(youth, guardian_id)
    form = GuardianEditForm(obj=guardian if request.method == "GET" else None)
    if form.validate_on_submit():
        changed = operations.update_guardian(current_user, youth, guardian,
                                             name=form.name.data,
                                             contact=form.contact.data or "",
                                             has_custody=form.has_custody.data)
        if "has_custody" in changed:
            flash(_("Custody is changed. Each open case of the youth says on its page what "
                    "this means for its consents."), "success")
        else:
            flash(_("The guardian is saved.") if changed else _("Nothing was changed."),
                  "success")
        return redirect(url_for("youths.show", youth_id=youth.id))
    record(AuditEvent.YOUTH_VIEWED, target_type="youth", target_ref=youth.id,
           details={"shown": ["identity"], "view": "edit"})
    db.session.commit()
    return render_template("youths/guardian_edit.html", youth=youth, guardian=guardian,
                           form=form, confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/<id:youth_id>/guardians/<id:guardian_id>/remove", methods=["POST"])
@requires(Permission.MANAGE_CASES)
def remove_guardian(youth_id: str, guardian_id: str):
    youth = load_youth(youth_id)
    guardian = _guardian(youth, guardian_id)
    if ConfirmForm().validate_on_submit():
        operations.remove_guardian(current_user, youth, guardian)
        flash(_("The guardian is removed from the entry. Consents that named her or him "
                "keep the name; custody is gone."), "success")
    return redirect(url_for("youths.show", youth_id=youth.id))


@bp.route("/<id:youth_id>/history")
@requires(Permission.MANAGE_CASES)
def history(youth_id: str):
    youth = load_youth(youth_id)
    changes = operations.history(youth)
    people = {u.id: u.display_name for u in db.session.scalars(select(User).where(
        User.id.in_({c.changed_by_id for c in changes})))} if changes else {}
    guardians = {g.id: g.name for g in youth.guardians}
    record(AuditEvent.YOUTH_VIEWED, target_type="youth", target_ref=youth.id,
           details={"shown": ["identity"], "view": "history"})
    db.session.commit()
    return render_template("youths/history.html", youth=youth, changes=changes,
                           people=people, guardians=guardians,
                           show_contacts=_shows_contacts(youth))
