"""The form for recording an outcome event; the kind and source choices are set per
request (a police member is offered police reports only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from auth.sent_once import SavedOnce
from sig.outcomes.models import OutcomeKind
from sig.web.dates import DayField

KIND_LABELS = {
    OutcomeKind.POLICE_REPORT: _l("Police report (the youth is suspected of a crime)"),
    OutcomeKind.CONCERN_REPORT: _l("Concern report"),
    OutcomeKind.CONCERN_CONVERSATION: _l("Concern conversation"),
}

YES, NO = "yes", "no"


def intervention_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—"), SelectChoice(YES, str(_l("Yes"))),
            SelectChoice(NO, str(_l("No")))]


class OutcomeForm(SavedOnce):
    kind = SelectField(_l("What happened"), choices=[], validators=[DataRequired()])
    occurred_on = DayField(_l("Date"), validators=[DataRequired()])
    source_org_id = SelectField(_l("Source organisation"), choices=[],
                                validators=[DataRequired()])
    led_to_intervention = SelectField(
        _l("Led to an intervention (concern conversations only)"),
        choices=lambda: intervention_choices(), validators=[Optional()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=4000)])
    pre_investigation = BooleanField(
        _l("Preliminary investigation material (police only): not shared with social "
           "services under the statutory provision"))

    def intervention(self) -> bool | None:
        return {YES: True, NO: False}.get(self.led_to_intervention.data or "")
