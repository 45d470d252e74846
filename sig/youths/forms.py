"""Forms of the youth register."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from auth.form_base import Form, choices_of
from auth.sent_once import SavedOnce
from kernel import clock
from sig.youths import pnr

# The oldest person the register takes: SIG works with young people (OSL 10:18 a up to
# 21; support into young adulthood), so anything older is a mistyped number.
OLDEST_YOUTH = 29

GENDERS = {
    "": _l("Not stated"),
    "girl": _l("Girl"),
    "boy": _l("Boy"),
    "other": _l("Other"),
}

PNR_MESSAGES = {
    pnr.Problem.EMPTY: _l("Enter the personal identity number."),
    pnr.Problem.FORMAT: _l("Write the number as YYYYMMDD-NNNN or YYMMDD-NNNN "
                           "(10 or 12 digits, with or without a hyphen)."),
    pnr.Problem.DATE: _l("The date of birth in the number does not exist. Check the digits."),
    pnr.Problem.FUTURE: _l("The date of birth in the number is in the future."),
    pnr.Problem.CHECK_DIGIT: _l("The last digit (the check digit) does not match. "
                                "Check for a mistyped digit."),
}


class PersonalNumberField(StringField):
    """A personal identity or coordination number; ``parsed`` holds the result."""

    parsed: pnr.PersonalNumber | None = None

    def pre_validate(self, form) -> None:
        try:
            self.parsed = pnr.parse(self.data or "")
        except pnr.InvalidPersonalNumber as exc:
            self.parsed = None
            raise ValidationError(str(PNR_MESSAGES[exc.problem])) from None


class YouthForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    personal_number = PersonalNumberField(
        _l("Personal identity number"),
        render_kw={"autocomplete": "off", "inputmode": "numeric"})
    gender = SelectField(_l("Gender"), choices=lambda: choices_of(GENDERS), validators=[Optional()])
    contact = TextAreaField(_l("Contact details"), validators=[Optional(), Length(max=1000)])
    school = StringField(_l("School"), validators=[Optional(), Length(max=200)])
    guardian1_name = StringField(_l("Guardian 1: name"), validators=[Optional(), Length(max=200)])
    guardian1_contact = StringField(_l("Guardian 1: contact details"),
                                    validators=[Optional(), Length(max=500)])
    guardian1_custody = BooleanField(_l("Guardian 1 has custody"), default=True)
    guardian2_name = StringField(_l("Guardian 2: name"), validators=[Optional(), Length(max=200)])
    guardian2_contact = StringField(_l("Guardian 2: contact details"),
                                    validators=[Optional(), Length(max=500)])
    guardian2_custody = BooleanField(_l("Guardian 2 has custody"), default=True)

    def validate_personal_number(self, field: PersonalNumberField) -> None:
        """SIG is for young people: a number that makes the person older than that is a
        typing error (or a '+', which means 100 years or more)."""
        if field.parsed is None:
            return
        born, today = field.parsed.birth_date, clock.local_today()
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age > OLDEST_YOUTH:
            raise ValidationError(str(_l(
                "The number gives an age of %(age)d; SIG is for young people up to "
                "%(oldest)d. Check the number (a '+' means 100 years or older).",
                age=age, oldest=OLDEST_YOUTH)))

    def guardians(self) -> list[tuple[str, str, bool]]:
        rows = []
        for n in (1, 2):
            name = (getattr(self, f"guardian{n}_name").data or "").strip()
            if name:
                rows.append((name, getattr(self, f"guardian{n}_contact").data or "",
                             bool(getattr(self, f"guardian{n}_custody").data)))
        return rows


class GuardianForm(SavedOnce):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    contact = StringField(_l("Contact details"), validators=[Optional(), Length(max=500)])
    has_custody = BooleanField(_l("Has custody"), default=True)


class SearchForm(Form):
    personal_number = PersonalNumberField(_l("Personal identity number"),
                                          render_kw={"autocomplete": "off",
                                                     "inputmode": "numeric"})


class YouthEditForm(SavedOnce):
    """Correcting the entry (the personal identity number is not changed here: a wrong
    number is another person — register that person)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    contact = TextAreaField(_l("Contact details"), validators=[Optional(), Length(max=1000)])
    school = StringField(_l("School"), validators=[Optional(), Length(max=200)])
    protected = BooleanField(_l("Protected personal data (skyddade personuppgifter)"),
                             description=_l("The contact details of the youth and the "
                                            "guardians are then shown to the case owner "
                                            "only, and never printed."))
    version = HiddenField()


class GuardianEditForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    contact = StringField(_l("Contact details"), validators=[Optional(), Length(max=500)])
    has_custody = BooleanField(_l("Has custody"))
