"""kernel.planner: ``unindexed``, a term the planner filters with but never reaches rows
by, on SQLite and on PostgreSQL (with statistics, where it would otherwise take the
index); ``among``, a list bound at execution (one statement text on PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, insert, select, text

from kernel.db import db
from kernel.planner import among, among_or_one, bound, unindexed

META = MetaData()
PROBE = Table("planner_probe", META,
              Column("id", Integer, primary_key=True),
              Column("case_id", String(8), nullable=False),
              Column("org_id", String(8), nullable=False),
              Index("ix_planner_probe_case_id", "case_id"),
              Index("ix_planner_probe_org_id", "org_id"))


@pytest.fixture
def probe(app):
    """The probe table, filled by the test with ``fill(rows)``; dropped afterwards."""
    with app.app_context():
        engine = db.engine
        META.create_all(engine)

        def fill(rows, analyze=False):
            with engine.begin() as connection:
                connection.execute(insert(PROBE), rows)
                if analyze:
                    connection.execute(text("ANALYZE"))
            return engine

        try:
            yield fill
        finally:
            META.drop_all(engine)


def _plan(connection, statement) -> str:
    compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
    explain = ("EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite"
               else "EXPLAIN ") + str(compiled)
    return "\n".join(str(row[-1]) for row in connection.execute(text(explain)))


def test_an_unindexed_term_is_a_filter_and_keeps_its_value(probe):
    # 4,000 rows of 400 cases; one organisation has a single row, so its index would be
    # the planner's first choice for it
    engine = probe([{"id": n, "case_id": f"c{n % 400}",
                     "org_id": "rare" if n == 7 else f"o{n % 3}"} for n in range(4000)],
                   analyze=True)
    cases = [f"c{n}" for n in range(300)]
    with engine.connect() as connection:
        plain = select(PROBE.c.id).where(PROBE.c.case_id.in_(cases), PROBE.c.org_id == "rare")
        steered = select(PROBE.c.id).where(PROBE.c.case_id.in_(cases),
                                           unindexed(PROBE.c.org_id) == "rare")
        assert "ix_planner_probe_org_id" in _plan(connection, plain)
        assert "ix_planner_probe_org_id" not in _plan(connection, steered)
        assert connection.execute(steered).scalars().all() == [7]
        assert connection.execute(select(PROBE.c.id).where(
            unindexed(PROBE.c.org_id).in_(["rare", "o1"]),
            PROBE.c.case_id == "c7")).scalars().all() == [
                n for n in range(7, 4000, 400) if n == 7 or n % 3 == 1]


def test_among_is_one_statement_for_any_number_of_values_and_finds_the_same_rows(probe):
    """``among(column, name)``: the rows of an IN over the list bound at execution, for
    no value, one and many; on PostgreSQL one array parameter, so one statement text —
    which PostgreSQL then plans once — whatever the list's length; on SQLite an IN that
    the column's index serves."""
    engine = probe([{"id": n, "case_id": f"c{n % 40}", "org_id": f"o{n % 3}"}
                    for n in range(400)])
    statement = select(PROBE.c.id).where(among(PROBE.c.case_id, "cases"),
                                         PROBE.c.org_id != "o0").order_by(PROBE.c.id)
    texts = set()
    with engine.connect() as connection:
        for cases in ([], ["c1"], ["c1", "c7", "nowhere"], [f"c{n}" for n in range(41)]):
            result = connection.execute(statement, {"cases": cases})
            texts.add(result.context.statement)
            assert result.scalars().all() == [
                n for n in range(400) if f"c{n % 40}" in cases and n % 3 != 0]
        if connection.dialect.name == "postgresql":
            assert len(texts) == 1 and "ANY" in texts.pop()
        else:  # (the last, forty-one values)
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + result.context.statement,
                                              tuple(result.context.parameters[0])).all()
            assert "ix_planner_probe_case_id" in "\n".join(str(row[-1]) for row in plan)


def test_a_list_of_one_is_bound_as_one_value_and_finds_the_same_rows(probe):
    """``among_or_one`` + ``bound``: a list of one value (however often repeated) is a
    comparison with that value, a longer one the sorted list — the same rows either way."""
    assert bound("ids", ["c2", "c1", "c2"]) == (False, {"ids": ["c1", "c2"]})
    assert bound("ids", {"c1"}) == (True, {"ids": "c1"})
    assert bound("ids", ["c1", "c1"]) == (True, {"ids": "c1"})
    engine = probe([{"id": n, "case_id": f"c{n % 40}", "org_id": "o"} for n in range(200)])
    for cases in (["c3"], ["c3", "c3"], ["c3", "c5"]):
        single, binds = bound("cases", cases)
        statement = select(PROBE.c.id).where(
            among_or_one(PROBE.c.case_id, "cases", single)).order_by(PROBE.c.id)
        with engine.connect() as connection:
            assert connection.execute(statement, binds).scalars().all() == [
                n for n in range(200) if f"c{n % 40}" in cases]
