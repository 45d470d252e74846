"""Pages of the area-level work.  A group's pages are its members' and the
coordinator's; anyone else — Fred included — gets what a wrong id gets (404, logged).
The public page of citizen promises needs no login."""
from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from auth import directory
from auth.form_base import PLACEHOLDER
from auth.forms import ConfirmForm
from auth.models import Organisation, User
from auth.permissions import Permission, public, requires
from auth.sent_once import once
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.area import compilation as monthly
from sig.area import operations
from sig.area.forms import (
    COLOUR_LABELS,
    KIND_LABELS,
    QUESTION_LABELS,
    AnalysisForm,
    AreaMeetingForm,
    DecisionForm,
    GroupForm,
    MemberForm,
    OpenReportForm,
    PromiseForm,
    ResponseForm,
    compile_form,
    part_form,
)
from sig.area.models import (
    POSITIVE,
    QUESTIONS,
    AreaDecision,
    AreaGroup,
    AreaMeeting,
    AreaMembership,
    CauseAnalysis,
    CitizenPromise,
    Escalation,
    GroupKind,
    SituationReport,
)
from sig.i18n import swedish_order
from sig.labels import label_filter
from sig.statistics import dashboard
from sig.statistics.periods import Period
from sig.web.ids import as_id
from sig.web.spreadsheet import csv_response
from sig.youths import mentions

bp = Blueprint("area", __name__)
# The area work names its own codes in templates (the shared labels sit below it).
for _name, _labels in {
        "area_kind_label": {str(k): v for k, v in KIND_LABELS.items()},
        "area_colour_label": {"green": _l("Green"), "yellow": _l("Yellow"), "red": _l("Red")},
        "area_colour_meaning": {str(k): v for k, v in COLOUR_LABELS.items()},
        "area_question_label": QUESTION_LABELS}.items():
    bp.add_app_template_filter(label_filter(_labels), _name)

COLOUR_NAMES = {"green": "grön", "yellow": "gul", "red": "röd"}  # the file is in Swedish

FINDING_LABELS = {"personal_number": lambda: _("a personal identity number"),
                  "name": lambda: _("a name in the youth register"),
                  "address": lambda: _("an address")}
ERRORS = {
    "already_member": lambda: _("That person is already in the group."),
    "no_such_person": lambda: _("Choose the person."),
    "period_overlaps": lambda: _("The group already has a report for part of that period."),
    "compiled": lambda: _("The report is compiled; its parts can no longer be changed."),
    "response_required": lambda: _("Write the response."),
    "end_before_start": lambda: _("The end date is before the start date."),
    "conflict": lambda: _("Someone saved the same part at the same moment; save again."),
    "unknown_attendance": lambda: _("Choose present, absent or excused."),
    "what_required": lambda: _("Write what is decided."),
    "result_required": lambda: _("Write the result."),
}


def marked(text: str, findings: list[mentions.Finding]) -> Markup:
    """``text`` with the findings marked (escaped; only the <mark> is markup)."""
    out, at = [], 0
    for f in findings:
        out.append(escape(text[at:f.start]))
        out.append(Markup("<mark>") + escape(text[f.start:f.end]) + Markup("</mark>"))
        at = f.end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _refuse_personal_data(form: Any, exc: operations.PersonalData) -> dict[str, Markup]:
    """Put the guard's findings on the fields; returns each field's text, marked."""
    previews = {}
    for name, (text, findings) in exc.found.items():
        what = ", ".join(sorted({FINDING_LABELS[f.kind]() for f in findings}))
        words = "; ".join(f"«{f.words(text)}»" for f in findings)
        getattr(form, name).errors = [*getattr(form, name).errors, _(
            "Individual data may not be written here (%(what)s): %(words)s. Remove it; "
            "the rest of the text is kept.", what=what, words=words)]
        previews[getattr(form, name).id] = marked(text, findings)
    return previews


def _deny(target_type: str, ref: str | None) -> None:
    record(AuditEvent.ACCESS_DENIED, target_type=target_type, target_ref=ref, outcome="denied",
           details={"reason": "not_in_area_group"})
    db.session.commit()
    abort(404)


def _group(group_id: str) -> AreaGroup:
    group = db.session.get(AreaGroup, group_id)
    if group is None or not operations.may_see(current_user, group):
        _deny("area_group", group.id if group else None)
    return group


