"""The disclosure policy: the one place that decides what a user sees of a case.

Rules (DESIGN §4), in the order they are tried:

1. **Need to know.** Only the case owner and current group members learn that a case
   exists; everyone else gets 404 (the case domain's loader asks first).
2. **Own organisation.** A member sees items their own organisation recorded, and
   items *addressed to* their organisation (an action it is responsible for, a meeting
   it is invited to) — what it needs to do its part of the plan.
3. **Consent.** An item from organisation A reaches organisation B while a consent *of
   the case at hand* that holds today (period, withdrawal, every required party — see
   ``consent.validity``) grants A → B for the item's category.
4. **Statutory provisions**, as data (``StatutoryRule``): a blanket flow such as police →
   social services, or a flow that needs a recorded one-off ``Disclosure`` of the named
   item.  Material the police flag as preliminary-investigation material is shown to no
   other organisation by any route (consent included): that secrecy protects the
   investigation and is not the youth's to waive.  That such material exists is itself
   secret: only a police reader is told why it is withheld.
5. **Managers, admins and auditors** see no items at all.
6. **Deny by default.** An item of unregistered kind, unknown category or origin is
   withheld; a state that should not occur raises :class:`PolicyError`.

What the policy knows of items is the registry (``consent.items``).  Each rule below is
one object that answers both in SQL (for lists and counts) and for one loaded item (with
the reason), so a list, a count and a page cannot disagree.  The entry points:

* :func:`filtered` — a ``Select`` of the rows of one model in one case the user may see
  (callers add ordering, paging and their own narrowing);
* :func:`shown_in_cases` — ``(item, case_id)`` over several cases, each row decided
  as :func:`decide` decides it (lists their criteria keep small);
* :class:`Reading` — one user's reading of one case, one statement per kind, each row
  decided by :func:`decide`; what it leaves out is counted per origin, category and
  reason for the withheld notices (:func:`withheld` is a whole reading's notices); a
  page declares its lists as :class:`CaseRows`, each statement built once per process;
* :func:`annotated` — every row of a model in a case, with whether it is shown to each
  of some users, and :func:`every_item` over the whole registry;
* :func:`shown_item` — one row by its id, if the user may see it (a case route's item);
* :func:`decide` — one item, shown or withheld, and why.

A *stand-in* (``reader`` set) looks at a case as a member of another organisation on
behalf of a real user; with ``intersect`` it is shown only what both see, and what the
organisation sees but the reader may not is announced as :attr:`Rule.NOT_FOR_READER`.
"""
from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    inspect,
    or_,
    select,
    true,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload, load_only, selectinload

from auth import directory
from auth.roles import OrganisationKind, Role
from consent.categories import KNOWN, Category
from consent.grants import Grants, RuleTerms, grants_for
from consent.items import ItemKind, kind_of, kinds
from consent.models import (
    Consent,
    ConsentGrant,
    Disclosure,
    DisclosureItem,
)
from kernel.db import Base, db
from kernel.planner import among, unindexed

CASE_ROLES = frozenset({Role.CASE_OWNER, Role.MEMBER})


class PolicyError(RuntimeError):
    """The policy met a state that should never happen; nothing is shown."""


