"""The attendance summaries the statistics count (``sig.statistics.summary``) follow every
change of the meetings and participants they are derived from, in the same
transaction, and are what deriving them afresh gives; what the session cannot see
(an UPDATE statement on meetings) is refused rather than left stale."""
from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from auth.models import User
from kernel import clock
from kernel.db import db
from sig.meetings import operations
from sig.meetings.models import Meeting, Participant
from sig.statistics import store, summary
from sig.statistics.models import GroupPerson, MeetingOrganisation, MeetingPresence
from tests.helpers import migrate_down_and_up
from tests.stats_world import World

D = dt.date
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _state() -> tuple[set, set, set]:
    orgs = {tuple(r) for r in db.session.execute(select(
        MeetingOrganisation.meeting_id, MeetingOrganisation.org_id, MeetingOrganisation.case_id,
        MeetingOrganisation.year, MeetingOrganisation.month, MeetingOrganisation.present,
        MeetingOrganisation.people))}
    meetings = {tuple(r) for r in db.session.execute(select(
        MeetingPresence.meeting_id, MeetingPresence.case_id, MeetingPresence.year,
        MeetingPresence.month, MeetingPresence.organisations, MeetingPresence.people))}
    persons = {tuple(r) for r in db.session.execute(select(
        GroupPerson.year, GroupPerson.case_id, GroupPerson.org_id, GroupPerson.user_id))}
    return orgs, meetings, persons


def _as_derived_afresh() -> tuple[set, set, set]:
    """The summaries now, after checking that deriving everything again gives the same."""
    kept = _state()
    summary.rebuild(db.session.connection())
    assert _state() == kept
    return kept


def test_the_summaries_follow_every_change_of_a_meeting(app_ctx, orgs, sara):
    world = World(orgs, sara)
    case = world.case(born=2010, gender="girl", referred=D(2025, 1, 5), started=D(2025, 2, 1))
    meeting = world.meeting(case, D(2025, 3, 3), present={"police": [1], "school": [1, 2]},
                            absent={"leisure": [1]})
    db.session.commit()
    ids = {k: world.person(*k).id for k in (("police", 1), ("school", 1), ("school", 2))}
    o = {k: orgs[k].id for k in ("police", "school", "leisure")}
    by_org, by_meeting, persons = _as_derived_afresh()
    # the youth is no organisation; the leisure office was invited and nobody came
    assert by_org == {(meeting.id, o["police"], case.id, 2025, 3, 1, 1),
                      (meeting.id, o["school"], case.id, 2025, 3, 1, 2),
                      (meeting.id, o["leisure"], case.id, 2025, 3, 0, 0)}
    assert by_meeting == {(meeting.id, case.id, 2025, 3, 2, 3)}
    assert persons == {(2025, case.id, o["police"], ids[("police", 1)]),
                       (2025, case.id, o["school"], ids[("school", 1)]),
                       (2025, case.id, o["school"], ids[("school", 2)])}

    # moved to 00:30 on New Year's Day in Sweden (still 2025 in UTC): counted in 2026
    meeting.starts_at = dt.datetime(2026, 1, 1, 0, 30, tzinfo=STOCKHOLM).astimezone(dt.UTC)
    db.session.commit()
    by_org, by_meeting, persons = _as_derived_afresh()
    assert {row[3:5] for row in by_org} == {row[2:4] for row in by_meeting} == {(2026, 1)}
    assert {row[0] for row in persons} == {2026}

    # the second school person was not there after all
    second = db.session.scalar(select(Participant).where(
        Participant.meeting_id == meeting.id, Participant.user_id == ids[("school", 2)]))
    second.attendance = "absent"
    db.session.commit()
    by_org, by_meeting, persons = _as_derived_afresh()
    assert (meeting.id, o["school"], case.id, 2026, 1, 1, 1) in by_org
    assert by_meeting == {(meeting.id, case.id, 2026, 1, 2, 2)}
    assert (2026, case.id, o["school"], ids[("school", 2)]) not in persons

    # a meeting that is not held counts nowhere
    meeting.status = "cancelled"
    db.session.commit()
    assert _as_derived_afresh() == (set(), set(), set())


def test_a_rolled_back_change_leaves_the_summaries_as_they_were(app_ctx, orgs, sara):
    world = World(orgs, sara)
    case = world.case(born=2011, gender="boy", referred=D(2025, 1, 5), started=D(2025, 2, 1))
    world.meeting(case, D(2025, 4, 7), present={"police": [1]})
    db.session.commit()
    before = _state()
    world.meeting(case, D(2025, 5, 5), present={"school": [1]})  # flushed, not committed
    db.session.rollback()
    assert _state() == before
    # and the rolled-back meeting's case is not summarised with the next commit
    world.case(born=2012, gender="girl", referred=D(2025, 6, 2))
    db.session.commit()
    assert _as_derived_afresh() == before


