"""Ids in URLs: the ``id`` converter matches a row id (a UUID in its text form) and
nothing else, so a malformed or oversized id is not a URL of the app (404) and never
reaches a query."""
from __future__ import annotations

import re

from werkzeug.routing import BaseConverter

ID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class IdConverter(BaseConverter):
    regex = ID_PATTERN


def register(app) -> None:
    app.url_map.converters["id"] = IdConverter


def as_id(value: object) -> str:
    """A row id a form sent, or "" when it is not one (junk, a NUL, ten thousand
    characters): looked up as is, it could only be not found — or make the database
    refuse the statement."""
    return value if isinstance(value, str) and re.fullmatch(ID_PATTERN, value) else ""
