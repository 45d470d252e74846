"""Start page, reminders command and the printable plan: need-to-know filtered."""
from __future__ import annotations

import datetime as dt

from consent.categories import Category
from kernel import clock
from kernel.db import db
from sig.meetings.models import Meeting
from sig.plans.models import Action, Goal
from tests.case_helpers import add_member, open_case, register_youth, text_of
from tests.helpers import csrf, login, search_cases


def seed_plan(app, case_id: str, sara, per, kim, orgs) -> None:
    """Goals and actions as the plan pages would store them (written directly here,
    the plan pages have their own tests)."""
    today = clock.now().date()
    with app.app_context():
        goal = Goal(case_id=case_id, life_area="school", origin_org_id=orgs["social"].id,
                    category=Category.COORDINATION.value, created_by_id=sara.id)
        goal.description = "Gå i skolan varje dag"
        db.session.add(goal)
        db.session.flush()

        def action(what, org, user, due, status="planned"):
            a = Action(case_id=case_id, goal_id=goal.id, responsible_org_id=orgs[org].id,
                       responsible_user_id=user.id if user else None, due_date=due,
                       status=status, origin_org_id=orgs["social"].id,
                       category=Category.COORDINATION.value, created_by_id=sara.id)
            a.what = what
            db.session.add(a)

        action("Polisen: samtal om riskmiljöer", "police", per, today + dt.timedelta(days=3))
        action("Polisen: försenad uppföljning", "police", None, today - dt.timedelta(days=2))
        action("Polisen: långt fram", "police", per, today + dt.timedelta(days=40))
        action("Polisen: klar", "police", per, today, status="done")
        action("Skolan: närvaroplan", "school", kim, today + dt.timedelta(days=5))
        meeting = Meeting(case_id=case_id, starts_at=clock.now() + dt.timedelta(days=2),
                          origin_org_id=orgs["social"].id,
                          category=Category.COORDINATION.value, created_by_id=sara.id)
        meeting.place = "Familjecentralen"
        db.session.add(meeting)
        db.session.commit()


def test_start_page_shows_my_actions_and_meetings_only(app, client, sara, per, kim, fred,
                                                        orgs, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per)
    add_member(client, case_id, kim)
    seed_plan(app, case_id, sara, per, kim, orgs)

    per_client = app.test_client()
    login(per_client, per, fake_clock=fake_clock)
    page = text_of(per_client.get("/start"))
    assert "samtal om riskmiljöer" in page and "försenad uppföljning" in page
    assert 'class="overdue"' in page
    assert "långt fram" not in page and "klar" not in page  # beyond 14 days / done
    assert "närvaroplan" not in page  # the school's action
    assert "Kalle" not in page  # identity is social services' item

    fred_client = app.test_client()
    login(fred_client, fred, fake_clock=fake_clock)
    fred_page = text_of(fred_client.get("/start"))
    assert "Polisen:" not in fred_page and case_id[:8].upper() not in fred_page


def test_reminders_command_matches_the_start_page(app, client, sara, per, kim, fred, orgs,
                                                  fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per)
    add_member(client, case_id, kim)
    seed_plan(app, case_id, sara, per, kim, orgs)
    result = app.test_cli_runner().invoke(args=["reminders"])
    assert result.exit_code == 0, result.output
    per_block = result.output.split("per:")[1].split("\n\n")[0]
    assert "samtal om riskmiljöer" in per_block and "OVERDUE" in per_block
    assert "närvaroplan" not in per_block
    assert "fred:" not in result.output
    assert "sara:" in result.output  # the meeting in two days
    only_kim = app.test_cli_runner().invoke(args=["reminders", "--user", "kim"])
    assert "närvaroplan" in only_kim.output and "riskmiljöer" not in only_kim.output


