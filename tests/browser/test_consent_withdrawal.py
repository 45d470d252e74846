"""Withdrawing one flow of a consent, in a real Chromium, as the issue tells it.

Sara withdraws the police grant for social assessment → Per's next page load no longer
shows those items and shows the notice.

The case, the meeting with Sara's minutes entry and the consent are built through the
test client (fast); then Per and Sara each log in through the real login and code
pages in their own browser profile.  Per sees the entry; Sara withdraws the flow
police × social assessment on the consent page; Per reloads and finds only the notice
that social services' social assessment is withheld — and the access log says so.
"""
from __future__ import annotations

import json
import re

import pytest
from flask_babel import force_locale
from playwright.sync_api import expect
from sqlalchemy import select

from auth.models import User
from consent.categories import Category
from consent.models import Consent, ConsentGrant
from kernel.audit.models import AuditEntry
from kernel.db import db
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_case_path import arrive, collect_problems, fresh_page, log_in
from tests.case_helpers import add_member, open_case, register_youth, valid_pnr
from tests.helpers import login
from tests.test_consents import (
    birth_for_age,
    grant,
    guardians,
    record,
    recorded,
    schedule_and_write,
    sv,
)

pytestmark = pytest.mark.browser

YOUTH = "Kalle Återkallsson"
GUARDIAN = "Anna Återkallsson"
ENTRY = "Familjen har fått stöd av familjebehandlare"

AT_CONSENTS = re.compile(r"/cases/[0-9a-f-]{36}/consents(#consent-[0-9a-f-]{36})?$")


def build_case(app, client, sara, per, orgs, fake_clock) -> tuple[str, str, str, str]:
    """Sara's case (youth of 16, one guardian with custody, Per in the group), a held
    meeting with her social-assessment entry, and a valid consent social → police for
    social assessment.  Returns case, meeting, consent and grant ids."""
    login(client, sara, fake_clock=fake_clock)
    pnr = valid_pnr(birth_for_age(fake_clock.current.date(), 16), "123")
    youth_id = register_youth(client, name=YOUTH, pnr=pnr, guardian1_name=GUARDIAN)
    case_id = open_case(client, youth_id)
    add_member(client, case_id, per, function="kommunpolis")
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, ENTRY,
                                    category=Category.SOCIAL_ASSESSMENT.value)
    custody = guardians(app, case_id)
    assert len(custody) == 1
    consent_id = recorded(record(
        client, case_id, youth=True, guardian_ids=custody,
        grants=[grant(orgs, "social", "police", "social_assessment")],
        today=fake_clock.current.date()))
    with app.app_context():
        grant_id = db.session.scalar(select(ConsentGrant.id).where(
            ConsentGrant.consent_id == consent_id))
    return case_id, meeting_id, consent_id, grant_id


def social_assessment_label(app) -> str:
    """The category as Per (locale sv) reads it."""
    with app.test_request_context(), force_locale("sv"):
        return Category.SOCIAL_ASSESSMENT.label


def test_sara_withdraws_the_police_flow_and_per_no_longer_sees_the_entry(
        app, client, browser, live_server, sara, per, orgs, fake_clock):
    case_id, meeting_id, consent_id, grant_id = build_case(app, client, sara, per, orgs,
                                                           fake_clock)
    meeting_url = f"/cases/{case_id}/meetings/{meeting_id}"
    social = orgs["social"].name
    label = social_assessment_label(app)
    with app.app_context():  # names are stored encrypted
        sara_name = db.session.get(User, sara.id).display_name
    problems: dict[str, list[str]] = {}

    with fresh_page(browser, live_server) as per_page, \
            fresh_page(browser, live_server) as sara_page:
        # --- Per: the consent opens Sara's entry to him ---
        problems["per"] = collect_problems(per_page)
        log_in(per_page, app, per)
        per_page.goto(meeting_url)
        entry = per_page.locator('article.minutes-entry[data-category="social_assessment"]')
        expect(entry).to_have_count(1)
        expect(entry.locator(".minutes-text")).to_have_text(ENTRY)
        notice_items = per_page.locator(".withheld-notice li")
        expect(notice_items.filter(has_text=social).filter(has_text=label)).to_have_count(0)

        # --- Sara: withdraws the flow police × social assessment ---
        problems["sara"] = collect_problems(sara_page)
        log_in(sara_page, app, sara)
        sara_page.goto(f"/cases/{case_id}/consents")
        section = sara_page.locator(f"section#consent-{consent_id}")
        expect(section.locator(".consent-status")).to_have_class(
            re.compile(r"(^|\s)valid(\s|$)"))
        rows = section.locator("table.consent-grants tbody tr.grant")
        expect(rows).to_have_count(1)
        row = (rows.filter(has_text=orgs["police"].name).filter(has_text=label)
               .filter(has_text=social))
        expect(row).to_have_count(1)
        expect(row).to_have_id(f"grant-{grant_id}")
        button = row.locator('button[type="submit"]')
        expect(button).to_have_count(1)
        button.click()
        arrive(sara_page, AT_CONSENTS)
        expect(sara_page.locator(".messages .message.success")).to_have_text(  # confirmed
            sv(app, "The withdrawal is recorded; it applies from now on, for everyone."))
        row = sara_page.locator(f"section#consent-{consent_id} tr#grant-{grant_id}")
        expect(row).to_have_class(re.compile(r"\bwithdrawn\b"))
        expect(row.locator('button[type="submit"]')).to_have_count(0)
        expect(row).to_contain_text(sara_name)  # withdrawn by her
        with app.app_context():
            withdrawn = db.session.get(ConsentGrant, grant_id)
            assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by_id == sara.id
            assert db.session.get(Consent, consent_id).withdrawn_at is None  # only the flow

        # --- Per: his very next page load ---
        with app.app_context():
            last_seq = db.session.scalar(select(AuditEntry.seq).order_by(
                AuditEntry.seq.desc()).limit(1))
        response = per_page.reload()
        assert response is not None and response.status == 200
        expect(per_page.locator("h1")).to_be_visible()
        expect(per_page.locator("article.minutes-entry")).to_have_count(0)
        expect(per_page.locator("main")).not_to_contain_text(ENTRY)
        notice = per_page.locator(".withheld-notice")
        expect(notice).to_be_visible(timeout=TIMEOUT_MS)
        line = notice.locator("li").filter(has_text=social).filter(has_text=label)
        expect(line).to_have_count(1)
        expect(line).to_contain_text(orgs["police"].name)  # "… lets Polisen … see it"
        html = per_page.content()
        assert ENTRY not in html, "the withdrawn entry is still in Per's HTML"
        assert "familjebehandlare" not in html.lower()

        for who, found in problems.items():
            assert found == [], (who, found)

    # --- the access log: Per's read after the withdrawal, social assessment withheld ---
    with app.app_context():
        reads = db.session.scalars(select(AuditEntry).where(
            AuditEntry.seq > last_seq, AuditEntry.actor_user_id == per.id,
            AuditEntry.event.in_(("meeting_viewed", "case_viewed")))
            .order_by(AuditEntry.seq)).all()
        assert reads, "Per's read after the withdrawal is not in the access log"
        details = json.loads(reads[-1].details)
        assert reads[-1].event == "meeting_viewed" and reads[-1].target_ref == case_id
        assert "social_assessment" in details["withheld"], details
        assert "social_assessment" not in details.get("shown", []), details
        for entry in reads:
            assert ENTRY not in entry.details and YOUTH not in entry.details
