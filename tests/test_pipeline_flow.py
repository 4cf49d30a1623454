"""Issue #16 points 3-4: the pipeline as a flow and the overview that answers in five seconds.

Flows are checked on the synthetic DUO files of tests/fixtures/layouts (expected counts summed
here from those files); stocks on the real DUO files in ../shared/data (expected counts summed
here from the raw CSV). The page, its table and /api/v1/pipeline present one view.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pijplijn.content.loader import load_pack
from pijplijn.settings import Settings
from pijplijn.store.db import session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.setup import initialise
from pijplijn.views.overview import headline
from pijplijn.views.pipeline import pipeline_flow
from pijplijn.web.app import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"
PACK = load_pack("twente")
INSTROOM = FIXTURES / "synthetic_mbo_instroom_2023.csv"
EXAMS = FIXTURES / "synthetic_vo_examens_2022-2023.csv"
TECHNIEK_HOOFDGROEPEN = {"Elektrotechniek en installatietechniek", "ICT"}
"""The fixture's hoofdgroepen that techniek counts as techniek (as in test_flows.py)."""


def table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def intake(origin: str, techniek: bool) -> int:
    """INSTROOM MBO from one VOOROPLEIDING VO value, known cells only (<5 left out)."""
    return sum(
        int(row["INSTROOM MBO"])
        for row in table(INSTROOM)
        if row["VOOROPLEIDING VO"] == origin
        and row["INSTROOM MBO"].isdigit()
        and (row["HOOFDGROEP NAAM"] in TECHNIEK_HOOFDGROEPEN) == techniek
    )


def candidates(leerweg: str) -> int:
    """EXAMENKANDIDATEN 2022-2023 TOTAAL of the exam fixture for one vmbo leerweg."""
    return sum(
        int(row["EXAMENKANDIDATEN SCHOOLJAAR 2022-2023 - TOTAAL"])
        for row in table(EXAMS)
        if row["OPLEIDINGSNAAM"].split(" - ")[0] == leerweg
    )


@pytest.fixture
def flow_engine(empty_engine: Engine) -> Engine:
    initialise(empty_engine, PACK, demo=False)
    files = [
        FIXTURES / "synthetic_gemeenten.csv",
        FIXTURES / "synthetic_mbo_studenten_instelling.csv",
        EXAMS,
        INSTROOM,
    ]
    outcomes = import_files(empty_engine, PACK, files)
    assert [o.parsed.report.issues for o in outcomes] == [[], [], [], []]
    return empty_engine


def test_loaded_flows_become_bands_with_counts_shares_and_the_leak(flow_engine: Engine) -> None:
    with session_scope(flow_engine) as session:
        flow = pipeline_flow(session, PACK, "twente", 2023, "techniek")
    assert flow is not None and flow.basis == "flows"
    bands = {(b.source, b.target, b.kind): b for b in flow.bands}
    nodes = {n.id: n for n in flow.nodes}
    tl_in = intake("VMBO-TL", techniek=True)
    tl_out = intake("VMBO-TL", techniek=False)
    assert tl_in > 0 and tl_out > 0
    assert bands["vmbo-tl", "mbo", "techniek"].value == tl_in
    assert bands["vmbo-tl", "mbo", "overig"].value == tl_out
    total = candidates("VMBO T")
    assert nodes["vmbo-tl"].total == total
    assert bands["vmbo-tl", "mbo", "techniek"].share_of_source == pytest.approx(tl_in / total)
    leak = bands["vmbo-tl", "lek", "lek"]
    assert leak.value == total - tl_in - tl_out
    assert leak.flag == "suppressed"  # one VMBO-TL flow is <5: the leak is at most this
    gl = bands["vmbo-gl", "mbo", "techniek"]
    assert gl.value == intake("VMBO-GL", techniek=True)
    # The mbo node is the intake these flows add up to, not the stock of all students.
    assert nodes["mbo"].measure == "transitions"
    assert nodes["mbo"].total == sum(
        b.value or 0 for b in flow.bands if b.target == "mbo" and b.kind != "lek"
    )
    # Every band is drawn: its thickness follows its count on one scale.
    ratio = {b.thickness / b.value for b in flow.bands if b.value}
    assert max(ratio) == pytest.approx(min(ratio))
    marks = {m["name"] for m in flow.spec["marks"]}
    assert {"band", "node-domain", "node-rest", "node-label"} <= marks


