"""The register extract (registerutdrag, GDPR art. 15) on the demo: Sara produces
Elias's extract; it holds his register entry and case, lists each flow of his
information with its basis (each consent flow, the statutory provision, when the
recipient read it), lists preliminary-investigation material as withheld without its
text (the extract is read through the policy, like the case page), holds nothing of
another youth, and is released only after her review — the
release logged without a word of its content.  A guardian's extract holds the guardian's
own data.  Members get 403, Fred 404."""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from auth.models import User
from consent.models import Consent
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case
from sig.extracts.models import SubjectExtract
from sig.youths.models import Guardian, Youth
from tests.case_helpers import text_of
from tests.helpers import Statements, demo_client, post

ELIAS, NORA = "Elias Lindqvist", "Nora Haddad"
SECRET_TEXT = "Förundersökning pågår om rån i centrum"



@pytest.fixture
def elias(app):
    app.config["MFA_REQUIRED"] = False
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        youth = next(y for y in db.session.scalars(select(Youth)) if y.name == ELIAS)
        case = db.session.scalar(select(Case).where(Case.youth_id == youth.id))
        grants = [(g.source_org_id, g.recipient_org_id, g.category, c.id, g.withdrawn_at)
                  for c in db.session.scalars(select(Consent).where(Consent.case_id == case.id))
                  for g in c.grants]
        guardian = db.session.scalars(select(Guardian).where(
            Guardian.youth_id == youth.id).order_by(Guardian.created_at)).first()
        return {"case": case.id, "youth": youth.id, "pnr": youth.pnr, "grants": grants,
                "guardian": guardian.id, "guardian_name": guardian.name}


def _ledger_rows(page: str) -> list[list[str]]:
    table = re.search(r'<table class="ledger">.*?</table>', page, re.S)
    assert table, "no ledger"
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row,
                                                                        re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)[1:]]


def test_sara_produces_elias_extract_with_every_flow_and_its_basis(app, elias):
    from auth import directory

    per = demo_client(app, "per")
    assert per.get(f"/cases/{elias['case']}").status_code == 200  # the police read it
    sara = demo_client(app, "sara")
    response = sara.get(f"/cases/{elias['case']}/extract")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Utkast – inte utlämnat" in page and ELIAS in page and elias["pnr"] in page
    assert NORA not in page  # nothing of another youth
    rows = _ledger_rows(page)
    with app.app_context():
        names = directory.names()
    consent_rows = [r for r in rows if r[3].startswith("Samtycke S-")]
    assert len(consent_rows) == len(elias["grants"])
    for source, recipient, category, consent_id, withdrawn in elias["grants"]:
        matching = [r for r in consent_rows if r[0] == names[recipient]
                    and r[1] == names[source] and f"S-{consent_id[:8].upper()}" in r[3]]
        assert matching, (source, recipient, category)
        if withdrawn is not None:
            assert any("återkallat" in r[3] for r in matching)
    statute = [r for r in rows if not r[3].startswith(("Samtycke", "Beslut"))]
    assert statute and all(re.search(r"kap\.|§", r[3]) for r in statute)  # a provision
    read_by_police = [r for r in consent_rows if "Polisen" in r[0] and "gång" in r[4]]
    assert read_by_police, "Per's read is in the ledger"


def test_what_the_policy_keeps_from_the_owner_is_listed_as_withheld_not_shown(app, elias):
    from sig.meetings.models import Meeting, MinutesEntry

    with app.app_context():
        per = db.session.scalar(select(User).where(User.username == "per"))
        meeting = db.session.scalars(select(Meeting).where(
            Meeting.case_id == elias["case"])).first()
        entry = MinutesEntry(meeting_id=meeting.id, case_id=elias["case"],
                             origin_org_id=per.organisation_id, category="police_information",
                             created_by_id=per.id, pre_investigation=True)
        entry.text = SECRET_TEXT
        db.session.add(entry)
        db.session.commit()
    sara = demo_client(app, "sara")
    page = sara.get(f"/cases/{elias['case']}/extract").get_data(as_text=True)
    # what the policy keeps from social services is not in its extract, nor that it is
    # preliminary-investigation material: the person is told to ask the police
    assert SECRET_TEXT not in page and "OSL 18 kap. 1 § (förundersökningssekretess)" \
        not in page
    assert "1 uppgift från Polisen" in page and "begära utdrag hos Polisen" in page


