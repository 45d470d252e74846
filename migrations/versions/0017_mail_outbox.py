"""e-mail: users' addresses and the kinds they turned off; the outbox

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 13:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_enc", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("mail_off", sa.String(length=200), nullable=False,
                                   server_default=""))
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient_user_id", sa.String(length=36), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("about_id", sa.String(length=36), nullable=True),
        sa.Column("to_enc", sa.LargeBinary(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body_enc", sa.LargeBinary(), nullable=True),
        sa.Column("calendar_enc", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["recipient_user_id"], ["users.id"],
                                name=op.f("fk_mail_outbox_recipient_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(op.f("ix_mail_outbox_recipient_user_id"), "mail_outbox",
                    ["recipient_user_id"])
    op.create_index(op.f("ix_mail_outbox_case_id"), "mail_outbox", ["case_id"])
    op.create_index(op.f("ix_mail_outbox_about_id"), "mail_outbox", ["about_id"])
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("mail_outbox")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mail_off")
        batch.drop_column("email_enc")
