"""The disclosure policy as a decision table (DESIGN §4).

Every combination of

* the youth's age (14, 16, 19, 22) and guardians with custody (0, 1, 2),
* the state of the case's consent (none, full, parties missing, partial, withdrawn in
  part, expired, withdrawn, ...),
* the item's category (every known one and an unknown one), its recording
  organisation, the preliminary-investigation flag and whether a disclosure decision
  names it,
* the recipient (a user of each organisation kind, and the roles that see no items)

has an expected outcome — shown or withheld, and by which rule — computed by
:func:`expected` from the law as DESIGN §4 states it, *not* from ``consent.policy``.
For every row both ``decide()`` (the page) and ``visible()`` (the list, in SQL) are
asserted: list and page must never disagree.

The world is written as model rows directly (fast); the pages have their own tests.
"""
from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from consent.categories import Category
from consent.models import (
    Consent,
    ConsentGrant,
    ConsentParty,
    Disclosure,
    DisclosureItem,
    PartyKind,
    StatutoryRule,
)
from consent.policy import PolicyError, Relation, Rule, decide, filtered
from kernel import clock
from kernel.db import db
from sig.cases.access import accessible, relation_to
from sig.cases.models import Case, Membership
from sig.meetings.models import Meeting, MinutesEntry, Participant
from sig.youths.models import Guardian, Youth
from tests.case_helpers import text_of
from tests.helpers import login

AGES = (14, 16, 19, 22)
CUSTODY = (0, 1, 2)
CATEGORIES = tuple(c.value for c in Category)
UNKNOWN_CATEGORY = "horoscope"
SOURCES = ("social", "police", "school", "leisure")  # the organisations that record items
# The recipients: a user of each organisation kind in the case (Sara owns it), and the
# roles that never see items.
MEMBERS = {"sara": "social", "per": "police", "kim": "school", "lo": "leisure"}
NO_ITEM_ROLES = ("maria", "ali", "eva")
RECIPIENTS = (*MEMBERS, *NO_ITEM_ROLES)
ORG_OF = {**MEMBERS, "maria": "social", "ali": "it", "eva": "social"}

# A partial consent: only these categories, only to these recipients.
PARTIAL_CATEGORIES = frozenset({"coordination", "school_information", "minutes"})
PARTIAL_RECIPIENTS = frozenset({"school", "leisure"})
# The category whose grants are withdrawn in "grant_withdrawn".
WITHDRAWN_CATEGORY = "social_assessment"


# --- the consent states ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentSpec:
    """One consent of the case.  Guardians are numbered in registration order."""

    name: str
    youth_signs: bool = True
    guardians_sign: int | None = None  # None: every guardian with custody; n: the first n
    grants: str = "full"  # "full" or "partial"
    withdrawn_grant_category: str | None = None
    youth_withdrew: bool = False
    first_guardian_withdrew: bool = False
    valid_from_days: int = -30  # relative to today
    valid_to_days: int | None = 180
    withdrawn: bool = False

    def signing_guardians(self, custody: int) -> int:
        return custody if self.guardians_sign is None else min(self.guardians_sign, custody)

    def grants_flow(self, source: str, recipient: str, category: str) -> bool:
        """Whether a (not withdrawn) grant covers source → recipient for category."""
        if source == recipient:
            return False
        if self.grants == "partial" and (category not in PARTIAL_CATEGORIES
                                         or recipient not in PARTIAL_RECIPIENTS):
            return False
        return category != self.withdrawn_grant_category


NO_CONSENT = "none"
SPECS = {s.name: s for s in (
    ConsentSpec("full"),
    ConsentSpec("guardians_only", youth_signs=False),
    ConsentSpec("youth_only", guardians_sign=0),
    ConsentSpec("one_guardian_short", guardians_sign=1),  # only with 2 guardians
    ConsentSpec("partial_grants", grants="partial"),
    ConsentSpec("grant_withdrawn", withdrawn_grant_category=WITHDRAWN_CATEGORY),
    ConsentSpec("youth_withdrew", youth_withdrew=True),
    ConsentSpec("guardian_withdrew", first_guardian_withdrew=True),  # with >= 1 guardian
    ConsentSpec("expired", valid_to_days=-1),
    ConsentSpec("withdrawn", withdrawn=True),
)}
TABLE_STATES = [NO_CONSENT, *SPECS]
# Period boundaries: in the sample rows only (they do not depend on age or guardians).
SPECS |= {s.name: s for s in (ConsentSpec("expires_today", valid_to_days=0),
                              ConsentSpec("not_yet_valid", valid_from_days=1))}


def consent_states(custody: int) -> list[str]:
    states = list(TABLE_STATES)
    if custody < 2:
        states.remove("one_guardian_short")
    if custody < 1:
        states.remove("guardian_withdrew")
    return states


