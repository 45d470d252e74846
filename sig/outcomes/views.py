"""Outcome events: the record form, and the case page's list of the events the user
may see come with the case view (``sig.casework.read_model.build``, through
``consent.policy.visible`` in SQL; the rest is counted into the withheld notice)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from auth.models import Organisation
from auth.sent_once import once
from kernel import clock
from kernel.db import db
from sig.cases.access import refuse
from sig.cases.models import Case, Membership
from sig.cases.rights import CasePermission
from sig.cases.routes import At, case_route
from sig.outcomes import operations
from sig.outcomes.forms import KIND_LABELS, OutcomeForm

bp = Blueprint("outcomes", __name__)

ERRORS = {
    "unknown_kind": lambda: _("Choose what happened."),
    "future": lambda: _("The date cannot be in the future."),
    "too_early": lambda: _("The date cannot be before 2000."),
    "unknown_source": lambda: _("Choose the organisation it came from."),
    "intervention_required": lambda: _("Choose whether the concern conversation led to an "
                                       "intervention."),
    "intervention_not_for_kind": lambda: _("Only a concern conversation can lead to an "
                                           "intervention here; leave it empty."),
}


def _source_choices(case: Case) -> list[SelectChoice]:
    """The organisations of the case's group: where a report or a conversation comes from
    (not every organisation of the municipality, say its IT department)."""
    in_group = {case.origin_org_id} | set(db.session.scalars(
        select(Membership.member_org_id).where(Membership.case_id == case.id,
                                               Membership.removed_at.is_(None))))
    rows = db.session.execute(select(Organisation.id, Organisation.name)
                              .where(Organisation.id.in_(sorted(in_group)))
                              .order_by(Organisation.name)).all()
    return [SelectChoice("", "—")] + [SelectChoice(i, n) for i, n in rows]


@case_route(bp, "/cases/<id:case_id>/outcomes/new", needs=CasePermission.RECORD_OUTCOMES,
            methods=("GET", "POST"))
def new(at: At):
    case, relation = at.case, at.relation
    kinds = operations.recordable_kinds(current_user, relation)
    if not kinds:
        refuse(case, "may_not_record_outcomes")
    form = OutcomeForm()
    form.kind.choices = [SelectChoice(k.value, str(KIND_LABELS[k])) for k in kinds]
    form.source_org_id.choices = _source_choices(case)
    asked = form.kind.data if form.is_submitted() else None
    if asked in KIND_LABELS and asked not in kinds:
        refuse(case, "outcome_kind_not_allowed", kind=asked)
    if not form.is_submitted():
        form.occurred_on.data = clock.local_today()
        form.source_org_id.data = current_user.organisation_id
    elif form.validate_on_submit():
        shown_at = url_for("cases.show", case_id=case.id, _anchor="outcomes-heading")
        try:
            with once(form, shown_at):
                operations.record_outcome(
                    current_user, relation, case, kind=form.kind.data,
                    occurred_on=form.occurred_on.data, source_org_id=form.source_org_id.data,
                    led_to_intervention=form.intervention(), note=form.note.data,
                    pre_investigation=form.pre_investigation.data)
        except operations.NotAllowed:
            refuse(case, "outcome_kind_not_allowed", kind=form.kind.data)
        except operations.OutcomeError as exc:
            field = getattr(form, exc.field)
            field.errors = [*field.errors, ERRORS[exc.code]()]
        else:
            flash(_("The event is recorded."), "success")
            return redirect(shown_at)
    status = 400 if form.is_submitted() else 200
    return render_template("outcomes/new.html", case=case, form=form), status


@bp.app_context_processor
def _outcome_helpers() -> dict[str, Any]:
    return {"outcome_kind_label": lambda kind: str(KIND_LABELS.get(kind, kind))}
