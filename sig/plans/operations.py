"""Writes to the action plan: validate, change, record the history, audit — one transaction.

Who may do what is the permission table's (``sig.cases.rights``); the views show and hide
links, and the routes refuse, by the same table.  In words:

* **Goals**: the owner adds them and changes any goal she sees; a member adds their own
  organisation's goals and changes only those.  A goal is recorded by the writer's
  organisation, category ``coordination``.
* **Actions**: the owner adds them for any organisation taking part in the case (the
  owner's and those of the current group members); a member adds them only for their
  own organisation, and only under a goal they may see.  An action is recorded by the
  writer's organisation and addressed to the responsible organisation.
* **Changing an action** (what, responsible person, dates, status, follow-up): the
  owner, on actions they may see; a member, on actions addressed to or recorded by
  their own organisation.  The responsible organisation is fixed once the action is
  made: moving it would change who sees it.
* A closed case's plan is read-only.

Every change of a field writes a :class:`~sig.plans.models.Change` (before → after,
encrypted) that inherits the item's origin, addressed organisation and category, so
exactly those who see the item see its history.  The access log gets ids and field
names, never the text.

Concurrent edits: each form carries the ``version`` it was based on.  If the item has
moved on since, or the database says so at the update (``StaleDataError``),
:class:`Conflict` is raised and nothing is written.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from auth.models import Organisation, User
from auth.roles import OrganisationKind
from consent.categories import Category
from consent.policy import CaseRows, Reading, Relation, addressed_org_of, decide, filtered
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from kernel.versioned import Conflict, check_version, flush_or_conflict
from sig.cases.access import relation_to, today
from sig.cases.models import Case, CaseStatus, Membership
from sig.cases.rights import CasePermission, Scope, allows, scope
from sig.plans.models import Action, ActionStatus, Change, Goal, LifeArea

GOAL_FIELDS = ("life_area", "description")
ACTION_FIELDS = ("what", "responsible_user_id", "start_date", "due_date", "status",
                 "follow_up")
OPEN_STATUSES = frozenset({ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value})


class PlanError(ValueError):
    """A request the user must correct; ``code`` selects the message, ``field`` the input."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


class NotAllowed(PermissionError):
    """The user may not make this change (views answer 403, or 404 for unseen items)."""


# --- rules -----------------------------------------------------------------------------------


def writable(case: Case) -> bool:
    return case.status != CaseStatus.CLOSED.value


def permitted(user: Any, relation: Relation | None, case: Case,
              permission: CasePermission, item: Any | None = None) -> bool:
    """The one check before a plan write: the case is open, the item (if any) is of this
    case and shown to the user, and the permission table allows it (``sig.cases.rights``:
    the owner on anything shown, a member on their own organisation's goals and actions)."""
    if not writable(case):
        return False
    if item is not None and (item.case_id != case.id
                             or not decide(user, relation, item, case).shown):
        return False
    return allows(user, relation, permission, item)


def pre_investigation_flag(user: Any, requested: bool) -> bool:
    """Preliminary-investigation material is flagged by the police when recording it (the
    police → social services provision excludes it); from anyone else the flag is ignored."""
    return bool(requested) and user.organisation.kind == OrganisationKind.POLICE.value


def is_overdue(action: Action, day: dt.date | None = None) -> bool:
    return (action.due_date is not None and action.status in OPEN_STATUSES
            and action.due_date < (day or today()))


def participating_org_ids(case: Case) -> list[str]:
    """The case owner's organisation and those of the current group members."""
    owner_org = db.session.scalar(select(User.organisation_id).where(User.id == case.owner_id))
    member_orgs = db.session.execute(
        select(Membership.member_org_id, Organisation.name).distinct()
        .join(Organisation, Organisation.id == Membership.member_org_id)
        .where(Membership.case_id == case.id, _current_member_row())
        .order_by(Organisation.name))
    orgs = [owner_org] if owner_org else []
    return orgs + [org for org, _name in member_orgs if org not in orgs]


def responsible_org_ids(user: Any, relation: Relation | None, case: Case) -> list[str]:
    """The organisations the user may make an action for in this case: the scope of
    ``ADD_ACTION`` in the permission table (the whole case, or the own organisation)."""
    reach = scope(user, relation, CasePermission.ADD_ACTION)
    if reach is Scope.CASE:
        return participating_org_ids(case)
    if reach is Scope.OWN_ORGANISATION:
        return [user.organisation_id]
    return []