@pytest.fixture(scope="module")
def real_client(real_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=real_url))) as client:
        yield client


def twente_gemeenten() -> set[str]:
    members = next(s.members for s in PACK.region_sets if s.code == PACK.pack.default_region)
    return {m.removeprefix("GM") for m in members}


def first_years(shared_data: Path, name: str, year: str) -> tuple[int, int]:
    """First-year students in Twente's gemeenten in ``year`` (all, CROHO techniek) from the
    raw DUO file."""
    rows = table(shared_data / "duo" / name)
    mine = [r for r in rows if (r.get("GEMEENTENUMMER") or "").strip() in twente_gemeenten()]
    total = sum(int(r[year]) for r in mine if (r.get(year) or "").strip().isdigit())
    return total, len(mine)


def test_stock_flow_on_the_real_data_says_what_it_counts(
    real_client: TestClient, shared_data: Path
) -> None:
    flow = real_client.get("/api/v1/pipeline?year=2019").json()
    assert flow["basis"] == "stocks"  # no doorstroom file in ../shared/data
    assert "verschillende groepen" in flow["basis_note"]
    nodes = {n["id"]: n for n in flow["nodes"]}
    for stage, name in (
        ("hbo", "hbo_eerstejaars_2015-2019.csv"),
        ("wo", "wo_eerstejaars_2015-2019.csv"),
    ):
        expected, rows = first_years(shared_data, name, "2019")
        assert rows > 0
        assert nodes[stage]["total"] == expected, stage
        assert nodes[stage]["period"] == "2019"
    # The vo file starts in 2019-2020: for 2019 the vo stages say so and are not filled in.
    assert nodes["vmbo-bb"]["total"] is None and nodes["vmbo-bb"]["period"] is None
    assert any("2018-2019" in m and "2019-2020" in m for m in flow["missing"])
    # With stocks no band carries a number: the routes are drawn without one.
    assert flow["bands"] and all(b["value"] is None for b in flow["bands"])
    levels = [n for n in flow["nodes"] if n["id"].startswith("mbo-")]
    assert [n["id"] for n in levels] == ["mbo-1", "mbo-2", "mbo-3", "mbo-4"]
    page = real_client.get("/pijplijn?year=2019").text
    for node in flow["nodes"]:
        if node["total"] is not None:
            assert f"{node['total']:,.0f}".replace(",", ".") in page
    assert '<select name="year">' in page and '<select name="region">' in page
    assert 'href="/pijplijn.json?year=2019"' in page.replace("&amp;", "&")  # its own view


def test_year_picks_one_year_for_every_stage(real_client: TestClient) -> None:
    flow = real_client.get("/api/v1/pipeline?year=2021").json()
    periods = {n["id"]: n["period"] for n in flow["nodes"] if n["period"]}
    assert periods and set(periods.values()) <= {"2021", "2020-2021"}
    assert any(m.startswith("mbo") for m in flow["missing"])  # mbo ends in 2019: said so


def test_headline_counts_the_verdicts() -> None:
    counts = {"achieved": 3, "off track": 2, "not assessable": 4}
    assert headline(counts) == "3 van de 9 doelen gehaald; 2 niet op koers; 4 niet te beoordelen"
    assert headline({}) == "Nog geen doelen geladen."


def test_overview_answers_from_the_same_view_as_its_api(real_client: TestClient) -> None:
    view = real_client.get("/api/v1/overview").json()
    goals = real_client.get("/api/v1/goals").json()
    records = goals["data"] if isinstance(goals, dict) else goals
    assert sum(view["status_counts"].values()) == len(records)
    page = real_client.get("/").text
    assert view["headline"] in page
    assert view["title"].startswith(PACK.pack.title) and "Twente" in view["title"]
    assert "twente" not in view["title"]
    assert view["flow"]["year"] == 2019 and 'id="overview-flow"' in page
    vacancies = next(f for f in view["figures"] if f["indicator"] == "vacatures-open")
    assert vacancies["unit"] == "thousand" and vacancies["unit_label"] == "× 1.000"
    this_year = date.today().year
    for source in view["sources"]:
        if source["age_years"] is not None:
            assert source["stale"] == (source["age_years"] > 2)
    old = [s for s in view["sources"] if s["stale"]]
    assert old and "ouder dan twee jaar" in page
    mbo = next(s for s in view["sources"] if s["latest_period"] == "2019")
    assert mbo["age_years"] == this_year - 2019
