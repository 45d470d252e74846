"""The start page: who you are and where your role takes you."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from auth.permissions import Permission, public, requires

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def root():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return redirect(url_for("auth.login"))


@bp.route("/start")
@requires(Permission.VIEW_START_PAGE)
def index():
    return render_template("home/index.html")
