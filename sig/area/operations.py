"""Writes of the area-level work: groups and members, report periods, each
organisation's part, the coordinator's assessment, what the council answers, citizen
promises.  Every text passes the individual-data guard before anything is written."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from auth.models import User
from auth.roles import Role
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.area.models import (
    POSITIVE,
    QUESTIONS,
    AreaAttendance,
    AreaDecision,
    AreaGroup,
    AreaMeeting,
    AreaMembership,
    Assessment,
    CauseAnalysis,
    CitizenPromise,
    Colour,
    Escalation,
    GroupKind,
    PromiseCommitment,
    ReportPart,
    SituationReport,
)
from sig.youths import mentions


class AreaError(ValueError):
    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code, self.field = code, field


@dataclass
class PersonalData(Exception):
    """Texts that hold personal data: field name → (text, findings)."""

    found: dict[str, tuple[str, list[mentions.Finding]]]


def guard(texts: dict[str, str | None]) -> None:
    """:raises PersonalData: if any of ``texts`` (field → text) holds personal data."""
    found = {field: (text or "", hits) for field, text in texts.items()
             if (hits := mentions.find(text))}
    if found:
        raise PersonalData(found)


def required_text(value: str | None, code: str, field: str) -> str:
    """A text that must be written and may hold no personal data.

    :raises AreaError: ``code`` when it is empty.
    :raises PersonalData: when it names a person."""
    text = (value or "").strip()
    if not text:
        raise AreaError(code, field)
    guard({field: text})
    return text


def is_coordinator(user: Any) -> bool:
    return user.role == Role.COORDINATOR.value


def membership(user: Any, group: AreaGroup) -> AreaMembership | None:
    return db.session.scalar(select(AreaMembership).where(
        AreaMembership.group_id == group.id, AreaMembership.user_id == user.id,
        AreaMembership.removed_at.is_(None)))


def groups_of(user: Any) -> list[AreaGroup]:
    """The coordinator's: every group; anyone else's: the groups she is a member of."""
    query = select(AreaGroup).order_by(AreaGroup.name)
    if not is_coordinator(user):
        query = query.where(AreaGroup.id.in_(select(AreaMembership.group_id).where(
            AreaMembership.user_id == user.id, AreaMembership.removed_at.is_(None))))
    return list(db.session.scalars(query))


def may_see(user: Any, group: AreaGroup) -> bool:
    return is_coordinator(user) or membership(user, group) is not None


# --- groups ------------------------------------------------------------------------------


def create_group(user: Any, name: str, kind: str, period_days: int,
                 escalates_to: AreaGroup | None) -> AreaGroup:
    name = (name or "").strip()
    guard({"name": name})
    group = AreaGroup(name=name, kind=str(GroupKind(kind)), period_days=period_days,
                      escalates_to_id=escalates_to.id if escalates_to else None)
    db.session.add(group)
    db.session.flush()
    record(AuditEvent.AREA_SAVED, target_type="area_group", target_ref=group.id,
           details={"kind": group.kind})
    db.session.commit()
    return group


def add_member(user: Any, group: AreaGroup, person: User | None, stand_in: bool) -> None:
    if person is None or not person.active:
        raise AreaError("no_such_person", "user_id")
    existing = membership(person, group)
    if existing is not None:
        raise AreaError("already_member", "user_id")
    db.session.add(AreaMembership(group_id=group.id, user_id=person.id,
                                  org_id=person.organisation_id, stand_in=stand_in))
    record(AuditEvent.AREA_SAVED, target_type="area_group", target_ref=group.id,
           details={"member": person.id, "stand_in": stand_in})
    db.session.commit()


def remove_member(group: AreaGroup, row: AreaMembership) -> None:
    row.removed_at = clock.now()
    record(AuditEvent.AREA_SAVED, target_type="area_group", target_ref=group.id,
           details={"member": row.user_id, "removed": True})
    db.session.commit()


# --- report periods and parts ---------------------------------------------------------------


def reports_of(group: AreaGroup) -> list[SituationReport]:
    return list(db.session.scalars(select(SituationReport).where(
        SituationReport.group_id == group.id).order_by(SituationReport.period_start.desc())))


def open_report(user: Any, group: AreaGroup, start: dt.date) -> SituationReport:
    """A new report period from ``start`` for the group's period length."""
    end = start + dt.timedelta(days=group.period_days - 1)
    overlapping = db.session.scalar(select(SituationReport.id).where(
        SituationReport.group_id == group.id, SituationReport.period_start <= end,
        SituationReport.period_end >= start).limit(1))
    if overlapping:
        raise AreaError("period_overlaps", "period_start")
    report = SituationReport(group_id=group.id, period_start=start, period_end=end)
    db.session.add(report)
    db.session.flush()
    record(AuditEvent.AREA_SAVED, target_type="situation_report", target_ref=report.id,
           details={"group": group.id, "period": {"from": start.isoformat(),
                                                  "to": end.isoformat()}})
    db.session.commit()
    return report


