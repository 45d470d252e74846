"""proposals of youths for SIG (referrals): the intake list, then an item of the case

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:55:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("to_org_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("pnr_enc", sa.LargeBinary(), nullable=True),
        sa.Column("name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("done_enc", sa.LargeBinary(), nullable=True),
        sa.Column("decided_by_id", sa.String(length=36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=32), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("origin_org_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pre_investigation", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["to_org_id"], ["organisations.id"],
                                name=op.f("fk_referrals_to_org_id_organisations")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_referrals_decided_by_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_referrals_case_id_cases")),
        sa.ForeignKeyConstraint(["origin_org_id"], ["organisations.id"],
                                name=op.f("fk_referrals_origin_org_id_organisations")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_referrals_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index(op.f("ix_referrals_to_org_id"), "referrals", ["to_org_id"])
    op.create_index(op.f("ix_referrals_case_id"), "referrals", ["case_id"])
    op.create_index(op.f("ix_referrals_origin_org_id"), "referrals", ["origin_org_id"])


def downgrade() -> None:
    op.drop_table("referrals")
