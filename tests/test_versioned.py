"""The one optimistic-lock implementation (``kernel.versioned``), used by the plan and the
meetings: a stale form, a junk version and a concurrent save all refuse the write."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from consent.categories import Category
from kernel import clock
from kernel.db import db
from kernel.versioned import Conflict, check_version, flush_or_conflict
from sig.plans.models import Goal
from tests.test_policy_table import add_case, born


def _goal(users, orgs) -> str:
    case, _g = add_case(users, orgs, born(16, clock.now().date()), 1)
    goal = Goal(case_id=case.id, life_area="school", origin_org_id=orgs["social"].id,
                category=Category.COORDINATION.value, created_by_id=users["sara"].id)
    goal.description = "Går i skolan"
    db.session.add(goal)
    db.session.commit()
    return goal.id


@pytest.mark.parametrize("expected", [None, "", "abc", "0", 2])
def test_a_form_not_based_on_the_current_version_is_a_conflict(app, personas, orgs,
                                                                expected):
    with app.app_context():
        goal = db.session.get(Goal, _goal(personas, orgs))
        with pytest.raises(Conflict) as raised:
            check_version(goal, expected)
        assert raised.value.version == 1
        check_version(goal, "1")  # the current version passes


def test_a_concurrent_save_is_a_conflict_with_the_saved_values(app, personas, orgs):
    with app.app_context():
        goal_id = _goal(personas, orgs)
    with app.app_context():
        goal = db.session.get(Goal, goal_id)
        check_version(goal, 1)
        # someone else saves first (another request, another connection)
        with db.engine.begin() as other:
            other.execute(update(Goal).where(Goal.id == goal_id)
                          .values(version=2, life_area="leisure"))
        goal.life_area = "family"
        with pytest.raises(Conflict) as raised:
            flush_or_conflict(goal)
        assert raised.value.item.life_area == "leisure" and raised.value.version == 2
