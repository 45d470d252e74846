"""Forms for meetings: scheduling, participants, minutes and plan follow-up.

Attendance is one form over the participant rows the user may mark; its fields are
built per request (``attendance-<participant id>``), so it is read in the view.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from auth.form_base import NO_DEFAULT, Form, choices_of, must_choose
from auth.sent_once import SavedOnce
from consent.categories import CATEGORY_LABELS
from sig.labels import CHOOSABLE_ACTION_STATUS, EXTERNAL_ROLES
from sig.plans.forms import VersionField
from sig.web.dates import MomentField, Plausible


class MeetingForm(SavedOnce):
    starts_at = MomentField(_l("Date and time"), validators=[DataRequired(), Plausible()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=4000)])


class ScheduleForm(MeetingForm):
    invite_group = BooleanField(_l("Invite the whole group"), default=True)


class EditMeetingForm(MeetingForm):
    version = VersionField()


class CancelMeetingForm(SavedOnce):
    version = VersionField()


class UserParticipantForm(SavedOnce):
    """A group member or a stand-in; they represent their own organisation."""

    # (not checked against the list: a person the list no longer offers — her organisation
    # left the group meanwhile — gets the reason from the meeting's rules, not "not a
    # valid choice")
    user_id = SelectField(_l("Person"), choices=[], validators=[DataRequired()],
                          validate_choice=False)


class ExternalParticipantForm(SavedOnce):
    """The youth and the guardians are picked from the register (their names are not
    typed again); anyone else is named here."""

    external_role = SelectField(_l("Taking part as"), choices=lambda: choices_of(EXTERNAL_ROLES))
    guardian_id = SelectField(_l("Which guardian"), choices=[], validate_choice=False,
                              validators=[Optional()])
    external_name = StringField(_l("Name (someone else)"),
                                validators=[Optional(), Length(max=200)])


class MinutesForm(SavedOnce):
    # what the entry is about decides who may see it: chosen every time, never assumed
    category = SelectField(_l("What the entry is about"), description=NO_DEFAULT,
                           choices=lambda: choices_of(CATEGORY_LABELS, placeholder=True),
                           validators=[must_choose(_l("Choose what the entry is about."))])
    text = TextAreaField(_l("Minutes entry"), validators=[DataRequired(), Length(max=10000)])
    pre_investigation = BooleanField(
        _l("Preliminary investigation material (police only): not shared with social "
           "services under the statutory provision"))


class EditMinutesForm(MinutesForm):
    version = VersionField()
    # in a signed-off protocol a change is a correction, said so and logged as one
    correction = BooleanField(_l("This is a correction of the signed-off protocol"))


class FollowUpForm(Form):
    """The status of one action, followed up at the meeting."""

    status = SelectField(_l("Status"), choices=lambda: choices_of(CHOOSABLE_ACTION_STATUS))
    follow_up = TextAreaField(_l("Follow-up notes (optional)"),
                              validators=[Optional(), Length(max=4000)])
    version = VersionField()