class Relation(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class Rule(enum.StrEnum):
    OWN_ORGANISATION = "own_organisation"
    ADDRESSED_TO_ORGANISATION = "addressed_to_organisation"
    CONSENT = "consent"
    STATUTORY = "statutory"
    DISCLOSURE = "disclosure"
    NO_CONSENT = "no_consent"  # another organisation's item; nothing covers it
    PRE_INVESTIGATION = "pre_investigation"  # told to police readers only
    NOT_FOR_READER = "not_for_reader"  # a stand-in's organisation sees it, the reader may not
    ROLE_SEES_NO_ITEMS = "role_sees_no_items"
    UNKNOWN_ITEM = "unknown_item"


@dataclass(frozen=True)
class Decision:
    shown: bool
    rule: Rule
    basis: str | None = None  # the consent id, the legal reference or the disclosure id


class CaseRef(Protocol):
    id: str
    youth_id: str


def sees_case_items(user: Any) -> bool:
    return user is not None and user.is_authenticated and Role(user.role) in CASE_ROLES


# --- the rules, each in SQL and for one item ----------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    """One rule evaluation: the kind, the model (or an alias of it) whose rows are
    filtered, the grants, and the case of the row (``case_expr``: a bound id or a
    column of the query)."""

    kind: ItemKind
    model: Any
    grants: Grants
    case_expr: Any
    # what the item's statement answered already: whether it is addressed to each
    # organisation named (the rule's SQL as a column, instead of loading what it reads)
    addressed: dict[str, bool] | None = None


class _OwnOrganisation:
    rule = Rule.OWN_ORGANISATION

    def sql(self, ctx: _Ctx) -> ColumnElement[bool] | None:
        return unindexed(ctx.model.origin_org_id) == ctx.grants.org_id

    def check(self, ctx: _Ctx, item: Any, case_id: str) -> Decision | None:
        return Decision(True, self.rule) if item.origin_org_id == ctx.grants.org_id else None


class _AddressedToOrganisation:
    rule = Rule.ADDRESSED_TO_ORGANISATION

    def sql(self, ctx: _Ctx) -> ColumnElement[bool] | None:
        if ctx.kind.addressed is None:
            return None
        return ctx.kind.addressed.sql(ctx.model, ctx.grants.org_id)

    def check(self, ctx: _Ctx, item: Any, case_id: str) -> Decision | None:
        org = ctx.grants.org_id
        answered = ctx.addressed.get(org) if ctx.addressed is not None else None
        addressed = answered if answered is not None else ctx.kind.is_addressed(item, org)
        return Decision(True, self.rule) if addressed else None


class _ConsentOfTheCase:
    rule = Rule.CONSENT

    def sql(self, ctx: _Ctx) -> ColumnElement[bool] | None:
        if not ctx.grants.valid_consent_ids:
            return None
        return exists().where(
            ConsentGrant.consent_id.in_(sorted(ctx.grants.valid_consent_ids)),
            ConsentGrant.consent_id == Consent.id,
            Consent.case_id == ctx.case_expr,
            ConsentGrant.recipient_org_id == ctx.grants.org_id,
            ConsentGrant.source_org_id == ctx.model.origin_org_id,
            ConsentGrant.category == ctx.model.category,
            ConsentGrant.withdrawn_at.is_(None))

    def check(self, ctx: _Ctx, item: Any, case_id: str) -> Decision | None:
        consent_id = ctx.grants.consent_flows.get((case_id, item.origin_org_id, item.category))
        return Decision(True, self.rule, consent_id) if consent_id else None


class _StatutoryProvision:
    rule = Rule.STATUTORY

    def sql(self, ctx: _Ctx) -> ColumnElement[bool] | None:
        paths = []
        for rule in ctx.grants.blanket_rules:
            if ctx.grants.sources(rule):
                paths.append(and_(unindexed(ctx.model.origin_org_id).in_(ctx.grants.sources(rule)),
                                  _category_in(ctx.model, rule)))
        return or_(*paths) if paths else None

    def check(self, ctx: _Ctx, item: Any, case_id: str) -> Decision | None:
        for rule in ctx.grants.blanket_rules:
            if item.origin_org_id in ctx.grants.sources(rule) and rule.covers(item.category):
                return Decision(True, self.rule, rule.legal_reference)
        return None


class _DisclosureDecision:
    rule = Rule.DISCLOSURE

    def sql(self, ctx: _Ctx) -> ColumnElement[bool] | None:
        paths = []
        for rule in ctx.grants.decision_rules:
            if ctx.grants.sources(rule):
                paths.append(and_(
                    unindexed(ctx.model.origin_org_id).in_(ctx.grants.sources(rule)),
                    _category_in(ctx.model, rule),
                    exists().where(
                        DisclosureItem.item_type == ctx.kind.table,
                        DisclosureItem.item_id == ctx.model.id,
                        DisclosureItem.disclosure_id == Disclosure.id,
                        Disclosure.rule_id == rule.id,
                        Disclosure.recipient_org_id == ctx.grants.org_id,
                        Disclosure.case_id == ctx.case_expr)))
        return or_(*paths) if paths else None

    def check(self, ctx: _Ctx, item: Any, case_id: str) -> Decision | None:
        decided = ctx.grants.disclosed.get((case_id, ctx.kind.table, item.id), [])
        for rule in ctx.grants.decision_rules:
            if item.origin_org_id not in ctx.grants.sources(rule) or \
                    not rule.covers(item.category):
                continue
            for rule_id, disclosure_id in decided:
                if rule_id == rule.id:
                    return Decision(True, self.rule, disclosure_id)
        return None


def _category_in(model: Any, rule: RuleTerms) -> ColumnElement[bool]:
    if rule.categories == "*":
        return true()
    return model.category.in_(rule.categories.split(","))


# Rules that show an item to its own organisation and the organisations it is addressed to.
OWN_RULES = (_OwnOrganisation(), _AddressedToOrganisation())
# Rules that share an item with another organisation; never for preliminary-investigation
# material.
SHARING_RULES = (_ConsentOfTheCase(), _StatutoryProvision(), _DisclosureDecision())


def _registered(model: Any) -> ItemKind:
    kind = kind_of(model)
    if kind is None:
        raise PolicyError(f"{model!r} is not a registered case item")
    return kind


def _org_condition(grants: Grants, kind: ItemKind, model: Any,
                   case_expr: Any) -> ColumnElement[bool]:
    ctx = _Ctx(kind, model, grants, case_expr)
    own = [c for r in OWN_RULES if (c := r.sql(ctx)) is not None]
    shared = [c for r in SHARING_RULES if (c := r.sql(ctx)) is not None]
    paths = list(own)
    if shared:
        paths.append(and_(model.pre_investigation.is_(False), or_(*shared)))
    return and_(model.category.in_(sorted(KNOWN)), model.origin_org_id.is_not(None),
                or_(*paths) if paths else false())


def _sees(user: Any, kind: ItemKind, model: Any, case_ids: Iterable[str],
          case_expr: Any) -> ColumnElement[bool]:
    """SQL: the user's own organisation sees the row (ignoring any reader)."""
    if not sees_case_items(user):
        return false()
    return _org_condition(grants_for(user, case_ids), kind, model, case_expr)


def _reader(user: Any) -> Any | None:
    """The real user a stand-in shows a case to, when what they see is intersected."""
    return getattr(user, "reader", None) if getattr(user, "intersect", False) else None


def _shown(user: Any, kind: ItemKind, model: Any, case_ids: Iterable[str],
           case_expr: Any) -> ColumnElement[bool]:
    ids = list(case_ids)
    condition = _sees(user, kind, model, ids, case_expr)
    reader = _reader(user)
    if reader is not None:
        condition = and_(condition, _sees(reader, kind, model, ids, case_expr))
    return condition


def _in_case(kind: ItemKind, model: Any, case: CaseRef | None) -> ColumnElement[bool]:
    """SQL: the row is of ``case`` — without one, of the case bound when the statement
    runs (:func:`_case_binds`)."""
    if kind.case_column:
        condition = getattr(model, kind.case_column) == (
            case.id if case is not None else bindparam("case_id"))
    else:
        condition = getattr(model, kind.youth_column) == (
            case.youth_id if case is not None else bindparam("youth_id"))
    return and_(condition, kind.scope.sql(model)) if kind.scope is not None else condition


def _case_binds(kind: ItemKind, case: CaseRef) -> dict[str, str]:
    """The parameters of ``_in_case(kind, model, None)`` for ``case``."""
    return {"case_id": case.id} if kind.case_column else {"youth_id": case.youth_id}


def _case_param(case: CaseRef) -> Any:
    return bindparam("case_id", case.id, unique=True)


# --- the entry points ---------------------------------------------------------------------------


def filtered(user: Any, model: Any, case: CaseRef) -> Select:
    """The rows of ``model`` (a registered item model, or an alias) that belong to
    ``case`` and that the user may see there.  The caller has established the user's
    relation to the case (the case loader answers 404 first)."""
    kind = _registered(model)
    return select(model).where(_in_case(kind, model, case),
                               _shown(user, kind, model, [case.id], _case_param(case)))


@functools.cache
def _across(listed: Any, orgs: int) -> Select:
    """The rows of ``listed`` (a :class:`CaseRows` or a model) in the cases bound as
    ``case_ids``, each with its case's id and whether it is addressed to each of ``orgs``
    organisations (bound as ``org_0``, ``org_1``): built once per process."""
    model = listed.model if isinstance(listed, CaseRows) else listed
    kind = _registered(model)
    if kind.case_column:
        case_column = getattr(model, kind.case_column)
        query = select(model, case_column).where(among(case_column, "case_ids"))
    else:
        cases_table = Base.metadata.tables["cases"]
        query = (select(model, cases_table.c.id)
                 .join(cases_table, cases_table.c.youth_id == getattr(model, kind.youth_column))
                 .where(among(cases_table.c.id, "case_ids")))
    if kind.scope is not None:
        query = query.where(kind.scope.sql(model))
    if orgs:
        query = query.add_columns(*(kind.addressed.sql(model, bindparam(f"org_{n}"))
                                    for n in range(orgs)))
    if isinstance(listed, CaseRows):
        where, order_by, options = listed.clauses()
        query = query.where(*where).order_by(*order_by).options(*options)
    return query


def shown_in_cases(user: Any, model: Any, cases: Sequence[CaseRef], *criteria: Any,
                   order_by: Sequence[Any] = (), **params: Any) -> list[tuple[Any, str]]:
    """``(item, case_id)`` for the rows of ``model`` the user may see in any of ``cases``
    (cases the user is in: the caller took them from need to know) that meet
    ``criteria``, in ``order_by`` order — for lists their criteria keep small (a start
    page's reminders, a page of cases' names and next meetings).  One statement reads the
    rows; each is decided as :func:`decide` decides it, so no condition is built per
    request.  An identity item is a row per case of the youth, decided by that case's
    consents.  ``model`` may be a :class:`CaseRows` (no ``criteria`` or ``order_by``;
    ``params`` are what its ``where`` binds): the statement is then built once."""
    listed = model if isinstance(model, CaseRows) else None
    if listed is not None:
        if criteria or order_by:
            raise PolicyError("a prepared list is narrowed and ordered where declared")
        model = listed.model
    kind = _registered(model)
    ids = sorted({c.id for c in cases})
    if not ids or not sees_case_items(user):
        return []
    grants = grants_for(user, ids)
    reader = _reader(user)
    reader_grants = grants_for(reader, ids) if reader is not None else None
    explains = _explains_pre_investigation(user)
    # A rule that reads related rows (a meeting's participants) is answered by its SQL,
    # a column of the same statement, for each organisation asked: loading them all
    # cost more than the list itself.
    orgs: list[str] = []
    if kind.addressed is not None and kind.addressed.reads is not None:
        orgs = list(dict.fromkeys(g.org_id for g in (grants, reader_grants) if g is not None))
    query = _across(listed if listed is not None else model, len(orgs))
    if criteria:  # (a where() without any would copy it, and its cache key with it)
        query = query.where(*criteria)
    if order_by:
        query = query.order_by(*order_by)
    binds = {**params, "case_ids": ids, **{f"org_{n}": org for n, org in enumerate(orgs)}}
    shown = []
    for item, case_id, *answers in db.session.execute(query, binds):
        addressed = {org: bool(a) for org, a in zip(orgs, answers, strict=True)} \
            if orgs else None
        if _decide_with(grants, reader_grants, kind, item, case_id, explains,
                        addressed).shown:
            shown.append((item, case_id))
    return shown


def annotated(users: Sequence[Any], model: Any, case: CaseRef) -> Select:
    """Every row of ``model`` in ``case`` with one more column per user: shown to that
    user (one statement however many look: the sharing overview asks for every
    organisation of the group)."""
    kind = _registered(model)
    shown = [_true(_shown(user, kind, model, [case.id], _case_param(case))) for user in users]
    query = select(model, *shown).where(_in_case(kind, model, case))
    if kind.addressed is not None and kind.addressed.reads is not None:
        query = query.options(selectinload(kind.addressed.reads(model)))  # decide() reads it
    return query


def every_item(users: Sequence[Any], case: CaseRef) -> Iterator[tuple[Any, tuple[bool, ...]]]:
    """Every announced item of the case, kind by kind of the registry, with whether it
    is shown to each of ``users`` (the transparency pages walk the whole case)."""
    for kind in kinds(announced=True):
        for item, *shown in db.session.execute(annotated(users, kind.model, case)):
            yield item, tuple(bool(s) for s in shown)


@dataclass(frozen=True)
class Withheld:
    """A notice: ``count`` items of ``category`` from ``origin_org_id`` are not shown."""

    origin_org_id: str | None
    category: str
    count: int
    rule: Rule = Rule.NO_CONSENT

    @property
    def category_label(self) -> str:
        try:
            return Category(self.category).label
        except ValueError:
            return self.category


def _explains_pre_investigation(user: Any) -> bool:
    """Only a police reader learns that material is withheld as preliminary-investigation
    material: that the police hold such material is itself secret (OSL 18:1)."""
    reader = getattr(user, "reader", None) or user
    return directory.kinds().get(reader.organisation_id) == OrganisationKind.POLICE.value


def addressed_org_of(item: Any) -> str | None:
    """The organisation a registered item is addressed to, where one column names it
    (what a history row of the item inherits)."""
    kind = kind_of(item)
    return kind.addressed_org_of(item) if kind is not None else None


def _true(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``condition`` with NULL read as false."""
    return sql_case((condition, True), else_=False)


def _notice_rule(decision: Decision) -> Rule:
    """How a withheld item is announced: a stand-in's reader, preliminary-investigation
    material (``decide`` names it to police readers only), or nothing that covers it."""
    if decision.rule in (Rule.NOT_FOR_READER, Rule.PRE_INVESTIGATION):
        return decision.rule
    return Rule.NO_CONSENT


def _is_the_youth(kind: ItemKind, model: Any) -> bool:
    """A kind whose one row in a case is the case's youth, found by its key."""
    if kind.youth_column is None or kind.scope is not None:
        return False
    column = getattr(model, kind.youth_column)
    return bool(getattr(column, "primary_key", False))


def _with_addressed(kind: ItemKind, model: Any, query: Select) -> Select:
    """``query`` loading what :func:`decide` reads per item to see whom it is addressed
    to, in the same statement (``Reading.items`` uniques the rows)."""
    if kind.addressed is not None and kind.addressed.reads is not None:
        return query.options(joinedload(kind.addressed.reads(model)))
    return query


class CaseRows:
    """A list of one registered kind's rows in a case — narrowed by ``where``, in
    ``order_by`` order, with ``options`` loaded beside them — as one statement built the
    first time it is read and then kept: the case (and the parameters ``where`` binds,
    ``bindparam`` by name) are bound when :meth:`Reading.items` runs it, so a page builds
    no SQL per request.  Each argument is a function returning the clauses (the models'
    attributes are ready when the statement is first built, not when a module declares
    its lists)."""

    def __init__(self, model: Any, *, where: Callable[[], Sequence[Any]] | None = None,
                 order_by: Callable[[], Sequence[Any]] | None = None,
                 options: Callable[[], Sequence[Any]] | None = None) -> None:
        self.model = model
        self.narrowed = where is not None
        self._where, self._order_by, self._options = where, order_by, options

    def clauses(self) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any]]:
        """The list's own ``where``, ``order_by`` and ``options`` clauses."""
        return tuple(part() if part is not None else ()
                     for part in (self._where, self._order_by, self._options))

    @functools.cached_property
    def statement(self) -> Select:
        kind = _registered(self.model)
        where, order_by, options = self.clauses()
        query = select(self.model).where(_in_case(kind, self.model, None), *where)
        return _with_addressed(kind, self.model, query.order_by(*order_by)).options(*options)


