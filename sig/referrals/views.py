"""Proposals into SIG: the proposer's form and list, the SIG unit's intake list.

The proposer (a police or school member, or a social worker outside the unit) sees the
status of her own proposals and nothing else: no register lookup, no case.  The unit's
case owners see the intake list (reference, date, organisation, reason) and, on a
proposal's page, what it says and whether the youth is in the register (a logged lookup,
counted like any other).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from auth.forms import ConfirmForm
from auth.models import Organisation
from auth.permissions import Permission, requires
from auth.sent_once import once
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases import operations as cases
from sig.cases.access import relation_to
from sig.cases.register_access import Access, lookups_left, register_access
from sig.referrals import operations
from sig.referrals.forms import DeclineForm, ProposalForm
from sig.referrals.models import Referral, ReferralState
from sig.youths import operations as youths
from sig.youths.forms import YouthForm

bp = Blueprint("referrals", __name__)

ERRORS = {
    "already_decided": lambda: _("The proposal has already been accepted or declined."),
    "no_such_unit": lambda: _("Choose the SIG unit the proposal is for."),
    "open_case_exists": lambda: _("The youth already has an open case; the proposal "
                                  "cannot open another."),
    "open_case_elsewhere": lambda: _("The youth has an open SIG case that you are not "
                                     "part of. Ask the unit manager who owns it."),
    "registered_elsewhere": lambda: _("The youth is registered by another organisation."),
    "too_many_lookups": lambda: _("You have looked up many personal identity numbers in "
                                  "the last hour. Try again later."),
}


# --- the proposer -------------------------------------------------------------------------


@bp.route("/referrals/new", methods=["GET", "POST"])
@requires(Permission.PROPOSE_REFERRALS)
def propose():
    form = ProposalForm()
    form.to_org.choices = [SelectChoice(o.id, o.name) for o in operations.units()]
    if form.validate_on_submit():
        try:
            with once(form, url_for("referrals.mine")):
                referral = operations.propose(
                    current_user, db.session.get(Organisation, form.to_org.data),
                    form.personal_number.parsed, form.name.data, form.reason.data,
                    form.done.data or "")
        except operations.ReferralError as exc:
            form.to_org.errors.append(ERRORS[exc.code]())
        else:
            flash(_("The proposal %(ref)s is sent to the SIG unit. You see here whether it "
                    "is accepted.", ref=referral.reference), "success")
            return redirect(url_for("referrals.mine"))
    return render_template("referrals/new.html", form=form), 400 if form.errors else 200


@bp.route("/referrals")
@requires(Permission.PROPOSE_REFERRALS)
def mine():
    found = operations.mine(current_user)
    record(AuditEvent.REFERRALS_LISTED, details={"view": "my_referrals",
                                                 "items": len(found)})
    db.session.commit()
    return render_template("referrals/mine.html", referrals=found)


# --- the SIG unit ----------------------------------------------------------------------------


@bp.route("/intake")
@requires(Permission.MANAGE_CASES)
def intake():
    found = operations.intake(current_user)
    record(AuditEvent.REFERRALS_LISTED, details={"view": "intake", "items": len(found)})
    db.session.commit()
    return render_template("referrals/intake.html", referrals=found)


def _for_unit(referral_id: str) -> Referral:
    """A proposal to the user's social services, or 404 (logged)."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.to_org_id != current_user.organisation_id:
        record(AuditEvent.ACCESS_DENIED, target_type="referral",
               target_ref=referral.id if referral is not None else None, outcome="denied",
               details={"reason": "not_addressed_to_organisation"})
        db.session.commit()
        abort(404)
    return referral


def _match(referral: Referral):
    """The youth of the proposal in the register, and what the user may learn of it: a
    logged lookup by personal identity number (only while the proposal is pending)."""
    youth = youths.find_by_pnr(operations.number_of(referral))
    access = register_access(current_user, youth)
    record(AuditEvent.YOUTH_SEARCHED, target_type="youth",
           target_ref=youth.id if access is not Access.NONE else None,
           details={"found": access is Access.READ, "via": "referral",
                    "open_case_elsewhere": access is Access.OPEN_CASE_ELSEWHERE})
    return youth, access


