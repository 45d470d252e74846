"""Forms of the area-level work.  The situation report's part is seven questions in one
form; its fields are named ``q<n>-account``, ``q<n>-impact`` and ``q<n>-places``."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from auth.form_base import NO_DEFAULT, Form, choices_of, must_choose
from auth.sent_once import SavedOnce
from sig.area.models import POSITIVE, QUESTIONS, Colour, GroupKind
from sig.web.dates import DayField, MomentField, Plausible

QUESTION_LABELS = {
    1: _l("1. Order and insecurity"),
    2: _l("2. Threats and violence"),
    3: _l("3. Extremism and criminal networks"),
    4: _l("4. Youth and schools"),
    5: _l("5. Alcohol, drugs, doping, tobacco and gambling"),
    6: _l("6. Other"),
    7: _l("7. Positive measures"),
}
KIND_LABELS = {
    GroupKind.SITUATION: _l("Situation-report group"),
    GroupKind.COUNCIL: _l("Local crime-prevention council (lokalt Brå)"),
    GroupKind.SAFETY_COUNCIL: _l("Safety council"),
    GroupKind.LOCAL_SAFETY: _l("Local safety group"),
}
COLOUR_LABELS = {
    Colour.GREEN: _l("Green: small, handled by ordinary routines"),
    Colour.YELLOW: _l("Yellow: recurring, within the group's mandate"),
    Colour.RED: _l("Red: extensive and recurring; raised with the council"),
}
IMPACT_CHOICES = [SelectChoice("", "—")] + [SelectChoice(str(n), str(n)) for n in range(1, 6)]


class GroupForm(SavedOnce):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of group"), description=NO_DEFAULT,
                       choices=lambda: choices_of(KIND_LABELS, placeholder=True),
                       validators=[must_choose(_l("Choose the kind of group."))])
    period_days = IntegerField(_l("Report period in days"), default=14,
                               validators=[DataRequired(), NumberRange(min=7, max=31)])
    escalates_to = SelectField(_l("Red items are raised with"), choices=[],
                               validate_choice=False, validators=[Optional()])


class MemberForm(SavedOnce):
    user_id = SelectField(_l("Person"), choices=[], description=NO_DEFAULT,
                          validators=[must_choose(_l("Choose the person."))])
    stand_in = BooleanField(_l("Stand-in (ersättare)"))


class OpenReportForm(SavedOnce):
    period_start = DayField(_l("Period from"), validators=[DataRequired(), Plausible()])


class ResponseForm(Form):
    response = TextAreaField(_l("The council's response to the reporters"),
                             validators=[DataRequired(), Length(max=4000)])


class PromiseForm(SavedOnce):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    valid_from = DayField(_l("In force from"), validators=[DataRequired(), Plausible()])
    valid_to = DayField(_l("In force until"), validators=[DataRequired(), Plausible()])
    background = TextAreaField(_l("Background (which situation reports and dialogues)"),
                               validators=[Optional(), Length(max=4000)])
    commitments = TextAreaField(_l("Commitments: one per line, the party first"),
                                validators=[DataRequired(), Length(max=4000)])
    follow_up = TextAreaField(_l("Follow-up"), validators=[Optional(), Length(max=4000)])
    published = BooleanField(_l("Published on the public page"))


def part_form(formdata=None, data: dict | None = None) -> Form:
    """The seven questions, as one form (built per request; each label names its
    question, so every field has a name of its own)."""
    fields = {}
    for q in QUESTIONS:
        question = str(QUESTION_LABELS[q])
        fields[f"q{q}-account"] = TextAreaField(
            _("What has happened: %(question)s", question=question),
            validators=[Optional(), Length(max=4000)])
        if q != POSITIVE:
            fields[f"q{q}-impact"] = SelectField(
                _("Impact, 1 small – 5 large: %(question)s", question=question),
                choices=IMPACT_CHOICES, validators=[Optional()])
        fields[f"q{q}-places"] = TextAreaField(
            _("Places and times that stand out: %(question)s", question=question),
            validators=[Optional(), Length(max=1000)])
    form_class = type("PartForm", (Form,), fields)
    return form_class(formdata=formdata, data=data or {})


def compile_form(formdata=None, data: dict | None = None) -> Form:
    fields = {}
    for q in QUESTIONS:
        question = str(QUESTION_LABELS[q])
        fields[f"q{q}-colour"] = SelectField(
            _("Assessment: %(question)s", question=question), description=NO_DEFAULT,
            choices=lambda: choices_of(COLOUR_LABELS, placeholder=True),
            validators=[must_choose(_l("Choose green, yellow or red."))])
        fields[f"q{q}-comment"] = TextAreaField(
            _("Comment and action: %(question)s", question=question),
            validators=[Optional(), Length(max=4000)])
    form_class = type("CompileForm", (Form,), fields)
    return form_class(formdata=formdata, data=data or {})


class AreaMeetingForm(SavedOnce):
    starts_at = MomentField(_l("Date and time"), validators=[DataRequired(), Plausible()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    agenda = TextAreaField(_l("The group's own agenda items"),
                           validators=[Optional(), Length(max=4000)])


class DecisionForm(SavedOnce):
    what = TextAreaField(_l("Decided: what is done"), validators=[DataRequired(),
                                                                 Length(max=2000)])
    responsible_org_id = SelectField(_l("Who does it"), choices=[], description=NO_DEFAULT,
                                     validators=[must_choose(_l("Choose who does it."))])
    due_on = DayField(_l("By (optional)"), validators=[Optional(), Plausible()])


class AnalysisForm(SavedOnce):
    owner_id = SelectField(_l("Who makes the cause analysis"), choices=[],
                           description=NO_DEFAULT,
                           validators=[must_choose(_l("Choose who makes it."))])
    due_on = DayField(_l("Ready by"), validators=[DataRequired(), Plausible()])
