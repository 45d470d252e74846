"""Retention (gallring): on the demo, six years on, ``sig retention run`` deletes the
closed cases' personal data — the database file holds none of it afterwards — while the
managers' figures for past years stay exactly as they were and the access log still
verifies.  Open cases, cases under a legal hold and (where decided) research youths are
kept; a purged case is shown to no one, Fred included; the owner of a closed case sees
when it will be purged; an archive file can be written first."""
from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import stat

import pytest
from sqlalchemy import select

from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case, CaseStatus
from sig.youths.models import Guardian, Youth, YouthNameToken
from tests.helpers import Statements, demo_client

SIX_YEARS = dt.timedelta(days=6 * 366)


def _figures(app, years: list[int]) -> dict:
    """Every table of the dashboard for each year, as the CSV export shows it."""
    from flask_babel import force_locale

    from sig.statistics import dashboard
    from sig.statistics.periods import Period
    from sig.statistics.views import csv_rows

    out = {}
    with app.test_request_context(), force_locale("sv"):
        dashboard.clear_cache()
        for year in years:
            for name, measure in dashboard.MEASURES.items():
                out[year, name] = csv_rows(measure(Period.year(year)), str(year))
        dashboard.clear_cache()
    return out


def _personal(app, case_ids: set[str]) -> dict[str, list[bytes]]:
    """The ciphertexts of the youths' and guardians' fields and the cases' free text."""
    from sig.meetings.models import MinutesEntry
    from sig.plans.models import Goal

    found: dict[str, list[bytes]] = {}
    with app.app_context():
        cases = db.session.scalars(select(Case).where(Case.id.in_(case_ids))).all()
        youths = {c.youth_id for c in cases}
        for y in db.session.scalars(select(Youth).where(Youth.id.in_(youths))):
            found[f"youth {y.id}"] = [b for b in (y.name_enc, y.pnr_enc, y.contact_enc) if b]
        for g in db.session.scalars(select(Guardian).where(Guardian.youth_id.in_(youths))):
            found[f"guardian {g.id}"] = [b for b in (g.name_enc, g.contact_enc) if b]
        for model, column in ((Goal, "description_enc"), (MinutesEntry, "text_enc")):
            for item in db.session.scalars(select(model).where(model.case_id.in_(case_ids))):
                if getattr(item, column):
                    found[f"{model.__tablename__} {item.id}"] = [getattr(item, column)]
    return found


def _file_bytes(app) -> bytes:
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    return b"".join(pathlib.Path(p).read_bytes() for p in (path, path + "-wal")
                    if os.path.exists(p))



@pytest.fixture
def demo(app):
    app.config["MFA_REQUIRED"] = False
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        closed = {c.id: c.youth_id for c in db.session.scalars(
            select(Case).where(Case.status == CaseStatus.CLOSED.value))}
        open_ = {c.id: c.youth_id for c in db.session.scalars(
            select(Case).where(Case.status != CaseStatus.CLOSED.value))}
        names = {y.id: y.name for y in db.session.scalars(select(Youth))}
    assert closed and open_
    return {"closed": closed, "open": open_, "names": names}


