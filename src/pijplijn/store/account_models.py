"""Users, personal API tokens and login attempts (issue 7). Tables are created by migration
0007. Passwords and tokens are stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pijplijn.store.models import Base


class User(Base):
    """A person who logs in: a ``beheerder``, a ``redacteur`` of an organisation or a
    ``lezer``."""

    __not_data__ = True
    """Account bookkeeping: writing it does not raise the data version."""
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Lower case; the login name."""
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    """The organisation a redacteur edits for."""
    password_hash: Mapped[str] = mapped_column(String(200))
    """An argon2id hash (PHC string)."""
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    """Failed logins since the last successful one."""
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Raised by a password reset or a disable: sessions signed for an older version end.
    Login bookkeeping (failed logins, last login) does not raise it."""


class ApiToken(Base):
    """A personal API token: shown once, stored as its SHA-256, revocable."""

    __not_data__ = True
    """Account bookkeeping: writing it does not raise the data version."""
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    """The token's first characters, shown in lists so a user can tell tokens apart."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """One login attempt, for throttling per account and per IP address."""

    __not_data__ = True
    """Account bookkeeping: writing it does not raise the data version."""
    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
