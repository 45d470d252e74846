"""the youth and guardians as meeting participants are identity data

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 21:00:00
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Their names say who the youth is: shown only where identity is.
    op.execute("UPDATE participants SET category = 'identity' "
               "WHERE external_role IN ('youth', 'guardian')")


def downgrade() -> None:
    op.execute("UPDATE participants SET category = 'coordination' "
               "WHERE external_role IN ('youth', 'guardian')")
