"""Consents on a case: recording, the rules (parties by age and custody, period),
withdrawal in whole or in part taking effect on the very next request, the signed form
(encrypted, owner-only, audited), the printable Swedish form, and the flags.

Sara (social services) owns the case; Per (police) and Kim (school) are in the group;
Fred (police, other groups) must find no trace.  Tests assert on data and HTML
structure; where a text matters it is computed through the catalogue, so translating
it does not break the test.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from consent.models import Consent, ConsentGrant, ConsentParty
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.subjects import subjects
from tests.case_helpers import add_member, open_case, register_youth, text_of, valid_pnr
from tests.helpers import csrf, login, post

STOCKHOLM = ZoneInfo("Europe/Stockholm")
YOUTH = "Kalle Samtyckesson"
GUARDIAN_1 = "Anna Samtyckesson"
GUARDIAN_2 = "Bo Samtyckesson"
ASSESSMENT = "Bedömning: behov av stöd enligt SoL kvarstår"
NOTE = "Muntligt samtycke vid hembesök hos familjen"
PDF = b"%PDF-1.4\n% Underskrivet av Anna Samtyckesson\n%%EOF\n"


# --- helpers ----------------------------------------------------------------------------------


def birth_for_age(today: dt.date, years: int) -> str:
    """A birth date (YYYYMMDD) making the youth ``years`` old, not near a birthday."""
    birth = today - dt.timedelta(days=years * 365 + years // 4 + 40)
    return birth.strftime("%Y%m%d")


def logged_in(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


def make_case(app, client, sara, per, kim, fake_clock, *, age: int = 16,
              second_guardian: bool = False) -> str:
    login(client, sara, fake_clock=fake_clock)
    extra = {}
    if second_guardian:
        extra = {"guardian2_name": GUARDIAN_2, "guardian2_contact": "070-222 22 22",
                 "guardian2_custody": "y"}
    pnr = valid_pnr(birth_for_age(fake_clock.current.date(), age), "123")
    youth_id = register_youth(client, name=YOUTH, pnr=pnr, guardian1_name=GUARDIAN_1,
                              **extra)
    case_id = open_case(client, youth_id)
    add_member(client, case_id, per, function="kommunpolis")
    add_member(client, case_id, kim, function="skolkurator")
    return case_id


def guardians(app, case_id: str) -> tuple[str, ...]:
    """Custody guardian ids in the rules' order (guardian 1, guardian 2, ...)."""
    with app.app_context():
        return subjects([case_id])[case_id].custody_guardian_ids


def grant(orgs, source: str, recipient: str, category: str) -> str:
    return f"{orgs[source].id}:{orgs[recipient].id}:{category}"


def record(client, case_id: str, *, grants: list[str], youth: bool = True,
           guardian_ids=(), given_on: dt.date | None = None,
           valid_from: dt.date | None = None, valid_to: dt.date | None = None,
           method: str = "signed_form", note: str = "", today: dt.date):
    data = {"guardians": list(guardian_ids), "grants": grants, "method": method,
            "given_on": (given_on or today).isoformat(),
            "valid_from": (valid_from or today).isoformat(),
            "valid_to": (valid_to or today + dt.timedelta(days=365)).isoformat(),
            "note": note}
    if youth:
        data["youth"] = "y"
    return post(client, f"/cases/{case_id}/consents/new", data,
                page=f"/cases/{case_id}/consents/new")


def recorded(response) -> str:
    assert response.status_code == 302, text_of(response)[-3000:]
    return response.location.rsplit("#consent-", 1)[-1]


def schedule_and_write(client, case_id: str, now: dt.datetime, text: str,
                       category: str = "social_assessment") -> str:
    starts = (now - dt.timedelta(hours=1)).astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")
    response = post(client, f"/cases/{case_id}/meetings/new",
                    {"starts_at": starts, "place": "Rum 1", "agenda": "Planen",
                     "invite_group": "y"}, page=f"/cases/{case_id}/meetings/new")
    assert response.status_code == 302, text_of(response)[-2000:]
    meeting_id = response.location.split("#")[0].rsplit("/", 1)[-1]
    response = post(client, f"/cases/{case_id}/meetings/{meeting_id}/protocol",
                    {"category": category, "text": text}, page=f"/cases/{case_id}")
    assert response.status_code == 302
    return meeting_id


