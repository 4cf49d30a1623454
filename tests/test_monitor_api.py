"""Indicator and goal endpoints: the same figures as the CLI, every definition version,
404 for unknown ids, 400 for what an indicator does not allow."""

import csv
import io
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


def test_indicator_values_match_the_cli(client: TestClient, demo_url: str) -> None:
    api = client.get(
        "/api/v1/indicators/mbo-techniek-sector-aandeel/values",
        params={"region": "twente", "period": "2011", "by": "sector"},
    )
    assert api.status_code == 200
    result = CliRunner().invoke(
        cli,
        [
            "indicator",
            "mbo-techniek-sector-aandeel",
            "--region",
            "twente",
            "--period",
            "2011",
            "--by",
            "sector",
            "-f",
            "json",
            "--database",
            demo_url,
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert api.json()["data"] == json.loads(result.stdout)
    mei = [r for r in api.json()["data"] if r["sector"].startswith("Metaal")]
    assert [round(r["value"], 3) for r in mei] == [round(1743 / 7028, 3)]


def test_goals_match_the_cli(client: TestClient, demo_url: str) -> None:
    api = client.get("/api/v1/goals").json()["data"]
    result = CliRunner().invoke(cli, ["goals", "-f", "json", "--database", demo_url])
    assert [(g["id"], g["status"]) for g in api] == [
        (g["id"], g["status"]) for g in json.loads(result.stdout)
    ]
    assert len(api) >= 7
    one = client.get(f"/api/v1/goals/{api[0]['id']}").json()["data"]
    assert one[0]["id"] == api[0]["id"]


def test_catalogue_lists_every_definition_version(client: TestClient) -> None:
    listed = client.get("/api/v1/indicators").json()["data"]
    assert len(listed) >= 30
    for indicator in listed:
        detail = client.get(f"/api/v1/indicators/{indicator['id']}").json()
        versions = detail["definitions"]
        assert versions, indicator["id"]
        assert all(v["valid_from"] and v["formula"] for v in versions)
        starts = [v["valid_from"] for v in versions]
        assert starts == sorted(starts)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/indicators/bestaat-niet", 404),
        ("/api/v1/indicators/bestaat-niet/values", 404),
        ("/api/v1/goals/bestaat-niet", 404),
        ("/api/v1/indicators/mbo-techniek-sector-aandeel/values?by=gender", 400),
        ("/api/v1/indicators/mbo-techniek-sector-aandeel/values?region=atlantis", 400),
    ],
)
def test_errors(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_indicator_csv_is_one_table_for_cli_and_api(client: TestClient, demo_url: str) -> None:
    """`pijplijn indicator --format csv` and `?format=csv` render the same view table, and its
    rows are the JSON records (sources and notes as text), row by row."""
    params = {"region": "twente", "by": "sector"}
    api = client.get(
        "/api/v1/indicators/mbo-techniek-sector-aandeel/values", params={**params, "format": "csv"}
    )
    assert api.status_code == 200, api.text
    args = ["indicator", "mbo-techniek-sector-aandeel", "--region", "twente", "--by", "sector"]
    result = CliRunner().invoke(cli, [*args, "-f", "csv", "--database", demo_url])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == api.text
    rows = list(csv.DictReader(io.StringIO(api.text)))
    records = client.get(
        "/api/v1/indicators/mbo-techniek-sector-aandeel/values", params=params
    ).json()["data"]
    assert rows and len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert row["period"] == record["period"]
        assert row["sector"] == (record["sector"] or "")
        # A suppressed or missing value is an empty cell, never 0.
        expected = "" if record["value"] is None else record["value"]
        assert (row["value"] and float(row["value"])) == (expected and float(expected))
        sources = "; ".join(
            f"{s['source_key']} (dataset {s['dataset']})" for s in record["sources"]
        )
        assert row["sources"] == sources
    xlsx = client.get(
        "/api/v1/indicators/mbo-techniek-sector-aandeel/values", params={**params, "format": "xlsx"}
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
