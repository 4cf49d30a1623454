"""Accounts core: the rights table, password policy and hashing, API tokens, throttling,
signed sessions, and the users CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from pijplijn.accounts.passwords import (
    MIN_LENGTH,
    common_passwords,
    hash_password,
    policy_problem,
    verify_password,
)
from pijplijn.accounts.rights import SYSTEM, Action, Actor, Resource, ResourceKind, can
from pijplijn.accounts.sessions import csrf_matches, new_session, read_session, sign_session
from pijplijn.accounts.throttle import ThrottlePolicy, decide, locked_until
from pijplijn.accounts.tokens import create_token, revoke_token, token_hash, verify_token
from pijplijn.accounts.users import authenticate, create_user, find_user, set_disabled
from pijplijn.content.loader import load_pack
from pijplijn.store.account_models import ApiToken, User
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.setup import initialise

BEHEERDER = Actor(label="b@x.nl", role="beheerder", user_id=1)
REDACTEUR = Actor(label="r@x.nl", role="redacteur", user_id=2, organisation_id=10)
LEZER = Actor(label="l@x.nl", role="lezer", user_id=3)
ACTORS: dict[str, Actor | None] = {
    "beheerder": BEHEERDER,
    "redacteur": REDACTEUR,
    "lezer": LEZER,
    "anoniem": None,
}
OWN, OTHER = 10, 11

# (actor, action, resource kind, organisation) → allowed. The full table of docs/accounts.md.
EXPECTED: list[tuple[str, Action, ResourceKind, int | None, bool]] = []
for kind in ("organisation", "project", "participation"):
    EXPECTED += [
        ("beheerder", "read", kind, None, True),  # type: ignore[list-item]
        ("redacteur", "read", kind, None, True),  # type: ignore[list-item]
        ("lezer", "read", kind, None, True),  # type: ignore[list-item]
        ("anoniem", "read", kind, None, False),  # type: ignore[list-item]
    ]
for action in ("create", "edit", "archive", "upload"):
    EXPECTED += [
        ("beheerder", action, "participation", OTHER, True),  # type: ignore[list-item]
        ("redacteur", action, "participation", OWN, True),  # type: ignore[list-item]
        ("redacteur", action, "participation", OTHER, False),  # type: ignore[list-item]
        ("redacteur", action, "participation", None, False),  # type: ignore[list-item]
        ("lezer", action, "participation", OWN, False),  # type: ignore[list-item]
        ("anoniem", action, "participation", OWN, False),  # type: ignore[list-item]
    ]
for action in ("restore", "revert"):
    EXPECTED += [
        ("beheerder", action, "participation", OWN, True),  # type: ignore[list-item]
        ("redacteur", action, "participation", OWN, False),  # type: ignore[list-item]
    ]
for kind in ("organisation", "project"):
    for action in ("create", "edit", "archive"):
        EXPECTED += [
            ("beheerder", action, kind, None, True),  # type: ignore[list-item]
            ("redacteur", action, kind, OWN, False),  # type: ignore[list-item]
            ("lezer", action, kind, None, False),  # type: ignore[list-item]
        ]
for kind in ("dataset", "user", "audit"):
    for action in ("read", "upload", "manage"):
        EXPECTED += [
            ("beheerder", action, kind, None, True),  # type: ignore[list-item]
            ("redacteur", action, kind, OWN, False),  # type: ignore[list-item]
            ("lezer", action, kind, None, False),  # type: ignore[list-item]
            ("anoniem", action, kind, None, False),  # type: ignore[list-item]
        ]
# Scenarios: saving one (a new version) is for redacteur and beheerder; nothing else.
EXPECTED += [
    ("beheerder", "create", "scenario", None, True),
    ("redacteur", "create", "scenario", None, True),
    ("lezer", "create", "scenario", None, False),
    ("anoniem", "create", "scenario", None, False),
    ("redacteur", "edit", "scenario", None, False),  # a version of a name saved by the CLI
    ("redacteur", "edit", "scenario", OWN, True),  # a version of its organisation's name
    ("redacteur", "edit", "scenario", OTHER, False),  # of another's: no take-over
    ("beheerder", "edit", "scenario", OTHER, True),
    ("lezer", "edit", "scenario", OWN, False),
    ("redacteur", "archive", "scenario", None, False),
    ("lezer", "read", "scenario", None, False),  # reading is public, not a right
]


@pytest.mark.parametrize(("who", "action", "kind", "organisation", "allowed"), EXPECTED)
def test_rights_table(
    who: str, action: Action, kind: ResourceKind, organisation: int | None, allowed: bool
) -> None:
    resource = Resource(kind=kind, organisation_id=organisation)
    assert can(ACTORS[who], action, resource) is allowed


@pytest.mark.parametrize("who", ["beheerder", "redacteur", "lezer"])
def test_tokens_are_managed_by_their_owner_only(who: str) -> None:
    actor = ACTORS[who]
    assert actor is not None
    assert can(actor, "manage", Resource(kind="token", owner_user_id=actor.user_id))
    other = Resource(kind="token", owner_user_id=99)
    assert can(actor, "manage", other) is (who == "beheerder")
    assert not can(None, "manage", Resource(kind="token", owner_user_id=None))


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("kort", "te kort"),
        ("a" * (MIN_LENGTH - 1), "te kort"),
        ("password1234", "veelgebruikte"),
        ("Wachtwoord123", "veelgebruikte"),
        ("aaaaaaaaaaaaab", "verschillende tekens"),
        ("x" * 257, "te lang"),
        ("jan.jansen@example.nl", "e-mailadres"),
        ("paarse olifant op de fiets", None),
    ],
)
def test_password_policy(password: str, problem: str | None) -> None:
    found = policy_problem(password, "jan.jansen@example.nl")
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_common_password_list_is_bundled() -> None:
    assert {"123456", "password", "welkom123", "wachtwoord"} <= common_passwords()


def test_password_hash_is_argon2_and_verifies() -> None:
    stored = hash_password("paarse olifant op de fiets")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "paarse olifant op de fiets")
    assert not verify_password(stored, "paarse olifant op de fietS")
    assert not verify_password("geen hash", "paarse olifant op de fiets")


T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(limit=3, window=timedelta(minutes=10), lockout=timedelta(minutes=5))


def test_throttle_locks_after_the_limit_within_the_window() -> None:
    failures = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    assert locked_until(failures[:2], T0 + timedelta(minutes=2), POLICY) is None
    until = locked_until(failures, T0 + timedelta(minutes=3), POLICY)
    assert until == T0 + timedelta(minutes=7)
    assert locked_until(failures, T0 + timedelta(minutes=7, seconds=1), POLICY) is None


def test_throttle_ignores_failures_spread_beyond_the_window() -> None:
    spread = [T0, T0 + timedelta(minutes=11), T0 + timedelta(minutes=22)]
    assert locked_until(spread, T0 + timedelta(minutes=23), POLICY) is None


def test_throttle_per_ip_blocks_other_accounts_too() -> None:
    failures = [T0 + timedelta(seconds=i) for i in range(3)]
    now = T0 + timedelta(minutes=1)
    by_ip = decide([], failures, now, POLICY, POLICY)
    by_account = decide(failures, [], now, POLICY, POLICY)
    assert not by_ip.allowed and "adres" in by_ip.reason
    assert not by_account.allowed and "account" in by_account.reason
    assert decide([], [], now, POLICY, POLICY).allowed


def test_session_is_signed_and_expires() -> None:
    data = new_session(user_id=5, user_version=2)
    value = sign_session("geheim", data)
    assert read_session("geheim", value) == data
    assert read_session("ander geheim", value) is None
    assert read_session("geheim", value[:-2] + "xx") is None
    assert read_session("geheim", value, max_age=-1) is None
    assert new_session(5, 2).session_id != data.session_id
    assert (
        csrf_matches(data, data.csrf)
        and not csrf_matches(data, "x")
        and not csrf_matches(data, None)
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=False)
    yield engine
    engine.dispose()


PASSWORD = "paarse olifant op de fiets"


def test_tokens_are_stored_hashed_and_revocable(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = create_user(session, SYSTEM, "l@example.nl", PASSWORD, "lezer")
        made = create_token(session, user, "script")
        secret, token_id = made.secret, made.token.id
    with session_scope(engine) as session:
        stored = session.get(ApiToken, token_id)
        assert stored is not None and stored.token_hash == token_hash(secret)
        assert secret not in {stored.token_hash, stored.prefix, stored.name}
        found = verify_token(session, secret)
        assert found is not None and found.email == "l@example.nl"
        assert verify_token(session, secret + "x") is None
        revoke_token(session, token_id)
    with session_scope(engine) as session:
        assert verify_token(session, secret) is None


def test_disabled_user_cannot_log_in_or_use_tokens(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = create_user(session, SYSTEM, "l@example.nl", PASSWORD, "lezer")
        secret = create_token(session, user, "t").secret
    with session_scope(engine) as session:
        user = find_user(session, "l@example.nl")
        assert authenticate(session, "L@example.nl ", PASSWORD, "10.0.0.1").user is not None
        set_disabled(session, SYSTEM, user, True)
        assert user.version == 2
    with session_scope(engine) as session:
        assert authenticate(session, "l@example.nl", PASSWORD, "10.0.0.1").user is None
        assert verify_token(session, secret) is None


def test_login_throttling_from_the_store(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_user(session, SYSTEM, "l@example.nl", PASSWORD, "lezer")
    for attempt in range(5):
        with session_scope(engine) as session:
            at = T0 + timedelta(seconds=attempt)
            assert authenticate(session, "l@example.nl", "fout", "10.0.0.1", at).user is None
    with session_scope(engine) as session:
        locked = authenticate(
            session, "l@example.nl", PASSWORD, "10.0.0.2", T0 + timedelta(minutes=1)
        )
        assert locked.user is None and "te veel" in locked.reason
        later = T0 + timedelta(minutes=16)
        assert authenticate(session, "l@example.nl", PASSWORD, "10.0.0.2", later).user is not None
        assert find_user(session, "l@example.nl").failed_logins == 0


def test_users_cli_add_list_disable_reset(database_url: str) -> None:
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=False)

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pijplijn", *args, "--database", database_url]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)

    added = run(
        "users",
        "add",
        "B@Example.nl",
        "--role",
        "beheerder",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    weak = run("users", "add", "x@example.nl", "--password-stdin", stdin="welkom123\n")
    assert weak.returncode == 2 and "te kort" in weak.stderr and "Traceback" not in weak.stderr
    redacteur = run(
        "users",
        "add",
        "r@example.nl",
        "--role",
        "redacteur",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert redacteur.returncode == 2 and "organisatie" in redacteur.stderr
    assert run("users", "disable", "b@example.nl").returncode == 0
    listed = run("users", "list", "--format", "json")
    assert '"disabled": true' in listed.stdout and "argon2" not in listed.stdout
    reset = run(
        "users",
        "reset-password",
        "b@example.nl",
        "--password-stdin",
        stdin="nieuw wachtwoord van mij\n",
    )
    assert reset.returncode == 0, reset.stderr
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.email == "b@example.nl"))
        assert user is not None and verify_password(user.password_hash, "nieuw wachtwoord van mij")
    engine.dispose()
