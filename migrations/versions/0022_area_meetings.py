"""area meetings: agenda, attendance by person and organisation, minutes, decisions
followed up; cause analyses of red or recurring items

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 14:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('area_meetings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('agenda_enc', sa.LargeBinary(), nullable=True),
    sa.Column('minutes_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['area_groups.id'], name=op.f('fk_area_meetings_group_id_area_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_meetings'))
    )
    op.create_index(op.f('ix_area_meetings_group_id'), 'area_meetings', ['group_id'], unique=False)
    op.create_table('area_attendance',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('meeting_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('attendance', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['area_meetings.id'], name=op.f('fk_area_attendance_meeting_id_area_meetings')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_area_attendance_org_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_area_attendance_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_attendance'))
    )
    op.create_index(op.f('ix_area_attendance_meeting_id'), 'area_attendance', ['meeting_id'], unique=False)
    op.create_index('uq_area_attendance', 'area_attendance', ['meeting_id', 'user_id'], unique=True)
    op.create_table('area_decisions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('meeting_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('what_enc', sa.LargeBinary(), nullable=True),
    sa.Column('responsible_org_id', sa.String(length=36), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('follow_up_enc', sa.LargeBinary(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['area_groups.id'], name=op.f('fk_area_decisions_group_id_area_groups')),
    sa.ForeignKeyConstraint(['meeting_id'], ['area_meetings.id'], name=op.f('fk_area_decisions_meeting_id_area_meetings')),
    sa.ForeignKeyConstraint(['responsible_org_id'], ['organisations.id'], name=op.f('fk_area_decisions_responsible_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_decisions'))
    )
    op.create_index(op.f('ix_area_decisions_group_id'), 'area_decisions', ['group_id'], unique=False)
    op.create_index(op.f('ix_area_decisions_meeting_id'), 'area_decisions', ['meeting_id'], unique=False)
    op.create_table('cause_analyses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('assessment_id', sa.String(length=36), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('result_enc', sa.LargeBinary(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['situation_assessments.id'], name=op.f('fk_cause_analyses_assessment_id_situation_assessments')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_cause_analyses_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cause_analyses'))
    )
    op.create_index(op.f('ix_cause_analyses_assessment_id'), 'cause_analyses', ['assessment_id'], unique=False)


def downgrade() -> None:
    for table in ("cause_analyses", "area_decisions", "area_attendance", "area_meetings"):
        op.drop_table(table)
