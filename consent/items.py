"""The registry of case items: every model that holds case information says here how
the disclosure policy finds its case, its origin, its category and whom it is
addressed to.  The policy reads nothing else (``consent.policy``).

A model registers by deriving from :class:`ItemMixin` (or :class:`Registered`, for a
model with columns of its own) and declaring ``__item__``: an :class:`ItemKind`, or
:data:`NOT_A_CASE_ITEM` for records that are not shown item by item (consents and
disclosure decisions, which have their own pages).  A class that declares neither
fails at import: a new item cannot be forgotten by the policy.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, String, and_, inspect
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import created_at
from kernel.planner import unindexed


@dataclass(frozen=True)
class AddressedTo:
    """Whom an item is addressed to, besides its origin: the organisation sees it to do
    its part (an action it is responsible for, a meeting it is invited to).

    ``sql(model, org_id)`` and ``check(item, org_id)`` say the same thing, in SQL for
    lists and in Python for one loaded item; the registry test checks that they agree.
    """

    sql: Callable[[Any, str], ColumnElement[bool]]
    check: Callable[[Any, str], bool]
    column_name: str | None = None  # set when one column of the item names the organisation
    # The relationship ``check`` reads (say, the meeting's participants), given the model
    # or an alias of it: the policy loads it with the items, so deciding a whole case
    # costs no statement per item.
    reads: Callable[[Any], Any] | None = None

    @classmethod
    def column(cls, name: str) -> AddressedTo:
        # NULL-safe: a row addressed to nobody is addressed to no organisation (not unknown)
        return cls(lambda model, org: and_(getattr(model, name).is_not(None),
                                           unindexed(getattr(model, name)) == org),
                   lambda item, org: getattr(item, name) == org, name)


@dataclass(frozen=True)
class Scope:
    """Which rows of a kind are part of a case at all: ``sql(model)`` for queries and
    ``check(item)`` for a loaded row say the same thing (the registry test checks that
    they agree)."""

    sql: Callable[[Any], ColumnElement[bool]]
    check: Callable[[Any], bool]

    @classmethod
    def not_removed(cls) -> Scope:
        """A removed row (a membership, a guardian) is kept but no longer in the case."""
        return cls(lambda model: model.removed_at.is_(None),
                   lambda item: item.removed_at is None)


@dataclass(frozen=True)
class ItemKind:
    """How the policy finds one kind of item.

    Exactly one of ``case_column`` (the item belongs to one case) and ``youth_column``
    (identity data of the youth, which belongs to every case of that youth: the case at
    hand decides, and only that case's consents count).  ``scope`` narrows the rows that
    are part of the case at all (a removed membership is not).  ``announced``: counted in
    withheld notices and in the sharing overview (history rows mirror their item and are
    not counted twice).
    """

    case_column: str | None = None
    youth_column: str | None = None
    addressed: AddressedTo | None = None
    scope: Scope | None = None
    announced: bool = True
    model: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if (self.case_column is None) == (self.youth_column is None):
            raise TypeError("an item kind needs exactly one of case_column and youth_column")

    @property
    def table(self) -> str:
        return self.model.__tablename__

    def is_addressed(self, item: Any, org_id: str) -> bool:
        return self.addressed is not None and self.addressed.check(item, org_id)

    def addressed_org_of(self, item: Any) -> str | None:
        """The organisation an item is addressed to, where one column names it."""
        column = self.addressed.column_name if self.addressed is not None else None
        return getattr(item, column) if column else None


NOT_A_CASE_ITEM = None

REGISTRY: dict[str, ItemKind] = {}


def kinds(*, announced: bool | None = None) -> list[ItemKind]:
    """Every registered kind, in registration order (so output is stable)."""
    return [k for k in REGISTRY.values() if announced is None or k.announced is announced]


def kind_of(model_or_item: Any) -> ItemKind | None:
    """The kind of a model, an alias of one, or an item; ``None`` if not registered."""
    if isinstance(model_or_item, type):
        cls = model_or_item
    else:
        info = inspect(model_or_item, raiseerr=False)
        mapper = getattr(info, "mapper", None)
        cls = mapper.class_ if mapper is not None else type(model_or_item)
    table = getattr(cls, "__tablename__", None)
    kind = REGISTRY.get(table) if table else None
    return kind if kind is not None and kind.model is cls else None


class Registered:
    """Registers the class's ``__item__`` with the policy once the class is mapped."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if "__tablename__" in cls.__dict__ and "__item__" not in cls.__dict__:
            # Before mapping: a forgotten item never becomes a table.
            raise TypeError(f"{cls.__name__} must declare __item__ (an ItemKind or "
                            "NOT_A_CASE_ITEM): the disclosure policy must know it")
        super().__init_subclass__(**kwargs)
        if "__tablename__" not in cls.__dict__:
            return  # a mixin, not a table
        spec = cls.__dict__["__item__"]
        if spec is not None:
            REGISTRY[cls.__tablename__] = ItemKind(
                spec.case_column, spec.youth_column, spec.addressed, spec.scope,
                spec.announced, cls)


class ItemMixin(Registered):
    """``origin_org_id``: the organisation that recorded it; ``category``: its kind
    (``consent.categories.Category``).  The policy decides on these two, on whom the item
    is addressed to, and on the preliminary-investigation flag."""

    origin_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
    # Set by the police on material from a preliminary investigation: it leaves the
    # police by no route (DESIGN §4).
    pre_investigation: Mapped[bool] = mapped_column(default=False)
