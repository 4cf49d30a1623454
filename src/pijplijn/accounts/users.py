"""Users: create, list, disable, reset a password, authenticate. Changes are audited
(without the password hash)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.accounts.passwords import (
    check_policy,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from pijplijn.accounts.rights import ROLES, Actor, Resource, Role, can
from pijplijn.accounts.throttle import login_allowed, note_attempt
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


def authenticate(
    session: Session, email: str, password: str, ip: str, at: datetime | None = None
) -> LoginResult:
    """Check a login under the throttling policy and record the attempt; return the result."""
    at = at or now()
    email = email.strip().lower()[:254]
    decision = login_allowed(session, email, ip, at)
    if not decision.allowed:
        note_attempt(session, email, ip, False, at)
        return LoginResult(None, f"{decision.reason}; probeer het later opnieuw")
    user = session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else dummy_hash(), password)
    ok = ok and user is not None and not user.disabled
    note_attempt(session, email, ip, ok, at)
    if not ok or user is None:
        if user is not None:
            user.failed_logins += 1
        return LoginResult(None, "onbekend e-mailadres of onjuist wachtwoord")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_login_at = at
    return LoginResult(user)


def _require_manage(actor: Actor) -> None:
    if not can(actor, "manage", Resource(kind="user")):
        raise ForbiddenError(f"{actor.label} ({actor.role}) mag geen gebruikers beheren")
