"""stored statistics counts with the data version they were counted at; participants
lose the single-column index on meeting_id that shadowed the covering one

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 16:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'statistics_changes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_changes')))
    op.create_table(
        'statistics_results',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_statistics_results')))
    op.drop_index(op.f('ix_participants_meeting_id'), table_name='participants')


def downgrade() -> None:
    op.create_index(op.f('ix_participants_meeting_id'), 'participants', ['meeting_id'])
    op.drop_table('statistics_results')
    op.drop_table('statistics_changes')
