"""The statutory provisions page and disclosure decisions of a case.

``/rules`` lists every provision row, current and ended, for anyone signed in: the
rules are data the municipality reviews.  A case's disclosure decisions are the case
owner's alone: members (the recipient included) get 403, anyone outside the case 404
(``load_case``), and every read is logged.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from auth.models import Organisation, User
from auth.permissions import Permission, requires
from auth.roles import OrganisationKind
from auth.sent_once import once
from consent.categories import Category
from consent.models import Disclosure, StatutoryRule
from consent.policy import decide
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.access import refuse, today
from sig.cases.models import Case
from sig.cases.rights import CasePermission
from sig.cases.routes import At, case_route, record_of_case
from sig.disclosures import operations
from sig.disclosures.forms import DisclosureForm
from sig.disclosures.operations import Candidate, DisclosureError
from sig.disclosures.summary import ITEM_TYPE_LABELS
from sig.labels import LIFE_AREAS

bp = Blueprint("disclosures", __name__)

ERRORS = {
    "rule_not_applicable": lambda: _("No statutory provision in force lets your organisation "
                                     "decide a disclosure to the police."),
    "recipient_not_allowed": lambda: _("Choose a police organisation that takes part in "
                                       "the case."),
    "no_items": lambda: _("Choose at least one item."),
    "item_not_allowed": lambda: _("Only items your organisation recorded in this case can "
                                  "be disclosed."),
    "assessment_required": lambda: _("Write the assessment."),
    "assessment_too_long": lambda: _("The assessment is too long."),
}


def _too_old_message(rule: StatutoryRule, age: int) -> str:
    return _("No disclosure decision can be made: the youth is %(age)d years old, and "
             "%(reference)s applies only to youths under %(max)d.",
             age=age, reference=rule.legal_reference, max=rule.max_age)


def _short(text: str | None, length: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def _category_label(code: str) -> str:
    try:
        return Category(code).label
    except ValueError:
        return code


def kind_label(code: str) -> str:
    try:
        return OrganisationKind(code).label
    except ValueError:
        return code


def describe(item_type: str, item: Any) -> str:
    """A short description of an item, for the owner who recorded it."""
    if item_type == "youths":
        pnr = item.pnr or ""
        return _("Identity: %(name)s, %(pnr)s", name=item.name,
                 pnr=f"{pnr[:8]}-{pnr[8:]}" if len(pnr) > 8 else pnr)
    if item_type == "goals":
        return _("Goal (%(area)s): %(text)s", area=LIFE_AREAS.get(item.life_area,
                                                                   item.life_area),
                 text=_short(item.description))
    if item_type == "actions":
        return _("Action: %(text)s", text=_short(item.what))
    if item_type == "minutes_entries":
        return _("Minutes entry %(date)s (%(category)s): %(text)s",
                 date=clock.local_day(item.created_at).isoformat(),
                 category=_category_label(item.category), text=_short(item.text))
    return item_type


# --- the provisions -------------------------------------------------------------------------


@bp.route("/rules")
@requires(Permission.VIEW_STATUTORY_RULES)
def rules():
    rows = list(db.session.scalars(select(StatutoryRule).order_by(
        StatutoryRule.code, StatutoryRule.version)))
    day = today()
    record(AuditEvent.RULES_VIEWED, details={"rules": len(rows)})
    db.session.commit()
    return render_template("disclosures/rules.html", rules=rows, today=day,
                           kind_label=kind_label, category_label=_category_label)




def _choices(user: Any, case: Case, rule: StatutoryRule) -> tuple[list[Candidate],
                                                                    list[Organisation]]:
    return operations.candidates(user, case, rule), operations.recipient_orgs(case, rule)


@case_route(bp, "/cases/<id:case_id>/disclosures/new",
            needs=CasePermission.DECIDE_DISCLOSURES, methods=("GET", "POST"))
def new(at: At):
    case = at.case
    form = DisclosureForm()
    rule = operations.decision_rule(current_user)
    blocked, blocked_code = None, ""  # why no decision can be made, if so
    candidates: list[Candidate] = []
    recipients: list[Organisation] = []
    if rule is None:
        blocked, blocked_code = ERRORS["rule_not_applicable"](), "rule_not_applicable"
    elif operations.too_old(rule, case):
        blocked = _too_old_message(rule, operations.youth_age(case))
        blocked_code = "too_old"
    else:
        candidates, recipients = _choices(current_user, case, rule)
        if not recipients:
            blocked = _("No police organisation takes part in the case: a police officer "
                        "must be in the group before anything can be disclosed.")
            blocked_code = "no_recipient"
        elif not candidates:
            blocked = _("Your organisation has recorded nothing in the case that could be "
                        "disclosed.")
            blocked_code = "no_items"
    if blocked:
        # CSRF is checked before the view runs; a refused POST is logged.
        if form.is_submitted():
            operations.refused(current_user, case, blocked_code)
        return render_template("disclosures/new.html", case=case, rule=rule, form=None,
                               blocked=blocked), 400 if form.is_submitted() else 200
    form.items.choices = [SelectChoice(c.key, describe(c.item_type, c.item))
                          for c in candidates]
    form.recipient_org_id.choices = [SelectChoice(o.id, o.name) for o in recipients]
    if len(recipients) > 1:
        form.recipient_org_id.choices.insert(0, SelectChoice("", _("— choose —")))
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate_on_submit():
            items = [tuple(key.split(":", 1)) for key in form.items.data]
            try:
                with once(form, url_for("cases.show", case_id=case.id,
                                        _anchor="disclosures-heading")):
                    disclosure = operations.decide_disclosure(
                        current_user, case, rule, form.recipient_org_id.data, items,
                        form.assessment.data)
            except operations.NotAllowed:
                refuse(case, "owner_only")
            except DisclosureError as exc:
                operations.refused(current_user, case, exc.code)
                if exc.code == "too_old":
                    blocked, form = _too_old_message(rule, operations.youth_age(case)), None
                else:
                    form.items.errors = [*form.items.errors, ERRORS[exc.code]()]
            else:
                flash(_("The disclosure decision is recorded."), "success")
                return redirect(url_for("disclosures.show", case_id=case.id,
                                        disclosure_id=disclosure.id))
    return render_template("disclosures/new.html", case=case, rule=rule, form=form,
                           blocked=blocked), status


@case_route(bp, "/cases/<id:case_id>/disclosures/<id:disclosure_id>",
            needs=CasePermission.DECIDE_DISCLOSURES,
            items={"disclosure_id": record_of_case(Disclosure)})
def show(at: At, disclosure: Disclosure):
    case, relation = at.case, at.relation
    items = []
    for named in disclosure.items:
        model = operations.ITEM_MODELS.get(named.item_type)
        item = db.session.get(model, named.item_id) if model is not None else None
        shown = item is not None and decide(current_user, relation, item, case).shown
        items.append((named.item_type, describe(named.item_type, item) if shown else None))
    decided_by = db.session.get(User, disclosure.created_by_id)
    recipient = db.session.get(Organisation, disclosure.recipient_org_id)
    record(AuditEvent.DISCLOSURE_VIEWED, target_type="case", target_ref=case.id,
           details={"disclosure": disclosure.id})
    db.session.commit()
    return render_template("disclosures/show.html", case=case, disclosure=disclosure,
                           rule=disclosure.rule, items=items, item_type_labels=ITEM_TYPE_LABELS,
                           decided_by=decided_by, recipient=recipient)
