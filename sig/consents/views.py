"""Consent pages of a case: the consents and why each holds or not, recording one,
withdrawing it (whole, one party, one flow), the signed form, the printable form.

Consents are the case owner's: every page loads the case (404 outside the group) and
then answers 403 to a member — members of other organisations see nothing of consent
records; what a consent opens to them shows only in what they see of the case.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from auth import directory
from auth.forms import ConfirmForm
from auth.models import User
from auth.sent_once import once
from consent import operations, validity
from consent.categories import CATEGORY_LABELS, Category
from consent.models import Consent, PartyKind
from consent.operations import ConsentError, NotAllowed
from consent.policy import Relation, decide, filtered
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.access import refuse, today
from sig.cases.models import Case, Membership
from sig.cases.rights import CasePermission
from sig.cases.routes import At, case_route, record_of_case
from sig.consents.flags import ConsentFlag
from sig.consents.forms import (
    ConsentForm,
    PrintDraftForm,
    UploadForm,
    grant_value,
    parse_grant,
)
from sig.youths.models import Guardian, Youth

bp = Blueprint("consents", __name__)

ERRORS = {
    "case_closed": lambda: _("The case is closed; no new consent can be recorded."),
    "unknown_method": lambda: _("Choose how the consent was given."),
    "unknown_guardian": lambda: _("Choose among the guardians with custody."),
    "no_party": lambda: _("Choose who gives the consent: the youth and/or guardians."),
    "unknown_category": lambda: _("Choose among the listed kinds of information."),
    "org_not_in_case": lambda: _("Choose among the organisations taking part in the case."),
    "same_organisation": lambda: _("An organisation always sees its own information."),
    "no_grant": lambda: _("Choose at least one flow: what may be shared with whom."),
    "given_in_future": lambda: _("The consent cannot be given in the future."),
    "end_before_start": lambda: _("The end date is before the start date."),
    "already_withdrawn": lambda: _("That is already withdrawn."),
    "no_such_party": lambda: _("No such party."),
    "no_such_grant": lambda: _("No such flow."),
    "form_exists": lambda: _("A signed form is already stored for this consent; it is "
                             "kept as it is. Record a new consent for a new form."),
    "form_empty": lambda: _("The file is empty."),
    "form_too_large": lambda: _("The file is too large: at most %(mb)s MB.",
                                mb=_megabytes(operations.form_max_bytes())),
    "form_type": lambda: _("Upload the signed form as a PDF, JPEG or PNG file."),
    "form_active": lambda: _("The file holds web page code or a script, which is not accepted "
                             "in a document. Scan or print the form to PDF again."),
    "no_form": lambda: _("No signed form is stored for this consent."),
}


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


# --- what the pages show ---------------------------------------------------------------------


@dataclass
class Party:
    """A guardian with custody of the case's youth, numbered as the rules number them."""

    number: int
    guardian_id: str
    name: str | None  # None where the owner may not see the guardian's identity


@dataclass
class ConsentRow:
    consent: Consent
    status: validity.Status
    messages: list[str]
    guardian_numbers: dict[str, int]
    documented_by: str
    withdrawn_by: dict[str, str] = field(default_factory=dict)  # user id -> name

    @property
    def live(self) -> bool:
        return self.consent.withdrawn_at is None


@dataclass
class CaseParties:
    case: Case
    youth: Youth | None  # None where identity is withheld
    subject: validity.Subject | None
    guardians: list[Party]
    own_from: int
    day: dt.date

    @property
    def age(self) -> int | None:
        if self.subject is None:
            return None
        return validity.age_on(self.subject.birth_date, self.day)

    def guardian_label(self, guardian_id: str | None) -> str:
        for party in self.guardians:
            if party.guardian_id == guardian_id:
                label = _("Guardian %(n)d", n=party.number)
                return f"{label}: {party.name}" if party.name else label
        return _("Guardian (no longer with custody)")

    def rule_text(self) -> str:
        age = self.age
        if age is None:
            return ""
        if age >= validity.ADULT_AGE:
            return _("The youth is of age and consents alone.")
        if age >= self.own_from:
            return _("The youth is under 18 and at least %(age)d: every guardian with "
                     "custody and the youth must consent.", age=self.own_from)
        return _("The youth is under %(age)d: every guardian with custody must consent.",
                 age=self.own_from)


