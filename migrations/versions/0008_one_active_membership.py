"""a person is in a case's group once: one active membership per case and user

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows a double click made before the index: the later duplicates end now (the
    # earliest row stays, so the person keeps their place in the group).
    op.execute(
        "UPDATE memberships SET removed_at = CURRENT_TIMESTAMP "
        "WHERE removed_at IS NULL AND EXISTS (SELECT 1 FROM memberships AS older "
        "WHERE older.case_id = memberships.case_id AND older.user_id = memberships.user_id "
        "AND older.removed_at IS NULL AND (older.created_at < memberships.created_at "
        "OR (older.created_at = memberships.created_at AND older.id < memberships.id)))")
    op.create_index("uq_memberships_one_active", "memberships", ["case_id", "user_id"],
                    unique=True, sqlite_where=sa.text("removed_at IS NULL"),
                    postgresql_where=sa.text("removed_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_memberships_one_active", table_name="memberships")