def consent_holds(age: int, custody: int, spec: ConsentSpec) -> bool:
    """The law: under 18 every guardian with custody consents, from 15 also the youth;
    from 18 the youth alone.  A minor with no guardian with custody on record has nobody
    who can give the guardians' consent: deny by default.
    """
    if spec.withdrawn or spec.valid_from_days > 0 or (
            spec.valid_to_days is not None and spec.valid_to_days < 0):
        return False
    youth = spec.youth_signs and not spec.youth_withdrew
    guardians = spec.signing_guardians(custody) - (
        1 if spec.first_guardian_withdrew and spec.signing_guardians(custody) else 0)
    if age >= 18:
        return youth
    if custody == 0:
        return False
    return guardians == custody and (youth or age < 15)


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    age: int
    custody: int
    consent: str
    source: str
    category: str
    pre_investigation: bool
    disclosed: bool  # a Disclosure to the police names the item
    recipient: str

    @property
    def id(self) -> str:
        flags = ("-pre" if self.pre_investigation else "") + \
            ("-disclosed" if self.disclosed else "")
        return (f"{self.age}y-{self.custody}g-{self.consent}-{self.source}>{self.recipient}"
                f"-{self.category}{flags}")

    def item_key(self) -> tuple:
        return (self.age, self.custody, self.consent, self.source, self.category,
                self.pre_investigation, self.disclosed)


def expected(row: Row) -> tuple[bool, Rule]:
    """Shown or withheld, and by which rule: DESIGN §4."""
    if row.recipient in NO_ITEM_ROLES:
        return False, Rule.ROLE_SEES_NO_ITEMS
    if row.category not in CATEGORIES:
        return False, Rule.UNKNOWN_ITEM
    to = ORG_OF[row.recipient]
    if row.source == to:
        return True, Rule.OWN_ORGANISATION
    if row.pre_investigation:
        # Preliminary-investigation secrecy protects the investigation: no consent,
        # provision or decision opens it to another organisation.  That it exists is
        # secret too: only a police reader is told why.
        return False, (Rule.PRE_INVESTIGATION if to == "police" else Rule.NO_CONSENT)
    spec = SPECS.get(row.consent)
    if spec and consent_holds(row.age, row.custody, spec) \
            and spec.grants_flow(row.source, to, row.category):
        return True, Rule.CONSENT
    if row.source == "police" and to == "social":
        # Statutory, no consent needed — except preliminary-investigation material.
        return (False, Rule.PRE_INVESTIGATION) if row.pre_investigation \
            else (True, Rule.STATUTORY)
    # Social services → police only through a decision naming the item.  The policy does
    # not check the youth's age (OSL 10:18 a applies under 21): that is checked when the
    # decision is made, so in this table the 22-year-old's named items are shown too.
    # A decision under that rule opens nothing else: not a school item it names.
    if row.disclosed and to == "police" and row.source == "social":
        return True, Rule.DISCLOSURE
    return False, Rule.NO_CONSENT


def table_rows() -> list[Row]:
    rows = []
    for age, custody in itertools.product(AGES, CUSTODY):
        for state in consent_states(custody):
            for item in items_of_a_case(custody):
                for recipient in RECIPIENTS:
                    rows.append(Row(age, custody, state, *item, recipient))
    return rows


# Every category is recorded by social services and by the police, the organisations the
# statutes name; the school and the leisure organisation record a few (runtime).
FEW_CATEGORIES = {"school": ("school_information", "social_assessment", "minutes"),
                  "leisure": ("coordination", "health_information", "police_information")}


def items_of_a_case(custody: int) -> list[tuple[str, str, bool, bool]]:
    """(source, category, pre_investigation, disclosed): every category (see
    FEW_CATEGORIES), and an unknown category from two organisations.  In the cases with
    one guardian (every age, every consent state) also the items the statutes turn on:
    police items flagged as preliminary-investigation material, social services' items
    named in a disclosure to the police, and the flags where they change nothing (a
    school item named in the decision is not opened by it)."""
    items = [(source, category, False, False) for source in SOURCES for category in CATEGORIES
             if source in ("social", "police") or category in FEW_CATEGORIES[source]]
    items += [(source, UNKNOWN_CATEGORY, False, False) for source in ("social", "police")]
    if custody == 1:
        items += [("police", category, True, False) for category in CATEGORIES]
        items += [("social", category, False, True) for category in CATEGORIES]
        items += [("police", "police_information", True, True),
                  ("police", "social_assessment", False, True),
                  ("social", "social_assessment", True, True),
                  ("school", "school_information", True, True),
                  ("leisure", "minutes", True, False),
                  ("social", UNKNOWN_CATEGORY, False, True)]
    return items


# --- the world, as rows ---------------------------------------------------------------------


def born(age: int, today: dt.date, days_after_birthday: int = 60) -> dt.date:
    """A birth date: ``age`` years old, the last birthday ``days_after_birthday`` ago."""
    try:
        birthday = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        birthday = dt.date(today.year - age, 2, 28)
    return birthday - dt.timedelta(days=days_after_birthday)


@dataclass
class World:
    cases: dict[tuple[int, int, str], str] = field(default_factory=dict)
    items: dict[tuple, str] = field(default_factory=dict)  # Row.item_key() -> id
    meetings: dict[str, str] = field(default_factory=dict)  # case id -> meeting id
    consents: dict[str, str] = field(default_factory=dict)  # case id -> consent id