def sv(app, message: str, **values) -> str:
    """``message`` as a Swedish user reads it (translated or not yet)."""
    with app.test_request_context(), force_locale("sv"):
        return gettext(message, **values)


def consent_section(page: str, consent_id: str) -> str:
    match = re.search(rf'<section class="consent" id="consent-{consent_id}".*?</section>',
                      page)
    assert match, "no such consent on the page"
    return match.group(0)


# --- the flow opened and closed ----------------------------------------------------------------


def test_consent_opens_a_flow_and_its_withdrawal_applies_on_the_next_request(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=16)
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, ASSESSMENT)
    meeting = f"/cases/{case_id}/meetings/{meeting_id}"
    per_client = logged_in(app, per, fake_clock)
    kim_client = logged_in(app, kim, fake_clock)
    assert ASSESSMENT not in text_of(per_client.get(meeting))

    today = fake_clock.current.date()
    consent_id = recorded(record(
        client, case_id, grants=[grant(orgs, "social", "police", "social_assessment")],
        guardian_ids=guardians(app, case_id), today=today, note=NOTE))

    with app.app_context():
        consent = db.session.get(Consent, consent_id)
        assert consent.documented_by_id == sara.id and consent.method == "signed_form"
        assert consent.note == NOTE and NOTE.encode() not in consent.note_enc
        assert sorted(p.kind for p in consent.parties) == ["guardian", "youth"]
        assert [(g.source_org_id, g.recipient_org_id, g.category) for g in consent.grants] \
            == [(orgs["social"].id, orgs["police"].id, "social_assessment")]

    page = text_of(client.get(f"/cases/{case_id}/consents"))
    assert 'class="consent-status valid"' in consent_section(page, consent_id)

    per_page = text_of(per_client.get(meeting))
    assert ASSESSMENT in per_page
    assert ASSESSMENT not in text_of(kim_client.get(meeting))

    with app.app_context():
        grant_id = db.session.scalar(select(ConsentGrant.id).where(
            ConsentGrant.consent_id == consent_id))
    response = post(client, f"/cases/{case_id}/consents/{consent_id}/grants/{grant_id}/withdraw",
                    page=f"/cases/{case_id}/consents")
    assert response.status_code == 302

    per_page = text_of(per_client.get(meeting))  # Per's very next request
    assert ASSESSMENT not in per_page
    notice = re.search(r'<section class="withheld-notice".*?</section>', per_page)
    assert notice and orgs["social"].name in notice.group(0)

    with app.app_context():  # nothing deleted: the flow is kept, marked withdrawn
        row = db.session.get(ConsentGrant, grant_id)
        assert row.withdrawn_by_id == sara.id and row.withdrawn_at is not None
        assert db.session.get(Consent, consent_id).withdrawn_at is None
    section = consent_section(text_of(client.get(f"/cases/{case_id}/consents")), consent_id)
    assert f'id="grant-{grant_id}" class="grant withdrawn"' in section
    assert sv(app, "Every flow of this consent is withdrawn: it opens nothing.") in section


