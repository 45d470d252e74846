"""TOTP two-factor authentication (RFC 6238) and recovery codes.

A code is accepted within ±1 time step and only once: the last accepted step is
stored, and a code for that step or an earlier one is refused as a replay.  A step and
a recovery code are consumed by one conditional UPDATE each, so of two requests with
the same code at once (a double click, or someone who saw the code) one is the replay.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from sqlalchemy import or_, select, update

from auth.models import RecoveryCode, User
from kernel import clock
from kernel.crypto.keys import current_keyring
from kernel.db import db

ISSUER = "SIG"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0, i)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG markup (no image service, CSP-safe)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP_SECONDS


def _normalise(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


def matching_step(secret: str, code: str) -> int | None:
    """The time step the code belongs to (now ±1), or None."""
    code = _normalise(code)
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = current_step()
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def check_totp(user: User, code: str) -> str:
    """``"ok"`` (and consume the step), ``"replay"`` or ``"wrong"``."""
    if not user.totp_secret:
        return "wrong"
    step = matching_step(user.totp_secret, code)
    if step is None:
        return "wrong"
    consumed = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)).rowcount
    return "ok" if consumed else "replay"


def _code_hash(code: str) -> str:
    key = current_keyring().blind_index_key
    cleaned = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(key, b"recovery\x00" + cleaned.encode(), hashlib.sha256).hexdigest()


def issue_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plaintext is shown once and not kept."""
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)))
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Consume a recovery code; each works once."""
    if not code.strip():
        return False
    return bool(db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id,
               RecoveryCode.code_hash == _code_hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=clock.now())).rowcount)


def remaining_recovery_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def reset(user: User) -> None:
    """Remove the user's second factor; they enrol again at next login."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