def add_case(users, orgs, birth: dt.date, custody: int, members=("per", "kim", "lo"),
             owner: str = "sara", extra_guardian: bool = True) -> tuple[Case, list[Guardian]]:
    """A youth (with guardians) and a case owned by ``owner`` with ``members`` current."""
    sara = users[owner]
    social = orgs["social"].id
    youth = Youth(pnr_index=uuid.uuid4().hex, birth_year=birth.year, gender="boy",
                  origin_org_id=social, category=Category.IDENTITY.value, created_by_id=sara.id)
    youth.pnr = birth.strftime("%Y%m%d") + "-0000"
    youth.birth_date_text = birth.isoformat()
    youth.name = "Ung Testsson"
    db.session.add(youth)
    db.session.flush()
    guardians = []
    now = clock.now()
    for n in range(custody):
        guardian = Guardian(youth_id=youth.id, has_custody=True, origin_org_id=social,
                            category=Category.IDENTITY.value, created_by_id=sara.id,
                            created_at=now + dt.timedelta(seconds=n))
        guardian.name = f"Vårdnadshavare {n + 1}"
        guardians.append(guardian)
    if extra_guardian:  # a parent without custody: never needed, never enough
        other = Guardian(youth_id=youth.id, has_custody=False, origin_org_id=social,
                         category=Category.IDENTITY.value, created_by_id=sara.id)
        other.name = "Förälder utan vårdnad"
        guardians_all = [*guardians, other]
    else:
        guardians_all = guardians
    db.session.add_all(guardians_all)
    case = Case(youth_id=youth.id, owner_id=sara.id, status="active", referral_source="police",
                referral_date=now.date() - dt.timedelta(days=60), origin_org_id=social,
                category=Category.COORDINATION.value, created_by_id=sara.id)
    db.session.add(case)
    db.session.flush()
    for name in members:
        user = users[name]
        db.session.add(Membership(case_id=case.id, user_id=user.id,
                                  member_org_id=user.organisation_id, function="kontaktperson",
                                  from_date=now.date() - dt.timedelta(days=30),
                                  origin_org_id=social, category=Category.COORDINATION.value,
                                  created_by_id=sara.id))
    return case, guardians


def add_consent(users, orgs, case: Case, guardians: list[Guardian], spec: ConsentSpec) -> Consent:
    sara = users["sara"]
    now = clock.now()
    today = now.date()
    consent = Consent(case_id=case.id, method="signed_form", documented_by_id=sara.id,
                      given_on=today - dt.timedelta(days=30),
                      valid_from=today + dt.timedelta(days=spec.valid_from_days),
                      valid_to=None if spec.valid_to_days is None
                      else today + dt.timedelta(days=spec.valid_to_days),
                      withdrawn_at=now if spec.withdrawn else None,
                      withdrawn_by_id=sara.id if spec.withdrawn else None,
                      origin_org_id=orgs["social"].id, category=Category.IDENTITY.value,
                      created_by_id=sara.id)
    db.session.add(consent)
    db.session.flush()
    if spec.youth_signs:
        db.session.add(ConsentParty(consent_id=consent.id, kind=PartyKind.YOUTH.value,
                                    withdrawn_at=now if spec.youth_withdrew else None))
    for n, guardian in enumerate(guardians[:spec.signing_guardians(len(guardians))]):
        db.session.add(ConsentParty(
            consent_id=consent.id, kind=PartyKind.GUARDIAN.value, guardian_id=guardian.id,
            withdrawn_at=now if spec.first_guardian_withdrew and n == 0 else None))
    for source, recipient, category in itertools.product(SOURCES, SOURCES, CATEGORIES):
        if source == recipient:
            continue
        if spec.grants == "partial" and (category not in PARTIAL_CATEGORIES
                                         or recipient not in PARTIAL_RECIPIENTS):
            continue
        db.session.add(ConsentGrant(
            consent_id=consent.id, source_org_id=orgs[source].id,
            recipient_org_id=orgs[recipient].id, category=category,
            withdrawn_at=now if category == spec.withdrawn_grant_category else None))
    return consent


def add_meeting(users, orgs, case: Case) -> Meeting:
    """A held meeting the police are invited to (so Per may open its page)."""
    sara = users["sara"]
    meeting = Meeting(case_id=case.id, starts_at=clock.now() - dt.timedelta(days=1),
                      status="held", origin_org_id=orgs["social"].id,
                      category=Category.COORDINATION.value, created_by_id=sara.id)
    db.session.add(meeting)
    db.session.flush()
    db.session.add(Participant(meeting_id=meeting.id, case_id=case.id, user_id=users["per"].id,
                               represented_org_id=orgs["police"].id, attendance="present",
                               origin_org_id=orgs["social"].id,
                               category=Category.COORDINATION.value, created_by_id=sara.id))
    return meeting


