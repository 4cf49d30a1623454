"""The benchmark against the 35 arbeidsmarktregio's: rank, distribution and the mean of the
comparable regions on a crafted store with known values; on the real DUO file, every
arbeidsmarktregio whose schools are in the file has a value; the API, CSV and CLI give the
same view."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from conftest import _fresh_url
from pijplijn.cli import app as cli
from pijplijn.content.indicators import load_indicators
from pijplijn.content.loader import load_pack
from pijplijn.engine.benchmark import DESCRIPTIVE, Benchmark, benchmark
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.reference.labour_regions import load_labour_regions
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.models import Dataset, Observation
from pijplijn.store.setup import initialise
from pijplijn.web.app import create_app

CRAFTED = """
indicators:
  - id: crafted-{direction}
    group: test
    title: {{nl: "Getelde banen", en: "Counted jobs"}}
    description: {{nl: "Een som van banen per arbeidsmarktregio.", en: "A sum of jobs."}}
    unit: count
    direction: {direction}
    period_unit: year
    breakdowns: []
    sources: [test]
    definitions:
      - from: 2000-01-01
        numerator:
          sum: {{measure: jobs, region: exact}}
"""
PRE = ("2014", "2015", "2016")
"""The years before the start year 2017."""


def _amr_codes() -> list[str]:
    """The 35 arbeidsmarktregio codes of the reference data, by name."""
    regions = load_labour_regions().by_kind("arbeidsmarktregio")
    return [r.code for r in sorted(regions, key=lambda r: r.name)]


def _crafted_values() -> dict[str, dict[str, float | None]]:
    """Per arbeidsmarktregio its value per year; absent: no observation at all.

    Twente: 480, 490, 500 before the start, 560 in 2019. Three twins with exactly Twente's
    level and trend, 530/540/550 in 2019. A fourth twin whose 2019 figure is suppressed (no
    value). One region with no figures. The other 29 at level 1000 + 50j, flat, with 2019
    values 1000 + 50j for j < 10 (above Twente) and 100 + j below, j = 10 and 11 tied at 200.
    """
    codes = [c for c in _amr_codes() if c != "AM-twente"]
    twins, suppressed, empty, others = codes[:3], codes[3], codes[4], codes[5:]
    assert len(others) == 29
    values: dict[str, dict[str, float | None]] = {
        "AM-twente": {"2014": 480, "2015": 490, "2016": 500, "2019": 560}
    }
    for twin, now in zip(twins, (530, 540, 550), strict=True):
        values[twin] = {"2014": 480, "2015": 490, "2016": 500, "2019": now}
    values[suppressed] = {"2014": 480, "2015": 490, "2016": 500, "2019": None}
    for j, code in enumerate(others):
        level = 1000.0 + 50 * j
        now = level if j < 10 else 200.0 if j in (10, 11) else 100.0 + j
        values[code] = {"2014": level, "2015": level, "2016": level, "2019": now}
    assert empty not in values
    return values


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Catalog]]:
    folder = tmp_path_factory.mktemp("bench")
    for url in _fresh_url(folder):
        engine = open_engine(url)
        pack = load_pack("twente")
        initialise(engine, pack, demo=False)
        with session_scope(engine) as session:
            dataset = Dataset(
                source_key="test",
                publisher="test",
                title="Gemaakte banen per arbeidsmarktregio",
                source="tests/test_benchmark.py",
                loaded_at=datetime.now(UTC),
                sha256="0" * 64,
                loader="test",
                row_count=0,
                periods="2014,2015,2016,2019",
            )
            session.add(dataset)
            session.flush()
            rows = [
                Observation(
                    dataset_id=dataset.id,
                    measure="jobs",
                    period=period,
                    period_unit="year",
                    region_code=code,
                    value=value,
                    flag="suppressed" if value is None else None,
                )
                for code, series in _crafted_values().items()
                for period, value in series.items()
            ]
            session.add_all(rows)
            dataset.row_count = len(rows)
        indicators: list = []
        for direction in ("up", "down"):
            path = folder / f"{direction}.yaml"
            path.write_text(CRAFTED.format(direction=direction), encoding="utf-8")
            indicators += load_indicators(path, [])
        yield engine, Catalog(indicators)
        engine.dispose()


def _run(crafted: tuple[Engine, Catalog], indicator: str, region: str, k: int) -> Benchmark:
    engine, catalog = crafted
    with session_scope(engine) as session:
        return benchmark(session, catalog, indicator, region, start=2017, k=k)


def test_rank_distribution_and_comparable_mean_on_known_values(
    crafted: tuple[Engine, Catalog],
) -> None:
    values = _crafted_values()
    codes = _amr_codes()
    twins = [c for c in codes if c != "AM-twente"][:3]
    suppressed, empty = [c for c in codes if c != "AM-twente"][3:5]
    found = _run(crafted, "crafted-up", "AM-twente", k=3)

    assert (found.period, found.base_period, found.trend_periods) == ("2019", "2016", list(PRE))
    assert (found.total, found.ranked, found.value, found.change) == (35, 33, 560, 60)
    # Ten regions lie above 560: Twente is 11th of the 33 with a value.
    assert found.rank == 11
    # The three twins match Twente exactly before 2017; the suppressed twin has no 2019 value.
    assert set(found.comparable) == set(twins)
    assert found.comparable_mean == (530 + 540 + 550) / 3 == 540
    assert found.difference == 20
    assert found.comparable_change_mean == (30 + 40 + 50) / 3 == 40
    assert found.change_difference == 20
    assert found.label == DESCRIPTIVE and "geen effect" in found.method
    by_code = {r.code: r for r in found.regions}
    assert [r.code for r in found.regions] == codes  # every region, by name
    assert by_code["AM-twente"].highlighted and found.same_as is None
    # No figure is never 0: both regions without a value are listed as such.
    assert by_code[empty].value is None and by_code[empty].rank is None
    assert by_code[suppressed].value is None and by_code[suppressed].flag == "suppressed"
    assert by_code[suppressed].distance == 0 and not by_code[suppressed].comparable
    assert sorted(found.without_data) == sorted(by_code[c].name for c in (empty, suppressed))
    # The distribution is every 2019 value; equal values share the better rank (15, 15, 17).
    assert sorted(r.value for r in found.regions if r.value is not None) == sorted(
        v["2019"] for v in values.values() if v.get("2019") is not None
    )
    tied = [r for r in found.regions if r.value == 200]
    assert [r.rank for r in tied] == [15, 15]
    assert min(r.rank for r in found.regions if r.value is not None and r.value < 200) == 17


def test_k_takes_the_next_nearest_and_down_ranks_low_first(
    crafted: tuple[Engine, Catalog],
) -> None:
    others = [c for c in _amr_codes() if c != "AM-twente"][5:]
    five = _run(crafted, "crafted-up", "AM-twente", k=5)
    # All others are flat; the nearest after the twins have the lowest levels, 1000 and 1050.
    assert five.comparable[3:] == others[:2]
    assert five.comparable_mean == (530 + 540 + 550 + 1000 + 1050) / 5
    down = _run(crafted, "crafted-down", "AM-twente", k=3)
    # Lower is better: the three twins and the 19 regions at 100-200 lie below 560.
    assert down.rank == 23


def test_a_region_set_with_the_gemeenten_of_an_arbeidsmarktregio_is_that_region(
    crafted: tuple[Engine, Catalog],
) -> None:
    found = _run(crafted, "crafted-up", "twente", k=3)
    assert (found.region, found.same_as, found.rank, found.value) == (
        "twente",
        "AM-twente",
        11,
        560,
    )
    assert len(found.regions) == 35


def _vmbo_amrs_with_candidates(shared_data: Path, period: str) -> set[str]:
    """Arbeidsmarktregio's with at least one vmbo school whose gemeente the raw DUO file
    names without ambiguity and that printed a number of exam candidates in ``period``."""
    reference = load_labour_regions()
    by_name: dict[str, list[str]] = {}
    for code, (name, _province) in reference.gemeenten.items():
        by_name.setdefault(name.upper(), []).append(code)
    region_of = {m: r.code for r in reference.by_kind("arbeidsmarktregio") for m in r.members}
    column = f"EXAMENKANDIDATEN SCHOOLJAAR {period} - TOTAAL"
    found: set[str] = set()
    path = shared_data / "duo" / "vo_examenkandidaten_2019-2024.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            codes = by_name.get(row["GEMEENTENAAM"].strip().upper(), [])
            vmbo = row["ONDERWIJSTYPE VO"] == "VMBO" and row[column].strip().isdigit()
            if vmbo and len(codes) == 1:
                found.add(region_of[codes[0]])
    return found


@pytest.fixture(scope="module")
def real_view(real_url: str) -> Benchmark:
    pack = load_pack("twente")
    engine = open_engine(real_url)
    try:
        with session_scope(engine) as session:
            return benchmark(
                session,
                Catalog(pack.indicators),
                "vmbo-examenkandidaten-aandeel-techniek",
                "twente",
                start=2017,
                k=5,
            )
    finally:
        engine.dispose()


def test_every_arbeidsmarktregio_with_vmbo_schools_has_a_value(
    real_view: Benchmark, shared_data: Path
) -> None:
    assert real_view.period == "2023-2024"
    expected = _vmbo_amrs_with_candidates(shared_data, "2023-2024")
    with_value = {r.code for r in real_view.regions if r.value is not None}
    assert expected <= with_value
    assert len(real_view.regions) == 35
    assert real_view.same_as == "AM-twente"
    assert sorted(with_value) == sorted(expected)


def test_the_api_csv_and_cli_give_the_same_benchmark(real_view: Benchmark, real_url: str) -> None:
    url = "/api/v1/indicators/vmbo-examenkandidaten-aandeel-techniek/benchmark"
    with TestClient(create_app(Settings(database_url=real_url))) as client:
        answer = client.get(url, params={"start": 2017})
        table = client.get(url, params={"start": 2017, "format": "csv"})
        unknown = client.get("/api/v1/indicators/bestaat-niet/benchmark")
        bad = client.get(url, params={"k": 0})
        page = client.get("/indicatoren/vmbo-examenkandidaten-aandeel-techniek")
        goals = client.get("/doelen")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rank"] == real_view.rank and body["comparable"] == real_view.comparable
    assert body["label"] == DESCRIPTIVE and "Gekozen:" in body["method"]
    assert len(body["data"]) == 35
    rows = list(csv.DictReader(io.StringIO(table.text)))
    twente = next(r for r in rows if r["code"] == "AM-twente")
    assert int(twente["rank"]) == real_view.rank
    assert (unknown.status_code, bad.status_code) == (404, 400)
    # The page shows the same view: its headline, the label, the dot plot and the method.
    assert page.status_code == 200
    section = page.text.split('<section class="benchmark"', 1)[1].split("</section>", 1)[0]
    assert f"plaats {real_view.rank} van de {real_view.ranked}" in section
    assert "geen effect" in section and 'id="benchmark-chart"' in section
    assert "Gekozen:" in section
    assert goals.status_code == 200 and "#vergelijking" in goals.text

    result = CliRunner().invoke(
        cli,
        [
            "indicator",
            "vmbo-examenkandidaten-aandeel-techniek",
            "--benchmark",
            "--start",
            "2017",
            "-f",
            "json",
            "--database",
            real_url,
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["benchmark"]["rank"] == real_view.rank
    assert data["benchmark"]["comparable"] == real_view.comparable


def test_bad_benchmark_options_give_one_dutch_line_and_exit_2(real_url: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["indicator", "mbo-techniek-studenten", "--benchmark", "--k", "0", "--database", real_url],
    )
    assert result.exit_code == 2
    assert "--k moet minstens 1 zijn" in result.output and "Traceback" not in result.output