def test_a_party_withdrawing_or_the_whole_consent_withdrawn_closes_the_flow(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=16)
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, ASSESSMENT)
    meeting = f"/cases/{case_id}/meetings/{meeting_id}"
    today = fake_clock.current.date()
    first = recorded(record(client, case_id, today=today,
                            grants=[grant(orgs, "social", "police", "social_assessment")],
                            guardian_ids=guardians(app, case_id)))
    per_client = logged_in(app, per, fake_clock)
    assert ASSESSMENT in text_of(per_client.get(meeting))
    with app.app_context():
        party_id = db.session.scalar(select(ConsentParty.id).where(
            ConsentParty.consent_id == first, ConsentParty.kind == "guardian"))
    assert post(client, f"/cases/{case_id}/consents/{first}/parties/{party_id}/withdraw",
                page=f"/cases/{case_id}/consents").status_code == 302
    assert ASSESSMENT not in text_of(per_client.get(meeting))
    section = consent_section(text_of(client.get(f"/cases/{case_id}/consents")), first)
    assert 'class="consent-status not-valid"' in section
    assert sv(app, "Guardian %(n)d has not consented.", n=1) in section

    second = recorded(record(client, case_id, today=today,
                             grants=[grant(orgs, "social", "police", "social_assessment")],
                             guardian_ids=guardians(app, case_id)))
    assert ASSESSMENT in text_of(per_client.get(meeting))
    assert post(client, f"/cases/{case_id}/consents/{second}/withdraw",
                page=f"/cases/{case_id}/consents").status_code == 302
    assert ASSESSMENT not in text_of(per_client.get(meeting))
    with app.app_context():
        assert len(db.session.scalars(select(Consent)).all()) == 2
        withdrawn = db.session.get(Consent, second)
        assert withdrawn.withdrawn_by_id == sara.id and withdrawn.withdrawn_at is not None
    # a withdrawn consent cannot be withdrawn again, nor its parts
    again = post(client, f"/cases/{case_id}/consents/{second}/withdraw",
                 page=f"/cases/{case_id}/consents")
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Consent, second).withdrawn_at == withdrawn.withdrawn_at


# --- the rules ---------------------------------------------------------------------------------


def test_a_16_year_old_without_guardian_2_is_not_valid_and_says_so(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=16, second_guardian=True)
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, ASSESSMENT)
    guardian_1, guardian_2 = guardians(app, case_id)
    consent_id = recorded(record(
        client, case_id, today=fake_clock.current.date(), guardian_ids=[guardian_1],
        grants=[grant(orgs, "social", "police", "social_assessment")]))
    section = consent_section(text_of(client.get(f"/cases/{case_id}/consents")), consent_id)
    assert 'class="consent-status not-valid"' in section
    assert sv(app, "Guardian %(n)d has not consented.", n=2) in section
    assert sv(app, "Guardian %(n)d has not consented.", n=1) not in section
    per_client = logged_in(app, per, fake_clock)
    assert ASSESSMENT not in text_of(per_client.get(f"/cases/{case_id}/meetings/{meeting_id}"))

    # the youth's own consent is needed from 15 too
    no_youth = recorded(record(
        client, case_id, today=fake_clock.current.date(), youth=False,
        guardian_ids=[guardian_1, guardian_2],
        grants=[grant(orgs, "social", "police", "social_assessment")]))
    section = consent_section(text_of(client.get(f"/cases/{case_id}/consents")), no_youth)
    assert sv(app, "The youth has not consented.") in section

    # flagged on the case page and on Sara's start page; Per sees no consent box
    case_page = text_of(client.get(f"/cases/{case_id}"))
    assert 'class="consent-summary"' in case_page
    assert sv(app, "Guardian %(n)d has not consented.", n=2) in case_page
    start = text_of(client.get("/start"))
    assert 'id="my-consents"' in start and f"#consent-{consent_id}" in start
    assert 'class="consent-summary"' not in text_of(
        per_client.get(f"/cases/{case_id}"))
    assert 'id="my-consents"' not in text_of(per_client.get("/start"))


def test_an_adult_youth_consents_alone(app, client, sara, per, kim, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=19)
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, ASSESSMENT)
    consent_id = recorded(record(
        client, case_id, today=fake_clock.current.date(), youth=True,
        grants=[grant(orgs, "social", "police", "social_assessment")]))
    section = consent_section(text_of(client.get(f"/cases/{case_id}/consents")), consent_id)
    assert 'class="consent-status valid"' in section
    per_client = logged_in(app, per, fake_clock)
    assert ASSESSMENT in text_of(per_client.get(f"/cases/{case_id}/meetings/{meeting_id}"))


