"""Documents on a case: recognised by content (polyglots refused), size-limited, encrypted
at rest, shown and withheld by the policy, downloaded as files (no-store, nosniff),
every download logged — Fred and the members who may not see one get nothing."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select, text

from kernel import files
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.documents.models import Document
from tests.case_helpers import text_of
from tests.helpers import Statements, csrf
from tests.test_meetings import case_with_group, logged_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + b"IEND\xaeB`\x82"
JPEG = b"\xff\xd8\xff\xe0" + b"\x10" * 64 + b"\xff\xd9"
TITLE = "Social utredning om familjen Dokumentsson"


@pytest.mark.parametrize("data, expected", [
    (PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"),
])
def test_whole_files_of_the_accepted_kinds_are_recognised(data, expected):
    assert files.recognise(data, 10_000).mime == expected


@pytest.mark.parametrize("data, code", [
    (b"", "empty"),
    (PDF * 500, "too_large"),
    (b"<html><body>Inte ett dokument</body></html>", "type"),
    (b"GIF89a" + b"\x00" * 20, "type"),
    (b"%PDF-1.4\n", "type"),                                    # no end: not a whole PDF
    (b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF", "active"),  # polyglot
    (b"%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF", "active"),
    (b"%PDF-1.4\n<< /S /Launch /F (cmd.exe) >>\n%%EOF", "active"),
    (b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>IEND\xaeB`\x82", "active"),
    (b"\xff\xd8\xff<!DOCTYPE html><a href='javascript:x'>\xff\xd9", "active"),
])
def test_anything_else_is_refused_with_a_reason(data, code):
    with pytest.raises(files.Refused) as refused:
        files.recognise(data, 10_000)
    assert refused.value.code == code


def _upload(client, case_id, data: bytes, *, title=TITLE, category="social_assessment"):
    return client.post(f"/cases/{case_id}/documents/new", data={
        "title": title, "category": category, "file": (io.BytesIO(data), "vad-som-helst.html"),
        "csrf_token": csrf(client, f"/cases/{case_id}/documents/new")},
        content_type="multipart/form-data")


def test_a_document_is_encrypted_read_through_the_policy_and_each_download_logged(
        app, client, sara, per, kim, fred, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    assert _upload(client, case_id, PDF).status_code == 302
    with app.app_context():
        document = db.session.scalar(select(Document))
        document_id = document.id
        raw = db.session.execute(text("SELECT title_enc, content_enc FROM documents")).one()
    assert TITLE.encode() not in raw[0] and b"Catalog" not in raw[1]
    page = text_of(client.get(f"/cases/{case_id}"))
    assert TITLE in page
    response = client.get(f"/cases/{case_id}/documents/{document_id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "Dokumentsson" not in disposition
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "document_downloaded")).one()
        assert json.loads(entry.details)["document"] == document_id
    # the police member may not see social services' assessment: not listed, not served,
    # and told it is withheld; Fred gets what a wrong id gets
    per_client = logged_in(app, per, fake_clock)
    per_page = text_of(per_client.get(f"/cases/{case_id}"))
    assert TITLE not in per_page and "social bedömning" in per_page
    assert per_client.get(f"/cases/{case_id}/documents/{document_id}").status_code == 404
    fred_client = logged_in(app, fred, fake_clock)
    assert fred_client.get(f"/cases/{case_id}/documents/{document_id}").status_code == 404


def test_a_member_adds_her_organisations_document_and_sees_it(
        app, client, sara, per, kim, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    kim_client = logged_in(app, kim, fake_clock)
    response = _upload(kim_client, case_id, PNG, title="Skolans rapport",
                       category="school_information")
    assert response.status_code == 302
    assert "Skolans rapport" in text_of(kim_client.get(f"/cases/{case_id}"))
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.origin_org_id == kim.organisation_id and document.mime == "image/png"


@pytest.mark.parametrize("data, message", [
    (b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF", "webbsidekod"),
    (b"<html>hej</html>", "PDF, JPEG eller PNG"),
    (b"", "Välj filen"),
])
def test_a_refused_file_says_why_and_keeps_the_title(app, client, sara, per, kim, fake_clock,
                                                      data, message):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    response = _upload(client, case_id, data)
    assert response.status_code == 400
    assert message in text_of(response) and TITLE in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None


def test_the_signed_consent_form_refuses_a_polyglot_too(app, client, sara, per, kim, orgs,
                                                         fake_clock):
    from tests.test_consents import grant, guardians, record, recorded

    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    consent_id = recorded(record(client, case_id, guardian_ids=guardians(app, case_id),
                                 grants=[grant(orgs, "social", "police", "coordination")],
                                 today=fake_clock.current.date()))
    url = f"/cases/{case_id}/consents/{consent_id}/form"
    response = client.post(url, data={
        "file": (io.BytesIO(b"%PDF-1.4\n<html><script>x</script></html>\n%%EOF"), "f.pdf"),
        "csrf_token": csrf(client, f"/cases/{case_id}/consents")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert "webbsidekod" in text_of(client.get(response.location))


def test_a_file_field_sent_as_text_is_no_file(app, client, sara, per, kim, fake_clock):
    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    response = client.post(f"/cases/{case_id}/documents/new", data={
        "title": TITLE, "category": "minutes", "file": "inte en fil",
        "csrf_token": csrf(client, f"/cases/{case_id}/documents/new")})
    assert response.status_code == 400 and "Välj filen" in text_of(response)


def test_pages_that_list_files_do_not_read_them(app, client, sara, per, kim, fred, orgs,
                                                fake_clock):
    """A document's content and a signed consent form are read only when one is opened:
    the case page, the consent box, the overview, view-as, the print and the lists load
    their rows without the files (a few scanned forms made every page read megabytes)."""
    from tests.test_consents import grant, guardians, record, recorded, sv, upload

    case_id = case_with_group(app, client, sara, per, kim, fake_clock)
    assert _upload(client, case_id, PDF, category="coordination").status_code == 302
    consent_id = recorded(record(client, case_id, guardian_ids=guardians(app, case_id),
                                 grants=[grant(orgs, "social", "police", "coordination")],
                                 today=fake_clock.current.date()))
    assert upload(client, case_id, consent_id, PDF).status_code == 302
    with app.app_context():
        document_id = db.session.scalar(select(Document.id))
    police = orgs["police"].id
    owner_pages = ["/start", "/cases", f"/cases/{case_id}", f"/cases/{case_id}/consents",
                   f"/cases/{case_id}/consents/{consent_id}/print", f"/cases/{case_id}/sharing",
                   f"/cases/{case_id}/view-as/{police}", f"/cases/{case_id}/print",
                   f"/cases/{case_id}/extract", f"/cases/{case_id}/members"]
    per_client = logged_in(app, per, fake_clock)
    fred_client = logged_in(app, fred, fake_clock)
    with Statements(app, "content_enc") as contents, Statements(app, "form_enc") as forms:
        for url in owner_pages:
            assert client.get(url).status_code == 200, url
        for url in ("/start", "/cases", f"/cases/{case_id}"):
            assert per_client.get(url).status_code == 200, url
        page = text_of(client.get(f"/cases/{case_id}/consents"))
        assert fred_client.get(f"/cases/{case_id}/documents/{document_id}").status_code == 404
    assert contents == [] and forms == []
    assert sv(app, "Download the signed form") in page  # told there is one, without reading it
    # opening each reads it, once
    with Statements(app, "content_enc") as contents, Statements(app, "form_enc") as forms:
        assert per_client.get(f"/cases/{case_id}/documents/{document_id}").data == PDF
        assert client.get(f"/cases/{case_id}/consents/{consent_id}/form").data == PDF
    assert len(contents) == 1 and len(forms) == 1