def _report(report_id: str) -> SituationReport:
    report = db.session.get(SituationReport, report_id)
    if report is None or not operations.may_see(current_user, report.group):
        _deny("situation_report", report.id if report else None)
    return report


def _viewed(target_type: str, ref: str, **details: Any) -> None:
    record(AuditEvent.AREA_VIEWED, target_type=target_type, target_ref=ref, details=details)
    db.session.commit()


# --- my groups ------------------------------------------------------------------------------


@bp.route("/area")
@requires(Permission.VIEW_START_PAGE)
def index():
    groups = operations.groups_of(current_user)
    form = _group_form(GroupForm(formdata=None))
    _viewed("area_group", None, items=len(groups))
    return render_template("area/index.html", groups=groups, form=form,
                           promises=list(db.session.scalars(select(CitizenPromise).order_by(
                               CitizenPromise.valid_from.desc())))
                           if operations.is_coordinator(current_user) else [])


def _group_form(form: GroupForm) -> GroupForm:
    councils = db.session.scalars(select(AreaGroup).where(
        AreaGroup.kind == GroupKind.COUNCIL.value).order_by(AreaGroup.name))
    form.escalates_to.choices = [SelectChoice("", "—")] + [
        SelectChoice(g.id, g.name) for g in councils]
    return form


@bp.route("/area/groups", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def create_group():
    form = _group_form(GroupForm())
    previews = {}
    if form.validate_on_submit():
        council = db.session.get(AreaGroup, as_id(form.escalates_to.data))
        try:
            with once(form, url_for("area.index")):
                group = operations.create_group(current_user, form.name.data,
                                                form.kind.data, form.period_days.data,
                                                council)
        except operations.PersonalData as exc:
            previews = _refuse_personal_data(form, exc)
        else:
            flash(_("The group is created. Add its members."), "success")
            return redirect(url_for("area.group", group_id=group.id))
    return render_template("area/index.html", groups=operations.groups_of(current_user),
                           form=form, previews=previews, promises=[]), 400


# --- a group -------------------------------------------------------------------------------


def _member_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(User, Organisation.name).join(Organisation, User.organisation_id == Organisation.id)
        .where(User.active.is_(True)).order_by(Organisation.name, User.username)).all()
    return [PLACEHOLDER] + [SelectChoice(u.id, f"{u.display_name} ({org})") for u, org in rows]


def _members(group: AreaGroup) -> list[AreaMembership]:
    """The group's current members with their accounts and organisations (the pages name
    each: read in the same statement, not one more per member), by organisation and name."""
    members = db.session.scalars(
        select(AreaMembership).where(AreaMembership.group_id == group.id,
                                     AreaMembership.removed_at.is_(None))
        .options(joinedload(AreaMembership.user), joinedload(AreaMembership.organisation)))
    return sorted(members, key=lambda m: (swedish_order(m.organisation.name),
                                          swedish_order(m.user.display_name or "")))


def _group_page(group: AreaGroup, member_form: MemberForm | None = None,
                report_form: OpenReportForm | None = None, status: int = 200):
    members = _members(group)
    member_form = member_form or MemberForm(formdata=None)
    member_form.user_id.choices = _member_choices()
    report_form = report_form or OpenReportForm(formdata=None, period_start=clock.local_today())
    escalations = operations.escalations_to(group) if group.kind == GroupKind.COUNCIL else []
    trend = operations.trend(group)
    meeting_form = AreaMeetingForm(formdata=None)
    _viewed("area_group", group.id)
    return render_template("area/group.html", group=group, members=members,
                           reports=operations.reports_of(group), member_form=member_form,
                           report_form=report_form, escalations=escalations,
                           response_form=ResponseForm(formdata=None),
                           coordinator=operations.is_coordinator(current_user),
                           my_membership=operations.membership(current_user, group),
                           trend=trend, questions=QUESTION_LABELS,
                           meetings=operations.meetings_of(group),
                           meeting_form=meeting_form), status


@bp.route("/area/groups/<id:group_id>")
@requires(Permission.VIEW_START_PAGE)
def group(group_id: str):
    return _group_page(_group(group_id))


