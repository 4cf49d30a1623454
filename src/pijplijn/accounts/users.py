"""Users: create, list, disable, reset a password, authenticate. Changes are audited
(without the password hash)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.accounts.passwords import (
    check_policy,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password_bounded,
)
from pijplijn.accounts.rights import ROLES, Actor, Resource, Role, can
from pijplijn.accounts.throttle import lock_attempts, login_allowed, note_attempt
from pijplijn.errors import PijplijnError
from pijplijn.register.audit import now, record_change, snapshot
from pijplijn.register.errors import ForbiddenError, NotFoundError
from pijplijn.store.account_models import User
from pijplijn.store.register_models import Organisation

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}$")


class UserError(PijplijnError):
    """A user cannot be created or changed as asked."""


def actor_of(user: User) -> Actor:
    """Return the Actor for a logged-in user."""
    role: Role = user.role  # type: ignore[assignment]
    return Actor(label=user.email, role=role, user_id=user.id, organisation_id=user.organisation_id)


def create_user(
    session: Session,
    actor: Actor,
    email: str,
    password: str,
    role: str,
    name: str = "",
    organisation_id: int | None = None,
) -> User:
    """Add a user after checking the e-mail address, role, organisation and password
    policy; return it."""
    _require_manage(actor)
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"'{email}' is geen e-mailadres")
    if role not in ROLES:
        raise UserError(f"onbekende rol '{role}'; kies uit {', '.join(ROLES)}")
    if role == "redacteur" and organisation_id is None:
        raise UserError("een redacteur hoort bij een organisatie (--organisation ID)")
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None or organisation.archived_at is not None:
            raise UserError(f"organisatie {organisation_id} bestaat niet of is gearchiveerd")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"er is al een gebruiker {email}")
    check_policy(password, email)
    user = User(
        email=email,
        name=name.strip()[:200],
        role=role,
        organisation_id=organisation_id,
        password_hash=hash_password(password),
        disabled=False,
        failed_logins=0,
        created_at=now(),
        version=1,
    )
    session.add(user)
    session.flush()
    record_change(session, actor, "user", user.id, "create", None, snapshot(user))
    return user


def find_user(session: Session, email: str) -> User:
    """Return the user with this e-mail address; raise NotFoundError."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"geen gebruiker {email.strip().lower()}")
    return user


def list_users(session: Session) -> list[User]:
    """Return every user, by e-mail address."""
    return list(session.scalars(select(User).order_by(User.email)))


def set_disabled(session: Session, actor: Actor, user: User, disabled: bool) -> User:
    """Disable (or enable) an account; a disabled user cannot log in or use tokens, and the
    raised version ends its sessions."""
    _require_manage(actor)
    if user.disabled != disabled:
        before = snapshot(user)
        user.disabled = disabled
        user.version += 1
        session.flush()
        action = "archive" if disabled else "restore"
        record_change(session, actor, "user", user.id, action, before, snapshot(user))
    return user


def set_role(
    session: Session, actor: Actor, user: User, role: str, organisation_id: int | None
) -> User:
    """Change a user's role (and organisation); the raised version ends its sessions, so the
    new rights apply at once. Raises UserError for an unknown role or a redacteur without an
    organisation."""
    _require_manage(actor)
    if role not in ROLES:
        raise UserError(f"onbekende rol '{role}'; kies uit {', '.join(ROLES)}")
    if role == "redacteur" and organisation_id is None:
        raise UserError("een redacteur hoort bij een organisatie")
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None or organisation.archived_at is not None:
            raise UserError(f"organisatie {organisation_id} bestaat niet of is gearchiveerd")
    if (user.role, user.organisation_id) != (role, organisation_id):
        before = snapshot(user)
        user.role = role
        user.organisation_id = organisation_id
        user.version += 1
        session.flush()
        record_change(session, actor, "user", user.id, "update", before, snapshot(user))
    return user


def reset_password(session: Session, actor: Actor, user: User, password: str) -> User:
    """Set a new password (policy-checked), clear the lockout; the raised version ends the
    user's sessions."""
    if not (actor.user_id == user.id or can(actor, "manage", Resource(kind="user"))):
        raise ForbiddenError(f"{actor.label} mag het wachtwoord van {user.email} niet wijzigen")
    check_policy(password, user.email)
    before = snapshot(user)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.version += 1
    session.flush()
    record_change(session, actor, "user", user.id, "update", before, snapshot(user))
    return user


