"""indexes for the managers' statistics

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 02:40:00
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_meetings_status_starts_at', 'meetings', ['status', 'starts_at'])
    op.create_index('ix_participants_attendance', 'participants',
                    ['meeting_id', 'represented_org_id', 'attendance', 'user_id'])


def downgrade() -> None:
    op.drop_index('ix_participants_attendance', table_name='participants')
    op.drop_index('ix_meetings_status_starts_at', table_name='meetings')