def responsible_people(user: Any, case: Case, org_ids: list[str]) -> list[User]:
    """Who may be named responsible for an action of ``org_ids``: the case owner and the
    current group members of those organisations (the people who can see the action).
    Group memberships are read through the policy."""
    if not org_ids:
        return []
    member_ids = filtered(user, Membership, case).where(
        Membership.member_org_id.in_(org_ids), _current_member_row()
    ).with_only_columns(Membership.user_id)
    people = list(db.session.scalars(
        select(User).where(User.active.is_(True), User.organisation_id.in_(org_ids),
                           (User.id == case.owner_id) | User.id.in_(member_ids))))
    return sorted(people, key=lambda u: (org_ids.index(u.organisation_id),
                                         (u.display_name or "").casefold()))


def _current_member_row() -> Any:
    day = today()
    return ((Membership.removed_at.is_(None)) & (Membership.from_date <= day)
            & ((Membership.to_date.is_(None)) | (Membership.to_date >= day)))


# --- goals -----------------------------------------------------------------------------------


def add_goal(user: Any, case: Case, life_area: str, description: str, *,
             pre_investigation: bool = False) -> Goal:
    """``pre_investigation``: see :func:`pre_investigation_flag`.

    :raises NotAllowed: unless the user is in the (open) case's group or owns it.
    :raises PlanError: on an unknown life area or an empty description."""
    relation = _relation(user, case)
    if not permitted(user, relation, case, CasePermission.ADD_GOAL):
        raise NotAllowed("add_goal")
    values = _goal_values(life_area, description)
    goal = Goal(case_id=case.id, origin_org_id=user.organisation_id,
                category=Category.COORDINATION.value, created_by_id=user.id,
                pre_investigation=pre_investigation_flag(user, pre_investigation))
    for name, value in values.items():
        setattr(goal, name, value)
    db.session.add(goal)
    db.session.flush()
    _history(user, case, goal, {name: (None, value) for name, value in values.items()})
    record(AuditEvent.GOAL_CREATED, target_type="case", target_ref=case.id,
           details={"goal": goal.id, "fields": _names(values)})
    db.session.commit()
    return goal


def update_goal(user: Any, case: Case, goal: Goal, *, version: int | None,
                life_area: str, description: str) -> Goal:
    """:raises Conflict: when ``version`` is not the goal's current version."""
    relation = _relation(user, case)
    if not permitted(user, relation, case, CasePermission.EDIT_GOAL, goal):
        raise NotAllowed("update_goal")
    return _update(user, case, goal, version, _goal_values(life_area, description),
                   AuditEvent.GOAL_UPDATED)


def _goal_values(life_area: str, description: str) -> dict[str, Any]:
    if life_area not in {a.value for a in LifeArea}:
        raise PlanError("unknown_life_area", "life_area")
    text = (description or "").strip()
    if not text:
        raise PlanError("description_required", "description")
    return {"life_area": life_area, "description": text}


# --- actions ---------------------------------------------------------------------------------


def add_action(user: Any, case: Case, goal: Goal, *, what: str, responsible_org_id: str,
               responsible_user_id: str | None = None, start_date: dt.date | None = None,
               due_date: dt.date | None = None, status: str = ActionStatus.PLANNED.value,
               follow_up: str | None = None, pre_investigation: bool = False) -> Action:
    """``pre_investigation``: see :func:`pre_investigation_flag`.

    :raises NotAllowed: the goal is not one the user may add to.
    :raises PlanError: a responsible organisation the user may not choose, a person not
        of that organisation, due before start, an empty text or unknown status."""
    relation = _relation(user, case)
    # Under a goal the user sees: the owner for any taking-part organisation, a member for
    # their own; a member does not add under a goal withheld from them.
    if not (permitted(user, relation, case, CasePermission.ADD_ACTION)
            and permitted(user, relation, case, CasePermission.READ, goal)):
        raise NotAllowed("add_action")
    if responsible_org_id not in responsible_org_ids(user, relation, case):
        raise PlanError("responsible_org_not_allowed", "responsible_org_id")
    values = _action_values(user, case, responsible_org_id, what=what,
                            responsible_user_id=responsible_user_id or None,
                            start_date=start_date, due_date=due_date, status=status,
                            follow_up=follow_up)
    action = Action(case_id=case.id, goal_id=goal.id, responsible_org_id=responsible_org_id,
                    origin_org_id=user.organisation_id, category=Category.COORDINATION.value,
                    created_by_id=user.id,
                    pre_investigation=pre_investigation_flag(user, pre_investigation))
    for name, value in values.items():
        setattr(action, name, value)
    db.session.add(action)
    db.session.flush()
    _history(user, case, action, {name: (None, value) for name, value in values.items()
                                  if value is not None})
    record(AuditEvent.ACTION_CREATED, target_type="case", target_ref=case.id,
           details={"action": action.id, "goal": goal.id,
                    "responsible_org": responsible_org_id,
                    "fields": _names({k: v for k, v in values.items() if v is not None})})
    db.session.commit()
    return action


