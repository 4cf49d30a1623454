"""The web app so far: health, the home page listing datasets, security headers."""

from collections.abc import Iterator

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
