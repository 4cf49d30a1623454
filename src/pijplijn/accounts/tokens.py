"""Personal API tokens: 256 random bits, shown once, stored as their SHA-256, revocable.

A token is high-entropy, so a fast hash is enough (unlike a password, it cannot be guessed
from a list); the lookup is by hash, indexed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.register.audit import now
from pijplijn.store.account_models import ApiToken, User

TOKEN_PREFIX = "pl_"
"""Marks a pijplijn token, so a leaked one can be recognised by secret scanners."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """Return the hex SHA-256 of a token's secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str) -> NewToken:
    """Make a token for ``user``; return it with its secret (the only time it is known)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:100] or "token",
        prefix=secret[:10],
        token_hash=token_hash(secret),
        created_at=now(),
    )
    session.add(token)
    session.flush()
    return NewToken(token=token, secret=secret)


def verify_token(session: Session, secret: str) -> User | None:
    """Return the user of a valid, unrevoked token of an enabled account, or None; notes
    the token's last use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or user.disabled:
        return None
    token.last_used_at = now()
    return user


def revoke_token(session: Session, token_id: int) -> ApiToken | None:
    """Revoke a token (it stays listed, marked revoked); return it, or None if unknown."""
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now()
    return token


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """Return a user's tokens, newest first (revoked ones included)."""
    statement = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(session.scalars(statement))