@bp.route("/area/groups/<id:group_id>/members", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def add_member(group_id: str):
    group = _group(group_id)
    form = MemberForm()
    form.user_id.choices = _member_choices()
    if form.validate_on_submit():
        try:
            with once(form, url_for("area.group", group_id=group.id)):
                operations.add_member(current_user, group,
                                      db.session.get(User, form.user_id.data),
                                      form.stand_in.data)
        except operations.AreaError as exc:
            form.user_id.errors = [*form.user_id.errors, ERRORS[exc.code]()]
        else:
            flash(_("The member is added."), "success")
            return redirect(url_for("area.group", group_id=group.id))
    return _group_page(group, member_form=form, status=400)


@bp.route("/area/groups/<id:group_id>/members/<id:membership_id>/remove", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def remove_member(group_id: str, membership_id: str):
    group = _group(group_id)
    row = db.session.get(AreaMembership, membership_id)
    if row is None or row.group_id != group.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        operations.remove_member(group, row)
        flash(_("The member is removed from the group."), "success")
    return redirect(url_for("area.group", group_id=group.id))


@bp.route("/area/groups/<id:group_id>/reports", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def open_report(group_id: str):
    group = _group(group_id)
    form = OpenReportForm()
    if form.validate_on_submit():
        try:
            with once(form, url_for("area.group", group_id=group.id)):
                report = operations.open_report(current_user, group, form.period_start.data)
        except operations.AreaError as exc:
            form.period_start.errors = [*form.period_start.errors, ERRORS[exc.code]()]
        else:
            flash(_("The report period is open: the members can write their parts."),
                  "success")
            return redirect(url_for("area.report", report_id=report.id))
    return _group_page(group, report_form=form, status=400)


# --- a report ---------------------------------------------------------------------------------


def _answers(form: Any) -> dict[int, operations.Answer]:
    answers = {}
    for q in QUESTIONS:
        impact = None if q == POSITIVE else getattr(form, f"q{q}-impact").data
        answers[q] = operations.Answer(
            getattr(form, f"q{q}-account").data or "",
            int(impact) if impact and str(impact).isdigit() else None,
            getattr(form, f"q{q}-places").data or "")
    return answers


def _report_page(report: SituationReport, form: Any = None, compiled: Any = None,
                 previews: dict | None = None, status: int = 200):
    row = operations.membership(current_user, report.group)
    parts = operations.parts_of(report)
    if form is None and row is not None:
        data = {}
        for p in parts:
            if p.org_id == row.org_id:
                data[f"q{p.question}-account"] = p.account or ""
                data[f"q{p.question}-places"] = p.places or ""
                if p.impact:
                    data[f"q{p.question}-impact"] = str(p.impact)
        form = part_form(formdata=None, data=data)
    assessments = operations.assessments_of(report)
    if compiled is None and operations.is_coordinator(current_user):
        compiled = compile_form(formdata=None, data={
            **{f"q{q}-colour": a.colour for q, a in assessments.items()},
            **{f"q{q}-comment": a.comment or "" for q, a in assessments.items()}})
    orgs = {o.id: o.name for o in db.session.scalars(select(Organisation))}
    figures = youth_figures(report)
    _viewed("situation_report", report.id, group=report.group_id)
    return render_template("area/report.html", report=report, group=report.group,
                           form=form if report.compiled_at is None else None,
                           compiled=compiled, parts=parts, orgs=orgs,
                           assessments=assessments,
                           escalations=operations.escalations_of(report),
                           analyses=operations.analyses_of(report),
                           analysis_form=_analysis_form(report),
                           questions=QUESTION_LABELS, positive=POSITIVE,
                           previews=previews or {}, my_membership=row,
                           figures=figures), status


def _group_member_choices(group: AreaGroup) -> list[SelectChoice]:
    """The group's members: who can make a cause analysis of its report (and read it)."""
    return [PLACEHOLDER] + [SelectChoice(m.user_id, f"{m.user.display_name} "
                                                   f"({m.organisation.name})")
                            for m in db.session.scalars(select(AreaMembership).where(
                                AreaMembership.group_id == group.id,
                                AreaMembership.removed_at.is_(None)))]


def _analysis_form(report: SituationReport) -> AnalysisForm | None:
    if not operations.is_coordinator(current_user):
        return None
    form = AnalysisForm(formdata=None)
    form.owner_id.choices = _group_member_choices(report.group)
    return form


def youth_figures(report: SituationReport) -> tuple[str, list[tuple[str, Any]]]:
    """For question 4 (youth and schools): the municipality's SIG figures of the quarter
    the period ends in, as the managers' dashboard shows them (small counts hidden the
    same way) — never anything about a person."""
    end = report.period_end
    period = Period.quarter(end.year, (end.month - 1) // 3 + 1)
    figures = [(str(dashboard.find(name)[0].title), dashboard.total(name, period))
               for name in ("cases_opened", "cases_active")]
    return dashboard.block_label(("Q", end.year, (end.month - 1) // 3 + 1)), [
        (title, cell) for title, cell in figures if cell is not None]


@bp.route("/area/reports/<id:report_id>", methods=["GET", "POST"])
@requires(Permission.VIEW_START_PAGE)
def report(report_id: str):
    report = _report(report_id)
    if request.method == "GET":
        return _report_page(report)
    row = operations.membership(current_user, report.group)
    if row is None:  # the coordinator compiles; parts are the member organisations'
        abort(403)
    form = part_form(formdata=request.form)
    if not form.validate_on_submit():
        return _report_page(report, form=form, status=400)
    try:
        saved = operations.submit_part(current_user, report, row, _answers(form))
    except operations.PersonalData as exc:
        return _report_page(report, form=form, previews=_refuse_personal_data(form, exc),
                            status=400)
    except operations.AreaError as exc:
        flash(ERRORS[exc.code](), "error")
        return _report_page(report, form=form, status=409)
    flash(_("Your organisation's part is saved (%(num)d questions).", num=saved), "success")
    return redirect(url_for("area.report", report_id=report.id))


@bp.route("/area/reports/<id:report_id>/compile", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def compile_report(report_id: str):
    report = _report(report_id)
    form = compile_form(formdata=request.form)
    if not form.validate_on_submit():
        return _report_page(report, compiled=form, status=400)
    assessed = {q: (getattr(form, f"q{q}-colour").data,
                    getattr(form, f"q{q}-comment").data or "") for q in QUESTIONS}
    try:
        raised = operations.compile_report(current_user, report, assessed)
    except operations.PersonalData as exc:
        return _report_page(report, compiled=form,
                            previews=_refuse_personal_data(form, exc), status=400)
    flash(_("The report is compiled.") + (" " + _(
        "%(num)d red items are raised with the council.", num=raised) if raised else ""),
        "success")
    return redirect(url_for("area.report", report_id=report.id))


@bp.route("/area/escalations/<id:escalation_id>/respond", methods=["POST"])
@requires(Permission.VIEW_START_PAGE)
def respond(escalation_id: str):
    escalation = db.session.get(Escalation, escalation_id)
    council = _group(escalation.to_group_id) if escalation else _deny("escalation", None)
    form = ResponseForm()
    if form.validate_on_submit():
        try:
            operations.respond(current_user, escalation, form.response.data)
        except operations.PersonalData as exc:
            _refuse_personal_data(form, exc)
            flash(" ".join(form.response.errors), "error")
        else:
            flash(_("The response is recorded; the reporters see it on their report."),
                  "success")
    else:
        flash(ERRORS["response_required"](), "error")
    return redirect(url_for("area.group", group_id=council.id))


# --- area meetings ---------------------------------------------------------------------------


@bp.route("/area/groups/<id:group_id>/meetings", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def schedule_meeting(group_id: str):
    group = _group(group_id)
    form = AreaMeetingForm()
    if form.validate_on_submit():
        try:
            with once(form, url_for("area.group", group_id=group.id)):
                meeting = operations.schedule_meeting(
                    current_user, group, clock.to_utc(form.starts_at.data),
                    form.place.data or "", form.agenda.data or "")
        except operations.PersonalData as exc:
            _refuse_personal_data(form, exc)
        else:
            flash(_("The meeting is scheduled."), "success")
            return redirect(url_for("area.meeting", meeting_id=meeting.id))
    flash(" ".join(e for f in form for e in f.errors) or _("Check the meeting's date."),
          "error")
    return redirect(url_for("area.group", group_id=group.id))


def _meeting(meeting_id: str) -> AreaMeeting:
    meeting = db.session.get(AreaMeeting, meeting_id)
    if meeting is None or not operations.may_see(current_user, meeting.group):
        _deny("area_group", meeting.group_id if meeting else None)
    return meeting


def _org_choices(group: AreaGroup) -> list[SelectChoice]:
    ids = {m.org_id for m in db.session.scalars(select(AreaMembership).where(
        AreaMembership.group_id == group.id, AreaMembership.removed_at.is_(None)))}
    return [PLACEHOLDER] + [SelectChoice(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name))]


def _meeting_page(meeting: AreaMeeting, decision_form: DecisionForm | None = None,
                  previews: dict | None = None, typed: dict | None = None, status: int = 200):
    group = meeting.group
    members = _members(group)
    decision_form = decision_form or DecisionForm(formdata=None)
    decision_form.responsible_org_id.choices = _org_choices(group)
    orgs = directory.names()
    _viewed("area_group", group.id, area_meeting=meeting.id)
    return render_template("area/meeting.html", meeting=meeting, group=group,
                           agenda=operations.agenda_of(meeting), members=members,
                           attendance={**operations.attendance_of(meeting), **(typed or {})},
                           decisions=[d for d in operations.decisions_of(group)
                                      if d.meeting_id == meeting.id],
                           decision_form=decision_form, orgs=orgs,
                           coordinator=operations.is_coordinator(current_user),
                           previews=previews or {}), status


@bp.route("/area/meetings/<id:meeting_id>", methods=["GET", "POST"])
@requires(Permission.VIEW_START_PAGE)
def meeting(meeting_id: str):
    """The meeting: its agenda with the standing items, and for the coordinator the
    attendance (by person, for her organisation) and the minutes in one form."""
    meeting = _meeting(meeting_id)
    if request.method == "GET":
        return _meeting_page(meeting)
    if not operations.is_coordinator(current_user) or not ConfirmForm().validate_on_submit():
        abort(403)
    typed = {key.removeprefix("attendance-"): value for key, value in request.form.items()
             if key.startswith("attendance-") and value}
    minutes = request.form.get("minutes", "")[:10000]
    try:
        operations.record_meeting(current_user, meeting, typed, minutes)
    except operations.PersonalData as exc:
        text, findings = exc.found["minutes"]
        flash(_("Individual data may not be written here (%(what)s): %(words)s. Remove it; "
                "the rest of the text is kept.",
                what=", ".join(sorted({FINDING_LABELS[f.kind]() for f in findings})),
                words="; ".join(f"«{f.words(text)}»" for f in findings)), "error")
        meeting.minutes = text  # shown again as typed (not saved: the session is rolled back)
        page = _meeting_page(meeting, previews={"minutes": marked(text, findings)},
                             typed=typed, status=400)
        db.session.rollback()
        return page
    except operations.AreaError as exc:
        flash(ERRORS.get(exc.code, ERRORS["conflict"])(), "error")
        return _meeting_page(meeting, typed=typed, status=400)
    flash(_("Attendance and minutes are saved."), "success")
    return redirect(url_for("area.meeting", meeting_id=meeting.id))


@bp.route("/area/meetings/<id:meeting_id>/decisions", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def decide(meeting_id: str):
    meeting = _meeting(meeting_id)
    form = DecisionForm()
    form.responsible_org_id.choices = _org_choices(meeting.group)
    previews = {}
    if form.validate_on_submit():
        try:
            with once(form, url_for("area.meeting", meeting_id=meeting.id)):
                operations.decide(current_user, meeting, form.what.data,
                                  form.responsible_org_id.data, form.due_on.data)
        except operations.PersonalData as exc:
            previews = _refuse_personal_data(form, exc)
        else:
            flash(_("The decision is recorded; it is followed up at the next meeting."),
                  "success")
            return redirect(url_for("area.meeting", meeting_id=meeting.id))
    return _meeting_page(meeting, decision_form=form, previews=previews, status=400)


@bp.route("/area/decisions/<id:decision_id>/follow-up", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def follow_up_decision(decision_id: str):
    decision = db.session.get(AreaDecision, decision_id)
    if decision is None:
        abort(404)
    _group(decision.group_id)
    note = request.form.get("follow_up", "")[:4000]
    if ConfirmForm().validate_on_submit():
        try:
            operations.follow_up_decision(current_user, decision, note,
                                          request.form.get("done") == "y")
        except operations.PersonalData:
            flash(_("Individual data may not be written in a follow-up."), "error")
        else:
            flash(_("The follow-up is saved."), "success")
    return redirect(url_for("area.meeting", meeting_id=request.form.get("at_meeting")
                            if request.form.get("at_meeting") in {
                                m.id for m in operations.meetings_of(decision_group(decision))}
                            else decision.meeting_id))


def decision_group(decision: AreaDecision) -> AreaGroup:
    return db.session.get(AreaGroup, decision.group_id)


# --- cause analyses ---------------------------------------------------------------------------


@bp.route("/area/reports/<id:report_id>/questions/<int:question>/analysis", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def send_for_analysis(report_id: str, question: int):
    report = _report(report_id)
    assessment = operations.assessments_of(report).get(question)
    if assessment is None:
        abort(404)
    form = AnalysisForm()
    form.owner_id.choices = _group_member_choices(report.group)
    if form.validate_on_submit():
        try:
            with once(form, url_for("area.report", report_id=report.id,
                                    _anchor=f"q{question}-heading")):
                operations.send_for_analysis(current_user, assessment,
                                             db.session.get(User, form.owner_id.data),
                                             form.due_on.data)
        except operations.AreaError as exc:
            flash(ERRORS[exc.code](), "error")
        else:
            flash(_("The item is sent for a cause analysis."), "success")
    else:
        flash(" ".join(e for f in form for e in f.errors), "error")
    return redirect(url_for("area.report", report_id=report.id, _anchor=f"q{question}-heading"))


@bp.route("/area/analyses/<id:analysis_id>/result", methods=["POST"])
@requires(Permission.VIEW_START_PAGE)
def analysis_result(analysis_id: str):
    analysis = db.session.get(CauseAnalysis, analysis_id)
    if analysis is None:
        _deny("situation_report", None)
    report = _report(analysis.assessment.report_id)
    if analysis.owner_id != current_user.id and not operations.is_coordinator(current_user):
        abort(403)
    if ConfirmForm().validate_on_submit():
        try:
            operations.record_analysis(current_user, analysis, request.form.get("result", ""))
        except operations.PersonalData:
            flash(_("Individual data may not be written in a cause analysis."), "error")
        except operations.AreaError as exc:
            flash(ERRORS[exc.code](), "error")
        else:
            flash(_("The result of the cause analysis is recorded."), "success")
    return redirect(url_for("area.report", report_id=report.id))


# --- the monthly compilation for the county administrative board ------------------------------


@bp.route("/area/compilation")
@requires(Permission.RUN_AREA_WORK)
def compilation():
    """The month's compilation: a printable Swedish document, or ``?format=csv|json``."""
    month = request.args.get("month", "")[:7] or (clock.local_today().replace(day=1)
                                                  - dt.timedelta(days=1)).strftime("%Y-%m")
    try:
        rows = monthly.for_month(month)
    except ValueError:
        flash(_("Write the month as YYYY-MM."), "error")
        return redirect(url_for("area.index"))
    fmt = request.args.get("format", "html")
    record(AuditEvent.AREA_VIEWED, target_type="area_group", target_ref=None,
           details={"month": month, "items": len(rows), "file": fmt != "html"})
    db.session.commit()
    if fmt == "json":
        body = {"format": monthly.FORMAT, "month": month, "reports": [
            {"group": r.group, "from": r.period_start.isoformat(),
             "to": r.period_end.isoformat(),
             "questions": [{"question": q.question, "colour": q.colour,
                            "highest_impact": q.highest_impact,
                            "organisations": q.organisations, "comment": q.comment,
                            "raised": q.raised, "response": q.response}
                           for q in r.questions]} for r in rows]}
        response = jsonify(body)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="lagesbild-{month}.json"')
        return response
    if fmt == "csv":
        header = ["Grupp", "Period från", "Period till", "Fråga", "Bedömning",
                  "Högsta påverkan", "Antal organisationer", "Kommentar", "Lyft till rådet",
                  "Rådets svar"]
        with force_locale("sv"):  # the file is the municipality's, in Swedish
            body = [[r.group, r.period_start.isoformat(), r.period_end.isoformat(),
                     str(QUESTION_LABELS[q.question]),
                     COLOUR_NAMES.get(q.colour, "") if q.colour else "",
                     q.highest_impact or "", q.organisations, q.comment or "",
                     "ja" if q.raised else "nej", q.response or ""]
                    for r in rows for q in r.questions]
        return csv_response([header, *body], f"lagesbild-{month}.csv")
    with force_locale("sv"):  # the document is the municipality's, in Swedish
        return render_template("area/compilation.html", rows=rows, month=month,
                               questions=QUESTION_LABELS, printed=clock.now())


# --- citizen promises ----------------------------------------------------------------------


@bp.route("/area/promises/new", methods=["GET", "POST"])
@bp.route("/area/promises/<id:promise_id>", methods=["GET", "POST"])
@requires(Permission.RUN_AREA_WORK)
def promise(promise_id: str | None = None):
    existing = db.session.get(CitizenPromise, promise_id) if promise_id else None
    if promise_id and existing is None:
        abort(404)
    form = (_promise_form(existing) if request.method == "GET" and existing is not None
            else PromiseForm())
    previews = {}
    if form.validate_on_submit():
        # (a new promise is saved once however often it is sent; a change is a change)
        sent = once(form, url_for("area.index")) if existing is None else nullcontext()
        try:
            with sent:
                saved = operations.save_promise(
                    current_user, existing, title=form.title.data,
                    valid_from=form.valid_from.data, valid_to=form.valid_to.data,
                    background=form.background.data or "",
                    commitments=form.commitments.data or "",
                    follow_up=form.follow_up.data or "", published=form.published.data)
        except operations.PersonalData as exc:
            previews = _refuse_personal_data(form, exc)
        except operations.AreaError as exc:
            getattr(form, exc.field).errors = [ERRORS[exc.code]()]
        else:
            flash(_("The citizen promise is saved."), "success")
            return redirect(url_for("area.promise", promise_id=saved.id))
    status = 400 if form.errors or previews else 200
    return render_template("area/promise.html", form=form, promise=existing,
                           previews=previews), status


@bp.route("/area/promises/<id:promise_id>/follow-up", methods=["POST"])
@requires(Permission.RUN_AREA_WORK)
def follow_up_promise(promise_id: str):
    """Each commitment's indicator and follow-up, in one form."""
    promise = db.session.get(CitizenPromise, promise_id)
    if promise is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        values = {c.id: (request.form.get(f"indicator-{c.id}", "")[:2000],
                         request.form.get(f"follow_up-{c.id}", "")[:4000])
                  for c in promise.commitments}
        try:
            operations.follow_up_commitments(current_user, promise, values)
        except operations.PersonalData as exc:
            db.session.rollback()
            flash(_("Individual data may not be written here (%(what)s): %(words)s. Remove "
                    "it; the rest of the text is kept.",
                    what=", ".join(sorted({FINDING_LABELS[f.kind]()
                                           for _t, fs in exc.found.values() for f in fs})),
                    words="; ".join(f"«{f.words(t)}»" for t, fs in exc.found.values()
                                    for f in fs)), "error")
            return render_template("area/promise.html", form=_promise_form(promise),
                                   promise=promise, previews={},
                                   typed=values), 400
        flash(_("The follow-up of the commitments is saved."), "success")
    return redirect(url_for("area.promise", promise_id=promise.id))


def _promise_form(promise: CitizenPromise) -> PromiseForm:
    form = PromiseForm(formdata=None)
    form.title.data, form.background.data = promise.title, promise.background
    form.valid_from.data, form.valid_to.data = promise.valid_from, promise.valid_to
    form.commitments.data = operations.commitment_lines(promise)
    form.follow_up.data, form.published.data = promise.follow_up, promise.published
    return form


@bp.route("/promises")
@public
def public_promises():
    """The citizen promises in force and their follow-up, as the municipality publishes
    them: no login, no personal data (the guard checked every text)."""
    return render_template("area/public_promises.html",
                           promises=operations.promises_in_force(clock.local_today()),
                           today=clock.local_today())