def update_action(user: Any, case: Case, action: Action, *, version: int | None, what: str,
                  responsible_user_id: str | None, start_date: dt.date | None,
                  due_date: dt.date | None, status: str, follow_up: str | None,
                  meeting: Any | None = None) -> Action:
    """Change what can change of an action.  :raises Conflict, NotAllowed, PlanError:"""
    relation = _relation(user, case)
    if not permitted(user, relation, case, CasePermission.EDIT_ACTION, action):
        raise NotAllowed("update_action")
    values = _action_values(user, case, action.responsible_org_id, what=what,
                            responsible_user_id=responsible_user_id or None,
                            start_date=start_date, due_date=due_date, status=status,
                            follow_up=follow_up,
                            keep_person=action.responsible_user_id)
    return _update(user, case, action, version, values, AuditEvent.ACTION_UPDATED,
                   meeting_id=_meeting_of(case, meeting))


def update_action_status(user: Any, case: Case, action: Action, status: str, *,
                         version: int | None, follow_up: str | None = None,
                         meeting: Any | None = None, commit: bool = True) -> Action:
    """Follow-up of one action: its status and, when given, the follow-up note.

    For the plan page and for following up the plan at a meeting (``meeting``: the
    meeting of this case where it was done; the history records it).
    ``follow_up=None`` leaves the note as it is.
    """
    relation = _relation(user, case)
    if not permitted(user, relation, case, CasePermission.EDIT_ACTION, action):
        raise NotAllowed("update_action")
    values: dict[str, Any] = {"status": _status(status)}
    if follow_up is not None:
        values["follow_up"] = follow_up.strip() or None
    return _update(user, case, action, version, values, AuditEvent.ACTION_UPDATED,
                   meeting_id=_meeting_of(case, meeting), commit=commit)


def _action_values(user: Any, case: Case, org_id: str, *, what: str,
                   responsible_user_id: str | None, start_date: dt.date | None,
                   due_date: dt.date | None, status: str, follow_up: str | None,
                   keep_person: str | None = None) -> dict[str, Any]:
    text = (what or "").strip()
    if not text:
        raise PlanError("what_required", "what")
    if start_date and due_date and due_date < start_date:
        raise PlanError("due_before_start", "due_date")
    if responsible_user_id and responsible_user_id != keep_person:
        allowed = {u.id for u in responsible_people(user, case, [org_id])}
        if responsible_user_id not in allowed:
            raise PlanError("person_not_of_org", "responsible_user_id")
    return {"what": text, "responsible_user_id": responsible_user_id,
            "start_date": start_date, "due_date": due_date, "status": _status(status),
            "follow_up": (follow_up or "").strip() or None}


def _status(status: str) -> str:
    # (not done is the closing's word, not a person's choice)
    if status not in {s.value for s in ActionStatus} or status == ActionStatus.NOT_DONE:
        raise PlanError("unknown_status", "status")
    return status


def _meeting_of(case: Case, meeting: Any | None) -> str | None:
    """The id of the meeting (of this case) where the change was made, for the history."""
    if meeting is None:
        return None
    if getattr(meeting, "case_id", None) != case.id:
        raise PlanError("no_such_meeting")
    if getattr(meeting, "signed_off_at", None) is not None:
        raise PlanError("protocol_signed_off")  # the meeting's protocol is read-only
    return meeting.id


# --- the shared machinery --------------------------------------------------------------------


def _relation(user: Any, case: Case) -> Relation:
    relation = relation_to(user, case)
    if relation is None:
        raise NotAllowed("not_in_case")
    return relation


def _update(user: Any, case: Case, item: Goal | Action, version: int | None,
            values: dict[str, Any], event: AuditEvent, meeting_id: str | None = None,
            commit: bool = True):
    try:
        check_version(item, version)
        changed = {name: (getattr(item, name), value) for name, value in values.items()
                   if history_text(getattr(item, name)) != history_text(value)}
        if not changed:
            return item  # nothing to write; the saved values already are the wanted ones
        for name, (_before, after) in changed.items():
            setattr(item, name, after)
        if "status" in changed:  # the statistics count a done action by the day it was done
            item.done_on = clock.local_today() if item.status == ActionStatus.DONE else None
        item.updated_at = clock.now()
        flush_or_conflict(item)
    except Conflict:
        record(event, target_type="case", target_ref=case.id, outcome="failed",
               details={_kind(item): item.id, "reason": "conflict"})
        db.session.commit()
        raise
    _history(user, case, item, changed, meeting_id)
    details: dict[str, Any] = {_kind(item): item.id, "fields": _names(changed),
                               "version": item.version}
    if meeting_id:
        details["meeting"] = meeting_id
    record(event, target_type="case", target_ref=case.id, details=details)
    if commit:
        db.session.commit()
    return item


