"""each commitment of a citizen promise a row of its own: party, what, indicator and
follow-up (the promise's commitments were one text)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promise_commitments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("promise_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["promise_id"], ["citizen_promises.id"],
                                name=op.f("fk_promise_commitments_promise_id_citizen_promises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_commitments")),
    )
    op.create_index(op.f("ix_promise_commitments_promise_id"), "promise_commitments",
                    ["promise_id"], unique=False)
    # the commitments written as one text become rows, one per line ("party: what")
    promises = sa.table("citizen_promises", sa.column("id"), sa.column("commitments"))
    rows = sa.table("promise_commitments", sa.column("id"), sa.column("promise_id"),
                    sa.column("position"), sa.column("party"), sa.column("what"),
                    sa.column("indicator"), sa.column("follow_up"))
    connection = op.get_bind()
    import uuid
    for promise_id, text in connection.execute(sa.select(promises.c.id, promises.c.commitments)):
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        for position, line in enumerate(lines):
            party, sep, what = line.partition(":")
            party, what = (party.strip(), what.strip()) if sep and what.strip() else ("", line)
            connection.execute(rows.insert().values(
                id=str(uuid.uuid4()), promise_id=promise_id, position=position, party=party,
                what=what, indicator="", follow_up=""))
    with op.batch_alter_table("citizen_promises") as batch:
        batch.drop_column("commitments")


def downgrade() -> None:
    with op.batch_alter_table("citizen_promises") as batch:
        batch.add_column(sa.Column("commitments", sa.Text(), nullable=False,
                                   server_default=""))
    op.drop_table("promise_commitments")
