"""The access log for a person: each entry as a sentence in the reader's language.

"Per Holm (Polisen): Ärende visat – SIG-CB7F6D80. Som gruppmedlem. Visades: samordning,
identitet. Undanhölls: social bedömning."  The entry's details are ids, codes, categories
and counts (``kernel.audit.record`` stores nothing personal); this module names them: a
case by its pseudonym, a person or an organisation by name, a category, status, reason
or role by its label, a page by its address, another record by a short reference.  A
detail it does not know is still shown, as recorded, so nothing is hidden from the
auditor (``tests/test_demo_crawl.py`` checks that every detail the app records is named).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from auth.roles import OrganisationKind, Role
from consent.categories import Category
from kernel.audit.events import event_label
from sig.cases.forms import CLOSE_LABELS, REFERRAL_LABELS
from sig.consents.forms import METHOD_LABELS
from sig.labels import ATTENDANCE, CASE_STATUS, LIFE_AREAS, MEETING_STATUS
from sig.notify.compose import KIND_LABELS as MAIL_KINDS
from sig.outcomes.forms import KIND_LABELS
from sig.referrals.forms import DECLINE_LABELS, REASON_LABELS
from sig.statistics.measures import MEASURES as STATISTICS_TABLES

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Why an access was refused (``sig.cases.access.refuse`` and the permission check).
REASONS = {
    "not_in_group": _l("not in the case's group"),
    "no_such_case": _l("no such case"),
    "item_not_shown": _l("the item is not shown to the user"),
    "participant_not_shown": _l("the participant row is not shown to the user"),
    "organisation_not_in_case": _l("the organisation is not in the case"),
    "not_allowed": _l("the user's part in the case does not allow it"),
    "owner_only": _l("only the case owner may do it"),
    "own_attendance_only": _l("only one's own attendance may be recorded"),
    "may_not_record_outcomes": _l("the user may not record outcome events"),
    "outcome_kind_not_allowed": _l("the organisation may not record that kind of event"),
    "moved_organisation": _l("the user has moved to another organisation"),
    "register_entry": _l("no case of the youth gives access"),
    "conflict": _l("someone else saved a change first"),
    "deputy_may_not": _l("a deputy owner may not hand the case over or name deputies"),
    "not_offered_to_user": _l("the case was not offered to the user"),
    "protected_identity": _l("the entry has protected personal data; the case owner's only"),
    "not_addressed_to_organisation": _l("the proposal is not addressed to the user's "
                                        "organisation"),
    "not_unit_manager": _l("the user is not the unit manager of the case's organisation"),
    "too_many_rows": _l("more entries than one export holds"),
    "case_closed": _l("the case was closed"),
    "case_reopened": _l("the closing of the case was undone"),
    # why a login failed (``auth.operations``)
    "wrong_password": _l("wrong password"),
    "unknown_or_inactive": _l("no active account by that name"),
    "locked": _l("too many failed attempts for that name from that address"),
    "account_locked": _l("the account is locked after wrong two-factor codes (the password "
                         "was right)"),
}
# What a lock covers (``account_locked``), and what a consent's withdrawal does.
SCOPES = {
    "username_and_address": _l("The name, from that address."),
    "account": _l("The account, from every address."),
    "consent": _l("The whole consent."),
    "grant": _l("One flow of the consent."),
    "party": _l("One party of the consent."),
}
# The permissions a page needs (``auth.permissions``), as the access log names them.
PERMISSIONS = {
    "administer_accounts": _l("administer accounts and organisations"),
    "manage_cases": _l("register youths and own cases"),
    "manage_own_account": _l("manage one's own account"),
    "propose_referrals": _l("propose youths for SIG"),
    "read_audit_log": _l("read the access log"),
    "run_area_work": _l("run the area-level work"),
    "reassign_cases": _l("reassign cases to other owners"),
    "view_start_page": _l("see the start page"),
    "view_statistics": _l("see the statistics"),
    "view_statutory_rules": _l("read the provisions in force"),
    "work_in_cases": _l("work in the cases one is in"),
}
RELATIONS = {"owner": _l("as case owner"), "member": _l("as group member")}
# Which page a read was made from (``"view"``).
VIEWS = {"action_form": _l("the action form"), "edit": _l("the edit form"),
         "goal_form": _l("the goal form"), "members": _l("the group's page"),
         "new_consent": _l("the new consent form"), "open_case": _l("the form opening a case"),
         "ownership": _l("the page on ownership and deputies"),
         "print": _l("a print"), "close_confirm": _l("the confirmation of closing"),
         "history": _l("the history of changes"),
         "new_document": _l("the form adding a document"),
         "handover_offers": _l("the cases offered to the user"),
         "my_referrals": _l("the user's own proposals for SIG"),
         "intake": _l("the intake list of proposals for SIG")}
TARGETS = {"youth": _l("youth register entry"), "user": _l("account"),
           "log_review": _l("monthly log review"),
           "organisation": _l("organisation"), "consent": _l("consent"),
           "meeting": _l("meeting"), "referral": _l("proposal for SIG"),
           "area_group": _l("area group"), "situation_report": _l("situation report"),
           "citizen_promise": _l("citizen promise"), "escalation": _l("raised item")}
# Names of the fields a change lists.
FIELDS = {
    "description": _l("description"), "life_area": _l("life area"), "what": _l("what"),
    "due_date": _l("due date"), "start_date": _l("start date"), "status": _l("status"),
    "responsible_user_id": _l("responsible person"),
    "responsible_org_id": _l("responsible organisation"), "follow_up": _l("follow-up"),
    "place": _l("place"), "agenda": _l("agenda"), "starts_at": _l("date and time"),
    "function": _l("function"), "from_date": _l("from date"), "to_date": _l("to date"),
    "text": _l("text"), "category": _l("category"), "name": _l("name"),
    "contact": _l("contact details"), "school": _l("school"), "gender": _l("gender"),
    "pnr": _l("personal identity number"), "referral_note": _l("about the referral"),
    "display_name": _l("name"), "email": _l("e-mail"), "locale": _l("language"),
    "pre_investigation": _l("preliminary-investigation flag"),
}


def short(ref: Any) -> str:
    """A record id as a short reference (its first eight characters, upper case)."""
    return str(ref)[:8].upper()


def case_pseudonym(ref: str) -> str:
    """The case's pseudonym (``Case.reference``), from its id alone."""
    return "SIG-" + short(ref)


