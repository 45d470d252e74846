"""The register extract as data: everything SIG holds about one person.

For the **youth**: the register entry, and for every case of theirs that the producer
owns (every episode of hers, not only the one at hand; another owner's episode is that
owner's to extract — need to know) the group, the plan, the meetings with attendance and
minutes, the outcome events, the consents with their parties and withdrawals, and the
ledger of every flow of their information (``ledger.py``).  Every item is read through
the disclosure policy for the producer: what it keeps from her organisation — another
organisation's information without consent or provision, the police's
preliminary-investigation material (OSL 18 kap. 1 §) — is listed as withheld, by
organisation and kind, with where the person can ask, never shown.

For a **guardian**: their register data, and for each case of the child the consents
they are a party to (and their withdrawals), the meetings they took part in, and the
ledger of the identity information (where the guardians' names and contacts are).

The same structure is the machine-readable file (JSON, ``FORMAT``) and, through its
template, the printable Swedish document.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from auth import directory
from consent.categories import KNOWN, Category
from consent.models import Consent
from consent.policy import Reading, Relation
from kernel import clock
from kernel.db import db
from sig.cases.access import relation_to
from sig.cases.forms import CLOSE_LABELS, REFERRAL_LABELS
from sig.cases.models import Case, Membership
from sig.extracts.ledger import ledger
from sig.labels import ACTION_STATUS, ATTENDANCE, CASE_STATUS, LIFE_AREAS, MEETING_STATUS
from sig.meetings.models import Meeting, MinutesEntry, Participant
from sig.outcomes.forms import KIND_LABELS
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action, Goal
from sig.referrals.forms import REASON_LABELS as REFERRAL_REASONS
from sig.referrals.models import Referral
from sig.youths.models import Guardian, Youth

FORMAT = "sig-subject-extract/1"
# What the policy keeps from the producer's organisation is another organisation's to
# release (police information, preliminary-investigation material under OSL 18 kap. 1 §,
# school information without consent): the extract says so, without its content.
WITHHELD_BASIS = ("registrerade av {org} och inte lämnade till den som tar fram utdraget; "
                  "personen kan begära utdrag hos {org}")


def _text(labels: dict[Any, Any], code: Any) -> str:
    found = labels.get(code)
    return str(found) if found is not None else str(code or "")


def _category(code: str) -> str:
    try:
        return str(Category(code).label)
    except ValueError:
        return code


def _local(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return clock.as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


class _Case:
    """One case's part of the extract: every item read through one policy reading for the
    person producing it (the case owner), so the extract shows exactly what the case
    page shows her; what the policy withholds from her organisation is listed as
    withheld with its basis, never shown."""

    def __init__(self, reading: Reading, orgs: dict[str, str], youth: Youth) -> None:
        self.reading, self.case, self.orgs = reading, reading.case, orgs
        # the category of every item a disclosure decision may name (its ledger reads it)
        self.categories_of: dict[tuple[str, str], str] = {("youths", youth.id): "identity"}

    def _items(self, model: Any, *, order_by: Any, options: tuple = ()) -> list[Any]:
        found = self.reading.items(model, order_by=[order_by], options=list(options))
        self.categories_of.update({(model.__tablename__, i.id): i.category for i in found})
        return found

    def withheld(self) -> list[dict[str, Any]]:
        """What the policy keeps from the producer's organisation, by origin and kind: the
        person may ask that organisation (its secrecy is its own to assess)."""
        return [{"organisation": self.orgs.get(w.origin_org_id or "", "—"),
                 "category": _category(w.category), "count": w.count,
                 "basis": WITHHELD_BASIS.format(org=self.orgs.get(w.origin_org_id or "", "—"))}
                for w in self.reading.withheld()]

    def head(self) -> dict[str, Any]:
        case = self.case
        return {"reference": case.reference, "status": _text(CASE_STATUS, case.status),
                "referred_by": _text(REFERRAL_LABELS, case.referral_source),
                "referral_date": _date(case.referral_date), "referral_note": case.referral_note,
                "plan_agreed_on": _date(case.plan_agreed_on), "closed_on": _date(case.closed_on),
                "close_reason": _text(CLOSE_LABELS, case.close_reason) if case.close_reason
                else None,
                "case_owner": case.owner.display_name if case.owner else None}

    def group(self) -> list[dict[str, Any]]:
        return [{"name": m.user.display_name, "organisation": self.orgs.get(m.member_org_id),
                 "function": m.function, "from": _date(m.from_date), "until": _date(m.to_date)}
                for m in self._items(Membership, order_by=Membership.from_date,
                                     options=(joinedload(Membership.user),))]

    def plan(self) -> list[dict[str, Any]]:
        actions: dict[str, list[dict[str, Any]]] = {}
        for a in self._items(Action, order_by=Action.created_at):
            actions.setdefault(a.goal_id, []).append({
                "what": a.what, "responsible": self.orgs.get(a.responsible_org_id),
                "start": _date(a.start_date), "due": _date(a.due_date),
                "status": _text(ACTION_STATUS, a.status), "follow_up": a.follow_up})
        return [{"life_area": _text(LIFE_AREAS, g.life_area), "goal": g.description,
                 "organisation": self.orgs.get(g.origin_org_id),
                 "actions": actions.get(g.id, [])}
                for g in self._items(Goal, order_by=Goal.created_at)]

    def meetings(self, only_with: str | None = None) -> list[dict[str, Any]]:
        """The case's meetings (``only_with``: those a guardian of that name attended)."""
        minutes: dict[str, list[dict[str, Any]]] = {}
        for e in self._items(MinutesEntry, order_by=MinutesEntry.created_at):
            minutes.setdefault(e.meeting_id, []).append({
                "category": _category(e.category),
                "organisation": self.orgs.get(e.origin_org_id), "text": e.text,
                "written": _local(e.created_at)})
        people: dict[str, list[Participant]] = {}
        for p in self._items(Participant, order_by=Participant.created_at,
                             options=(joinedload(Participant.user),)):
            people.setdefault(p.meeting_id, []).append(p)
        out = []
        for meeting in self._items(Meeting, order_by=Meeting.starts_at):
            shown = people.get(meeting.id, [])
            if only_with is not None and not any(
                    p.external_role == "guardian" and p.external_name == only_with
                    for p in shown):
                continue
            out.append({"starts": _local(meeting.starts_at), "place": meeting.place,
                        "agenda": meeting.agenda,
                        "status": _text(MEETING_STATUS, meeting.status),
                        "participants": [
                            {"who": p.user.display_name if p.user else p.external_name,
                             "organisation": self.orgs.get(p.represented_org_id or "", ""),
                             "attendance": _text(ATTENDANCE, p.attendance)
                             if p.attendance else None} for p in shown],
                        "minutes": [] if only_with is not None else minutes.get(meeting.id, [])})
        return out

    def outcomes(self) -> list[dict[str, Any]]:
        return [{"kind": _text(KIND_LABELS, o.kind), "date": _date(o.occurred_on),
                 "organisation": self.orgs.get(o.source_org_id), "note": o.note}
                for o in self._items(OutcomeEvent, order_by=OutcomeEvent.occurred_on)]

    def proposals(self) -> list[dict[str, Any]]:
        """The proposals for SIG in the case the producer may see (what was reported
        about the youth, by whom)."""
        return [{"reference": r.reference, "date": _local(r.created_at),
                 "organisation": self.orgs.get(r.origin_org_id),
                 "reason": _text(REFERRAL_REASONS, r.reason), "done": r.done}
                for r in self._items(Referral, order_by=Referral.created_at)]

    def consents(self, guardian_id: str | None = None) -> list[dict[str, Any]]:
        out = []
        for c in db.session.scalars(select(Consent).where(Consent.case_id == self.case.id)
                                    .options(selectinload(Consent.parties),
                                             selectinload(Consent.grants))
                                    .order_by(Consent.given_on)):
            parties = [p for p in c.parties
                       if guardian_id is None or p.guardian_id == guardian_id]
            if guardian_id is not None and not parties:
                continue
            out.append({
                "reference": f"S-{c.id[:8].upper()}", "given_on": _date(c.given_on),
                "valid_from": _date(c.valid_from), "valid_to": _date(c.valid_to),
                "withdrawn": _local(c.withdrawn_at),
                "signed_form": c.form_filename if c.has_form else None,
                "parties": [{"party": "ungdomen" if p.kind == "youth" else "vårdnadshavare",
                             "withdrawn": _local(p.withdrawn_at)} for p in parties],
                "flows": [{"from": self.orgs.get(g.source_org_id), "to":
                           self.orgs.get(g.recipient_org_id), "category": _category(g.category),
                           "withdrawn": _local(g.withdrawn_at)} for g in c.grants]})
        return out


