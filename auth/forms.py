"""Forms for login, second factor and the user's own account."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from auth.form_base import Form


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    # The page the login was asked for (a link followed after the login ended, an
    # e-mail's link): checked by ``auth.login.page_after_login`` before it is used.
    next = HiddenField()


class CodeForm(Form):
    code = StringField(_l("Six-digit code from your authenticator app"),
                       validators=[Optional(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "autofocus": True})
    recovery_code = StringField(_l("Or a recovery code"), validators=[Optional(), Length(max=20)],
                                render_kw={"autocomplete": "off"})


class EnrolForm(Form):
    code = StringField(_l("Six-digit code from your authenticator app"),
                       validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired()],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(),
                                        EqualTo("new_password",
                                                message=_l("The passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class LanguageForm(Form):
    locale = SelectField(_l("Language"),
                         choices=[SelectChoice("sv", "Svenska"), SelectChoice("en", "English")])


class ConfirmForm(Form):
    """A form with only the CSRF token, for buttons that change state."""
