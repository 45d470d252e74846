"""My e-mail address and which e-mails I receive."""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, ValidationError

from auth.form_base import Form
from auth.permissions import Permission, requires
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.notify.compose import KIND_LABELS, MailKind

bp = Blueprint("notify", __name__)

ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class MailSettingsForm(Form):
    email = StringField(_l("E-mail address (your work address)"),
                        validators=[Optional(), Length(max=254)],
                        render_kw={"autocomplete": "email", "type": "email"})
    invitation = BooleanField(KIND_LABELS[MailKind.INVITATION])
    reminder = BooleanField(KIND_LABELS[MailKind.REMINDER])
    change = BooleanField(KIND_LABELS[MailKind.CHANGE])

    def validate_email(self, field) -> None:
        if field.data and not ADDRESS.fullmatch(field.data.strip()):
            raise ValidationError(_l("Write the address as name@example.se."))


@bp.route("/account/email", methods=["GET", "POST"])
@requires(Permission.MANAGE_OWN_ACCOUNT)
def settings():
    form = MailSettingsForm()
    off = set(filter(None, (current_user.mail_off or "").split(",")))
    if not form.is_submitted():
        form.email.data = current_user.email or ""
        for kind in MailKind:
            getattr(form, kind.value).data = kind.value not in off
    if form.validate_on_submit():
        user = current_user._get_current_object()
        address = (form.email.data or "").strip() or None
        changed = address != user.email
        user.email = address
        user.mail_off = ",".join(k.value for k in MailKind
                                 if not getattr(form, k.value).data)
        record(AuditEvent.MAIL_SETTINGS_CHANGED, target_type="user", target_ref=user.id,
               details={"address_changed": changed,
                        "kinds_off": [k for k in user.mail_off.split(",") if k]})
        db.session.commit()
        flash(_("Your e-mail settings are saved."), "success")
        return redirect(url_for("notify.settings"))
    return render_template("notify/settings.html", form=form), 400 if form.errors else 200