def _case_parties(case: Case, relation: Relation) -> CaseParties:
    day = today()
    subject = validity.subjects_of([case.id]).get(case.id)
    youth = db.session.get(Youth, case.youth_id)
    shown_youth = youth if decide(current_user, relation, youth, case).shown else None
    custody = subject.custody_guardian_ids if subject is not None else ()
    names = {}
    if custody:
        names = {g.id: g.name for g in db.session.scalars(
            filtered(current_user, Guardian, case).where(Guardian.id.in_(custody)))}
    guardians = [Party(n, gid, names.get(gid)) for n, gid in enumerate(custody, start=1)]
    return CaseParties(case, shown_youth, subject, guardians, operations.own_from_age(), day)


def _messages(consent: Consent, status: validity.Status,
              users: dict[str, str]) -> list[str]:
    out = []
    if consent.withdrawn_at is not None:
        out.append(_("Withdrawn on %(date)s by %(name)s.",
                     date=clock.local_day(consent.withdrawn_at).isoformat(),
                     name=users.get(consent.withdrawn_by_id or "", "—")))
    if "not_yet_valid" in status.reasons:
        out.append(_("Not valid yet: valid from %(date)s.",
                     date=consent.valid_from.isoformat()))
    if "expired" in status.reasons:
        out.append(_("Expired: it was valid until %(date)s.",
                     date=consent.valid_to.isoformat()))
    if "no_guardian_on_record" in status.reasons:
        out.append(_("The youth is under 18 and no guardian with custody is registered: "
                     "register the guardians before the consent can hold."))
    if status.youth_missing:
        out.append(_("The youth has not consented."))
    for number in status.missing_guardians:
        out.append(_("Guardian %(n)d has not consented.", n=number))
    if status.valid and all(g.withdrawn_at is not None for g in consent.grants):
        out.append(_("Every flow of this consent is withdrawn: it opens nothing."))
    return out


def _consent_rows(parties: CaseParties, consents: list[Consent]) -> list[ConsentRow]:
    user_ids = set()
    for consent in consents:
        user_ids.update({consent.documented_by_id, consent.withdrawn_by_id})
        user_ids.update(p.withdrawn_by_id for p in consent.parties)
        user_ids.update(g.withdrawn_by_id for g in consent.grants)
    user_ids.discard(None)
    users = {u.id: u.display_name for u in db.session.scalars(
        select(User).where(User.id.in_(sorted(user_ids))))} if user_ids else {}
    numbers = {p.guardian_id: p.number for p in parties.guardians}
    rows = []
    for consent in consents:
        if parties.subject is None:
            status = validity.Status(False, ["no_subject"])
        else:
            status = validity.status(consent, parties.subject, parties.day, parties.own_from)
        rows.append(ConsentRow(consent, status, _messages(consent, status, users), numbers,
                               users.get(consent.documented_by_id, "—"), users))
    return rows


def participating_org_ids(case: Case) -> list[str]:
    """The owner's organisation, then those of the current group members."""
    day = today()
    member_orgs = db.session.scalars(
        select(Membership.member_org_id).where(
            Membership.case_id == case.id, Membership.removed_at.is_(None),
            Membership.from_date <= day,
            or_(Membership.to_date.is_(None), Membership.to_date >= day))
        .order_by(Membership.from_date)).all()
    owner_org = case.owner.organisation_id
    return list(dict.fromkeys([owner_org, *member_orgs]))


CONSENT = {"consent_id": record_of_case(Consent)}


def _to_list(case: Case, anchor: str | None = None):
    return redirect(url_for("consents.index", case_id=case.id, _anchor=anchor))


