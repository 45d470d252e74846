"""released register extracts (GDPR art. 15)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_extracts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("released_by_id", sa.String(length=36), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_subject_extracts_case_id_cases")),
        sa.ForeignKeyConstraint(["released_by_id"], ["users.id"],
                                name=op.f("fk_subject_extracts_released_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_extracts")),
    )
    op.create_index(op.f("ix_subject_extracts_case_id"), "subject_extracts", ["case_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_subject_extracts_case_id"), table_name="subject_extracts")
    op.drop_table("subject_extracts")