def test_an_expired_consent_is_not_valid_and_one_ending_soon_is_flagged(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=19)
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, ASSESSMENT)
    today = fake_clock.current.date()
    expired = recorded(record(
        client, case_id, today=today, given_on=today - dt.timedelta(days=400),
        valid_from=today - dt.timedelta(days=400), valid_to=today - dt.timedelta(days=1),
        grants=[grant(orgs, "social", "police", "social_assessment")]))
    section = consent_section(text_of(client.get(f"/cases/{case_id}/consents")), expired)
    assert 'class="consent-status not-valid"' in section
    assert sv(app, "Expired: it was valid until %(date)s.",
              date=(today - dt.timedelta(days=1)).isoformat()) in section
    per_client = logged_in(app, per, fake_clock)
    meeting = f"/cases/{case_id}/meetings/{meeting_id}"
    assert ASSESSMENT not in text_of(per_client.get(meeting))
    assert 'id="my-consents"' not in text_of(client.get("/start"))  # expired: not flagged

    ending = recorded(record(
        client, case_id, today=today, valid_to=today + dt.timedelta(days=10),
        grants=[grant(orgs, "social", "police", "social_assessment")]))
    assert ASSESSMENT in text_of(per_client.get(meeting))
    ends = sv(app, "The consent ends on %(date)s.",
              date=(today + dt.timedelta(days=10)).isoformat())
    assert ends in text_of(client.get(f"/cases/{case_id}"))
    start = text_of(client.get("/start"))
    assert f"#consent-{ending}" in start and ends in start

    # its only flow withdrawn, it opens nothing: flagged neither on the start page nor in
    # the case page's consent box
    with app.app_context():
        grant_id = db.session.scalar(select(ConsentGrant.id).where(
            ConsentGrant.consent_id == ending))
    post(client, f"/cases/{case_id}/consents/{ending}/grants/{grant_id}/withdraw",
         page=f"/cases/{case_id}/consents")
    assert ends not in text_of(client.get("/start"))
    assert ends not in text_of(client.get(f"/cases/{case_id}"))


def test_recording_is_checked(app, client, sara, per, kim, lo, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=16)
    today = fake_clock.current.date()
    # Lo's leisure organisation takes no part in the case; no party; future date
    for kwargs in ({"grants": [grant(orgs, "social", "leisure", "minutes")]},
                   {"grants": [grant(orgs, "social", "police", "minutes")], "youth": False},
                   {"grants": []},
                   {"grants": [grant(orgs, "social", "police", "minutes")],
                    "given_on": today + dt.timedelta(days=2)}):
        response = record(client, case_id, today=today, **kwargs)
        assert response.status_code == 200
        assert 'class="errors"' in text_of(response)
    with app.app_context():
        assert db.session.scalars(select(Consent)).all() == []


# --- the signed form ---------------------------------------------------------------------------


