"""The authorisation matrix: every route of the app × every role (anonymous, lezer, redacteur
of the record's own organisation, redacteur of another organisation, beheerder), asserting
allow or deny. A route without an entry fails the test, so no endpoint can be added without
deciding who may use it.

Deny means 401 (API) or a redirect to the login page (pages) for anonymous, 403 for a
logged-in user. Allow means anything else: the request reached the handler (it may still be
refused as invalid input, 400, or as a stale version, 409, which these requests provoke on
purpose so that nothing is changed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from admin_helpers import EMAILS, PASSWORD, World, log_in, login_attempt, world_fixture
from conftest import _fresh_url
from pijplijn.accounts.rights import SYSTEM
from pijplijn.accounts.tokens import create_token
from pijplijn.accounts.users import create_user, find_user
from pijplijn.store.db import session_scope
from pijplijn.store.register_models import AuditRecord
from pijplijn.web.negotiate import page_paths

ROLES = ("anonymous", "lezer", "redacteur_own", "redacteur_other", "beheerder")
EVERYONE = frozenset(ROLES)
LOGGED_IN = frozenset(ROLES[1:])
BEHEERDER = frozenset({"beheerder"})
OWN_ORG = frozenset({"redacteur_own", "beheerder"})
"""The record (organisation A's participation, redacteur_own's token) is theirs."""
EDITORS = frozenset({"redacteur_own", "redacteur_other", "beheerder"})
"""Creating or uploading participation for one's own organisation: any redacteur."""

