"""A case's disclosure decisions as its owner sees them on the case page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from auth import directory
from consent.models import Disclosure
from consent.policy import Relation
from sig.disclosures import operations

ITEM_TYPE_LABELS = {"youths": _l("the youth's identity"), "goals": _l("goals"),
                    "actions": _l("actions"), "minutes_entries": _l("minutes entries")}


@dataclass
class Summary:
    disclosure: Disclosure
    decided_by: str
    recipient: str
    counts: dict[str, int]

    @property
    def items_text(self) -> str:
        return ", ".join(f"{ITEM_TYPE_LABELS.get(t, t)}: {n}" for t, n in self.counts.items())


def case_disclosures(_user: Any, view: Any) -> list[Summary]:
    """The case's decisions, for its owner only (anyone else gets an empty list)."""
    if view.relation is not Relation.OWNER or view.read_only:
        return []
    orgs = directory.names()
    return [Summary(d, d.decided_by.display_name if d.decided_by else "—",
                    orgs.get(d.recipient_org_id, "—"), operations.item_counts(d))
            for d in operations.disclosures_of(view.case)]