def add_entry(users, orgs, case: Case, meeting: Meeting, source: str, category: str,
              pre: bool = False, text: str | None = None) -> MinutesEntry:
    author = {"social": "sara", "police": "per", "school": "kim", "leisure": "lo"}[source]
    entry = MinutesEntry(meeting_id=meeting.id, case_id=case.id, origin_org_id=orgs[source].id,
                         category=category, pre_investigation=pre,
                         created_by_id=users[author].id)
    entry.text = text
    db.session.add(entry)
    return entry


def social_to_police_rule() -> StatutoryRule:
    return db.session.scalar(select(StatutoryRule).where(
        StatutoryRule.code == "social_services_to_police_u21"))


def add_disclosure(users, orgs, case: Case, entries: list[MinutesEntry],
                   recipient: str = "police", case_id: str | None = None) -> Disclosure:
    disclosure = Disclosure(case_id=case_id or case.id, rule_id=social_to_police_rule().id,
                            recipient_org_id=orgs[recipient].id,
                            origin_org_id=orgs["social"].id,
                            category=Category.SOCIAL_ASSESSMENT.value,
                            created_by_id=users["sara"].id)
    disclosure.assessment = "Behövs för att förhindra att den unge begår brott."
    db.session.add(disclosure)
    db.session.flush()
    for entry in entries:
        db.session.add(DisclosureItem(disclosure_id=disclosure.id, item_type="minutes_entries",
                                      item_id=entry.id))
    return disclosure


def build_table_world(users, orgs, ages=AGES) -> World:
    world = World()
    today = clock.now().date()
    for age, custody in itertools.product(ages, CUSTODY):
        for state in consent_states(custody):
            case, guardians = add_case(users, orgs, born(age, today), custody)
            world.cases[(age, custody, state)] = case.id
            if state != NO_CONSENT:
                world.consents[case.id] = add_consent(users, orgs, case, guardians,
                                                      SPECS[state]).id
            meeting = add_meeting(users, orgs, case)
            world.meetings[case.id] = meeting.id
            entries = {}
            for source, category, pre, named in items_of_a_case(custody):
                entries[(source, category, pre, named)] = add_entry(
                    users, orgs, case, meeting, source, category, pre)
            db.session.flush()
            add_disclosure(users, orgs, case, [e for k, e in entries.items() if k[3]])
            for key, entry in entries.items():
                world.items[(age, custody, state, *key)] = entry.id
    db.session.commit()
    return world


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def users(personas):
    return personas


def sql_visible_ids(user, case_ids: list[str] | None = None) -> set[str]:
    """The list: every minutes entry the user may see, in the cases they are in."""
    cases = list(db.session.scalars(select(Case).where(accessible(user))))
    if case_ids is not None:
        cases = [c for c in cases if c.id in case_ids]
    return {e.id for case in cases
            for e in db.session.scalars(filtered(user, MinutesEntry, case))}


def sql_shows(user, item_id: str) -> bool:
    """The list, for one item, exactly as a list filters it."""
    entry = db.session.get(MinutesEntry, item_id)
    case = db.session.get(Case, entry.case_id)
    return db.session.scalar(filtered(user, MinutesEntry, case).where(
        MinutesEntry.id == item_id)) is not None


def check(rows: list[Row], world: World, users) -> list[str]:
    """Decide and list every row; every disagreement, with the law or between the two."""
    mismatches = []
    case_ids = sorted(world.cases.values())
    listed = {name: sql_visible_ids(users[name], case_ids) for name in RECIPIENTS}
    entries = {e.id: e for e in db.session.scalars(
        select(MinutesEntry).where(MinutesEntry.case_id.in_(case_ids)))}
    relations = {}
    for row in rows:
        item_id = world.items[row.item_key()]
        entry = entries[item_id]
        user = users[row.recipient]
        key = (row.recipient, entry.case_id)
        if key not in relations:
            relations[key] = relation_to(user, db.session.get(Case, entry.case_id))
        relation = relations[key]
        if row.recipient in NO_ITEM_ROLES:
            assert relation is None
            relation = Relation.MEMBER  # even if they were in the group: no items
        decision = decide(user, relation, entry)
        got = (decision.shown, decision.rule)
        in_list = item_id in listed[row.recipient]
        want = expected(row)
        if in_list != decision.shown:
            mismatches.append(f"{row.id}: decide()={got} but the list "
                              f"{'shows' if in_list else 'hides'} it")
        if got != want:
            mismatches.append(f"{row.id}: expected {want}, decide() gave {got}")
    return mismatches


# --- the table ------------------------------------------------------------------------------

TABLE = table_rows()


def test_decision_table(app, users, orgs):
    """Every row of the table: decide() gives the expected rule, and the SQL list agrees."""
    mismatches = []
    for age in AGES:  # one age at a time keeps the consent tables small (runtime)
        with app.app_context():
            world = build_table_world(users, orgs, ages=(age,))
        with app.app_context():  # a new request
            mismatches += check([row for row in TABLE if row.age == age], world, users)
            # retire this age's consents: their grants go, their cases stay
            db.session.execute(delete(ConsentGrant).where(
                ConsentGrant.consent_id.in_(list(world.consents.values()))))
            db.session.commit()
    assert not mismatches, f"{len(mismatches)} of {len(TABLE)} rows disagree:\n" + \
        "\n".join(mismatches)


