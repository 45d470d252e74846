"""Meetings: scheduling, participants and attendance, minutes, plan follow-up.

Every URL names the case and the meeting by id only, and is a declared case route
(``sig.cases.routes``): the case is loaded with the user's relation (404 for anyone
outside it), the act is checked against the one permission table, and the meeting (and
any entry or action the URL names) is loaded through the policy: one the user may not
see answers 404 exactly like a wrong id, and is logged.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from wtforms import SelectChoice

from auth.form_base import Label
from auth.forms import ConfirmForm
from auth.models import Organisation, User
from auth.sent_once import once
from consent.policy import Reading, filtered
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.access import group_organisations, refuse
from sig.cases.models import Case, CaseStatus, Membership
from sig.cases.rights import CasePermission
from sig.cases.routes import At, Item, case_route
from sig.meetings import operations, queries
from sig.meetings.forms import (
    CancelMeetingForm,
    EditMeetingForm,
    EditMinutesForm,
    ExternalParticipantForm,
    FollowUpForm,
    MinutesForm,
    ScheduleForm,
    UserParticipantForm,
)
from sig.meetings.models import Meeting, MeetingStatus, MinutesEntry
from sig.plans import operations as plan_operations
from sig.plans.models import Action
from sig.web.ids import ID_PATTERN, as_id
from sig.youths.models import Guardian, Youth

bp = Blueprint("meetings", __name__)

ERRORS = {
    "case_closed": lambda: _("The case is closed; no new meetings can be scheduled."),
    "already_cancelled": lambda: _("The meeting is already cancelled."),
    "already_held": lambda: _("The meeting has been held and cannot be cancelled."),
    "cancelled": lambda: _("The meeting is cancelled."),
    "not_a_case_worker": lambda: _("Only active staff who work in cases can take part."),
    "not_a_group_organisation": lambda: _("A stand-in comes from an organisation in the "
                                          "group. Add someone from that organisation to the "
                                          "group first."),
    "already_participant": lambda: _("That person is already a participant."),
    "unknown_role": lambda: _("Choose how the person takes part."),
    "name_required": lambda: _("Enter the name."),
    "nothing_marked": lambda: _("Choose the attendance of at least one person."),
    "unknown_attendance": lambda: _("Choose present, absent, excused or remote."),
    "not_started": lambda: _("Attendance can be recorded from the start of the meeting."),
    "unknown_category": lambda: _("Choose what the entry is about."),
    "text_required": lambda: _("Write the entry."),
    "signed_off": lambda: _("The protocol is signed off; it can only be corrected entry by "
                            "entry."),
    "protocol_signed_off": lambda: _("The protocol is signed off; it can only be corrected "
                                     "entry by entry."),
    "correction_required": lambda: _("The protocol is signed off: confirm that this is a "
                                     "correction."),
    "not_saved": lambda: _("The protocol could not be saved. Check what you chose and try "
                           "again; what you typed is kept."),
}

ATTENDANCE_PREFIX = "attendance-"


# --- loading and rendering -------------------------------------------------------------------


MEETING = {"meeting_id": Item(Meeting)}


def _to_meeting(case: Case, meeting: Meeting, anchor: str | None = None):
    return redirect(url_for("meetings.show", case_id=case.id, meeting_id=meeting.id,
                            _anchor=anchor))


@functools.cache
def _case_workers() -> Select:
    """The active case workers of the organisations bound as ``orgs``, by organisation
    and user name: built once per process."""
    return (select(User.id, User.username, User.display_name_enc, Organisation.name)
            .join(Organisation, User.organisation_id == Organisation.id)
            .where(User.active.is_(True), User.role.in_(operations.CASE_ROLES),
                   User.organisation_id.in_(bindparam("orgs", expanding=True)))
            .order_by(Organisation.name, User.username))


def _person_choices(case: Case, meeting: Meeting,
                    memberships: list[Membership] | None = None) -> list[SelectChoice]:
    """Group members first, then the other active case workers of the organisations in
    the group on the meeting's day (stand-ins): a list as long as those organisations'
    staff, not the municipality's.  ``memberships``: the group's, when the page read them
    already (else the case's are read)."""
    if memberships is None:
        memberships = list(case.memberships)
    group = {case.owner_id} | {m.user_id for m in memberships if m.removed_at is None}
    organisations = group_organisations(case, clock.local_day(meeting.starts_at), memberships)
    rows = db.session.execute(_case_workers(), {"orgs": sorted(organisations)}).all()
    rows.sort(key=lambda row: row[0] not in group)  # stable: keeps the order within each
    # (the columns, not the accounts as objects: the names are kept decrypted per worker)
    name = User.display_name.opener()
    return [SelectChoice("", "—")] + [
        SelectChoice(user_id, f"{name(user_id, blob) or username} ({org})")
        for user_id, username, blob, org in rows]


def _follow_up_prefix(action_id: str) -> str:
    return f"action-{action_id}"


def _follow_up_form(action: Action) -> FollowUpForm:
    form = FollowUpForm(formdata=None, prefix=_follow_up_prefix(action.id),
                        status=action.status, follow_up=action.follow_up)
    form.version.set(action.version)
    return _named_for(form, action)


def _named_for(form: FollowUpForm, action: Action) -> FollowUpForm:
    """Every action's fields are in the one protocol form: each label names its action."""
    form.status.label = Label(form.status.id, _("Status of “%(what)s”", what=action.what))
    form.follow_up.label = Label(form.follow_up.id, _("Follow-up notes on “%(what)s” "
                                                      "(optional)", what=action.what))
    return form


def _render(at: At, meeting: Meeting, status: int = 200, **forms: Any):
    """The meeting page; the read is logged (categories shown and withheld, counts)."""
    case, relation = at.case, at.relation
    view = queries.meeting_view(current_user, case, relation, meeting)
    record(AuditEvent.MEETING_VIEWED, target_type="case", target_ref=case.id,
           details=view.audit_details())
    db.session.commit()
    # the protocol can be written while the meeting is not cancelled nor signed off
    open_meeting = (meeting.status != MeetingStatus.CANCELLED.value
                    and meeting.signed_off_at is None)
    markable = [p for p in view.participants
                if at.may(CasePermission.RECORD_ATTENDANCE, p)]
    follow_up_forms = {}
    if open_meeting:
        for action in view.actions:
            if at.may(CasePermission.EDIT_ACTION, action):
                follow_up_forms[action.id] = forms.get("follow_up_forms", {}).get(
                    action.id) or _follow_up_form(action)
    context: dict[str, Any] = {
        "minutes_form": MinutesForm(formdata=None),
        "markable": markable if open_meeting else [],
        "started": operations.started(meeting),
        "follow_up_forms": follow_up_forms,
        "follow_up_conflict": None,
        "typed_marks": {},
        "open_meeting": open_meeting,
        "signer": (db.session.get(User, meeting.signed_off_by_id)
                   if meeting.signed_off_by_id else None),
        "rights": at.rights,
    }
    if at.may(CasePermission.MANAGE_MEETINGS):
        user_form = UserParticipantForm(formdata=None)
        user_form.user_id.choices = _person_choices(case, meeting, view.memberships)
        external = forms.get("external_form") or ExternalParticipantForm(formdata=None)
        external.guardian_id.choices = _guardian_choices(at)
        forms["external_form"] = external
        cancel_form = CancelMeetingForm(formdata=None)
        cancel_form.version.set(meeting.version)
        context.update(user_form=user_form, cancel_form=cancel_form)
    forms.pop("follow_up_forms", None)
    context.update(forms)
    return render_template("meetings/show.html", case=case, meeting=meeting, view=view,
                           **context), status


# --- scheduling ------------------------------------------------------------------------------


@case_route(bp, "/cases/<id:case_id>/meetings/new", needs=CasePermission.MANAGE_MEETINGS,
            methods=("GET", "POST"))
def schedule(at: At):
    case = at.case
    form = ScheduleForm()
    if case.status == CaseStatus.CLOSED.value:
        flash(ERRORS["case_closed"](), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    if form.validate_on_submit():
        with once(form, url_for("cases.show", case_id=case.id, _anchor="meetings-heading")):
            meeting = operations.schedule_meeting(
                current_user, case, clock.to_utc(form.starts_at.data), form.place.data,
                form.agenda.data, invite_group=form.invite_group.data)
        flash(_("The meeting is scheduled."), "success")
        return _to_meeting(case, meeting)
    return render_template("meetings/new.html", case=case, form=form)


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>", needs=CasePermission.READ,
            items=MEETING)
def show(at: At, meeting: Meeting):
    return _render(at, meeting)


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/edit",
            needs=CasePermission.MANAGE_MEETINGS, items=MEETING, methods=("GET", "POST"))
