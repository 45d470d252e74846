"""The permission vocabulary, what each role holds, and how views declare their need.

Every endpoint declares either ``@requires(Permission.X)`` or ``@public``.
Requests to an endpoint that declares nothing are refused (deny by default), and
``tests/test_permissions.py`` walks ``app.url_map`` so such an endpoint never ships.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from auth.roles import Role

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_MARK = "_sig_public"
PERMISSION_MARK = "_sig_permission"


class Permission(enum.StrEnum):
    """Keep the list alphabetised."""

    ADMINISTER_ACCOUNTS = "administer_accounts"
    MANAGE_CASES = "manage_cases"          # register youths, open and own cases
    MANAGE_OWN_ACCOUNT = "manage_own_account"
    PROPOSE_REFERRALS = "propose_referrals"  # propose a youth for SIG, see one's proposals
    READ_AUDIT_LOG = "read_audit_log"
    RUN_AREA_WORK = "run_area_work"        # area groups, situation reports, citizen promises
    REASSIGN_CASES = "reassign_cases"      # the unit manager: owners of open cases, no content
    VIEW_START_PAGE = "view_start_page"
    VIEW_STATISTICS = "view_statistics"    # anonymised outcome statistics, never a person
    VIEW_STATUTORY_RULES = "view_statutory_rules"  # the provisions in force, for everyone
    WORK_IN_CASES = "work_in_cases"        # see and work in the cases one is in


# Everyone who logs in may read the statutory provisions in force and manage their account.
_EVERYONE = frozenset({Permission.MANAGE_OWN_ACCOUNT, Permission.VIEW_START_PAGE,
                       Permission.VIEW_STATUTORY_RULES})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASE_OWNER: _EVERYONE | {Permission.MANAGE_CASES, Permission.WORK_IN_CASES},
    Role.MEMBER: _EVERYONE | {Permission.WORK_IN_CASES, Permission.PROPOSE_REFERRALS},
    Role.MANAGER: _EVERYONE | {Permission.VIEW_STATISTICS, Permission.REASSIGN_CASES},
    Role.ADMIN: _EVERYONE | {Permission.ADMINISTER_ACCOUNTS},
    Role.AUDITOR: _EVERYONE | {Permission.READ_AUDIT_LOG},
    Role.COORDINATOR: _EVERYONE | {Permission.RUN_AREA_WORK},
}


def has_permission(user: Any, permission: Permission) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return permission in ROLE_PERMISSIONS.get(Role(user.role), frozenset())


DENY_STATUS_MARK = "_sig_deny_status"


def requires(permission: Permission, *, deny_status: int = 403) -> Callable[[F], F]:
    """Declare the permission a view needs; checked before the view runs.

    ``deny_status=404`` for case URLs: to a user without case access the case does
    not exist (DESIGN §4 rule 1), so the answer must not differ from a wrong id.
    """
    if not isinstance(permission, Permission):
        raise TypeError("requires() takes a Permission")

    def decorate(view: F) -> F:
        setattr(view, PERMISSION_MARK, permission)
        setattr(view, DENY_STATUS_MARK, deny_status)
        return view

    return decorate


def public(view: F) -> F:
    """Declare a view reachable without logging in (login page, static files)."""
    setattr(view, PUBLIC_MARK, True)
    return view


def declaration_of(view: Callable[..., Any]) -> Permission | str | None:
    """``"public"``, the required Permission, or None when the view declares nothing."""
    if getattr(view, PUBLIC_MARK, False):
        return "public"
    return getattr(view, PERMISSION_MARK, None)


def enforce_declared_permission() -> Any:
    """``before_request``: deny by default.  Unauthenticated users go to login."""
    if request.endpoint is None:
        return None  # 404 follows
    view = current_app.view_functions.get(request.endpoint)
    declared = declaration_of(view) if view is not None else None
    if declared == "public":
        return None
    if declared is None:
        # A developer forgot to declare; never serve it.
        current_app.logger.error("endpoint %s declares no permission", request.endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not has_permission(current_user, declared):
        from kernel.audit import AuditEvent, record
        from kernel.db import db

        record(AuditEvent.ACCESS_DENIED, outcome="denied",
               details={"endpoint": request.endpoint, "needs": str(declared)})
        db.session.commit()
        abort(getattr(view, DENY_STATUS_MARK, 403))
    return None