def test_six_years_on_retention_deletes_the_closed_cases_and_keeps_the_figures(
        app, demo, fake_clock, tmp_path):
    fake_clock.advance(days=SIX_YEARS.days)
    today = fake_clock.current.date()
    years = list(range(today.year - 9, today.year - 5))
    before = _figures(app, years)
    secrets = _personal(app, set(demo["closed"]))
    assert any(secrets.values())
    # youths with an open case keep their register entry
    kept_youths = set(demo["open"].values())
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{len(demo['closed'])} closed cases" in dry.output
    assert not any(name in dry.output for name in demo["names"].values() if name)
    with app.app_context():
        assert db.session.scalar(select(Case.purged_at).where(
            Case.id.in_(demo["closed"]))) is None  # the dry run changed nothing

    declined = runner.invoke(args=["retention", "run"], input="n\n")
    assert "Nothing deleted." in declined.output
    archive_dir = tmp_path / "arkiv"
    done = runner.invoke(args=["retention", "run", "--yes", "--archive", str(archive_dir)])
    assert done.exit_code == 0, done.output
    assert f"Purged {len(demo['closed'])} cases" in done.output

    # the archive files hold the case in full, readable by their owner only
    files = sorted(archive_dir.iterdir())
    assert len(files) == len(demo["closed"])
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["format"] == "sig-case-archive/1" and doc["case"]["id"] in demo["closed"]
        assert doc["youth"]["name"] == demo["names"][doc["case"]["youth_id"]]

    with app.app_context():
        for case in db.session.scalars(select(Case).where(Case.id.in_(demo["closed"]))):
            assert case.purged_at is not None and case.referral_note_enc is None
        for youth_id in set(demo["closed"].values()) - kept_youths:
            youth = db.session.get(Youth, youth_id)
            assert youth.purged and youth.name is None and youth.pnr is None
            assert not db.session.scalars(select(YouthNameToken).where(
                YouthNameToken.youth_id == youth_id)).all()  # the name index forgets
            assert youth.birth_year  # the statistics' skeleton (with gender, dates, kinds)
        for youth_id in kept_youths:
            assert db.session.get(Youth, youth_id).name == demo["names"][youth_id]
        run = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "retention_run").order_by(AuditEntry.seq.desc())).first()
        assert json.loads(run.details)["cases"] == len(demo["closed"])
    if app.config["DATABASE_URL"].startswith("sqlite"):
        stored = _file_bytes(app)
        gone = {k: v for k, v in secrets.items()
                if k.split()[0] != "youth" or k.split()[1] not in kept_youths}
        assert gone and not any(blob in stored for blobs in gone.values() for blob in blobs)
    assert _figures(app, years) == before
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output

    # a purged case is shown to no one: not its owner, not its group, not Fred
    for username in ("sara", "per", "kim", "fred"):
        client = demo_client(app, username)
        listing = client.get("/cases").get_data(as_text=True)
        for case_id in demo["closed"]:
            assert client.get(f"/cases/{case_id}").status_code == 404, username
            assert case_id not in listing


def test_a_legal_hold_and_the_research_exception_keep_a_case(app, demo, fake_clock):
    from sig.retention.due import candidates

    fake_clock.advance(days=SIX_YEARS.days)
    runner = app.test_cli_runner()
    with app.app_context():
        born_on = {y.id: int(y.birth_date_text[8:10]) for y in db.session.scalars(
            select(Youth)) if y.birth_date_text}
    # (the ids are random: pick the research case among those with a birth date first,
    # then hold another one)
    research_id = next(c for c in sorted(demo["closed"]) if demo["closed"][c] in born_on)
    held_id = next(c for c in sorted(demo["closed"]) if c != research_id)
    reference = "SIG-" + held_id[:8].upper()
    hold = runner.invoke(args=["retention", "hold", reference, "--reason",
                               "Begäran från förvaltningsrätten"])
    assert hold.exit_code == 0, hold.output
    app.config["RETENTION_RESEARCH_BIRTH_DAYS"] = (born_on[demo["closed"][research_id]],)
    with app.app_context():
        found = {c.case_id: c.kept_because for c in candidates(fake_clock.current.date())}
    assert found[held_id] == "legal_hold" and found[research_id] == "research"
    assert "kept (legal hold): 1" in runner.invoke(args=["retention", "run", "--dry-run"]).output
    assert runner.invoke(args=["retention", "run", "--yes"]).exit_code == 0
    with app.app_context():
        assert db.session.get(Case, held_id).purged_at is None
        assert db.session.get(Case, research_id).purged_at is None
        assert db.session.get(Youth, demo["closed"][held_id]).name is not None
    assert runner.invoke(args=["retention", "release", reference]).exit_code == 0
    app.config["RETENTION_RESEARCH_BIRTH_DAYS"] = ()
    assert runner.invoke(args=["retention", "run", "--yes"]).exit_code == 0
    with app.app_context():
        assert db.session.get(Case, held_id).purged_at is not None
    bad = runner.invoke(args=["retention", "hold", "SIG-XYZ", "--reason", "x"])
    assert bad.exit_code != 0 and "pseudonym" in bad.output


