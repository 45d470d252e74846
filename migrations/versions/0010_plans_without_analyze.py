"""indexes that give a good plan on a fresh database (no ANALYZE): a case's meetings by
(case, status, start); no index on the recipient of a consent grant or a disclosure

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 09:20:00
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_meetings_case_id_status", "meetings",
                    ["case_id", "status", "starts_at"], unique=False)
    op.drop_index("ix_consent_grants_recipient_org_id", table_name="consent_grants")
    op.drop_index("ix_disclosures_recipient_org_id", table_name="disclosures")


def downgrade() -> None:
    op.create_index("ix_disclosures_recipient_org_id", "disclosures",
                    ["recipient_org_id"], unique=False)
    op.create_index("ix_consent_grants_recipient_org_id", "consent_grants",
                    ["recipient_org_id"], unique=False)
    op.drop_index("ix_meetings_case_id_status", table_name="meetings")
