"""Writes to meetings: validate, change, audit — one transaction each.

Who may do what is the permission table's (``sig.cases.rights``: the routes refuse and
the pages offer forms by the same table).  In words:

* **Scheduling, changing and cancelling** a meeting, and **adding participants**, is
  the case owner's.  The meeting and its participant rows are recorded by the owner's
  organisation, category ``coordination``; each participant row is addressed to the
  organisation the person represents, so that organisation sees it.
* **Attendance**: the owner records it for everyone; a group member only for their own
  participant row.  Recording attendance marks a planned meeting as held, and is
  possible from the meeting's start (not for a cancelled meeting).
* **Minutes**: the owner and the members write entries on meetings they see; an entry
  is recorded by the writer's organisation with the category the writer chose (what
  it is about), and only its writer changes it later.

Meetings and minutes entries carry a version: a change based on an older version is
refused with :class:`Conflict` and nothing is written.  The access log gets ids,
counts, codes and categories — never a name, place, agenda or minutes text.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select, update

from auth.models import User
from auth.roles import OrganisationKind, Role
from consent.categories import KNOWN, Category
from consent.policy import Relation, filtered
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from kernel.versioned import Conflict, check_version, flush_or_conflict
from sig.cases.access import current_membership, group_organisations, relation_to, today
from sig.cases.models import Case, CaseStatus, Membership
from sig.cases.rights import CasePermission, allows
from sig.meetings.models import (
    Attendance,
    ExternalRole,
    Meeting,
    MeetingStatus,
    MinutesEntry,
    Participant,
)
from sig.notify import invitations
from sig.plans.operations import write_history

CASE_ROLES = (Role.MEMBER.value, Role.CASE_OWNER.value)


class MeetingError(ValueError):
    """A request the user must correct; ``code`` selects the message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotAllowed(PermissionError):
    """The user may not do this (views answer 403)."""


class NotFound(LookupError):
    """A row the user may not see, or that is not of this meeting (views answer 404)."""


# --- rules -----------------------------------------------------------------------------------


def is_police(user: Any) -> bool:
    return user.organisation.kind == OrganisationKind.POLICE.value


def started(meeting: Meeting) -> bool:
    return clock.as_utc(meeting.starts_at) <= clock.now()


def _require(user: Any, case: Case, permission: CasePermission,
             item: Any | None = None) -> Relation:
    """The user's relation to the case, if the permission table allows the act."""
    relation = relation_to(user, case)
    if not allows(user, relation, permission, item):
        raise NotAllowed(str(permission))
    assert relation is not None  # allows() says no without a relation
    return relation


# --- meetings --------------------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def schedule_meeting(user: Any, case: Case, starts_at: dt.datetime, place: str | None,
                     agenda: str | None, *, invite_group: bool = True) -> Meeting:
    """A planned meeting; by default every current group member (and the owner) is
    invited, each representing their organisation in the group.

    :raises NotAllowed: unless the user owns the case.
    :raises MeetingError("case_closed"): no new meetings in a closed case.
    """
    _require(user, case, CasePermission.MANAGE_MEETINGS)
    if case.status == CaseStatus.CLOSED.value:
        raise MeetingError("case_closed")
    meeting = Meeting(case_id=case.id, starts_at=_utc(starts_at),
                      status=MeetingStatus.PLANNED.value, origin_org_id=user.organisation_id,
                      category=Category.COORDINATION.value, created_by_id=user.id)
    meeting.place = _clean(place)
    meeting.agenda = _clean(agenda)
    db.session.add(meeting)
    db.session.flush()
    invited = 0
    if invite_group:
        invitees: list[tuple[str, str]] = [(user.id, user.organisation_id)]
        rows = db.session.execute(
            select(Membership.user_id, Membership.member_org_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.case_id == case.id, User.active.is_(True),
                   _current_member_row())
            .order_by(Membership.from_date))
        for member_id, org_id in rows:
            if member_id not in {i for i, _ in invitees}:
                invitees.append((member_id, org_id))
        for member_id, org_id in invitees:
            db.session.add(_participant(user, meeting, user_id=member_id, org_id=org_id))
        invited = len(invitees)
    db.session.flush()
    if invite_group:
        invitations.mail_meeting(meeting, case, [i for i, _org in invitees], invitations.NEW)
    record(AuditEvent.MEETING_SCHEDULED, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "invited": invited})
    db.session.commit()
    return meeting


