"""Reference data kept by a worker between requests (``kernel.reference``): the
organisations and the statutory rules are read once per worker and again as soon as
anyone changes them — this worker, another worker, or an administrator in SQL — and a
change that is rolled back is not kept."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text, update

from auth import directory
from auth.models import Organisation, User
from auth.roles import OrganisationKind
from consent.grants import grants_for
from consent.models import StatutoryRule
from kernel import clock, reference
from kernel.db import db
from tests.helpers import Statements

U21 = "social_services_to_police_u21"


def stamp_now(app) -> str:
    """The stamp as a fresh request would read it."""
    with app.app_context():
        return db.session.scalar(text("SELECT stamp FROM reference_stamp WHERE id = 1"))


def another_worker(app, statement) -> None:
    """A write committed on a connection of its own, as another worker or psql would."""
    with app.extensions["sig.db"].engine.begin() as connection:
        connection.execute(statement)


def test_every_write_to_reference_data_gives_a_new_stamp(app, orgs):
    stamps = [stamp_now(app)]
    with app.app_context():
        db.session.add(Organisation(name="Fältgruppen", kind=str(OrganisationKind.OTHER)))
        db.session.commit()
    stamps.append(stamp_now(app))
    another_worker(app, update(Organisation).where(Organisation.id == orgs["it"].id)
                   .values(name="Kommunens IT-avdelning"))
    stamps.append(stamp_now(app))
    another_worker(app, update(StatutoryRule).where(StatutoryRule.code == U21)
                   .values(explanation="Ny förklaring."))
    stamps.append(stamp_now(app))
    with app.app_context():
        db.session.delete(db.session.scalar(
            select(Organisation).where(Organisation.name == "Fältgruppen")))
        db.session.commit()
    stamps.append(stamp_now(app))
    assert all(stamps) and len(set(stamps)) == len(stamps), stamps


def test_a_worker_reads_the_organisations_once_until_another_worker_renames_one(app, orgs):
    school = orgs["school"].id
    with app.test_request_context():
        assert directory.names()[school] == "Testskolan"
    with app.test_request_context(), Statements(app, "FROM organisations") as read:
        assert directory.names()[school] == "Testskolan"
        assert directory.kinds()[school] == str(OrganisationKind.SCHOOL)
    assert read == []  # kept by the worker
    another_worker(app, update(Organisation).where(Organisation.id == school)
                   .values(name="Nya Testskolan"))
    with app.test_request_context(), Statements(app, "FROM organisations") as read:
        assert directory.names()[school] == "Nya Testskolan"
    assert len(read) == 1


def test_a_request_that_writes_an_organisation_reads_it_back_and_a_rollback_is_forgotten(
        app, orgs):
    with app.test_request_context():
        before = directory.names()
        added = Organisation(name="Fältgruppen", kind=str(OrganisationKind.OTHER))
        db.session.add(added)
        db.session.flush()
        assert directory.names()[added.id] == "Fältgruppen"  # this request sees its write
        added_id = added.id
        db.session.rollback()
        assert directory.names() == before  # nor after its rollback, in the same request
    with app.test_request_context():
        assert directory.names() == before
        assert added_id not in directory.kinds()


def test_a_rule_ended_by_another_worker_opens_nothing_on_the_next_request(app, personas, orgs):
    from tests.worlds import case_with_every_record

    with app.app_context():
        case_id = case_with_every_record(personas, orgs)["case_id"]

    def decision_rules() -> list[str]:
        with app.test_request_context():
            per = db.session.get(User, personas["per"].id)
            return [r.code for r in grants_for(per, [case_id]).decision_rules]

    assert decision_rules() == [U21]
    assert decision_rules() == [U21]  # kept by the worker
    yesterday = clock.local_today() - dt.timedelta(days=1)
    another_worker(app, update(StatutoryRule).where(StatutoryRule.code == U21)
                   .values(valid_to=yesterday))
    try:
        assert decision_rules() == []
    finally:
        another_worker(app, update(StatutoryRule).where(StatutoryRule.code == U21)
                       .values(valid_to=None))
    assert decision_rules() == [U21]


def test_without_a_stamp_reference_data_is_kept_for_the_request_only(app, orgs):
    with app.test_request_context():
        reference.note(None)  # a database without the stamp's row
        with Statements(app, "FROM organisations") as read:
            directory.names()
            directory.kinds()
        assert len(read) == 1
    with app.test_request_context():
        reference.note(None)
        with Statements(app, "FROM organisations") as read:
            directory.names()
        assert len(read) == 1