def edit(at: At, meeting: Meeting):
    case = at.case
    if meeting.status == MeetingStatus.CANCELLED.value:
        flash(ERRORS["cancelled"](), "error")
        return _to_meeting(case, meeting)
    form = EditMeetingForm()
    conflict = None
    if not form.is_submitted():
        form.starts_at.data = clock.to_local(meeting.starts_at)
        form.place.data = meeting.place
        form.agenda.data = meeting.agenda
        form.version.set(meeting.version)
    elif form.validate_on_submit():
        try:
            with once(form, url_for("meetings.show", case_id=case.id, meeting_id=meeting.id)):
                operations.update_meeting(
                    current_user, case, meeting, version=form.version.data,
                    starts_at=clock.to_utc(form.starts_at.data), place=form.place.data,
                    agenda=form.agenda.data)
        except operations.Conflict as exc:
            saved = exc.item
            conflict = {"starts_at": clock.to_local(saved.starts_at), "place": saved.place,
                        "agenda": saved.agenda, "status": saved.status}
            form.version.set(saved.version)
        else:
            flash(_("The meeting is saved."), "success")
            return _to_meeting(case, meeting)
    record(AuditEvent.MEETING_VIEWED, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "view": "edit",
                    "shown": [meeting.category]})
    db.session.commit()
    return render_template("meetings/edit.html", case=case, meeting=meeting, form=form,
                           conflict=conflict), 409 if conflict else 200


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/cancel",
            needs=CasePermission.MANAGE_MEETINGS, items=MEETING, methods=("POST",))
