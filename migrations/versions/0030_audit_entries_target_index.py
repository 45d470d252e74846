"""the access log is indexed by what an entry is about: the reads of one case (its
register extract's ledger, the monthly review) no longer scan every read of every case

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 01:50:00
"""
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_entries_target", "audit_entries", ["target_ref", "target_type"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_target", table_name="audit_entries")