@dataclass
class Names:
    """Names the sentences use, read once per page: people and organisations by id."""

    people: dict[str, str]
    orgs: dict[str, str]

    def person(self, user_id: str | None) -> str:
        return self.people.get(user_id or "", _("unknown user")) if user_id else _("nobody")

    def org(self, org_id: str | None) -> str:
        return self.orgs.get(org_id or "", _("unknown organisation"))


def _label(labels: dict[Any, Any], code: Any) -> str:
    found = labels.get(code)
    return str(found) if found is not None else str(code)


def _table(code: Any) -> str:
    """A statistics table by its title on the dashboard (an unknown code as it is)."""
    found = STATISTICS_TABLES.get(code) if isinstance(code, str) else None
    return f"”{found[0].title}”" if found is not None else str(code).replace("_", " ")


def _category(code: Any) -> str:
    try:
        return str(Category(code).label).lower()
    except ValueError:
        return str(code)


def _categories(codes: Any) -> str:
    items = codes if isinstance(codes, list | tuple) else [codes]
    return ", ".join(_category(c) for c in items) if items else "—"


def _role(code: Any) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return str(code)


def _org_kind(code: Any) -> str:
    try:
        return OrganisationKind(code).label
    except ValueError:
        return str(code)


def _flows(pairs: Any, names: Names) -> str:
    """``"org:category"`` pairs (the sharing overview) as "organisation: categories"."""
    by_org: dict[str, list[str]] = {}
    for pair in pairs if isinstance(pairs, list) else []:
        org, _sep, category = str(pair).partition(":")
        by_org.setdefault(names.org(org), []).append(_category(category))
    return "; ".join(f"{org}: {', '.join(cats)}" for org, cats in sorted(by_org.items()))