def cancel(at: At, meeting: Meeting):
    case = at.case
    form = CancelMeetingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with once(form, url_for("meetings.show", case_id=case.id, meeting_id=meeting.id)):
            operations.cancel_meeting(current_user, case, meeting, version=form.version.data)
    except operations.Conflict:
        flash(_("Someone else changed the meeting meanwhile. Check it and cancel again "
                "if you still want to."), "error")
    except operations.MeetingError as exc:
        flash(ERRORS[exc.code](), "error")
    else:
        flash(_("The meeting is cancelled."), "success")
    return _to_meeting(case, meeting)


# --- participants ----------------------------------------------------------------------------


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/participants",
            needs=CasePermission.MANAGE_MEETINGS, items=MEETING, methods=("POST",))
def add_participant(at: At, meeting: Meeting):
    case = at.case
    form = UserParticipantForm()
    form.user_id.choices = _person_choices(case, meeting)
    # (checked before the form: after the first sending the person is no longer offered)
    with once(form, url_for("meetings.show", case_id=case.id, meeting_id=meeting.id,
                            _anchor="participants-heading")):
        if form.validate_on_submit():
            person = db.session.get(User, as_id(form.user_id.data))
            try:
                if person is None:
                    raise operations.MeetingError("not_a_case_worker")
                operations.add_user_participant(current_user, case, meeting, person)
            except operations.MeetingError as exc:
                form.user_id.errors = [*form.user_id.errors, ERRORS[exc.code]()]
            else:
                flash(_("%(name)s is added to the meeting.", name=person.display_name),
                      "success")
                return _to_meeting(case, meeting, "participants-heading")
    return _render(at, meeting, 400, user_form=form)


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/participants/external",
            needs=CasePermission.MANAGE_MEETINGS, items=MEETING, methods=("POST",))
def add_external(at: At, meeting: Meeting):
    """The youth or a guardian, picked from the register (through the policy: the owner
    sees her organisation's register entry), or someone else by name."""
    case = at.case
    form = ExternalParticipantForm()
    form.guardian_id.choices = _guardian_choices(at)
    if form.validate_on_submit():
        name = _external_name(case, form)
        if name is None:
            return _render(at, meeting, 400, external_form=form)
        try:
            with once(form, url_for("meetings.show", case_id=case.id, meeting_id=meeting.id,
                                    _anchor="participants-heading")):
                operations.add_external_participant(current_user, case, meeting, name,
                                                    form.external_role.data)
        except operations.MeetingError as exc:
            form.external_name.errors = [*form.external_name.errors, ERRORS[exc.code]()]
        else:
            flash(_("The participant is added to the meeting."), "success")
            return _to_meeting(case, meeting, "participants-heading")
    return _render(at, meeting, 400, external_form=form)


