"""Login, sessions, CSRF, throttling, API tokens and escaping, through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from admin_helpers import (
    EMAILS,
    PASSWORD,
    SECRET,
    World,
    csrf_of,
    log_in,
    login_attempt,
    world_fixture,
)
from conftest import _fresh_url
from pijplijn.accounts.rights import SYSTEM
from pijplijn.accounts.sessions import read_session
from pijplijn.accounts.users import find_user, reset_password
from pijplijn.register import service
from pijplijn.store.account_models import LoginAttempt
from pijplijn.store.db import session_scope
from pijplijn.store.register_models import AuditRecord, Organisation, Participation


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("auth")
    yield from world_fixture(_fresh_url(folder), folder / "uploads")


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with world.client() as test_client:
        yield test_client


def _count(world: World, model: type) -> int:
    with session_scope(world.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_login_sets_a_hardened_cookie_with_a_new_session_id(client: TestClient) -> None:
    first_csrf = log_in(client, EMAILS["lezer"])
    cookie = next(c for c in client.cookies.jar if c.name == "pijplijn_session")
    header = client.post  # keep the type checker quiet about unused names
    del header
    first = client.cookies["pijplijn_session"]
    # Log in again in the same browser: a new session id and CSRF secret, so a session id
    # planted before login (fixation) is never the one that ends up logged in.
    response = login_attempt(client, EMAILS["lezer"], PASSWORD)
    set_cookie = response.headers["set-cookie"]
    assert (
        "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Max-Age=28800" in set_cookie
    )
    second = client.cookies["pijplijn_session"]
    assert second != first
    one, two = read_session(SECRET, first), read_session(SECRET, second)
    assert one is not None and two is not None
    assert one.session_id != two.session_id and one.csrf != two.csrf == csrf_of(client)
    assert first_csrf == one.csrf
    assert cookie.has_nonstandard_attr("HttpOnly") or "HttpOnly" in set_cookie


def test_cookie_is_secure_over_https(world: World) -> None:
    with TestClient(world.client().app, base_url="https://testserver") as https:
        response = login_attempt(https, EMAILS["lezer"], PASSWORD)
        assert "Secure" in response.headers["set-cookie"]


def test_a_planted_or_forged_cookie_is_not_a_login(client: TestClient) -> None:
    client.cookies.set("pijplijn_session", "forged.value.here")
    response = client.get("/beheer", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/inloggen")


def test_csrf_missing_or_wrong_gives_403_and_writes_nothing(
    client: TestClient, world: World
) -> None:
    csrf = log_in(client, EMAILS["beheerder"])
    before = _count(world, Organisation), _count(world, AuditRecord)
    form = {"name": "Zonder token B.V.", "kind": "ondernemers"}
    assert client.post("/beheer/organisaties", data=form).status_code == 403
    wrong = client.post("/beheer/organisaties", data={**form, "csrf": csrf[::-1]})
    assert wrong.status_code == 403
    assert "CSRF" in wrong.text
    # Another session's token does not fit this session either.
    with TestClient(client.app) as other:
        other_csrf = log_in(other, EMAILS["beheerder"])
    assert client.post("/beheer/organisaties", data={**form, "csrf": other_csrf}).status_code == 403
    assert (_count(world, Organisation), _count(world, AuditRecord)) == before
    # The login form and logout are forms too.
    assert client.post("/uitloggen", data={}).status_code == 403
    assert (
        client.post("/inloggen", data={"email": EMAILS["lezer"], "password": PASSWORD}).status_code
        == 403
    )
    ok = client.post("/beheer/organisaties", data={**form, "csrf": csrf}, follow_redirects=False)
    assert ok.status_code == 303
    assert _count(world, Organisation) == before[0] + 1


def test_brute_force_is_throttled_through_the_login_form(world: World) -> None:
    with world.client() as client:
        email = EMAILS["redacteur_other"]
        for _ in range(5):
            response = login_attempt(client, email, "verkeerd wachtwoord 123")
            assert response.status_code == 401
            assert "onbekend e-mailadres of onjuist wachtwoord" in response.text
        # The right password is refused now: the account is locked for 15 minutes.
        locked = login_attempt(client, email, PASSWORD)
        assert locked.status_code == 429
        assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
        assert "te veel mislukte pogingen" in locked.text
        assert "pijplijn_session" not in client.cookies
    with session_scope(world.engine) as session:
        failures = session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.email == email, LoginAttempt.success.is_(False))
        )
    assert failures == 6


def test_a_password_reset_ends_existing_sessions(world: World) -> None:
    with world.client() as client:
        log_in(client, EMAILS["lezer"])
        assert client.get("/beheer").status_code == 200
        with session_scope(world.engine) as session:
            user = find_user(session, EMAILS["lezer"])
            reset_password(session, SYSTEM, user, PASSWORD)  # same password, new version
        response = client.get("/beheer", follow_redirects=False)
        assert response.status_code == 303 and "/inloggen" in response.headers["location"]


def test_logout_ends_the_session_even_for_a_copied_cookie(world: World) -> None:
    with world.client() as client:
        csrf = log_in(client, EMAILS["lezer"])
        copied = client.cookies["pijplijn_session"]
        out = client.post("/uitloggen", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303
        client.cookies.set("pijplijn_session", copied)
        assert client.get("/beheer", follow_redirects=False).status_code == 303


def test_login_redirect_stays_on_this_site(client: TestClient) -> None:
    response = client.get("/beheer/deelname", follow_redirects=False)
    assert response.headers["location"] == "/inloggen?next=/beheer/deelname"
    for evil in ("//evil.example/", "/\\evil.example", "/\t/evil.example", "https://evil.example"):
        page = client.get("/inloggen", params={"next": evil})
        assert 'name="next" value="/beheer"' in page.text, evil
    local = client.get("/inloggen", params={"next": "/beheer/audit?entity=project&id=3"})
    assert 'name="next" value="/beheer/audit?entity=project&amp;id=3"' in local.text


def test_api_tokens_are_shown_once_work_and_can_be_revoked(
    client: TestClient, world: World
) -> None:
    csrf = log_in(client, EMAILS["redacteur_own"])
    made = client.post("/account/tokens", data={"name": "script", "csrf": csrf})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = made.text.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("pl_")
    assert secret not in client.get("/account").text  # shown once
    body = {"organisation_id": world.org_a, "project_id": world.project, "period": "2024"}
    api = TestClient(client.app)
    assert api.post("/api/v1/register/participation", json=body).status_code == 401
    created = api.post(
        "/api/v1/register/participation", json=body, headers={"Authorization": f"Bearer {secret}"}
    )
    assert created.status_code == 201, created.text
    other_org = {**body, "organisation_id": world.org_b}
    refused = api.post(
        "/api/v1/register/participation",
        json=other_org,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status_code == 403
    # A browser session cannot write through the API (it has no CSRF token there).
    assert client.post("/api/v1/register/participation", json=body).status_code in (401, 403)
    token_id = made.text.split("/account/tokens/")[1].split("/")[0]
    assert (
        client.post(f"/account/tokens/{token_id}/intrekken", data={"csrf": csrf}).status_code == 200
    )
    again = api.post(
        "/api/v1/register/participation", json=body, headers={"Authorization": f"Bearer {secret}"}
    )
    assert again.status_code == 401
    with session_scope(world.engine) as session:
        record = session.get(Participation, created.json()["id"])
        assert record is not None and record.organisation_id == world.org_a


def test_names_with_script_and_quotes_are_stored_and_shown_escaped(
    client: TestClient, world: World
) -> None:
    csrf = log_in(client, EMAILS["beheerder"])
    name = "<script>alert('x')</script> \"Quote\" & O'Brien"
    response = client.post(
        "/beheer/organisaties",
        data={"name": name, "kind": "onderwijs", "sector": "<b>HTSM</b>", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with session_scope(world.engine) as session:
        stored = session.scalar(select(Organisation).where(Organisation.name == name))
        assert stored is not None and stored.sector == "<b>HTSM</b>"
        record_id = stored.id
    pages = [
        client.get("/beheer/organisaties").text,
        client.get(f"/beheer/organisaties/{record_id}").text,
        client.get(f"/beheer/audit?entity=organisation&id={record_id}").text,
    ]
    for text in pages:
        assert "<script>alert" not in text and "<b>HTSM" not in text
        assert "&lt;script&gt;alert(" in text
    # A refused form shows the typed value again, escaped.
    refused = client.post(
        "/beheer/organisaties",
        data={"name": name, "kind": "<script>x</script>", "csrf": csrf},
    )
    assert refused.status_code == 400
    assert "<script>x" not in refused.text and "&lt;script&gt;alert(" in refused.text


def test_menu_shows_login_or_admin_and_logout(client: TestClient) -> None:
    assert 'href="/inloggen"' in client.get("/bronnen").text
    log_in(client, EMAILS["lezer"])
    page = client.get("/bronnen").text
    assert 'href="/beheer"' in page and 'action="/uitloggen"' in page
    assert 'href="/inloggen"' not in page


def test_secret_key_is_generated_once_with_owner_only_rights(tmp_path: Path) -> None:
    from pijplijn.settings import stored_secret_key

    first = stored_secret_key(tmp_path)
    assert stored_secret_key(tmp_path) == first and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_an_archived_record_is_restored_by_a_beheerder(client: TestClient, world: World) -> None:
    with session_scope(world.engine) as session:
        record = service.create(
            session,
            SYSTEM,
            "participation",
            {"organisation_id": world.org_a, "project_id": world.project, "period": "2019"},
        )
        record_id, version = record.id, record.version
    csrf = log_in(client, EMAILS["beheerder"])
    archived = client.post(
        f"/beheer/deelname/{record_id}/archiveren",
        data={"csrf": csrf, "expected_version": str(version)},
        follow_redirects=False,
    )
    assert archived.status_code == 303
    stale = client.post(
        f"/beheer/deelname/{record_id}/herstellen",
        data={"csrf": csrf, "expected_version": str(version)},
    )
    assert stale.status_code == 409 and "intussen door iemand anders gewijzigd" in stale.text
    restored = client.post(
        f"/beheer/deelname/{record_id}/herstellen",
        data={"csrf": csrf, "expected_version": str(version + 1)},
        follow_redirects=False,
    )
    assert restored.status_code == 303
    with session_scope(world.engine) as session:
        assert service.get(session, "participation", record_id).archived_at is None


def test_a_user_disabled_by_a_beheerder_is_logged_out_at_once(world: World) -> None:
    with world.client() as beheer, world.client() as victim:
        csrf = log_in(beheer, EMAILS["beheerder"])
        with session_scope(world.engine) as session:
            from pijplijn.accounts.users import create_user

            user_id = create_user(session, SYSTEM, "tijdelijk@example.nl", PASSWORD, "lezer").id
        log_in(victim, "tijdelijk@example.nl")
        assert victim.get("/beheer").status_code == 200
        off = beheer.post(
            f"/beheer/gebruikers/{user_id}/uitschakelen",
            data={"csrf": csrf},
            follow_redirects=False,
        )
        assert off.status_code == 303
        assert victim.get("/beheer", follow_redirects=False).status_code == 303
        assert login_attempt(victim, "tijdelijk@example.nl", PASSWORD).status_code == 401
