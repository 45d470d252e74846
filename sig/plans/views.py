"""The action plan: goals, actions, follow-up and history."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plans", __name__)