def update_meeting(user: Any, case: Case, meeting: Meeting, *, version: int | None,
                   starts_at: dt.datetime, place: str | None, agenda: str | None) -> Meeting:
    """:raises Conflict: when ``version`` is not the meeting's current version."""
    _require(user, case, CasePermission.MANAGE_MEETINGS)
    _of_case(meeting, case)
    try:
        check_version(meeting, version)
        values = {"starts_at": _utc(starts_at), "place": _clean(place),
                  "agenda": _clean(agenda)}
        changed = sorted(name for name, value in values.items()
                         if _comparable(getattr(meeting, name)) != _comparable(value))
        if not changed:
            return meeting
        for name in changed:
            setattr(meeting, name, values[name])
        meeting.updated_at = clock.now()
        flush_or_conflict(meeting)
    except Conflict:
        _log_conflict(case, meeting)
        raise
    if "starts_at" in changed or "place" in changed:  # what a calendar entry is about
        invitations.mail_meeting(meeting, case, _invited_users(meeting), invitations.CHANGED)
    record(AuditEvent.MEETING_UPDATED, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "fields": changed, "version": meeting.version})
    db.session.commit()
    return meeting


def cancel_meeting(user: Any, case: Case, meeting: Meeting, *, version: int | None) -> Meeting:
    """:raises MeetingError("already_held"|"already_cancelled"), Conflict:"""
    _require(user, case, CasePermission.MANAGE_MEETINGS)
    _of_case(meeting, case)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise MeetingError("already_cancelled")
    if meeting.status == MeetingStatus.HELD.value:
        raise MeetingError("already_held")
    try:
        check_version(meeting, version)
        meeting.status = MeetingStatus.CANCELLED.value
        meeting.updated_at = clock.now()
        flush_or_conflict(meeting)
    except Conflict:
        _log_conflict(case, meeting)
        raise
    invitations.mail_meeting(meeting, case, _invited_users(meeting), invitations.CANCELLED)
    record(AuditEvent.MEETING_UPDATED, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "status": meeting.status,
                    "version": meeting.version})
    db.session.commit()
    return meeting


def cancel_coming_on_close(_user: Any, case: Case) -> dict[str, int]:
    """Closing the case cancels its meetings still to come: the invited are told and
    their calendars drop the entry (a closed case has no meetings to go to).  In the
    closing's transaction; cancelled at the moment of the closing, which is how undoing
    the closing finds them."""
    coming = [m for m in db.session.scalars(select(Meeting).where(
        Meeting.case_id == case.id, Meeting.status == MeetingStatus.PLANNED.value))
        if not started(m)]
    _move_with_the_case(case, coming, MeetingStatus.CANCELLED, case.closed_at,
                        invitations.CANCELLED, "case_closed")
    return {"meetings_cancelled": len(coming)} if coming else {}


def restore_on_reopen(_user: Any, case: Case) -> dict[str, int]:
    """Undoing the closing plans again the meetings the closing cancelled that are still
    to come; the invited are invited again (their calendars update the entry)."""
    if case.closed_at is None:
        return {}
    again = [m for m in db.session.scalars(select(Meeting).where(
        Meeting.case_id == case.id, Meeting.status == MeetingStatus.CANCELLED.value,
        Meeting.updated_at == case.closed_at)) if not started(m)]
    _move_with_the_case(case, again, MeetingStatus.PLANNED, clock.now(), invitations.NEW,
                        "case_reopened")
    return {"meetings_restored": len(again)} if again else {}