def test_printable_plan_has_signature_lines_and_only_what_the_printer_may_see(
        app, client, sara, per, kim, orgs, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    add_member(client, case_id, per)
    seed_plan(app, case_id, sara, per, kim, orgs)
    sheet = text_of(client.get(f"/cases/{case_id}/print"))
    assert "Kalle Test" in sheet and "Gå i skolan varje dag" in sheet
    assert "närvaroplan" in sheet and "Familjecentralen" in sheet
    assert sheet.count('class="line"') >= 3 and "Anna Test" in sheet
    per_client = app.test_client()
    login(per_client, per, fake_clock=fake_clock)
    per_sheet = text_of(per_client.get(f"/cases/{case_id}/print"))
    assert "Kalle" not in per_sheet and "Gå i skolan" not in per_sheet
    assert "samtal om riskmiljöer" in per_sheet and "närvaroplan" not in per_sheet


def test_the_case_list_is_paged_and_a_bad_page_number_gives_the_nearest_page(
        app, personas, orgs, fake_clock):
    """27 cases: 25 on the first page and 2 on the second, each once; a page number that
    is not a number, below 1 or past the end gives the nearest page, never an error.
    Fred, in no group, sees none of them on any page."""
    import re

    from tests.test_policy_table import add_case, born

    with app.app_context():
        today = clock.now().date()
        ids = {add_case(personas, orgs, born(15, today), 1, members=("per",))[0].id
               for _ in range(27)}
        db.session.commit()
    links = re.compile(r'href="/cases/([0-9a-f-]{36})"')

    def listed(client, query: str = "") -> tuple[list[str], str]:
        response = client.get("/cases" + query)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return links.findall(page), text_of(response)

    sara = app.test_client()
    login(sara, personas["sara"], fake_clock=fake_clock)
    first, text = listed(sara)
    assert len(first) == 25 and "Sida 1 av 2" in text and "Nästa sida" in text
    second, text = listed(sara, "?page=2")
    assert len(second) == 2 and "Sida 2 av 2" in text and "Föregående sida" in text
    assert set(first) | set(second) == ids and not set(first) & set(second)
    for bad, nearest in (("0", first), ("-3", first), ("x", first), ("99", second),
                         ("9" * 30, second)):
        assert listed(sara, f"?page={bad}")[0] == nearest, bad
    per = app.test_client()  # a member of every one of them
    login(per, personas["per"], fake_clock=fake_clock)
    assert set(listed(per)[0]) | set(listed(per, "?page=2")[0]) == ids
    fred = app.test_client()
    login(fred, personas["fred"], fake_clock=fake_clock)
    assert not set(listed(fred)[0]) & ids
    assert "Sida" not in listed(fred)[1]


def test_lists_show_the_name_exactly_where_the_case_page_does_and_sort(app, personas, orgs,
                                                                      fake_clock):
    """Sara's list and start page name her youths; Per sees a name only in the case whose
    consent gives the police identity — as the case page does; sorting by name follows
    the Swedish alphabet (Å, Ä, Ö after Z), by next meeting the soonest first; Fred sees
    none of it."""
    import datetime as dt
    import re

    from sqlalchemy import select

    from sig.youths.models import Guardian, Youth
    from tests.test_policy_table import SPECS, add_case, add_consent, add_meeting, born

    with app.app_context():
        today = clock.now().date()
        made = {}
        for name in ("Östen Ö", "Adam A", "Åsa Å", "Zelda Z"):
            case, _guardians = add_case(personas, orgs, born(16, today), 1, members=("per",))
            db.session.get(Youth, case.youth_id).name = name
            made[name] = case
        custody = [g for g in db.session.scalars(select(Guardian).where(
            Guardian.youth_id == made["Zelda Z"].youth_id)) if g.has_custody]
        add_consent(personas, orgs, made["Zelda Z"], custody, SPECS["full"])
        soon = add_meeting(personas, orgs, made["Åsa Å"])
        soon.status, soon.starts_at = "planned", clock.now() + dt.timedelta(days=2)
        later = add_meeting(personas, orgs, made["Adam A"])
        later.status, later.starts_at = "planned", clock.now() + dt.timedelta(days=9)
        db.session.commit()
        ids = {name: case.id for name, case in made.items()}

    def listed(client, sort: str) -> list[str]:
        page = client.get("/cases", query_string={"sort": sort}).get_data(as_text=True)
        return re.findall(r'href="/cases/([0-9a-f-]{36})"', page)

    sara = app.test_client()
    login(sara, personas["sara"], fake_clock=fake_clock)
    by_name = [c for c in listed(sara, "name") if c in ids.values()]
    assert by_name == [ids[n] for n in ("Adam A", "Zelda Z", "Åsa Å", "Östen Ö")]
    by_meeting = [c for c in listed(sara, "next_meeting") if c in ids.values()]
    assert by_meeting[:2] == [ids["Åsa Å"], ids["Adam A"]]
    start = text_of(sara.get("/start"))
    assert all(name in start for name in ids)

    per = app.test_client()
    login(per, personas["per"], fake_clock=fake_clock)
    page = text_of(per.get("/cases"))
    for name, case_id in ids.items():
        on_case_page = name in text_of(per.get(f"/cases/{case_id}"))
        assert (name in page) is on_case_page, name
    assert "Zelda Z" in page and "Adam A" not in page
    assert "Zelda Z" in text_of(per.get("/start")) and "Adam A" not in text_of(per.get("/start"))

    fred = app.test_client()
    login(fred, personas["fred"], fake_clock=fake_clock)
    for name in ids:
        assert name not in text_of(fred.get("/cases")) and name not in text_of(fred.get("/start"))


def test_the_case_list_finds_a_youth_by_name_only_where_the_name_may_be_seen(
        app, client, personas, sara, per, fred, fake_clock):
    """A keyed index of the words of the names: Åsa is found as "åsa" or "Asa"; Per finds
    the case whose consent shows him the name, never one where it is withheld (the search
    must not tell him who a withheld case is about); Fred finds nothing; the index holds
    nothing readable; `sig db upgrade` fills it for youths registered before it."""
    import re

    from sqlalchemy import delete, select

    from sig.youths.models import YouthNameToken
    from tests.case_helpers import add_member, open_case, register_youth, valid_pnr

    login(client, sara, fake_clock=fake_clock)
    cases = {}
    for name, serial in (("Åsa Lind-Berg", "111"), ("Adam Ek", "222")):
        cases[name] = open_case(client, register_youth(
            client, name=name, pnr=valid_pnr("20100315", serial)))
        add_member(client, cases[name], per)

    def found(who, query: str) -> set[str]:
        page = search_cases(who, query).get_data(as_text=True)
        return set(re.findall(r'<tr>\s*<td><a href="/cases/([0-9a-f-]{36})"', page))

    assert found(client, "åsa") == found(client, "Asa") == {cases["Åsa Lind-Berg"]}
    assert found(client, "berg åsa") == {cases["Åsa Lind-Berg"]}
    assert found(client, "adam") == {cases["Adam Ek"]}
    assert found(client, "kalle") == set()
    assert "Inget av dina ärenden" in text_of(search_cases(client, "kalle"))
    per_client = app.test_client()
    login(per_client, per, fake_clock=fake_clock)
    assert found(per_client, "adam") == set()  # identity withheld from the police here
    fred_client = app.test_client()
    login(fred_client, fred, fake_clock=fake_clock)
    assert found(fred_client, "adam") == set()
    with app.app_context():
        stored = db.session.scalars(select(YouthNameToken.token)).all()
        assert stored and all(re.fullmatch(r"[0-9a-f]{64}", t) for t in stored)
        db.session.execute(delete(YouthNameToken))
        db.session.commit()
    assert found(client, "adam") == set()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "Indexed the names of" in result.output
    assert found(client, "adam") == {cases["Adam Ek"]}


def test_a_name_searched_for_is_never_part_of_a_url(app, client, sara, fred, fake_clock):
    """The search by the youth's name is sent by POST and kept for the login under a
    random handle; the list it leads to, its sorting and its pages are reached by the
    handle: the name is in no URL (browser history, server and proxy logs keep URLs), not
    in the access log and not readable in the session's row.  A name put in the URL
    searches nothing; a handle works only in the login that made it (not Fred's, not
    Sara's next); a search without the form's token is refused; one too long is said so,
    with what was typed kept.  Fred finds nothing."""
    import re
    from urllib.parse import unquote

    from sqlalchemy import select

    from auth.models import WebSession
    from kernel.audit.models import AuditEntry
    from tests.case_helpers import valid_pnr

    login(client, sara, fake_clock=fake_clock)
    ids = {name: open_case(client, register_youth(client, name=name,
                                                  pnr=valid_pnr("20100315", serial)))
           for name, serial in (("Vilgot Sökesson", "311"), ("Vera Sökesson", "322"),
                                ("Ivar Annat", "333"))}

    def listed(response) -> list[str]:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for url in re.findall(r'(?:href|action|src)="([^"]*)"', html):
            assert "kesson" not in unquote(url).lower(), url
        return re.findall(r'<tr>\s*<td><a href="/cases/([0-9a-f-]{36})"', html)

    app.config["CASE_LIST_PAGE_SIZE"] = 1
    sent = search_cases(client, "sökesson", follow=False)
    assert sent.status_code == 302 and "kesson" not in unquote(sent.location).lower()
    handle = re.search(r"search=([A-Za-z0-9_-]{16})", sent.location).group(1)
    first = client.get(sent.location)
    assert "Sida 1 av 2" in text_of(first) and 'value="sökesson"' in first.get_data(
        as_text=True)
    second = client.get(f"/cases?search={handle}&page=2")
    assert {*listed(first), *listed(second)} == {ids["Vilgot Sökesson"], ids["Vera Sökesson"]}
    assert listed(client.get(f"/cases?sort=name&search={handle}")) == [ids["Vera Sökesson"]]
    assert listed(client.get(f"/cases?sort=name&search={handle}&page=2")) == [
        ids["Vilgot Sökesson"]]
    assert listed(client.get(f"/cases?search={handle}&page=99")) == listed(second)  # clamped
    app.config["CASE_LIST_PAGE_SIZE"] = 25
    # the handle's kept text is not readable in the session's row
    with app.app_context():
        stored = " ".join(row.data for row in db.session.scalars(select(WebSession)))
    assert handle in stored and "kesson" not in stored.lower()
    # a name in the URL searches nothing; a made-up or damaged handle finds nothing
    old_address = client.get("/cases?q=S%C3%B6kesson")  # (a bookmark from before)
    assert set(listed(old_address)) == set(ids.values()) and "sök igen" in text_of(old_address)
    for odd in ("x" * 16, handle[:-1] + ("A" if handle[-1] != "A" else "B"), "%00", "x" * 900):
        gone = client.get(f"/cases?search={odd}")
        assert set(listed(gone)) == set(ids.values()) and "sök igen" in text_of(gone)
    assert client.post("/cases", data={"q": "sökesson"}).status_code == 400  # no token
    long = search_cases(client, "Sökesson" + "x" * 200)
    assert set(listed(long)) == set(ids.values())
    assert "Sökesson" + "x" * 200 in long.get_data(as_text=True)
    assert "200" in text_of(long)  # the most a search may hold
    empty = search_cases(client, "  ", follow=False)
    assert empty.status_code == 302 and "search=" not in empty.location
    assert listed(search_cases(client, "!!!")) == []
    fred_client = app.test_client()
    login(fred_client, fred, fake_clock=fake_clock)
    assert listed(search_cases(fred_client, "sökesson")) == []
    stolen = fred_client.get(f"/cases?search={handle}")  # Sara's handle: nothing of hers
    assert "sök igen" in text_of(stolen) and "kesson" not in stolen.get_data(as_text=True)
    with app.app_context():
        details = " ".join(e.details or "" for e in db.session.scalars(select(AuditEntry)))
    assert "kesson" not in details.lower() and "Vilgot" not in details
    # Sara's next login does not have the search either
    client.post("/logout", data={"csrf_token": csrf(client, "/start")})
    login(client, sara, fake_clock=fake_clock)
    assert "sök igen" in text_of(client.get(f"/cases?search={handle}"))


def test_the_start_page_lists_the_first_page_of_cases_and_links_to_the_rest(
        app, personas, orgs, fake_clock, monkeypatch):
    """More open cases than a page of the case list: the start page lists that first page
    (the new case before the active ones, the latest referred first) with the youths'
    names, names no other youth, links to all the cases, and its reminders still cover
    every case (a meeting in the oldest one).  Fred sees none of it."""
    import re

    from sig.cases.models import Case
    from tests.test_policy_table import add_case, born
    from tests.test_sql_flat import statements_for

    monkeypatch.setitem(app.config, "CASE_LIST_PAGE_SIZE", 3)
    today = clock.now().date()
    with app.app_context():
        cases = []
        for n in range(5):  # referred 10, 20, … 50 days ago; the oldest is still new
            case, _guardians = add_case(personas, orgs, born(15, today), 1, members=("per",))
            case.referral_date = today - dt.timedelta(days=10 * (n + 1))
            case.status = "referred" if n == 4 else "active"
            db.session.get(Case, case.id).youth.name = f"Ungdom {n}"
            cases.append(case.id)
        db.session.add(Meeting(case_id=cases[3], starts_at=clock.now() + dt.timedelta(days=2),
                               status="planned", origin_org_id=orgs["social"].id,
                               category=Category.COORDINATION.value,
                               created_by_id=personas["sara"].id))
        db.session.commit()
    sara = app.test_client()
    login(sara, personas["sara"], fake_clock=fake_clock)
    response = sara.get("/start")
    page = response.get_data(as_text=True)
    my_cases = page.split('id="my-cases"')[1].split("</section>")[0]
    listed = re.findall(r'href="/cases/([0-9a-f-]{36})"', my_cases)
    assert listed == [cases[4], cases[0], cases[1]]
    text = text_of(response)
    assert "Ungdom 4" in text and "Ungdom 0" in text and "Ungdom 1" in text
    assert "Ungdom 2" not in text and "Ungdom 3" not in text
    assert 'href="/cases"' in my_cases and "Alla dina 5 öppna ärenden" in text
    meetings = page.split('id="my-meetings"')[1].split("</section>")[0]
    assert f'href="/cases/{cases[3]}"' in meetings
    # the names of the listed cases cost no statement of their own: the consents that
    # decide them were read with the reminders' (a wider set of the same cases)
    listing_some = statements_for(app, sara, "/start")
    monkeypatch.setitem(app.config, "CASE_LIST_PAGE_SIZE", 25)
    assert statements_for(app, sara, "/start") == listing_some
    fred = app.test_client()
    login(fred, personas["fred"], fake_clock=fake_clock)
    fred_page = fred.get("/start").get_data(as_text=True)
    assert not any(case_id in fred_page for case_id in cases) and "Ungdom" not in fred_page
