"""the youth register is editable: protected identity, removed guardians, the entry's
history of changes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 13:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("youths") as batch:
        batch.add_column(sa.Column("protected", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("guardians") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "youth_changes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("youth_id", sa.String(length=36), nullable=False),
        sa.Column("guardian_id", sa.String(length=36), nullable=True),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_enc", sa.LargeBinary(), nullable=True),
        sa.Column("new_enc", sa.LargeBinary(), nullable=True),
        sa.Column("changed_by_id", sa.String(length=36), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["youth_id"], ["youths.id"],
                                name=op.f("fk_youth_changes_youth_id_youths"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["guardian_id"], ["guardians.id"],
                                name=op.f("fk_youth_changes_guardian_id_guardians")),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"],
                                name=op.f("fk_youth_changes_changed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_youth_changes")),
    )
    op.create_index(op.f("ix_youth_changes_youth_id"), "youth_changes", ["youth_id"])


def downgrade() -> None:
    op.drop_table("youth_changes")
    with op.batch_alter_table("guardians") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("youths") as batch:
        batch.drop_column("protected")
