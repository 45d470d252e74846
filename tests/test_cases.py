"""Youth register, cases and groups; need-to-know and own-organisation rules (Fred included)."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.youths.models import Youth
from tests.case_helpers import add_member, open_case, register_youth, text_of, valid_pnr
from tests.helpers import login, post


def test_register_open_and_see_the_case(app, client, sara, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    youth_id = register_youth(client)
    with app.app_context():
        youth = db.session.get(Youth, youth_id)
        assert youth.name == "Kalle Test" and youth.birth_year == 2010
        assert b"Kalle" not in youth.name_enc and youth.pnr_enc and len(youth.guardians) == 1
    case_id = open_case(client, youth_id)
    page = text_of(client.get(f"/cases/{case_id}"))
    assert "Kalle Test" in page and "20100315-1238" in page
    assert "Anna Test" in page


def test_youth_cannot_be_registered_twice(app, client, sara):
    login(client, sara)
    youth_id = register_youth(client)
    again = post(client, "/youths/new", {"name": "Kalle Igen",
                                         "personal_number": "201003151238"},
                 page="/youths/new")
    assert again.status_code == 302 and again.location.endswith(youth_id)
    with app.app_context():
        assert len(db.session.scalars(select(Youth)).all()) == 1


def test_invalid_number_keeps_what_was_typed(app, client, sara):
    login(client, sara)
    response = post(client, "/youths/new", {"name": "Lisa Fel", "personal_number": "20100315-1235",
                                            "school": "Östra skolan"}, page="/youths/new")
    page = text_of(response)
    assert response.status_code == 200
    assert "kontrollsiffran" in page.lower() or "check digit" in page.lower()
    assert 'value="Lisa Fel"' in page and 'value="Östra skolan"' in page
    assert 'value="20100315-1235"' in page


def test_search_is_post_and_finds_exactly(app, client, sara):
    login(client, sara)
    youth_id = register_youth(client)
    response = post(client, "/youths/search", {"personal_number": "1003151238"},
                    page="/youths/search")
    assert response.status_code == 302 and response.location.endswith(youth_id)
    assert "1238" not in response.location
    miss = post(client, "/youths/search", {"personal_number": valid_pnr("20100316", "123")},
                page="/youths/search")
    assert miss.status_code == 200


def test_one_open_case_per_youth_and_a_new_episode_after_closing(app, client, sara):
    login(client, sara)
    youth_id = register_youth(client)
    case_id = open_case(client, youth_id)
    second = post(client, f"/youths/{youth_id}/cases/new",
                  {"referral_source": "school", "referral_date": "2026-02-01"},
                  page=f"/youths/{youth_id}/cases/new")
    assert second.status_code == 200
    post(client, f"/cases/{case_id}/close", {"reason": "completed", "closed_on": "2026-03-01",
                                          "confirmed": "yes"},
         page=f"/cases/{case_id}")
    with app.app_context():
        from sig.cases.models import Case

        closed = db.session.get(Case, case_id)
        assert closed.status == "closed" and closed.close_reason == "completed"
    assert open_case(client, youth_id) != case_id


def test_member_sees_case_but_not_other_organisations_items(app, client, sara, per, fred,
                                                             fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per)
    per_client = app.test_client()
    login(per_client, per, fake_clock=fake_clock)
    assert case_id in per_client.get("/cases").get_data(as_text=True)
    page = text_of(per_client.get(f"/cases/{case_id}"))
    assert "Kalle" not in page and "20100315" not in page and "Anna Test" not in page
    assert 'class="withheld"' in page and 'class="withheld-notice"' in page
    assert "Socialtjänsten Testkommun" in page  # the notice names the origin
    # the access log records what was shown and withheld, not the data
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "case_viewed")
                                  .order_by(AuditEntry.seq.desc()))
        details = json.loads(entry.details)
        assert entry.actor_user_id == per.id and "identity" in details["withheld"]
    # Fred, a police officer of other groups, finds no trace of it
    fred_client = app.test_client()
    login(fred_client, fred, fake_clock=fake_clock)
    assert fred_client.get(f"/cases/{case_id}").status_code == 404
    assert case_id not in fred_client.get("/cases").get_data(as_text=True)
    assert fred_client.get("/cases/not-a-case").status_code == 404


def test_removed_member_loses_access_on_next_request(app, client, sara, kim, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, kim)
    kim_client = app.test_client()
    login(kim_client, kim, fake_clock=fake_clock)
    assert kim_client.get(f"/cases/{case_id}").status_code == 200
    members = client.get(f"/cases/{case_id}/members").get_data(as_text=True)
    import re
    membership_id = re.search(r"/members/([0-9a-f-]{36})/remove", members).group(1)
    post(client, f"/cases/{case_id}/members/{membership_id}/remove", page=f"/cases/{case_id}")
    assert kim_client.get(f"/cases/{case_id}").status_code == 404


def test_future_membership_gives_no_access_yet(app, client, sara, lo, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    next_year = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    add_member(client, case_id, lo, from_date=next_year)
    lo_client = app.test_client()
    login(lo_client, lo, fake_clock=fake_clock)
    assert lo_client.get(f"/cases/{case_id}").status_code == 404


def test_managers_admins_auditors_get_404_on_case_urls(app, client, sara, maria, ali, eva,
                                                       fake_clock):
    login(client, sara, fake_clock=fake_clock)
    youth_id = register_youth(client)
    case_id = open_case(client, youth_id)
    for person in (maria, ali, eva):
        other = app.test_client()
        login(other, person, fake_clock=fake_clock)
        for url in (f"/cases/{case_id}", "/cases", f"/cases/{case_id}/members"):
            assert other.get(url).status_code == 404, (person.username, url)
        assert other.get(f"/youths/{youth_id}").status_code == 403