def test_nothing_is_due_before_its_time(app, demo, fake_clock):
    from sig.retention.due import candidates

    with app.app_context():
        assert candidates(fake_clock.current.date()) == []
    result = app.test_cli_runner().invoke(args=["retention", "run", "--yes"])
    assert result.exit_code == 0 and "Due on" in result.output and "0 closed cases" in result.output
    with app.app_context():
        assert db.session.scalar(select(Case.purged_at).where(Case.purged_at.is_not(None))) is None


def test_the_owner_of_a_closed_case_sees_when_it_is_purged_and_members_do_not(app, demo):
    from sig.retention.due import due_date_of

    sara, per = demo_client(app, "sara"), demo_client(app, "per")
    for case_id in demo["closed"]:
        page = sara.get(f"/cases/{case_id}")
        if page.status_code != 200:
            continue  # another owner's case
        with app.app_context():
            due = due_date_of(db.session.get(Case, case_id))
        text = page.get_data(as_text=True)
        assert f"raderas från {due.isoformat()}" in text and "Gallring" in text
        member_view = per.get(f"/cases/{case_id}")
        if member_view.status_code == 200:
            assert "Gallring" not in member_view.get_data(as_text=True)
        # under a legal hold the page says the case is kept, not when it goes
        from sig.retention.models import RetentionHold
        with app.app_context():
            db.session.add(RetentionHold(case_id=case_id))
            db.session.commit()
        text = sara.get(f"/cases/{case_id}").get_data(as_text=True)
        assert "rättsligt kvarhållande" in text and "raderas från" not in text
        break
    else:
        pytest.fail("Sara owns no closed demo case")


def test_the_last_entry_is_the_latest_date_of_any_table_as_a_swedish_day(
        app, personas, orgs):
    """Dates (a membership's last day) and times (a minutes entry's change) of every table are
    compared in one statement; a time late on 31 December UTC is already the next year in
    Sweden, which moves the purge a year."""
    from sqlalchemy import update

    from sig.cases.models import Membership
    from sig.meetings.models import MinutesEntry
    from sig.retention.due import due_from, last_entries
    from tests.worlds import case_with_every_record

    with app.app_context():
        case_id = case_with_every_record(personas, orgs)["case_id"]
        other = case_with_every_record(personas, orgs)["case_id"]
        db.session.commit()
        before = last_entries([case_id, other])
        assert set(before) == {case_id, other}
        far = dt.date(2030, 6, 1)
        db.session.execute(update(Membership).where(Membership.case_id == case_id)
                           .values(to_date=far))
        assert last_entries([case_id])[case_id] == far
        db.session.execute(update(MinutesEntry).where(MinutesEntry.case_id == case_id)
                           .values(updated_at=dt.datetime(2030, 12, 31, 23, 30)))
        with Statements(app, "SELECT") as read:
            last = last_entries([case_id, other])
        assert len(read) == 1  # every table in one statement
        assert last[case_id] == dt.date(2031, 1, 1)  # 00:30 in Stockholm
        assert due_from(last[case_id]) == dt.date(2037, 1, 1)
        assert last[other] == before[other]  # each case its own
        # the case page's notice and the purge read a legal hold in the same statement
        from sig.retention.due import standing_of
        from sig.retention.models import RetentionHold
        db.session.add(RetentionHold(case_id=other))
        db.session.flush()
        with Statements(app, "SELECT") as read:
            found = standing_of([case_id, other])
        assert len(read) == 1
        assert (found[case_id].held, found[other].held) == (False, True)
        assert (found[case_id].last_entry, found[other].last_entry) == (last[case_id],
                                                                        last[other])
        db.session.rollback()
