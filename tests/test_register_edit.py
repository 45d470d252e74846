"""The youth register is editable: corrections with history, custody changes that move
consent validity at once (and the case page says what changed), removed guardians,
protected personal data — and Fred, and a colleague outside the case, edit nothing."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from auth.roles import Role
from kernel import clock
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case
from sig.youths.models import Guardian, Youth
from tests.case_helpers import text_of
from tests.helpers import migrate_down_and_up, post, search_cases
from tests.test_consents import (
    GUARDIAN_1,
    GUARDIAN_2,
    YOUTH,
    grant,
    guardians,
    logged_in,
    make_case,
    record,
    recorded,
    schedule_and_write,
)

NEW_NAME = "Rättad Rättelsesson"
NEW_CONTACT = "Hemliga vägen 7, 123 45 Exempelby"
ASSESSMENT = "Bedömning som polisen får se med samtycke"


def _youth_id(app, case_id: str) -> str:
    with app.app_context():
        return db.session.get(Case, case_id).youth_id


def _guardian_id(app, youth_id: str, name: str) -> str:
    with app.app_context():
        return next(g.id for g in db.session.scalars(select(Guardian).where(
            Guardian.youth_id == youth_id)) if g.name == name)


def _edit(client, youth_id: str, **values):
    page = client.get(f"/youths/{youth_id}/edit").get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    data = {"name": YOUTH, "contact": "", "school": "", "version": version, **values}
    return post(client, f"/youths/{youth_id}/edit", data, page=f"/youths/{youth_id}/edit")


def test_a_correction_is_saved_with_its_history_and_the_name_is_found_by_its_new_words(
        app, client, sara, per, kim, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock)
    youth_id = _youth_id(app, case_id)
    response = _edit(client, youth_id, name=NEW_NAME, contact=NEW_CONTACT, school="Nya skolan")
    assert response.status_code == 302
    page = text_of(client.get(f"/youths/{youth_id}"))
    assert NEW_NAME in page and NEW_CONTACT in page and "år" in page
    history = text_of(client.get(f"/youths/{youth_id}/history"))
    assert YOUTH in history and NEW_NAME in history and "Sara Testsson" in history
    assert NEW_NAME in text_of(search_cases(client, "Rättelsesson"))
    assert YOUTH not in text_of(client.get(f"/cases/{case_id}"))
    with app.app_context():
        details = " ".join(e.details for e in db.session.scalars(select(AuditEntry)))
    assert NEW_NAME not in details and NEW_CONTACT not in details


def test_a_stale_form_does_not_overwrite_and_keeps_what_was_typed(
        app, client, sara, per, kim, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock)
    youth_id = _youth_id(app, case_id)
    page = client.get(f"/youths/{youth_id}/edit").get_data(as_text=True)
    stale = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    assert _edit(client, youth_id, school="Första skolan").status_code == 302
    response = post(client, f"/youths/{youth_id}/edit",
                    {"name": YOUTH, "contact": "", "school": "Andra skolan", "version": stale},
                    page=f"/youths/{youth_id}/edit")
    assert response.status_code == 409
    assert "Andra skolan" in response.get_data(as_text=True)
    assert "Första skolan" in text_of(response)
    with app.app_context():
        assert db.session.get(Youth, youth_id).school == "Första skolan"


def test_custody_changes_move_consent_validity_at_once_and_the_case_page_says_so(
        app, client, orgs, sara, per, kim, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock, second_guardian=True)
    youth_id = _youth_id(app, case_id)
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, ASSESSMENT)
    meeting = f"/cases/{case_id}/meetings/{meeting_id}"
    first, second = guardians(app, case_id)
    recorded(record(client, case_id, grants=[grant(orgs, "social", "police",
                                                   "social_assessment")],
                    guardian_ids=[first, second], today=fake_clock.current.date()))
    per_client = logged_in(app, per, fake_clock)
    assert ASSESSMENT in text_of(per_client.get(meeting))

    # guardian 2 loses custody: the consent of the youth and guardian 1 is enough
    response = post(client, f"/youths/{youth_id}/guardians/{second}/edit",
                    {"name": GUARDIAN_2, "contact": ""}, page=f"/youths/{youth_id}")
    assert response.status_code == 302
    page = text_of(client.get(f"/cases/{case_id}"))
    assert f"{GUARDIAN_2} har inte längre vårdnad" in page and "gäller fortfarande" in page
    assert ASSESSMENT in text_of(per_client.get(meeting))

    # a new guardian with custody who has not consented: the consent no longer holds
    post(client, f"/youths/{youth_id}/guardians",
         {"name": "Ny Vårdnadshavare", "contact": "", "has_custody": "y"},
         page=f"/youths/{youth_id}")
    page = text_of(client.get(f"/cases/{case_id}"))
    assert "Ny Vårdnadshavare lades till som vårdnadshavare med vårdnad" in page
    assert "gäller inte längre" in page
    assert "Ny Vårdnadshavare har vårdnad och har inte samtyckt" in page
    assert ASSESSMENT not in text_of(per_client.get(meeting))

    # removed again (registered by mistake): the consent holds once more
    newcomer = _guardian_id(app, youth_id, "Ny Vårdnadshavare")
    post(client, f"/youths/{youth_id}/guardians/{newcomer}/remove", page=f"/youths/{youth_id}")
    assert "Ny Vårdnadshavare" not in text_of(client.get(f"/youths/{youth_id}"))
    assert ASSESSMENT in text_of(per_client.get(meeting))
    assert client.get(f"/youths/{youth_id}/guardians/{newcomer}/edit").status_code == 404
    history = text_of(client.get(f"/youths/{youth_id}/history"))
    assert "borttagen ur registeruppgifterna" in history and "tillagd som vårdnadshavare" in history
    with app.app_context():  # each guardian whose custody changed knows when
        changed = {g.id: g.custody_changed_at for g in db.session.scalars(
            select(Guardian).where(Guardian.youth_id == youth_id))}
    assert changed[first] is None and changed[second] and changed[newcomer]

    # the notice shows the changes of the last 30 days: a month on, nothing is said
    fake_clock.advance(days=29)
    owner = logged_in(app, sara, fake_clock)  # (her session ended long ago)
    assert "har inte längre vårdnad" in text_of(owner.get(f"/cases/{case_id}"))
    fake_clock.advance(days=2)
    page = text_of(logged_in(app, sara, fake_clock).get(f"/cases/{case_id}"))
    assert "har inte längre vårdnad" not in page and "lades till som vårdnadshavare" not in page


def test_the_migration_dates_each_guardians_last_change_of_custody(app, personas, orgs):
    """Revision 0029 takes each guardian's last recorded change of custody (added,
    removed, custody switched) from the register's history; other changes do not count."""
    from sig.youths.models import YouthChange
    from tests.worlds import case_with_every_record

    with app.app_context():
        ids = case_with_every_record(personas, orgs)
        youth_id = db.session.get(Case, ids["case_id"]).youth_id
        first = db.session.scalars(select(Guardian).where(Guardian.youth_id == youth_id)
                                   .order_by(Guardian.created_at)).first()
        author = db.session.get(Case, ids["case_id"]).owner_id
        moments = [dt.datetime(2026, 3, d, 12, tzinfo=dt.UTC) for d in (1, 2, 3)]
        for field, at in zip(("has_custody", "added", "contact"), moments, strict=True):
            db.session.add(YouthChange(youth_id=youth_id, guardian_id=first.id, field=field,
                                       changed_by_id=author, changed_at=at))
        db.session.commit()
        migrate_down_and_up(app, "0028")
        db.session.expire_all()
        found = {g.id: g.custody_changed_at for g in db.session.scalars(
            select(Guardian).where(Guardian.youth_id == youth_id))}
    assert clock.as_utc(found.pop(first.id)) == moments[1]  # "contact" is not custody
    assert set(found.values()) <= {None}


