"""The auditor's filter form (GET: filters are ids, kinds and dates — nothing personal)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

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
    date_from = DayField(_l("From date"), validators=[Optional(), Plausible(years_ahead=1)])
    date_to = DayField(_l("To date"), validators=[Optional(), Plausible(years_ahead=1)])
