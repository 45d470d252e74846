"""Transparency for the case owner: the case as another organisation sees it, and
the sharing overview (organisation × category → shown or withheld, and why).

Both pages ask the policy on behalf of a :class:`StandIn`: a read-only viewer that
stands for "a member of organisation X in this case", looked through by the owner (its
``reader``).  It is never a real account, has an id no user can have (so
``consent.grants.grants_for``'s per-request cache keeps its grants apart from the
owner's), and nothing is written on its behalf — the audit entries name the owner, and
the organisation looked through.  "View as" intersects: the owner is shown only what
both X and she may see, and told how much X sees that she may not.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select

from auth import directory
from auth.models import Organisation
from auth.roles import Role
from consent import validity
from consent.categories import Category
from consent.models import Consent, Disclosure
from consent.policy import PolicyError, Relation, Rule, decide, every_item
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.access import refuse, today
from sig.cases.models import Case, Membership
from sig.cases.rights import CasePermission
from sig.cases.routes import At, Item, case_route
from sig.casework import read_model
from sig.meetings.models import Meeting, Participant
from sig.meetings.queries import meeting_view
from sig.meetings.views import render_protocol

bp = Blueprint("sharing", __name__)


# --- the stand-in viewer ----------------------------------------------------------------------


@dataclass(frozen=True)
class StandIn:
    """A read-only stand-in for "a current group member from ``organisation``".

    It has what the policy and the case templates ask of a user, and no more.
    """

    organisation: Organisation = field(compare=False)
    organisation_id: str
    reader: Any = field(compare=False)  # the real user looking through the stand-in
    intersect: bool = False  # shown only what the reader may see too
    role: str = Role.MEMBER.value
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False
    read_only: bool = True

    @classmethod
    def of(cls, organisation: Organisation, reader: Any, *, intersect: bool) -> StandIn:
        return cls(organisation, organisation.id, reader, intersect)

    @property
    def id(self) -> str:
        # Never a real user's id: the policy's per-request cache, keyed by
        # (user id, organisation), cannot hand the owner's grants to the stand-in.
        return f"view-as:{self.organisation_id}"

    @property
    def display_name(self) -> str:
        return self.organisation.name

    def get_id(self) -> None:  # never a session's user
        return None


def participating(case: Case) -> list[Organisation]:
    """The organisations taking part in the case now: the owner's and those of the
    current group members."""
    day = today()
    member_orgs = select(Membership.member_org_id).where(
        Membership.case_id == case.id, Membership.removed_at.is_(None),
        Membership.from_date <= day,
        or_(Membership.to_date.is_(None), Membership.to_date >= day))
    return list(db.session.scalars(
        select(Organisation).where(or_(Organisation.id == case.owner.organisation_id,
                                       Organisation.id.in_(member_orgs)))
        .order_by(Organisation.name)))


# --- "view as" ---------------------------------------------------------------------------------


def _render_block(template_name: str, block: str, **context: Any) -> Markup:
    """One block of a template, rendered with the app's context processors and
    ``context`` on top of them (so ``current_user`` can be the stand-in there while
    the page around it — menu, log-out — stays the logged-in user's)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_template(template_name)
    app.update_template_context(context)
    html = app.jinja_env.concat(template.blocks[block](template.new_context(context)))
    return Markup(html)  # noqa: S704 - the output of an autoescaping template


@case_route(bp, "/cases/<id:case_id>/view-as/<id:org_id>", needs=CasePermission.VIEW_SHARING)
def view_as(at: At, org_id: str):
    case = at.case
    org = next((o for o in participating(case) if o.id == org_id), None)
    if org is None:
        refuse(case, "organisation_not_in_case", 404)
    viewer = StandIn.of(org, current_user._get_current_object(), intersect=True)
    view = read_model.build(viewer, case, Relation.MEMBER, read_only=True)
    record(AuditEvent.CASE_VIEWED_AS, target_type="case", target_ref=case.id,
           details={"as_organisation": org.id, **view.audit_details()})
    db.session.commit()
    body = _render_block(
        "cases/show.html", "content", view=view, case=case, is_owner=False, read_only=True,
        close_form=None, current_user=viewer)
    return render_template("sharing/view_as.html", case=case, org=org, body=body)


@case_route(bp, "/cases/<id:case_id>/meetings/<id:meeting_id>/print/<id:org_id>",
            needs=CasePermission.VIEW_SHARING, items={"meeting_id": Item(Meeting)})
def print_protocol_for(at: At, meeting: Meeting, org_id: str):
    """The meeting's protocol as printed for one organisation of the case: only what it
    may see (and the owner may see too), told how much is left out."""
    case = at.case
    org = next((o for o in participating(case) if o.id == org_id), None)
    if org is None:
        org = db.session.get(Organisation, org_id)
        represented = org is not None and db.session.scalar(select(Participant.id).where(
            Participant.meeting_id == meeting.id, Participant.represented_org_id == org.id)
            .limit(1))
        if not represented:
            refuse(case, "organisation_not_in_case", 404)
    viewer = StandIn.of(org, current_user._get_current_object(), intersect=True)
    view = meeting_view(viewer, case, Relation.MEMBER, meeting)
    record(AuditEvent.CASE_VIEWED_AS, target_type="case", target_ref=case.id,
           details={"as_organisation": org.id, **view.audit_details(), "view": "print"})
    db.session.commit()
    return render_protocol(case, meeting, view, org)


# --- the sharing overview ----------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """``count`` items of one category from ``source_org_id``, and what the policy
    answers for them towards one recipient organisation."""

    source_org_id: str | None
    shown: bool
    rule: Rule
    basis: str | None  # consent id, legal reference or disclosure id
    count: int


@dataclass
class Overview:
    organisations: list[Organisation]
    categories: list[Category]
    # recipient org id → category → flows, sorted by source, shown first
    cells: dict[str, dict[str, list[Flow]]]
    org_names: dict[str, str]
    consents: dict[str, Consent]
    disclosures: dict[str, Disclosure]

    def flows(self, org_id: str, category: str) -> list[Flow]:
        return self.cells.get(org_id, {}).get(category, [])

    def audit_details(self) -> dict[str, Any]:
        shown = sorted({f"{o}:{c}" for o, cats in self.cells.items()
                        for c, flows in cats.items() if any(f.shown for f in flows)})
        withheld = sorted({f"{o}:{c}" for o, cats in self.cells.items()
                           for c, flows in cats.items() if any(not f.shown for f in flows)})
        return {"organisations": [o.id for o in self.organisations],
                "shown": shown, "withheld": withheld}


def _flows_for(viewers: list[StandIn], case: Case) -> dict[str, dict[str, list[Flow]]]:
    """What the policy answers each of ``viewers`` for every item of the case another
    organisation recorded, per category, over every announced kind of the registry
    (one walk of the case for all of them).

    The verdict of each item comes from the same SQL as the case page
    (``policy.every_item``), the reason from ``decide``; should the two ever disagree,
    nothing is shown: :class:`PolicyError`.
    """
    counts: dict[str, dict[tuple[str, str | None, bool, Rule, str | None], int]] = {
        v.organisation_id: defaultdict(int) for v in viewers}
    for item, verdicts in every_item(viewers, case):
        for viewer, shown in zip(viewers, verdicts, strict=True):
            org = viewer.organisation_id
            if item.origin_org_id == org:
                continue  # an organisation's own items are always shown to it, not listed
            decision = decide(viewer, Relation.MEMBER, item, case)
            if shown != decision.shown:
                raise PolicyError("the sharing overview and the policy disagree")
            counts[org][(item.category or "", item.origin_org_id, decision.shown,
                         decision.rule, decision.basis)] += 1
    cells = {}
    for org, counted in counts.items():
        by_category: dict[str, list[Flow]] = defaultdict(list)
        for (category, origin, shown, rule, basis), n in sorted(
                counted.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", not kv[0][2],
                                                 kv[0][3], kv[0][4] or "")):
            by_category[category].append(Flow(origin, shown, rule, basis, n))
        cells[org] = by_category
    return cells


def overview(case: Case) -> Overview:
    """Per participating organisation, from one walk of the case: a constant number of
    statements per registered kind of item, however many organisations take part."""
    organisations = participating(case)
    reader = current_user._get_current_object()
    # the case's live consents with all their grants, read once: every organisation's
    # consent flows are taken from them (not read again per organisation)
    validity.live_consents([case.id], today())
    cells = _flows_for([StandIn.of(org, reader, intersect=False) for org in organisations],
                       case)
    flows = [f for cats in cells.values() for fs in cats.values() for f in fs]
    consent_ids = sorted({f.basis for f in flows if f.rule is Rule.CONSENT and f.basis})
    disclosure_ids = sorted({f.basis for f in flows if f.rule is Rule.DISCLOSURE and f.basis})
    consents = {c.id: c for c in db.session.scalars(
        select(Consent).where(Consent.id.in_(consent_ids)))} if consent_ids else {}
    disclosures = {d.id: d for d in db.session.scalars(
        select(Disclosure).where(Disclosure.id.in_(disclosure_ids)))} if disclosure_ids else {}
    org_names = directory.names()
    return Overview(organisations, list(Category), cells, org_names, consents, disclosures)


@case_route(bp, "/cases/<id:case_id>/sharing", needs=CasePermission.VIEW_SHARING)
def sharing_overview(at: At):
    case = at.case
    result = overview(case)
    record(AuditEvent.SHARING_OVERVIEW_VIEWED, target_type="case", target_ref=case.id,
           details=result.audit_details())
    db.session.commit()
    return render_template("sharing/overview.html", case=case, overview=result)
