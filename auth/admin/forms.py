"""Administration forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from auth.admin.listing import STATE_LABELS
from auth.form_base import NO_DEFAULT, Form, choices_of, must_choose
from auth.roles import ORG_KIND_LABELS, ROLE_LABELS
from auth.sent_once import SavedOnce

# Shared with `sig users create`; the value is normalised (stripped, lowercased) first.
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"
USERNAME_RULE = Regexp(USERNAME_PATTERN,
                       message=_l("Use 2–64 lowercase letters a–z, digits, dot, dash or "
                                  "underscore, starting with a letter or digit."))


class OrganisationForm(SavedOnce):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Type"), choices=lambda: choices_of(ORG_KIND_LABELS, placeholder=True),
                       description=NO_DEFAULT,
                       validators=[must_choose(_l("Choose the type of organisation."))])


class UserCreateForm(SavedOnce):
    username = StringField(_l("Username"), validators=[DataRequired(), USERNAME_RULE],
                           filters=[lambda v: v.strip().lower() if v else v])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation_id = SelectField(_l("Organisation"), choices=[], description=NO_DEFAULT,
                                  validators=[must_choose(_l("Choose the organisation."))])
    role = SelectField(_l("Role"), choices=lambda: choices_of(ROLE_LABELS, placeholder=True),
                       description=NO_DEFAULT,
                       validators=[must_choose(_l("Choose the role."))])


class UserRoleForm(Form):
    organisation_id = SelectField(_l("Organisation"), choices=[])
    role = SelectField(_l("Role"), choices=lambda: choices_of(ROLE_LABELS))


class AccountFilterForm(Form):
    """Looking for accounts: sent by POST and kept for the login (``auth.searches``), as
    a name must not be part of a URL."""

    text = StringField(_l("Username or name"),
                       description=_l("Part of the username, or whole words of the name."),
                       filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[Optional(), Length(max=200)],
                       render_kw={"type": "search", "autocomplete": "off"})
    organisation = SelectField(_l("Organisation"), choices=[], validators=[Optional()])
    role = SelectField(_l("Role"), validators=[Optional()],
                       choices=lambda: [("", _l("Any")), *choices_of(ROLE_LABELS)])
    state = SelectField(_l("Status"), validators=[Optional()],
                        choices=lambda: [("", _l("Any")), *choices_of(STATE_LABELS)])
    FIELDS = ("text", "organisation", "role", "state")

    def fields(self) -> dict[str, str]:
        """What was asked for, by the names ``auth.admin.listing.matching`` takes."""
        return {name: self[name].data or "" for name in self.FIELDS}

    def asked(self) -> bool:
        return any(self.fields().values())

    def fill(self, fields: dict[str, str]) -> None:
        """Show what a kept search asked for."""
        for name in self.FIELDS:
            self[name].data = fields.get(name, "")
