"""The categories of case information (DESIGN §4)."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Category(enum.StrEnum):
    IDENTITY = "identity"
    COORDINATION = "coordination"
    SOCIAL_ASSESSMENT = "social_assessment"
    POLICE_INFORMATION = "police_information"
    SCHOOL_INFORMATION = "school_information"
    HEALTH_INFORMATION = "health_information"
    MINUTES = "minutes"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.IDENTITY: _l("identity"),
    Category.COORDINATION: _l("coordination"),
    Category.SOCIAL_ASSESSMENT: _l("social assessment"),
    Category.POLICE_INFORMATION: _l("police information"),
    Category.SCHOOL_INFORMATION: _l("school information"),
    Category.HEALTH_INFORMATION: _l("health information"),
    Category.MINUTES: _l("minutes"),
}

KNOWN = frozenset(c.value for c in Category)
