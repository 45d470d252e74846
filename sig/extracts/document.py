"""The register extract as data: everything SIG holds about one person.

For the **youth**: the register entry, and for every case of theirs (every episode, not
only the one at hand) the group, the plan, the meetings with attendance and minutes, the
outcome events, the consents with their parties and withdrawals, the disclosure
decisions, and the ledger of every flow of their information (``ledger.py``).  Material
that is secret towards the youth — preliminary-investigation material the police have
flagged (OSL 18 kap. 1 §) — is listed as withheld, with its basis, never shown.

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
from kernel import clock
from kernel.db import db
from sig.cases.forms import CLOSE_LABELS, REFERRAL_LABELS
from sig.cases.models import Case, Membership
from sig.extracts.ledger import ledger
from sig.labels import ACTION_STATUS, ATTENDANCE, CASE_STATUS, LIFE_AREAS, MEETING_STATUS
from sig.meetings.models import Meeting, MinutesEntry, Participant
from sig.outcomes.forms import KIND_LABELS
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action, Goal
from sig.youths.models import Guardian, Youth

FORMAT = "sig-subject-extract/1"
PRE_INVESTIGATION_BASIS = "OSL 18 kap. 1 § (förundersökningssekretess)"


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
    """One case's part of the extract, read with a fixed number of statements."""

    def __init__(self, case: Case, orgs: dict[str, str], youth: Youth) -> None:
        self.case, self.orgs = case, orgs
        self.withheld: list[dict[str, Any]] = []
        # the category of every item a disclosure decision may name (its ledger reads it)
        self.categories_of: dict[tuple[str, str], str] = {("youths", youth.id): "identity"}

    def _keep(self, item: Any, what: str) -> bool:
        """Whether the item goes into the extract; secret ones are listed as withheld."""
        self.categories_of[item.__tablename__, item.id] = item.category
        if item.pre_investigation:
            self.withheld.append({
                "what": what, "organisation": self.orgs.get(item.origin_org_id, "—"),
                "category": _category(item.category), "date": _date(_day_of(item)),
                "basis": PRE_INVESTIGATION_BASIS})
            return False
        return True

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
                for m in db.session.scalars(
                    select(Membership).where(Membership.case_id == self.case.id,
                                             Membership.removed_at.is_(None))
                    .options(joinedload(Membership.user)).order_by(Membership.from_date))]

    def plan(self) -> list[dict[str, Any]]:
        actions: dict[str, list[dict[str, Any]]] = {}
        for a in db.session.scalars(select(Action).where(Action.case_id == self.case.id)
                                    .order_by(Action.created_at)):
            if self._keep(a, "åtgärd"):
                actions.setdefault(a.goal_id, []).append({
                    "what": a.what, "responsible": self.orgs.get(a.responsible_org_id),
                    "start": _date(a.start_date), "due": _date(a.due_date),
                    "status": _text(ACTION_STATUS, a.status), "follow_up": a.follow_up})
        return [{"life_area": _text(LIFE_AREAS, g.life_area), "goal": g.description,
                 "organisation": self.orgs.get(g.origin_org_id),
                 "actions": actions.get(g.id, [])}
                for g in db.session.scalars(select(Goal).where(Goal.case_id == self.case.id)
                                            .order_by(Goal.created_at))
                if self._keep(g, "mål")]

    def meetings(self, only_with: str | None = None) -> list[dict[str, Any]]:
        """The case's meetings (``only_with``: those a guardian of that name attended)."""
        minutes: dict[str, list[dict[str, Any]]] = {}
        for e in db.session.scalars(select(MinutesEntry).where(
                MinutesEntry.case_id == self.case.id).order_by(MinutesEntry.created_at)):
            if self._keep(e, "protokollsanteckning"):
                minutes.setdefault(e.meeting_id, []).append({
                    "category": _category(e.category),
                    "organisation": self.orgs.get(e.origin_org_id), "text": e.text,
                    "written": _local(e.created_at)})
        out = []
        for meeting in db.session.scalars(
                select(Meeting).where(Meeting.case_id == self.case.id)
                .options(selectinload(Meeting.participants).joinedload(Participant.user))
                .order_by(Meeting.starts_at)):
            people = [{"who": p.user.display_name if p.user else p.external_name,
                       "organisation": self.orgs.get(p.represented_org_id or "", ""),
                       "attendance": _text(ATTENDANCE, p.attendance) if p.attendance else None}
                      for p in meeting.participants]
            if only_with is not None and not any(
                    p.external_role == "guardian" and p.external_name == only_with
                    for p in meeting.participants):
                continue
            out.append({"starts": _local(meeting.starts_at), "place": meeting.place,
                        "agenda": meeting.agenda,
                        "status": _text(MEETING_STATUS, meeting.status),
                        "participants": people,
                        "minutes": [] if only_with is not None else minutes.get(meeting.id, [])})
        return out

    def outcomes(self) -> list[dict[str, Any]]:
        return [{"kind": _text(KIND_LABELS, o.kind), "date": _date(o.occurred_on),
                 "organisation": self.orgs.get(o.source_org_id), "note": o.note}
                for o in db.session.scalars(select(OutcomeEvent).where(
                    OutcomeEvent.case_id == self.case.id).order_by(OutcomeEvent.occurred_on))
                if self._keep(o, "händelse")]

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
                "signed_form": c.form_filename if c.form_enc is not None else None,
                "parties": [{"party": "ungdomen" if p.kind == "youth" else "vårdnadshavare",
                             "withdrawn": _local(p.withdrawn_at)} for p in parties],
                "flows": [{"from": self.orgs.get(g.source_org_id), "to":
                           self.orgs.get(g.recipient_org_id), "category": _category(g.category),
                           "withdrawn": _local(g.withdrawn_at)} for g in c.grants]})
        return out