def _page(referral: Referral, youth_form: YouthForm, decline_form: DeclineForm,
          status: int = 200):
    youth, access, open_case, mine = None, Access.NONE, None, False
    if referral.state == ReferralState.PENDING.value:
        youth, access = _match(referral)
        if access is Access.READ:
            open_case = operations.open_case_of(youth)
            mine = open_case is not None and relation_to(current_user, open_case) is not None
    record(AuditEvent.REFERRAL_VIEWED, target_type="referral", target_ref=referral.id,
           details={"shown": [referral.category, "identity"]})
    db.session.commit()
    if not youth_form.is_submitted():
        youth_form.name.data = youth_form.name.data or referral.name
        youth_form.personal_number.data = youth_form.personal_number.data or referral.pnr
    return render_template("referrals/show.html", referral=referral, youth=youth,
                           access=access, open_case=open_case, own_open_case=mine,
                           youth_form=youth_form, decline_form=decline_form), status


@bp.route("/intake/<id:referral_id>")
@requires(Permission.MANAGE_CASES)
def show(referral_id: str):
    return _page(_for_unit(referral_id), YouthForm(), DeclineForm())


@bp.route("/intake/<id:referral_id>/accept", methods=["POST"])
@requires(Permission.MANAGE_CASES)
def accept(referral_id: str):
    """Accept: for a registered youth, open a case (or add the proposal to the user's own
    open case); for a youth not in the register, register from the form first."""
    referral = _for_unit(referral_id)
    youth_form = YouthForm()
    if referral.state != ReferralState.PENDING.value:
        flash(ERRORS["already_decided"](), "info")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    youth = youths.find_by_pnr(operations.number_of(referral))
    access = register_access(current_user, youth)
    try:
        if youth is None:
            if not youth_form.validate_on_submit():
                return _page(referral, youth_form, DeclineForm(), 400)
            if youth_form.personal_number.parsed.normalised != operations.number_of(
                    referral).normalised:
                youth_form.personal_number.errors.append(_(
                    "The number differs from the proposal's; decline the proposal and "
                    "register the youth yourself if the proposal was wrong."))
                return _page(referral, youth_form, DeclineForm(), 400)
            if not lookups_left(current_user):
                flash(ERRORS["too_many_lookups"](), "error")
                return redirect(url_for("referrals.show", referral_id=referral.id))
            youth = youths.register(current_user, youth_form.personal_number.parsed,
                                    youth_form.name.data, youth_form.gender.data,
                                    youth_form.contact.data or "",
                                    youth_form.school.data or "", youth_form.guardians())
        elif access is Access.OPEN_CASE_ELSEWHERE:
            raise operations.ReferralError("open_case_elsewhere")
        elif access is not Access.READ:
            raise operations.ReferralError("registered_elsewhere")
        elif not ConfirmForm().validate_on_submit():
            return redirect(url_for("referrals.show", referral_id=referral.id))
        existing = operations.open_case_of(youth)
        into = existing if existing is not None and relation_to(
            current_user, existing) is not None else None
        case = operations.accept(current_user, referral, youth, into=into)
    except youths.AlreadyRegistered:
        flash(ERRORS["registered_elsewhere"](), "error")
    except (operations.ReferralError, cases.CaseError) as exc:
        flash(ERRORS[exc.code](), "error")
    else:
        flash(_("The proposal is accepted and is part of the case %(ref)s.",
                ref=case.reference), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return redirect(url_for("referrals.show", referral_id=referral.id))


@bp.route("/intake/<id:referral_id>/decline", methods=["POST"])
@requires(Permission.MANAGE_CASES)
def decline(referral_id: str):
    referral = _for_unit(referral_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            operations.decline(current_user, referral, form.reason.data)
        except operations.ReferralError as exc:
            flash(ERRORS[exc.code](), "info")
        else:
            flash(_("The proposal is declined; the proposer sees that it was declined, "
                    "not why."), "success")
        return redirect(url_for("referrals.intake"))
    return _page(referral, YouthForm(), form, 400)
