"""The policy's registry: every item model is registered, and for every registered kind
``decide()``, ``filtered()``, ``shown_in_cases()``, ``annotated()`` and ``withheld()``
agree — on random worlds of several cases and youths, with consents and disclosures in
other cases (the uncorrelated identity condition failed this), Fred included.  "View as"
never shows the owner what her own page withholds."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consent.categories import KNOWN, Category
from consent.items import NOT_A_CASE_ITEM, REGISTRY, kinds
from consent.models import ConsentGrant
from consent.policy import (
    CaseRows,
    PolicyError,
    Reading,
    Relation,
    Rule,
    annotated,
    decide,
    filtered,
    shown_in_cases,
    shown_item,
    withheld,
)
from kernel import clock
from kernel.db import Base, db
from sig.cases.access import accessible, relation_to
from sig.cases.models import Case
from sig.casework.sharing import StandIn
from sig.documents.models import Document
from sig.meetings.models import Meeting, MinutesEntry, Participant
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action, Change, Goal
from sig.referrals.models import Referral
from tests.test_policy_table import (
    SOURCES,
    SPECS,
    add_case,
    add_consent,
    add_disclosure,
    add_meeting,
    born,
)

AUTHOR = {"social": "sara", "police": "per", "school": "kim", "leisure": "lo"}
MEMBERS = ("sara", "per", "kim", "lo", "fred")


@pytest.fixture
def users(personas):
    return personas


def test_every_model_with_case_information_is_registered(app):
    """A model with an origin and a category is a case item or says it is not one."""
    with_items = {m.class_.__tablename__ for m in Base.registry.mappers
                  if {"origin_org_id", "category"} <= set(m.columns.keys())}
    not_items = {t for t in with_items
                 if Base.metadata.tables[t] is not None and t not in REGISTRY}
    assert set(REGISTRY) == {"youths", "guardians", "memberships", "goals", "actions",
                             "changes", "meetings", "participants", "minutes_entries",
                             "outcome_events", "referrals", "documents"}
    assert not_items == {"cases", "consents", "disclosures"}
    for table in not_items:
        model = next(m.class_ for m in Base.registry.mappers if m.class_.__tablename__ == table)
        assert model.__dict__["__item__"] is NOT_A_CASE_ITEM


def test_a_model_that_forgets_to_register_fails_at_import():
    from sqlalchemy import Integer
    from sqlalchemy.orm import mapped_column

    from consent.items import ItemMixin

    with pytest.raises(TypeError, match="__item__"):
        class Forgotten(ItemMixin, Base):  # never mapped
            __tablename__ = "forgotten_items"
            id = mapped_column(Integer, primary_key=True)
    assert "forgotten_items" not in Base.metadata.tables


def test_an_unregistered_model_is_refused(app):
    with app.app_context():
        case = Case(id="x" * 36, youth_id="y" * 36)
        with pytest.raises(PolicyError):
            filtered(object(), Case, case)


# --- random worlds -------------------------------------------------------------------------------


def _item(model, case, orgs, users, source: str, category: str, pre: bool, **extra):
    item = model(case_id=case.id, origin_org_id=orgs[source].id, category=category,
                 pre_investigation=pre, created_by_id=users[AUTHOR[source]].id, **extra)
    db.session.add(item)
    db.session.flush()
    return item


def build_world(users, orgs, rng: random.Random, n_cases: int) -> list[str]:
    """``n_cases`` cases of different youths, Fred in the last one only; in each a random
    consent (or none), items of every registered kind from random organisations and
    categories, some flagged, some named in a disclosure decision."""
    today = clock.now().date()
    case_ids = []
    for n in range(n_cases):
        members = ("per", "kim", "lo", "fred") if n == n_cases - 1 else ("per", "kim", "lo")
        case, guardians = add_case(users, orgs, born(rng.choice([13, 16, 19]), today),
                                   rng.choice([1, 2]), members=members)
        if rng.random() < 0.7:
            consent = add_consent(users, orgs, case, guardians,
                                  SPECS[rng.choice(["full", "partial_grants", "expired",
                                                    "youth_only", "grant_withdrawn"])])
            db.session.flush()
            for grant in db.session.scalars(select(ConsentGrant).where(
                    ConsentGrant.consent_id == consent.id)):
                if rng.random() < 0.4:
                    db.session.delete(grant)
        meeting = add_meeting(users, orgs, case)
        entries = []
        for _ in range(rng.randint(3, 8)):
            source = rng.choice(SOURCES)
            category = rng.choice([*sorted(KNOWN), "unknown_category"])
            pre = source == "police" and rng.random() < 0.3
            kind = rng.choice(["goal", "action", "meeting", "participant", "minutes",
                               "outcome", "change", "referral", "document"])
            if kind in ("goal", "action", "change"):
                goal = _item(Goal, case, orgs, users, source, category, pre,
                             life_area="school")
                goal.description = "mål"
                if kind == "action":
                    responsible = rng.choice(SOURCES)
                    _item(Action, case, orgs, users, source, category, pre, goal_id=goal.id,
                          responsible_org_id=orgs[responsible].id, status="planned")
                if kind == "change":
                    db.session.add(Change(
                        case_id=case.id, item_type="goal", item_id=goal.id,
                        origin_org_id=orgs[source].id, category=category,
                        pre_investigation=pre, field="description",
                        addressed_org_id=orgs[rng.choice(SOURCES)].id,
                        changed_by_id=users[AUTHOR[source]].id))
            elif kind == "meeting":
                other = _item(Meeting, case, orgs, users, source, category, pre,
                              starts_at=clock.now(), status="planned")
                if rng.random() < 0.5:
                    invited = rng.choice(SOURCES)
                    _item(Participant, case, orgs, users, "social", "coordination", False,
                          meeting_id=other.id, represented_org_id=orgs[invited].id)
            elif kind == "participant":
                role = rng.choice([None, "youth", "guardian"])
                _item(Participant, case, orgs, users, source,
                      "identity" if role else category, pre, meeting_id=meeting.id,
                      external_role=role,
                      represented_org_id=None if role else orgs[rng.choice(SOURCES)].id)
            elif kind == "minutes":
                entries.append(_item(MinutesEntry, case, orgs, users, source, category, pre,
                                     meeting_id=meeting.id))
            elif kind == "document":
                document = _item(Document, case, orgs, users, source, category, pre,
                                 mime="application/pdf", extension="pdf", size=9)
                document.title = "dokument"
            elif kind == "referral":  # a proposal accepted into the case
                addressed = rng.choice(["social", *SOURCES])
                _item(Referral, case, orgs, users, source, category, pre,
                      to_org_id=orgs[addressed].id, reason="suspected_crime",
                      state="accepted")
                # ... and one still on an intake list: part of no case
                db.session.add(Referral(case_id=None, origin_org_id=orgs[source].id,
                                        category=category, created_by_id=users[
                                            AUTHOR[source]].id, to_org_id=orgs["social"].id,
                                        reason="other", state="pending"))
            else:
                _item(OutcomeEvent, case, orgs, users, source, category, pre,
                      kind="police_report", occurred_on=today,
                      source_org_id=orgs[source].id)
        named = [e for e in entries if rng.random() < 0.5]
        if named:
            add_disclosure(users, orgs, case, named, recipient=rng.choice(["police", "school"]))
        case_ids.append(case.id)
    db.session.commit()
    return case_ids


# Every kind's rows as a list declared once (the pages' way: ``CaseRows``).
WHOLE: dict[str, CaseRows] = {}


def _whole(kind) -> CaseRows:
    return WHOLE.setdefault(kind.table, CaseRows(kind.model))


def _check_agreement(users, case_ids: list[str]) -> None:
    cases = [db.session.get(Case, c) for c in case_ids]
    for name in MEMBERS:
        user = users[name]
        mine = [c for c in cases if relation_to(user, c) is not None]
        assert {c.id for c in db.session.scalars(select(Case).where(accessible(user)))
                if c.id in case_ids} == {c.id for c in mine}
        pairs: dict[str, set[tuple[str, str]]] = {}
        for case in mine:
            relation = relation_to(user, case)
            hidden = 0
            by_kind = {}
            for kind in kinds():
                rows = db.session.execute(annotated([user], kind.model, case)).all()
                shown = {item.id for item, _s in rows
                         if decide(user, relation, item, case).shown}
                assert {item.id for item, s in rows if s} == shown, (name, kind.table)
                listed = {i.id for i in db.session.scalars(filtered(user, kind.model, case))}
                assert listed == shown, (name, kind.table)
                pairs.setdefault(kind.table, set()).update((i, case.id) for i in shown)
                if kind.announced:
                    hidden += len(rows) - len(shown)
                    by_kind[kind.table] = [(i.origin_org_id, i.category, i.pre_investigation)
                                           for i, _s in rows if i.id not in shown]
            reading = Reading(user, relation, case)
            declared = Reading(user, relation, case)
            other = next(c for c in cases if c.id != case.id)
            for kind in kinds():  # the reading lists what the SQL lists, in its own pass
                listed = {i.id for i in db.session.scalars(filtered(user, kind.model, case))}
                assert {i.id for i in reading.items(kind.model)} == listed
                # a declared list binds the reading's case: another case named by the
                # caller changes nothing
                assert {i.id for i in declared.items(
                    _whole(kind), case_id=other.id, youth_id=other.youth_id)} == listed
                # one item by its id: itself where shown, nothing where withheld
                for item in db.session.scalars(annotated([user], kind.model, case)).all()[:4]:
                    found = shown_item(user, relation, case, kind.model, item.id)
                    assert (found is item) == (item.id in listed), (name, kind.table)
                    assert found is None or item.id in listed
            notices = reading.withheld()
            assert sum(w.count for w in notices) == hidden, (name, notices, by_kind)
            # the participants taken from the meetings read (one narrowed read first):
            # the same rows as the SQL, each once
            second = Reading(user, relation, case)
            second.items(Meeting, Meeting.status == "held")
            second.items(Meeting)
            via = [p.id for p in second.items_of(Participant, Meeting, "participants")]
            assert len(via) == len(set(via))
            assert set(via) == {p.id for p in db.session.scalars(
                filtered(user, Participant, case))}
        for kind in kinds():
            across = {(item.id, case_id)
                      for item, case_id in shown_in_cases(user, kind.model, mine)}
            assert across == pairs.get(kind.table, set()), (name, kind.table)
            declared_across = {(item.id, case_id) for item, case_id in shown_in_cases(
                user, _whole(kind), mine, case_ids=[c.id for c in cases])}
            assert declared_across == across, (name, kind.table)
    # Fred is in the last case only: the others are not his to decide on at all
    fred = users["fred"]
    for case in cases[:-1]:
        assert relation_to(fred, case) is None
        with pytest.raises(PolicyError):
            decide(fred, None, db.session.scalars(filtered(users["sara"], Goal, case)).first()
                   or Goal(case_id=case.id, origin_org_id="x", category="coordination"))


def _check_view_as(users, orgs, case_ids: list[str]) -> None:
    sara = users["sara"]
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        for org_key in SOURCES:
            org = orgs[org_key]
            looking = StandIn.of(org, sara, intersect=True)
            pure = StandIn.of(org, sara, intersect=False)
            told = 0
            for kind in kinds():
                own = {i.id for i in db.session.scalars(filtered(sara, kind.model, case))}
                as_org = {i.id for i in db.session.scalars(filtered(pure, kind.model, case))}
                through = {i.id for i in db.session.scalars(filtered(looking, kind.model, case))}
                assert through <= own, (org_key, kind.table)
                assert through == own & as_org, (org_key, kind.table)
                for item in db.session.scalars(filtered(pure, kind.model, case)):
                    decision = decide(looking, Relation.MEMBER, item, case)
                    assert decision.shown is (item.id in own)
                    if not decision.shown:
                        assert decision.rule is Rule.NOT_FOR_READER
                if kind.announced:
                    told += len(as_org - own)
            notices = withheld(looking, case, Relation.MEMBER)
            assert sum(w.count for w in notices if w.rule is Rule.NOT_FOR_READER) == told


def test_decide_and_the_sql_paths_agree_for_every_registered_kind(app, users, orgs):
    @settings(derandomize=True, max_examples=6, deadline=None, database=None)
    @given(st.integers(min_value=0, max_value=10**6))
    def agree(seed):
        with app.app_context():
            case_ids = build_world(users, orgs, random.Random(seed), 3)  # noqa: S311
        with app.app_context():  # a new request
            _check_agreement(users, case_ids)
        with app.app_context():
            _check_view_as(users, orgs, case_ids)

    agree()


def test_no_identity_item_is_shown_in_a_case_whose_consent_does_not_cover_it(app, users,
                                                                             orgs):
    """The uncorrelated-subquery bug: one identity consent anywhere opened every youth."""
    with app.app_context():
        today = clock.now().date()
        first, guardians = add_case(users, orgs, born(16, today), 1)
        add_consent(users, orgs, first, guardians, SPECS["full"])
        second, _g = add_case(users, orgs, born(16, today), 1)
        db.session.commit()
        first_id, second_id = first.id, second.id
    with app.app_context():
        per = users["per"]
        first, second = db.session.get(Case, first_id), db.session.get(Case, second_id)
        from sig.youths.models import Guardian, Youth

        for model in (Youth, Guardian):
            assert db.session.scalars(filtered(per, model, first)).all()
            assert not db.session.scalars(filtered(per, model, second)).all()
        shown = {case_id for _y, case_id in shown_in_cases(per, Youth, [first, second])}
        assert shown == {first_id}
        notices = withheld(per, second, relation_to(per, second))
        assert {w.category for w in notices} >= {Category.IDENTITY.value}


def test_a_kinds_scope_says_the_same_in_sql_and_for_a_loaded_row(app, users, orgs):
    from sig.cases.models import Membership
    from sig.youths.models import Guardian

    with app.app_context():
        today = clock.now().date()
        case, guardians = add_case(users, orgs, born(16, today), 2)
        guardians[0].removed_at = clock.now()
        db.session.flush()
        membership = db.session.scalars(select(Membership).where(
            Membership.case_id == case.id)).first()
        membership.removed_at = clock.now()
        db.session.commit()
        scoped = [k for k in kinds() if k.scope is not None]
        assert {k.model for k in scoped} >= {Membership, Guardian}
        for kind in scoped:
            rows = db.session.scalars(select(kind.model)).all()
            inside = set(db.session.scalars(select(kind.model.id).where(
                kind.scope.sql(kind.model))))
            assert {r.id for r in rows if kind.scope.check(r)} == inside, kind.table
            assert inside and len(inside) < len(rows), kind.table  # both sides tried


def test_the_guardians_loaded_with_the_youth_are_those_the_sql_reads(app, users, orgs):
    """The case loader reads the youth with all its guardians; the case page takes the
    current ones from there (no statement) and decides them as a read would; a case
    read otherwise has none loaded, and the reading reads them itself."""
    from flask_login import login_user
    from sqlalchemy import event, inspect

    from sig.cases.access import load_case
    from sig.youths.models import Guardian, Youth

    with app.app_context():
        today = clock.now().date()
        case, guardians = add_case(users, orgs, born(16, today), 2)
        add_consent(users, orgs, case, guardians, SPECS["full"])
        guardians[1].removed_at = clock.now()
        db.session.commit()
        case_id = case.id
    for name in ("sara", "per", "kim", "lo"):
        with app.test_request_context():
            user = db.session.get(type(users[name]), users[name].id)
            case = db.session.get(Case, case_id)
            relation = relation_to(user, case)
            direct = Reading(user, relation, case)
            direct.items(Youth)
            expected = [g.id for g in direct.items(
                Guardian, order_by=[Guardian.created_at, Guardian.id])]
            expected_withheld = direct.withheld()
        with app.test_request_context():  # a request of its own: nothing read yet
            user = db.session.get(type(users[name]), users[name].id)
            login_user(user)
            case, _relation = load_case(case_id)  # the youth and guardians come with it
            reading = Reading(user, relation, case)
            reading.items(Youth)
            statements: list[str] = []
            engine = db.session.get_bind()

            def listen(*args, seen=statements) -> None:
                seen.append(args[2])

            event.listen(engine, "before_cursor_execute", listen)
            try:
                via = [g.id for g in reading.items_of(Guardian, Youth, "guardians")]
            finally:
                event.remove(engine, "before_cursor_execute", listen)
            assert via == expected, name
            assert guardians[1].id not in via
            assert statements == [], name
            assert reading.withheld() == expected_withheld, name
    with app.app_context():
        bare, _g = add_case(users, orgs, born(16, today), 2)
        db.session.commit()
        bare_id = bare.id
    with app.test_request_context():
        sara = db.session.get(type(users["sara"]), users["sara"].id)
        bare = db.session.get(Case, bare_id)
        reading = Reading(sara, relation_to(sara, bare), bare)
        reading.items(Youth)
        assert "guardians" in inspect(bare.youth).unloaded
        via = [g.id for g in reading.items_of(Guardian, Youth, "guardians",
                                              order_by=[Guardian.created_at, Guardian.id])]
        assert via == [g.id for g in db.session.scalars(select(Guardian).where(
            Guardian.youth_id == bare.youth_id).order_by(Guardian.created_at, Guardian.id))]


@pytest.mark.parametrize("specs", [
    ("full",), ("partial_grants", "grant_withdrawn"), ("expired", "youth_withdrew"),
    ("guardian_withdrew", "not_yet_valid", "expires_today"), ("withdrawn",), ()])
def test_the_flows_from_the_owners_live_consents_are_those_the_policy_reads(
        app, users, orgs, specs):
    """The owner's consent box reads the case's live consents first; the policy then
    takes its flows from them.  For every organisation and every kind of consent the
    flows are those it reads itself."""
    from consent.grants import _consent_flows
    from consent.validity import live_consents

    with app.app_context():
        case, guardians = add_case(users, orgs, born(16, clock.now().date()), 2)
        for name in specs:
            add_consent(users, orgs, case, guardians, SPECS[name])
        db.session.commit()
        ids = frozenset({case.id})
    opened = 0
    for org in orgs.values():
        with app.test_request_context():
            read = _consent_flows(org.id, ids)
        with app.test_request_context():
            live_consents(ids, clock.local_today())
            taken = _consent_flows(org.id, ids)
        assert taken == read, (org.name, specs)
        opened += len(read)
    holding = {"full", "partial_grants", "grant_withdrawn", "expires_today"}
    assert (opened > 0) is bool(holding.intersection(specs)), specs
