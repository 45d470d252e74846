"""Organisation kinds and user roles (DESIGN §1)."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class OrganisationKind(enum.StrEnum):
    SOCIAL_SERVICES = "social_services"
    POLICE = "police"
    SCHOOL = "school"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


class Role(enum.StrEnum):
    CASE_OWNER = "case_owner"
    MEMBER = "member"
    MANAGER = "manager"
    ADMIN = "admin"
    AUDITOR = "auditor"
    # brottsförebyggande samordnare: runs the area groups; nothing in SIG cases
    COORDINATOR = "coordinator"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ORG_KIND_LABELS = {
    OrganisationKind.SOCIAL_SERVICES: _l("Social services"),
    OrganisationKind.POLICE: _l("Police"),
    OrganisationKind.SCHOOL: _l("School"),
    OrganisationKind.OTHER: _l("Other organisation"),
}

ROLE_LABELS = {
    Role.CASE_OWNER: _l("Case owner"),
    Role.MEMBER: _l("Group member"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
    Role.AUDITOR: _l("Log auditor"),
    Role.COORDINATOR: _l("Crime-prevention coordinator"),
}
