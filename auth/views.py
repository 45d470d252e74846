"""Login, second factor, logout and the user's own account pages."""
from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from auth import mfa, operations, passwords, sessions
from auth.forms import CodeForm, ConfirmForm, EnrolForm, LanguageForm, LoginForm, PasswordChangeForm
from auth.login import page_after_login
from auth.models import User
from auth.permissions import Permission, public, requires
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db

bp = Blueprint("auth", __name__)

PENDING_MINUTES = 5


def _pending_user() -> User | None:
    """The user between password and second factor, for at most five minutes."""
    pending = session.get("pending_login")
    if not isinstance(pending, dict):
        return None
    started = dt.datetime.fromisoformat(pending["at"])
    if clock.now() - started > dt.timedelta(minutes=PENDING_MINUTES):
        session.pop("pending_login", None)
        return None
    user = db.session.get(User, pending["user_id"])
    if user is None or not user.active:
        return None
    return user


def _locked_message(until: dt.datetime | None) -> str:
    """Said when a lock refuses the login: until when (Swedish time), so that someone
    who tries again during it is not told the whole lockout once more."""
    if until is None:  # (a lock that ended a moment ago, or was taken back)
        return ngettext("Too many failed attempts. The account is locked for %(num)d minute.",
                        "Too many failed attempts. The account is locked for %(num)d minutes.",
                        current_app.config["LOGIN_LOCKOUT_MINUTES"])
    return _("Too many failed attempts. The account is locked until %(time)s.",
             time=_local_time(until))


def _local_time(moment: dt.datetime) -> str:
    return clock.local_moment(moment).strftime("%H:%M")


def _finish_login(user: User, mfa_used: bool, target: str | None = None):
    """Log ``user`` in and open the page the login was asked for (``target``, or the one
    kept with the password step), else the start page."""
    pending = session.pop("pending_login", None)
    if target is None and isinstance(pending, dict):
        target = page_after_login(pending.get("next"))
    session.pop("enrol_secret", None)
    sessions.rotate(session, login=True)
    operations.complete_login(user, mfa_used)
    login_user(user)
    return redirect(target or url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(page_after_login(request.args.get("next")) or url_for("home.index"))
    form = LoginForm()
    if not form.is_submitted():
        form.next.data = page_after_login(request.args.get("next")) or ""
    if form.validate_on_submit():
        target = page_after_login(form.next.data)
        form.next.data = target or ""
        result = operations.check_password(form.username.data, form.password.data,
                                           request.remote_addr or "")
        if result.status == "ok" and result.user is not None:
            user = result.user
            if not current_app.config["MFA_REQUIRED"] and not user.mfa_enrolled:
                return _finish_login(user, mfa_used=False, target=target)
            session["pending_login"] = {"user_id": user.id, "at": clock.now().isoformat(),
                                        "next": target}
            sessions.rotate(session, login=False)
            if user.mfa_enrolled:
                return redirect(url_for("auth.second_factor"))
            return redirect(url_for("auth.enrol"))
        if result.status == "throttled":
            form.password.data = ""
            flash(_("Too many failed logins from your network. Try again after %(time)s.",
                    time=_local_time(result.locked_until)), "error")
            return render_template("auth/login.html", form=form), 429
        if result.status == "locked":
            flash(_locked_message(result.locked_until), "error")
        else:
            flash(_("Wrong username or password."), "error")
        form.password.data = ""
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_factor():
    user = _pending_user()
    if user is None or not user.mfa_enrolled:
        flash(_("Please start again by entering your username and password."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        result = operations.check_second_factor(user, form.code.data or "",
                                                form.recovery_code.data or "")
        if result == "ok":
            return _finish_login(user, mfa_used=True)
        if result == "locked":
            session.pop("pending_login", None)
            flash(_locked_message(operations.locked_until(user)), "error")
            return redirect(url_for("auth.login"))
        if result == "replay":
            flash(_("That code has already been used. Wait for the next code."), "error")
        else:
            flash(_("The code is not correct. Check the time on your phone and try again."),
                  "error")
    return render_template("auth/second_factor.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol():
    user = _pending_user()
    if user is None or user.mfa_enrolled:
        return redirect(url_for("auth.login"))
    secret = session.get("enrol_secret")
    if not secret:
        secret = mfa.new_secret()
        session["enrol_secret"] = secret
    form = EnrolForm()
    if form.validate_on_submit():
        codes = operations.enrol_second_factor(user, secret, form.code.data)
        if codes is not None:
            response = _finish_login(user, mfa_used=True)
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=response.location)
        until = operations.locked_until(user)
        if until is not None:
            session.pop("pending_login", None)
            flash(_locked_message(until), "error")
            return redirect(url_for("auth.login"))
        flash(_("The code is not correct. Check the time on your phone and try again."), "error")
    uri = mfa.provisioning_uri(secret, user.username)
    return render_template("auth/enrol.html", form=form, secret=secret, qr=mfa.qr_svg(uri))


@bp.route("/logout", methods=["POST"])
@requires(Permission.MANAGE_OWN_ACCOUNT)
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        operations.logout(current_user._get_current_object(), session)
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/session/keep-alive", methods=["POST"])
@requires(Permission.MANAGE_OWN_ACCOUNT)
def keep_alive():
    """Sent by the page (``static/keepalive.js``) at most once a minute while someone
    types in one of its forms: the request itself keeps the login from ending idle, so
    writing long minutes does not lose the login; a page merely left open still does."""
    return "", 204


@bp.route("/account")
@requires(Permission.MANAGE_OWN_ACCOUNT)
def account():
    language = LanguageForm(locale=current_user.locale)
    return render_template("auth/account.html", language=language, confirm=ConfirmForm(),
                           remaining=mfa.remaining_recovery_codes(current_user))


@bp.route("/account/language", methods=["POST"])
@requires(Permission.MANAGE_OWN_ACCOUNT)
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        db.session.commit()
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Permission.MANAGE_OWN_ACCOUNT)
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not passwords.verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            found = passwords.problems(form.new_password.data, user.username)
            if found:
                form.new_password.errors.extend(found)
            else:
                operations.change_password(user, form.new_password.data,
                                           keep_token=getattr(session, "token", None))
                sessions.rotate(session, login=False)
                flash(_("Your password is changed. Your other sessions have been ended."),
                      "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/recovery-codes", methods=["POST"])
@requires(Permission.MANAGE_OWN_ACCOUNT)
def new_recovery_codes():
    form = ConfirmForm()
    if not form.validate_on_submit() or not current_user.mfa_enrolled:
        return redirect(url_for("auth.account"))
    codes = mfa.issue_recovery_codes(current_user)
    record(AuditEvent.MFA_ENROLLED, details={"recovery_codes_reissued": True})
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes,
                           next_url=url_for("auth.account"))

