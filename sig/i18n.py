"""Languages: Swedish by default, English selectable per user."""
from __future__ import annotations

import datetime as dt
import os
from typing import Any

from flask import Flask, current_app, g, has_app_context
from flask_babel import Babel, format_datetime, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from kernel import clock

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
    app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext)
    app.jinja_env.filters["datetimeformat"] = datetimeformat


def _iso_day(moment: dt.datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


def _iso_minute(moment: dt.datetime) -> str:
    return f"{_iso_day(moment)} {moment.hour:02d}:{moment.minute:02d}"


# The patterns the templates write moments in: ISO dates and times, the same text in every
# language.  Written directly from Swedish local time — the text Babel writes for them,
# without its pattern machinery and request lookups (~20 µs a call; a case list has a
# date per case).
_ISO = {"yyyy-MM-dd": _iso_day, "yyyy-MM-dd HH:mm": _iso_minute}


def datetimeformat(value: dt.datetime | None = None, format: str | None = None,  # noqa: A002
                   rebase: bool = True) -> str:
    """The ``datetimeformat`` filter: Flask-Babel's, but a stored moment in one of the
    ISO patterns is written from ``kernel.clock``'s Swedish time (the same time zone,
    ``BABEL_DEFAULT_TIMEZONE``; a naive moment is UTC, as stored)."""
    written = _ISO.get(format) if isinstance(value, dt.datetime) and rebase else None
    if written is None:
        return format_datetime(value, format, rebase)
    return written(clock.local_moment(value))


_TRANSLATED: dict[Any, dict[str, Markup]] = {}


@pass_context
def template_gettext(context: Context, string: str, **variables: Any) -> str:
    """``_()`` and ``{% trans %}`` in templates: what Jinja's new-style gettext does
    (translate, mark safe when autoescaping, format with the escaped variables), in one
    call instead of four.  A text without variables is translated once per language and
    process — a case page has a hundred of them."""
    catalogue = request_catalogue()  # (the texts are the source's and our catalogue's)
    if not context.eval_ctx.autoescape:
        return catalogue.ugettext(string) % variables
    if variables:
        return Markup(catalogue.ugettext(string)) % variables  # noqa: S704
    known = _TRANSLATED.get(catalogue)
    if known is None:  # (Flask-Babel keeps one catalogue per language: a few at most)
        if len(_TRANSLATED) >= 16:
            _TRANSLATED.clear()
        known = _TRANSLATED.setdefault(catalogue, {})
    found = known.get(string)
    if found is None:  # ("%%" is a per cent sign, as in Jinja's own gettext)
        found = known[string] = Markup(catalogue.ugettext(string)) % {}  # noqa: S704
    return found


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