def test_two_writers_of_one_case_wait_for_each_other(app, orgs, sara):
    """Two people record attendance at one meeting at once: the second derives the case
    only once the first has committed, and sees its rows (deriving both at the same
    time, each would miss the other's: on PostgreSQL a duplicate key)."""
    with app.app_context():
        world = World(orgs, sara)
        case = world.case(born=2010, gender="girl", referred=D(2025, 1, 5),
                          started=D(2025, 2, 1))
        meeting = world.meeting(case, D(2025, 3, 3), present={"police": [1], "school": [1]})
        db.session.commit()
        people = {p.represented_org_id: p.id for p in db.session.scalars(
            select(Participant).where(Participant.meeting_id == meeting.id,
                                      Participant.represented_org_id.is_not(None)))}
        case_id, meeting_id = case.id, meeting.id
    errors: list[BaseException] = []

    def school_writes() -> None:
        with app.app_context():
            try:
                db.session.get(Participant, people[orgs["school"].id]).attendance = "absent"
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

    second = threading.Thread(target=school_writes)
    with app.app_context():
        db.session.get(Participant, people[orgs["police"].id]).attendance = "absent"
        db.session.flush()
        summary.refresh(db.session.connection(), [case_id])  # derived, not committed
        second.start()
        second.join(timeout=1.5)
        assert second.is_alive()  # waiting for this transaction
        db.session.commit()
    second.join(timeout=20)
    assert not second.is_alive() and errors == []
    with app.app_context():
        _by_org, by_meeting, persons = _as_derived_afresh()
        assert by_meeting == {(meeting_id, case_id, 2025, 3, 0, 0)} and persons == set()


def test_a_statement_that_bypasses_the_session_may_not_change_what_is_summarised(
        app_ctx, orgs, sara):
    world = World(orgs, sara)
    case = world.case(born=2011, gender="boy", referred=D(2025, 1, 5), started=D(2025, 2, 1))
    meeting = world.meeting(case, D(2025, 4, 7), present={"police": [1]}, status="planned")
    db.session.commit()
    with pytest.raises(RuntimeError, match="through the session"):
        db.session.execute(update(Meeting).where(Meeting.id == meeting.id)
                           .values(status="held"))
    db.session.rollback()
    # a column the statistics do not read may be set so; the data version still moves
    before = store.version()
    from flask import g
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id)
                       .values(signed_off_at=clock.now()))
    db.session.commit()
    g.pop("sig_statistics_version", None)
    assert store.version() != before


def test_signing_off_a_meeting_nobody_recorded_counts_it_as_held(app_ctx, orgs, sara):
    world = World(orgs, sara)
    case = world.case(born=2011, gender="boy", referred=D(2025, 1, 5), started=D(2025, 2, 1))
    meeting = world.meeting(case, D(2025, 4, 7), present={"police": [1]}, status="planned")
    db.session.commit()
    assert _state() == (set(), set(), set())
    operations.sign_off(db.session.get(User, sara.id), case, meeting)
    assert meeting.status == "held" and meeting.signed_off_at is not None
    by_org, by_meeting, _persons = _as_derived_afresh()
    assert by_meeting == {(meeting.id, case.id, 2025, 4, 1, 1)}


def test_the_migration_derives_what_the_app_keeps(app_ctx, orgs, sara):
    """Revision 0026 fills the summaries from the meetings already there: the same rows
    the flush hook keeps."""
    world = World(orgs, sara)
    case = world.case(born=2009, gender="girl", referred=D(2024, 11, 5), started=D(2024, 12, 1))
    for day, present in ((D(2024, 12, 31), {"police": [1], "school": [1]}),
                         (D(2025, 7, 1), {"school": [1, 2]}),
                         (D(2025, 7, 2), {})):
        world.meeting(case, day, present=present, absent={"leisure": [1]})
    moved = world.meeting(case, D(2025, 9, 1), present={"police": [2]})
    moved.starts_at = dt.datetime(2025, 10, 1, 0, 15, tzinfo=STOCKHOLM).astimezone(dt.UTC)
    db.session.commit()
    kept = _as_derived_afresh()
    db.session.commit()
    migrate_down_and_up(app_ctx, "0025")
    assert _state() == kept
