"""outcome events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:13:06.557888
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outcome_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('source_org_id', sa.String(length=36), nullable=False),
    sa.Column('led_to_intervention', sa.Boolean(), nullable=True),
    sa.Column('note_enc', sa.LargeBinary(), nullable=True),
    sa.Column('origin_org_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pre_investigation', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outcome_events_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_outcome_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['origin_org_id'], ['organisations.id'], name=op.f('fk_outcome_events_origin_org_id_organisations')),
    sa.ForeignKeyConstraint(['source_org_id'], ['organisations.id'], name=op.f('fk_outcome_events_source_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_events'))
    )
    with op.batch_alter_table('outcome_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_events_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_events_origin_org_id'), ['origin_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_events_source_org_id'), ['source_org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outcome_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_events_source_org_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_events_origin_org_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_events_case_id'))

    op.drop_table('outcome_events')
