"""Forms for consents.  Parties and flows are chosen among choices built per request:
the custody guardians of the case's youth, and source → recipient × category among
the organisations taking part in the case (values are ids and category codes only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from auth.form_base import NO_DEFAULT, Form, choices_of, must_choose
from auth.sent_once import SavedOnce
from consent.models import ConsentMethod
from sig.web.dates import DayField, Plausible

METHOD_LABELS = {
    ConsentMethod.SIGNED_FORM: _l("Signed form"),
    ConsentMethod.ORAL: _l("Oral, documented by me"),
}


def grant_value(source_org_id: str, recipient_org_id: str, category: str) -> str:
    return f"{source_org_id}:{recipient_org_id}:{category}"


def parse_grant(value: str) -> tuple[str, str, str]:
    source, recipient, category = value.split(":")
    return source, recipient, category


class ConsentForm(SavedOnce):
    youth = BooleanField(_l("The youth consents"))
    guardians = SelectMultipleField(_l("Guardians with custody who consent"), choices=[],
                                    validate_choice=True)
    grants = SelectMultipleField(_l("What may be shared"), choices=[], validate_choice=True)
    method = SelectField(_l("How the consent was given"), description=NO_DEFAULT,
                         choices=lambda: choices_of(METHOD_LABELS, placeholder=True),
                         validators=[must_choose(_l("Choose how the consent was given."))])
    given_on = DayField(_l("Given on"), validators=[DataRequired(), Plausible(future=False)])
    valid_from = DayField(_l("Valid from"), validators=[DataRequired(), Plausible()])
    valid_to = DayField(_l("Valid until"), validators=[DataRequired(), Plausible()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])

    def validate_valid_to(self, field) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class PrintDraftForm(ConsentForm):
    """The same choices, printed for signing before the consent is recorded: the dates
    are optional (the form leaves lines for them)."""

    method = SelectField(_l("How the consent was given"),
                         choices=lambda: choices_of(METHOD_LABELS, placeholder=True),
                         validators=[Optional()])
    given_on = DayField(_l("Given on"), validators=[Optional(), Plausible(future=False)])
    valid_from = DayField(_l("Valid from"), validators=[Optional(), Plausible()])
    valid_to = DayField(_l("Valid until"), validators=[Optional(), Plausible()])


class UploadForm(Form):
    file = FileField(_l("Signed consent form (PDF, JPEG or PNG)"),
                     validators=[FileRequired(_l("Choose the file to upload."))])
