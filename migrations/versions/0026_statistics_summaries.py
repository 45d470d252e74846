"""attendance summaries for the statistics: one row per held meeting and organisation,
one per held meeting, one per group, Swedish year, organisation and professional
present; derived here from the participants, then kept current by the app's flush
hook.  Outcome events get an index by case, kind and day in place of the one by case

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 19:10:00
"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

ZONE = ZoneInfo("Europe/Stockholm")  # the app's BABEL_DEFAULT_TIMEZONE


def upgrade() -> None:
    op.create_table(
        'statistics_meeting_orgs',
        sa.Column('meeting_id', sa.String(length=36), nullable=False),
        sa.Column('org_id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('present', sa.Integer(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('meeting_id', 'org_id', name=op.f('pk_statistics_meeting_orgs')))
    op.create_index('ix_statistics_meeting_orgs_case_id', 'statistics_meeting_orgs',
                    ['case_id'])
    op.create_index('ix_statistics_meeting_orgs_year', 'statistics_meeting_orgs',
                    ['year', 'month', 'meeting_id', 'case_id', 'org_id', 'present', 'people'])
    op.create_index('ix_statistics_meeting_orgs_org_id', 'statistics_meeting_orgs',
                    ['year', 'month', 'org_id', 'present'])
    op.create_table(
        'statistics_meetings',
        sa.Column('meeting_id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('organisations', sa.Integer(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_statistics_meetings')))
    op.create_index('ix_statistics_meetings_case_id', 'statistics_meetings', ['case_id'])
    op.create_index('ix_statistics_meetings_year', 'statistics_meetings',
                    ['year', 'month', 'case_id', 'organisations', 'people'])
    op.create_table(
        'statistics_group_persons',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('org_id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('year', 'case_id', 'org_id', 'user_id',
                                name=op.f('pk_statistics_group_persons')))
    op.create_index('ix_outcome_events_case_id_kind', 'outcome_events',
                    ['case_id', 'kind', 'occurred_on'])
    op.drop_index('ix_outcome_events_case_id', table_name='outcome_events')
    _fill(op.get_bind())


def _fill(connection: sa.engine.Connection) -> None:
    """What ``sig.statistics.summary.rebuild`` derives, as of this revision."""
    meetings = sa.table("meetings", sa.column("id"), sa.column("case_id"),
                        sa.column("status"), sa.column("starts_at", sa.DateTime(timezone=True)))
    people = sa.table("participants", sa.column("meeting_id"), sa.column("user_id"),
                      sa.column("represented_org_id"), sa.column("attendance"))
    orgs = sa.table("statistics_meeting_orgs", *(sa.column(c) for c in (
        "meeting_id", "org_id", "case_id", "year", "month", "present", "people")))
    persons = sa.table("statistics_group_persons",
                       *(sa.column(c) for c in ("year", "case_id", "org_id", "user_id")))
    attended = people.c.attendance.in_(("present", "remote"))
    grouped = connection.execute(
        sa.select(people.c.meeting_id, people.c.represented_org_id, meetings.c.case_id,
                  meetings.c.starts_at, sa.func.max(sa.case((attended, 1), else_=0)),
                  sa.func.count(sa.distinct(sa.case(
                      (sa.and_(attended, people.c.user_id.is_not(None)), people.c.user_id)))))
        .select_from(people.join(meetings, meetings.c.id == people.c.meeting_id))
        .where(meetings.c.status == "held", people.c.represented_org_id.is_not(None))
        .group_by(people.c.meeting_id, people.c.represented_org_id, meetings.c.case_id,
                  meetings.c.starts_at)).all()
    rows = []
    for meeting_id, org_id, case_id, starts_at, present, count in grouped:
        moment = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=dt.UTC)
        local = moment.astimezone(ZONE)
        rows.append({"meeting_id": meeting_id, "org_id": org_id, "case_id": case_id,
                     "year": local.year, "month": local.month, "present": present,
                     "people": count})
    for start in range(0, len(rows), 5000):
        connection.execute(orgs.insert(), rows[start:start + 5000])
    meetings_summary = sa.table("statistics_meetings", *(sa.column(c) for c in (
        "meeting_id", "case_id", "year", "month", "organisations", "people")))
    connection.execute(meetings_summary.insert().from_select(
        ["meeting_id", "case_id", "year", "month", "organisations", "people"],
        sa.select(orgs.c.meeting_id, orgs.c.case_id, orgs.c.year, orgs.c.month,
                  sa.func.sum(orgs.c.present), sa.func.sum(orgs.c.people))
        .group_by(orgs.c.meeting_id, orgs.c.case_id, orgs.c.year, orgs.c.month)))
    connection.execute(persons.insert().from_select(
        ["year", "case_id", "org_id", "user_id"],
        sa.select(orgs.c.year, orgs.c.case_id, orgs.c.org_id, people.c.user_id).distinct()
        .select_from(orgs.join(people, sa.and_(people.c.meeting_id == orgs.c.meeting_id,
                                               people.c.represented_org_id == orgs.c.org_id)))
        .where(attended, people.c.user_id.is_not(None))))


def downgrade() -> None:
    op.drop_table('statistics_meetings')
    op.create_index('ix_outcome_events_case_id', 'outcome_events', ['case_id'])
    op.drop_index('ix_outcome_events_case_id_kind', table_name='outcome_events')
    op.drop_table('statistics_group_persons')
    op.drop_index('ix_statistics_meeting_orgs_org_id', table_name='statistics_meeting_orgs')
    op.drop_index('ix_statistics_meeting_orgs_year', table_name='statistics_meeting_orgs')
    op.drop_index('ix_statistics_meeting_orgs_case_id', table_name='statistics_meeting_orgs')
    op.drop_table('statistics_meeting_orgs')