def upload(client, case_id: str, consent_id: str, data: bytes, name: str = "scan.pdf"):
    import io

    token = csrf(client, f"/cases/{case_id}/consents")
    return client.post(f"/cases/{case_id}/consents/{consent_id}/form",
                       data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_signed_form_is_stored_encrypted_and_only_the_owner_downloads_it(
        app, client, sara, per, kim, fred, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=19)
    consent_id = recorded(record(client, case_id, today=fake_clock.current.date(),
                                 grants=[grant(orgs, "social", "police", "minutes")]))
    # not an accepted type, too large: refused with a message, nothing stored
    refused = upload(client, case_id, consent_id, b"MZ\x90\x00 not a form", "virus.exe")
    assert refused.status_code == 302
    page = text_of(client.get(f"/cases/{case_id}/consents"))
    assert sv(app, "Upload the signed form as a PDF, JPEG or PNG file.") in page
    app.config["CONSENT_FORM_MAX_BYTES"] = 10
    try:
        upload(client, case_id, consent_id, PDF)
    finally:
        del app.config["CONSENT_FORM_MAX_BYTES"]
    with app.app_context():
        assert db.session.get(Consent, consent_id).form_enc is None

    assert upload(client, case_id, consent_id, PDF,
                  f"samtycke {YOUTH}.pdf").status_code == 302
    with app.app_context():
        consent = db.session.get(Consent, consent_id)
        assert consent.form_mime == "application/pdf"
        assert PDF not in consent.form_enc and b"Samtyckesson" not in consent.form_enc
        assert YOUTH not in (consent.form_filename or "")
    url = f"/cases/{case_id}/consents/{consent_id}/form"
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "Samtyckesson" not in disposition
    assert download.headers["Cache-Control"] == "no-store"
    # a second upload does not replace the stored form
    upload(client, case_id, consent_id, b"\x89PNG\r\n\x1a\nother")
    assert client.get(url).data == PDF

    assert logged_in(app, per, fake_clock).get(url).status_code == 403
    assert logged_in(app, fred, fake_clock).get(url).status_code == 404
    with app.app_context():
        events = [e.event for e in db.session.scalars(select(AuditEntry))]
        assert events.count("consent_form_downloaded") == 2


# --- the printable form ------------------------------------------------------------------------


def test_the_printable_form_is_swedish_and_names_parties_and_scope(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=16, second_guardian=True)
    today = fake_clock.current.date()
    data = {"youth": "y", "guardians": list(guardians(app, case_id)),
            "grants": [grant(orgs, "social", "police", "social_assessment"),
                       grant(orgs, "school", "social", "school_information")],
            "method": "signed_form", "given_on": "", "valid_from": today.isoformat(),
            "valid_to": (today + dt.timedelta(days=180)).isoformat()}
    response = post(client, f"/cases/{case_id}/consents/print", data,
                    page=f"/cases/{case_id}/consents/new")
    assert response.status_code == 200
    page = text_of(response)
    assert '<html lang="sv">' in page
    assert "frivilligt" in page and "återkalla" in page
    for name in (YOUTH, GUARDIAN_1, GUARDIAN_2, orgs["social"].name, orgs["police"].name,
                 orgs["school"].name):
        assert name in page
    assert page.count('class="sign party"') == 3
    assert page.count('class="flow"') == 2
    with app.app_context():
        assert db.session.scalars(select(Consent)).all() == []  # printing records nothing

    consent_id = recorded(record(client, case_id, today=today,
                                 guardian_ids=guardians(app, case_id),
                                 grants=[grant(orgs, "social", "police", "minutes")]))
    printed = text_of(client.get(f"/cases/{case_id}/consents/{consent_id}/print"))
    assert printed.count('class="sign party"') == 3 and printed.count('class="flow"') == 1
    with app.app_context():
        events = [e.event for e in db.session.scalars(select(AuditEntry))]
        assert events.count("consent_form_printed") == 2


# --- who may do what ---------------------------------------------------------------------------


def consent_urls(case_id: str, consent_id: str, party_id: str, grant_id: str):
    base = f"/cases/{case_id}/consents"
    gets = [base, f"{base}/new", f"{base}/{consent_id}/form", f"{base}/{consent_id}/print"]
    posts = [f"{base}/new", f"{base}/print", f"{base}/{consent_id}/withdraw",
             f"{base}/{consent_id}/parties/{party_id}/withdraw",
             f"{base}/{consent_id}/grants/{grant_id}/withdraw", f"{base}/{consent_id}/form"]
    return gets, posts


@pytest.fixture
def consent_case(app, client, sara, per, kim, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=16)
    consent_id = recorded(record(client, case_id, today=fake_clock.current.date(),
                                 guardian_ids=guardians(app, case_id),
                                 grants=[grant(orgs, "social", "police", "minutes")]))
    upload(client, case_id, consent_id, PDF)
    with app.app_context():
        consent = db.session.get(Consent, consent_id)
        return case_id, consent_id, consent.parties[0].id, consent.grants[0].id


def test_members_get_403_and_fred_404_on_every_consent_url(
        app, client, per, kim, fred, maria, consent_case, fake_clock):
    case_id, consent_id, party_id, grant_id = consent_case
    gets, posts = consent_urls(case_id, consent_id, party_id, grant_id)
    for user, expected in ((per, 403), (kim, 403), (fred, 404), (maria, 404)):
        other = logged_in(app, user, fake_clock)
        token = csrf(other, "/account")
        for url in gets:
            assert other.get(url).status_code == expected, (user.username, url)
        for url in posts:
            assert other.post(url, data={"csrf_token": token}).status_code == expected, \
                (user.username, url)
        assert "/consents" not in text_of(other.get("/start"))
    fred_client = logged_in(app, fred, fake_clock)
    assert fred_client.get(f"/cases/{case_id}").status_code == 404
    with app.app_context():  # nothing changed
        consent = db.session.get(Consent, consent_id)
        assert consent.withdrawn_at is None
        assert all(p.withdrawn_at is None for p in consent.parties)
        assert all(g.withdrawn_at is None for g in consent.grants)
        denied = [json.loads(e.details) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.event == "access_denied"))]
        assert any(d.get("reason") == "owner_only" for d in denied)