# --- the start page's and case page's flag texts ---------------------------------------------


@bp.app_template_global("consent_flag_texts")
def consent_flag_texts(flag: ConsentFlag) -> list[str]:
    out = []
    if flag.expiring:
        out.append(_("The consent ends on %(date)s.", date=flag.expires_on.isoformat()))
    if flag.youth_missing:
        out.append(_("The youth has not consented."))
    for number in flag.missing_guardians:
        out.append(_("Guardian %(n)d has not consented.", n=number))
    return out


# --- the list ----------------------------------------------------------------------------------


@case_route(bp, "/cases/<id:case_id>/consents", needs=CasePermission.MANAGE_CONSENTS)
def index(at: At):
    case, relation = at.case, at.relation
    parties = _case_parties(case, relation)
    consents = list(db.session.scalars(
        select(Consent).where(Consent.case_id == case.id)
        .options(selectinload(Consent.parties), selectinload(Consent.grants))
        .order_by(Consent.created_at.desc())))
    rows = _consent_rows(parties, consents)
    record(AuditEvent.CONSENT_VIEWED, target_type="case", target_ref=case.id,
           details={"consents": len(rows), "valid": sum(r.status.valid for r in rows)})
    db.session.commit()
    return render_template("consents/index.html", case=case, parties=parties, rows=rows,
                           org_names=directory.names(), category_labels=CATEGORY_LABELS,
                           confirm=ConfirmForm(), upload=UploadForm(),
                           max_mb=_megabytes(operations.form_max_bytes()))


# --- recording ---------------------------------------------------------------------------------


def _prepare(form: ConsentForm, case: Case, parties: CaseParties) -> list[str]:
    org_ids = participating_org_ids(case)
    form.guardians.choices = [SelectChoice(p.guardian_id, parties.guardian_label(p.guardian_id))
                              for p in parties.guardians]
    form.grants.choices = [
        SelectChoice(grant_value(s, r, c.value), "")
        for s in org_ids for r in org_ids if r != s for c in Category]
    return org_ids


def _render_new(case: Case, parties: CaseParties, form: ConsentForm, org_ids: list[str],
                status: int = 200):
    """The new-consent form names the youth and the guardians: the read is logged."""
    record(AuditEvent.CONSENT_VIEWED, target_type="case", target_ref=case.id,
           details={"view": "new_consent", "youth_shown": parties.youth is not None,
                    "guardians": len(parties.guardians)})
    db.session.commit()
    return render_template("consents/new.html", case=case, parties=parties, form=form,
                           org_ids=org_ids, org_names=directory.names(),
                           categories=list(Category), category_labels=CATEGORY_LABELS,
                           grant_value=grant_value,
                           chosen=set(form.grants.data or []),
                           chosen_sources={v.split(":")[0] for v in form.grants.data or []}
                           ), status


@case_route(bp, "/cases/<id:case_id>/consents/new", needs=CasePermission.MANAGE_CONSENTS,
            methods=("GET", "POST"))
def new(at: At):
    case, relation = at.case, at.relation
    parties = _case_parties(case, relation)
    form = ConsentForm()
    org_ids = _prepare(form, case, parties)
    if not form.is_submitted():
        day = today()
        form.given_on.data = day
        form.valid_from.data = day
        form.valid_to.data = day.replace(year=day.year + 1) if (day.month, day.day) != (2, 29) \
            else day + dt.timedelta(days=365)
        # who consented and how is ticked by the person who was there: nothing in advance
    if form.validate_on_submit():
        try:
            with once(form, url_for("consents.index", case_id=case.id)):
                consent = operations.record_consent(
                    current_user, case.id, youth=form.youth.data,
                    guardian_ids=form.guardians.data or [],
                    grants=[parse_grant(v) for v in form.grants.data or []],
                    org_ids=org_ids, method=form.method.data, given_on=form.given_on.data,
                    valid_from=form.valid_from.data, valid_to=form.valid_to.data,
                    note=form.note.data)
        except NotAllowed:
            refuse(case, "owner_only")
        except ConsentError as exc:
            _apply_error(form, exc)
        else:
            flash(_("The consent is recorded."), "success")
            return _to_list(case, f"consent-{consent.id}")
    return _render_new(case, parties, form, org_ids)


