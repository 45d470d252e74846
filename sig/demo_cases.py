"""Demo cases: youths in different states with plans, meetings and attendance across
organisations, written through the same operations the pages use.

Texts that other organisations may see (actions, minutes) do not name the youth:
free text crosses organisation boundaries with its item, so it is written that way.
The personal identity numbers are synthetic: valid in form (date and check digit) with
serial numbers 980–989, and belong to no one we know of.  Fred is in Alva's group only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from auth.models import User
from consent import operations as consents
from consent import validity
from consent.policy import Relation
from kernel import clock
from kernel.db import db
from sig.cases import operations as cases
from sig.cases.models import Case
from sig.meetings import operations as meetings
from sig.meetings.models import Participant
from sig.outcomes import operations as outcomes
from sig.plans import operations as plans
from sig.youths import operations as youths
from sig.youths import pnr


@dataclass
class DemoAction:
    what: str
    org_of: str  # the persona whose organisation is responsible
    person: str | None
    due_in_days: int
    status: str = "planned"


@dataclass
class DemoGoal:
    life_area: str
    description: str
    actions: list[DemoAction] = field(default_factory=list)


@dataclass
class DemoMeeting:
    days_from_now: int
    place: str
    agenda: str
    attendance: dict[str, str] = field(default_factory=dict)  # persona -> attendance
    minutes: list[tuple[str, str, str]] = field(default_factory=list)  # writer, category, text


@dataclass
class DemoConsent:
    youth_signs: bool
    guardians: list[int]  # 1-based numbers of the guardians (with custody) who consented
    flows: list[tuple[str, str, str]]  # source persona, recipient persona, category
    withdrawn_flows: list[int] = field(default_factory=list)  # indexes into flows


@dataclass
class DemoYouth:
    name: str
    birth: str  # YYYYMMDD
    serial: str
    gender: str
    school: str
    guardians: list[tuple[str, str, bool]]
    referred_days_ago: int
    source: str
    members: list[tuple[str, str]]  # persona, function
    goals: list[DemoGoal] = field(default_factory=list)
    meetings: list[DemoMeeting] = field(default_factory=list)
    state: str = "active"  # referred | active | closed
    consents: list[DemoConsent] = field(default_factory=list)
    # (days after referral, kind, source persona, led to an intervention)
    outcomes: list[tuple[int, str, str, bool | None]] = field(default_factory=list)


YOUTHS = [
    DemoYouth(
        "Elias Lindqvist", "20100412", "981", "boy", "Exempelskolan åk 9",
        [("Maja Lindqvist", "070-123 45 67", True), ("Jonas Lindqvist", "070-234 56 78", True)],
        60, "police",
        [("per", "kontaktpolis"), ("kim", "skolkurator"), ("lo", "fritidsledare")],
        goals=[
            DemoGoal("school", "Går i skolan minst 90 % av tiden", [
                DemoAction("Närvaroplan och veckovis uppföljning med mentor", "kim", "kim", 10,
                           "in_progress")]),
            DemoGoal("criminality", "Umgås inte i riskmiljöer på kvällstid", [
                DemoAction("Samtal med ungdomen och vårdnadshavare om riskmiljöer", "per", "per",
                           5)]),
            DemoGoal("leisure", "Har en meningsfull fritidsaktivitet", [
                DemoAction("Introduktion till boxningsklubben", "lo", "lo", -3),
                DemoAction("Familjebehandling varannan vecka", "sara", "sara", 30,
                           "in_progress")]),
        ],
        meetings=[
            DemoMeeting(-35, "Familjecentralen", "Uppstart och åtgärdsplan",
                        {"sara": "present", "per": "present", "kim": "excused",
                         "lo": "present"},
                        [("sara", "social_assessment",
                          "Familjen har tackat ja till familjebehandling."),
                         ("per", "police_information",
                          "Ungdomen har setts i centrum sent på kvällar under hösten.")]),
            DemoMeeting(-7, "Exempelskolan, konferensrummet", "Uppföljning av planen",
                        {"sara": "present", "per": "absent", "kim": "remote",
                         "lo": "absent"},
                        [("kim", "school_information",
                          "Närvaron har ökat från 70 % till 85 % sedan förra mötet.")]),
            DemoMeeting(3, "Familjecentralen", "Uppföljning inför jullovet"),
        ],
        # Before the start: the police report and concern report behind the referral;
        # after it: a concern conversation that led to an intervention.
        outcomes=[(-20, "police_report", "per", None), (-10, "concern_report", "kim", None),
                  (10, "concern_conversation", "per", True)],
        consents=[
            # Full: the youth (16) and both guardians; the group shares identity and the plan.
            DemoConsent(True, [1, 2], [
                (src, dst, cat) for src, dst in (("sara", "per"), ("sara", "kim"),
                                                 ("sara", "lo"), ("per", "kim"),
                                                 ("kim", "per"), ("lo", "per"))
                for cat in ("identity", "coordination")] + [
                ("kim", "sara", "school_information"), ("kim", "per", "school_information")]),
            # Withdrawn in part: social assessment to the police, withdrawn by the family.
            DemoConsent(True, [1, 2], [("sara", "per", "social_assessment"),
                                       ("sara", "kim", "social_assessment")],
                        withdrawn_flows=[0]),
        ]),
    DemoYouth(
        "Nora Haddad", "20090930", "982", "girl", "Exempelskolan åk 9",
        [("Samira Haddad", "073-345 67 89", True)],
        5, "school", [("kim", "skolkurator")], state="referred",
        # Missing party: the youth (17) has not consented, so nothing is shared yet.
        consents=[DemoConsent(False, [1], [("sara", "kim", "identity"),
                                          ("sara", "kim", "coordination")])]),
    DemoYouth(
        "Alva Berg", "20110105", "983", "girl", "Norrskolan åk 8",
        [("Karin Berg", "076-456 78 90", True), ("Peter Berg", "076-567 89 01", False)],
        40, "social_services", [("fred", "kontaktpolis"), ("lo", "fritidsledare")],
        goals=[DemoGoal("criminality", "Deltar inte i fler stölder", [
            DemoAction("Orossamtal med ungdomen och vårdnadshavare", "fred", "fred", 7)])],
        meetings=[DemoMeeting(-14, "Fritidsgården Norr", "Uppstart",
                              {"sara": "present", "fred": "present", "lo": "present"})],
        # Partial: the plan is shared with leisure only; the police see no identity.
        consents=[DemoConsent(True, [1], [("sara", "lo", "coordination"),
                                          ("sara", "lo", "identity")])]),
    DemoYouth(
        "Omar Nilsson", "20080620", "984", "boy", "Gymnasiet, el-programmet",
        [("Leila Nilsson", "072-678 90 12", True)],
        400, "police", [("per", "kontaktpolis")], state="closed",
        # A new police report some months after the case closed: a relapse.
        outcomes=[(-30, "police_report", "per", None),
                  (60, "concern_conversation", "per", False),
                  (300, "police_report", "per", None)],
        goals=[DemoGoal("occupation", "Har ett sommarjobb", [
            DemoAction("Sommarjobb via kommunens feriearbete", "sara", "sara", -200, "done")])],
        meetings=[DemoMeeting(-300, "Familjecentralen", "Uppstart",
                              {"sara": "present", "per": "present"}),
                  DemoMeeting(-200, "Familjecentralen", "Avslutning",
                              {"sara": "present", "per": "excused"})]),
]


# A proposal for SIG waiting on the intake list: Per (police) proposes a youth who is
# not in the register.
PROPOSAL = ("Leo Förslagsson", "20110203", "482", "criminal_network",
            "Orosanmälan gjord efter att Leo setts med äldre personer i ett känt nätverk; "
            "samtal med Leo och hans mamma.")


def load_proposal(people: dict[str, User]) -> list[str]:
    """Per's proposal, unless there is one already."""
    from sig.referrals import operations as referrals
    from sig.referrals.models import Referral

    if db.session.scalar(select(Referral.id).limit(1)) is not None:
        return []
    name, birth, serial, reason, done = PROPOSAL
    number = pnr.parse(f"{birth}-{serial}{pnr.luhn_check_digit(birth[2:] + serial)}")
    per = people["per"]
    unit = next(o for o in referrals.units() if o.id == people["sara"].organisation_id)
    referrals.propose(per, unit, number, name, reason, done)
    return [f"  A proposal for SIG from per about {name}, on sara's intake list"]


