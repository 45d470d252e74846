"""The attendance summaries the statistics count instead of the participants.

The participants are the largest table by far (a million rows in a municipality of
10,000 youths), and every attendance measure groups them per held meeting and
organisation first.  So that grouping is kept as data: ``statistics_meeting_orgs`` has
one row per held meeting and organisation invited to it (was it represented, by how
many professionals), ``statistics_meetings`` one per held meeting (organisations
represented, professionals present), ``statistics_group_persons`` one per group,
Swedish calendar year, organisation and professional who represented it, each with the
Swedish year (and month) it counts in.  A year's measures read some 50,000 summary
rows in index order instead of grouping 125,000 participants.

The summaries are derived, never edited: a transaction that writes a meeting or a
participant refreshes the rows of the cases it touched just before it commits
(``refresh``, called from the statistics' session hooks in ``sig.statistics.store``),
so they are exactly as current as the data and roll back with it.  ``rebuild`` derives them for
every case (bulk loads that bypass the session, such as the benchmarks' generator).
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, case, delete, distinct, func, insert, select, true
from sqlalchemy.engine import Connection

from kernel import clock
from sig.meetings.models import ATTENDED, Meeting, MeetingStatus, Participant
from sig.statistics.models import GroupPerson, MeetingOrganisation, MeetingPresence

_CHUNK = 500  # case ids per statement
_BATCH = 5000  # summary rows per insert
_LOCKS = 16  # the advisory locks' class: a case's summaries (the key is its id's hash)


def refresh(connection: Connection, case_ids: Collection[str]) -> None:
    """Derive the summary rows of ``case_ids`` again from their meetings.  On PostgreSQL
    each case is locked for the rest of the transaction first (in one order, so two
    writers cannot wait for each other): two transactions deriving one case at once
    would each miss the other's rows."""
    ids = sorted(set(case_ids))
    if connection.dialect.name == "postgresql":
        for case_id in ids:
            connection.execute(select(func.pg_advisory_xact_lock(_LOCKS, func.hashtext(case_id))))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for table in (MeetingOrganisation, MeetingPresence, GroupPerson):
            connection.execute(delete(table).where(table.case_id.in_(chunk)))
        _derive(connection, Meeting.case_id.in_(chunk), MeetingOrganisation.case_id.in_(chunk))


def rebuild(connection: Connection) -> None:
    """Derive every summary row again."""
    for table in (MeetingOrganisation, MeetingPresence, GroupPerson):
        connection.execute(delete(table))
    _derive(connection, true(), true())


def _derive(connection: Connection, meetings: Any, summarised: Any) -> None:
    attended = Participant.attendance.in_(ATTENDED)
    grouped = connection.execute(
        select(Participant.meeting_id, Participant.represented_org_id, Meeting.case_id,
               Meeting.starts_at, func.max(case((attended, 1), else_=0)),
               func.count(distinct(case((and_(attended, Participant.user_id.is_not(None)),
                                         Participant.user_id)))))
        .join(Meeting, Meeting.id == Participant.meeting_id)
        .where(Meeting.status == MeetingStatus.HELD.value, meetings,
               Participant.represented_org_id.is_not(None))
        .group_by(Participant.meeting_id, Participant.represented_org_id, Meeting.case_id,
                  Meeting.starts_at))
    while batch := grouped.fetchmany(_BATCH):
        rows = []
        for meeting_id, org_id, case_id, starts_at, present, people in batch:
            day = clock.local_day(starts_at)
            rows.append({"meeting_id": meeting_id, "org_id": org_id, "case_id": case_id,
                         "year": day.year, "month": day.month, "present": present,
                         "people": people})
        connection.execute(insert(MeetingOrganisation), rows)
    summary = MeetingOrganisation
    connection.execute(insert(MeetingPresence).from_select(
        ["meeting_id", "case_id", "year", "month", "organisations", "people"],
        select(summary.meeting_id, summary.case_id, summary.year, summary.month,
               func.sum(summary.present), func.sum(summary.people))
        .where(summarised)
        .group_by(summary.meeting_id, summary.case_id, summary.year, summary.month)))
    connection.execute(insert(GroupPerson).from_select(
        ["year", "case_id", "org_id", "user_id"],
        select(summary.year, summary.case_id, summary.org_id, Participant.user_id).distinct()
        .join(Participant, and_(Participant.meeting_id == summary.meeting_id,
                                Participant.represented_org_id == summary.org_id))
        .where(summarised, attended, Participant.user_id.is_not(None))))
