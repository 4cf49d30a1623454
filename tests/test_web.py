"""The web app so far: health, the home page listing datasets, security headers."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pijplijn.settings import Settings
from pijplijn.store.db import head_revision
from pijplijn.web.app import create_app


@pytest.fixture
def client(demo_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=demo_url))) as test_client:
        yield test_client


def test_health(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["schema_revision"] == head_revision()


def test_home_lists_the_twente_datasets(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "seed:regiovisie-twente-techniek" in response.text
    assert "Regiovisie Twente Techniek" in response.text
    assert '<html lang="nl">' in response.text


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    script_src = next(
        d
        for d in headers["content-security-policy"].split(";")
        if d.strip().startswith("script-src")
    )
    assert script_src.strip() == "script-src 'self'"  # no inline script, no eval
    assert headers["x-content-type-options"] == "nosniff"


def test_unknown_route_is_404(client: TestClient) -> None:
    assert client.get("/bestaat-niet").status_code == 404


def test_a_conditional_get_is_answered_before_routing(database_url: str) -> None:
    from pijplijn.content.loader import load_pack
    from pijplijn.store.db import open_engine
    from pijplijn.store.imports import import_files
    from pijplijn.store.setup import initialise

    engine = open_engine(database_url)
    pack = load_pack("twente")
    initialise(engine, pack, demo=True)
    url = "/api/v1/indicators/mbo-techniek-studenten/values?region=twente"
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        first = client.get(url)
        etag = first.headers["etag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag
        assert "frame-ancestors 'none'" in again.headers["content-security-policy"]
        # Another Accept is another answer: no 304 for it.
        assert (
            client.get(url, headers={"If-None-Match": etag, "Accept": "text/csv"}).status_code
            == 200
        )
        # New data, new version: the old ETag no longer matches.
        example = Path(__file__).resolve().parent.parent / "src/pijplijn/ingest/examples"
        import_files(engine, pack, [next(example.glob("*.csv"))])
        fresh = client.get(url, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    engine.dispose()
