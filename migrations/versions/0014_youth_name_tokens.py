"""a keyed index of the words of youths' names (the case list's search by name);
filled by ``sig db upgrade`` (it needs the keys)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:25:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "youth_name_tokens",
        sa.Column("youth_id", sa.String(length=36), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["youth_id"], ["youths.id"],
                                name=op.f("fk_youth_name_tokens_youth_id_youths"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("youth_id", "token", name=op.f("pk_youth_name_tokens")),
    )
    op.create_index(op.f("ix_youth_name_tokens_token"), "youth_name_tokens", ["token"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_youth_name_tokens_token"), table_name="youth_name_tokens")
    op.drop_table("youth_name_tokens")
