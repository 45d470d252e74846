"""The plan and the meeting as people expect them: goals in the order they were entered,
dates that do not break across lines, a print button, a member picker without the
owner and the people already in the group, an empty plan that says "no goals yet" (and
"none you may see" only when some are withheld), minutes headed by the category's name
with a capital letter."""
from __future__ import annotations

import re

from tests.case_helpers import add_member, open_case, register_youth, text_of
from tests.helpers import login, post


def _goal(client, case_id: str, area: str, text: str) -> None:
    url = f"/cases/{case_id}/plan/goals/new"
    assert post(client, url, {"life_area": area, "description": text},
                page=url).status_code == 302


def test_goals_in_entry_order_print_button_and_unbroken_dates(app, client, sara, orgs,
                                                              fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    assert "Inga mål än." in text_of(client.get(f"/cases/{case_id}"))
    for area, text in (("school", "Först: skolan"), ("criminality", "Sedan: brotten"),
                       ("family", "Sist: familjen")):
        _goal(client, case_id, area, text)
        fake_clock.advance(seconds=1)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    order = [page.index(t) for t in ("Först: skolan", "Sedan: brotten", "Sist: familjen")]
    assert order == sorted(order)
    assert f'href="/cases/{case_id}/print">Skriv ut planen' in page
    printed = client.get(f"/cases/{case_id}/print").get_data(as_text=True)
    order = [printed.index(t) for t in ("Först: skolan", "Sedan: brotten", "Sist: familjen")]
    assert order == sorted(order)
    goal_id = re.search(r'id="goal-([0-9a-f-]{36})"', page).group(1)
    url = f"/cases/{case_id}/plan/goals/{goal_id}/actions/new"
    assert post(client, url, {"what": "Läxhjälp", "responsible_org_id": orgs["social"].id,
                              "responsible_user_id": "", "start_date": "2026-12-01",
                              "due_date": "2027-01-15", "status": "planned",
                              "follow_up": ""}, page=url).status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert '<td class="nowrap">2027-01-15' in page


def test_the_member_picker_leaves_out_the_owner_and_the_group(app, client, sara, per, kim,
                                                              fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per)
    page = client.get(f"/cases/{case_id}/members").get_data(as_text=True)
    picker = re.search(r'<select[^>]*id="user_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert f'value="{kim.id}"' in picker
    assert f'value="{per.id}"' not in picker and f'value="{sara.id}"' not in picker


def test_a_member_is_told_goals_are_withheld_not_that_there_are_none(app, client, sara, per,
                                                                      fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per)
    _goal(client, case_id, "school", "Socialtjänstens mål")
    per_client = app.test_client()
    login(per_client, per, fake_clock=fake_clock)
    text = text_of(per_client.get(f"/cases/{case_id}"))
    assert "Inga mål som du får se." in text and "Inga mål än." not in text


def test_minutes_are_headed_by_the_category_with_a_capital(app, client, sara, fake_clock):
    from tests.test_consents import schedule_and_write

    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    meeting_id = schedule_and_write(client, case_id, fake_clock.current, "Om familjen")
    page = client.get(f"/cases/{case_id}/meetings/{meeting_id}").get_data(as_text=True)
    assert re.search(r"<h3>Social bedömning – ", page)
