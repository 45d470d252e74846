"""Administrative writes; each one audited in its own transaction."""
from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from auth import mfa, passwords, sessions, throttle
from auth.models import Organisation, User
from auth.roles import OrganisationKind, Role
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db

TEMPORARY_PASSWORD_BYTES = 12


class AdminError(ValueError):
    """A request the administrator must correct; the message is shown to them."""


class Taken(AdminError):
    """The name is someone else's already — also when the same form was sent twice at
    once (the database's unique index decides)."""


def _flush_unique(what: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Taken(what) from None


# Called with (user, old organisation id, new organisation id) inside the transaction that
# moves a user: the case domain ends the user's group memberships there, or refuses the
# move (AdminError) while the user owns open cases.  auth knows no case classes.
OrganisationChangeHook = Callable[[User, str, str], None]
_organisation_change_hooks: list[OrganisationChangeHook] = []


def on_organisation_change(hook: OrganisationChangeHook) -> None:
    if hook not in _organisation_change_hooks:
        _organisation_change_hooks.append(hook)


def temporary_password() -> str:
    """A random 16-character password; the user must change it at first login."""
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


def create_organisation(name: str, kind: str) -> Organisation:
    org = Organisation(name=name.strip(), kind=str(OrganisationKind(kind)))
    db.session.add(org)
    _flush_unique("organisation")
    record(AuditEvent.ORGANISATION_CREATED, target_type="organisation", target_ref=org.id,
           details={"kind": org.kind})
    db.session.commit()
    return org


def update_organisation(org: Organisation, name: str, kind: str) -> None:
    org.name = name.strip()
    org.kind = str(OrganisationKind(kind))
    _flush_unique("organisation")
    record(AuditEvent.ORGANISATION_UPDATED, target_type="organisation", target_ref=org.id,
           details={"kind": org.kind})
    db.session.commit()


def create_user(username: str, display_name: str, organisation_id: str, role: str,
                password: str | None = None, actor: User | None = None) -> tuple[User, str]:
    """Create an account; returns it and its initial password (shown once).

    Without ``password`` a temporary one is generated and must be changed at first login.
    """
    initial = password or temporary_password()
    if password is not None:
        found = passwords.problems(password, username)
        if found:
            raise AdminError(" ".join(found))
    user = User(
        username=username.strip().lower(),
        organisation_id=organisation_id,
        role=str(Role(role)),
        password_hash=passwords.hash_password(initial),
        password_changed_at=clock.now(),
        must_change_password=password is None,
    )
    user.display_name = display_name.strip()
    db.session.add(user)
    _flush_unique("username")
    record(AuditEvent.USER_CREATED, actor=actor, target_type="user", target_ref=user.id,
           details={"role": user.role, "organisation": organisation_id})
    db.session.commit()
    return user, initial


def change_role_and_organisation(user: User, role: str, organisation_id: str) -> None:
    """Change what the user is; their sessions end so the new role applies at once.
    A user moved to another organisation leaves every case group (logged): access was
    granted for the organisation they came from.

    :raises AdminError: from a hook, e.g. while the user owns open cases.
    """
    if user.organisation_id != organisation_id:
        try:
            for hook in _organisation_change_hooks:
                hook(user, user.organisation_id, organisation_id)
        except AdminError:
            db.session.rollback()
            raise
    changed = False
    if user.role != str(Role(role)):
        record(AuditEvent.USER_ROLE_CHANGED, target_type="user", target_ref=user.id,
               details={"from": user.role, "to": str(Role(role))})
        user.role = str(Role(role))
        changed = True
    if user.organisation_id != organisation_id:
        record(AuditEvent.USER_ORGANISATION_CHANGED, target_type="user", target_ref=user.id,
               details={"from": user.organisation_id, "to": organisation_id})
        user.organisation_id = organisation_id
        changed = True
    if changed:
        sessions.end_sessions_of_user(user.id, "role_changed")
    db.session.commit()


def set_active(user: User, active: bool, actor: User | None) -> None:
    """``actor`` is the logged-in administrator (None from the command line), who may
    not deactivate themself."""
    if actor is not None and user.id == actor.id and not active:
        raise AdminError("self")
    user.active = active
    if active:
        record(AuditEvent.USER_REACTIVATED, target_type="user", target_ref=user.id)
    else:
        ended = sessions.end_sessions_of_user(user.id, "deactivated")
        record(AuditEvent.USER_DEACTIVATED, target_type="user", target_ref=user.id,
               details={"sessions_ended": ended})
    db.session.commit()


def reset_password(user: User) -> str:
    """A new temporary password (shown once to the admin); the user's sessions end."""
    initial = temporary_password()
    user.password_hash = passwords.hash_password(initial)
    user.password_changed_at = clock.now()
    user.must_change_password = True
    throttle.forget_account(user.id)
    ended = sessions.end_sessions_of_user(user.id, "password_reset")
    record(AuditEvent.PASSWORD_RESET, target_type="user", target_ref=user.id,
           details={"sessions_ended": ended})
    db.session.commit()
    return initial


def unlock(user: User) -> bool:
    """End the lock that wrong second-factor codes put on the account (the person called:
    the admin has made sure it is them); False when it was not locked (any more).  Locks
    of a name at an address end by themselves."""
    if not throttle.account_locked(user.id):
        return False
    throttle.forget_account(user.id)
    record(AuditEvent.ACCOUNT_UNLOCKED, target_type="user", target_ref=user.id)
    db.session.commit()
    return True


def reset_second_factor(user: User) -> None:
    mfa.reset(user)
    ended = sessions.end_sessions_of_user(user.id, "mfa_reset")
    record(AuditEvent.MFA_RESET, target_type="user", target_ref=user.id,
           details={"sessions_ended": ended})
    db.session.commit()