def _guardian_choices(at: At) -> list[SelectChoice]:
    """The youth's guardians the owner may name as participants: from the youth the case
    loader read with them (no statement of its own)."""
    reading = Reading(current_user, at.relation, at.case)
    reading.items(Youth)
    guardians = reading.items_of(Guardian, Youth, "guardians",
                                 order_by=[Guardian.created_at, Guardian.id])
    return [SelectChoice("", "—")] + [SelectChoice(g.id, g.name) for g in guardians]


def _external_name(case: Case, form: ExternalParticipantForm) -> str | None:
    """The name of the participant the form names, or None with the error on the form."""
    role = form.external_role.data
    if role == "youth":
        youth = db.session.scalar(filtered(current_user, Youth, case))
        if youth is None or not youth.name:
            form.external_role.errors = [_("The youth's name is not shown to you.")]
            return None
        return youth.name
    if role == "guardian":
        guardian = db.session.scalar(filtered(current_user, Guardian, case).where(
            Guardian.id == as_id(form.guardian_id.data)))
        if guardian is None:
            form.guardian_id.errors = [_("Choose the guardian.")]
            return None
        return guardian.name
    name = (form.external_name.data or "").strip()
    if not name:
        form.external_name.errors = [ERRORS["name_required"]()]
        return None
    return name


# --- the protocol: attendance, follow-ups and a minutes entry in one form --------------------


def _marks() -> dict[str, str]:
    return {key.removeprefix(ATTENDANCE_PREFIX): value
            for key, value in request.form.items()
            if key.startswith(ATTENDANCE_PREFIX) and value}


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/protocol",
            needs=CasePermission.WRITE_MINUTES, items=MEETING, methods=("POST",))
def protocol(at: At, meeting: Meeting):
    """Save the meeting's protocol in one submit: the attendance marked, every action
    whose follow-up was changed, and a new minutes entry if one was written — together
    or not at all.  Whatever is wrong is said where it was typed, and nothing typed is
    lost: the page comes back with all of it."""
    case = at.case
    if not ConfirmForm().validate_on_submit():
        abort(400)
    view = queries.meeting_view(current_user, case, at.relation, meeting)
    marks = _marks()
    if not all(re.fullmatch(ID_PATTERN, pid) for pid in marks):
        refuse(case, "participant_not_shown", 404)
    follow_ups: dict[str, FollowUpForm] = {}
    changed: list[tuple[Action, FollowUpForm]] = []
    for action in view.actions:
        prefix = _follow_up_prefix(action.id)
        if f"{prefix}-status" not in request.form or not at.may(CasePermission.EDIT_ACTION,
                                                                action):
            continue
        form = _named_for(FollowUpForm(prefix=prefix), action)
        follow_ups[action.id] = form
        if (form.status.data != action.status
                or (form.follow_up.data or "").strip() != (action.follow_up or "")):
            changed.append((action, form))
    minutes = MinutesForm()
    writing = bool((minutes.text.data or "").strip())
    valid = all(form.validate() for _action, form in changed)
    valid = (minutes.validate() if writing else True) and valid
    again = {"follow_up_forms": follow_ups, "minutes_form": minutes, "typed_marks": marks}
    if not valid:
        return _render(at, meeting, 400, **again)
    if not (marks or changed or writing):
        flash(_("Nothing was changed, so nothing was saved."), "info")
        return _to_meeting(case, meeting)
    try:  # (sent twice, a protocol is saved once: the minutes entry is not written twice)
        with once(minutes, url_for("meetings.show", case_id=case.id, meeting_id=meeting.id,
                                   _anchor="minutes-heading")):
            for action, form in changed:
                plan_operations.update_action_status(
                    current_user, case, action, form.status.data,
                    version=form.version.data, follow_up=form.follow_up.data or "",
                    meeting=meeting, commit=False)
            if marks:
                operations.record_attendance(current_user, case, meeting, marks,
                                             commit=False)
            if writing:
                operations.write_minutes(current_user, case, meeting, minutes.category.data,
                                         minutes.text.data, minutes.pre_investigation.data,
                                         commit=False)
            db.session.commit()
    except plan_operations.Conflict as exc:  # (nothing of the protocol was written)
        action_id = exc.item.id
        follow_ups[action_id].version.set(exc.version)
        return _render(at, meeting, 409, follow_up_conflict=action_id, **again)
    except (operations.NotFound, plan_operations.NotAllowed):
        db.session.rollback()
        refuse(case, "participant_not_shown", 404)
    except operations.NotAllowed:
        db.session.rollback()
        refuse(case, "own_attendance_only", meeting=meeting.id)
    except (operations.MeetingError, plan_operations.PlanError) as exc:
        db.session.rollback()
        flash(ERRORS.get(exc.code, ERRORS["not_saved"])(), "error")
        return _render(at, meeting, 400, **again)
    parts = []
    if marks:
        parts.append(ngettext("attendance for %(num)d person", "attendance for %(num)d people",
                              len(marks)))
    if changed:
        parts.append(ngettext("%(num)d follow-up", "%(num)d follow-ups", len(changed)))
    if writing:
        parts.append(_("a minutes entry"))
    flash(_("The protocol is saved: %(parts)s.", parts=", ".join(parts)), "success")
    return _to_meeting(case, meeting, "protocol-heading")


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/sign-off",
            needs=CasePermission.MANAGE_MEETINGS, items=MEETING, methods=("POST",))