def test_consent_of_another_case_is_not_found(app, client, sara, per, kim, consent_case,
                                              fake_clock):
    case_id, consent_id, party_id, grant_id = consent_case
    other_youth = register_youth(client, name="Lisa Annan",
                                 pnr=valid_pnr("20090601", "456"))
    other_case = open_case(client, other_youth)
    assert client.get(f"/cases/{other_case}/consents/{consent_id}/form").status_code == 404
    assert post(client, f"/cases/{other_case}/consents/{consent_id}/withdraw",
                page=f"/cases/{other_case}/consents").status_code == 404
    assert post(client, f"/cases/{case_id}/consents/{consent_id}/grants/{party_id}/withdraw",
                page=f"/cases/{case_id}/consents").status_code == 404


def test_post_without_csrf_token_is_rejected(app, client, consent_case):
    case_id, consent_id, party_id, grant_id = consent_case
    _gets, posts = consent_urls(case_id, consent_id, party_id, grant_id)
    for url in posts:
        assert client.post(url, data={}).status_code == 400, url
    with app.app_context():
        assert db.session.get(Consent, consent_id).withdrawn_at is None


def test_the_access_log_has_ids_and_categories_never_names_note_or_file(
        app, client, sara, per, kim, orgs, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, age=16, second_guardian=True)
    today = fake_clock.current.date()
    consent_id = recorded(record(client, case_id, today=today, note=NOTE,
                                 guardian_ids=guardians(app, case_id),
                                 grants=[grant(orgs, "social", "police", "minutes")]))
    upload(client, case_id, consent_id, PDF)
    client.get(f"/cases/{case_id}/consents/{consent_id}/form")
    client.get(f"/cases/{case_id}/consents/{consent_id}/print")
    with app.app_context():
        grant_id = db.session.scalar(select(ConsentGrant.id))
    post(client, f"/cases/{case_id}/consents/{consent_id}/grants/{grant_id}/withdraw",
         page=f"/cases/{case_id}/consents")
    with app.app_context():
        log = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    by_event: dict[str, list[dict]] = {}
    for entry in log:
        by_event.setdefault(entry.event, []).append(json.loads(entry.details))
        for secret in (YOUTH, GUARDIAN_1, GUARDIAN_2, "Samtyckesson", NOTE, "Sara Testsson",
                       "Underskrivet"):
            assert secret not in entry.details, (entry.event, secret)
    recorded_ = by_event["consent_recorded"]
    assert recorded_[0]["grants"] == [[orgs["social"].id, orgs["police"].id, "minutes"]]
    assert recorded_[0]["guardians"] == 2 and recorded_[0]["youth"] is True
    assert recorded_[1]["form"] == "uploaded"
    assert by_event["consent_withdrawn"] == [{"case": case_id, "scope": "grant",
                                              "grant": grant_id, "category": "minutes",
                                              "source_org": orgs["social"].id,
                                              "recipient_org": orgs["police"].id}]
    assert "consent_viewed" in by_event and "consent_form_downloaded" in by_event
