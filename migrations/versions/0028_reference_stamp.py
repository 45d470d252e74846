"""reference data (organisations, statutory rules) carries a stamp that changes with
every write, so each worker can keep it between requests

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

# The stamp changes with every write to a reference table (kernel/reference.py).
RESTAMP_SQLITE = "UPDATE reference_stamp SET stamp = lower(hex(randomblob(16))) WHERE id = 1;"
SQLITE_TRIGGERS = {
    "organisations_restamp_insert": "AFTER INSERT ON organisations",
    "organisations_restamp_update": "AFTER UPDATE ON organisations",
    "organisations_restamp_delete": "AFTER DELETE ON organisations",
    "statutory_rules_restamp_insert": "AFTER INSERT ON statutory_rules",
    "statutory_rules_restamp_update": "AFTER UPDATE ON statutory_rules",
    "statutory_rules_restamp_delete": "AFTER DELETE ON statutory_rules",
}
POSTGRES_TRIGGERS = {
    "organisations_restamp": "organisations",
    "statutory_rules_restamp": "statutory_rules",
}


def upgrade() -> None:
    op.create_table(
        "reference_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_stamp")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO reference_stamp (id, stamp) "
                   "VALUES (1, md5(random()::text || clock_timestamp()::text))")
        op.execute("""
            CREATE FUNCTION reference_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE reference_stamp
                SET stamp = md5(random()::text || clock_timestamp()::text) WHERE id = 1;
                RETURN NULL;
            END
            $$""")
        for name, table in POSTGRES_TRIGGERS.items():
            op.execute("CREATE TRIGGER " + name + " AFTER INSERT OR UPDATE OR DELETE OR "
                       "TRUNCATE ON " + table + " FOR EACH STATEMENT "
                       "EXECUTE FUNCTION reference_restamp()")
    else:
        op.execute("INSERT INTO reference_stamp (id, stamp) "
                   "VALUES (1, lower(hex(randomblob(16))))")
        for name, when in SQLITE_TRIGGERS.items():
            op.execute("CREATE TRIGGER " + name + " " + when + " BEGIN " + RESTAMP_SQLITE
                       + " END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in POSTGRES_TRIGGERS.items():
            op.execute("DROP TRIGGER " + name + " ON " + table)
        op.execute("DROP FUNCTION reference_restamp()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute("DROP TRIGGER " + name)
    op.drop_table("reference_stamp")
