"""what one person did in a period is read through one index (user, then time): the
register's hourly lookup limit counted every entry the user ever made

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 02:35:00
"""
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_entries_actor_at", "audit_entries", ["actor_user_id", "at"])
    # (the new index leads with the user: it serves every read by user alone too)
    op.drop_index("ix_audit_entries_actor_user_id", table_name="audit_entries")


def downgrade() -> None:
    op.create_index("ix_audit_entries_actor_user_id", "audit_entries", ["actor_user_id"])
    op.drop_index("ix_audit_entries_actor_at", table_name="audit_entries")