@functools.cache
def _count_statement(model: Any) -> Select:
    """Every row of ``model`` in the bound case, with only the columns the rules read."""
    kind = _registered(model)
    columns = [model.id, model.origin_org_id, model.category, model.pre_investigation,
               getattr(model, kind.case_column or kind.youth_column)]
    if kind.addressed is not None and kind.addressed.column_name:
        columns.append(getattr(model, kind.addressed.column_name))
    return _with_addressed(kind, model, select(model).where(_in_case(kind, model, None))
                           .options(load_only(*columns)))


class Reading:
    """One user's reading of one case: every row of a kind in the case is read with one
    statement and decided item by item by :func:`decide` — the same rules, in the same
    order, as :func:`filtered` in SQL — so a page costs one statement per kind and no
    SQL conditions are built per request.  What is not shown is counted in the same
    pass, per origin, category and reason, for the withheld notices.

    ``announce``: the models whose withheld items the page announces (default: every
    announced kind of the registry; the kinds the page did not read are counted when
    :meth:`withheld` is asked, so no kind can be forgotten).
    """

    def __init__(self, user: Any, relation: Relation, case: CaseRef,
                 announce: Iterable[Any] | None = None) -> None:
        if relation is None:
            raise PolicyError("a reading of a case for a user outside it")
        # the user behind a request-local proxy: a reading asks it for every item
        user = getattr(user, "_get_current_object", lambda: user)()
        self.user, self.relation, self.case = user, relation, case
        self.sees = sees_case_items(user)
        if self.sees:
            reader = _reader(user)
            self._grants = grants_for(user, [case.id])
            self._reader_grants = grants_for(reader, [case.id]) if reader is not None else None
            self._explains = _explains_pre_investigation(user)
        self._announce = ({_registered(m).table for m in announce} if announce is not None
                          else {k.table for k in kinds(announced=True)})
        self._counted: set[str] = set()
        self._whole: set[str] = set()  # the kinds read without criteria: every row
        self._decisions: dict[tuple[str, str], Decision] = {}
        self._hidden_by_kind: dict[str, int] = {}
        # every row read, held for the reading's life: the session's identity map holds
        # rows weakly, and a withheld row asked for again must not cost a statement
        self._rows: list[Any] = []
        self._counts: dict[tuple[str, str, Rule], int] = {}

    def items(self, model: Any, *criteria: Any, order_by: Sequence[Any] = (),
              options: Sequence[Any] = (), **params: Any) -> list[Any]:
        """The rows of ``model`` in the case (narrowed by ``criteria``) that the user may
        see, in ``order_by`` order; the others are counted.  A kind read with ``criteria``
        is announced within them (a meeting's page announces that meeting's minutes).
        ``model`` may be a :class:`CaseRows` (no ``criteria``, ``order_by`` or
        ``options``; ``params`` are what its ``where`` binds): the page's statement,
        built once."""
        listed = model if isinstance(model, CaseRows) else None
        if listed is not None:
            if criteria or order_by or options:
                raise PolicyError("a prepared list is narrowed and ordered where declared")
            model = listed.model
        kind = _registered(model)
        if not self.sees:
            return []
        binds = _case_binds(kind, self.case)
        if listed is not None:
            rows = db.session.scalars(listed.statement, {**params, **binds}).unique()
        elif _is_the_youth(kind, model) and not (criteria or options or order_by):
            # one row by its key: from the session when this request read it already
            rows = [row for row in (db.session.get(model, self.case.youth_id),) if row]
        else:
            query = _with_addressed(kind, model, select(model).where(
                _in_case(kind, model, None), *criteria))
            rows = db.session.scalars(query.order_by(*order_by).options(*options),
                                      binds).unique()
        self._counted.add(kind.table)
        if not (criteria or (listed is not None and listed.narrowed)):
            self._whole.add(kind.table)
        rows = list(rows)
        self._rows += rows
        return [item for item in rows if self.decide(item, kind).shown]

    def items_of(self, model: Any, parent: Any, attribute: str,
                 order_by: Sequence[Any] = ()) -> list[Any]:
        """:meth:`items` without a statement of its own: the rows of ``model`` that the
        reading already loaded as ``attribute`` of the rows of ``parent`` (a meeting's
        participants, which the policy loads to see whom a meeting is addressed to; the
        youth's guardians, which the consent rules load with the youth).  Every row of
        ``model`` in the case belongs to one of them, so all within the kind's scope are
        decided and the withheld counted; when ``parent`` was not read whole, or the
        attribute was not loaded with it, :meth:`items` reads them instead, in
        ``order_by`` order (the order of the relationship ``attribute``)."""
        kind, parent_kind = _registered(model), _registered(parent)
        if not self.sees:
            return []
        # each parent once, however often it was read (a kind read with criteria first)
        parents = list(dict.fromkeys(row for row in self._rows if isinstance(row, parent)))
        if (parent_kind.table not in self._whole
                or any(attribute in inspect(row).unloaded for row in parents)):
            return self.items(model, order_by=order_by)
        column, owner = ((kind.case_column, self.case.id) if kind.case_column is not None
                         else (kind.youth_column, self.case.youth_id))
        rows = [child for row in parents for child in getattr(row, attribute)
                if getattr(child, column) == owner
                and (kind.scope is None or kind.scope.check(child))]
        self._counted.add(kind.table)
        self._whole.add(kind.table)
        self._rows += rows
        return [item for item in rows if self.decide(item, kind).shown]

    def decide(self, item: Any, kind: ItemKind | None = None) -> Decision:
        """:func:`decide` for one item of the case, counted when withheld."""
        if not self.sees:
            return Decision(False, Rule.ROLE_SEES_NO_ITEMS)
        kind = kind or kind_of(item)
        if kind is None:
            return Decision(False, Rule.UNKNOWN_ITEM)
        decision = _decide_with(self._grants, self._reader_grants, kind, item,
                                _case_id_of(kind, item, self.case), self._explains)
        first = (kind.table, item.id) not in self._decisions
        self._decisions[kind.table, item.id] = decision
        if first and not decision.shown:
            self._hidden_by_kind[kind.table] = self._hidden_by_kind.get(kind.table, 0) + 1
        if first and not decision.shown and kind.table in self._announce:
            key = (item.origin_org_id or "", item.category or "", _notice_rule(decision))
            self._counts[key] = self._counts.get(key, 0) + 1
        return decision

    def hidden(self, model: Any) -> int:
        """How many rows of ``model`` the reading read and did not show."""
        return self._hidden_by_kind.get(_registered(model).table, 0)

    def decision(self, item: Any) -> Decision:
        """What the reading decided for ``item`` (deciding it now if it was not read)."""
        kind = kind_of(item)
        found = self._decisions.get((kind.table, item.id)) if kind is not None else None
        return found if found is not None else self.decide(item, kind)

    def count(self, model: Any, *criteria: Any) -> None:
        """Count what is withheld of ``model`` without listing it (only the columns the
        rules read are loaded; nothing is decrypted)."""
        kind = _registered(model)
        if not self.sees:
            return
        self._counted.add(kind.table)
        query = _count_statement(model)
        if criteria:  # a where() without any would copy it, and its cache key with it
            query = query.where(*criteria)
        for item in db.session.scalars(query, _case_binds(kind, self.case)).unique():
            self.decide(item, kind)

    def withheld(self) -> list[Withheld]:
        """The notices: how many items are withheld, per origin, category and reason."""
        if not self.sees:
            return []
        for kind in kinds(announced=True):
            if kind.table in self._announce and kind.table not in self._counted:
                self.count(kind.model)
        return [Withheld(origin or None, category, n, rule)
                for (origin, category, rule), n in sorted(self._counts.items())]