@dataclass(frozen=True)
class Answer:
    account: str
    impact: int | None
    places: str


def submit_part(user: Any, report: SituationReport, row: AreaMembership,
                answers: dict[int, Answer]) -> int:
    """The organisation's part on the seven questions (what was answered replaces what
    was there); :raises PersonalData: before anything is written."""
    if report.compiled_at is not None:
        raise AreaError("compiled")
    texts = {}
    for question, answer in answers.items():
        texts[f"q{question}-account"] = answer.account
        texts[f"q{question}-places"] = answer.places
    guard(texts)
    saved = 0
    for question, answer in answers.items():
        if question not in QUESTIONS:
            continue
        part = db.session.scalar(select(ReportPart).where(
            ReportPart.report_id == report.id, ReportPart.org_id == row.org_id,
            ReportPart.question == question))
        if not (answer.account.strip() or answer.places.strip() or answer.impact):
            if part is not None:
                db.session.delete(part)
            continue
        if part is None:
            part = ReportPart(report_id=report.id, org_id=row.org_id, question=question,
                              submitted_by_id=user.id)
            db.session.add(part)
        part.account = answer.account.strip() or None
        part.places = answer.places.strip() or None
        part.impact = None if question == POSITIVE else answer.impact
        part.submitted_by_id = user.id
        part.submitted_at = clock.now()
        saved += 1
    try:
        db.session.flush()
    except IntegrityError:  # the same part sent twice at once: the later click retries
        db.session.rollback()
        raise AreaError("conflict") from None
    record(AuditEvent.AREA_SAVED, target_type="situation_report", target_ref=report.id,
           details={"organisation": row.org_id, "questions": saved})
    db.session.commit()
    return saved


def parts_of(report: SituationReport) -> list[ReportPart]:
    return list(db.session.scalars(select(ReportPart).where(
        ReportPart.report_id == report.id).order_by(ReportPart.question, ReportPart.org_id)))


def assessments_of(report: SituationReport) -> dict[int, Assessment]:
    return {a.question: a for a in db.session.scalars(select(Assessment).where(
        Assessment.report_id == report.id))}


def compile_report(user: Any, report: SituationReport,
                   assessed: dict[int, tuple[str, str]]) -> int:
    """The coordinator's colour and comment per question; a red question is raised with
    the council the group reports to.  Returns how many red items were raised."""
    guard({f"q{q}-comment": comment for q, (_colour, comment) in assessed.items()})
    existing = assessments_of(report)
    raised = 0
    for question, (colour, comment) in assessed.items():
        colour = str(Colour(colour))
        row = existing.get(question) or Assessment(report_id=report.id, question=question)
        row.colour = colour
        row.comment = comment.strip() or None
        db.session.add(row)
        db.session.flush()
        group = report.group
        if colour == Colour.RED.value and group.escalates_to_id and not db.session.scalar(
                select(Escalation.id).where(Escalation.assessment_id == row.id)):
            db.session.add(Escalation(assessment_id=row.id, to_group_id=group.escalates_to_id))
            raised += 1
    report.compiled_at = clock.now()
    report.compiled_by_id = user.id
    record(AuditEvent.AREA_SAVED, target_type="situation_report", target_ref=report.id,
           details={"questions": len(assessed), "raised": raised})
    db.session.commit()
    return raised


def trend(group: AreaGroup, periods: int = 6
          ) -> list[tuple[SituationReport, dict[int, str], dict[int, int]]]:
    """The last compiled periods, oldest first: each question's colour, and the highest
    impact the organisations gave it."""
    reports = list(db.session.scalars(select(SituationReport).where(
        SituationReport.group_id == group.id, SituationReport.compiled_at.is_not(None))
        .order_by(SituationReport.period_start.desc()).limit(periods)))
    colours: dict[str, dict[int, str]] = {r.id: {} for r in reports}
    impacts: dict[str, dict[int, int]] = {r.id: {} for r in reports}
    for a in db.session.scalars(select(Assessment).where(
            Assessment.report_id.in_(list(colours)))):
        colours[a.report_id][a.question] = a.colour
    for p in db.session.scalars(select(ReportPart).where(
            ReportPart.report_id.in_(list(colours)), ReportPart.impact.is_not(None))):
        mine = impacts[p.report_id]
        mine[p.question] = max(mine.get(p.question, 0), p.impact)
    return [(r, colours[r.id], impacts[r.id]) for r in reversed(reports)]