def _grants(grants: Any, names: Names) -> str:
    """``[source, recipient, category]`` triples as "A → B (category)"."""
    out = []
    for grant in grants if isinstance(grants, list) else []:
        if isinstance(grant, list) and len(grant) == 3:
            out.append(f"{names.org(grant[0])} → {names.org(grant[1])} ({_category(grant[2])})")
    return "; ".join(out)


def _page(endpoint: Any) -> str:
    """A Flask endpoint as the address it serves, ids left out."""
    rules = list(current_app.url_map.iter_rules(str(endpoint))) if current_app else []
    if not rules:
        return str(endpoint)
    return re.sub(r"<[^>]+>", "…", rules[0].rule)


def _counts(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    return ", ".join(f"{n} {_label(ATTENDANCE, code).lower()}"
                     for code, n in sorted(value.items()))


def _period(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    return ", ".join(str(v) for _k, v in sorted(value.items()) if v and _k != "period") or "—"


def _filters(value: Any, names: Names) -> str:
    if not value:
        return _("none")
    parts = []
    for key, given in sorted(value.items()) if isinstance(value, dict) else []:
        shown = names.person(given) if key == "user" else (
            names.org(given) if key == "organisation" else (
                event_label(given) if key == "event" else str(given)))
        parts.append(shown)
    return ", ".join(parts)


def _yes(value: Any) -> str:
    return _("yes") if value else _("no")


Clause = Callable[[Any, Names], "str | None"]

# key → the clause it becomes (None: the detail says nothing worth a clause).
CLAUSES: dict[str, Clause] = {
    "shown": lambda v, n: (_("Shown: %(what)s.", what=_flows(v, n) if _pairs(v)
                                   else _categories(v)) if v else None),
    "withheld": lambda v, n: (_("Withheld: %(what)s.", what=_flows(v, n) if _pairs(v)
                                        else _categories(v)) if v else None),
    "relation": lambda v, n: f"{_label(RELATIONS, v).capitalize()}.",
    "reason": lambda v, n: _("Reason: %(reason)s.", reason=_label(
        REASONS, v) if v in REASONS else _label(CLOSE_LABELS, v).lower()),
    "category": lambda v, n: _("Category: %(categories)s.", categories=_categories(v)),
    "categories": lambda v, n: _("Category: %(categories)s.", categories=_categories(v)),
    "mfa": lambda v, n: _("With two-factor login.") if v else _("Without two-factor login."),
    "coordination_number": lambda v, n: _("With a coordination number.") if v else None,
    "view": lambda v, n: _("From %(page)s.", page=_label(VIEWS, v)),
    "referral_source": lambda v, n: _("Referred by: %(source)s.",
                                      source=_label(REFERRAL_LABELS, v).lower()),
    "member": lambda v, n: _("Member: %(person)s.", person=n.person(v)),
    "as_organisation": lambda v, n: _("As %(organisation)s.", organisation=n.org(v)),
    "case": lambda v, n: _("Case %(case)s.", case=case_pseudonym(v)),
    "role": lambda v, n: _("Role: %(role)s.", role=_role(v)),
    "needs": lambda v, n: _("Needs the permission to %(permission)s.",
                            permission=_label(PERMISSIONS, v)),
    "endpoint": lambda v, n: _("Page: %(page)s.", page=_page(v)),
    "page": lambda v, n: (_("Page %(number)s of the list.", number=v) if isinstance(v, int)
                          else _("From the page %(page)s.", page=_page(v))),
    "before": lambda v, n: _("Entries older than no. %(seq)s.", seq=v),
    "after": lambda v, n: _("Entries newer than no. %(seq)s.", seq=v),
    "more_than": lambda v, n: _("More than %(count)s entries.", count=v),
    "fields": lambda v, n: _("Fields: %(fields)s.", fields=", ".join(
        _label(FIELDS, f) for f in v) if isinstance(v, list) else str(v)),
    "organisation": lambda v, n: _("Organisation: %(organisation)s.", organisation=n.org(v)),
    "organisations": lambda v, n: _("Organisations: %(names)s.", names=", ".join(
        sorted(n.org(o) for o in v)) if isinstance(v, list) else str(v)),
    "source_org": lambda v, n: _("From: %(organisation)s.", organisation=n.org(v)),
    "recipient_org": lambda v, n: _("To: %(organisation)s.", organisation=n.org(v)),
    "responsible_org": lambda v, n: _("Responsible: %(organisation)s.", organisation=n.org(v)),
    "kind": lambda v, n: _("Kind: %(kind)s.", kind=_label(KIND_LABELS, v).lower()
                           if v in KIND_LABELS else _org_kind(v).lower()),
    "item_type": lambda v, n: None,  # the record named beside it says what it is
    "method": lambda v, n: _("Given as: %(method)s.", method=_label(METHOD_LABELS, v).lower()),
    "scope": lambda v, n: _label(SCOPES, v),
    "grant": lambda v, n: None,  # the flow is named by its organisations and category
    "grants": lambda v, n: (_("Flows: %(flows)s.", flows=_grants(v, n)) if isinstance(v, list)
                            else _("Flows: %(count)s.", count=v)),
    "valid_from": lambda v, n: _("Valid from %(date)s.", date=v),
    "valid_to": lambda v, n: _("Valid until %(date)s.", date=v),
    "youth": lambda v, n: _("The youth consents: %(answer)s.", answer=_yes(v)),
    "youth_shown": lambda v, n: _("The youth's identity shown: %(answer)s.", answer=_yes(v)),
    "pre_investigation": lambda v, n: (_("Preliminary-investigation material.") if v
                                       else None),
    "status": lambda v, n: _("Status: %(status)s.", status=_label(CASE_STATUS, v).lower()),
    "meeting_status": lambda v, n: _("The meeting: %(status)s.",
                                     status=_label(MEETING_STATUS, v).lower()),
    "counts": lambda v, n: _("Attendance: %(counts)s.", counts=_counts(v)),
    "participants": lambda v, n: _("Participants: %(count)s.",
                                   count=len(v) if isinstance(v, list) else v),
    "period": lambda v, n: _("Period: %(period)s.", period=_period(v)),
    "filters": lambda v, n: _("Filters: %(filters)s.", filters=_filters(v, n)),
    "sessions_ended": lambda v, n: (_("Sessions ended: %(count)s.", count=v) if v else None),
    "other_sessions_ended": lambda v, n: (_("Other sessions ended: %(count)s.", count=v)
                                          if v else None),
    "life_area": lambda v, n: _("Life area: %(area)s.", area=_label(LIFE_AREAS, v).lower()),
    "table": lambda v, n: _("Table: %(table)s.", table=_table(v)),
    "found": lambda v, n: _("Found: %(answer)s.", answer=_yes(v)),
    "open_case_elsewhere": lambda v, n: (_("An open case in another organisation.") if v
                                         else None),
    "via": lambda v, n: _("Looked up by: %(how)s.", how=_label(LOOKUPS, v)),
    "version": lambda v, n: _("Version %(number)s.", number=v),
    "user": lambda v, n: _("Person: %(person)s.", person=n.person(v)),
    "represented_org": lambda v, n: _("Representing: %(organisation)s.",
                                      organisation=n.org(v)),
    "stand_in": lambda v, n: _("Standing in for the group.") if v else None,
    "rule": lambda v, n: _("Provision: %(code)s.", code=v),
    "rule_version": lambda v, n: None,  # with the provision's code
    "items": lambda v, n: _("Items: %(count)s.", count=len(v) if isinstance(v, list) else v),
    "recovery_codes_reissued": lambda v, n: _("New recovery codes issued.") if v else None,
    "form": lambda v, n: _("A signed form uploaded.") if v == "uploaded" else str(v),
    "type": lambda v, n: _("File type: %(type)s.", type=v),
    "bytes": lambda v, n: _("Size: %(kb)s kB.", kb=round(v / 1024) if isinstance(v, int)
                            else v),
    "values": lambda v, n: _("Encrypted values: %(count)s.", count=v),
    "made_at": lambda v, n: _("Made: %(when)s.", when=v),
    "month": lambda v, n: _("Month: %(month)s.", month=v),
    "subject": lambda v, n: _("For: %(whom)s.", whom=_label(SUBJECTS, v)),
    "file": lambda v, n: _("As a file.") if v else None,
    "searched": lambda v, n: _("Searched by name.") if v else None,
    "by_year": lambda v, n: _("By year of the last entry: %(years)s.", years=", ".join(
        f"{year}: {count}" for year, count in sorted(v.items())) if isinstance(v, dict)
        else v),
    "as": lambda v, n: _("As deputy case owner.") if v == "deputy" else str(v),
    "to_owner": lambda v, n: _("To: %(person)s.", person=n.person(v)),
    "from_owner": lambda v, n: _("Owner before: %(person)s.", person=n.person(v)),
    "referral_reason": lambda v, n: _("Why SIG: %(reason)s.",
                                      reason=_label(REASON_LABELS, v).lower()),
    "decline_reason": lambda v, n: _("Declined because: %(reason)s.",
                                     reason=_label(DECLINE_LABELS, v).lower()),
    "correction": lambda v, n: _("A correction of a signed-off protocol.") if v else None,
    "published": lambda v, n: _("Published on the public page.") if v else _("Not published."),
    "removed": lambda v, n: _("Removed.") if v else None,
    "done": lambda v, n: _("Done.") if v else _("Not done yet."),
    "mailed": lambda v, n: _("As an e-mail (counts and references only).") if v else None,
    "address_changed": lambda v, n: _("The e-mail address changed.") if v else None,
    "kinds_off": lambda v, n: (_("E-mails turned off: %(kinds)s.", kinds=", ".join(
        str(MAIL_KINDS.get(k, k)) for k in v)) if v else _("Every kind of e-mail on.")),
    "by_manager": lambda v, n: _("By the unit manager.") if v else None,
    "findings_hash": lambda v, n: _("Checksum of the findings: %(hash)s.", hash=str(v)[:16]),
}
# What each report of the monthly log review found (``"found_<report>"``).
FOUND = {"refusals": _l("refused attempts"), "after_hours": _l("reads outside office hours"),
         "many_cases": _l("users with many cases in a day"),
         "after_membership": _l("reads outside the membership"),
         "first_access": _l("first accesses"), "sample": _l("reads in the sample")}
SUBJECTS = {"youth": _l("the youth"), "guardian": _l("a guardian")}
# How a youth was looked up in the register (``"via"``).
LOOKUPS = {"search": _l("personal identity number"), "register": _l("registration form"),
           "referral": _l("a proposal for SIG")}
# Ids of other records in the details, named by what they are.
RECORDS = {
    "meeting": _l("meeting"), "goal": _l("goal"), "action": _l("action"),
    "entry": _l("minutes entry"), "consent": _l("consent"), "disclosure": _l("disclosure"),
    "membership": _l("membership"), "participant": _l("participant"),
    "outcome": _l("outcome event"), "guardian_added": _l("guardian added"),
    "rule_id": _l("provision"), "new_key": _l("new key"), "extract": _l("register extract"),
    "handover": _l("handover"), "deputy": _l("deputyship"), "guardian": _l("guardian"),
    "guardian_removed": _l("guardian removed"), "document": _l("document"),
    "escalation": _l("item raised with the council"), "group": _l("area group"),
    "area_meeting": _l("area meeting"), "decision": _l("decision"),
    "analysis": _l("cause analysis"),
}
COUNTS = {
    "cases": _l("cases"), "rows": _l("rows"), "minutes": _l("minutes entries"),
    "changes": _l("changes"), "consents": _l("consents"), "valid": _l("valid"),
    "guardians": _l("guardians"), "actions": _l("actions"), "meetings": _l("meetings"),
    "identity_shown": _l("with identity shown"), "attempt": _l("failed attempts"),
    "invited": _l("invited"), "rules": _l("provisions"), "audit_head": _l("log entries"),
    "remaining": _l("recovery codes left"), "youths": _l("youths"),
    "flows": _l("flows in the ledger"), "withheld_items": _l("items withheld"),
    "deputies_ended": _l("deputies ended"), "questions": _l("questions"),
    "actions_ended": _l("open actions ended as not done"),
    "raised": _l("red items raised with the council"),
    "to_reassign": _l("with an owner who is gone"),
    "actions_restored": _l("actions given back their status"),
    "offers_withdrawn": _l("open handover offers withdrawn"),
    "offers_renewed": _l("handover offers renewed"),
    "meetings_cancelled": _l("meetings to come cancelled"),
    "meetings_restored": _l("meetings planned again"),
    "listed": _l("listed"),
}
LOCKOUTS = {"account_locked", "login_throttled"}
_FIRST = ("relation", "shown", "withheld", "reason")


def _pairs(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, str) and UUID.match(v) and ":" in v for v in value)


def target_text(entry: Any, names: Names) -> str:
    """What the entry is about: a case by its pseudonym, an account or organisation by
    name, anything else by what it is and a short reference."""
    kind, ref = entry.target_type, entry.target_ref
    if not kind:
        return ""
    if kind == "case":
        return case_pseudonym(ref) if ref else _("a case that does not exist")
    if kind == "user" and ref:
        return names.person(ref)
    if kind == "organisation" and ref:
        return names.org(ref)
    label = TARGETS.get(kind)
    return f"{label} {short(ref)}" if label is not None and ref else (
        f"{kind} {short(ref)}" if ref else str(label or kind))


def details_of(entry: Any) -> dict[str, Any]:
    try:
        found = json.loads(entry.details or "{}")
    except ValueError:
        return {"details": entry.details}
    return found if isinstance(found, dict) else {"details": found}


def _moves(details: dict[str, Any], names: Names) -> list[str]:
    """A change of organisation or role: "from … to …"."""
    before, after = details.get("from"), details.get("to")
    if not isinstance(before, str) or not isinstance(after, str):
        return []
    if before in names.orgs or after in names.orgs:
        before, after = names.org(before), names.org(after)
    else:
        before, after = _role(before), _role(after)
    return [_("From %(before)s to %(after)s.", before=before, after=after)]


def _clause(entry: Any, key: str, value: Any, names: Names) -> str | None:
    if key in ("from", "to"):
        return None  # said together (see _moves)
    if key == "case" and entry.target_type == "case":
        return None  # the pseudonym is in the head already
    if key == "minutes" and entry.event in LOCKOUTS:
        return _("For %(minutes)s minutes.", minutes=value)
    if key in CLAUSES:
        return CLAUSES[key](value, names)
    if key.startswith("found_") and key[6:] in FOUND:
        return f"{str(FOUND[key[6:]]).capitalize()}: {value}."
    if key in RECORDS and isinstance(value, str):
        return f"{str(RECORDS[key]).capitalize()} {short(value)}."
    if key in COUNTS and isinstance(value, int | float):
        return f"{str(COUNTS[key]).capitalize()}: {value}."
    shown = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f"{key}: {UUID.sub(lambda m: short(m.group(0)), shown)}."


def describe(entry: Any, names: Names) -> str:
    """The entry as a sentence: who (organisation), what, about what, and its details."""
    who = names.person(entry.actor_user_id) if entry.actor_user_id else _("The system")
    if entry.actor_org_id:
        who = f"{who} ({names.org(entry.actor_org_id)})"
    what = event_label(entry.event)
    target = target_text(entry, names)
    head = f"{who}: {what}" + (f" – {target}" if target else "") + "."
    details = details_of(entry)
    clauses = _moves(details, names)
    for key in sorted(details, key=_order):
        clause = _clause(entry, key, details[key], names)
        if clause:
            clauses.append(clause)
    return " ".join([head, *clauses])


def is_named(key: str) -> bool:
    """Whether a detail key has a sentence of its own (else it is shown as recorded)."""
    return key in CLAUSES or key in RECORDS or key in COUNTS or key in (
        "from", "to", "minutes") or (key.startswith("found_") and key[6:] in FOUND)


def _order(key: str) -> tuple[int, str]:
    return (_FIRST.index(key), key) if key in _FIRST else (len(_FIRST), key)
