"""The vocabulary of the access log (keep it alphabetised within each group)."""
from __future__ import annotations

import enum


class AuditEvent(enum.StrEnum):
    # authentication and sessions
    ACCOUNT_LOCKED = "account_locked"
    LOGIN_FAILED = "login_failed"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGOUT = "logout"
    MFA_ENROLLED = "mfa_enrolled"
    MFA_FAILED = "mfa_failed"
    MFA_RECOVERY_CODE_USED = "mfa_recovery_code_used"
    MFA_REPLAY_REJECTED = "mfa_replay_rejected"
    MFA_VERIFIED = "mfa_verified"
    PASSWORD_CHANGED = "password_changed"
    SESSION_ENDED = "session_ended"
    SESSION_EXPIRED_ABSOLUTE = "session_expired_absolute"
    SESSION_EXPIRED_IDLE = "session_expired_idle"
    # administration
    MFA_RESET = "mfa_reset"
    ORGANISATION_CREATED = "organisation_created"
    ORGANISATION_UPDATED = "organisation_updated"
    PASSWORD_RESET = "password_reset"
    USER_CREATED = "user_created"
    USER_DEACTIVATED = "user_deactivated"
    USER_ORGANISATION_CHANGED = "user_organisation_changed"
    USER_REACTIVATED = "user_reactivated"
    USER_ROLE_CHANGED = "user_role_changed"
    # access control and the log itself
    ACCESS_DENIED = "access_denied"
    AUDIT_EXPORTED = "audit_exported"
    AUDIT_VIEWED = "audit_viewed"
    KEYS_ROTATED = "keys_rotated"