def escalations_to(group: AreaGroup, *, open_only: bool = False) -> list[Escalation]:
    query = select(Escalation).where(Escalation.to_group_id == group.id)
    if open_only:
        query = query.where(Escalation.responded_at.is_(None))
    return list(db.session.scalars(query.order_by(Escalation.raised_at)))


def escalations_of(report: SituationReport) -> dict[int, Escalation]:
    return {e.assessment.question: e for e in db.session.scalars(
        select(Escalation).join(Assessment).where(Assessment.report_id == report.id))}


def respond(user: Any, escalation: Escalation, text: str) -> None:
    escalation.response = required_text(text, "response_required", "response")
    escalation.responded_at = clock.now()
    escalation.responded_by_id = user.id
    record(AuditEvent.AREA_SAVED, target_type="area_group", target_ref=escalation.to_group_id,
           details={"escalation": escalation.id})
    db.session.commit()


# --- citizen promises ---------------------------------------------------------------------


def commitment_lines(promise: CitizenPromise | None) -> str:
    """The commitments as the promise form shows them: one per line, the party first."""
    if promise is None:
        return ""
    return "\n".join(f"{c.party}: {c.what}" if c.party else c.what for c in promise.commitments)


def _parse_commitments(text: str) -> list[tuple[str, str]]:
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        party, sep, what = line.partition(":")
        rows.append((party.strip(), what.strip()) if sep and what.strip() else ("", line))
    return rows


def save_promise(user: Any, promise: CitizenPromise | None, *, title: str,
                 valid_from: dt.date, valid_to: dt.date, background: str, commitments: str,
                 follow_up: str, published: bool) -> CitizenPromise:
    """The promise and its commitments (one per line, "party: what"); a commitment kept
    in its place keeps its indicator and follow-up."""
    if valid_to < valid_from:
        raise AreaError("end_before_start", "valid_to")
    guard({"title": title, "background": background, "commitments": commitments,
           "follow_up": follow_up})
    promise = promise or CitizenPromise()
    promise.title, promise.valid_from, promise.valid_to = title.strip(), valid_from, valid_to
    promise.background, promise.follow_up = background.strip(), follow_up.strip()
    promise.published = bool(published)
    rows = _parse_commitments(commitments)
    kept = list(promise.commitments)
    for position, (party, what) in enumerate(rows):
        row = kept[position] if position < len(kept) else PromiseCommitment(position=position)
        row.party, row.what, row.position = party, what, position
        if position >= len(kept):
            promise.commitments.append(row)
    for row in kept[len(rows):]:
        promise.commitments.remove(row)
    db.session.add(promise)
    db.session.flush()
    record(AuditEvent.AREA_SAVED, target_type="citizen_promise", target_ref=promise.id,
           details={"published": promise.published, "items": len(rows)})
    db.session.commit()
    return promise


