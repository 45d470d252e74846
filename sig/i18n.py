"""Languages: Swedish by default, English selectable per user."""
from __future__ import annotations

import os

from flask import Flask, current_app
from flask_babel import Babel
from flask_login import current_user

babel = Babel()


def select_locale() -> str:
    if current_user and current_user.is_authenticated and \
            current_user.locale in current_app.config["LANGUAGES"]:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          os.path.join(os.path.dirname(__file__), "translations"))
    babel.init_app(app, locale_selector=select_locale)
