"""Case pages: my cases, opening a case, the case page, status and group."""
from __future__ import annotations

import datetime as dt
import functools

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, false, select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from auth import searches
from auth.forms import ConfirmForm
from auth.models import Organisation, User
from auth.permissions import Permission, requires
from auth.roles import Role
from auth.sent_once import once
from consent.policy import sees_case_items
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from kernel.paging import page_of, page_of_list
from sig.cases import operations
from sig.cases.access import access_binds, accessible, accessible_bound, refuse
from sig.cases.forms import CaseSearchForm, CloseCaseForm, MemberForm, OpenCaseForm
from sig.cases.listing import STATUS_ORDER, youth_names
from sig.cases.models import Case, Membership
from sig.cases.rights import CasePermission
from sig.cases.routes import At, Item, case_route
from sig.casework import read_model
from sig.casework.register import load_youth
from sig.i18n import swedish_order
from sig.meetings.queries import next_meetings
from sig.youths import name_index

bp = Blueprint("cases", __name__)

ERRORS = {
    "open_case_exists": lambda: _("The youth already has an open case; a new one can be "
                                  "opened when it is closed."),
    "future_date": lambda: _("The referral date cannot be in the future."),
    "not_referred": lambda: _("The plan can only be agreed for a referred case."),
    "already_closed": lambda: _("The case is already closed."),
    "already_active": lambda: _("The plan is already agreed and the case is active."),
    "end_before_start": lambda: _("The end date is before the referral date."),
    "owner_is_not_member": lambda: _("The case owner is not added as a member."),
    "already_member": lambda: _("That person is already in the group."),
    "not_closed": lambda: _("The case is not closed."),
    "reopen_expired": lambda: _("The closing can no longer be undone; open a new case "
                                "for the youth instead."),
}


@bp.route("/cases", methods=("GET", "POST"))
@requires(Permission.WORK_IN_CASES, deny_status=404)
def index():
    """My cases, sortable by status (open first), the youth's name or the next meeting;
    paged.  A name shows only where the policy shows identity in that case.  A search by
    the youth's name is sent by POST and kept for the login (``auth.searches``): the list
    it answers with is reached by a handle, never by the name in the URL."""
    search = CaseSearchForm()
    if request.method == "POST" and search.validate():
        sort = _sort(search.sort.data)
        if not search.q.data:
            return redirect(url_for("cases.index", sort=sort))
        return redirect(url_for("cases.index", sort=sort,
                                search=searches.keep({"q": search.q.data})))
    handle = request.args.get("search") if request.method == "GET" else None
    asked = searches.kept(handle)
    query = asked.get("q", "") if asked else ""
    if asked:
        search.q.data = query
    sort = _sort(request.args.get("sort") if request.method == "GET" else search.sort.data)
    size = current_app.config["CASE_LIST_PAGE_SIZE"]
    mine = select(Case).where(accessible(current_user)).options(joinedload(Case.owner))
    now = clock.now()
    found = name_index.matching(query) if query else None
    if query and found is None:  # no word in it (punctuation only): nothing matches
        found = select(Case.youth_id).where(false())
    if found is not None:
        mine = mine.where(Case.youth_id.in_(found))
    if sort == "status" and found is None and sees_case_items(current_user):
        # the database pages: this page's names only (a statement built once)
        page = page_of(_by_status(), size, params=access_binds(current_user))
        names = youth_names(current_user, page.rows)
        meetings = next_meetings(current_user, page.rows, now)
    else:  # the whole caseload is sorted here, then paged
        cases = list(db.session.scalars(mine.order_by(Case.referral_date.desc(), Case.id)))
        names = youth_names(current_user, cases)
        if found is not None:  # a name matches only where the reader may see the name
            cases = [c for c in cases if c.id in names]
        meetings = next_meetings(current_user, cases, now)
        if sort == "status":
            cases.sort(key=lambda c: ({"referred": 0, "active": 1}.get(c.status, 2),
                                      -c.referral_date.toordinal(), c.id))
        elif sort == "name":  # named first, alphabetically as in Swedish; then the others
            cases.sort(key=lambda c: (c.id not in names, swedish_order(names.get(c.id, ""))))
        else:
            far = dt.datetime.max.replace(tzinfo=dt.UTC)
            cases.sort(key=lambda c: clock.as_utc(meetings[c.id].starts_at)
                       if c.id in meetings else far)
        page = page_of_list(cases, size)
    record(AuditEvent.CASE_LISTED, details={"cases": len(page.rows), "page": page.number,
                                            "identity_shown": sum(
                                                1 for c in page.rows if c.id in names),
                                            "searched": found is not None})
    db.session.commit()
    return render_template("cases/index.html", cases=page.rows, page=page, names=names,
                           meetings=meetings, sort=sort, query=query, search=search,
                           handle=handle if asked else None,
                           # (a search that is gone, or an old address with the name in it)
                           search_gone=bool(handle or request.args.get("q")) and not asked)


