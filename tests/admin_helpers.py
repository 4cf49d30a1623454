"""Shared builders for the web tests of accounts, the register forms and uploads: a demo
store with two organisations, one user per role, and logging in through the real form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pijplijn.accounts.rights import SYSTEM
from pijplijn.accounts.sessions import read_session
from pijplijn.accounts.users import create_user
from pijplijn.content.loader import load_pack
from pijplijn.register import service
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.setup import initialise
from pijplijn.web.app import create_app
from register_helpers import HTSM_COMPANY, SCHOOL, project_id

PASSWORD = "paarse olifant op de fiets"
SECRET = "test-secret-key-for-the-web-tests-0123456789"
EMAILS = {
    "beheerder": "beheer@example.nl",
    "lezer": "lezer@example.nl",
    "redacteur_own": "redactie-a@example.nl",
    "redacteur_other": "redactie-b@example.nl",
}


@dataclass
class World:
    """A store for web tests: organisation A (an HTSM company) owns a participation record;
    redacteur_own edits for A, redacteur_other for B."""

    url: str
    engine: Engine
    org_a: int
    org_b: int
    project: int
    participation_a: int
    user_ids: dict[str, int]
    upload_dir: Path

    def settings(self, **changes: object) -> Settings:
        values: dict[str, object] = {
            "database_url": self.url,
            "secret_key": SECRET,
            "upload_dir": self.upload_dir,
            **changes,
        }
        return Settings(**values)  # type: ignore[arg-type]

    def client(self, **changes: object) -> TestClient:
        return TestClient(create_app(self.settings(**changes)))


def build_world(url: str, upload_dir: Path) -> World:
    """Initialise the demo store at ``url`` and add the organisations, users and one
    participation record through the services."""
    engine = open_engine(url)
    initialise(engine, load_pack("twente"), demo=True)
    project = project_id(engine, "jetnet")
    with session_scope(engine) as session:
        org_a = service.create(session, SYSTEM, "organisation", dict(HTSM_COMPANY)).id
        org_b = service.create(session, SYSTEM, "organisation", dict(SCHOOL)).id
        participation = service.create(
            session,
            SYSTEM,
            "participation",
            {"organisation_id": org_a, "project_id": project, "period": "2023", "pupils": 40},
        ).id
        ids = {
            "beheerder": create_user(session, SYSTEM, EMAILS["beheerder"], PASSWORD, "beheerder"),
            "lezer": create_user(session, SYSTEM, EMAILS["lezer"], PASSWORD, "lezer"),
            "redacteur_own": create_user(
                session, SYSTEM, EMAILS["redacteur_own"], PASSWORD, "redacteur", "", org_a
            ),
            "redacteur_other": create_user(
                session, SYSTEM, EMAILS["redacteur_other"], PASSWORD, "redacteur", "", org_b
            ),
        }
        user_ids = {role: user.id for role, user in ids.items()}
    return World(url, engine, org_a, org_b, project, participation, user_ids, upload_dir)


def world_fixture(url_iter: Iterator[str], upload_dir: Path) -> Iterator[World]:
    for url in url_iter:
        world = build_world(url, upload_dir)
        yield world
        world.engine.dispose()


_LOGIN_CSRF = re.compile(
    r'action="/inloggen"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)"'
)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the login form; return the session's CSRF token. Raises when the
    login fails."""
    response = login_attempt(client, email, password)
    assert response.status_code == 303, response.text[:500]
    return csrf_of(client)


def login_attempt(client: TestClient, email: str, password: str) -> httpx.Response:
    """Post the login form (with its own CSRF token) and return the response."""
    form = client.get("/inloggen")
    token = _LOGIN_CSRF.search(form.text)
    assert token is not None
    return client.post(
        "/inloggen",
        data={"email": email, "password": password, "csrf": token.group(1), "next": "/beheer"},
        follow_redirects=False,
    )


def csrf_of(client: TestClient) -> str:
    """Return the CSRF token of the client's current session."""
    data = read_session(SECRET, client.cookies["pijplijn_session"])
    assert data is not None
    return data.csrf
