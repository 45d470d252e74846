"""the meeting protocol is signed off (justerat) by the case owner

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("signed_off_by_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(op.f("fk_meetings_signed_off_by_id_users"), "users",
                                 ["signed_off_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_constraint(op.f("fk_meetings_signed_off_by_id_users"), type_="foreignkey")
        batch.drop_column("signed_off_by_id")
        batch.drop_column("signed_off_at")