def test_the_extract_is_released_after_review_and_the_release_is_logged(app, elias):
    sara = demo_client(app, "sara")
    url = f"/cases/{elias['case']}/extract"
    unticked = post(sara, url, {"person": "youth"}, page=url)
    assert unticked.status_code == 200 and "Kryssa i rutan" in text_of(unticked)
    with app.app_context():
        assert db.session.scalars(select(SubjectExtract)).all() == []
    released = post(sara, url, {"person": "youth", "reviewed": "y"}, page=url)
    assert released.status_code == 302
    shown = sara.get(released.location)
    assert shown.status_code == 200 and ELIAS in shown.get_data(as_text=True)
    assert "Utkast" not in shown.get_data(as_text=True)
    data = sara.get(released.location + "?format=json")
    assert data.status_code == 200 and "attachment" in data.headers["Content-Disposition"]
    content = json.loads(data.get_data(as_text=True))
    assert content["format"] == "sig-subject-extract/1"
    assert content["subject"]["name"] == ELIAS and content["cases"][0]["ledger"]
    with app.app_context():
        extract = db.session.scalars(select(SubjectExtract)).one()
        assert ELIAS.encode() not in (extract.content_enc or b"")  # stored encrypted
        events = {e.event: e.details for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.event.like("extract_%")))}
    assert {"extract_previewed", "extract_released", "extract_viewed"} <= set(events)
    assert all(ELIAS not in d and "Lindqvist" not in d and elias["pnr"] not in d
               for d in events.values())


