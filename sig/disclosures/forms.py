"""The disclosure decision form.  The items and recipients are chosen per request
(the case's items the owner's organisation recorded; the police organisations in the
group), so the view fills in the choices."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length, StopValidation

from auth.sent_once import SavedOnce
from sig.disclosures.operations import ASSESSMENT_MAX


class CheckboxesField(SelectMultipleField):
    """One checkbox per choice."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _at_least_one(form, field) -> None:
    """Not ``InputRequired``: its ``required`` flag would make every checkbox required."""
    if not field.data:
        raise StopValidation(str(_l("Choose at least one item.")))


class DisclosureForm(SavedOnce):
    items = CheckboxesField(_l("Items to disclose"), choices=[], validators=[_at_least_one])
    recipient_org_id = SelectField(_l("Recipient organisation"), choices=[],
                                   validators=[DataRequired()])
    assessment = TextAreaField(
        _l("Written assessment"),
        validators=[DataRequired(_l("Write the assessment.")), Length(max=ASSESSMENT_MAX)])