def _day_of(item: Any) -> dt.date | None:
    for name in ("occurred_on", "due_date"):
        if getattr(item, name, None) is not None:
            return getattr(item, name)
    created = getattr(item, "created_at", None)
    return clock.as_utc(created).date() if created is not None else None


def _cases_of(youth: Youth) -> list[Case]:
    return list(db.session.scalars(select(Case).where(
        Case.youth_id == youth.id, Case.purged_at.is_(None))
        .options(joinedload(Case.owner)).order_by(Case.referral_date)))


def _flows(part: _Case, codes: set[str]) -> list[dict[str, Any]]:
    return [f.public() for f in ledger(part.case, codes, part.categories_of)]


def for_youth(youth: Youth, produced_by: Any) -> dict[str, Any]:
    orgs = directory.names()
    cases = []
    for case in _cases_of(youth):
        part = _Case(case, orgs, youth)
        cases.append({**part.head(), "group": part.group(), "plan": part.plan(),
                      "meetings": part.meetings(), "outcomes": part.outcomes(),
                      "consents": part.consents(), "withheld": part.withheld,
                      "ledger": _flows(part, set(KNOWN))})
    return {"format": FORMAT, "produced": _local(clock.now()),
            "produced_by": produced_by.display_name, "subject": {
                "kind": "ungdom", "name": youth.name, "personal_number": youth.pnr,
                "birth_date": youth.birth_date_text, "gender": youth.gender,
                "contact": youth.contact, "school": youth.school},
            "cases": cases}


def for_guardian(guardian: Guardian, youth: Youth, produced_by: Any) -> dict[str, Any]:
    orgs = directory.names()
    cases = []
    for case in _cases_of(youth):
        part = _Case(case, orgs, youth)
        cases.append({**{k: v for k, v in part.head().items() if k in (
            "reference", "status", "referral_date", "closed_on", "case_owner")},
            "consents": part.consents(guardian.id),
            "meetings": part.meetings(only_with=guardian.name),
            "ledger": _flows(part, {Category.IDENTITY.value})})
    return {"format": FORMAT, "produced": _local(clock.now()),
            "produced_by": produced_by.display_name, "subject": {
                "kind": "vårdnadshavare", "name": guardian.name, "contact": guardian.contact,
                "custody": guardian.has_custody, "child": youth.name},
            "cases": cases}