def _move_with_the_case(case: Case, meetings: list[Meeting], status: MeetingStatus,
                        at: dt.datetime, change: str, reason: str) -> None:
    """Give ``meetings`` ``status`` in the transaction that closes or reopens the case,
    tell the invited (``change``) and log it.  Written with the case, whose flush catches
    a double click: the version each meeting gets then is the one the calendars see."""
    for meeting in meetings:
        meeting.status = status.value
        meeting.updated_at = at
        version = meeting.version + 1
        invitations.mail_meeting(meeting, case, _invited_users(meeting), change,
                                 sequence=version)
        record(AuditEvent.MEETING_UPDATED, target_type="case", target_ref=case.id,
               details={"meeting": meeting.id, "status": meeting.status,
                        "version": version, "reason": reason})


def _invited_users(meeting: Meeting) -> list[str]:
    return list(db.session.scalars(select(Participant.user_id).where(
        Participant.meeting_id == meeting.id, Participant.user_id.is_not(None))))


def _log_conflict(case: Case, meeting: Meeting) -> None:
    record(AuditEvent.MEETING_UPDATED, target_type="case", target_ref=case.id,
           outcome="failed", details={"meeting": meeting.id, "reason": "conflict"})
    db.session.commit()


# --- participants ----------------------------------------------------------------------------


def _participant(user: Any, meeting: Meeting, *, user_id: str | None = None,
                 org_id: str | None = None) -> Participant:
    return Participant(meeting_id=meeting.id, case_id=meeting.case_id, user_id=user_id,
                       represented_org_id=org_id, invited=True,
                       origin_org_id=user.organisation_id,
                       category=Category.COORDINATION.value, created_by_id=user.id)


def participant_category(external_role: str | None) -> str:
    """A participant who is the youth or a guardian is identity data of the case: their
    name says who the youth is.  Anyone else is coordination."""
    if external_role in (ExternalRole.YOUTH.value, ExternalRole.GUARDIAN.value):
        return Category.IDENTITY.value
    return Category.COORDINATION.value


def add_user_participant(user: Any, case: Case, meeting: Meeting, person: User) -> Participant:
    """A group member, or a stand-in: an active user who works in cases, of an
    organisation in the group on the meeting's day (the invitation tells her
    organisation of the case, so never one outside it).  They represent their own
    organisation, so a stand-in counts for the organisation they come from.

    :raises MeetingError("not_a_case_worker"|"not_a_group_organisation"|
        "already_participant"|"cancelled"):
    """
    _require(user, case, CasePermission.MANAGE_MEETINGS)
    _of_case(meeting, case)
    _not_cancelled(meeting)
    if not person.active or person.role not in CASE_ROLES:
        raise MeetingError("not_a_case_worker")
    if person.organisation_id not in group_organisations(case,
                                                         clock.local_day(meeting.starts_at)):
        raise MeetingError("not_a_group_organisation")
    if db.session.scalar(select(Participant.id).where(Participant.meeting_id == meeting.id,
                                                      Participant.user_id == person.id)):
        raise MeetingError("already_participant")
    is_member = person.id == case.owner_id or db.session.scalar(
        select(Membership.id).where(Membership.case_id == case.id,
                                    current_membership(person.id, today())).limit(1))
    participant = _participant(user, meeting, user_id=person.id,
                               org_id=person.organisation_id)
    db.session.add(participant)
    db.session.flush()
    invitations.mail_meeting(meeting, case, [person.id], invitations.NEW)
    record(AuditEvent.PARTICIPANT_ADDED, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "participant": participant.id, "kind": "user",
                    "user": person.id, "represented_org": person.organisation_id,
                    "stand_in": not is_member})
    db.session.commit()
    return participant


def add_external_participant(user: Any, case: Case, meeting: Meeting, name: str,
                             role: str) -> Participant:
    """The youth, a guardian or someone else, by name (stored encrypted) and role.
    External participants represent no organisation and are seen by the owner's
    organisation only.

    :raises MeetingError("name_required"|"unknown_role"|"cancelled"):
    """
    _require(user, case, CasePermission.MANAGE_MEETINGS)
    _of_case(meeting, case)
    _not_cancelled(meeting)
    if role not in {r.value for r in ExternalRole}:
        raise MeetingError("unknown_role")
    name = (name or "").strip()
    if not name:
        raise MeetingError("name_required")
    participant = _participant(user, meeting)
    participant.external_role = role
    participant.external_name = name
    participant.category = participant_category(role)
    db.session.add(participant)
    db.session.flush()
    record(AuditEvent.PARTICIPANT_ADDED, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "participant": participant.id,
                    "kind": "external", "role": role})
    db.session.commit()
    return participant


