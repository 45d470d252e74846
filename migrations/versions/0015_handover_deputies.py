"""case ownership: handovers (the ownership history) and deputy owners; when a closing
was recorded (it may be undone for a while)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_handovers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("from_owner_id", sa.String(length=36), nullable=False),
        sa.Column("to_owner_id", sa.String(length=36), nullable=False),
        sa.Column("proposed_by_id", sa.String(length=36), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_case_handovers_case_id_cases")),
        sa.ForeignKeyConstraint(["from_owner_id"], ["users.id"],
                                name=op.f("fk_case_handovers_from_owner_id_users")),
        sa.ForeignKeyConstraint(["to_owner_id"], ["users.id"],
                                name=op.f("fk_case_handovers_to_owner_id_users")),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"],
                                name=op.f("fk_case_handovers_proposed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_handovers")),
    )
    op.create_index(op.f("ix_case_handovers_case_id"), "case_handovers", ["case_id"])
    op.create_index(op.f("ix_case_handovers_to_owner_id"), "case_handovers", ["to_owner_id"])
    op.create_index("uq_case_handovers_one_pending", "case_handovers", ["case_id"],
                    unique=True, sqlite_where=sa.text("state = 'pending'"),
                    postgresql_where=sa.text("state = 'pending'"))
    op.create_table(
        "case_deputies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("named_by_id", sa.String(length=36), nullable=False),
        sa.Column("named_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_case_deputies_case_id_cases")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_case_deputies_user_id_users")),
        sa.ForeignKeyConstraint(["named_by_id"], ["users.id"],
                                name=op.f("fk_case_deputies_named_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_deputies")),
    )
    op.create_index(op.f("ix_case_deputies_case_id"), "case_deputies", ["case_id"])
    op.create_index(op.f("ix_case_deputies_user_id"), "case_deputies", ["user_id"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("closed_at")
    op.drop_table("case_deputies")
    op.drop_table("case_handovers")