def sign_off(at: At, meeting: Meeting):
    """The owner signs off (justerar) the protocol: read-only from now on."""
    if ConfirmForm().validate_on_submit():
        try:
            operations.sign_off(current_user, at.case, meeting)
        except operations.MeetingError as exc:
            flash(ERRORS[exc.code](), "info")
        else:
            flash(_("The protocol is signed off. A change from now on is a correction, "
                    "and is logged as one."), "success")
    return _to_meeting(at.case, meeting)


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/print", needs=CasePermission.READ,
            items=MEETING)
def print_protocol(at: At, meeting: Meeting):
    """The protocol as the reader's organisation may see it, for paper."""
    view = queries.meeting_view(current_user, at.case, at.relation, meeting)
    record(AuditEvent.MEETING_VIEWED, target_type="case", target_ref=at.case.id,
           details={**view.audit_details(), "view": "print"})
    db.session.commit()
    return render_protocol(at.case, meeting, view, current_user.organisation)


def render_protocol(case: Case, meeting: Meeting, view: queries.MeetingView,
                    organisation: Organisation) -> str:
    signer = db.session.get(User, meeting.signed_off_by_id) if meeting.signed_off_by_id else None
    return render_template("meetings/print.html", case=case, meeting=meeting, view=view,
                           organisation=organisation, signer=signer, printed_at=clock.now())


# --- minutes ---------------------------------------------------------------------------------


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/minutes/<id:entry_id>/edit",
            needs=CasePermission.EDIT_MINUTES, on="entry", methods=("GET", "POST"),
            items={**MEETING, "entry_id": Item(MinutesEntry, within="meeting_id")})
def edit_minutes(at: At, meeting: Meeting, entry: MinutesEntry):
    case = at.case
    form = EditMinutesForm()
    conflict = None
    if not form.is_submitted():
        form.category.data = entry.category
        form.text.data = entry.text
        form.version.set(entry.version)
    elif form.validate_on_submit():
        try:
            with once(form, url_for("meetings.show", case_id=case.id, meeting_id=meeting.id,
                                    _anchor=f"entry-{entry.id}")):
                operations.edit_minutes(current_user, case, entry,
                                        version=form.version.data,
                                        category=form.category.data, text=form.text.data,
                                        correction=bool(form.correction.data))
        except operations.Conflict as exc:
            conflict = {"category": queries.MeetingView.category_label(exc.item.category),
                        "text": exc.item.text}
            form.version.set(exc.item.version)
        except operations.MeetingError as exc:
            target = form.correction if exc.code == "correction_required" else form.text
            target.errors = [*target.errors, ERRORS[exc.code]()]
        else:
            flash(_("The minutes entry is saved."), "success")
            return _to_meeting(case, meeting, f"entry-{entry.id}")
    record(AuditEvent.MEETING_VIEWED, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "entry": entry.id, "shown": [entry.category]})
    db.session.commit()
    return render_template("meetings/minutes_edit.html", case=case, meeting=meeting,
                           entry=entry, form=form, conflict=conflict), 409 if conflict else 200


