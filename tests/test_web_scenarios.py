"""The Scenario's page and the indicator page's blocks, on the real files: sliders give the
same projection as the API and the CLI, bad slider values a 400, downloads the same table."""

import html
import io
import json
from collections.abc import Iterator

import polars as pl
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pijplijn.cli import app as cli
from pijplijn.settings import Settings
from pijplijn.web.app import create_app


@pytest.fixture(scope="module")
def client(real_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=real_url))) as test_client:
        yield test_client


def test_sliders_give_the_api_and_cli_projection(client: TestClient, real_url: str) -> None:
    page = client.get("/scenarios?instroom-vmbo-techniek=20")
    assert page.status_code == 200
    assert 'id="lever-instroom-vmbo-techniek"' in page.text and 'value="20"' in page.text
    api = client.get(
        "/api/v1/projections?levers=instroom-vmbo-techniek:0.2&state=mbo:techniek&draws=1000"
    ).json()
    horizon = api["horizon"]
    point = next(p for p in api["data"] if p["period"] == str(horizon))
    shown = f"{point['value']:,.0f}".replace(",", ".")
    assert f'<strong class="scenario-value">{shown}</strong>' in page.text
    # The CLI runs the same scenario file to the same figure.
    yaml_text = client.get("/scenarios/scenario.yaml?instroom-vmbo-techniek=20&name=proef").text
    assert yaml.safe_load(yaml_text) == {
        "name": "proef",
        "title": "Eigen scenario",
        "levers": [{"lever": "instroom-vmbo-techniek", "change": 0.2}],
    }


def test_scenario_file_runs_in_the_cli(client: TestClient, real_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "proef.yaml"
    path.write_text(client.get("/scenarios/scenario.yaml?deelname-bbl=30&name=proef").text)
    result = CliRunner().invoke(
        cli,
        [
            "project",
            "--scenario",
            str(path),
            "--draws",
            "1000",
            "--format",
            "json",
            "--database",
            real_url,
        ],
    )
    assert result.exit_code == 0, result.stderr
    cli_points = {(p["state"], p["period"]): p["value"] for p in json.loads(result.stdout)}
    api = client.get(
        "/api/v1/projections?levers=deelname-bbl:0.3&draws=1000&state=mbo:techniek"
    ).json()
    for p in api["data"]:
        assert cli_points[(p["state"], p["period"])] == p["value"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("instroom-vmbo-techniek=abc", "verwacht een percentage"),
        ("instroom-vmbo-techniek=100000", "ligt niet tussen"),
        ("instroom-vmbo-techniek=nan", "ligt niet tussen"),
    ],
)
def test_bad_slider_values_are_400(client: TestClient, query: str, message: str) -> None:
    response = client.get(f"/scenarios?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and message in response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "levers=onbekend:0.1",
        "levers=instroom-vmbo-techniek:0.1&scenario=techniek-agenda",
        "levers=instroom-vmbo-techniek;drop",
    ],
)
def test_bad_levers_in_the_api_are_400(client: TestClient, query: str) -> None:
    response = client.get(f"/api/v1/projections?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture(scope="module")
def labour_client(labour_url: str) -> Iterator[TestClient]:
    """The demo plus synthetic ROA demand: the projection has a gap to show."""
    with TestClient(create_app(Settings(database_url=labour_url))) as test_client:
        yield test_client


def test_gap_table_of_the_api(labour_client: TestClient) -> None:
    client = labour_client
    base = client.get("/api/v1/projections?table=gap&draws=1000").json()["data"]
    more = client.get(
        "/api/v1/projections?table=gap&draws=1000&levers=mbo-instroom-vmbo-tg:0.5"
    ).json()["data"]
    assert {(g["level"], g["period"]) for g in base} == {(g["level"], g["period"]) for g in more}
    last = max(g["period"] for g in base)
    coverage = {
        name: sum(g["coverage"] for g in rows if g["period"] == last)
        for name, rows in (("basis", base), ("scenario", more))
    }
    assert coverage["scenario"] > coverage["basis"]  # more technical mbo, more coverage


def test_indicator_page_blocks_and_xlsx_download(client: TestClient) -> None:
    page = client.get("/indicatoren/vmbo-examenkandidaten-techniek?by=stage&region=NL01")
    assert page.status_code == 200
    for block in ("series", "breakdown", "map"):
        assert f'id="{block}-chart"' in page.text and f'id="{block}-table"' in page.text
    assert "Gemeentegrenzen: CBS/Kadaster" in page.text
    xlsx = client.get("/api/v1/indicators/vmbo-examenkandidaten-techniek/gemeenten?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    sheet = pl.read_excel(io.BytesIO(xlsx.content))
    api = client.get("/api/v1/indicators/vmbo-examenkandidaten-techniek/gemeenten").json()["data"]
    assert sheet["code"].to_list() == [r["code"] for r in api]
    assert sheet["value"].to_list() == [r["value"] for r in api]  # empty cells stay empty
    assert sheet["value"].dtype.is_numeric()  # numbers stay numbers, not text


def test_a_breakdown_the_indicator_does_not_allow_is_400(client: TestClient) -> None:
    # A page answers in HTML unless JSON is asked for (httpx sends Accept: */*).
    response = client.get("/indicatoren/vmbo-examenkandidaten-techniek?by=sector")
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "staat uitsplitsen naar 'sector' niet toe" in html.unescape(response.text)
    asked = client.get(
        "/indicatoren/vmbo-examenkandidaten-techniek?by=sector",
        headers={"Accept": "application/json"},
    )
    assert asked.status_code == 400
    assert asked.headers["content-type"] == "application/problem+json"
    assert "staat uitsplitsen naar 'sector' niet toe" in asked.json()["detail"]


def test_values_for_several_regions_at_once(client: TestClient) -> None:
    both = client.get(
        "/api/v1/indicators/mbo-techniek-studenten/values?region=twente&region=NL01&by="
    ).json()["data"]
    assert {r["region"] for r in both} == {"twente", "NL01"}
    assert all(set(r) >= {"period", "value", "flag", "sources"} for r in both)
    single = client.get("/api/v1/indicators/mbo-techniek-studenten/values?region=NL01&by=").json()
    assert [r for r in both if r["region"] == "NL01"] == single["data"]