def test_the_table_covers_every_rule_and_dimension():
    outcomes = {expected(row) for row in TABLE}
    # A stand-in's reader (view as) is tested in test_view_as.py.
    assert {rule for _, rule in outcomes} == set(Rule) - {Rule.ADDRESSED_TO_ORGANISATION,
                                                          Rule.NOT_FOR_READER}
    assert {row.age for row in TABLE} == set(AGES)
    assert {row.custody for row in TABLE} == set(CUSTODY)
    assert {ORG_OF[row.recipient] for row in TABLE} >= set(SOURCES)
    assert {row.category for row in TABLE} == {*CATEGORIES, UNKNOWN_CATEGORY}
    # every consent state has rows shown and rows withheld
    for state in {row.consent for row in TABLE}:
        assert {expected(r)[0] for r in TABLE if r.consent == state} == {True, False}


# A few rows spelled out, each in a world of its own (readable failures).
SAMPLES = [
    # age, custody, consent, source, category, pre, disclosed, recipient -> shown, rule
    (Row(16, 2, "full", "social", "social_assessment", False, False, "kim"), True, Rule.CONSENT),
    (Row(16, 2, "guardians_only", "social", "social_assessment", False, False, "kim"),
     False, Rule.NO_CONSENT),
    (Row(14, 2, "guardians_only", "social", "social_assessment", False, False, "kim"),
     True, Rule.CONSENT),
    (Row(16, 2, "one_guardian_short", "school", "school_information", False, False, "lo"),
     False, Rule.NO_CONSENT),
    (Row(19, 2, "youth_only", "school", "school_information", False, False, "lo"),
     True, Rule.CONSENT),
    (Row(19, 2, "guardians_only", "school", "school_information", False, False, "lo"),
     False, Rule.NO_CONSENT),
    (Row(14, 1, "youth_withdrew", "leisure", "minutes", False, False, "kim"), True, Rule.CONSENT),
    (Row(16, 1, "youth_withdrew", "leisure", "minutes", False, False, "kim"),
     False, Rule.NO_CONSENT),
    (Row(22, 1, "partial_grants", "social", "minutes", False, False, "kim"), True, Rule.CONSENT),
    (Row(22, 1, "partial_grants", "social", "minutes", False, False, "per"),
     False, Rule.NO_CONSENT),
    (Row(22, 1, "partial_grants", "social", "health_information", False, False, "kim"),
     False, Rule.NO_CONSENT),
    (Row(22, 0, "grant_withdrawn", "school", "social_assessment", False, False, "lo"),
     False, Rule.NO_CONSENT),
    (Row(22, 0, "expired", "school", "coordination", False, False, "lo"), False, Rule.NO_CONSENT),
    (Row(22, 0, "expires_today", "school", "coordination", False, False, "lo"),
     True, Rule.CONSENT),
    (Row(22, 0, "not_yet_valid", "school", "coordination", False, False, "lo"),
     False, Rule.NO_CONSENT),
    (Row(19, 1, "withdrawn", "school", "coordination", False, False, "lo"),
     False, Rule.NO_CONSENT),
    (Row(16, 1, NO_CONSENT, "police", "police_information", False, False, "sara"),
     True, Rule.STATUTORY),
    # Withheld, and not told why: that the police hold such material is secret too.
    (Row(16, 1, NO_CONSENT, "police", "police_information", True, False, "sara"),
     False, Rule.NO_CONSENT),
    # A consent does not lift preliminary-investigation secrecy.
    (Row(16, 1, "full", "police", "police_information", True, False, "sara"),
     False, Rule.NO_CONSENT),
    (Row(16, 1, NO_CONSENT, "police", "police_information", False, False, "kim"),
     False, Rule.NO_CONSENT),
    (Row(16, 1, NO_CONSENT, "social", "social_assessment", False, True, "per"),
     True, Rule.DISCLOSURE),
    (Row(22, 1, NO_CONSENT, "social", "social_assessment", False, True, "per"),
     True, Rule.DISCLOSURE),
    (Row(16, 1, NO_CONSENT, "social", "social_assessment", False, False, "per"),
     False, Rule.NO_CONSENT),
    (Row(16, 1, NO_CONSENT, "social", "social_assessment", False, True, "kim"),
     False, Rule.NO_CONSENT),
    (Row(16, 1, NO_CONSENT, "school", "school_information", True, True, "kim"),
     True, Rule.OWN_ORGANISATION),
    (Row(16, 1, "full", "school", UNKNOWN_CATEGORY, False, False, "kim"),
     False, Rule.UNKNOWN_ITEM),
    (Row(16, 1, "full", "social", UNKNOWN_CATEGORY, False, False, "sara"),
     False, Rule.UNKNOWN_ITEM),
    (Row(16, 1, "full", "school", "school_information", False, False, "maria"),
     False, Rule.ROLE_SEES_NO_ITEMS),
    (Row(16, 1, "full", "social", "social_assessment", False, False, "ali"),
     False, Rule.ROLE_SEES_NO_ITEMS),
    (Row(16, 1, "full", "social", "social_assessment", False, False, "eva"),
     False, Rule.ROLE_SEES_NO_ITEMS),
]


