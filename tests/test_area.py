"""Area-level crime prevention: the individual-data guard (with false positives in mind),
the situation-report cycle from the organisations' parts to the council's response, the
public page of citizen promises — and Fred, and a member of another group, see nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from auth.models import User
from auth.roles import Role
from kernel.db import db
from sig.area.models import Escalation, ReportPart, SituationReport
from sig.youths import mentions
from tests.case_helpers import register_youth, text_of, valid_pnr
from tests.helpers import login, post

YOUTH = "Tilde Lägesson"
GUARDIAN = "Göran Lägesson"
PNR = valid_pnr("20100707", "468")
_OTHER = valid_pnr("20100707", "123")
NOT_A_PNR = _OTHER[:-1] + str((int(_OTHER[-1]) + 1) % 10)  # a wrong check digit


@pytest.fixture
def registered(app, client, sara, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    register_youth(client, name=YOUTH, pnr=PNR, guardian1_name=GUARDIAN)


@pytest.fixture
def cora(make_user):
    return make_user("cora", "social", Role.COORDINATOR, name="Cora Samordnare")


def _client(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


# --- the guard ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, kinds", [
    (f"Polisen har pratat med {YOUTH} om stölderna.", ["name"]),
    (f"Vårdnadshavaren {GUARDIAN} ringde.", ["name"]),
    (f"Gäller {PNR}.", ["personal_number"]),
    (f"Gäller {PNR.replace('-', '')[2:]}.", ["personal_number"]),
    ("Inbrott på Storgatan 12 och på Björkvägen 3 B.", ["address", "address"]),
    # false positives the guard must not make
    ("Tilde har varit med på fritidsgården.", []),           # a first name alone
    ("Trygghetsvandring på Storgatan och runt Torget.", []),   # places, no house number
    ("Polisen Testområde och Socialtjänsten samarbetar.", []),  # capitalised words
    (f"Ärende {NOT_A_PNR} är inte ett giltigt nummer.", []),  # wrong check digit
    ("Mellan 2024-01-01 och 2024-02-01 ökade klottret.", []),  # dates
    ("Telefonnummer 0701234567 till receptionen.", []),        # not a valid pnr
])
def test_the_guard_finds_individual_data_and_nothing_else(app, registered, text, kinds):
    with app.app_context():
        assert [f.kind for f in mentions.find(text)] == kinds


# --- the situation-report cycle -------------------------------------------------------------


def _setup_groups(app, cora_client, per, sara, maria):
    council = post(cora_client, "/area/groups", {"name": "Lokalt Brå Exempel",
                                                  "kind": "council", "period_days": "30"},
                   page="/area")
    council_id = council.location.rsplit("/", 1)[-1]
    est = post(cora_client, "/area/groups", {"name": "EST Centrum", "kind": "situation",
                                              "period_days": "14",
                                              "escalates_to": council_id}, page="/area")
    est_id = est.location.rsplit("/", 1)[-1]
    for person in (per, sara):
        post(cora_client, f"/area/groups/{est_id}/members", {"user_id": person.id},
             page=f"/area/groups/{est_id}")
    post(cora_client, f"/area/groups/{council_id}/members", {"user_id": maria.id},
         page=f"/area/groups/{council_id}")
    opened = post(cora_client, f"/area/groups/{est_id}/reports",
                  {"period_start": "2026-12-01"}, page=f"/area/groups/{est_id}")
    return council_id, est_id, opened.location.rsplit("/", 1)[-1]


def _part(client, report_id, question: int, account: str, impact: str = "3",
          places: str = ""):
    return post(client, f"/area/reports/{report_id}",
                {f"q{question}-account": account, f"q{question}-impact": impact,
                 f"q{question}-places": places}, page=f"/area/reports/{report_id}")


def test_parts_compiled_red_item_raised_answered_and_seen_by_the_reporters(
        app, registered, cora, per, sara, maria, fake_clock):
    cora_client = _client(app, cora, fake_clock)
    council_id, est_id, report_id = _setup_groups(app, cora_client, per, sara, maria)
    per_client = _client(app, per, fake_clock)
    assert _part(per_client, report_id, 2, "Flera rån mot unga vid busstationen",
                 places="Busstationen, fredagskvällar").status_code == 302
    sara_client = _client(app, sara, fake_clock)
    assert _part(sara_client, report_id, 4, "Oro på högstadiet efter lov", "2").status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(ReportPart)).all()) == 2
    data = {f"q{q}-colour": "green" for q in range(1, 8)}
    data.update({"q2-colour": "red",
                 "q2-comment": "Lyfts till Brå: samverkan med kollektivtrafiken"})
    compiled = post(cora_client, f"/area/reports/{report_id}/compile", data,
                    page=f"/area/reports/{report_id}")
    assert compiled.status_code == 302
    with app.app_context():
        escalation = db.session.scalar(select(Escalation))
        assert escalation.to_group_id == council_id
    # the red item is on the council's page; Maria (in the council) answers
    maria_client = _client(app, maria, fake_clock)
    council_page = text_of(maria_client.get(f"/area/groups/{council_id}"))
    assert "samverkan med kollektivtrafiken" in council_page
    post(maria_client, f"/area/escalations/{escalation.id}/respond",
         {"response": "Brå beslutar om extra kvällsvandringar i december"},
         page=f"/area/groups/{council_id}")
    # ... and the reporters see the response on their report
    report_page = text_of(per_client.get(f"/area/reports/{report_id}"))
    assert "extra kvällsvandringar" in report_page and "Röd" in report_page
    # a compiled report's parts are final
    late = _part(per_client, report_id, 2, "Ett tillägg")
    assert late.status_code == 409
    assert "Ett tillägg" not in text_of(per_client.get(f"/area/reports/{report_id}"))


def test_a_part_naming_a_registered_youth_is_refused_marked_and_kept(
        app, registered, cora, per, sara, maria, fake_clock):
    cora_client = _client(app, cora, fake_clock)
    _council, _est, report_id = _setup_groups(app, cora_client, per, sara, maria)
    per_client = _client(app, per, fake_clock)
    text = f"Polisen har haft kontakt med {YOUTH} flera gånger; se även {PNR}."
    response = _part(per_client, report_id, 3, text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"<mark>{YOUTH}</mark>" in page and f"<mark>{PNR}</mark>" in page
    assert "Individuppgifter får inte skrivas här" in text_of(response)
    assert text in page  # what was typed is still in the field
    with app.app_context():
        assert db.session.scalars(select(ReportPart)).all() == []


def test_fred_and_a_member_of_another_group_see_nothing(
        app, registered, cora, per, sara, maria, fred, kim, fake_clock):
    cora_client = _client(app, cora, fake_clock)
    council_id, est_id, report_id = _setup_groups(app, cora_client, per, sara, maria)
    for person in (fred, kim):
        other = _client(app, person, fake_clock)
        for url in (f"/area/groups/{est_id}", f"/area/reports/{report_id}",
                    f"/area/groups/{council_id}"):
            assert other.get(url).status_code == 404, (person.username, url)
        assert "EST Centrum" not in text_of(other.get("/area"))
        assert post(other, f"/area/reports/{report_id}", {"q1-account": "x"},
                    page="/area").status_code == 404
        assert post(other, "/area/groups", {"name": "x", "kind": "council",
                                            "period_days": "14"}, page="/area").status_code == 403
    # Maria is in the council, not in the situation-report group
    maria_client = _client(app, maria, fake_clock)
    assert maria_client.get(f"/area/reports/{report_id}").status_code == 404
    # none of it opens anything in SIG cases: the coordinator has no case list
    assert cora_client.get("/cases").status_code == 404


# --- citizen promises -------------------------------------------------------------------------


def test_the_public_page_shows_the_published_promise_in_force_without_login(
        app, registered, cora, fake_clock):
    cora_client = _client(app, cora, fake_clock)
    today = fake_clock.current.date()
    body = {"title": "Tryggare centrum",
            "valid_from": (today - dt.timedelta(days=10)).isoformat(),
            "valid_to": (today + dt.timedelta(days=80)).isoformat(),
            "background": "Lägesbilder från EST hösten 2026 och en medborgardialog",
            "commitments": "Polisen: trygghetsvandringar varje fredag\n"
                           "Kommunen: bättre belysning",
            "follow_up": "Vandringar genomförda: 6 av 6", "published": "y"}
    assert post(cora_client, "/area/promises/new", body, page="/area/promises/new"
                ).status_code == 302
    draft = dict(body, title="Ett utkast", published="")
    post(cora_client, "/area/promises/new", draft, page="/area/promises/new")
    refused = post(cora_client, "/area/promises/new",
                   dict(body, follow_up=f"Samtal med {YOUTH}"), page="/area/promises/new")
    assert refused.status_code == 400 and f"<mark>{YOUTH}</mark>" in refused.get_data(
        as_text=True)
    anonymous = app.test_client()
    page = text_of(anonymous.get("/promises"))
    assert "Tryggare centrum" in page and "trygghetsvandringar varje fredag" in page
    assert "Ett utkast" not in page and YOUTH not in page
    assert anonymous.get("/area").status_code in (302, 401)
    with app.app_context():
        assert db.session.scalars(select(SituationReport)).all() == []


def test_the_months_compilation_prints_and_downloads_for_the_county_board(
        app, registered, cora, per, sara, maria, fake_clock):
    import json as jsonlib

    from sig.web.spreadsheet import read_csv

    cora_client = _client(app, cora, fake_clock)
    _council, _est, report_id = _setup_groups(app, cora_client, per, sara, maria)
    _part(_client(app, per, fake_clock), report_id, 2, "Rån vid busstationen", "4")
    data = {f"q{q}-colour": "green" for q in range(1, 8)}
    data["q2-colour"] = "red"
    post(cora_client, f"/area/reports/{report_id}/compile", data,
         page=f"/area/reports/{report_id}")
    page = text_of(cora_client.get("/area/compilation?month=2026-12"))
    assert "EST Centrum" in page and "Röd" in page and "länsstyrelsen" in page
    rows = read_csv(cora_client.get("/area/compilation?month=2026-12&format=csv").data)
    assert rows[0][0] == "Grupp"
    assert ["EST Centrum", "2026-12-01", "2026-12-14", "2. Hot och våld", "röd", "4", "1"] == \
        rows[2][:7]
    body = jsonlib.loads(cora_client.get("/area/compilation?month=2026-12&format=json").data)
    assert body["format"] == "sig-lagesbild-manad/1"
    assert body["reports"][0]["questions"][1]["colour"] == "red"
    # a mistyped month is refused with a message; a member is not the coordinator
    assert cora_client.get("/area/compilation?month=2026-13").status_code == 302
    assert _client(app, per, fake_clock).get("/area/compilation?month=2026-12"
                                              ).status_code == 403


def test_the_council_meets_on_its_standing_items_decides_and_follows_up(
        app, registered, cora, per, sara, maria, fake_clock):
    from sig.area.models import AreaDecision, AreaMeeting, CauseAnalysis

    cora_client = _client(app, cora, fake_clock)
    council_id, _est, report_id = _setup_groups(app, cora_client, per, sara, maria)
    _part(_client(app, per, fake_clock), report_id, 2, "Rån vid busstationen", "5")
    data = {f"q{q}-colour": "green" for q in range(1, 8)}
    data.update({"q2-colour": "red", "q2-comment": "Samverkan med kollektivtrafiken"})
    post(cora_client, f"/area/reports/{report_id}/compile", data,
         page=f"/area/reports/{report_id}")
    # the red item is sent for a cause analysis; Per records its result
    post(cora_client, f"/area/reports/{report_id}/questions/2/analysis",
         {"owner_id": per.id, "due_on": "2026-12-20"}, page=f"/area/reports/{report_id}")
    with app.app_context():
        analysis_id = db.session.scalar(select(CauseAnalysis.id))
    per_client = _client(app, per, fake_clock)
    post(per_client, f"/area/analyses/{analysis_id}/result",
         {"result": "Rånen sker när sista bussen gått; belysningen är dålig"},
         page=f"/area/reports/{report_id}")
    assert "sista bussen gått" in text_of(per_client.get(f"/area/reports/{report_id}"))
    # the council's meeting: what was raised and the promises are standing items
    when = (fake_clock.current + dt.timedelta(days=3)).strftime("%Y-%m-%d 18:00")
    response = post(cora_client, f"/area/groups/{council_id}/meetings",
                    {"starts_at": when, "place": "Stadshuset"}, page=f"/area/groups/{council_id}")
    meeting_url = response.location
    agenda = text_of(cora_client.get(meeting_url))
    assert "Samverkan med kollektivtrafiken" in agenda and "Lyft till rådet" in agenda
    meeting_id = meeting_url.rsplit("/", 1)[-1]
    refused = post(cora_client, meeting_url, {f"attendance-{maria.id}": "present",
                                             "minutes": f"Diskuterade {YOUTH}"},
                   page=meeting_url)
    assert refused.status_code == 400 and f"<mark>{YOUTH}</mark>" in refused.get_data(
        as_text=True)
    assert post(cora_client, meeting_url, {f"attendance-{maria.id}": "present",
                                           "minutes": "Rådet ställer sig bakom förslaget"},
                page=meeting_url).status_code == 302
    post(cora_client, f"/area/meetings/{meeting_id}/decisions",
         {"what": "Bättre belysning vid busstationen", "responsible_org_id":
          maria.organisation_id, "due_on": "2027-01-31"}, page=meeting_url)
    with app.app_context():
        meeting = db.session.get(AreaMeeting, meeting_id)
        assert meeting.minutes == "Rådet ställer sig bakom förslaget"
        decision_id = db.session.scalar(select(AreaDecision.id))
    # at the next meeting the decision is on the agenda until it is followed up as done
    later = (fake_clock.current + dt.timedelta(days=33)).strftime("%Y-%m-%d 18:00")
    next_url = post(cora_client, f"/area/groups/{council_id}/meetings",
                    {"starts_at": later}, page=f"/area/groups/{council_id}").location
    assert "Bättre belysning vid busstationen" in text_of(cora_client.get(next_url))
    post(cora_client, f"/area/decisions/{decision_id}/follow-up",
         {"follow_up": "Belysningen är uppsatt", "done": "y",
          "at_meeting": next_url.rsplit("/", 1)[-1]}, page=next_url)
    assert "Inget beslut väntar på uppföljning" in text_of(cora_client.get(next_url))
    # Maria (a member) reads the meeting but does not write it
    maria_client = _client(app, maria, fake_clock)
    assert maria_client.get(meeting_url).status_code == 200
    assert post(maria_client, meeting_url, {"minutes": "x"}, page=meeting_url
                ).status_code == 403


def test_each_commitment_has_an_indicator_and_a_follow_up_on_the_public_page(
        app, registered, cora, fake_clock):
    from sig.area.models import CitizenPromise

    cora_client = _client(app, cora, fake_clock)
    today = fake_clock.current.date()
    body = {"title": "Trygg station", "valid_from": today.isoformat(),
            "valid_to": (today + dt.timedelta(days=90)).isoformat(),
            "commitments": "Polisen: närvaro fredagskvällar\nKommunen: belysning vid stationen",
            "published": "y"}
    saved = post(cora_client, "/area/promises/new", body, page="/area/promises/new")
    promise_url = saved.location
    with app.app_context():
        promise = db.session.scalar(select(CitizenPromise))
        ids = [c.id for c in promise.commitments]
        assert [(c.party, c.what) for c in promise.commitments] == [
            ("Polisen", "närvaro fredagskvällar"), ("Kommunen", "belysning vid stationen")]
    refused = post(cora_client, f"{promise_url}/follow-up",
                   {f"indicator-{ids[0]}": "Antal kvällar", f"follow_up-{ids[0]}": PNR},
                   page=promise_url)
    assert refused.status_code == 400 and "personnummer" in text_of(refused)
    assert "Antal kvällar" in refused.get_data(as_text=True)  # kept
    post(cora_client, f"{promise_url}/follow-up",
         {f"indicator-{ids[0]}": "Antal kvällar med närvaro",
          f"follow_up-{ids[0]}": "8 av 8 fredagar", f"indicator-{ids[1]}": "Lampor uppsatta",
          f"follow_up-{ids[1]}": "Beställda"}, page=promise_url)
    # editing the list keeps the follow-up of a commitment kept in its place
    post(cora_client, promise_url, dict(body, commitments=body["commitments"]
                                        + "\nFastighetsägarna: klottersanering"),
         page=promise_url)
    page = text_of(app.test_client().get("/promises"))
    assert "Antal kvällar med närvaro" in page and "8 av 8 fredagar" in page
    assert "Fastighetsägarna" in page and "klottersanering" in page


def test_the_groups_trend_shows_colour_and_highest_impact_per_period(
        app, registered, cora, per, sara, maria, fake_clock):
    cora_client = _client(app, cora, fake_clock)
    _council, est_id, report_id = _setup_groups(app, cora_client, per, sara, maria)
    _part(_client(app, per, fake_clock), report_id, 2, "Rån", "4")
    _part(_client(app, sara, fake_clock), report_id, 2, "Oro bland unga", "2")
    data = {f"q{q}-colour": "green" for q in range(1, 8)}
    data["q2-colour"] = "yellow"
    post(cora_client, f"/area/reports/{report_id}/compile", data,
         page=f"/area/reports/{report_id}")
    page = text_of(cora_client.get(f"/area/groups/{est_id}"))
    assert "Utveckling per fråga" in page
    assert '<span class="colour colour-yellow">Gul</span> <span class="impact">(påverkan 4)' in page
    # ... and as a chart per question: a bar as high as the impact, in the colour
    assert '<title id="trend-2-title">2. Hot och våld: 2026-12-01 Gul, påverkan 4</title>' in page
    assert 'height="72" fill="#E69F00"' in page


def test_question_four_shows_the_municipalitys_figures_suppressed_as_on_the_dashboard(
        app, registered, cora, per, sara, maria, fake_clock):
    cora_client = _client(app, cora, fake_clock)
    _council, _est, report_id = _setup_groups(app, cora_client, per, sara, maria)
    page = text_of(_client(app, per, fake_clock).get(f"/area/reports/{report_id}"))
    assert "SIG i kommunen" in page and "Nya ärenden: &lt;5" in page  # one case: small
    assert YOUTH not in page


def test_the_group_and_meeting_pages_do_not_grow_with_the_members(
        app, registered, cora, per, sara, maria, kim, lo, eva, fake_clock):
    """Each member is named with their organisation: read with the members, not one
    statement more per member; members are listed by organisation, then by name."""
    from tests.test_sql_flat import statements_for

    cora_client = _client(app, cora, fake_clock)
    council_id, est_id, _report = _setup_groups(app, cora_client, per, sara, maria)
    when = (fake_clock.current + dt.timedelta(days=3)).strftime("%Y-%m-%d 18:00")
    meeting_url = post(cora_client, f"/area/groups/{council_id}/meetings",
                       {"starts_at": when, "place": "Stadshuset"},
                       page=f"/area/groups/{council_id}").location
    pages = [f"/area/groups/{est_id}", f"/area/groups/{council_id}", meeting_url]
    before = [statements_for(app, cora_client, url) for url in pages]
    for person in (kim, lo, eva):
        for group in (est_id, council_id):
            post(cora_client, f"/area/groups/{group}/members", {"user_id": person.id},
                 page=f"/area/groups/{group}")
    assert [statements_for(app, cora_client, url) for url in pages] == before
    page = text_of(cora_client.get(f"/area/groups/{est_id}"))
    with app.app_context():
        expected = [f"{db.session.get(User, p.id).display_name} ({org})" for p, org in (
            (lo, "Fritid Testkommun"), (per, "Polisen Testområde"),
            (eva, "Socialtjänsten Testkommun"), (sara, "Socialtjänsten Testkommun"),
            (kim, "Testskolan"))]
    named = [page.index(entry) for entry in expected]
    assert named == sorted(named)