PUBLIC = "public"
MATRIX: dict[tuple[str, str], frozenset[str] | str] = {
    # The public monitor: pages and read-only API, open to everyone.
    ("GET", "/"): PUBLIC,
    ("GET", "/bronnen"): PUBLIC,
    ("GET", "/pijplijn"): PUBLIC,
    ("GET", "/doelen"): PUBLIC,
    ("GET", "/indicatoren"): PUBLIC,
    ("GET", "/indicatoren/{indicator_id}"): PUBLIC,
    ("GET", "/scenarios"): PUBLIC,
    ("GET", "/arbeidsmarkt"): PUBLIC,
    ("GET", "/api/v1/labour"): PUBLIC,
    ("GET", "/api/v1/pipeline"): PUBLIC,
    ("GET", "/api/v1/overview"): PUBLIC,
    ("GET", "/gemeenten/{name}"): PUBLIC,
    ("GET", "/gemeenten/{name}.json"): PUBLIC,
    ("GET", "/partners/{organisation}"): PUBLIC,
    ("GET", "/partners/{organisation}.json"): PUBLIC,
    ("GET", "/instellingen/{brin}"): PUBLIC,
    ("GET", "/instellingen/{brin}.json"): PUBLIC,
    ("GET", "/api/v1/labour/demand"): PUBLIC,
    ("GET", "/api/v1/labour/coverage"): PUBLIC,
    ("GET", "/api/v1/labour/occupations"): PUBLIC,
    ("GET", "/scenarios/scenario.yaml"): PUBLIC,
    # Embeds of the public charts (and their SVG/PNG): public like the pages they come from.
    ("GET", "/embed/indicatoren/{indicator_id}/{chart}"): PUBLIC,
    ("GET", "/embed/pijplijn/{chart}"): PUBLIC,
    ("GET", "/embed/arbeidsmarkt/{chart}"): PUBLIC,
    ("GET", "/embed/scenarios/{chart}"): PUBLIC,
    ("GET", "/embed/doelen/{goal}"): PUBLIC,
    # Saving a scenario (a new version): the editors and the programme office.
    ("POST", "/scenarios/bewaren"): EDITORS,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/api/v1/datasets"): PUBLIC,
    ("GET", "/api/v1/regions"): PUBLIC,
    ("GET", "/api/v1/classifications"): PUBLIC,
    ("GET", "/api/v1/observations"): PUBLIC,
    ("GET", "/api/v1/indicators"): PUBLIC,
    ("GET", "/api/v1/indicators/{indicator_id}"): PUBLIC,
    ("GET", "/api/v1/indicators/{indicator_id}/values"): PUBLIC,
    ("GET", "/api/v1/indicators/{indicator_id}/gemeenten"): PUBLIC,
    ("GET", "/api/v1/indicators/{indicator_id}/benchmark"): PUBLIC,
    ("GET", "/api/v1/goals"): PUBLIC,
    ("GET", "/api/v1/goals/{goal_id}"): PUBLIC,
    ("GET", "/api/v1/scenarios"): PUBLIC,
    ("GET", "/api/v1/projections"): PUBLIC,
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/static/vega-embed.js"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/static/swagger-ui"): PUBLIC,
    ("GET", "/inloggen"): PUBLIC,
    ("POST", "/inloggen"): PUBLIC,
    # The user's own account.
    ("GET", "/account"): LOGGED_IN,
    ("POST", "/account/tokens"): LOGGED_IN,
    ("POST", "/account/tokens/{token_id:int}/intrekken"): OWN_ORG,
    ("POST", "/uitloggen"): LOGGED_IN,
    # The register: read by every role; organisations and projects edited by the beheerder.
    ("GET", "/beheer"): LOGGED_IN,
    ("GET", "/beheer/organisaties"): LOGGED_IN,
    ("GET", "/beheer/organisaties/nieuw"): BEHEERDER,
    ("POST", "/beheer/organisaties"): BEHEERDER,
    ("GET", "/beheer/organisaties/{record_id:int}"): BEHEERDER,
    ("POST", "/beheer/organisaties/{record_id:int}"): BEHEERDER,
    ("POST", "/beheer/organisaties/{record_id:int}/archiveren"): BEHEERDER,
    ("POST", "/beheer/organisaties/{record_id:int}/herstellen"): BEHEERDER,
    ("GET", "/beheer/projecten"): LOGGED_IN,
    ("GET", "/beheer/projecten/nieuw"): BEHEERDER,
    ("POST", "/beheer/projecten"): BEHEERDER,
    ("GET", "/beheer/projecten/{record_id:int}"): BEHEERDER,
    ("POST", "/beheer/projecten/{record_id:int}"): BEHEERDER,
    ("POST", "/beheer/projecten/{record_id:int}/archiveren"): BEHEERDER,
    ("POST", "/beheer/projecten/{record_id:int}/herstellen"): BEHEERDER,
    # Participation: a redacteur edits its own organisation's, never another's; only the
    # beheerder restores from the archive.
    ("GET", "/beheer/deelname"): LOGGED_IN,
    ("GET", "/beheer/deelname/nieuw"): EDITORS,
    ("POST", "/beheer/deelname"): EDITORS,
    ("GET", "/beheer/deelname/{record_id:int}"): OWN_ORG,
    ("POST", "/beheer/deelname/{record_id:int}"): OWN_ORG,
    ("POST", "/beheer/deelname/{record_id:int}/archiveren"): OWN_ORG,
    ("POST", "/beheer/deelname/{record_id:int}/herstellen"): BEHEERDER,
    ("GET", "/beheer/deelname/upload"): EDITORS,
    ("GET", "/beheer/deelname/sjabloon.csv"): EDITORS,
    ("POST", "/beheer/deelname/upload"): EDITORS,
    ("POST", "/beheer/deelname/upload/{upload_id}/bevestigen"): EDITORS,
    ("POST", "/api/v1/register/participation"): OWN_ORG,
    # DUO/CBS uploads, users and the audit trail: the beheerder only.
    ("GET", "/beheer/bestanden"): BEHEERDER,
    ("POST", "/beheer/bestanden"): BEHEERDER,
    ("POST", "/beheer/bestanden/{upload_id}/bevestigen"): BEHEERDER,
    ("GET", "/beheer/gebruikers"): BEHEERDER,
    ("POST", "/beheer/gebruikers"): BEHEERDER,
    ("POST", "/beheer/gebruikers/{user_id:int}/uitschakelen"): BEHEERDER,
    ("POST", "/beheer/gebruikers/{user_id:int}/inschakelen"): BEHEERDER,
    ("POST", "/beheer/gebruikers/{user_id:int}/rol"): BEHEERDER,
    # The programme office's own goals (issue 18): the beheerder only.
    ("GET", "/beheer/doelen"): BEHEERDER,
    ("GET", "/beheer/doelen/nieuw"): BEHEERDER,
    ("POST", "/beheer/doelen"): BEHEERDER,
    ("GET", "/beheer/doelen/{goal_id}"): BEHEERDER,
    ("POST", "/beheer/doelen/{goal_id}"): BEHEERDER,
    ("POST", "/beheer/doelen/{goal_id}/archiveren"): BEHEERDER,
    ("POST", "/beheer/doelen/{goal_id}/herstellen"): BEHEERDER,
    ("GET", "/beheer/audit"): BEHEERDER,
    ("POST", "/beheer/audit/{audit_id:int}/terugzetten"): BEHEERDER,
}
PAGES_AS_DATA = (
    "/", "/bronnen", "/pijplijn", "/doelen", "/indicatoren", "/indicatoren/{indicator_id}",
    "/scenarios", "/arbeidsmarkt",
)  # fmt: skip
"""Public pages that are also their view as JSON and their tables as CSV and XLSX
(``negotiate.page_route``: ``PAGE.json``, ``PAGE.csv``, ``PAGE.xlsx``): public as well."""
MATRIX |= {("GET", path): PUBLIC for page in PAGES_AS_DATA for path in page_paths(page)[:-1]}