@dataclass(frozen=True)
class LoginResult:
    """A login's outcome: the user on success, else a reason fit to show (it does not say
    whether the account exists)."""

    user: User | None
    reason: str = ""
    retry_after: int | None = None
    """Seconds until the lockout ends, when the attempt was refused by the throttle."""


def authenticate(
    session: Session, email: str, password: str, ip: str, at: datetime | None = None
) -> LoginResult:
    """Check a login under the throttling policy and record the attempt, in ``session``'s
    transaction; return the result. ``check_login`` then ``record_login``."""
    return record_login(session, check_login(session.get_bind(), email, password, ip, at))


@dataclass(frozen=True)
class CheckedLogin:
    """A login attempt whose password was checked (``verified`` None: not checked, too many
    at once), not yet counted."""

    email: str
    ip: str
    at: datetime
    password_hash: str | None
    verified: bool | None
    locked: bool
    new_hash: str | None = None


def check_login(
    bind: Any, email: str, password: str, ip: str, at: datetime | None = None
) -> CheckedLogin:
    """The slow half of a login, holding no lock and no connection: a short look at the
    throttle and the stored hash, then argon2 (in a bounded number of slots). An address
    already locked out costs no argon2 at all."""
    at = at or now()
    email = email.strip().lower()[:254]
    with Session(bind) as look:
        locked = not login_allowed(look, email, ip, at).allowed
        stored = look.scalar(select(User.password_hash).where(User.email == email))
    if locked:
        return CheckedLogin(email, ip, at, stored, False, True)
    verified = verify_password_bounded(stored or dummy_hash(), password)
    rehash = hash_password(password) if verified and stored and needs_rehash(stored) else None
    return CheckedLogin(email, ip, at, stored, verified, False, rehash)


def record_login(session: Session, checked: CheckedLogin) -> LoginResult:
    """The quick half: count the failures, check them and record this attempt under
    ``lock_attempts``, in ``session``'s transaction (commit it promptly). Of N simultaneous
    attempts each sees those recorded before it, so none succeeds once the limit is
    reached: the lock is held for milliseconds, never for argon2."""
    email, ip, at = checked.email, checked.ip, checked.at
    lock_attempts(session, email, ip)
    refused = _throttled(session, email, ip, at)
    if refused is not None:
        return refused
    if checked.verified is None:
        # Not checked: too many logins at once. Counted as a failure, so a flood cannot
        # make the lockout miss attempts.
        note_attempt(session, email, ip, False, at)
        return LoginResult(None, BUSY, retry_after=VERIFY_RETRY)
    user = session.scalar(select(User).where(User.email == email))
    # A password changed since it was checked is not this one.
    ok = checked.verified and user is not None and user.password_hash == checked.password_hash
    ok = ok and user is not None and not user.disabled
    note_attempt(session, email, ip, ok, at)
    if not ok or user is None:
        if user is not None:
            user.failed_logins = User.failed_logins + 1
        return LoginResult(None, "onbekend e-mailadres of onjuist wachtwoord")
    if checked.new_hash:
        user.password_hash = checked.new_hash
    user.failed_logins = 0
    user.last_login_at = at
    return LoginResult(user)


def record_refused(session: Session, email: str, ip: str) -> None:
    """Count a login refused unchecked because too many ran at once (the web's login gate)
    as a failure of ``email`` from ``ip``, so that a flood of wrong attempts locks the
    account as surely as the same attempts one by one."""
    note_attempt(session, email, ip, False, now())


BUSY = "te veel inlogpogingen tegelijk; probeer het over een paar seconden opnieuw"
VERIFY_RETRY = 5
"""The Retry-After, in seconds, of a login refused because too many ran at once."""


def _throttled(session: Session, email: str, ip: str, at: datetime) -> LoginResult | None:
    """The refusal when the throttle blocks this login (the refused attempt is recorded
    too, so hammering a locked account keeps it locked), else None."""
    decision = login_allowed(session, email, ip, at)
    if decision.allowed:
        return None
    note_attempt(session, email, ip, False, at)
    wait = int((decision.until - at).total_seconds()) + 1 if decision.until else 60
    return LoginResult(None, f"{decision.reason}; probeer het later opnieuw", wait)


def _require_manage(actor: Actor) -> None:
    if not can(actor, "manage", Resource(kind="user")):
        raise ForbiddenError(f"{actor.label} ({actor.role}) mag geen gebruikers beheren")
