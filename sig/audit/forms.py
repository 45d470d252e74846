"""The auditor's forms: the log filter (GET: filters are ids, kinds and dates — nothing
personal) and the sign-off of a monthly log review."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from auth.form_base import Form
from kernel.audit.events import EVENT_LABELS, AuditEvent
from sig.web.dates import DayField, Plausible


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a read-only search; nothing changes

    user = SelectField(_l("User"), choices=[], validators=[Optional()])
    organisation = SelectField(_l("Organisation"), choices=[], validators=[Optional()])
    event = SelectField(_l("Event"), validators=[Optional()],
                        choices=[SelectChoice("", "—")]
                        + [SelectChoice(e.value, EVENT_LABELS[e]) for e in AuditEvent])
    case = StringField(_l("Case"), description=_l("The case's pseudonym, e.g. SIG-CB7F6D80."),
                       filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
                       validators=[Optional(), Regexp(r"^SIG-[0-9A-F]{8}$", flags=re.I,
                                   message=_l("Write the case's pseudonym, e.g. "
                                              "SIG-CB7F6D80."))])
    date_from = DayField(_l("From date"), validators=[Optional(), Plausible(years_ahead=1)])
    date_to = DayField(_l("To date"), validators=[Optional(), Plausible(years_ahead=1)])

    def validate_date_to(self, field: DayField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    @property
    def case_prefix(self) -> str | None:
        """The first eight characters of the case's id (what its pseudonym shows)."""
        return self.case.data[4:].lower() if self.case.data and not self.case.errors else None


class LogReviewForm(Form):
    """The auditor signs off a month's log review, with the findings in her own words."""

    month = HiddenField()
    findings = TextAreaField(
        _l("Findings"), validators=[Optional(), Length(max=10000)],
        description=_l("What you checked and found, and what is to be followed up. Write "
                       "“no remarks” if there is nothing."))
    done = BooleanField(_l("I have gone through the month's reports"),
                        validators=[DataRequired(message=_l(
                            "Tick the box to confirm that the review is done."))])
