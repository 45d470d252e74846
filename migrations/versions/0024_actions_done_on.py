"""an action's day of completion (the statistics count a done action by it), and the
actions left open in closed cases ended as not done

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 14:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("done_on", sa.Date(), nullable=True))
    actions = sa.table("actions", sa.column("id"), sa.column("case_id"), sa.column("status"),
                       sa.column("done_on", sa.Date()),
                       sa.column("updated_at", sa.DateTime(timezone=True)),
                       sa.column("created_at", sa.DateTime(timezone=True)))
    cases = sa.table("cases", sa.column("id"), sa.column("status"))
    connection = op.get_bind()
    # done before this column: the day of the last change is the best record there is
    for action_id, updated, created in connection.execute(
            sa.select(actions.c.id, actions.c.updated_at, actions.c.created_at)
            .where(actions.c.status == "done")):
        moment = updated or created
        if moment is not None:
            connection.execute(actions.update().where(actions.c.id == action_id)
                               .values(done_on=moment.date()))
    # what was left open when a case closed is not done (it is not overdue for ever)
    connection.execute(actions.update().where(
        actions.c.status.in_(("planned", "in_progress")),
        actions.c.case_id.in_(sa.select(cases.c.id).where(cases.c.status == "closed")))
        .values(status="not_done"))


def downgrade() -> None:
    op.execute("UPDATE actions SET status = 'planned' WHERE status = 'not_done'")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("done_on")
