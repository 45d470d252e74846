"""a form that adds something is saved once however often it is sent: the keys of the
sendings saved (kernel.submissions), kept a day

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_submissions",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_at", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_form_submissions")),
    )
    op.create_index(op.f("ix_form_submissions_sent_at"), "form_submissions", ["sent_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_form_submissions_sent_at"), table_name="form_submissions")
    op.drop_table("form_submissions")