def test_a_guardians_extract_holds_the_guardians_data(app, elias):
    sara = demo_client(app, "sara")
    response = sara.get(f"/cases/{elias['case']}/extract",
                        query_string={"person": elias["guardian"]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Registrerat om {elias['guardian_name']}" in page
    assert "Familjen har tackat ja till familjebehandling" not in page  # the youth's minutes
    rows = _ledger_rows(page)
    assert rows and all(r[2] == "identitet" for r in rows)
    other = sara.get(f"/cases/{elias['case']}/extract",
                     query_string={"person": "00000000-0000-4000-8000-000000000000"})
    assert other.status_code == 404


@pytest.mark.parametrize("username, status", [("per", 403), ("kim", 403), ("fred", 404),
                                              ("maria", 404), ("eva", 404)])
def test_no_one_but_the_owner_produces_or_opens_an_extract(app, elias, username, status):
    sara = demo_client(app, "sara")
    url = f"/cases/{elias['case']}/extract"
    released = post(sara, url, {"person": "youth", "reviewed": "y"}, page=url)
    client = demo_client(app, username)
    for target in (url, released.location, released.location + "?format=json"):
        response = client.get(target)
        assert response.status_code == status, (username, target)
        assert ELIAS not in response.get_data(as_text=True)


def test_the_extract_holds_every_item_of_elias_and_nothing_of_another_youth(app, elias):
    """Every goal, action, meeting, minutes entry and outcome note of his case is in it."""
    from sig.meetings.models import Meeting, MinutesEntry
    from sig.outcomes.models import OutcomeEvent
    from sig.plans.models import Action, Goal

    with app.app_context():
        texts = [g.description for g in db.session.scalars(
            select(Goal).where(Goal.case_id == elias["case"]))]
        texts += [a.what for a in db.session.scalars(
            select(Action).where(Action.case_id == elias["case"]))]
        texts += [m.place for m in db.session.scalars(
            select(Meeting).where(Meeting.case_id == elias["case"])) if m.place]
        texts += [e.text for e in db.session.scalars(select(MinutesEntry).where(
            MinutesEntry.case_id == elias["case"], MinutesEntry.pre_investigation.is_(False)))]
        texts += [o.note for o in db.session.scalars(select(OutcomeEvent).where(
            OutcomeEvent.case_id == elias["case"])) if o.note]
        others = [y.name for y in db.session.scalars(select(Youth))
                  if y.name and y.id != elias["youth"]]
    assert len(texts) > 8
    page = demo_client(app, "sara").get(f"/cases/{elias['case']}/extract").get_data(
        as_text=True)
    page = html.unescape(page)
    missing = [t for t in texts if t not in page]
    assert missing == []
    assert not [name for name in others if name in page]


def test_a_read_is_dated_by_the_swedish_calendar(app, fake_clock, elias):
    """Per reads the case at half past midnight in Stockholm (23:30 UTC the evening
    before): the ledger dates his read by the Swedish day."""
    from kernel import clock

    fake_clock.current = fake_clock.current.replace(hour=23, minute=30)
    swedish, utc = clock.local_day(fake_clock.current), fake_clock.current.date()
    assert swedish != utc
    per = demo_client(app, "per")
    assert per.get(f"/cases/{elias['case']}").status_code == 200
    page = demo_client(app, "sara").get(f"/cases/{elias['case']}/extract").get_data(
        as_text=True)
    read = [r[4] for r in _ledger_rows(page) if "Polisen" in r[0] and "gång" in r[4]]
    assert read and all(swedish.isoformat() in cell and utc.isoformat() not in cell
                        for cell in read), read


def test_the_ledger_counts_each_read_within_the_flows_period_by_swedish_day(
        app, fake_clock, per, sara, orgs):
    """Reads are counted per flow while its basis held (by the Swedish day), only for the
    recipient organisation and only when the flow's category was shown — however many
    reads the log holds (it is read grouped, not entry by entry)."""
    import datetime as dt
    from types import SimpleNamespace

    from kernel.audit import AuditEvent, record
    from sig.extracts.ledger import Flow, _reads

    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    flow = Flow("Polisen", "Socialtjänsten", ["samordning"], "Samtycke", "consent",
                dt.date(2026, 3, 1), dt.date(2026, 3, 2), _recipient_id=orgs["police"].id,
                _codes=frozenset({"coordination"}))
    case = SimpleNamespace(id="c" * 36)

    def read(user, when, shown, event=AuditEvent.CASE_VIEWED):
        fake_clock.current = when
        record(event, actor=user, target_type="case", target_ref=case.id,
               details={"shown": shown})

    with app.app_context():
        police, social = db.session.get(User, per.id), db.session.get(User, sara.id)
        for minutes in (0, 5, 50):  # three reads in one hour
            read(police, start + dt.timedelta(minutes=minutes), ["coordination", "identity"])
        read(police, start + dt.timedelta(hours=3), ["identity"])  # the category not shown
        read(social, start + dt.timedelta(hours=4), ["coordination"])  # not the recipient
        # 23:30 UTC on 2 March is 00:30 on 3 March in Sweden: after the period
        read(police, dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC), ["coordination"])
        read(police, dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC), ["coordination"])
        read(police, dt.datetime(2026, 2, 28, 22, 59, tzinfo=dt.UTC), ["coordination"])
        # reads wholly after the period (another selection shown) count nothing
        for day in (5, 6):
            read(police, dt.datetime(2026, 3, day, 9, 0, tzinfo=dt.UTC),
                 ["coordination", "minutes"])
        db.session.commit()
        with Statements(app, "FROM audit_entries") as statements:
            _reads(case, [flow])
    # one grouped read, and one count of the one selection that straddles the period
    assert len(statements) == 2
    assert flow.reads == 4
    assert flow.first_read == "2026-03-01T10:00+01:00"
    assert flow.last_read == "2026-03-02T22:00+01:00"


def test_an_extract_released_twice_is_released_once(app, elias):
    """A double click on "release": one extract, one entry in the log of releases."""
    from tests.test_sent_once import SENT_TWICE, as_sent

    sara = demo_client(app, "sara")
    url = f"/cases/{elias['case']}/extract"
    sent = as_sent(sara, url, url, reviewed="y")
    assert sara.post(url, data=sent).status_code == 302
    second = sara.post(url, data=sent)
    assert second.status_code == 302 and SENT_TWICE in text_of(sara.get(second.location))
    with app.app_context():
        assert len(db.session.scalars(select(SubjectExtract)).all()) == 1
