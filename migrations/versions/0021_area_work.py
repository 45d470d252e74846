"""area-level crime prevention: groups and members, situation reports with each
organisation's part, the coordinator's assessment and what is raised with the council,
citizen promises; a keyed index of guardians' name words for the individual-data guard

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 13:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('area_groups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('period_days', sa.Integer(), nullable=False),
    sa.Column('escalates_to_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['escalates_to_id'], ['area_groups.id'], name=op.f('fk_area_groups_escalates_to_id_area_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_groups'))
    )
    op.create_table('citizen_promises',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('background', sa.Text(), nullable=False),
    sa.Column('commitments', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_promises'))
    )
    op.create_table('area_memberships',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('stand_in', sa.Boolean(), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['area_groups.id'], name=op.f('fk_area_memberships_group_id_area_groups')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_area_memberships_org_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_area_memberships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_memberships'))
    )
    op.create_index(op.f('ix_area_memberships_group_id'), 'area_memberships', ['group_id'], unique=False)
    op.create_index('ix_area_memberships_user', 'area_memberships', ['user_id', 'removed_at'], unique=False)
    op.create_table('situation_reports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('compiled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('compiled_by_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['compiled_by_id'], ['users.id'], name=op.f('fk_situation_reports_compiled_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['area_groups.id'], name=op.f('fk_situation_reports_group_id_area_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_reports'))
    )
    op.create_index(op.f('ix_situation_reports_group_id'), 'situation_reports', ['group_id'], unique=False)
    op.create_table('situation_assessments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('question', sa.Integer(), nullable=False),
    sa.Column('colour', sa.String(length=8), nullable=False),
    sa.Column('comment_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['situation_reports.id'], name=op.f('fk_situation_assessments_report_id_situation_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_assessments'))
    )
    op.create_index(op.f('ix_situation_assessments_report_id'), 'situation_assessments', ['report_id'], unique=False)
    op.create_index('uq_situation_assessments', 'situation_assessments', ['report_id', 'question'], unique=True)
    op.create_table('situation_report_parts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('question', sa.Integer(), nullable=False),
    sa.Column('account_enc', sa.LargeBinary(), nullable=True),
    sa.Column('impact', sa.Integer(), nullable=True),
    sa.Column('places_enc', sa.LargeBinary(), nullable=True),
    sa.Column('submitted_by_id', sa.String(length=36), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_situation_report_parts_org_id_organisations')),
    sa.ForeignKeyConstraint(['report_id'], ['situation_reports.id'], name=op.f('fk_situation_report_parts_report_id_situation_reports')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_situation_report_parts_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_report_parts'))
    )
    op.create_index(op.f('ix_situation_report_parts_report_id'), 'situation_report_parts', ['report_id'], unique=False)
    op.create_index('uq_situation_report_parts', 'situation_report_parts', ['report_id', 'org_id', 'question'], unique=True)
    op.create_table('guardian_name_tokens',
    sa.Column('guardian_id', sa.String(length=36), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_guardian_name_tokens_guardian_id_guardians'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guardian_id', 'token', name=op.f('pk_guardian_name_tokens'))
    )
    op.create_index(op.f('ix_guardian_name_tokens_token'), 'guardian_name_tokens', ['token'], unique=False)
    op.create_table('situation_escalations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('assessment_id', sa.String(length=36), nullable=False),
    sa.Column('to_group_id', sa.String(length=36), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response_enc', sa.LargeBinary(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_by_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['situation_assessments.id'], name=op.f('fk_situation_escalations_assessment_id_situation_assessments')),
    sa.ForeignKeyConstraint(['responded_by_id'], ['users.id'], name=op.f('fk_situation_escalations_responded_by_id_users')),
    sa.ForeignKeyConstraint(['to_group_id'], ['area_groups.id'], name=op.f('fk_situation_escalations_to_group_id_area_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_escalations')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_situation_escalations_assessment_id'))
    )
    op.create_index(op.f('ix_situation_escalations_to_group_id'), 'situation_escalations', ['to_group_id'], unique=False)


def downgrade() -> None:
    for table in ("situation_escalations", "situation_assessments", "situation_report_parts",
                  "situation_reports", "area_memberships", "citizen_promises",
                  "guardian_name_tokens"):
        op.drop_table(table)
    op.drop_table("area_groups")
