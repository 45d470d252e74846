"""a person's current groups and a consent's parties are read from an index alone: the
start page read hundreds of a police officer's past memberships row by row, and
PostgreSQL hashed every consent party of the municipality for forty cases

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 08:30:00
"""
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (each new index leads with the old one's column: it serves every read by it alone)
    op.create_index("ix_memberships_user_current", "memberships",
                    ["user_id", "member_org_id", "removed_at", "from_date", "to_date",
                     "case_id"])
    op.drop_index("ix_memberships_user_id", table_name="memberships")
    op.create_index("ix_consent_parties_consent_terms", "consent_parties",
                    ["consent_id", "id", "kind", "guardian_id", "withdrawn_at"])
    op.drop_index("ix_consent_parties_consent_id", table_name="consent_parties")


def downgrade() -> None:
    op.create_index("ix_consent_parties_consent_id", "consent_parties", ["consent_id"])
    op.drop_index("ix_consent_parties_consent_terms", table_name="consent_parties")
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.drop_index("ix_memberships_user_current", table_name="memberships")