def one_row_world(users, orgs, row: Row) -> tuple[str, MinutesEntry]:
    case, guardians = add_case(users, orgs, born(row.age, clock.now().date()), row.custody)
    if row.consent != NO_CONSENT:
        add_consent(users, orgs, case, guardians, SPECS[row.consent])
    meeting = add_meeting(users, orgs, case)
    entry = add_entry(users, orgs, case, meeting, row.source, row.category,
                      row.pre_investigation)
    db.session.flush()
    if row.disclosed:
        add_disclosure(users, orgs, case, [entry])
    db.session.commit()
    return case.id, entry


def assert_row(app, users, orgs, row: Row, shown: bool, rule: Rule) -> None:
    with app.app_context():
        case_id, entry = one_row_world(users, orgs, row)
    with app.app_context():
        user = users[row.recipient]
        entry = db.session.get(MinutesEntry, entry.id)
        relation = relation_to(user, db.session.get(Case, case_id)) or Relation.MEMBER
        decision = decide(user, relation, entry)
        assert (decision.shown, decision.rule) == (shown, rule)
        assert sql_shows(user, entry.id) is shown


@pytest.mark.parametrize(("row", "shown", "rule"), SAMPLES, ids=[s[0].id for s in SAMPLES])
def test_sample_rows(app, users, orgs, row, shown, rule):
    assert expected(row) == (shown, rule)  # the table says so too
    assert_row(app, users, orgs, row, shown, rule)


# --- regressions: found in an earlier consent.policy / consent.validity ----------------------

# A: a minor with no guardian with custody on record had a valid consent with the youth's
# party only, or with no party at all (14).
BUG_A = [Row(14, 0, "youth_only", "school", "school_information", False, False, "lo"),
         Row(14, 0, "guardians_only", "school", "school_information", False, False, "lo"),
         Row(16, 0, "youth_only", "social", "social_assessment", False, False, "kim")]


@pytest.mark.parametrize("row", BUG_A, ids=[r.id for r in BUG_A])
def test_minor_without_custody_guardian_has_no_valid_consent(app, users, orgs, row):
    assert expected(row) == (False, Rule.NO_CONSENT)
    assert_row(app, users, orgs, row, False, Rule.NO_CONSENT)


# B: a decision under the social services → police rule opened items of any origin.
BUG_B = [Row(16, 1, NO_CONSENT, "school", "school_information", False, True, "per"),
         Row(16, 1, NO_CONSENT, "leisure", "minutes", False, True, "per")]


@pytest.mark.parametrize("row", BUG_B, ids=[r.id for r in BUG_B])
def test_disclosure_opens_only_the_flow_of_its_rule(app, users, orgs, row):
    assert expected(row) == (False, Rule.NO_CONSENT)
    assert_row(app, users, orgs, row, False, Rule.NO_CONSENT)


def test_a_disclosure_of_another_case_opens_nothing(app, users, orgs):
    """C: decide() ignored the decision's case, visible() did not: page and list disagreed."""
    with app.app_context():
        today = clock.now().date()
        case, _ = add_case(users, orgs, born(16, today), 1)
        other, _ = add_case(users, orgs, born(17, today), 1)
        meeting = add_meeting(users, orgs, case)
        entry = add_entry(users, orgs, case, meeting, "social", "social_assessment")
        db.session.flush()
        add_disclosure(users, orgs, case, [entry], case_id=other.id)  # a malformed decision
        db.session.commit()
    with app.app_context():
        per = users["per"]
        entry = db.session.get(MinutesEntry, entry.id)
        listed = sql_shows(per, entry.id)
        decision = decide(per, Relation.MEMBER, entry)
        assert decision.shown == listed, "page and list disagree"
        assert (decision.shown, decision.rule) == (False, Rule.NO_CONSENT)


# --- random combinations: decide() and visible() agree ---------------------------------------

GRANT_FLOWS = [(s, r, c) for s, r, c in itertools.product(SOURCES, SOURCES, CATEGORIES)
               if s != r]


