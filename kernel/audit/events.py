"""The vocabulary of the access log (keep it alphabetised within each group)."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext


class AuditEvent(enum.StrEnum):
    # authentication and sessions
    ACCOUNT_LOCKED = "account_locked"
    LOGIN_THROTTLED = "login_throttled"
    BACKUP_MADE = "backup_made"
    BACKUP_RESTORED = "backup_restored"
    LOGIN_FAILED = "login_failed"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGOUT = "logout"
    MFA_ENROLLED = "mfa_enrolled"
    MFA_FAILED = "mfa_failed"
    MFA_RECOVERY_CODE_USED = "mfa_recovery_code_used"
    MFA_REPLAY_REJECTED = "mfa_replay_rejected"
    MFA_VERIFIED = "mfa_verified"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
    SESSION_ENDED = "session_ended"
    SESSION_EXPIRED_ABSOLUTE = "session_expired_absolute"
    SESSION_EXPIRED_IDLE = "session_expired_idle"
    # administration
    ACCOUNT_UNLOCKED = "account_unlocked"
    MAIL_SETTINGS_CHANGED = "mail_settings_changed"
    MFA_RESET = "mfa_reset"
    ORGANISATION_CREATED = "organisation_created"
    ORGANISATION_UPDATED = "organisation_updated"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name
    USER_CREATED = "user_created"
    USER_DEACTIVATED = "user_deactivated"
    USER_ORGANISATION_CHANGED = "user_organisation_changed"
    USER_REACTIVATED = "user_reactivated"
    USER_ROLE_CHANGED = "user_role_changed"
    # the case domain: reads and writes of case data (details: ids, categories, counts)
    ACTION_CREATED = "action_created"
    ACTION_UPDATED = "action_updated"
    ATTENDANCE_RECORDED = "attendance_recorded"
    CASE_CLOSED = "case_closed"
    CASE_HANDOVER_ACCEPTED = "case_handover_accepted"
    CASE_HANDOVER_DECLINED = "case_handover_declined"
    CASE_HANDOVER_OFFERED = "case_handover_offered"
    CASE_HANDOVER_WITHDRAWN = "case_handover_withdrawn"
    CASE_LISTED = "case_listed"
    CASE_OPENED = "case_opened"
    CASE_REOPENED = "case_reopened"
    CASES_TO_REASSIGN_VIEWED = "cases_to_reassign_viewed"
    CASE_UPDATED = "case_updated"
    CASE_VIEWED = "case_viewed"
    CASE_VIEWED_AS = "case_viewed_as"
    CONSENT_FORM_DOWNLOADED = "consent_form_downloaded"
    CONSENT_FORM_PRINTED = "consent_form_printed"
    CONSENT_RECORDED = "consent_recorded"
    CONSENT_VIEWED = "consent_viewed"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    DEPUTY_ENDED = "deputy_ended"
    DOCUMENT_ADDED = "document_added"
    DOCUMENT_DOWNLOADED = "document_downloaded"
    DEPUTY_NAMED = "deputy_named"
    DISCLOSURE_DECIDED = "disclosure_decided"
    DISCLOSURE_VIEWED = "disclosure_viewed"
    EXTRACT_PREVIEWED = "extract_previewed"
    EXTRACT_RELEASED = "extract_released"
    EXTRACT_VIEWED = "extract_viewed"
    GOAL_CREATED = "goal_created"
    GOAL_UPDATED = "goal_updated"
    HISTORY_VIEWED = "history_viewed"
    MEETING_SCHEDULED = "meeting_scheduled"
    MEETING_SIGNED_OFF = "meeting_signed_off"
    MEETING_UPDATED = "meeting_updated"
    MEETING_VIEWED = "meeting_viewed"
    MEMBER_ADDED = "member_added"
    MEMBER_REMOVED = "member_removed"
    MINUTES_WRITTEN = "minutes_written"
    OUTCOME_RECORDED = "outcome_recorded"
    PARTICIPANT_ADDED = "participant_added"
    PLAN_PRINTED = "plan_printed"
    REFERRAL_ACCEPTED = "referral_accepted"
    REFERRAL_DECLINED = "referral_declined"
    REFERRAL_PROPOSED = "referral_proposed"
    REFERRAL_VIEWED = "referral_viewed"
    REFERRALS_LISTED = "referrals_listed"
    REMINDERS_PRINTED = "reminders_printed"
    RULES_VIEWED = "rules_viewed"
    SHARING_OVERVIEW_VIEWED = "sharing_overview_viewed"
    START_PAGE_VIEWED = "start_page_viewed"
    STATISTICS_EXPORTED = "statistics_exported"
    STATISTICS_VIEWED = "statistics_viewed"
    YOUTH_REGISTERED = "youth_registered"
    YOUTH_SEARCHED = "youth_searched"
    YOUTH_UPDATED = "youth_updated"
    YOUTH_VIEWED = "youth_viewed"
    # area-level crime prevention (no personal data: groups, reports, promises)
    AREA_SAVED = "area_saved"
    AREA_VIEWED = "area_viewed"
    # access control and the log itself
    ACCESS_DENIED = "access_denied"
    AUDIT_EXPORTED = "audit_exported"
    AUDIT_VIEWED = "audit_viewed"
    LOG_REVIEW_SIGNED = "log_review_signed"
    RETENTION_HOLD_RELEASED = "retention_hold_released"
    RETENTION_HOLD_SET = "retention_hold_set"
    RETENTION_RUN = "retention_run"
    LOG_REVIEW_VIEWED = "log_review_viewed"
    KEYS_ROTATED = "keys_rotated"


_l = lazy_gettext
EVENT_LABELS = {
    AuditEvent.ACCOUNT_LOCKED: _l("Account locked"),
    AuditEvent.LOGIN_THROTTLED: _l("Logins from one address refused for a while"),
    AuditEvent.BACKUP_MADE: _l("Backup made"),
    AuditEvent.BACKUP_RESTORED: _l("Backup restored"),
    AuditEvent.LOGIN_FAILED: _l("Login failed"),
    AuditEvent.LOGIN_SUCCEEDED: _l("Logged in"),
    AuditEvent.LOGOUT: _l("Logged out"),
    AuditEvent.MFA_ENROLLED: _l("Two-factor login set up"),
    AuditEvent.MFA_FAILED: _l("Wrong two-factor code"),
    AuditEvent.MFA_RECOVERY_CODE_USED: _l("Recovery code used"),
    AuditEvent.MFA_REPLAY_REJECTED: _l("Reused two-factor code refused"),
    AuditEvent.MFA_VERIFIED: _l("Two-factor code accepted"),
    AuditEvent.PASSWORD_CHANGED: _l("Password changed"),
    AuditEvent.SESSION_ENDED: _l("Session ended"),
    AuditEvent.SESSION_EXPIRED_ABSOLUTE: _l("Session expired (maximum length)"),
    AuditEvent.SESSION_EXPIRED_IDLE: _l("Session expired (inactivity)"),
    AuditEvent.ACCOUNT_UNLOCKED: _l("Account unlocked"),
    AuditEvent.MAIL_SETTINGS_CHANGED: _l("E-mail settings changed"),
    AuditEvent.MFA_RESET: _l("Two-factor login reset"),
    AuditEvent.ORGANISATION_CREATED: _l("Organisation created"),
    AuditEvent.ORGANISATION_UPDATED: _l("Organisation changed"),
    AuditEvent.PASSWORD_RESET: _l("Password reset by administrator"),
    AuditEvent.USER_CREATED: _l("Account created"),
    AuditEvent.USER_DEACTIVATED: _l("Account deactivated"),
    AuditEvent.USER_ORGANISATION_CHANGED: _l("Organisation of account changed"),
    AuditEvent.USER_REACTIVATED: _l("Account reactivated"),
    AuditEvent.USER_ROLE_CHANGED: _l("Role changed"),
    AuditEvent.ACTION_CREATED: _l("Action added"),
    AuditEvent.ACTION_UPDATED: _l("Action changed"),
    AuditEvent.ATTENDANCE_RECORDED: _l("Attendance recorded"),
    AuditEvent.CASE_CLOSED: _l("Case closed"),
    AuditEvent.CASE_HANDOVER_ACCEPTED: _l("Case handed over: the new owner accepted"),
    AuditEvent.CASE_HANDOVER_DECLINED: _l("Handover of a case declined"),
    AuditEvent.CASE_HANDOVER_OFFERED: _l("Case offered to another case owner"),
    AuditEvent.CASE_HANDOVER_WITHDRAWN: _l("Handover of a case withdrawn"),
    AuditEvent.CASE_LISTED: _l("Case list viewed"),
    AuditEvent.CASE_OPENED: _l("Case opened"),
    AuditEvent.CASE_REOPENED: _l("Closing of a case undone"),
    AuditEvent.CASES_TO_REASSIGN_VIEWED: _l("Open cases and their owners viewed (unit manager)"),
    AuditEvent.CASE_UPDATED: _l("Case changed"),
    AuditEvent.CASE_VIEWED: _l("Case viewed"),
    AuditEvent.CASE_VIEWED_AS: _l("Case viewed as another organisation"),
    AuditEvent.CONSENT_FORM_DOWNLOADED: _l("Signed consent form downloaded"),
    AuditEvent.CONSENT_FORM_PRINTED: _l("Consent form printed"),
    AuditEvent.CONSENT_RECORDED: _l("Consent recorded"),
    AuditEvent.CONSENT_VIEWED: _l("Consent viewed"),
    AuditEvent.CONSENT_WITHDRAWN: _l("Consent withdrawn"),
    AuditEvent.DEPUTY_ENDED: _l("Deputy case owner ended"),
    AuditEvent.DOCUMENT_ADDED: _l("Document added to a case"),
    AuditEvent.DOCUMENT_DOWNLOADED: _l("Document downloaded"),
    AuditEvent.DEPUTY_NAMED: _l("Deputy case owner named"),
    AuditEvent.DISCLOSURE_DECIDED: _l("Disclosure decided"),
    AuditEvent.DISCLOSURE_VIEWED: _l("Disclosure decision viewed"),
    AuditEvent.EXTRACT_PREVIEWED: _l("Register extract drafted for review"),
    AuditEvent.EXTRACT_RELEASED: _l("Register extract released"),
    AuditEvent.EXTRACT_VIEWED: _l("Released register extract opened"),
    AuditEvent.RULES_VIEWED: _l("Statutory provisions viewed"),
    AuditEvent.SHARING_OVERVIEW_VIEWED: _l("Sharing overview viewed"),
    AuditEvent.GOAL_CREATED: _l("Goal added"),
    AuditEvent.GOAL_UPDATED: _l("Goal changed"),
    AuditEvent.HISTORY_VIEWED: _l("History viewed"),
    AuditEvent.MEETING_SCHEDULED: _l("Meeting scheduled"),
    AuditEvent.MEETING_SIGNED_OFF: _l("Meeting protocol signed off"),
    AuditEvent.MEETING_UPDATED: _l("Meeting changed"),
    AuditEvent.MEETING_VIEWED: _l("Meeting viewed"),
    AuditEvent.MEMBER_ADDED: _l("Group member added"),
    AuditEvent.MEMBER_REMOVED: _l("Group member removed"),
    AuditEvent.MINUTES_WRITTEN: _l("Minutes written"),
    AuditEvent.OUTCOME_RECORDED: _l("Outcome event recorded"),
    AuditEvent.PARTICIPANT_ADDED: _l("Meeting participant added"),
    AuditEvent.PLAN_PRINTED: _l("Action plan printed"),
    AuditEvent.REFERRAL_ACCEPTED: _l("Proposal for SIG accepted"),
    AuditEvent.REFERRAL_DECLINED: _l("Proposal for SIG declined"),
    AuditEvent.REFERRAL_PROPOSED: _l("Youth proposed for SIG"),
    AuditEvent.REFERRAL_VIEWED: _l("Proposal for SIG read"),
    AuditEvent.REFERRALS_LISTED: _l("Proposals for SIG listed"),
    AuditEvent.REMINDERS_PRINTED: _l("Reminders produced"),
    AuditEvent.START_PAGE_VIEWED: _l("Start page viewed"),
    AuditEvent.STATISTICS_EXPORTED: _l("Statistics exported"),
    AuditEvent.STATISTICS_VIEWED: _l("Statistics viewed"),
    AuditEvent.YOUTH_REGISTERED: _l("Youth registered"),
    AuditEvent.YOUTH_SEARCHED: _l("Youth register searched"),
    AuditEvent.YOUTH_UPDATED: _l("Youth changed"),
    AuditEvent.YOUTH_VIEWED: _l("Youth viewed"),
    AuditEvent.AREA_SAVED: _l("Area-level work saved"),
    AuditEvent.AREA_VIEWED: _l("Area-level work viewed"),
    AuditEvent.ACCESS_DENIED: _l("Access denied"),
    AuditEvent.AUDIT_EXPORTED: _l("Access log exported"),
    AuditEvent.AUDIT_VIEWED: _l("Access log viewed"),
    AuditEvent.LOG_REVIEW_SIGNED: _l("Monthly log review signed off"),
    AuditEvent.RETENTION_HOLD_RELEASED: _l("Legal hold released"),
    AuditEvent.RETENTION_HOLD_SET: _l("Legal hold set: the case is kept"),
    AuditEvent.RETENTION_RUN: _l("Retention run: personal data of closed cases deleted"),
    AuditEvent.LOG_REVIEW_VIEWED: _l("Monthly log review reports viewed"),
    AuditEvent.KEYS_ROTATED: _l("Encryption keys rotated"),
}

OUTCOME_LABELS = {"ok": _l("OK"), "denied": _l("Denied"), "failed": _l("Failed")}


def event_label(code: str) -> str:
    """The event's name in the user's language; unknown codes are shown as they are."""
    try:
        return str(EVENT_LABELS[AuditEvent(code)])
    except ValueError:
        return code


def outcome_label(code: str) -> str:
    return str(OUTCOME_LABELS.get(code, code))
