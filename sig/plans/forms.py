"""Forms for goals and actions.  Every edit form carries the version it was based on."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from auth.form_base import choices_of
from auth.sent_once import SavedOnce
from sig.labels import CHOOSABLE_ACTION_STATUS, LIFE_AREAS
from sig.web.dates import DayField, Plausible


class VersionField(HiddenField):
    """The version of the item the form was based on (optimistic locking)."""

    def process_formdata(self, valuelist) -> None:
        try:
            self.data = int(valuelist[0]) if valuelist else None
        except ValueError:
            self.data = None

    def set(self, version: int) -> None:
        """Base the form on ``version`` (also over what was submitted)."""
        self.data = version
        self.raw_data = None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


def _pre_investigation_field() -> BooleanField:
    """Set by the police when recording (the operations ignore it from anyone else)."""
    return BooleanField(_l("Preliminary investigation material (police only): not shared "
                           "with social services under the statutory provision"))


class GoalForm(SavedOnce):
    life_area = SelectField(_l("Life area"), choices=lambda: choices_of(LIFE_AREAS))
    description = TextAreaField(_l("Goal"), validators=[DataRequired(), Length(max=2000)])
    version = VersionField()
    pre_investigation = _pre_investigation_field()  # read when a goal is added


class ActionForm(SavedOnce):
    what = TextAreaField(_l("What is to be done"), validators=[DataRequired(),
                                                                Length(max=2000)])
    responsible_user_id = SelectField(_l("Responsible person (optional)"), choices=[],
                                      validate_choice=True)
    start_date = DayField(_l("Start date (optional)"), validators=[Optional(), Plausible()])
    due_date = DayField(_l("Due date (optional)"), validators=[Optional(), Plausible()])
    status = SelectField(_l("Status"), choices=lambda: choices_of(CHOOSABLE_ACTION_STATUS))
    follow_up = TextAreaField(_l("Follow-up notes (optional)"),
                              validators=[Optional(), Length(max=4000)])
    version = VersionField()

    def validate_due_date(self, field) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The due date is before the start date."))


class NewActionForm(ActionForm):
    responsible_org_id = SelectField(_l("Responsible organisation"), choices=[],
                                     validators=[DataRequired()])
    pre_investigation = _pre_investigation_field()


class StatusForm(SavedOnce):
    """Quick status change of one action from the plan."""

    status = SelectField(_l("Status"), choices=lambda: choices_of(CHOOSABLE_ACTION_STATUS))
    version = VersionField()