def demo_number(youth: DemoYouth) -> pnr.PersonalNumber:
    nine = youth.birth[2:] + youth.serial
    return pnr.parse(f"{youth.birth}-{youth.serial}{pnr.luhn_check_digit(nine)}")


def load(people: dict[str, User]) -> list[str]:
    """Create the demo youths and their cases that are missing; returns lines to print."""
    lines = []
    for youth in YOUTHS:
        number = demo_number(youth)
        if youths.find_by_pnr(number) is not None:
            continue
        _build(youth, number, people)
        lines.append(f"  {youth.name}: {youth.state} case, group "
                     + ", ".join(p for p, _ in youth.members))
    return lines


def _build(spec: DemoYouth, number: pnr.PersonalNumber, people: dict[str, User]) -> None:
    sara = people["sara"]
    today = clock.local_today()
    start = today - dt.timedelta(days=spec.referred_days_ago)
    youth = youths.register(sara, number, spec.name, spec.gender, "", spec.school,
                            spec.guardians)
    case = cases.open_case(sara, youth, spec.source, start, "")
    for persona, function in spec.members:
        cases.add_member(sara, case, people[persona], function, start, None)
    for goal_spec in spec.goals:
        goal = plans.add_goal(sara, case, goal_spec.life_area, goal_spec.description)
        for a in goal_spec.actions:
            plans.add_action(
                sara, case, goal, what=a.what,
                responsible_org_id=people[a.org_of].organisation_id,
                responsible_user_id=people[a.person].id if a.person else None,
                start_date=start, due_date=today + dt.timedelta(days=a.due_in_days),
                status=a.status)
    for m in spec.meetings:
        starts = clock.local_midnight(today + dt.timedelta(days=m.days_from_now), 13)
        meeting = meetings.schedule_meeting(sara, case, starts, m.place, m.agenda)
        if m.attendance:
            rows = db.session.query(Participant).filter_by(meeting_id=meeting.id).all()
            by_user = {row.user_id: row.id for row in rows}
            meetings.record_attendance(sara, case, meeting, {
                by_user[people[p].id]: value for p, value in m.attendance.items()})
        for writer, category, text in m.minutes:
            meetings.write_minutes(people[writer], case, meeting, category, text)
    _consents(spec, case, people, start)
    for days, kind, source, intervention in spec.outcomes:
        outcomes.record_outcome(sara, Relation.OWNER, case, kind=kind,
                                occurred_on=start + dt.timedelta(days=days),
                                source_org_id=people[source].organisation_id,
                                led_to_intervention=intervention, note=None)
    if spec.state in ("active", "closed"):
        cases.agree_plan(db.session.get(Case, case.id))
    if spec.state == "closed":
        cases.close_case(db.session.get(Case, case.id), "completed",
                         today - dt.timedelta(days=150))


def _consents(spec: DemoYouth, case: Case, people: dict[str, User], start: dt.date) -> None:
    sara = people["sara"]
    custody = validity.subjects_of([case.id])[case.id].custody_guardian_ids
    org_ids = {sara.organisation_id} | {people[p].organisation_id for p, _ in spec.members}
    for c in spec.consents:
        consent = consents.record_consent(
            sara, case.id, youth=c.youth_signs,
            guardian_ids=[custody[n - 1] for n in c.guardians],
            grants=[(people[s].organisation_id, people[r].organisation_id, cat)
                    for s, r, cat in c.flows],
            org_ids=org_ids, method="signed_form", given_on=start, valid_from=start,
            valid_to=start + dt.timedelta(days=365))
        for index in c.withdrawn_flows:
            src, dst, cat = c.flows[index]
            grant = next(g for g in consent.grants
                         if (g.source_org_id, g.recipient_org_id, g.category) ==
                         (people[src].organisation_id, people[dst].organisation_id, cat))
            consents.withdraw_grant(sara, consent, grant.id)
