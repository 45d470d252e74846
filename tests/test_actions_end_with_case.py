"""Closing a case ends its open actions as not done (never overdue for ever); undoing the
closing restores them; a done action counts in the statistics by the day it was done."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kernel.db import db
from sig.plans.models import Action, Change
from sig.statistics.measures import actions as action_counts
from tests.case_helpers import open_case, register_youth, text_of
from tests.helpers import login, post


def _plan(app, client, sara, orgs, fake_clock):
    from sig.cases.models import Case
    from sig.plans import operations as plans

    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client, name="Ada Avslutsson"))
    today = fake_clock.current.date()
    with app.app_context():
        case = db.session.get(Case, case_id)
        owner = db.session.get(type(sara), sara.id)
        goal = plans.add_goal(owner, case, "school", "Går i skolan")
        ids = {}
        for what, status in (("Planerad", "planned"), ("Pågår", "in_progress"),
                             ("Klar", "done")):
            action = plans.add_action(owner, case, goal, what=what,
                                      responsible_org_id=orgs["social"].id,
                                      due_date=today - dt.timedelta(days=10), status=status)
            ids[status] = action.id
    return case_id, ids


def _statuses(app, ids):
    with app.app_context():
        return {k: db.session.get(Action, v).status for k, v in ids.items()}


def test_closing_ends_open_actions_as_not_done_and_undoing_restores_them(
        app, client, sara, orgs, fake_clock):
    case_id, ids = _plan(app, client, sara, orgs, fake_clock)
    post(client, f"/cases/{case_id}/close", {"reason": "completed", "confirmed": "yes",
                                             "closed_on": fake_clock.current.date().isoformat()},
         page=f"/cases/{case_id}")
    assert _statuses(app, ids) == {"planned": "not_done", "in_progress": "not_done",
                                   "done": "done"}
    with app.app_context():
        history = db.session.scalars(select(Change).where(
            Change.item_id == ids["planned"], Change.field == "status")
            .order_by(Change.changed_at)).all()
        assert (history[-1].before, history[-1].after) == ("planned", "not_done")
    assert "Inte genomförd: ärendet avslutades" in text_of(client.get(f"/cases/{case_id}"))
    post(client, f"/cases/{case_id}/reopen", page=f"/cases/{case_id}")
    assert _statuses(app, ids) == {"planned": "planned", "in_progress": "in_progress",
                                   "done": "done"}


def test_not_done_is_not_overdue_and_done_counts_by_its_day(app, client, sara, orgs,
                                                            fake_clock):
    case_id, ids = _plan(app, client, sara, orgs, fake_clock)
    today = fake_clock.current.date()
    with app.app_context():
        done = db.session.get(Action, ids["done"])
        done.done_on = today
        db.session.commit()
        before = action_counts(dt.date(today.year - 1, 1, 1), dt.date(today.year, 12, 31),
                               today)
    assert sum(n for (_b, _r, col), n in before.items() if col == "overdue") == 2
    post(client, f"/cases/{case_id}/close", {"reason": "completed", "confirmed": "yes",
                                             "closed_on": today.isoformat()},
         page=f"/cases/{case_id}")
    with app.app_context():
        after = action_counts(dt.date(today.year - 1, 1, 1), dt.date(today.year, 12, 31),
                              today)
    by_col = {}
    for (_block, _row, col), n in after.items():
        by_col[col] = by_col.get(col, 0) + n
    assert by_col == {"not_done": 2, "done": 1}
    done_block = next(b for (b, _r, c) in after if c == "done")
    assert done_block == ("M", today.year, today.month)  # its day, not its due date


def test_not_done_cannot_be_chosen(app, client, sara, orgs, fake_clock):
    case_id, ids = _plan(app, client, sara, orgs, fake_clock)
    page = client.get(f"/cases/{case_id}/plan/actions/{ids['planned']}/edit").get_data(
        as_text=True)
    assert 'value="not_done"' not in page
    with app.app_context():
        version = db.session.get(Action, ids["planned"]).version
    response = post(client, f"/cases/{case_id}/plan/actions/{ids['planned']}/status",
                    {"status": "not_done", "version": str(version)},
                    page=f"/cases/{case_id}")
    assert response.status_code in (302, 400)
    assert _statuses(app, ids)["planned"] == "planned"
