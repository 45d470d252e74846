"""The consent subject of each case: its youth's guardians with custody, in the order
they were registered (consent texts and flags number them), read in one statement for
many cases or taken from the youth the case loader held."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select

from kernel import clock
from kernel.db import db
from sig.cases.models import Case
from sig.cases.subjects import hold, subjects, with_youth
from sig.youths.models import Guardian
from tests.test_policy_table import add_case, born


def test_many_cases_keep_each_youths_guardians_in_registration_order(app, personas, orgs):
    with app.test_request_context():
        today = clock.local_today()
        cases = []
        for _ in range(3):
            case, guardians = add_case(personas, orgs, born(14, today), 2)
            cases.append((case, [g.id for g in guardians if g.has_custody]))
        # a third guardian with custody of the first youth, registered after every
        # guardian of the other youths: the rows of one youth are not adjacent
        first, _ids = cases[0]
        late = Guardian(youth_id=first.youth_id, has_custody=True, origin_org_id=orgs["social"].id,
                        category="identity", created_by_id=personas["sara"].id,
                        created_at=clock.now() + dt.timedelta(days=1))
        late.name = "Vårdnadshavare 3"
        db.session.add(late)
        db.session.commit()
        cases[0] = (first, [*cases[0][1], late.id])
        db.session.expire_all()
        found = subjects([c.id for c, _g in cases])
        assert {c.id: list(found[c.id].custody_guardian_ids) for c, _g in cases} == {
            c.id: ids for c, ids in cases}

    with app.test_request_context():  # the same from the youth the case loader held
        case_id = cases[0][0].id
        (_case_id, youth), = db.session.execute(
            with_youth(select(Case.id).where(Case.id == case_id))).unique().all()
        hold(case_id, youth)
        statements = []
        engine = app.extensions["sig.db"].engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert list(subjects([case_id])[case_id].custody_guardian_ids) == cases[0][1]
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert statements == []


def test_the_columns_read_say_what_the_held_youth_says(app, personas, orgs):
    """Cases the loader did not hold are read as columns in one statement; for every
    shape of family — two with custody and a parent without, one removed, none at all,
    a youth of 19, an entry whose date of birth retention purged — the subject is the
    one the held youth gives."""
    with app.test_request_context():
        today = clock.local_today()
        two, _g = add_case(personas, orgs, born(14, today), 2)
        removed, guardians = add_case(personas, orgs, born(16, today), 2)
        guardians[0].removed_at = clock.now()
        nobody, _g = add_case(personas, orgs, born(12, today), 0, extra_guardian=False)
        adult, _g = add_case(personas, orgs, born(19, today), 1)
        purged, _g = add_case(personas, orgs, born(15, today), 1)
        purged.youth.birth_date_text = None
        db.session.commit()
        ids = [c.id for c in (two, removed, nobody, adult, purged)]

    with app.test_request_context():
        statements = []
        engine = app.extensions["sig.db"].engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            by_columns = subjects(ids)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert len(statements) == 1
        assert "guardians.name_enc" not in statements[0]  # columns, not objects

    with app.test_request_context():
        for case_id, youth in db.session.execute(
                with_youth(select(Case.id).where(Case.id.in_(ids)))).unique().all():
            hold(case_id, youth)
        held = subjects(ids)
    assert by_columns == held
    assert set(held) == set(ids) - {ids[4]}  # (no date of birth: no subject)
    assert len(held[ids[0]].custody_guardian_ids) == 2
    assert len(held[ids[1]].custody_guardian_ids) == 1
    assert held[ids[2]].custody_guardian_ids == ()
    assert held[ids[3]].birth_date == born(19, today)