@functools.cache
def _by_id(model: Any, within: str | None) -> CaseRows:
    def where() -> list[Any]:
        found = [model.id == bindparam("item_id")]
        if within is not None:
            found.append(getattr(model, within) == bindparam("within_id"))
        return found
    return CaseRows(model, where=where)


def shown_item(user: Any, relation: Relation, case: CaseRef, model: Any, item_id: str,
               within: tuple[str, str] | None = None) -> Any | None:
    """The row of ``model`` with ``item_id`` in ``case`` — and, with ``within`` (column,
    value), belonging to that parent — if the user may see it; else None (it does not
    exist, or is withheld: the caller answers both alike).  One statement, built once per
    process; decided as :func:`decide` decides it."""
    params = {"item_id": item_id}
    if within is not None:
        params["within_id"] = within[1]
    found = Reading(user, relation, case).items(
        _by_id(model, within[0] if within is not None else None), **params)
    return found[0] if found else None


def withheld(user: Any, case: CaseRef, relation: Relation) -> list[Withheld]:
    """Per origin organisation, category and reason: how many items of the case are
    withheld from the user, over every announced kind of the registry."""
    return Reading(user, relation, case).withheld()


def _decide_for_org(grants: Grants, kind: ItemKind, item: Any, case_id: str,
                    explains: bool, addressed: dict[str, bool] | None = None) -> Decision:
    """One organisation's answer for one item (``explains``: the reader is told about
    preliminary-investigation material; ``addressed``: see :class:`_Ctx`)."""
    if item.category not in KNOWN or not item.origin_org_id:
        return Decision(False, Rule.UNKNOWN_ITEM)
    ctx = _Ctx(kind, type(item), grants, None, addressed)
    for rule in OWN_RULES:
        if (decision := rule.check(ctx, item, case_id)) is not None:
            return decision
    if item.pre_investigation:
        # No consent, provision or decision lifts preliminary-investigation secrecy.
        return Decision(False, Rule.PRE_INVESTIGATION if explains else Rule.NO_CONSENT)
    for rule in SHARING_RULES:
        if (decision := rule.check(ctx, item, case_id)) is not None:
            return decision
    return Decision(False, Rule.NO_CONSENT)