def test_protected_personal_data_shows_contacts_to_the_owner_only_and_never_prints_them(
        app, client, orgs, sara, per, kim, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock)
    youth_id = _youth_id(app, case_id)
    first, = guardians(app, case_id)
    recorded(record(client, case_id, grants=[grant(orgs, "social", "police", "identity")],
                    guardian_ids=[first], today=fake_clock.current.date()))
    _edit(client, youth_id, contact=NEW_CONTACT, protected="y")
    post(client, f"/youths/{youth_id}/guardians/{first}/edit",
         {"name": GUARDIAN_1, "contact": "070-999 99 99", "has_custody": "y"},
         page=f"/youths/{youth_id}")
    owner_page = text_of(client.get(f"/cases/{case_id}"))
    assert "070-999 99 99" in owner_page and "skyddade personuppgifter" in owner_page
    per_page = text_of(logged_in(app, per, fake_clock).get(f"/cases/{case_id}"))
    assert GUARDIAN_1 in per_page and "070-999 99 99" not in per_page
    # the register extract (a printable document) leaves the contact details out
    response = post(client, f"/cases/{case_id}/extract", {"subject": f"guardian:{first}"},
                    page=f"/cases/{case_id}/extract")
    assert GUARDIAN_1 in text_of(response) and "070-999 99 99" not in text_of(response)
    response = post(client, f"/cases/{case_id}/extract", {"subject": "youth"},
                    page=f"/cases/{case_id}/extract")
    assert YOUTH in text_of(response) and NEW_CONTACT not in text_of(response)