def app_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, included routers and mounts too."""
    try:
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:  # FastAPI before included routers were kept lazily
        routes = list(app.routes)
    found: set[tuple[str, str]] = set()
    for route in routes:
        methods = set(getattr(route, "methods", None) or {"GET"}) - {"HEAD"}
        found.update((method, route.path) for method in methods)
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("matrix")
    yield from world_fixture(_fresh_url(folder), folder / "uploads")


def test_every_route_has_an_entry_and_every_entry_a_route(world: World) -> None:
    with world.client() as client:
        served = app_routes(client.app)
    assert sorted(served - MATRIX.keys()) == [], "routes without an entry in MATRIX"
    assert sorted(MATRIX.keys() - served) == [], "entries for routes that do not exist"


@pytest.fixture(scope="module")
def params(world: World) -> dict[str, str]:
    """Path parameters: records of organisation A, redacteur_own's token, a user to act on."""
    with session_scope(world.engine) as session:
        victim = create_user(session, SYSTEM, "slachtoffer@example.nl", PASSWORD, "lezer")
        owner = find_user(session, EMAILS["redacteur_own"])
        token = create_token(session, owner, "matrix").token
        audit = session.scalar(
            select(AuditRecord.id).where(
                AuditRecord.entity == "participation",
                AuditRecord.entity_id == str(world.participation_a),
            )
        )
        return {
            "chart": "series",
            "goal": "tt-bedrijvenparticipatie-register",
            "user_id": str(victim.id),
            "token_id": str(token.id),
            "audit_id": str(audit),
            "upload_id": "onbekend" * 4,
            "indicator_id": "mbo-techniek-studenten",
            "goal_id": "tt-bedrijvenparticipatie-register",
            "name": "Enschede",
            "organisation": "onbekend",
            "brin": "27YU",
        }


def _url(path: str, world: World, params: dict[str, str]) -> str:
    record = {
        "organisaties": world.org_a,
        "projecten": world.project,
        "deelname": world.participation_a,
    }
    for segment, record_id in record.items():
        path = path.replace(f"/{segment}/{{record_id:int}}", f"/{segment}/{record_id}")
    for name, value in params.items():
        path = path.replace(f"{{{name}:int}}", value).replace(f"{{{name}}}", value)
    assert "{" not in path, path
    mounts = {
        "/static": "/static/style.css",
        "/static/swagger-ui": "/static/swagger-ui/swagger-ui.css",
    }
    return mounts.get(path, path)


def _request(
    client: TestClient, method: str, url: str, csrf: str, world: World, token: str | None
) -> httpx.Response:
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if url.startswith("/api/"):
        body = {"organisation_id": world.org_a, "project_id": world.project, "period": "2020"}
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.post(url, json=body, headers=headers, follow_redirects=False)
    # A valid CSRF token and a stale version: the handler is reached, nothing changes.
    return client.post(url, data={"csrf": csrf, "expected_version": "0"}, follow_redirects=False)


def _denied(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 303 and response.headers["location"].startswith("/inloggen")


@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix(world: World, params: dict[str, str], role: str) -> None:
    failures: list[str] = []
    with world.client() as client:
        csrf, token = "", None
        if role != "anonymous":
            csrf = log_in(client, EMAILS[role])
            token = client.post("/account/tokens", data={"csrf": csrf, "name": "api"}).text
            token = token.split('<code class="secret">')[1].split("</code>")[0]
        # Logging out ends the session: it goes last.
        for method, path in sorted(MATRIX, key=lambda k: k[1] == "/uitloggen"):
            allowed = MATRIX[(method, path)]
            expected = True if allowed == PUBLIC else role in allowed
            if path == "/inloggen" and method == "POST":
                # The login form is open to all (with its own CSRF cookie), from a new browser.
                with world.client() as fresh:
                    response = login_attempt(fresh, EMAILS["lezer"], PASSWORD)
            else:
                url = _url(path, world, params)
                response = _request(client, method, url, csrf, world, token)
            assert response.status_code < 500, (method, path, response.text[:300])
            if _denied(response) == expected:
                failures.append(
                    f"{method} {path}: {'allowed' if expected else 'denied'} expected, "
                    f"got {response.status_code}"
                )
    assert failures == []
