"""The action plan: goals, actions, follow-up and history.

Every URL is a declared case route (``sig.cases.routes``): the case is loaded with the
user's relation (404 outside the group), the permission is read from the one table
(``sig.cases.rights``), and each goal or action is loaded through the policy, in SQL — an
item the user may not see answers 404 exactly like one that does not exist, and the
attempt is logged.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from auth import directory
from auth.models import User
from auth.sent_once import once
from consent.categories import Category
from consent.policy import Relation, shown_item
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.access import refuse
from sig.cases.models import Case
from sig.cases.rights import CasePermission
from sig.cases.routes import At, Item, case_route
from sig.labels import ACTION_STATUS, LIFE_AREAS
from sig.plans import operations
from sig.plans.forms import ActionForm, GoalForm, NewActionForm, StatusForm
from sig.plans.models import Action, Goal
from sig.plans.operations import Conflict, NotAllowed, PlanError

bp = Blueprint("plans", __name__)

ERRORS = {
    "unknown_life_area": lambda: _("Choose a life area."),
    "description_required": lambda: _("Describe the goal."),
    "what_required": lambda: _("Describe what is to be done."),
    "due_before_start": lambda: _("The due date is before the start date."),
    "responsible_org_not_allowed": lambda: _(
        "You cannot add an action for that organisation in this case."),
    "person_not_of_org": lambda: _(
        "The responsible person must be a member of the group from the responsible "
        "organisation."),
    "unknown_status": lambda: _("Choose a status."),
    "no_such_meeting": lambda: _("The meeting is not one of this case."),
}

FIELD_LABELS = {
    "life_area": lambda: _("Life area"),
    "description": lambda: _("Goal"),
    "what": lambda: _("What is to be done"),
    "responsible_user_id": lambda: _("Responsible person"),
    "start_date": lambda: _("Start date"),
    "due_date": lambda: _("Due date"),
    "status": lambda: _("Status"),
    "follow_up": lambda: _("Follow-up notes"),
}


def _visible_goal(case: Case, relation: Relation, goal_id: str) -> Goal | None:
    return shown_item(current_user, relation, case, Goal, goal_id)


def _closed_redirect(case: Case):
    flash(_("The case is closed; its plan can no longer be changed."), "error")
    return redirect(url_for("cases.show", case_id=case.id))


def _plan_of(case: Case, anchor: str | None = None) -> str:
    return url_for("cases.show", case_id=case.id, _anchor=anchor or "plan-heading")


def _to_plan(case: Case, anchor: str | None = None):
    return redirect(_plan_of(case, anchor))


def _render(template: str, case: Case, relation: Relation, details: dict[str, Any],
            status: int = 200, **context: Any):
    """Render a page showing plan items; the read is logged like the case page."""
    record(AuditEvent.CASE_VIEWED, target_type="case", target_ref=case.id,
           details={"relation": str(relation), "shown": [Category.COORDINATION.value],
                    **details})
    db.session.commit()
    return render_template(template, case=case, **context), status


def _person_choices(people: list[User], names: dict[str, str],
                    keep: User | None = None) -> list[SelectChoice]:
    if keep is not None and keep.id not in {p.id for p in people}:
        people = [keep, *people]
    return [SelectChoice("", _("— nobody named —"))] + [
        SelectChoice(p.id, f"{p.display_name} ({names.get(p.organisation_id, '')})")
        for p in people]


def _apply_error(form: Any, exc: PlanError) -> None:
    message = ERRORS[exc.code]()
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        flash(message, "error")


# --- goals -----------------------------------------------------------------------------------


GOAL = {"goal_id": Item(Goal)}
ACTION = {"action_id": Item(Action)}


@case_route(bp, "/cases/<id:case_id>/plan/goals/new", needs=CasePermission.ADD_GOAL,
            methods=("GET", "POST"))
def new_goal(at: At):
    case = at.case
    if not operations.writable(case):
        return _closed_redirect(case)
    form = GoalForm()
    if form.validate_on_submit():
        try:
            with once(form, _plan_of(case)):
                goal = operations.add_goal(current_user, case, form.life_area.data,
                                           form.description.data,
                                           pre_investigation=form.pre_investigation.data)
        except PlanError as exc:
            _apply_error(form, exc)
        else:
            flash(_("The goal is added."), "success")
            return _to_plan(case, f"goal-{goal.id}")
    return render_template("plans/goal_form.html", case=case, form=form, goal=None,
                           conflict=None)


@case_route(bp, "/cases/<id:case_id>/plan/goals/<id:goal_id>/edit",
            needs=CasePermission.EDIT_GOAL, on="goal", items=GOAL, methods=("GET", "POST"))
def edit_goal(at: At, goal: Goal):
    case, relation = at.case, at.relation
    if not operations.writable(case):
        return _closed_redirect(case)
    form = GoalForm(obj=None if request.method == "POST" else goal)
    if not form.is_submitted():
        form.version.set(goal.version)
    conflict, status = None, 200
    if form.validate_on_submit():
        try:
            with once(form, _plan_of(case, f"goal-{goal.id}")):
                operations.update_goal(current_user, case, goal, version=form.version.data,
                                       life_area=form.life_area.data,
                                       description=form.description.data)
        except Conflict as exc:
            conflict, status = _conflict_context(case, relation, exc, form), 409
        except PlanError as exc:
            _apply_error(form, exc)
        except NotAllowed:
            refuse(case, "not_allowed")
        else:
            flash(_("The goal is saved."), "success")
            return _to_plan(case, f"goal-{goal.id}")
    return _render("plans/goal_form.html", case, relation,
                   {"view": "goal_form", "goal": goal.id}, status,
                   form=form, goal=goal, conflict=conflict)


# --- actions ---------------------------------------------------------------------------------


@case_route(bp, "/cases/<id:case_id>/plan/goals/<id:goal_id>/actions/new",
            needs=CasePermission.ADD_ACTION, items=GOAL, methods=("GET", "POST"))
def new_action(at: At, goal: Goal):
    case, relation = at.case, at.relation
    if not operations.writable(case):
        return _closed_redirect(case)
    names = directory.names()
    org_ids = operations.responsible_org_ids(current_user, relation, case)
    form = NewActionForm()
    form.responsible_org_id.choices = [SelectChoice(o, names.get(o, "")) for o in org_ids]
    if len(org_ids) > 1:
        form.responsible_org_id.choices.insert(0, SelectChoice("", _("— choose —")))
    form.responsible_user_id.choices = _person_choices(
        operations.responsible_people(current_user, case, org_ids), names)
    if not form.is_submitted():
        form.responsible_org_id.data = (current_user.organisation_id
                                        if relation is Relation.MEMBER else None)
    if form.validate_on_submit():
        try:
            with once(form, _plan_of(case, f"goal-{goal.id}")):
                action = operations.add_action(
                    current_user, case, goal, what=form.what.data,
                    responsible_org_id=form.responsible_org_id.data,
                    responsible_user_id=form.responsible_user_id.data or None,
                    start_date=form.start_date.data, due_date=form.due_date.data,
                    status=form.status.data, follow_up=form.follow_up.data,
                    pre_investigation=form.pre_investigation.data)
        except PlanError as exc:
            _apply_error(form, exc)
        except NotAllowed:
            refuse(case, "not_allowed")
        else:
            flash(_("The action is added."), "success")
            return _to_plan(case, f"action-{action.id}")
    return _render("plans/action_form.html", case, relation,
                   {"view": "action_form", "goal": goal.id}, form=form, goal=goal,
                   action=None, conflict=None, org_names=names)


def _edit_action_form(case: Case, action: Action, names: dict[str, str]) -> ActionForm:
    form = ActionForm(obj=None if request.method == "POST" else action)
    people = operations.responsible_people(current_user, case, [action.responsible_org_id])
    form.responsible_user_id.choices = _person_choices(people, names, action.responsible_user)
    if not form.is_submitted():
        form.responsible_user_id.data = action.responsible_user_id or ""
        form.version.set(action.version)
    return form


@case_route(bp, "/cases/<id:case_id>/plan/actions/<id:action_id>/edit",
            needs=CasePermission.EDIT_ACTION, on="action", items=ACTION,
            methods=("GET", "POST"))
def edit_action(at: At, action: Action):
    case, relation = at.case, at.relation
    if not operations.writable(case):
        return _closed_redirect(case)
    names = directory.names()
    form = _edit_action_form(case, action, names)
    conflict, status = None, 200
    if form.validate_on_submit():
        try:
            with once(form, _plan_of(case, f"action-{action.id}")):
                operations.update_action(
                    current_user, case, action, version=form.version.data,
                    what=form.what.data,
                    responsible_user_id=form.responsible_user_id.data or None,
                    start_date=form.start_date.data, due_date=form.due_date.data,
                    status=form.status.data, follow_up=form.follow_up.data)
        except Conflict as exc:
            conflict, status = _conflict_context(case, relation, exc, form), 409
        except PlanError as exc:
            _apply_error(form, exc)
        except NotAllowed:
            refuse(case, "not_allowed")
        else:
            flash(_("The action is saved."), "success")
            return _to_plan(case, f"action-{action.id}")
    return _render_action(case, relation, action, form, names, conflict, status)


def _render_action(case: Case, relation: Relation, action: Action, form: ActionForm,
                   names: dict[str, str], conflict: dict | None, status: int):
    return _render("plans/action_form.html", case, relation,
                   {"view": "action_form", "action": action.id}, status, form=form,
                   goal=_visible_goal(case, relation, action.goal_id), action=action,
                   conflict=conflict, org_names=names)


@case_route(bp, "/cases/<id:case_id>/plan/actions/<id:action_id>/status",
            needs=CasePermission.EDIT_ACTION, on="action", items=ACTION, methods=("POST",))
def action_status(at: At, action: Action):
    case, relation = at.case, at.relation
    if not operations.writable(case):
        return _closed_redirect(case)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with once(form, _plan_of(case, f"action-{action.id}")):
            operations.update_action_status(current_user, case, action, form.status.data,
                                            version=form.version.data)
    except Conflict as exc:
        # Show the whole action as saved now, with the status the user chose kept.
        names = directory.names()
        edit = ActionForm(formdata=None, obj=exc.item)
        people = operations.responsible_people(current_user, case,
                                               [exc.item.responsible_org_id])
        edit.responsible_user_id.choices = _person_choices(people, names,
                                                           exc.item.responsible_user)
        edit.responsible_user_id.data = exc.item.responsible_user_id or ""
        edit.status.data = form.status.data
        return _render_action(case, relation, exc.item, edit, names,
                              _conflict_context(case, relation, exc, edit), 409)
    except PlanError as exc:
        flash(ERRORS[exc.code](), "error")
    else:
        flash(_("The status is saved."), "success")
    return _to_plan(case, f"action-{action.id}")


# --- conflicts -------------------------------------------------------------------------------


def _conflict_context(case: Case, relation: Relation, exc: Conflict,
                      form: Any) -> dict[str, Any]:
    """What the conflict page shows: who saved meanwhile, the saved values (by field,
    where they differ from what the user typed), and the version to save over."""
    item = exc.item
    fields = operations.GOAL_FIELDS if isinstance(item, Goal) else operations.ACTION_FIELDS
    saved: list[tuple[str, str]] = []
    hints: dict[str, str] = {}
    for name in fields:
        field = getattr(form, name, None)
        typed = field.data if field is not None else None
        current = getattr(item, name)
        if operations.history_text(typed) != operations.history_text(current):
            value = _display(name, operations.history_text(current))
            saved.append((FIELD_LABELS[name](), value))
            hints[name] = _("Saved now: %(value)s", value=value)
    form.version.set(exc.version)
    history = operations.changes_of(current_user, relation, case, item)
    last = history[-1] if history else None
    return {"saved": saved, "hints": hints,
            "by": last.changed_by.display_name if last else None,
            "at": clock.as_utc(last.changed_at) if last else None}


# --- history ---------------------------------------------------------------------------------


def _display(field: str, value: str | None, people: dict[str, str] | None = None) -> str:
    if value is None:
        return "—"
    if field == "status":
        return str(ACTION_STATUS.get(value, value))
    if field == "life_area":
        return str(LIFE_AREAS.get(value, value))
    if field == "responsible_user_id":
        if people is None:
            user = db.session.get(User, value)
            return user.display_name if user is not None else "—"
        return people.get(value, "—")
    return value


def _history(at: At, item: Goal | Action):
    case = at.case
    changes = operations.changes_of(current_user, at.relation, case, item)
    person_ids = {v for c in changes if c.field == "responsible_user_id"
                  for v in (c.before, c.after) if v}
    people = directory.display_names(person_ids)
    rows = [{"at": clock.as_utc(c.changed_at), "by": c.changed_by.display_name,
             "by_org": c.changed_by.organisation_id,
             "field": FIELD_LABELS.get(c.field, lambda c=c: c.field)(),
             "before": _display(c.field, c.before, people),
             "after": _display(c.field, c.after, people),
             "at_meeting": c.meeting_id is not None} for c in changes]
    kind = "goal" if isinstance(item, Goal) else "action"
    record(AuditEvent.HISTORY_VIEWED, target_type="case", target_ref=case.id,
           details={"item_type": kind, kind: item.id, "changes": len(rows)})
    db.session.commit()
    goal = item if isinstance(item, Goal) else _visible_goal(case, at.relation, item.goal_id)
    return render_template("plans/history.html", case=case, item=item, kind=kind,
                           goal=goal, rows=rows, org_names=directory.names())


@case_route(bp, "/cases/<id:case_id>/plan/goals/<id:goal_id>/history",
            needs=CasePermission.READ, items=GOAL)
def goal_history(at: At, goal: Goal):
    return _history(at, goal)


@case_route(bp, "/cases/<id:case_id>/plan/actions/<id:action_id>/history",
            needs=CasePermission.READ, items=ACTION)
def action_history(at: At, action: Action):
    return _history(at, action)