def test_fred_and_a_colleague_outside_the_case_cannot_edit(
        app, client, sara, per, kim, fred, make_user, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock)
    youth_id = _youth_id(app, case_id)
    second = guardians(app, case_id)[0]
    fred_client = logged_in(app, fred, fake_clock)
    for url in (f"/youths/{youth_id}/edit", f"/youths/{youth_id}/history",
                f"/youths/{youth_id}/guardians/{second}/edit"):
        assert fred_client.get(url).status_code == 403, url
    sam = make_user("sam", "social", Role.CASE_OWNER)
    sam_client = logged_in(app, sam, fake_clock)
    for url in (f"/youths/{youth_id}/edit", f"/youths/{youth_id}/history"):
        assert sam_client.get(url).status_code == 404, url
    response = post(sam_client, f"/youths/{youth_id}/edit",
                    {"name": "Kapad", "version": "1"}, page="/account")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Youth, youth_id).name == YOUTH
        denied = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "access_denied")).all()[-1]
        assert json.loads(denied.details)["reason"] == "register_entry"


@pytest.mark.parametrize("values, message", [
    ({"name": ""}, "obligatoriskt"),
    ({"name": "x" * 201}, "200"),
])
def test_a_correction_with_a_mistake_says_what_and_keeps_the_text(
        app, client, sara, per, kim, fake_clock, values, message):
    case_id = make_case(app, client, sara, per, kim, fake_clock)
    youth_id = _youth_id(app, case_id)
    response = _edit(client, youth_id, contact=NEW_CONTACT, **values)
    assert response.status_code == 400
    assert message in text_of(response) and NEW_CONTACT in response.get_data(as_text=True)


def test_another_case_owner_neither_reads_nor_edits_a_protected_entrys_contacts(
        app, client, sara, per, kim, make_user, fake_clock):
    case_id = make_case(app, client, sara, per, kim, fake_clock)
    youth_id = _youth_id(app, case_id)
    _edit(client, youth_id, contact=NEW_CONTACT, protected="y")
    post(client, f"/cases/{case_id}/close", {"reason": "completed", "confirmed": "yes",
                                             "closed_on": fake_clock.current.date().isoformat()},
         page=f"/cases/{case_id}")
    # with no open case, a colleague may read the entry (to open a new case) ...
    sam = make_user("sam", "social", Role.CASE_OWNER)
    sam_client = logged_in(app, sam, fake_clock)
    assert sam_client.get(f"/youths/{youth_id}").status_code == 200
    for url in (f"/youths/{youth_id}", f"/youths/{youth_id}/history"):
        assert NEW_CONTACT not in sam_client.get(url).get_data(as_text=True), url
    # ... but not correct it, which would show the contact details
    assert sam_client.get(f"/youths/{youth_id}/edit").status_code == 403
    guardian = guardians(app, case_id)[0]
    assert sam_client.get(f"/youths/{youth_id}/guardians/{guardian}/edit").status_code == 403
