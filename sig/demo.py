"""Demo data: organisations and one account per persona of DESIGN §1.

Idempotent: organisations and accounts that exist are left as they are.
"""
from __future__ import annotations

from sqlalchemy import select

from auth.admin.operations import create_organisation, create_user
from auth.models import Organisation, User
from auth.roles import OrganisationKind, Role
from kernel.db import db

DEMO_PASSWORD = "demo-lösenord-sig-2026"  # noqa: S105 - printed by the demo, used nowhere else

ORGANISATIONS = [
    ("Socialtjänsten Exempelkommun", OrganisationKind.SOCIAL_SERVICES),
    ("Polisen lokalpolisområde Exempel", OrganisationKind.POLICE),
    ("Exempelskolan", OrganisationKind.SCHOOL),
    ("Fritidsförvaltningen", OrganisationKind.OTHER),
    ("Kommunens IT-avdelning", OrganisationKind.OTHER),
    ("Kommunledningskontoret", OrganisationKind.OTHER),
]

# username, full name, organisation, role, what the persona does
PERSONAS = [
    ("sara", "Sara Lind", "Socialtjänsten Exempelkommun", Role.CASE_OWNER, "socialsekreterare"),
    ("per", "Per Holm", "Polisen lokalpolisområde Exempel", Role.MEMBER, "kommunpolis"),
    ("kim", "Kim Berg", "Exempelskolan", Role.MEMBER, "skolkurator"),
    ("lo", "Lo Sandberg", "Fritidsförvaltningen", Role.MEMBER, "fritidsledare"),
    ("maria", "Maria Ek", "Socialtjänsten Exempelkommun", Role.MANAGER, "enhetschef"),
    ("ali", "Ali Hassan", "Kommunens IT-avdelning", Role.ADMIN, "systemförvaltare"),
    ("eva", "Eva Nord", "Socialtjänsten Exempelkommun", Role.AUDITOR, "logggranskare"),
    ("fred", "Fred Olsson", "Polisen lokalpolisområde Exempel", Role.MEMBER,
     "polis i andra grupper"),
    ("cora", "Cora Dahl", "Kommunledningskontoret", Role.COORDINATOR,
     "brottsförebyggande samordnare"),
]


def load() -> list[str]:
    """Create what is missing; returns lines to print (the demo logins)."""
    orgs = {}
    for name, kind in ORGANISATIONS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        orgs[name] = org or create_organisation(name, kind)
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    people = {}
    for username, full_name, org_name, role, title in PERSONAS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user, _ = create_user(username, full_name, orgs[org_name].id, role,
                                  password=DEMO_PASSWORD)
        people[username] = user
        lines.append(f"  {username:<6} {full_name:<12} {role.value:<10} {title}, {org_name}")
    from sig import demo_cases, demo_history

    created = demo_cases.load(people)
    if created:
        lines.append("Demo cases (owner: sara):")
        lines.extend(created)
    lines.extend(demo_cases.load_proposal(people))
    from sig import demo_area

    lines.extend(demo_area.load(people))
    lines.extend(demo_history.load(people, orgs, DEMO_PASSWORD))
    return lines