def _readings(youth: Youth, user: Any) -> list[Reading]:
    """A reading of each of the youth's cases that ``user`` owns (need to know: another
    owner's episode is extracted by that owner)."""
    cases = db.session.scalars(select(Case).where(
        Case.youth_id == youth.id, Case.purged_at.is_(None), Case.owner_id == user.id)
        .options(joinedload(Case.owner)).order_by(Case.referral_date))
    return [Reading(user, Relation.OWNER, case) for case in cases
            if relation_to(user, case) is Relation.OWNER]


def _flows(part: _Case, codes: set[str]) -> list[dict[str, Any]]:
    return [f.public() for f in ledger(part.case, codes, part.categories_of)]


def for_youth(youth: Youth, produced_by: Any) -> dict[str, Any]:
    orgs = directory.names()
    cases = []
    for reading in _readings(youth, produced_by):
        part = _Case(reading, orgs, youth)
        cases.append({**part.head(), "group": part.group(), "plan": part.plan(),
                      "meetings": part.meetings(), "outcomes": part.outcomes(),
                      "proposals": part.proposals(),
                      "consents": part.consents(), "withheld": part.withheld(),
                      "ledger": _flows(part, set(KNOWN))})
    return {"format": FORMAT, "produced": _local(clock.now()),
            "produced_by": produced_by.display_name, "subject": {
                "kind": "ungdom", "name": youth.name, "personal_number": youth.pnr,
                "birth_date": youth.birth_date_text, "gender": youth.gender,
                # protected personal data: contact details are never printed
                "contact": None if youth.protected else youth.contact,
                "school": youth.school},
            "cases": cases}


def for_guardian(guardian: Guardian, youth: Youth, produced_by: Any) -> dict[str, Any]:
    orgs = directory.names()
    cases = []
    for reading in _readings(youth, produced_by):
        part = _Case(reading, orgs, youth)
        cases.append({**{k: v for k, v in part.head().items() if k in (
            "reference", "status", "referral_date", "closed_on", "case_owner")},
            "consents": part.consents(guardian.id),
            "meetings": part.meetings(only_with=guardian.name),
            "ledger": _flows(part, {Category.IDENTITY.value})})
    return {"format": FORMAT, "produced": _local(clock.now()),
            "produced_by": produced_by.display_name, "subject": {
                "kind": "vårdnadshavare", "name": guardian.name,
                "contact": None if youth.protected else guardian.contact,
                "custody": guardian.has_custody, "child": youth.name},
            "cases": cases}
