"""Names of stored codes in the user's language, as Jinja filters."""
from __future__ import annotations

from typing import Any

from flask import Flask, has_app_context
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p

from consent.categories import CATEGORY_LABELS
from sig.cases.forms import CLOSE_LABELS
from sig.i18n import request_catalogue
from sig.referrals.forms import REASON_LABELS as REFERRAL_REASONS
from sig.youths.forms import GENDERS

CASE_STATUS = {"referred": _l("Referred"), "active": _l("Active"), "closed": _l("Closed")}
LIFE_AREAS = {
    "school": _l("School"), "leisure": _l("Leisure"), "family": _l("Family"),
    "health": _l("Health"), "substance_use": _l("Substance use"),
    "criminality": _l("Criminality"), "occupation": _l("Occupation"),
    "housing": _l("Housing"), "other": _l("Other"),
}
# What a person chooses for an action; "not done" is set only by closing the case.
CHOOSABLE_ACTION_STATUS = {"planned": _l("Planned"), "in_progress": _l("In progress"),
                           "done": _l("Done"), "cancelled": _l("Cancelled")}
ACTION_STATUS = {**CHOOSABLE_ACTION_STATUS,
                 "not_done": _l("Not done: the case was closed")}
# (a meeting, "mötet", takes other Swedish forms than an action, "åtgärden")
MEETING_STATUS = {"planned": _p("meeting", "Planned"), "held": _p("meeting", "Held"),
                  "cancelled": _p("meeting", "Cancelled")}
ATTENDANCE = {"present": _l("Present"), "absent": _l("Absent"), "excused": _l("Excused"),
              "remote": _l("Remote")}
REFERRAL_STATE = {"pending": _l("Waiting for a decision"), "accepted": _l("Accepted"),
                  "declined": _l("Declined"), "withdrawn": _l("Withdrawn")}
EXTERNAL_ROLES = {"youth": _l("The youth"), "guardian": _l("Guardian"),
                  "other": _p("person", "Other")}

# The fields of a register entry, as its history names them (sig.youths.operations).
REGISTER_FIELDS = {"name": _l("name"), "contact": _l("contact details"), "school": _l("school"),
                   "protected": _l("protected personal data"), "has_custody": _l("custody"),
                   "added": _l("added as guardian"), "removed": _l("removed from the entry")}


FILTERS = {
    "gender_label": GENDERS,
    "case_status_label": CASE_STATUS,
    "close_reason_label": {str(k): v for k, v in CLOSE_LABELS.items()},
    "life_area_label": LIFE_AREAS,
    "action_status_label": ACTION_STATUS,
    "meeting_status_label": MEETING_STATUS,
    "attendance_label": ATTENDANCE,
    "external_role_label": EXTERNAL_ROLES,
    "referral_state_label": REFERRAL_STATE,
    "register_field_label": REGISTER_FIELDS,
    "category_label": {str(k): v for k, v in CATEGORY_LABELS.items()},
    "referral_reason_label": {str(k): v for k, v in REFERRAL_REASONS.items()},
}


def register_value(value: str | None, field: str) -> str:
    """A history value as a person reads it (a yes/no field in words)."""
    if value is None:
        return "—"
    if field in ("protected", "has_custody", "added", "removed"):
        if field in ("has_custody", "added", "removed"):
            return str(_l("has custody") if value == "True" else _l("no custody"))
        return str(_l("yes") if value == "True" else _l("no"))
    return value


def label_filter(labels: dict):
    """A template filter that names a stored code (the code itself when unknown).

    The names are translated once per language and process, not once per use: a case
    page names some fifty codes, and each lazy text looked its language up again."""
    by_catalogue: dict[Any, dict[str, str]] = {}

    def label(code: str | None) -> str:
        if not has_app_context():
            return str(labels.get(code or "", code or "—"))
        catalogue = request_catalogue()
        names = by_catalogue.get(catalogue)
        if names is None:  # (str() translates with the same catalogue)
            names = by_catalogue[catalogue] = {str(k): str(v) for k, v in labels.items()}
        return names.get(code or "", code or "—")

    return label


def init_app(app: Flask) -> None:
    for name, labels in FILTERS.items():
        app.add_template_filter(label_filter(labels), name)
    app.add_template_filter(register_value, "register_value")