# --- attendance ------------------------------------------------------------------------------


def record_attendance(user: Any, case: Case, meeting: Meeting,
                      marks: dict[str, str], *, commit: bool = True) -> int:
    """Set the attendance of participant rows: ``{participant id: attendance}``.

    Before the meeting starts only "excused" (anmält förhinder) can be recorded.  With
    ``commit=False`` the caller commits (the meeting protocol saves its parts together).

    :raises NotFound: a participant the user may not see or not of this meeting.
    :raises NotAllowed: a member marking anyone but themselves.
    :raises MeetingError("unknown_attendance"|"cancelled"|"not_started"|"nothing_marked"):
    :returns: how many rows were set.
    """
    relation = _require(user, case, CasePermission.RECORD_ATTENDANCE)
    _of_case(meeting, case)
    if not marks:
        raise MeetingError("nothing_marked")
    if any(value not in {a.value for a in Attendance} for value in marks.values()):
        raise MeetingError("unknown_attendance")
    rows = {p.id: p for p in db.session.scalars(
        filtered(user, Participant, case).where(Participant.meeting_id == meeting.id,
                                                Participant.id.in_(list(marks))))}
    if set(marks) - set(rows):
        raise NotFound("participant")
    if not all(allows(user, relation, CasePermission.RECORD_ATTENDANCE, p)
               for p in rows.values()):
        raise NotAllowed("own_attendance_only")
    _not_cancelled(meeting)
    _not_signed_off(meeting)
    begun = started(meeting)
    if not begun and set(marks.values()) != {Attendance.EXCUSED.value}:
        raise MeetingError("not_started")
    for participant_id, value in marks.items():
        rows[participant_id].attendance = value
    if begun and meeting.status == MeetingStatus.PLANNED.value:
        meeting.status = MeetingStatus.HELD.value
        meeting.updated_at = clock.now()
    db.session.flush()
    record(AuditEvent.ATTENDANCE_RECORDED, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "participants": sorted(marks),
                    "counts": dict(sorted(Counter(marks.values()).items())),
                    "meeting_status": meeting.status})
    if commit:
        db.session.commit()
    return len(marks)


# --- minutes ---------------------------------------------------------------------------------


def _minutes_values(category: str, text: str) -> tuple[str, str]:
    if category not in KNOWN:
        raise MeetingError("unknown_category")
    text = (text or "").strip()
    if not text:
        raise MeetingError("text_required")
    return category, text


def write_minutes(user: Any, case: Case, meeting: Meeting, category: str,
                  text: str, pre_investigation: bool = False, *,
                  commit: bool = True) -> MinutesEntry:
    """An entry recorded by the writer's organisation, with its own category.

    ``pre_investigation`` (police only): material from a preliminary investigation,
    which the police → social services provision does not cover.

    :raises MeetingError("unknown_category"|"text_required"|"cancelled"):
    """
    _require(user, case, CasePermission.WRITE_MINUTES)
    _of_case(meeting, case)
    _not_cancelled(meeting)
    _not_signed_off(meeting)
    category, text = _minutes_values(category, text)
    entry = MinutesEntry(meeting_id=meeting.id, case_id=case.id,
                         origin_org_id=user.organisation_id, category=category,
                         created_by_id=user.id,
                         pre_investigation=bool(pre_investigation) and is_police(user))
    entry.text = text
    db.session.add(entry)
    db.session.flush()
    record(AuditEvent.MINUTES_WRITTEN, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id, "entry": entry.id, "category": category})
    if commit:
        db.session.commit()
    return entry