def test_random_combinations_decide_and_list_agree(app, users, orgs):
    """Random worlds (several consents per case, random parties and grants withdrawn,
    disclosures to any organisation, birthdays today and tomorrow): the page and the list
    never disagree, and both follow the law."""
    party = st.sampled_from(["signed", "withdrawn", "absent"])
    consent = st.fixed_dictionaries({
        "youth": party, "guardians": st.lists(party, min_size=2, max_size=2),
        "valid_from": st.sampled_from([-30, 0, 1]), "valid_to": st.sampled_from([None, -1, 0, 30]),
        "withdrawn": st.booleans(),
        "grants": st.lists(st.tuples(st.sampled_from(GRANT_FLOWS), st.booleans()),
                           max_size=12)})
    item = st.tuples(st.sampled_from(SOURCES), st.sampled_from([*CATEGORIES, UNKNOWN_CATEGORY]),
                     st.booleans(), st.sampled_from([None, "police", "school", "social"]))
    world = st.fixed_dictionaries({
        "age": st.integers(min_value=12, max_value=24), "custody": st.sampled_from(CUSTODY),
        "birthday_in": st.sampled_from([-1, 0, 1, 100]),
        "consents": st.lists(consent, max_size=2), "items": st.lists(item, min_size=1,
                                                                     max_size=4)})

    @settings(derandomize=True, max_examples=100, deadline=None, database=None)
    @given(world)
    def agree(w):
        with app.app_context():
            today = clock.now().date()
            birth = born(w["age"], today, w["birthday_in"])
            case, guardians = add_case(users, orgs, birth, w["custody"])
            made = []
            for c in w["consents"]:
                made.append(add_random_consent(users, orgs, case, guardians, c, today,
                                               age_on(birth, today)))
            meeting = add_meeting(users, orgs, case)
            entries = []
            for source, category, pre, disclosed_to in w["items"]:
                entry = add_entry(users, orgs, case, meeting, source, category, pre)
                db.session.flush()
                if disclosed_to:
                    add_disclosure(users, orgs, case, [entry], recipient=disclosed_to)
                entries.append((entry.id, source, category, pre, disclosed_to))
            db.session.commit()
            case_id = case.id
        with app.app_context():  # a new request
            case = db.session.get(Case, case_id)
            for name in RECIPIENTS:
                user = users[name]
                relation = relation_to(user, case) or Relation.MEMBER
                for entry_id, source, category, pre, disclosed_to in entries:
                    entry = db.session.get(MinutesEntry, entry_id)
                    decision = decide(user, relation, entry)
                    assert sql_shows(user, entry_id) is decision.shown, (name, source, category)
                    want = law_for_random(made, name, source, category, pre, disclosed_to)
                    assert (decision.shown, decision.rule) == want, (name, source, category)

    agree()


def add_random_consent(users, orgs, case, guardians, c, today, age: int) -> dict:
    now = clock.now()
    consent = Consent(case_id=case.id, method="oral", documented_by_id=users["sara"].id,
                      given_on=today, valid_from=today + dt.timedelta(days=c["valid_from"]),
                      valid_to=None if c["valid_to"] is None
                      else today + dt.timedelta(days=c["valid_to"]),
                      withdrawn_at=now if c["withdrawn"] else None,
                      origin_org_id=orgs["social"].id, category=Category.IDENTITY.value,
                      created_by_id=users["sara"].id)
    db.session.add(consent)
    db.session.flush()
    if c["youth"] != "absent":
        db.session.add(ConsentParty(consent_id=consent.id, kind=PartyKind.YOUTH.value,
                                    withdrawn_at=now if c["youth"] == "withdrawn" else None))
    for guardian, state in zip(guardians, c["guardians"], strict=False):
        if state != "absent":
            db.session.add(ConsentParty(consent_id=consent.id, kind=PartyKind.GUARDIAN.value,
                                        guardian_id=guardian.id,
                                        withdrawn_at=now if state == "withdrawn" else None))
    flows = set()
    for (source, recipient, category), withdrawn in c["grants"]:
        db.session.add(ConsentGrant(consent_id=consent.id, source_org_id=orgs[source].id,
                                    recipient_org_id=orgs[recipient].id, category=category,
                                    withdrawn_at=now if withdrawn else None))
        if not withdrawn:
            flows.add((source, recipient, category))
    custody = len(guardians)
    signed = [s for s in c["guardians"][:custody] if s == "signed"]
    holds_by_law = (not c["withdrawn"] and c["valid_from"] <= 0
                    and (c["valid_to"] is None or c["valid_to"] >= 0)
                    and (c["youth"] == "signed" if age >= 18 else
                         custody > 0 and len(signed) == custody
                         and (age < 15 or c["youth"] == "signed")))
    return {"holds": holds_by_law, "flows": flows}


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def law_for_random(consents, name, source, category, pre, disclosed_to) -> tuple[bool, Rule]:
    """The law for one random row."""
    if name in NO_ITEM_ROLES:
        return False, Rule.ROLE_SEES_NO_ITEMS
    if category not in CATEGORIES:
        return False, Rule.UNKNOWN_ITEM
    to = ORG_OF[name]
    if source == to:
        return True, Rule.OWN_ORGANISATION
    if pre:
        return False, (Rule.PRE_INVESTIGATION if to == "police" else Rule.NO_CONSENT)
    if any(c["holds"] and (source, to, category) in c["flows"] for c in consents):
        return True, Rule.CONSENT
    if source == "police" and to == "social":
        return (False, Rule.PRE_INVESTIGATION) if pre else (True, Rule.STATUTORY)
    if disclosed_to == "police" == to and source == "social":
        return True, Rule.DISCLOSURE
    return False, Rule.NO_CONSENT


