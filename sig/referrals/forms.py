"""Forms for proposals into SIG."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from auth.form_base import NO_DEFAULT, Form, choices_of, must_choose
from auth.sent_once import SavedOnce
from sig.referrals.models import DeclineReason, ReferralReason
from sig.youths.forms import PersonalNumberField, YouthForm

REASON_LABELS = {
    ReferralReason.SUSPECTED_CRIME: _l("Suspected of crime"),
    ReferralReason.CRIMINAL_NETWORK: _l("Contact with or recruited by a criminal network"),
    ReferralReason.VIOLENCE_OR_WEAPONS: _l("Violence or weapons"),
    ReferralReason.DRUGS: _l("Drugs"),
    ReferralReason.SCHOOL: _l("Absence or breakdown at school"),
    ReferralReason.OTHER: _l("Other concern for a criminal lifestyle"),
}
DECLINE_LABELS = {
    DeclineReason.NOT_TARGET_GROUP: _l("Not in SIG's target group"),
    DeclineReason.OTHER_INTERVENTION: _l("Better served by another intervention"),
    DeclineReason.TOO_LITTLE: _l("Too little to go on"),
    DeclineReason.OTHER: _l("Other reason"),
}



class ProposalForm(SavedOnce):
    to_org = SelectField(_l("To the SIG unit of"), choices=[],
                         validators=[DataRequired()])
    personal_number = PersonalNumberField(
        _l("Personal identity number"),
        render_kw={"autocomplete": "off", "inputmode": "numeric"})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    reason = SelectField(_l("Why SIG"), description=NO_DEFAULT,
                         choices=lambda: choices_of(REASON_LABELS, placeholder=True),
                         validators=[must_choose(_l("Choose why you propose the youth."))])
    done = TextAreaField(_l("What you have done so far"),
                         validators=[Optional(), Length(max=4000)])

    validate_personal_number = YouthForm.validate_personal_number


class DeclineForm(Form):
    reason = SelectField(_l("Why the proposal is declined"), description=NO_DEFAULT,
                         choices=lambda: choices_of(DECLINE_LABELS, placeholder=True),
                         validators=[must_choose(_l("Choose why the proposal is declined."))])
