"""What lists of cases show of each: the youth's name where the policy shows identity in
that case (the same answer as the case page), nothing of it otherwise."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case as sql_case

from consent.policy import shown_in_cases
from sig.cases.models import Case, CaseStatus
from sig.youths.models import Youth

# Open cases first, the new ones before the active ones, the closed last.
STATUS_ORDER = sql_case({CaseStatus.REFERRED.value: 0, CaseStatus.ACTIVE.value: 1,
                         CaseStatus.CLOSED.value: 2}, value=Case.status, else_=3)


def youth_names(user: Any, cases: Sequence[Case]) -> dict[str, str]:
    """Case id → the youth's name, for the cases where the policy shows identity (one
    statement; only these names are decrypted)."""
    if not cases:
        return {}
    return {case_id: youth.name for youth, case_id in shown_in_cases(user, Youth, cases)
            if youth.name}
