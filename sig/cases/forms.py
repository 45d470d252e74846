"""Forms for cases and their groups."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from auth.form_base import NO_DEFAULT, Form, choices_of, must_choose
from auth.sent_once import SavedOnce
from sig.cases.models import CloseReason, ReferralSource
from sig.web.dates import DayField, Plausible

REFERRAL_LABELS = {
    ReferralSource.SOCIAL_SERVICES: _l("Social services"),
    ReferralSource.POLICE: _l("Police"),
    ReferralSource.SCHOOL: _p("referred by", "School"),
    ReferralSource.GUARDIAN: _l("Guardian"),
    ReferralSource.YOUTH: _l("The youth"),
    ReferralSource.OTHER: _p("referred by", "Other"),
}

CLOSE_LABELS = {
    CloseReason.COMPLETED: _l("Completed: the plan's goals were reached"),
    CloseReason.DISCONTINUED: _l("Discontinued by the youth or guardians"),
    CloseReason.MOVED: _l("Moved from the municipality"),
    CloseReason.OTHER_INTERVENTION: _l("Continues in another intervention"),
    CloseReason.OTHER: _l("Other reason"),
}


class CaseSearchForm(Form):
    """Finding a case by the youth's name: sent by POST and kept for the login
    (``auth.searches``), so the name is never part of a URL (browser history, server and
    proxy logs)."""

    q = StringField(_l("Find a case by the youth's name"),
                    description=_l("Whole words, e.g. a first name; only the cases where "
                                   "you may see the name."),
                    filters=[lambda v: v.strip() if isinstance(v, str) else v],
                    validators=[Optional(), Length(max=200)],
                    render_kw={"type": "search", "autocomplete": "off"})
    sort = HiddenField()


class OpenCaseForm(SavedOnce):
    referral_source = SelectField(_l("Referred by"), choices=lambda: choices_of(REFERRAL_LABELS))
    referral_date = DayField(_l("Referral date"),
                              validators=[DataRequired(), Plausible(future=False)])
    referral_note = TextAreaField(_l("About the referral"),
                                  validators=[Optional(), Length(max=4000)])


class CloseCaseForm(Form):
    reason = SelectField(_l("Reason for closing"), description=NO_DEFAULT,
                         choices=lambda: choices_of(CLOSE_LABELS, placeholder=True),
                         validators=[must_choose(_l("Choose the reason for closing."))])
    closed_on = DayField(_l("End date"), validators=[DataRequired(), Plausible(future=False)])
    # Set by the confirmation page: a closing is saved only once the owner has seen what
    # it means and confirmed it.
    confirmed = HiddenField()


class MemberForm(SavedOnce):
    user_id = SelectField(_l("Person"), choices=[], validators=[DataRequired()])
    function = StringField(_l("Function in the group"),
                           validators=[DataRequired(), Length(max=200)])
    from_date = DayField(_l("Member from"), validators=[DataRequired(), Plausible()])
    to_date = DayField(_l("Member until (optional)"), validators=[Optional(), Plausible()])

    def validate_to_date(self, field) -> None:
        if field.data and self.from_date.data and field.data < self.from_date.data:
            raise ValidationError(_l("The end date is before the start date."))


class HandoverForm(Form):
    to_user = SelectField(_l("Hand the case over to"), description=NO_DEFAULT, choices=[],
                          validators=[must_choose(_l("Choose the case owner who takes over."))])


class DeputyForm(SavedOnce):
    user_id = SelectField(_l("Deputy case owner"), description=NO_DEFAULT, choices=[],
                          validators=[must_choose(_l("Choose the deputy."))])
    from_date = DayField(_l("Deputy from"), validators=[DataRequired(), Plausible()])
    to_date = DayField(_l("Deputy until"), validators=[DataRequired(), Plausible()])

    def validate_to_date(self, field) -> None:
        if field.data and self.from_date.data and field.data < self.from_date.data:
            raise ValidationError(_l("The end date is before the start date."))
