"""Authentication writes: password checks with throttling, second factor, login, logout,
password change.  Each validates, changes state and writes the audit entry, and
the caller's request commits them together (``db.session.commit()`` here)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from auth import mfa, passwords, sessions, throttle
from auth.models import User
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db


@dataclass
class PasswordResult:
    status: str  # "ok", "invalid", "locked" (this name from this address), "throttled"
    user: User | None = None
    locked_until: dt.datetime | None = None  # with "locked" and "throttled": when it ends


def find_user(username: str) -> User | None:
    name = username.strip().lower()
    if not name or len(name) > 64:
        return None
    return db.session.scalar(select(User).where(func.lower(User.username) == name))


def locked_until(user: User) -> dt.datetime | None:
    """When the lock that wrong second-factor codes put on the account ends (None: no lock)."""
    return throttle.account_locked_until(user.id)


def _code_failed(user: User, attempt: int) -> bool:
    """Log a failed code; at the limit the account's own lock (only this one — the
    password was right).  True when the account is locked now."""
    cfg = current_app.config
    record(AuditEvent.MFA_FAILED, actor=user, outcome="failed", details={"attempt": attempt})
    if attempt < cfg["LOGIN_MAX_FAILURES"]:
        return False
    if throttle.lock_account(user.id):  # (else a failure alongside locked it, and said so)
        record(AuditEvent.ACCOUNT_LOCKED, actor=user, outcome="denied",
               details={"minutes": cfg["LOGIN_LOCKOUT_MINUTES"], "scope": "account"})
    return True


def check_password(username: str, password: str, address: str) -> PasswordResult:
    """First login step, throttled per (username, address) and per address
    (``auth.throttle``).  Same work and answer for unknown and deactivated accounts as for
    a wrong password, locked or not; that wrong codes locked an account is told only with
    its password; from an address over its limit, no work and no access-log entry."""
    blocked_until = throttle.address_blocked_until(address)
    if blocked_until is not None:
        return PasswordResult("throttled", locked_until=blocked_until)
    user = find_user(username)
    attempt = throttle.take_attempt(username, address)  # (None: the pair is locked)
    if attempt is None or attempt > current_app.config["LOGIN_MAX_FAILURES"]:
        passwords.verify_password(None, password)
        return _failed(username, address, user, "locked", attempt)
    if user is None or not user.active:
        passwords.verify_password(None, password)
        return _failed(username, address, user, "unknown_or_inactive", attempt)
    if not passwords.verify_password(user.password_hash, password):
        return _failed(username, address, user, "wrong_password", attempt)
    throttle.clear(username, address)  # (the right password: the pair is not guessing)
    until = locked_until(user)
    if until is not None:
        # Wrong second-factor codes locked the account: said only to someone who knows
        # the password (to anyone else the name answers as any other, locked or not).
        record(AuditEvent.LOGIN_FAILED, actor=user, outcome="failed",
               details={"reason": "account_locked"})
        db.session.commit()
        return PasswordResult("locked", locked_until=until)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    db.session.commit()
    return PasswordResult("ok", user)


def _failed(username: str, address: str, user: User | None, reason: str,
            attempt: int | None) -> PasswordResult:
    """A refused password step, counted and logged; "locked" (and until when) when the
    pair is locked."""
    status = _password_failed(username, address, user, reason, attempt)
    db.session.commit()
    if status == "locked":
        return PasswordResult(status, locked_until=throttle.pair_locked_until(username, address))
    return PasswordResult(status)


def _password_failed(username: str, address: str, user: User | None, reason: str,
                     attempt: int | None) -> str:
    """Count and log one failed password step (the pair's ``attempt`` is taken already);
    "locked" when the pair is (now) locked."""
    locked_now, blocked_now = throttle.register_failure(username, address, attempt)
    active = user if user is not None and user.active else None
    record(AuditEvent.LOGIN_FAILED, actor=active, outcome="failed",
           details={"reason": reason})
    if locked_now:
        record(AuditEvent.ACCOUNT_LOCKED, actor=active, outcome="denied",
               details={"minutes": current_app.config["LOGIN_LOCKOUT_MINUTES"],
                        "scope": "username_and_address"})
    if blocked_now:
        record(AuditEvent.LOGIN_THROTTLED, outcome="denied",
               details={"minutes": current_app.config["LOGIN_LOCKOUT_MINUTES"]})
    return "locked" if locked_now or reason == "locked" else "invalid"


def check_second_factor(user: User, code: str, recovery_code: str) -> str:
    """``"ok"``, ``"replay"``, ``"wrong"`` or ``"locked"``; commits."""
    attempt = throttle.take_account_attempt(user.id)
    if attempt is None or attempt > current_app.config["LOGIN_MAX_FAILURES"]:
        if attempt is not None:  # a burst of codes beyond the limit: none is checked
            _code_failed(user, attempt)
        db.session.commit()
        return "locked"
    if recovery_code.strip():
        if mfa.use_recovery_code(user, recovery_code):
            record(AuditEvent.MFA_RECOVERY_CODE_USED, actor=user,
                   details={"remaining": mfa.remaining_recovery_codes(user)})
            db.session.commit()
            return "ok"
        result = "wrong"
    else:
        result = mfa.check_totp(user, code)
    if result == "ok":
        record(AuditEvent.MFA_VERIFIED, actor=user)
    else:
        if result == "replay":
            record(AuditEvent.MFA_REPLAY_REJECTED, actor=user, outcome="denied")
        if _code_failed(user, attempt):
            result = "locked"
    db.session.commit()
    return result


def enrol_second_factor(user: User, secret: str, code: str) -> list[str] | None:
    """Confirm enrolment with a first code; returns the new recovery codes, or None
    (a wrong code, or the account locked)."""
    attempt = throttle.take_account_attempt(user.id)
    step = mfa.matching_step(secret, code)
    if attempt is None or attempt > current_app.config["LOGIN_MAX_FAILURES"] or step is None:
        if attempt is not None:
            _code_failed(user, attempt)
        db.session.commit()
        return None
    user.totp_secret = secret
    user.totp_enabled_at = clock.now()
    user.totp_last_step = step
    codes = mfa.issue_recovery_codes(user)
    record(AuditEvent.MFA_ENROLLED, actor=user)
    db.session.commit()
    return codes


def complete_login(user: User, mfa_used: bool) -> None:
    """Forget the account's failures and record the login (the caller calls login_user)."""
    throttle.forget_account(user.id)
    record(AuditEvent.LOGIN_SUCCEEDED, actor=user, details={"mfa": mfa_used})
    db.session.commit()


def logout(user: User, web_session: object) -> None:
    sessions.end_current(web_session, "logout")
    record(AuditEvent.LOGOUT, actor=user)
    db.session.commit()


def change_password(user: User, new_password: str, keep_token: str | None) -> None:
    """Set a new password and end every other session of the user."""
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = clock.now()
    user.must_change_password = False
    ended = sessions.end_sessions_of_user(user.id, "password_changed", keep_token=keep_token)
    record(AuditEvent.PASSWORD_CHANGED, actor=user, details={"other_sessions_ended": ended})
    db.session.commit()