def _apply_error(form: Any, exc: ConsentError) -> None:
    message = ERRORS[exc.code]()
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        flash(message, "error")


# --- withdrawal --------------------------------------------------------------------------------


def _withdrawal(at: At, consent: Consent, act) -> Any:
    case = at.case
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        act(consent)
    except NotAllowed:
        refuse(case, "owner_only")
    except ConsentError as exc:
        if exc.code in ("no_such_party", "no_such_grant"):
            refuse(case, "item_not_shown", 404, item_type="consent")
        flash(ERRORS[exc.code](), "error")
    else:
        flash(_("The withdrawal is recorded; it applies from now on, for everyone."),
              "success")
    return _to_list(case, f"consent-{consent.id}")


@case_route(bp, "/cases/<id:case_id>/consents/<id:consent_id>/withdraw",
            needs=CasePermission.MANAGE_CONSENTS, items=CONSENT, methods=("POST",))
def withdraw(at: At, consent: Consent):
    return _withdrawal(at, consent, lambda c: operations.withdraw_consent(current_user, c))


@case_route(bp, "/cases/<id:case_id>/consents/<id:consent_id>/parties/<id:party_id>/withdraw",
            needs=CasePermission.MANAGE_CONSENTS, items=CONSENT, methods=("POST",))
def withdraw_party(at: At, consent: Consent, party_id: str):
    return _withdrawal(at, consent,
                       lambda c: operations.withdraw_party(current_user, c, party_id))


@case_route(bp, "/cases/<id:case_id>/consents/<id:consent_id>/grants/<id:grant_id>/withdraw",
            needs=CasePermission.MANAGE_CONSENTS, items=CONSENT, methods=("POST",))
def withdraw_grant(at: At, consent: Consent, grant_id: str):
    return _withdrawal(at, consent,
                       lambda c: operations.withdraw_grant(current_user, c, grant_id))


# --- the signed form ---------------------------------------------------------------------------


@case_route(bp, "/cases/<id:case_id>/consents/<id:consent_id>/form",
            needs=CasePermission.MANAGE_CONSENTS, items=CONSENT, methods=("POST",))
def upload(at: At, consent: Consent):
    case = at.case
    form = UploadForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.file.errors) or ERRORS["form_empty"](), "error")
        return _to_list(case, f"consent-{consent.id}")
    try:
        operations.attach_form(current_user, consent, form.file.data.read())
    except NotAllowed:
        refuse(case, "owner_only")
    except ConsentError as exc:
        flash(ERRORS[exc.code](), "error")
    else:
        flash(_("The signed form is stored."), "success")
    return _to_list(case, f"consent-{consent.id}")


@case_route(bp, "/cases/<id:case_id>/consents/<id:consent_id>/form",
            needs=CasePermission.MANAGE_CONSENTS, items=CONSENT)
def download(at: At, consent: Consent):
    case = at.case
    try:
        data, mime, filename = operations.read_form(current_user, consent)
    except NotAllowed:
        refuse(case, "owner_only")
    except ConsentError:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=mime, as_attachment=True,
                     download_name=filename)


# --- the printable form (always in Swedish) ----------------------------------------------------


@dataclass
class PrintFlow:
    source: str
    recipient: str
    categories: list[str]


def _print_flows(flows: list[tuple[str, str, str]], names: dict[str, str]) -> list[PrintFlow]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for source, recipient, category in flows:
        grouped.setdefault((source, recipient), []).append(category)
    order = list(Category)
    return [PrintFlow(names.get(s, ""), names.get(r, ""),
                      [str(CATEGORY_LABELS[Category(c)])
                       for c in sorted(cats, key=lambda c: order.index(Category(c)))])
            for (s, r), cats in grouped.items()]


