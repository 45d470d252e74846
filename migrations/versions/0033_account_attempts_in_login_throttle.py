"""an account's failed second-factor codes are counted, and its lock kept, in
login_throttle as the password attempts are (one way to count, lock and forget); the
users table's own counters go

A lock that is running when this is applied ends with it (at most the lockout's minutes
of protection, and the password is still needed).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 20:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

COLUMNS = ("failed_logins", "first_failure_at", "locked_until")


def upgrade() -> None:
    # (SQLite drops a plain column in place since 3.35: no copy of the users table, which
    # every other table refers to)
    for column in COLUMNS:
        op.drop_column("users", column)


def downgrade() -> None:
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), nullable=False,
                                     server_default="0"))
    op.add_column("users", sa.Column("first_failure_at", sa.DateTime(timezone=True),
                                     nullable=True))
    op.add_column("users", sa.Column("locked_until", sa.DateTime(timezone=True),
                                     nullable=True))