def _sort(asked: str | None) -> str:
    return asked if asked in CASE_SORTS else "status"


CASE_SORTS = ("status", "name", "next_meeting")


@functools.cache
def _by_status() -> Select:
    """The user's cases, open first, the latest referred first (bound: ``access_binds``)."""
    return (select(Case).where(accessible_bound()).options(joinedload(Case.owner))
            .order_by(STATUS_ORDER, Case.referral_date.desc(), Case.id))


@bp.route("/youths/<id:youth_id>/cases/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CASES)
def open_case(youth_id: str):
    youth = load_youth(youth_id)
    form = OpenCaseForm()
    if not form.is_submitted():
        form.referral_date.data = clock.local_today()
    if form.validate_on_submit():
        try:
            with once(form, url_for("youths.show", youth_id=youth.id)):
                case = operations.open_case(current_user, youth, form.referral_source.data,
                                            form.referral_date.data,
                                            form.referral_note.data or "")
        except operations.CaseError as exc:
            flash(ERRORS[exc.code](), "error")
        else:
            flash(_("The case is opened."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    record(AuditEvent.YOUTH_VIEWED, target_type="youth", target_ref=youth.id,
           details={"shown": ["identity"], "view": "open_case"})
    db.session.commit()
    return render_template("cases/open.html", form=form, youth=youth)


def _show(at: At, close_form: CloseCaseForm | None = None, status: int = 200):
    """The case page (also re-rendered after an invalid close, with ``close_form``); the
    read is logged.  Only the owner is offered to close the case: the form is built for
    her alone."""
    if close_form is None and at.is_owner:
        close_form = CloseCaseForm(closed_on=clock.local_today())
    view = read_model.build(current_user, at.case, at.relation)
    record(AuditEvent.CASE_VIEWED, target_type="case", target_ref=at.case.id,
           details=view.audit_details())
    db.session.commit()
    until = operations.reopen_until(at.case, current_app.config["CASE_REOPEN_DAYS"])
    return render_template("cases/show.html", view=view, case=at.case,
                           is_owner=at.is_owner, close_form=close_form,
                           reopen_until=until if until and until > clock.now() else None
                           ), status


@case_route(bp, "/cases/<id:case_id>", needs=CasePermission.READ)
def show(at: At):
    return _show(at)


@case_route(bp, "/cases/<id:case_id>/agree-plan", needs=CasePermission.MANAGE_CASE,
            methods=("POST",))
def agree_plan(at: At):
    case = at.case
    if ConfirmForm().validate_on_submit():
        try:
            operations.agree_plan(case)
            flash(_("The plan is agreed and the case is active."), "success")
        except operations.CaseError as exc:
            flash(ERRORS[exc.code](), "error")
    return redirect(url_for("cases.show", case_id=case.id))


@case_route(bp, "/cases/<id:case_id>/close", needs=CasePermission.MANAGE_CASE,
            methods=("POST",))
def close(at: At):
    case = at.case
    form = CloseCaseForm()
    if form.validate_on_submit() and form.confirmed.data != "yes":
        if case.status == "closed":
            flash(ERRORS["already_closed"](), "info")
            return redirect(url_for("cases.show", case_id=case.id))
        if form.closed_on.data < case.referral_date:
            form.closed_on.errors.append(ERRORS["end_before_start"]())
            return _show(at, form)
        record(AuditEvent.CASE_VIEWED, target_type="case", target_ref=case.id,
               details={"view": "close_confirm", "relation": str(at.relation)})
        db.session.commit()
        form.confirmed.data = "yes"
        return render_template("cases/close_confirm.html", case=case, form=form,
                               days=current_app.config["CASE_REOPEN_DAYS"])
    if form.validate_on_submit():
        try:
            operations.close_case(case, form.reason.data, form.closed_on.data)
            flash(_("The case is closed."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
        except operations.CaseError as exc:
            if exc.code == "already_closed":  # closed meanwhile: nothing left to correct
                flash(ERRORS[exc.code](), "info")
                return redirect(url_for("cases.show", case_id=case.id))
            form.closed_on.errors.append(ERRORS[exc.code]())
    return _show(at, form)


@case_route(bp, "/cases/<id:case_id>/reopen", needs=CasePermission.MANAGE_CASE,
            methods=("POST",))
def reopen(at: At):
    """Undo a closing within CASE_REOPEN_DAYS of recording it (logged)."""
    if ConfirmForm().validate_on_submit():
        try:
            operations.reopen(at.case, current_app.config["CASE_REOPEN_DAYS"])
            flash(_("The closing is undone; the case is open again."), "success")
        except operations.CaseError as exc:
            flash(ERRORS[exc.code](), "error")
    return redirect(url_for("cases.show", case_id=at.case.id))


def _member_choices(case: Case) -> list[SelectChoice]:
    """Who can be added: active case workers, but not the owner or anyone in the group."""
    in_group = select(Membership.user_id).where(Membership.case_id == case.id,
                                                Membership.removed_at.is_(None))
    rows = db.session.execute(
        select(User, Organisation.name).join(Organisation, User.organisation_id == Organisation.id)
        .where(User.active.is_(True), User.role.in_([Role.MEMBER.value, Role.CASE_OWNER.value]),
               User.id != case.owner_id, User.id.not_in(in_group))
        .order_by(Organisation.name, User.username)).all()
    return [SelectChoice("", "—")] + [
        SelectChoice(u.id, f"{u.display_name} ({org})") for u, org in rows]


@case_route(bp, "/cases/<id:case_id>/members", needs=CasePermission.MANAGE_GROUP,
            methods=("GET", "POST"))
def members(at: At):
    case = at.case
    form = MemberForm()
    form.user_id.choices = _member_choices(case)
    if not form.is_submitted():
        form.from_date.data = clock.local_today()
    shown_at = url_for("cases.members", case_id=case.id)
    # (checked before the form: after the first sending the person is no longer offered)
    with once(form, shown_at):
        if form.validate_on_submit():
            member = db.session.get(User, form.user_id.data)
            if member is None or not member.active:
                abort(400)
            try:
                operations.add_member(current_user, case, member, form.function.data,
                                      form.from_date.data, form.to_date.data)
            except operations.CaseError as exc:
                form.user_id.errors.append(ERRORS[exc.code]())
            else:
                flash(_("%(name)s is added to the group.", name=member.display_name),
                      "success")
                return redirect(shown_at)
    view = read_model.build(current_user, case, at.relation)
    record(AuditEvent.CASE_VIEWED, target_type="case", target_ref=case.id,
           details={"view": "members", **view.audit_details()})
    db.session.commit()
    return render_template("cases/members.html", case=case, view=view, form=form)


@case_route(bp, "/cases/<id:case_id>/members/<id:membership_id>/remove",
            needs=CasePermission.MANAGE_GROUP, methods=("POST",),
            items={"membership_id": Item(Membership)})
def remove_member(at: At, membership: Membership):
    case = at.case
    if membership.removed_at is not None:
        refuse(case, "item_not_shown", 404, item_type="memberships")
    if ConfirmForm().validate_on_submit():
        operations.remove_member(case, membership)
        flash(_("The member is removed from the group and has no access from now on."),
              "success")
    return redirect(url_for("cases.members", case_id=case.id))


@case_route(bp, "/cases/<id:case_id>/print", needs=CasePermission.READ)
def print_plan(at: At):
    """The plan as the youth and guardians read it, with signature lines; only what
    the printing user may see."""
    case = at.case
    view = read_model.build(current_user, case, at.relation)
    now = clock.now()
    upcoming = [m for m in view.meetings
                if m.status == "planned" and clock.as_utc(m.starts_at) >= now]
    record(AuditEvent.PLAN_PRINTED, target_type="case", target_ref=case.id,
           details=view.audit_details())
    db.session.commit()
    return render_template("cases/print.html", view=view, case=case,
                           next_meeting=min(upcoming, key=lambda m: m.starts_at, default=None),
                           printed_on=clock.local_day(now))
