"""Password policy and hashing (argon2id through argon2-cffi)."""

from __future__ import annotations

import functools
import threading
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pijplijn.errors import PijplijnError

MIN_LENGTH = 12
"""Characters; long passphrases beat complexity rules (NIST SP 800-63B)."""
MAX_LENGTH = 256
"""Bounds the hashing work one request can cause."""

_HASHER = PasswordHasher()


class PasswordPolicyError(PijplijnError):
    """A new password is too short, too long or too common."""


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the bundled list of common passwords, lower case."""
    text = resources.files("pijplijn.accounts").joinpath("data/common-passwords.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def policy_problem(password: str, email: str = "") -> str | None:
    """Return why ``password`` is not allowed (Dutch, one line), or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"het wachtwoord is te kort: minstens {MIN_LENGTH} tekens"
    if len(password) > MAX_LENGTH:
        return f"het wachtwoord is te lang: hoogstens {MAX_LENGTH} tekens"
    lowered = password.lower()
    if lowered in common_passwords():
        return "dit wachtwoord staat op de lijst van veelgebruikte wachtwoorden"
    if email and lowered in {email.lower(), email.lower().split("@")[0]}:
        return "het wachtwoord mag niet gelijk zijn aan het e-mailadres"
    if len(set(password)) < 4:
        return "het wachtwoord heeft te weinig verschillende tekens"
    return None


def check_policy(password: str, email: str = "") -> None:
    """Raise PasswordPolicyError when ``password`` breaks the policy."""
    problem = policy_problem(password, email)
    if problem is not None:
        raise PasswordPolicyError(problem)


def hash_password(password: str) -> str:
    """Return the argon2id hash (PHC string) of ``password``."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Return True when ``password`` matches ``stored_hash``; never raises for a mismatch."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


VERIFY_SLOTS = 2
"""Password checks running at once per process: each takes argon2's 64 MiB and a core
for most of a second, so forty simultaneous logins would take gigabytes and every core."""
VERIFY_WAIT = 3.0
"""Seconds a login waits for a free slot; then it is refused as "too many at once"."""
_SLOTS = threading.BoundedSemaphore(VERIFY_SLOTS)


def verify_password_bounded(stored_hash: str, password: str) -> bool | None:
    """``verify_password`` in one of VERIFY_SLOTS slots; None when no slot came free within
    VERIFY_WAIT seconds (the password was not checked)."""
    if not _SLOTS.acquire(timeout=VERIFY_WAIT):
        return None
    try:
        return verify_password(stored_hash, password)
    finally:
        _SLOTS.release()


def needs_rehash(stored_hash: str) -> bool:
    """Return True when the hash was made with weaker parameters than the current ones."""
    return _HASHER.check_needs_rehash(stored_hash)


@functools.cache
def dummy_hash() -> str:
    """The hash verified against for unknown accounts, so a login takes as long whether or
    not the account exists. Computed on first use, not at import: a real argon2 hash costs
    about 0.1 s, which every command would otherwise pay at start-up."""
    return _HASHER.hash("pijplijn-dummy-password-for-timing")