def follow_up_commitments(user: Any, promise: CitizenPromise,
                          values: dict[str, tuple[str, str]]) -> None:
    """Each commitment's indicator and follow-up: ``{commitment id: (indicator, text)}``."""
    texts = {}
    for row in promise.commitments:
        if row.id in values:
            texts[f"indicator-{row.id}"], texts[f"follow_up-{row.id}"] = values[row.id]
    guard(texts)
    for row in promise.commitments:
        if row.id in values:
            row.indicator = values[row.id][0].strip()
            row.follow_up = values[row.id][1].strip()
    record(AuditEvent.AREA_SAVED, target_type="citizen_promise", target_ref=promise.id,
           details={"items": len(texts) // 2})
    db.session.commit()


def promises_in_force(day: dt.date) -> list[CitizenPromise]:
    return list(db.session.scalars(select(CitizenPromise).where(
        CitizenPromise.published.is_(True), CitizenPromise.valid_from <= day,
        or_(CitizenPromise.valid_to >= day)).order_by(CitizenPromise.valid_from)))


# --- area meetings -------------------------------------------------------------------------


ATTENDANCE = ("present", "absent", "excused")


def schedule_meeting(user: Any, group: AreaGroup, starts_at: dt.datetime, place: str,
                     agenda: str) -> AreaMeeting:
    guard({"place": place, "agenda": agenda})
    meeting = AreaMeeting(group_id=group.id, starts_at=starts_at, place=place.strip())
    meeting.agenda = agenda.strip() or None
    db.session.add(meeting)
    db.session.flush()
    record(AuditEvent.AREA_SAVED, target_type="area_group", target_ref=group.id,
           details={"area_meeting": meeting.id})
    db.session.commit()
    return meeting


def meetings_of(group: AreaGroup) -> list[AreaMeeting]:
    return list(db.session.scalars(select(AreaMeeting).where(
        AreaMeeting.group_id == group.id).order_by(AreaMeeting.starts_at.desc())))


@dataclass
class Agenda:
    """The standing items of a meeting's agenda, then the group's own."""

    raised: list[Escalation]
    promises: list[CitizenPromise]
    open_decisions: list[AreaDecision]
    own: str | None


def agenda_of(meeting: AreaMeeting) -> Agenda:
    group = meeting.group
    raised = escalations_to(group, open_only=True) if group.kind == GroupKind.COUNCIL else []
    return Agenda(raised, promises_in_force(clock.local_day(meeting.starts_at)),
                  [d for d in decisions_of(group) if d.done_at is None
                   and d.meeting_id != meeting.id], meeting.agenda)


def record_meeting(user: Any, meeting: AreaMeeting, attendance: dict[str, str],
                   minutes: str) -> None:
    """Attendance by person (each for the organisation she is in the group for) and the
    minutes, saved together."""
    guard({"minutes": minutes})
    rows = {m.user_id: m for m in db.session.scalars(select(AreaMembership).where(
        AreaMembership.group_id == meeting.group_id, AreaMembership.removed_at.is_(None)))}
    for user_id, value in attendance.items():
        if user_id not in rows or value not in ATTENDANCE:
            raise AreaError("unknown_attendance")
        row = db.session.scalar(select(AreaAttendance).where(
            AreaAttendance.meeting_id == meeting.id, AreaAttendance.user_id == user_id))
        if row is None:
            row = AreaAttendance(meeting_id=meeting.id, user_id=user_id,
                                 org_id=rows[user_id].org_id)
            db.session.add(row)
        row.attendance = value
    meeting.minutes = minutes.strip() or None
    record(AuditEvent.AREA_SAVED, target_type="area_group", target_ref=meeting.group_id,
           details={"area_meeting": meeting.id, "participants": len(attendance)})
    db.session.commit()


def attendance_of(meeting: AreaMeeting) -> dict[str, str]:
    return dict(db.session.execute(select(AreaAttendance.user_id, AreaAttendance.attendance)
                                   .where(AreaAttendance.meeting_id == meeting.id)).all())


def decide(user: Any, meeting: AreaMeeting, what: str, responsible_org_id: str,
           due_on: dt.date | None) -> AreaDecision:
    what = required_text(what, "what_required", "what")
    decision = AreaDecision(meeting_id=meeting.id, group_id=meeting.group_id,
                            responsible_org_id=responsible_org_id, due_on=due_on)
    decision.what = what
    db.session.add(decision)
    db.session.flush()
    record(AuditEvent.AREA_SAVED, target_type="area_group", target_ref=meeting.group_id,
           details={"area_meeting": meeting.id, "decision": decision.id})
    db.session.commit()
    return decision


def decisions_of(group: AreaGroup) -> list[AreaDecision]:
    return list(db.session.scalars(select(AreaDecision).where(
        AreaDecision.group_id == group.id).order_by(AreaDecision.created_at)))


def follow_up_decision(user: Any, decision: AreaDecision, note: str, done: bool) -> None:
    guard({"follow_up": note})
    decision.follow_up = note.strip() or None
    decision.done_at = clock.now() if done else None
    record(AuditEvent.AREA_SAVED, target_type="area_group", target_ref=decision.group_id,
           details={"decision": decision.id, "done": done})
    db.session.commit()


# --- cause analyses --------------------------------------------------------------------------


def send_for_analysis(user: Any, assessment: Assessment, owner: User | None,
                      due_on: dt.date) -> CauseAnalysis:
    if owner is None or not owner.active:
        raise AreaError("no_such_person", "owner_id")
    analysis = CauseAnalysis(assessment_id=assessment.id, owner_id=owner.id, due_on=due_on)
    db.session.add(analysis)
    db.session.flush()
    record(AuditEvent.AREA_SAVED, target_type="situation_report",
           target_ref=assessment.report_id, details={"analysis": analysis.id,
                                                     "user": owner.id})
    db.session.commit()
    return analysis


def analyses_of(report: SituationReport) -> dict[int, list[CauseAnalysis]]:
    found: dict[int, list[CauseAnalysis]] = {}
    for analysis in db.session.scalars(select(CauseAnalysis).join(Assessment).where(
            Assessment.report_id == report.id).order_by(CauseAnalysis.created_at)):
        found.setdefault(analysis.assessment.question, []).append(analysis)
    return found


def record_analysis(user: Any, analysis: CauseAnalysis, result: str) -> None:
    analysis.result = required_text(result, "result_required", "result")
    analysis.completed_at = clock.now()
    record(AuditEvent.AREA_SAVED, target_type="situation_report",
           target_ref=analysis.assessment.report_id, details={"analysis": analysis.id})
    db.session.commit()
