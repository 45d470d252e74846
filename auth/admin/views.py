"""Administration pages: organisations and accounts.  Shows no case content."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from auth import directory, searches, throttle
from auth.admin import listing, operations
from auth.admin.forms import (
    AccountFilterForm,
    OrganisationForm,
    UserCreateForm,
    UserRoleForm,
)
from auth.form_base import PLACEHOLDER
from auth.forms import ConfirmForm
from auth.models import Organisation, User
from auth.permissions import Permission, requires
from auth.sent_once import once
from kernel.db import db
from kernel.paging import page_of, page_of_list

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def _org_choices() -> list[SelectChoice]:
    return [SelectChoice(org.id, org.name) for org in _organisations()]


def _user_or_404(user_id: str) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


PAGE_SIZE = 50


@bp.route("/users", methods=("GET", "POST"))
@requires(Permission.ADMINISTER_ACCOUNTS)
def users():
    """Every account, a page at a time by username; or those asked for in the filter
    form — sent by POST and kept for the login (``auth.searches``), so a name is never
    part of a URL; the list it answers with is reached by a handle."""
    form = AccountFilterForm()
    form.organisation.choices = [SelectChoice("", _("Any")), *_org_choices()]
    if request.method == "POST" and form.validate():
        if not form.asked():
            return redirect(url_for("admin.users"))  # nothing asked for: every account
        return redirect(url_for("admin.users", search=searches.keep(form.fields())))
    handle = request.args.get("search") if request.method == "GET" else None
    asked = searches.kept(handle)
    if asked:
        form.fill(asked)
        page = page_of_list(listing.matching(
            asked.get("text", ""), asked.get("organisation", ""), asked.get("role", ""),
            asked.get("state", "")), PAGE_SIZE)
    else:
        page = page_of(listing.BY_USERNAME, PAGE_SIZE)
    # (each account's organisation by name from the worker's directory: a statement per
    # organisation before)
    return render_template("admin/users.html", users=page.rows, page=page, form=form,
                           asked=bool(asked), search_gone=bool(handle) and not asked,
                           org_names=directory.names(),
                           locked=throttle.locked_accounts([u.id for u in page.rows]))


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def create_user():
    form = UserCreateForm()
    form.organisation_id.choices = [PLACEHOLDER, *_org_choices()]
    if form.validate_on_submit():
        # (sent twice, the account is made once; the list shows it — its first password
        # was on the page the browser did not keep: a new one is made by a reset)
        with once(form, url_for("admin.users"), said=_(
                "The form was sent more than once; the account was created once. Its "
                "first password was on the page of the first sending: if you did not "
                "see it, open the account and reset the password.")):
            taken = db.session.scalar(select(User.id).where(
                func.lower(User.username) == form.username.data))
            if taken:
                form.username.errors.append(_("That username is already taken."))
            else:
                try:
                    user, initial = operations.create_user(
                        form.username.data, form.display_name.data,
                        form.organisation_id.data, form.role.data)
                except operations.Taken:
                    form.username.errors.append(_("That username is already taken."))
                else:
                    return render_template("admin/initial_password.html", user=user,
                                           password=initial, created=True)
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<user_id>")
@requires(Permission.ADMINISTER_ACCOUNTS)
def user(user_id: str):
    target = _user_or_404(user_id)
    form = UserRoleForm(organisation_id=target.organisation_id, role=target.role)
    form.organisation_id.choices = _org_choices()
    return _user_page(target, form)


def _user_page(target: User, form: UserRoleForm) -> str:
    return render_template("admin/user.html", target=target, form=form, confirm=ConfirmForm(),
                           locked_until=throttle.locked_accounts([target.id]).get(target.id))


@bp.route("/users/<user_id>/role", methods=["POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def change_role(user_id: str):
    target = _user_or_404(user_id)
    form = UserRoleForm()
    form.organisation_id.choices = _org_choices()
    if form.validate_on_submit():
        try:
            operations.change_role_and_organisation(target, form.role.data,
                                                    form.organisation_id.data)
        except operations.AdminError:
            form.organisation_id.errors.append(_(
                "The user owns open cases; hand them over to another case owner before "
                "moving the user to another organisation."))
        else:
            flash(_("Role and organisation saved. The user's open sessions were ended, and "
                    "a user moved to another organisation has left every case group."),
                  "success")
            return redirect(url_for("admin.user", user_id=target.id))
    return _user_page(target, form), 400


@bp.route("/users/<user_id>/deactivation")
@requires(Permission.ADMINISTER_ACCOUNTS)
def confirm_deactivate(user_id: str):
    """Deactivating ends the person's sessions and keeps them out: asked first."""
    target = _user_or_404(user_id)
    if not target.active:
        return redirect(url_for("admin.user", user_id=target.id))
    return render_template("admin/deactivate.html", target=target, confirm=ConfirmForm())


@bp.route("/users/<user_id>/deactivate", methods=["POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def deactivate(user_id: str):
    target = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            operations.set_active(target, False, current_user)
            flash(_("The account is deactivated and its sessions are ended."), "success")
        except operations.AdminError:
            flash(_("You cannot deactivate your own account."), "error")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<user_id>/reactivate", methods=["POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def reactivate(user_id: str):
    target = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        operations.set_active(target, True, current_user)
        flash(_("The account is active again."), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<user_id>/reset-password", methods=["POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def reset_password(user_id: str):
    target = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.user", user_id=target.id))
    initial = operations.reset_password(target)
    return render_template("admin/initial_password.html", user=target, password=initial,
                           created=False)


@bp.route("/users/<user_id>/unlock", methods=["POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def unlock(user_id: str):
    target = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        if operations.unlock(target):
            flash(_("The account is unlocked: the user can log in again."), "success")
        else:
            flash(_("The account was not locked (its lock may have just ended)."), "info")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<user_id>/reset-2fa", methods=["POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def reset_second_factor(user_id: str):
    target = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        operations.reset_second_factor(target)
        flash(_("Two-factor login is reset; the user sets it up again at the next login."),
              "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/organisations", methods=["GET", "POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        with once(form, url_for("admin.organisations")):
            if db.session.scalar(select(Organisation.id).where(
                    func.lower(Organisation.name) == form.name.data.strip().lower())):
                form.name.errors.append(_("An organisation with that name already exists."))
            else:
                try:
                    operations.create_organisation(form.name.data, form.kind.data)
                except operations.Taken:
                    form.name.errors.append(
                        _("An organisation with that name already exists."))
                else:
                    flash(_("The organisation is created."), "success")
                    return redirect(url_for("admin.organisations"))
    counts = dict(db.session.execute(
        select(User.organisation_id, func.count()).group_by(User.organisation_id)).all())
    return render_template("admin/organisations.html", form=form, counts=counts,
                           organisations=_organisations())


@bp.route("/organisations/<org_id>", methods=["GET", "POST"])
@requires(Permission.ADMINISTER_ACCOUNTS)
def organisation(org_id: str):
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        clash = db.session.scalar(select(Organisation.id).where(
            func.lower(Organisation.name) == form.name.data.strip().lower(),
            Organisation.id != org.id))
        if clash:
            form.name.errors.append(_("An organisation with that name already exists."))
        else:
            try:
                operations.update_organisation(org, form.name.data, form.kind.data)
            except operations.Taken:
                form.name.errors.append(_("An organisation with that name already exists."))
            else:
                flash(_("The organisation is saved."), "success")
                return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation.html", form=form, org=org)
