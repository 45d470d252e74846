"""The one permission table (relation × organisation kind → act and scope) and the case-route
declarations that read it.  The pages are the matrix's (``tests/test_case_matrix.py``);
here the table itself, with Fred, whose relation to the case is none."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Blueprint

from auth.roles import OrganisationKind
from consent.policy import Relation
from sig.cases.rights import PLAN_CHANGES, TABLE, CasePermission, Rights, Scope, allows, scope
from sig.cases.routes import CASE_ROUTES, case_route

P = CasePermission


def person(user_id: str, org_id: str, kind: OrganisationKind) -> SimpleNamespace:
    return SimpleNamespace(id=user_id, organisation_id=org_id,
                           organisation=SimpleNamespace(kind=kind.value))


SARA = person("sara", "social", OrganisationKind.SOCIAL_SERVICES)
PER = person("per", "police", OrganisationKind.POLICE)
KIM = person("kim", "school", OrganisationKind.SCHOOL)
FRED = person("fred", "police", OrganisationKind.POLICE)


def item(origin: str, by: str, **more: str) -> SimpleNamespace:
    return SimpleNamespace(origin_org_id=origin, created_by_id=by, **more)


def test_without_a_relation_nothing_is_allowed():
    """Fred (police, not in the group) has no relation: every act is refused, whatever his
    organisation's row says."""
    for permission in CasePermission:
        assert scope(FRED, None, permission) is None
        assert not allows(FRED, None, permission)
        assert not allows(FRED, None, permission, item("police", "fred"))


def test_the_owner_holds_every_act_and_edits_only_her_own_minutes():
    for permission in CasePermission:
        assert allows(SARA, Relation.OWNER, permission), permission
    assert allows(SARA, Relation.OWNER, P.EDIT_ACTION, item("police", "per"))
    assert allows(SARA, Relation.OWNER, P.EDIT_MINUTES, item("social", "sara"))
    assert not allows(SARA, Relation.OWNER, P.EDIT_MINUTES, item("police", "per"))


@pytest.mark.parametrize("member", [PER, KIM], ids=["police", "school"])
def test_a_member_acts_for_their_own_organisation_only(member):
    own = member.organisation_id
    for permission in (P.MANAGE_GROUP, P.MANAGE_CASE, P.MANAGE_CONSENTS,
                       P.DECIDE_DISCLOSURES, P.VIEW_SHARING, P.MANAGE_MEETINGS):
        assert not allows(member, Relation.MEMBER, permission), permission
    assert allows(member, Relation.MEMBER, P.READ)
    # goals and actions: recorded by, or addressed to, the own organisation
    assert allows(member, Relation.MEMBER, P.EDIT_GOAL, item(own, "someone"))
    assert not allows(member, Relation.MEMBER, P.EDIT_GOAL, item("social", "sara"))
    # (an action's addressed-to is read through the policy's registry; a plain object
    # has none, so the origin decides here)
    assert allows(member, Relation.MEMBER, P.EDIT_ACTION, item(own, "sara"))
    assert not allows(member, Relation.MEMBER, P.EDIT_ACTION, item("social", "sara"))
    # attendance: the own row only, whoever recorded it
    own_row = item("social", "sara", user_id=member.id)
    other_row = item("social", "sara", user_id="someone-else")
    assert allows(member, Relation.MEMBER, P.RECORD_ATTENDANCE, own_row)
    assert not allows(member, Relation.MEMBER, P.RECORD_ATTENDANCE, other_row)
    # minutes: everyone in the group writes; only the writer changes an entry
    assert allows(member, Relation.MEMBER, P.WRITE_MINUTES)
    assert allows(member, Relation.MEMBER, P.EDIT_MINUTES, item(own, member.id))
    assert not allows(member, Relation.MEMBER, P.EDIT_MINUTES, item(own, "a-colleague"))


def test_only_the_police_among_members_record_outcome_events():
    assert scope(PER, Relation.MEMBER, P.RECORD_OUTCOMES) is Scope.OWN_ORGANISATION
    assert scope(KIM, Relation.MEMBER, P.RECORD_OUTCOMES) is None
    assert scope(SARA, Relation.OWNER, P.RECORD_OUTCOMES) is Scope.CASE


def test_an_unknown_organisation_kind_gets_the_plain_member_row():
    stranger = SimpleNamespace(id="x", organisation_id="o",
                               organisation=SimpleNamespace(kind="martian"))
    assert scope(stranger, Relation.MEMBER, P.RECORD_OUTCOMES) is None
    assert allows(stranger, Relation.MEMBER, P.READ)


def test_read_only_and_closed_pages_offer_no_change():
    view_as = Rights(SARA, Relation.OWNER, read_only=True)
    assert view_as.may(P.READ)
    assert not any(view_as.may(p) for p in CasePermission if p is not P.READ)
    closed = Rights(SARA, Relation.OWNER, closed=True)
    assert not any(closed.may(p) for p in PLAN_CHANGES)
    assert closed.may(P.MANAGE_CONSENTS)  # only the plan is read-only once closed
    assert Rights(FRED, None).may(P.READ) is False


def test_every_scope_in_the_table_is_a_scope_and_the_owner_row_is_complete():
    for row in TABLE.values():
        assert all(isinstance(s, Scope) for s in row.values())
    assert set(TABLE[Relation.OWNER, None]) == set(CasePermission)


def test_a_declaration_must_name_the_item_its_scope_is_checked_on(app):
    bp = Blueprint("declaration_test", __name__)
    with pytest.raises(TypeError):
        case_route(bp, "/cases/<id:case_id>/nothing", needs=P.EDIT_GOAL, on="goal")


def test_every_declared_route_needs_a_permission_of_the_table(app):
    assert len(CASE_ROUTES) >= 37
    for endpoint, declared in CASE_ROUTES.items():
        assert isinstance(declared.needs, CasePermission), endpoint
        assert declared.rule.startswith("/cases/<id:case_id>"), endpoint
        if declared.on is not None:
            assert f"{declared.on}_id" in declared.items, endpoint
