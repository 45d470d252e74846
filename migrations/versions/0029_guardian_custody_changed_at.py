"""a guardian records when custody last changed for her, so the owner's case page reads
the custody changes only when there is a recent one

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 23:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (plain ALTER TABLE, also on SQLite: a rebuilt table would trip the foreign keys
    # that point at guardians)
    op.add_column("guardians", sa.Column("custody_changed_at", sa.DateTime(timezone=True),
                                         nullable=True))
    # the last change of custody already recorded for each guardian
    op.execute(
        "UPDATE guardians SET custody_changed_at = (SELECT max(youth_changes.changed_at) "
        "FROM youth_changes WHERE youth_changes.guardian_id = guardians.id "
        "AND youth_changes.field IN ('has_custody', 'added', 'removed'))")


def downgrade() -> None:
    op.drop_column("guardians", "custody_changed_at")  # (SQLite 3.35 and later)
