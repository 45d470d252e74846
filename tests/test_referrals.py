"""Proposals into SIG: Per (police) and Kim (school) propose, Sara's unit accepts or
declines; the proposer learns the status and nothing else; Fred learns nothing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from auth.models import Organisation
from auth.roles import OrganisationKind, Role
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case
from sig.referrals.models import Referral
from sig.youths.models import Youth
from tests.case_helpers import add_member, open_case, register_youth, text_of, valid_pnr
from tests.helpers import login, post

NAME = "Tindra Förslagsdotter"
PNR = valid_pnr("20110811", "135")
DONE = "Samtal med Tindra och vårdnadshavare efter butiksstöld i centrum"


def _client(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


def _propose(client, orgs, *, pnr: str = PNR, name: str = NAME, reason: str = "suspected_crime",
             done: str = DONE):
    return post(client, "/referrals/new",
                {"to_org": orgs["social"].id, "personal_number": pnr, "name": name,
                 "reason": reason, "done": done}, page="/referrals/new")


def _only_referral(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Referral.id))


def _accept_registering(client, referral_id: str, **extra):
    return post(client, f"/intake/{referral_id}/accept",
                {"name": NAME, "personal_number": PNR, "gender": "girl",
                 "guardian1_name": "Vera Förslagsdotter", "guardian1_custody": "y", **extra},
                page=f"/intake/{referral_id}")


@pytest.fixture
def proposed(app, orgs, per, fake_clock):
    client = _client(app, per, fake_clock)
    response = _propose(client, orgs)
    assert response.status_code == 302, text_of(response)[-1500:]
    return client, _only_referral(app)


def test_the_proposer_sees_the_status_of_her_own_proposals_and_nothing_else(
        app, orgs, proposed, per, fred, fake_clock):
    per_client, referral_id = proposed
    mine = text_of(per_client.get("/referrals"))
    assert NAME in mine and "Väntar på beslut" in mine
    for url in ("/intake", f"/intake/{referral_id}", "/youths/search"):
        assert per_client.get(url).status_code == 403, url
    fred_client = _client(app, fred, fake_clock)
    assert NAME not in text_of(fred_client.get("/referrals"))
    assert fred_client.get(f"/intake/{referral_id}").status_code == 403
    assert post(fred_client, f"/intake/{referral_id}/accept").status_code == 403


def test_the_unit_accepts_registers_and_opens_a_case_with_the_proposal_in_it(
        app, client, orgs, proposed, sara, per, kim, fake_clock):
    per_client, referral_id = proposed
    login(client, sara, fake_clock=fake_clock)
    intake = text_of(client.get("/intake"))
    assert "F-" + referral_id[:8].upper() in intake and orgs["police"].name in intake
    assert NAME not in intake  # the list names no one; the proposal's page does (logged)
    page = text_of(client.get(f"/intake/{referral_id}"))
    assert NAME in page and DONE in page and "finns inte i registret" in page
    response = _accept_registering(client, referral_id)
    assert response.status_code == 302 and "/cases/" in response.location
    case_id = response.location.rsplit("/", 1)[-1]
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.referral_source == "police" and case.owner_id == sara.id
        assert db.session.get(Referral, referral_id).case_id == case_id
        assert db.session.get(Youth, case.youth_id).name == NAME
    assert DONE in text_of(client.get(f"/cases/{case_id}"))
    # Per: accepted, and still nothing of the case
    assert "Mottaget" in text_of(per_client.get("/referrals"))
    assert per_client.get(f"/cases/{case_id}").status_code == 404
    # in the group, Per reads his organisation's proposal; Kim (school) is told it is
    # withheld: police information reaches the school only by consent or provision
    add_member(client, case_id, per, function="kommunpolis")
    add_member(client, case_id, kim, function="skolkurator")
    assert DONE in text_of(per_client.get(f"/cases/{case_id}"))
    kim_page = text_of(_client(app, kim, fake_clock).get(f"/cases/{case_id}"))
    assert DONE not in kim_page
    assert "polisiär information" in kim_page
    # the log names ids and codes, never the youth
    with app.app_context():
        details = " ".join(e.details for e in db.session.scalars(select(AuditEntry)))
    assert NAME not in details and PNR not in details and DONE not in details


def test_accepting_twice_opens_one_case(app, client, orgs, proposed, sara, fake_clock):
    _per, referral_id = proposed
    login(client, sara, fake_clock=fake_clock)
    first = _accept_registering(client, referral_id)
    second = _accept_registering(client, referral_id)
    assert first.status_code == 302 and second.status_code == 302
    assert "redan mottaget eller avböjt" in text_of(client.get(second.location))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_declined_proposal_says_declined_to_the_proposer_and_not_why(
        app, client, orgs, proposed, sara, fake_clock):
    per_client, referral_id = proposed
    login(client, sara, fake_clock=fake_clock)
    missing = post(client, f"/intake/{referral_id}/decline", {"reason": ""},
                   page=f"/intake/{referral_id}")
    assert missing.status_code == 400 and "Välj varför förslaget avböjs." in text_of(missing)
    post(client, f"/intake/{referral_id}/decline", {"reason": "not_target_group"},
         page=f"/intake/{referral_id}")
    mine = text_of(per_client.get("/referrals"))
    assert "Avböjt" in mine and "målgrupp" not in mine
    assert "Inga förslag väntar." in text_of(client.get("/intake"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Youth)) == 0


def test_a_registered_youth_gets_a_case_and_an_open_case_of_the_owner_gets_the_proposal(
        app, client, orgs, per, sara, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client, name=NAME, pnr=PNR))
    per_client = _client(app, per, fake_clock)
    _propose(per_client, orgs)
    referral_id = _only_referral(app)
    page = text_of(client.get(f"/intake/{referral_id}"))
    assert "ditt öppna ärende" in page
    response = post(client, f"/intake/{referral_id}/accept", page=f"/intake/{referral_id}")
    assert response.location.endswith(f"/cases/{case_id}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1
        assert db.session.get(Referral, referral_id).case_id == case_id


def test_another_case_owner_sees_only_that_the_youth_has_an_open_case_elsewhere(
        app, client, orgs, per, sara, make_user, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    open_case(client, register_youth(client, name=NAME, pnr=PNR))
    _propose(_client(app, per, fake_clock), orgs)
    referral_id = _only_referral(app)
    sam = make_user("sam", "social", Role.CASE_OWNER)
    sam_client = _client(app, sam, fake_clock)
    page = text_of(sam_client.get(f"/intake/{referral_id}"))
    assert "ett öppet SIG-ärende som du inte ingår i" in page
    post(sam_client, f"/intake/{referral_id}/accept", page=f"/intake/{referral_id}")
    with app.app_context():
        assert db.session.get(Referral, referral_id).state == "pending"


def test_a_case_owner_of_another_social_services_does_not_see_the_proposal(
        app, orgs, proposed, make_user, fake_clock):
    _per, referral_id = proposed
    with app.app_context():
        other = Organisation(name="Socialtjänsten Grannkommun",
                             kind=OrganisationKind.SOCIAL_SERVICES.value)
        db.session.add(other)
        db.session.commit()
        orgs["neighbour"] = other
    stranger = make_user("stina", "neighbour", Role.CASE_OWNER)
    client = _client(app, stranger, fake_clock)
    assert client.get(f"/intake/{referral_id}").status_code == 404
    assert "F-" + referral_id[:8].upper() not in text_of(client.get("/intake"))
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "access_denied")).all()[-1]
    assert json.loads(denied.details)["reason"] == "not_addressed_to_organisation"


@pytest.mark.parametrize("body, message", [
    ({"personal_number": "20110811-1234"}, "kontrollsiffra"),
    ({"reason": ""}, "Välj varför du föreslår den unga."),
    ({"name": ""}, "obligatoriskt"),
])
def test_a_proposal_with_a_mistake_says_what_and_keeps_what_was_typed(
        app, orgs, kim, fake_clock, body, message):
    client = _client(app, kim, fake_clock)
    data = {"to_org": orgs["social"].id, "personal_number": PNR, "name": NAME,
            "reason": "school", "done": DONE, **body}
    response = post(client, "/referrals/new", data, page="/referrals/new")
    assert response.status_code == 400
    page = text_of(response)
    assert message.lower() in page.lower() and DONE in page
    assert _only_referral(app) is None
