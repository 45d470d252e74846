"""Transparency for the case owner: the case as another organisation sees it, and
the sharing overview (organisation × category → shown or withheld, and why)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sharing", __name__)
