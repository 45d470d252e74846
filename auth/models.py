"""Organisations, users, recovery codes and server-side sessions."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.roles import OrganisationKind, Role
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid_pk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[created_at]

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def kind_enum(self) -> OrganisationKind:
        return OrganisationKind(self.kind)


class User(Base):
    """A staff account.  One organisation, one role (DESIGN §1)."""

    __tablename__ = "users"

    id: Mapped[uuid_pk]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name_enc: Mapped[bytes | None] = encrypted_column()
    display_name = encrypted_text("display_name", keep=10_000)  # (kept per worker)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[dt.datetime | None]
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="sv")
    # Where SIG's e-mails go (invitations, reminders, change notices); none: no e-mail.
    email_enc: Mapped[bytes | None] = encrypted_column()
    email = encrypted_text("email")
    # The kinds of e-mail the user has turned off (comma-separated codes, sig.notify).
    mail_off: Mapped[str] = mapped_column(String(200), default="")
    totp_secret_enc: Mapped[bytes | None] = encrypted_column()
    totp_secret = encrypted_text("totp_secret")
    totp_enabled_at: Mapped[dt.datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[created_at]

    organisation: Mapped[Organisation] = relationship(back_populates="users")

    # Flask-Login
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.id

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def mfa_enrolled(self) -> bool:
        return self.totp_enabled_at is not None


class RecoveryCode(Base):
    """A one-time 2FA recovery code, stored as a keyed hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid_pk]
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None]


class WebSession(Base):
    """A server-side session.  The cookie holds a random token; we store its SHA-256.

    Ending a session (logout, password change, deactivation, timeout) sets
    ``ended_at``; a copied cookie then finds an ended row and is worth nothing.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[created_at]
    authenticated_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    end_reason: Mapped[str | None] = mapped_column(String(32))


class LoginThrottle(Base):
    """Failed logins counted per (username, client address), per client address, and
    failed second-factor codes per account.

    ``key`` is a keyed hash (the blind-index key) of what is counted, so neither a
    username someone typed nor an address is stored.  A pair at its limit is refused for
    a while — the same for a username that does not exist, so the answer tells nothing —
    while the person at another address still logs in; an address at its limit is
    refused every login for a while, with no access-log entry per attempt; an account at
    its limit of codes is refused for a while from everywhere.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None] = mapped_column(index=True)
