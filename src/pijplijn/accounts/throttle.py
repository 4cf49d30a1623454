"""Login throttling per account and per IP address.

The policy is a pure function of the recent failed attempts, so it is tested without a
clock; ``login_allowed`` reads those attempts from the store for the web layer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import false, func, select, text, update
from sqlalchemy.orm import Session

from pijplijn.store.account_models import LoginAttempt


@dataclass(frozen=True)
class ThrottlePolicy:
    """``limit`` failures within ``window`` lock for ``lockout`` after the last failure."""

    limit: int
    window: timedelta
    lockout: timedelta


ACCOUNT_POLICY = ThrottlePolicy(
    limit=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15)
)
"""Per e-mail address (known or not, so probing accounts gives nothing away)."""
IP_POLICY = ThrottlePolicy(limit=20, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
"""Per client address: wider, since several people may share one (an office NAT)."""


@dataclass(frozen=True)
class Decision:
    """Whether a login may be tried now, and if not, until when it is blocked and why."""

    allowed: bool
    until: datetime | None = None
    reason: str = ""


def locked_until(
    failures: Sequence[datetime], now: datetime, policy: ThrottlePolicy
) -> datetime | None:
    """Return until when logins are blocked given the failure times, or None when they are
    not: blocked when ``limit`` failures fall within ``window`` before the last one and the
    lockout since that last failure has not passed."""
    recent = sorted(t for t in failures if now - t <= policy.window + policy.lockout)
    if len(recent) < policy.limit:
        return None
    last = recent[-1]
    in_window = [t for t in recent if last - t <= policy.window]
    if len(in_window) < policy.limit:
        return None
    until = last + policy.lockout
    return until if until > now else None


def decide(
    account_failures: Sequence[datetime],
    ip_failures: Sequence[datetime],
    now: datetime,
    account_policy: ThrottlePolicy = ACCOUNT_POLICY,
    ip_policy: ThrottlePolicy = IP_POLICY,
) -> Decision:
    """Return whether a login may be tried, from the failures of the account and of the IP."""
    account = locked_until(account_failures, now, account_policy)
    ip = locked_until(ip_failures, now, ip_policy)
    if account is None and ip is None:
        return Decision(allowed=True)
    until = max(t for t in (account, ip) if t is not None)
    reason = "te veel mislukte pogingen voor dit account" if account else "te veel mislukte "
    if account is None:
        reason += "pogingen vanaf dit adres"
    return Decision(allowed=False, until=until, reason=reason)


def login_allowed(session: Session, email: str, ip: str, now: datetime) -> Decision:
    """Return the throttling decision for a login of ``email`` from ``ip`` at ``now``."""
    since = now - max(ACCOUNT_POLICY.window, IP_POLICY.window) - ACCOUNT_POLICY.lockout
    failed = select(LoginAttempt.at).where(
        LoginAttempt.success.is_(False), LoginAttempt.at >= since
    )
    account = list(session.scalars(failed.where(LoginAttempt.email == email.strip().lower())))
    by_ip = list(session.scalars(failed.where(LoginAttempt.ip == ip)))
    return decide(_aware(account, now), _aware(by_ip, now), now)


ATTEMPTS_GATE = threading.Lock()
"""Taken by a web worker's threads around ``record_login``'s short transaction, so that
within a process they queue on this lock rather than on the database's (SQLite's busy
handler sleeps up to 100 ms between tries: forty waiters there form a convoy)."""


def lock_attempts(session: Session, email: str, ip: str) -> None:
    """Serialise the logins of one e-mail address (and of one address) until the
    transaction ends, so that the failures are counted and checked atomically: the next
    attempt waits, then sees this one's failure. Without it, N simultaneous wrong attempts
    all read the same count and a success could follow before the lockout took effect.

    PostgreSQL: transaction-scoped advisory locks, the e-mail's first (one order, so two
    logins cannot wait on each other). SQLite: a write statement takes the database's write
    lock, held until commit (the busy timeout bounds the wait)."""
    if session.get_bind().dialect.name == "postgresql":
        for key in (f"login:email:{email.strip().lower()}", f"login:ip:{ip}"):
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    else:
        session.execute(update(LoginAttempt).where(false()).values(success=False))


def note_attempt(session: Session, email: str, ip: str, success: bool, now: datetime) -> None:
    """Record a login attempt (the web layer calls this after every try)."""
    session.add(
        LoginAttempt(at=now, email=email.strip().lower()[:254], ip=ip[:64], success=success)
    )


def prune_attempts(session: Session, before: datetime) -> int:
    """Delete attempts older than ``before`` (they no longer count); return how many.
    Login attempts are bookkeeping, not register data, so deleting them is allowed."""
    old = session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at < before)
    )
    session.query(LoginAttempt).filter(LoginAttempt.at < before).delete()
    return old or 0


def _aware(times: list[datetime], now: datetime) -> list[datetime]:
    # SQLite returns naive datetimes; every stored time is UTC.
    return [t if t.tzinfo else t.replace(tzinfo=now.tzinfo) for t in times]
