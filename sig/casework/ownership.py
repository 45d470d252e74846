"""Pages for a case's ownership: handover, deputies, the offers a case owner has
received, and the unit manager's list of open cases and their owners.

The owner's page is a case route (``HAND_OVER``, the owner's alone: a deputy has the
owner's rights in the case's work but does not give the case away).  The one offered a
case sees its pseudonym and who offered it until she accepts; the unit manager sees
pseudonyms and owners, never a youth or anything recorded in a case.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from auth.form_base import PLACEHOLDER
from auth.forms import ConfirmForm
from auth.models import User
from auth.permissions import Permission, requires
from auth.sent_once import once
from kernel.audit import AuditEvent, record
from kernel.db import db
from kernel.paging import page_of
from sig.cases import ownership
from sig.cases.access import refuse
from sig.cases.forms import DeputyForm, HandoverForm
from sig.cases.models import Case, Deputy, Handover, HandoverState
from sig.cases.operations import CaseError
from sig.cases.rights import CasePermission
from sig.cases.routes import At, case_route, record_of_case

bp = Blueprint("ownership", __name__)

ERRORS = {
    "already_closed": lambda: _("The case is closed."),
    "already_owner": lambda: _("That person already owns the case."),
    "not_a_case_owner_here": lambda: _("Only an active case owner of the case's "
                                       "organisation can own the case or stand in for "
                                       "its owner."),
    "handover_pending": lambda: _("The case is already offered to someone; withdraw that "
                                  "offer first."),
    "handover_decided": lambda: _("The offer has already been answered or withdrawn."),
    "owner_is_not_deputy": lambda: _("The case owner cannot be her own deputy."),
    "end_before_start": lambda: _("The end date is before the start date."),
    "period_over": lambda: _("The period is already over."),
    "deputy_overlaps": lambda: _("That person is already deputy for part of the period."),
}


def _people(users: list[User]) -> list[SelectChoice]:
    return [PLACEHOLDER] + [SelectChoice(u.id, u.display_name) for u in users]


def _owner_only(at: At) -> None:
    if at.is_deputy:
        refuse(at.case, "deputy_may_not", needs=str(CasePermission.HAND_OVER))


def _page(at: At, handover_form: HandoverForm, deputy_form: DeputyForm, status: int = 200):
    case = at.case
    choices = _people(ownership.successors(case))
    handover_form.to_user.choices = choices
    deputy_form.user_id.choices = choices
    deputies, offer = ownership.standing(case)
    history = ownership.history(case)
    record(AuditEvent.CASE_VIEWED, target_type="case", target_ref=case.id,
           details={"view": "ownership", "relation": str(at.relation)})
    db.session.commit()
    return render_template("cases/ownership.html", case=case, history=history,
                           offer=offer, deputies=deputies,
                           handover_form=handover_form, deputy_form=deputy_form), status


@case_route(bp, "/cases/<id:case_id>/ownership", needs=CasePermission.HAND_OVER)
def show(at: At):
    _owner_only(at)
    return _page(at, HandoverForm(), DeputyForm())


@case_route(bp, "/cases/<id:case_id>/ownership/offer", needs=CasePermission.HAND_OVER,
            methods=("POST",))
def offer(at: At):
    _owner_only(at)
    form = HandoverForm()
    form.to_user.choices = _people(ownership.successors(at.case))
    if form.validate_on_submit():
        try:
            handover = ownership.offer(current_user, at.case,
                                       db.session.get(User, form.to_user.data))
        except CaseError as exc:
            if exc.code in ("handover_pending", "already_closed"):  # the page shows why
                flash(ERRORS[exc.code](), "info")
                return redirect(url_for("ownership.show", case_id=at.case.id))
            form.to_user.errors.append(ERRORS[exc.code]())
        else:
            flash(_("The case is offered to %(name)s. It changes hands when she or he "
                    "accepts.", name=handover.to_owner.display_name), "success")
            return redirect(url_for("ownership.show", case_id=at.case.id))
    return _page(at, form, DeputyForm(), 400)


@case_route(bp, "/cases/<id:case_id>/ownership/offers/<id:handover_id>/withdraw",
            needs=CasePermission.HAND_OVER, methods=("POST",),
            items={"handover_id": record_of_case(Handover)})
def withdraw(at: At, handover: Handover):
    _owner_only(at)
    if ConfirmForm().validate_on_submit():
        try:
            ownership.withdraw(current_user, handover)
            flash(_("The offer is withdrawn."), "success")
        except CaseError as exc:
            flash(ERRORS[exc.code](), "info")
    return redirect(url_for("ownership.show", case_id=at.case.id))


@case_route(bp, "/cases/<id:case_id>/ownership/deputies", needs=CasePermission.HAND_OVER,
            methods=("POST",))
def name_deputy(at: At):
    _owner_only(at)
    form = DeputyForm()
    form.user_id.choices = _people(ownership.successors(at.case))
    if form.validate_on_submit():
        try:
            with once(form, url_for("ownership.show", case_id=at.case.id)):
                deputy = ownership.name_deputy(current_user, at.case,
                                               db.session.get(User, form.user_id.data),
                                               form.from_date.data, form.to_date.data)
        except CaseError as exc:
            target = form.to_date if exc.code in ("end_before_start", "period_over") \
                else form.user_id
            target.errors.append(ERRORS[exc.code]())
        else:
            flash(_("%(name)s is deputy case owner from %(start)s to %(end)s.",
                    name=deputy.user.display_name, start=deputy.from_date.isoformat(),
                    end=deputy.to_date.isoformat()), "success")
            return redirect(url_for("ownership.show", case_id=at.case.id))
    return _page(at, HandoverForm(), form, 400)


@case_route(bp, "/cases/<id:case_id>/ownership/deputies/<id:deputy_id>/end",
            needs=CasePermission.HAND_OVER, methods=("POST",),
            items={"deputy_id": record_of_case(Deputy)})
def end_deputy(at: At, deputy: Deputy):
    _owner_only(at)
    if ConfirmForm().validate_on_submit():
        ownership.end_deputy(at.case, deputy)
        flash(_("The deputy has no access as owner from now on."), "success")
    return redirect(url_for("ownership.show", case_id=at.case.id))


# --- the one offered a case ----------------------------------------------------------------


def _my_offer(handover_id: str) -> Handover:
    """An open offer to the user, or 404 (logged) — an offer to someone else is not
    confirmed to exist."""
    handover = db.session.get(Handover, handover_id)
    if handover is None or handover.to_owner_id != current_user.id:
        record(AuditEvent.ACCESS_DENIED, target_type="case",
               target_ref=handover.case_id if handover is not None else None,
               outcome="denied", details={"reason": "not_offered_to_user"})
        db.session.commit()
        abort(404)
    return handover


@bp.route("/handovers")
@requires(Permission.MANAGE_CASES)
def offers():
    found = ownership.offers_to(current_user)
    for handover in found:  # she reads that the case exists and who offered it
        record(AuditEvent.CASE_LISTED, target_type="case", target_ref=handover.case_id,
               details={"view": "handover_offers", "handover": handover.id})
    db.session.commit()
    return render_template("cases/offers.html", offers=found)


@bp.route("/handovers/<id:handover_id>/accept", methods=["POST"])
@requires(Permission.MANAGE_CASES)
def accept(handover_id: str):
    handover = _my_offer(handover_id)
    if ConfirmForm().validate_on_submit():
        try:
            case = ownership.accept(current_user, handover)
        except CaseError as exc:
            flash(ERRORS[exc.code](), "info")
        else:
            flash(_("You own the case %(ref)s from now on.", ref=case.reference), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return redirect(url_for("ownership.offers"))


@bp.route("/handovers/<id:handover_id>/decline", methods=["POST"])
@requires(Permission.MANAGE_CASES)
def decline(handover_id: str):
    handover = _my_offer(handover_id)
    if ConfirmForm().validate_on_submit():
        try:
            ownership.decline(current_user, handover)
            flash(_("You declined the case; the one who offered it sees that."), "success")
        except CaseError as exc:
            flash(ERRORS[exc.code](), "info")
    return redirect(url_for("ownership.offers"))


# --- the unit manager ------------------------------------------------------------------------


def _managed_case(case_id: str) -> Case:
    case = db.session.get(Case, case_id)
    if (case is None or case.purged_at is not None
            or not ownership.is_unit_manager_of(current_user, case)):
        record(AuditEvent.ACCESS_DENIED, target_type="case",
               target_ref=case.id if case is not None else None, outcome="denied",
               details={"reason": "not_unit_manager"})
        db.session.commit()
        abort(404)
    return case


REASSIGN_PAGE_SIZE = 50


def _where() -> dict[str, str]:
    """Where on the list the manager is (owner filter, page): kept through an offer."""
    return {k: v for k in ("owner", "page") if (v := request.args.get(k))}


def _reassign_page(form: HandoverForm | None = None, refused: Case | None = None,
                   status: int = 200):
    """One page of the organisation's open cases (of one owner, when asked) and one
    picker of whom to offer a case to, which each case's button sends; after a refused
    offer, that case with its message."""
    manager = ownership.is_unit_manager(current_user)
    owners = ownership.owners_of_open_cases(current_user) if manager else []
    known = {load.owner.id for load in owners}
    owner_id = request.args.get("owner") if refused is None else None
    owner_id = owner_id if owner_id in known else None
    page = page_of(ownership.open_cases_of(current_user, owner_id=owner_id,
                                           case_ids=[refused.id] if refused else None),
                   REASSIGN_PAGE_SIZE, scalars=False) if manager else None
    offers = ownership.pending_offers(c.id for c, _u in page.rows) if page else {}
    rows = [ownership.OpenCase(case, owner, offers.get(case.id))
            for case, owner in (page.rows if page else [])]
    if form is None:  # the one last offered to stays chosen for the next case
        form = HandoverForm(formdata=None, to_user=request.args.get("to"))
    form.to_user.choices = _people(ownership.successors_in(current_user.organisation_id)) \
        if any(row.offer is None for row in rows) else []
    if form.to_user.data not in {c.value for c in form.to_user.choices}:
        form.to_user.data = ""
    gone = sum(load.cases for load in owners if load.gone)
    record(AuditEvent.CASES_TO_REASSIGN_VIEWED, details={
        "cases": sum(load.cases for load in owners), "to_reassign": gone,
        "shown": len(rows), "page": page.number if page else 1})
    db.session.commit()
    return render_template("cases/reassign.html", rows=rows, form=form, page=page,
                           owners=owners, owner_id=owner_id, gone=gone, where=_where(),
                           refused=refused is not None), status


@bp.route("/reassign")
@requires(Permission.REASSIGN_CASES)
def reassign():
    """Open cases of the manager's organisation with their owners (pseudonyms only); the
    cases of owners who are deactivated or have left come first."""
    return _reassign_page()


@bp.route("/reassign/<id:case_id>", methods=["POST"])
@requires(Permission.REASSIGN_CASES)
def reassign_case(case_id: str):
    case = _managed_case(case_id)
    form = HandoverForm()
    # (the page's one picker lists every case owner of the organisation, the case's own
    # included: choosing her is answered by the offer's rule, not "not a valid choice")
    form.to_user.choices = _people(ownership.successors_in(case.origin_org_id))
    if form.validate_on_submit():
        try:
            handover = ownership.offer(current_user, case,
                                       db.session.get(User, form.to_user.data))
        except CaseError as exc:
            form.to_user.errors.append(ERRORS[exc.code]())
        else:
            flash(_("%(ref)s is offered to %(name)s.", ref=case.reference,
                    name=handover.to_owner.display_name), "success")
            # back where she was, the same colleague chosen for the next case
            return redirect(url_for("ownership.reassign", **_where(),
                                    to=handover.to_owner_id))
    return _reassign_page(form, case, 400)


@bp.route("/reassign/<id:case_id>/withdraw", methods=["POST"])
@requires(Permission.REASSIGN_CASES)
def reassign_withdraw(case_id: str):
    case = _managed_case(case_id)
    handover = db.session.scalar(select(Handover).where(
        Handover.case_id == case.id, Handover.state == HandoverState.PENDING.value))
    if handover is not None and ConfirmForm().validate_on_submit():
        try:
            ownership.withdraw(current_user, handover)
            flash(_("The offer is withdrawn."), "success")
        except CaseError as exc:
            flash(ERRORS[exc.code](), "info")
    return redirect(url_for("ownership.reassign"))
