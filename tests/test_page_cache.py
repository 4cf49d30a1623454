"""The page cache (web/page_cache.py): anonymous answers kept per data version; a login, a
token, another cookie, a stale result or an edit never gets a kept answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from admin_helpers import EMAILS, World, build_world, log_in
from pijplijn.accounts.rights import SYSTEM
from pijplijn.register import service
from pijplijn.store.db import session_scope
from pijplijn.web.page_cache import PageCache


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from conftest import _fresh_url

    folder: Path = tmp_path_factory.mktemp("pages")
    for url in _fresh_url(folder):
        built = build_world(url, folder / "uploads")
        yield built
        built.engine.dispose()


def _cache(client: TestClient) -> PageCache:
    app = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(app, PageCache):
        app = app.app
    return app


def test_anonymous_answers_are_kept_until_the_data_changes(world: World) -> None:
    with world.client() as client:
        first = client.get("/doelen")
        cache = _cache(client)
        assert first.status_code == 200 and cache.hits == 0
        again = client.get("/doelen")
        assert cache.hits == 1 and again.text == first.text
        # English is its own answer, and the cookie that asks for it is no obstacle.
        english = client.get("/doelen?lang=en")
        assert english.text != first.text and cache.hits == 1
        assert client.get("/doelen").text == english.text  # the lang cookie, now English
        client.cookies.clear()
        assert client.get("/doelen").text == first.text
        hits = cache.hits
        # A register edit raises the data version: the page is built anew.
        with session_scope(world.engine) as session:
            service.create(
                session,
                SYSTEM,
                "participation",
                {"organisation_id": world.org_a, "project_id": world.project, "period": "2024",
                 "pupils": 3},
            )  # fmt: skip
        client.get("/doelen")
        assert cache.hits == hits
        client.get("/doelen")
        assert cache.hits == hits + 1


def test_logged_in_and_token_requests_are_never_answered_from_the_cache(world: World) -> None:
    with world.client() as client:
        cache = _cache(client)
        client.get("/bronnen")
        client.get("/bronnen")
        hits = cache.hits
        log_in(client, EMAILS["lezer"])
        page = client.get("/bronnen")
        assert EMAILS["lezer"] in page.text or "uitloggen" in page.text.lower()
        assert cache.hits == hits
        client.cookies.clear()
        client.get("/api/v1/datasets")
        client.get("/api/v1/datasets", headers={"Authorization": "Bearer pl_iets"})
        assert cache.hits == hits
        # The login form sets its CSRF cookie: never kept, each visitor gets their own.
        forms = set()
        for _ in range(2):
            client.cookies.clear()
            forms.add(client.get("/inloggen").cookies.get("pijplijn_login_csrf"))
        assert cache.hits == hits and len(forms) == 2 and None not in forms


def test_errors_and_health_are_not_kept(world: World) -> None:
    with world.client() as client:
        cache = _cache(client)
        for _ in range(2):
            assert client.get("/pijplijn?year=abc").status_code == 400
            assert client.get("/api/health").status_code == 200
        assert cache.hits == 0


def test_the_cache_is_bounded_in_bytes(world: World) -> None:
    with world.client(page_cache_max_bytes=200_000) as client:
        cache = _cache(client)
        for path in ["/", "/doelen", "/bronnen", "/indicatoren", "/pijplijn", "/scenarios"]:
            client.get(path)
            assert cache.bytes <= 200_000


def test_api_answers_are_kept_but_not_one_built_from_a_stale_result(world: World) -> None:
    from pijplijn.web.page_cache import _keepable

    with world.client() as client:
        cache = _cache(client)
        first = client.get("/api/v1/goals")
        assert "etag" in first.headers
        hits = cache.hits
        assert client.get("/api/v1/goals").json() == first.json() and cache.hits == hits + 1
    fresh = [(b"etag", b'"v1"'), (b"cache-control", b"no-cache")]
    stale = [(b"cache-control", b"no-cache")]
    assert _keepable({"status": 200, "headers": fresh})
    assert not _keepable({"status": 200, "headers": stale})
    assert not _keepable({"status": 200, "headers": [(b"cache-control", b"no-store")]})