def _render_print(case: Case, parties: CaseParties, *, youth_signs: bool,
                  guardian_ids: list[str], flows: list[tuple[str, str, str]],
                  valid_from: dt.date | None, valid_to: dt.date | None,
                  consent: Consent | None):
    names = directory.names()
    record(AuditEvent.CONSENT_FORM_PRINTED, target_type="case", target_ref=case.id,
           details={"consent": consent.id if consent is not None else None,
                    "grants": len(flows), "guardians": len(guardian_ids),
                    "youth": youth_signs})
    db.session.commit()
    with force_locale("sv"):
        signers = []
        if youth_signs:
            signers.append(("Den unge", parties.youth.name if parties.youth else ""))
        for gid in guardian_ids:
            party = next((p for p in parties.guardians if p.guardian_id == gid), None)
            number = party.number if party else ""
            signers.append((f"Vårdnadshavare {number}".strip(),
                            party.name if party and party.name else ""))
        return render_template(
            "consents/print.html", case=case, parties=parties, signers=signers,
            flows=_print_flows(flows, names), valid_from=valid_from, valid_to=valid_to,
            owner_org=names.get(case.owner.organisation_id, ""), consent=consent,
            printed_on=today())


@case_route(bp, "/cases/<id:case_id>/consents/print", needs=CasePermission.MANAGE_CONSENTS,
            methods=("POST",))
def print_draft(at: At):
    """The form for signing, filled in with the choices made on the new-consent page
    (before the consent is recorded)."""
    case, relation = at.case, at.relation
    parties = _case_parties(case, relation)
    form = PrintDraftForm()
    org_ids = _prepare(form, case, parties)
    if not form.validate_on_submit():
        return _render_new(case, parties, form, org_ids)
    flows = [parse_grant(v) for v in form.grants.data or []]
    if not flows:
        form.grants.errors = [*form.grants.errors, ERRORS["no_grant"]()]
        return _render_new(case, parties, form, org_ids)
    guardian_ids = list(form.guardians.data or [])
    youth_signs = bool(form.youth.data)
    if not youth_signs and not guardian_ids:  # none chosen: leave lines for whoever must sign
        needs_youth, needed = validity.required(parties.subject, parties.day,
                                                parties.own_from) \
            if parties.subject else (True, ())
        youth_signs, guardian_ids = needs_youth, list(needed)
    return _render_print(case, parties, youth_signs=youth_signs, guardian_ids=guardian_ids,
                         flows=flows, valid_from=form.valid_from.data,
                         valid_to=form.valid_to.data, consent=None)


@case_route(bp, "/cases/<id:case_id>/consents/<id:consent_id>/print",
            needs=CasePermission.MANAGE_CONSENTS, items=CONSENT)
def print_consent(at: At, consent: Consent):
    """The form of a recorded consent: its parties and any party the rules still need,
    and its flows not withdrawn."""
    case, relation = at.case, at.relation
    parties = _case_parties(case, relation)
    flows = [(g.source_org_id, g.recipient_org_id, g.category) for g in consent.grants
             if g.withdrawn_at is None]
    youth_signs = any(p.kind == PartyKind.YOUTH for p in consent.parties)
    guardian_ids = [p.guardian_id for p in consent.parties
                    if p.kind == PartyKind.GUARDIAN and p.guardian_id]
    if parties.subject is not None:  # lines too for a party the rules need and who is missing
        needs_youth, needed = validity.required(parties.subject, parties.day,
                                                parties.own_from)
        youth_signs = youth_signs or needs_youth
        guardian_ids += [g for g in needed if g not in guardian_ids]
    return _render_print(case, parties, youth_signs=youth_signs, guardian_ids=guardian_ids,
                         flows=flows, valid_from=consent.valid_from,
                         valid_to=consent.valid_to, consent=consent)