def edit_minutes(user: Any, case: Case, entry: MinutesEntry, *, version: int | None,
                 category: str, text: str, correction: bool = False) -> MinutesEntry:
    """Change an entry; each changed field gets a :class:`Change` (before → after,
    encrypted) with the entry's origin and its category before the edit, and the meeting.
    In a signed-off protocol a change is a correction: the writer says so
    (``correction``), and the log records it as one.

    :raises NotAllowed: unless the user wrote the entry.
    :raises Conflict: when ``version`` is not the entry's current version.
    :raises MeetingError("correction_required"): a signed-off protocol, not confirmed.
    """
    if entry.case_id != case.id:
        raise NotFound("entry")
    _require(user, case, CasePermission.EDIT_MINUTES, entry)
    category, text = _minutes_values(category, text)
    signed = db.session.get(Meeting, entry.meeting_id).signed_off_at is not None
    if signed and not correction:
        raise MeetingError("correction_required")
    try:
        check_version(entry, version)
        changed = {name: (getattr(entry, name), value)
                   for name, value in (("category", category), ("text", text))
                   if getattr(entry, name) != value}
        if not changed:
            return entry
        history_category = entry.category
        for name, (_before, after) in changed.items():
            setattr(entry, name, after)
        entry.updated_at = clock.now()
        flush_or_conflict(entry)
    except Conflict:
        record(AuditEvent.MINUTES_WRITTEN, target_type="case", target_ref=case.id,
               outcome="failed", details={"entry": entry.id, "reason": "conflict"})
        db.session.commit()
        raise
    write_history(user, case, entry, "minutes", changed, meeting_id=entry.meeting_id,
                  category=history_category)
    record(AuditEvent.MINUTES_WRITTEN, target_type="case", target_ref=case.id,
           details={"meeting": entry.meeting_id, "entry": entry.id,
                    "category": entry.category, "fields": sorted(changed),
                    "version": entry.version, **({"correction": True} if signed else {})})
    db.session.commit()
    return entry


# --- helpers ---------------------------------------------------------------------------------


def _current_member_row() -> Any:
    day = today()
    return ((Membership.removed_at.is_(None)) & (Membership.from_date <= day)
            & ((Membership.to_date.is_(None)) | (Membership.to_date >= day)))


def _of_case(meeting: Meeting, case: Case) -> None:
    if meeting.case_id != case.id:
        raise NotFound("meeting")


def _not_cancelled(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise MeetingError("cancelled")


def _not_signed_off(meeting: Meeting) -> None:
    if meeting.signed_off_at is not None:
        raise MeetingError("signed_off")


def sign_off(user: Any, case: Case, meeting: Meeting) -> None:
    """The owner checks and signs off (justerar) the protocol of a meeting that has
    started: from now on attendance, minutes and follow-ups of the meeting are read-only,
    and a change to an entry is a logged correction.

    :raises MeetingError("cancelled"|"not_started"|"signed_off"):
    """
    _require(user, case, CasePermission.MANAGE_MEETINGS)
    _of_case(meeting, case)
    _not_cancelled(meeting)
    if not started(meeting):
        raise MeetingError("not_started")
    claimed = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.signed_off_at.is_(None))
        .values(signed_off_at=clock.now(), signed_off_by_id=user.id)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:  # signed off meanwhile (a double click)
        db.session.rollback()
        raise MeetingError("signed_off")
    db.session.refresh(meeting)  # as claimed, with what others saved meanwhile
    if meeting.status == MeetingStatus.PLANNED.value:  # held, though no one recorded it
        meeting.status = MeetingStatus.HELD.value
    record(AuditEvent.MEETING_SIGNED_OFF, target_type="case", target_ref=case.id,
           details={"meeting": meeting.id})
    db.session.commit()
    db.session.refresh(meeting)


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    return value.astimezone(dt.UTC)


def _comparable(value: Any) -> Any:
    return clock.as_utc(value) if isinstance(value, dt.datetime) else value


__all__ = ["Conflict", "MeetingError", "NotAllowed", "NotFound", "add_external_participant",
           "add_user_participant", "cancel_meeting", "edit_minutes", "record_attendance",
           "schedule_meeting", "update_meeting", "write_minutes"]
