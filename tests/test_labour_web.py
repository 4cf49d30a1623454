"""The Arbeidsmarkt page and the labour API on the real data (figures computed in the test
from the raw CBS file), and in English; no indicator page draws an empty chart."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pijplijn.settings import Settings
from pijplijn.web.app import create_app
from test_labour_real import jobs_by


@pytest.fixture(scope="module")
def client(real_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=real_url))) as test_client:
        yield test_client


def cr12_jobs(shared_data: Path) -> dict[str, float]:
    return jobs_by(shared_data / "cbs" / "83582ned_banen_corop.csv", {"CR12"}, "T001081")


def test_page_shows_twente_jobs_labelled_with_cr12(client: TestClient, shared_data: Path) -> None:
    jobs = cr12_jobs(shared_data)
    page = client.get("/arbeidsmarkt?lang=nl")
    assert page.status_code == 200
    text = page.text
    count = f"{jobs['2024'] * 1000:,.0f}".replace(",", ".")
    assert f"telde in 2024 {count} banen van werknemers" in text
    assert "cijfers van Twente (CR)" in text
    assert 'id="jobs-chart"' in text and 'id="vacancies-chart"' in text
    assert "Overijssel" in text  # the vacancy rates are the province's
    # Per-level demand is not computable on the shared data: the page names what is missing.
    assert "vervangingsvraag per opleidingsniveau in techniek" in text
    assert "soort roa-ais" in text and "soort duo-mbo-gediplomeerden" in text
    assert "28,0%" in text and "42,0%" in text
    # The page links its own JSON (the one view it shows, issue #16.1), not another resource.
    assert 'type="application/json" href="/arbeidsmarkt.json"' in text


def test_page_in_english(client: TestClient) -> None:
    page = client.get("/arbeidsmarkt?lang=en")
    assert page.status_code == 200
    assert "Labour market: Twente" in page.text
    assert "jobs of employees in 2024" in page.text


def test_api_gives_the_same_figures(client: TestClient, shared_data: Path) -> None:
    jobs = cr12_jobs(shared_data)
    view = client.get("/api/v1/labour?region=twente").json()
    assert view["jobs"]["last"] == ["2024", pytest.approx(jobs["2024"] * 1000)]
    assert view["jobs"]["described"] == "CR12"
    demand = client.get("/api/v1/labour/demand?region=twente").json()
    technical = next(d for d in demand if d["group"] == "beroepen-techniek")
    assert technical["flag"] == "estimated" and len(technical["inputs"]) == 4
    coverage = client.get("/api/v1/labour/coverage").json()
    assert [c["group"] for c in coverage] == ["2", "3-4", "hbo", "wo"]
    assert all(c["missing"] for c in coverage)
    occupations = client.get("/api/v1/labour/occupations").json()
    assert occupations["rows"] and all(r["code"].startswith("07") for r in occupations["rows"])
    replacement = [r["replacement"] for r in occupations["rows"]]
    assert replacement == sorted(replacement, reverse=True)
    assert client.get("/api/v1/labour?region=nergens").status_code in (400, 404)


def test_no_indicator_page_draws_an_empty_chart(client: TestClient) -> None:
    """Every catalogue indicator's page on the real data: a chart spec is only there when it
    has values to draw; without any the page names the source it needs."""
    catalogue = client.get("/api/v1/indicators").json()
    records = catalogue["data"] if isinstance(catalogue, dict) else catalogue
    ids = [i["id"] for i in records]
    assert "spanningsindicator" in ids and "vacaturegraad" in ids
    spec_pattern = re.compile(
        r'<script type="application/json" id="([\w-]+)-spec">(.*?)</script>', re.S
    )
    for indicator in ids:
        page = client.get(f"/indicatoren/{indicator}")
        assert page.status_code == 200, indicator
        specs = spec_pattern.findall(page.text)
        for name, raw in specs:
            spec = json.loads(raw)
            rows = [row for data in spec.get("datasets", {}).values() for row in data]
            values = [row.get("properties", row).get("value") for row in rows]  # map features
            assert any(v is not None for v in values), (indicator, name)
        if not specs:
            # The note names the source the indicator needs, not only "no data".
            needs = re.findall(
                r'class="missing" role="note"><strong>[^<]*</strong>: ([^<]*)<', page.text
            )
            assert needs and all(n.strip() for n in needs), indicator
    spanning = client.get("/indicatoren/spanningsindicator").text
    assert "kortdurig werklozen (UWV" in spanning


def test_page_names_occupations_and_shows_ho_graduates(client: TestClient) -> None:
    """Names, not codes: ROA's table gives BRC codes only; the page shows the BRC 2014 names
    from the pack beside them. hbo and wo graduates appear even though their coverage is not
    computable; the coverage table stacks per row on a phone (.stack, labelled cells)."""
    from pijplijn.content.loader import load_pack

    labour = load_pack("twente").labour
    assert labour is not None
    names = labour.technical_occupations.names
    text = client.get("/arbeidsmarkt?lang=nl").text
    table = text[text.index('id="occupations-table"') :]
    table = table[: table.index("</table>")]
    codes = re.findall(r"BRC (07\d\d)", table)
    assert codes
    for code in codes:
        if code in names:
            assert f"{names[code]} <small>(BRC {code})</small>" in table
    coverage = text[text.index('id="coverage-table"') :]
    coverage = coverage[: coverage.index("</table>")]
    assert 'class="data stack"' in text and 'data-label="gediplomeerden"' in coverage
    hbo = coverage[coverage.index(">hbo<") :]
    assert re.search(r'data-label="gediplomeerden">[\d.]+ <small>\(2018\)</small>', hbo)
