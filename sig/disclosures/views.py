"""The statutory provisions page and disclosure decisions of a case."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("disclosures", __name__)
