"""Languages: Swedish by default, English selectable per user."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app, g, has_app_context
from flask_babel import Babel, get_translations
from flask_login import current_user

babel = Babel()

_SWEDISH_ORDER = {ch: n for n, ch in enumerate("abcdefghijklmnopqrstuvwxyzåäö")}


def swedish_order(name: str) -> list[int]:
    """Sort key: Swedish alphabetical order (å, ä, ö after z), case-insensitive."""
    return [_SWEDISH_ORDER.get(ch, 100 + ord(ch)) for ch in name.casefold()]


def select_locale() -> str:
    if current_user and current_user.is_authenticated and \
            current_user.locale in current_app.config["LANGUAGES"]:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          os.path.join(os.path.dirname(__file__), "translations"))
    babel.init_app(app, locale_selector=select_locale)
    # Templates translate a hundred strings a page: find the request's catalogue once.
    translations = request_catalogue
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)


def request_catalogue() -> Any:
    """The request's catalogue, kept where Flask-Babel itself keeps it
    (``babel_translations``, which ``refresh()`` and ``force_locale()`` reset)."""
    if not has_app_context():
        return get_translations()
    context = g.get("_flask_babel")
    found = getattr(context, "babel_translations", None) if context is not None else None
    if found is None:
        found = get_translations()
        context = g.get("_flask_babel")
        if context is not None:
            context.babel_translations = found
    return found