def test_consent_follows_the_birthday(app, users, orgs, fake_clock):
    """At 15 the youth's own consent becomes necessary; at 18 it alone suffices — from
    the birthday on, in the first request of that day."""
    with app.app_context():
        today = clock.now().date()
        turns_15, guardians_15 = add_case(users, orgs, born(15, today, -1), 1)
        add_consent(users, orgs, turns_15, guardians_15, SPECS["guardians_only"])
        turns_18, guardians_18 = add_case(users, orgs, born(18, today, -1), 1)
        add_consent(users, orgs, turns_18, guardians_18, SPECS["youth_only"])
        entries = []
        for case in (turns_15, turns_18):
            entry = add_entry(users, orgs, case, add_meeting(users, orgs, case), "school",
                              "school_information")
            entries.append(entry)
        db.session.commit()
        ids = [e.id for e in entries]

    def outcomes():
        with app.app_context():
            lo = users["lo"]
            result = []
            for entry_id in ids:
                decision = decide(lo, Relation.MEMBER, db.session.get(MinutesEntry, entry_id))
                assert sql_shows(lo, entry_id) is decision.shown
                result.append(decision.rule)
            return result

    assert outcomes() == [Rule.CONSENT, Rule.NO_CONSENT]  # 14 and 17 today
    fake_clock.advance(days=1)
    assert outcomes() == [Rule.NO_CONSENT, Rule.CONSENT]  # 15 and 18 today


# --- the very next request; and Fred ---------------------------------------------------------


def test_a_withdrawal_takes_effect_on_the_very_next_request(app, users, orgs, fake_clock):
    with app.app_context():
        case, guardians = add_case(users, orgs, born(16, clock.now().date()), 1)
        add_consent(users, orgs, case, guardians, SPECS["full"])
        meeting = add_meeting(users, orgs, case)
        entry = add_entry(users, orgs, case, meeting, "school", "school_information",
                          text="Frånvaro fyrtio procent i mars")
        db.session.commit()
        case_id, meeting_id, entry_id = case.id, meeting.id, entry.id
    per = app.test_client()
    login(per, users["per"], fake_clock=fake_clock)
    url = f"/cases/{case_id}/meetings/{meeting_id}"

    before = per.get(url)
    assert before.status_code == 200
    assert "Frånvaro fyrtio procent" in text_of(before) and entry_id in text_of(before)

    with app.app_context():  # the school → police grant is withdrawn, nothing else
        grant = db.session.scalar(select(ConsentGrant).where(
            ConsentGrant.source_org_id == orgs["school"].id,
            ConsentGrant.recipient_org_id == orgs["police"].id,
            ConsentGrant.category == "school_information"))
        grant.withdrawn_at = clock.now()
        grant.withdrawn_by_id = users["sara"].id
        db.session.commit()

    after = per.get(url)
    assert after.status_code == 200
    page = text_of(after)
    assert "Frånvaro fyrtio procent" not in page and entry_id not in page
    assert "withheld-notice" in page  # he sees that something is withheld, not what
    with app.app_context():
        entry = db.session.get(MinutesEntry, entry_id)
        decision = decide(users["per"], Relation.MEMBER, entry)
        assert (decision.shown, decision.rule) == (False, Rule.NO_CONSENT)
        assert not sql_shows(users["per"], entry_id)


def test_fred_sees_nothing_of_these_cases(app, users, orgs, fake_clock):
    """Fred (police, a member of another case) has no relation to the table's cases:
    404 on every page, PolicyError from decide(), nothing in any list — although the
    items are his own organisation's or would reach the police by disclosure."""
    with app.app_context():
        today = clock.now().date()
        case, guardians = add_case(users, orgs, born(16, today), 1)
        add_consent(users, orgs, case, guardians, SPECS["full"])
        meeting = add_meeting(users, orgs, case)
        police = add_entry(users, orgs, case, meeting, "police", "police_information",
                           text="Polisens anteckning")
        social = add_entry(users, orgs, case, meeting, "social", "social_assessment")
        db.session.flush()
        add_disclosure(users, orgs, case, [social])
        his_case, _ = add_case(users, orgs, born(15, today), 1, members=("fred",))
        his_meeting = add_meeting(users, orgs, his_case)
        his = add_entry(users, orgs, his_case, his_meeting, "police", "police_information")
        db.session.commit()
        ids = (case.id, meeting.id, police.id, social.id, his.id)
    case_id, meeting_id, police_id, social_id, his_id = ids
    fred = users["fred"]

    client = app.test_client()
    login(client, fred, fake_clock=fake_clock)
    for url in (f"/cases/{case_id}", f"/cases/{case_id}/meetings/{meeting_id}",
                f"/cases/{case_id}/print"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Polisens anteckning" not in text_of(response)

    with app.app_context():
        case = db.session.get(Case, case_id)
        assert relation_to(fred, case) is None
        for item_id in (police_id, social_id):
            with pytest.raises(PolicyError):
                decide(fred, None, db.session.get(MinutesEntry, item_id))
        assert sql_visible_ids(fred) == {his_id}
        assert relation_to(users["per"], case) is Relation.MEMBER
        assert sql_visible_ids(users["per"], [case_id]) == {police_id, social_id}
