"""Projection and scenario endpoints: the same figures as the CLI, bounded inputs."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pijplijn.cli import app as cli
from pijplijn.settings import Settings
from pijplijn.web.app import create_app


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=demo_url))) as test_client:
        yield test_client


def test_projection_matches_the_cli(client: TestClient, demo_url: str) -> None:
    params = {"scenario": "instroom-vmbo-techniek", "draws": "200", "horizon": "2016"}
    api = client.get("/api/v1/projections", params=params)
    assert api.status_code == 200, api.text
    result = CliRunner().invoke(
        cli,
        [
            "project",
            "--scenario",
            "instroom-vmbo-techniek",
            "--draws",
            "200",
            "--horizon",
            "2016",
            "-f",
            "json",
            "--database",
            demo_url,
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert api.json()["data"] == json.loads(result.stdout)
    assert api.json()["scenario"] == "instroom-vmbo-techniek"
    assert all("method" in r for r in api.json()["provenance"]["rates"])


def test_scenarios_list_the_ready_made_levers(client: TestClient) -> None:
    names = {s["name"] for s in client.get("/api/v1/scenarios").json()["data"]}
    assert "instroom-vmbo-techniek" in names


@pytest.mark.parametrize(
    "params",
    [
        {"draws": "100000"},
        {"scenario": "../etc/passwd"},
        {"scenario": "bestaat-niet"},
        {"horizon": "1990"},
    ],
)
def test_bad_projection_parameters_are_4xx(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/v1/projections", params=params)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"
