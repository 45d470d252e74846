"""the auditor's monthly log reviews (loggkontroll) with their sign-off

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("signed_by_id", sa.String(length=36), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("findings_enc", sa.LargeBinary(), nullable=True),
        sa.Column("findings_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"],
                                name=op.f("fk_log_reviews_signed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_reviews")),
        sa.UniqueConstraint("month", "signed_by_id", "findings_hash",
                            name="uq_log_reviews_month_signed_by_findings"),
    )
    op.create_index(op.f("ix_log_reviews_month"), "log_reviews", ["month"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_log_reviews_month"), table_name="log_reviews")
    op.drop_table("log_reviews")