def _history(user: Any, case: Case, item: Goal | Action,
             changed: dict[str, tuple[Any, Any]], meeting_id: str | None = None) -> None:
    write_history(user, case, item, _kind(item), changed, meeting_id=meeting_id)


def write_history(user: Any, case: Case, item: Any, item_type: str,
                  changed: dict[str, tuple[Any, Any]], *, meeting_id: str | None = None,
                  category: str | None = None) -> None:
    """One :class:`Change` per changed field (before → after, encrypted).  The rows
    inherit what the policy decides the item on — origin, category (``category``: the
    item's category before the edit, where the edit changed it), the organisation it is
    addressed to, the preliminary-investigation flag — so exactly those who may see the
    item see its history."""
    addressed = addressed_org_of(item)
    for name, (before, after) in changed.items():
        change = Change(case_id=case.id, item_type=item_type, item_id=item.id,
                        origin_org_id=item.origin_org_id,
                        addressed_org_id=addressed,
                        category=category or item.category, field=name,
                        changed_by_id=user.id, meeting_id=meeting_id,
                        pre_investigation=bool(item.pre_investigation))
        change.before = history_text(before)
        change.after = history_text(after)
        db.session.add(change)
    db.session.flush()


def _kind(item: Goal | Action) -> str:
    return "goal" if isinstance(item, Goal) else "action"


def _names(values: dict[str, Any]) -> list[str]:
    return sorted(values)


def history_text(value: Any) -> str | None:
    """How a value is kept in the history: dates as ISO dates, codes and ids as they are."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# One goal's or action's changes (bound: ``item_type``, ``item_id``), built once per process.
# (with who changed it: the history names each one)
ITEM_CHANGES = CaseRows(Change, where=lambda: [Change.item_type == bindparam("item_type"),
                                               Change.item_id == bindparam("item_id")],
                        options=lambda: [joinedload(Change.changed_by)])


def changes_of(user: Any, relation: Relation, case: Case, item: Goal | Action) -> list[Change]:
    """The item's history as the user may see it (through the policy), oldest first."""
    order = {name: i for i, name in enumerate(GOAL_FIELDS + ACTION_FIELDS)}
    rows = Reading(user, relation, case).items(ITEM_CHANGES, item_type=_kind(item),
                                               item_id=item.id)
    return sorted(rows, key=lambda c: (c.changed_at, order.get(c.field, 99)))


__all__ = ["Conflict", "NotAllowed", "PlanError", "add_action", "add_goal", "changes_of",
           "is_overdue", "update_action", "update_action_status", "update_goal"]


# --- the case closes, or its closing is undone ---------------------------------------------------

OPEN_STATUSES = (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value)


def end_open_actions(user: Any, case: Case) -> dict[str, int]:
    """Closing the case ends its open actions as not done (they must not stay overdue
    forever); each change is in the action's history.  In the closing's transaction."""
    ended = 0
    for action in db.session.scalars(select(Action).where(
            Action.case_id == case.id, Action.status.in_(OPEN_STATUSES))):
        write_history(user, case, action, "action",
                      {"status": (action.status, ActionStatus.NOT_DONE.value)})
        action.status = ActionStatus.NOT_DONE.value
        ended += 1
    return {"actions_ended": ended}


def restore_ended_actions(user: Any, case: Case) -> dict[str, int]:
    """Undoing the closing gives each action it ended its status from before."""
    restored = 0
    for action in db.session.scalars(select(Action).where(
            Action.case_id == case.id, Action.status == ActionStatus.NOT_DONE.value)):
        # the closing's own change: the last one that made the action not done
        endings = [c for c in db.session.scalars(select(Change).where(
            Change.item_type == "action", Change.item_id == action.id,
            Change.field == "status").order_by(Change.changed_at))
            if c.after == ActionStatus.NOT_DONE.value]
        before = endings[-1].before if endings and endings[-1].before in OPEN_STATUSES \
            else ActionStatus.PLANNED.value
        write_history(user, case, action, "action",
                      {"status": (action.status, before)})
        action.status = before
        restored += 1
    return {"actions_restored": restored}