def _decide_with(grants: Grants, reader_grants: Grants | None, kind: ItemKind, item: Any,
                 case_id: str, explains: bool,
                 addressed: dict[str, bool] | None = None) -> Decision:
    decision = _decide_for_org(grants, kind, item, case_id, explains, addressed)
    if decision.shown and reader_grants is not None:
        if not _decide_for_org(reader_grants, kind, item, case_id, explains, addressed).shown:
            return Decision(False, Rule.NOT_FOR_READER)
    return decision


def _case_id_of(kind: ItemKind, item: Any, case: CaseRef | None) -> str:
    if kind.case_column:
        case_id = getattr(item, kind.case_column)
        if case is not None and case.id != case_id:
            raise PolicyError("the item is not of this case")
        return case_id
    if case is None:
        raise PolicyError("an identity item is decided in the case at hand")
    if getattr(item, kind.youth_column) != case.youth_id:
        raise PolicyError("the item is not of this case's youth")
    return case.id


def case_of_item(item: Any) -> str | None:
    """The id of the case ``item`` is an item of (registered with a case column), or None
    for anything else — a record that is not a case item, or identity data of a youth."""
    kind = kind_of(item)
    if kind is None or kind.case_column is None:
        return None
    return getattr(item, kind.case_column, None)


def decide(user: Any, relation: Relation | None, item: Any,
           case: CaseRef | None = None) -> Decision:
    """Shown or withheld, and why, for one item of a case the user has ``relation`` to.
    ``case`` is required for identity items (the youth, guardians), which belong to
    every case of the youth: only the case at hand's consents count.

    :raises PolicyError: when called for a user with no relation to the case (the
        caller must have answered 404 already), or with an item not of the case.
    """
    if not sees_case_items(user):
        return Decision(False, Rule.ROLE_SEES_NO_ITEMS)
    if relation is None:
        raise PolicyError("decide() called for a user outside the case")
    kind = kind_of(item)
    if kind is None:
        return Decision(False, Rule.UNKNOWN_ITEM)
    case_id = _case_id_of(kind, item, case)
    reader = _reader(user)
    return _decide_with(grants_for(user, [case_id]),
                        grants_for(reader, [case_id]) if reader is not None else None,
                        kind, item, case_id, _explains_pre_investigation(user))
