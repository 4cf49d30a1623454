"""The cube API: formats, paging, provenance, ETags, and the one error shape."""

import io
import json
from collections.abc import Iterator

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pijplijn.cli import app as cli
from pijplijn.settings import Settings
from pijplijn.web.app import create_app

OBS = "/api/v1/observations?measure=enrolled&institution=27YU&by=period,sector"


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=demo_url))) as test_client:
        yield test_client


def test_observations_json_has_provenance_and_paging(client: TestClient) -> None:
    body = client.get(OBS + "&page_size=10&page=2").json()
    assert (body["total"], body["page"], body["page_size"], len(body["data"])) == (55, 2, 10, 10)
    assert body["provenance"]["datasets"] == [1]
    assert set(body["data"][0]) == {"measure", "period", "sector", "value", "flag"}


def test_the_api_and_the_cli_give_the_same_figures(client: TestClient, demo_url: str) -> None:
    api = client.get("/api/v1/observations?measure=graduates&institution=27YU&by=period")
    result = CliRunner().invoke(
        cli,
        [
            "query",
            "-m",
            "graduates",
            "--institution",
            "27YU",
            "--by",
            "period",
            "-f",
            "json",
            "--database",
            demo_url,
        ],
    )
    assert api.json()["data"] == json.loads(result.stdout)
    assert [r["flag"] for r in api.json()["data"]] == [None, None, None, "missing", None]


def test_csv_and_parquet_carry_the_whole_table(client: TestClient) -> None:
    csv = client.get(OBS + "&format=csv&page_size=5")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["x-pijplijn-datasets"] == "1"
    assert len(csv.text.strip().splitlines()) == 56
    negotiated = client.get(OBS, headers={"Accept": "text/csv"})
    assert negotiated.text == csv.text
    parquet = client.get(OBS + "&format=parquet")
    frame = pl.read_parquet(io.BytesIO(parquet.content))
    # The seed is open data: 'Combinatie bedrijf' counts 1 student in 2010 and 2011, and the
    # Regiovisie prints it so; pijplijn shows it as printed, and hides nothing beside it.
    assert frame.filter(pl.col("flag") == "suppressed").height == 0
    small = frame.filter(pl.col("value") < 5).sort("period")
    assert small.select("period", "sector", "value").rows() == [
        ("2010", "Combinatie bedrijf", 1),
        ("2011", "Combinatie bedrijf", 1),
    ]
    assert frame.height == 55


def test_without_disclosure_control_the_table_adds_up_to_the_seed_totals(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIJPLIJN_DISCLOSURE_THRESHOLD", "0")
    frame = pl.read_parquet(io.BytesIO(client.get(OBS + "&format=parquet").content))
    assert frame.get_column("value").sum() == 6303 + 6765 + 7411 + 8844 + 7028


def test_etag_gives_304_until_the_data_changes(client: TestClient) -> None:
    first = client.get("/api/v1/datasets")
    again = client.get("/api/v1/datasets", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    other = client.get("/api/v1/datasets?format=csv")
    assert other.headers["etag"] != first.headers["etag"]


@pytest.mark.parametrize(
    ("url", "status", "needle"),
    [
        ("/api/v1/observations", 400, "measure"),
        ("/api/v1/observations?measure=leerlingen", 400, "measure"),
        ("/api/v1/observations?measure=enrolled&by=kleur", 400, "onbekende dimensie"),
        (
            "/api/v1/observations?measure=enrolled&by=stage,level,pathway,gender,sector",
            400,
            "te veel dimensies",
        ),
        ("/api/v1/observations?measure=enrolled&page_size=100000", 400, "page_size"),
        ("/api/v1/observations?measure=enrolled&region=atlantis", 400, "onbekende regio"),
        (
            "/api/v1/observations?measure=enrolled&region=x%27%3B%20DROP%20TABLE%20observation",
            400,
            "region",
        ),
        ("/api/v1/observations?measure=enrolled&period=gisteren", 400, "geen periode"),
        ("/api/v1/observations?measure=enrolled&by=domain", 400, "classificatie"),
        ("/api/v1/nergens", 404, "bestaat niet"),
    ],
)
def test_errors_are_problem_details(client: TestClient, url: str, status: int, needle: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and needle in body["detail"]
    assert {"type", "title", "status", "detail"} <= set(body)


def test_every_route_answers_bad_parameters_with_4xx(client: TestClient) -> None:
    junk = {
        "measure": "';--",
        "region": "<script>",
        "period": "x" * 30,
        "by": "a,b,c,d,e,f",
        "page": "-1",
        "page_size": "0",
        "format": "exe",
        "classification": "@@",
    }
    for route in client.app.routes:  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        if "GET" not in getattr(route, "methods", set()) or "{" in path:
            continue
        response = client.get(path, params=junk)
        assert response.status_code < 500, (path, response.status_code, response.text[:200])


def test_pages_show_errors_as_html(client: TestClient) -> None:
    response = client.get("/bestaat-niet", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "bestaat niet" in response.text
