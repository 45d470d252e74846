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
    # the last change of custody already recorded for each guardian (one grouped pass
    # over the history: youth_changes has no index on guardian_id)
    op.execute(
        "UPDATE guardians SET custody_changed_at = latest.at FROM ("
        "SELECT guardian_id, max(changed_at) AS at FROM youth_changes "
        "WHERE guardian_id IS NOT NULL AND field IN ('has_custody', 'added', 'removed') "
        "GROUP BY guardian_id) AS latest WHERE guardians.id = latest.guardian_id")


def downgrade() -> None:
    op.drop_column("guardians", "custody_changed_at")  # (SQLite 3.35 and later)
