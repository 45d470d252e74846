"""failed logins counted per (username, address) and per address, under keyed hashes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_locked_until"), "login_throttle",
                    ["locked_until"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_login_throttle_locked_until"), table_name="login_throttle")
    op.drop_table("login_throttle")
