"""the access log's head takes each new entry's hash by a trigger on the entry's insert
(one statement less for every request the log records)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 19:35:00
"""
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE audit_head SET hash = NEW.hash WHERE id = 1;
                RETURN NULL;
            END
            $$""")
        op.execute("""
            CREATE TRIGGER audit_entries_head AFTER INSERT ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_head_follows()""")
    else:
        op.execute("""
            CREATE TRIGGER audit_entries_head AFTER INSERT ON audit_entries
            BEGIN
                UPDATE audit_head SET hash = NEW.hash WHERE id = 1;
            END""")


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_entries_head" + (
        " ON audit_entries" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_head_follows()")
