"""Region totals (issue #12): a dataset's own figure for a region is read, never added to the
regions within it, and two datasets that publish the same total are never added.

CBS's regional vacancy table publishes NL01, the four landsdelen and the twelve provinces;
80472ned publishes NL01. Expected figures are computed here from the raw CSVs in
../shared/data, never from pijplijn's output; the synthetic datasets are labelled as such.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.coverage import Coverage
from pijplijn.engine.cube import CubeQuery, query, query_result, sources
from pijplijn.ingest.issues import ImportReport
from pijplijn.ingest.records import DatasetInfo, ParsedSource, conform
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.load import load_source
from pijplijn.store.setup import initialise
from pijplijn.web.app import create_app

ALL_SECTORS = "T001081"

# --- synthetic datasets (not real data) -------------------------------------------------------


def _load(
    engine: Engine, key: str, cells: list[tuple[str, str, float]], covers: list[str] | None = None
) -> int:
    """Load a synthetic ``vacancies_open`` table of (region, period, value), all sectors,
    covering ``covers`` (default: the regions it names) completely."""
    frame = conform(
        pl.DataFrame(
            {
                "measure": ["vacancies_open"] * len(cells),
                "period": [c[1] for c in cells],
                "period_unit": ["quarter"] * len(cells),
                "region_code": [c[0] for c in cells],
                "sector": [ALL_SECTORS] * len(cells),
                "value": [c[2] for c in cells],
                "unit": ["thousand"] * len(cells),
            }
        )
    )
    regions = covers or sorted({c[0] for c in cells})
    info = DatasetInfo(
        source_key=f"synthetic:{key}",
        publisher="test (synthetic)",
        title=f"synthetic {key}",
        source="tests/test_region_totals.py",
        loader="test@1",
        sha256=hashlib.sha256(key.encode()).hexdigest(),
        coverage=Coverage.whole(regions, [], "reported"),
    )
    parsed = ParsedSource(info=info, report=ImportReport(file=key), observations=frame)
    with session_scope(engine) as session:
        return load_source(session, parsed).dataset_id


@pytest.fixture
def tables(empty_engine: Engine) -> tuple[Engine, int, int, int]:
    """Three synthetic tables: a regional one (NL01 and two provinces), a national one
    with a longer series, and one of provinces only."""
    initialise(empty_engine, load_pack("twente"), demo=False)
    regional = _load(
        empty_engine,
        "regional",
        [
            ("NL01", "2030KW01", 100.0),
            ("PV23", "2030KW01", 7.0),
            ("PV21", "2030KW01", 5.0),
        ],
    )
    national = _load(
        empty_engine, "national", [("NL01", "2029KW04", 98.0), ("NL01", "2030KW01", 100.0)]
    )
    # A table of provinces that covers the whole country (two provinces stand for twelve).
    provinces = _load(
        empty_engine,
        "provinces",
        [("PV23", "2031KW01", 8.0), ("PV21", "2031KW01", 6.0)],
        covers=["NL01"],
    )
    return empty_engine, regional, national, provinces


def _cells(engine: Engine, q: CubeQuery) -> dict[tuple[object, ...], float | None]:
    with session_scope(engine) as session:
        return {(r.period, *r.keys.values()): r.value for r in query(session, q)}


def test_a_region_the_dataset_publishes_is_read_never_its_parts(
    tables: tuple[Engine, int, int, int],
) -> None:
    engine, regional, national, provinces = tables
    q = CubeQuery(measure="vacancies_open", region="NL01", by=("dataset",))
    assert _cells(engine, q) == {
        ("2029KW04", national): 98.0,
        ("2030KW01", regional): 100.0,  # its NL01 figure, not 100 + 7 + 5
        ("2030KW01", national): 100.0,
        ("2031KW01", provinces): 14.0,  # no NL01 of its own: its provinces are summed
    }
    assert _cells(engine, CubeQuery(measure="vacancies_open", region="PV23")) == {
        ("2030KW01",): 7.0,
        ("2031KW01",): 8.0,
    }
    # Without a region the sum is the country's: again each dataset's outermost figure.
    whole = CubeQuery(measure="vacancies_open", by=("dataset",))
    assert _cells(engine, whole)[("2030KW01", regional)] == 100.0
    # By region every region is its own row: nothing is dropped.
    by_region = CubeQuery(measure="vacancies_open", periods=("2030KW01",), by=("region",))
    assert _cells(engine, by_region) == {
        ("2030KW01", "NL01"): 100.0,
        ("2030KW01", "PV21"): 5.0,
        ("2030KW01", "PV23"): 7.0,
    }


def test_two_datasets_with_the_same_total_are_never_added(
    tables: tuple[Engine, int, int, int],
) -> None:
    engine, regional, national, _ = tables
    q = CubeQuery(measure="vacancies_open", region="NL01", periods=("2030KW01",))
    with session_scope(engine) as session:
        result = query_result(session, q)
        used = sources(session, q)
    assert [(r.period, r.value) for r in result.rows] == [("2030KW01", 100.0)]
    # The national table has the longer NL01 series: it is used, the regional one set aside.
    assert used == [national]
    (aside,) = result.left_out
    assert (aside.dataset, aside.region, aside.reason, aside.periods) == (
        regional,
        "NL01",
        "same-total",
        ("2030KW01",),
    )
    assert aside.text == (
        "niet opgeteld voor Nederland: synthetic regional; hetzelfde totaal als "
        f"synthetic national (dataset {national}), dat is gebruikt"
    )
    # Per period: where only one dataset publishes the region, nothing is set aside.
    alone = CubeQuery(measure="vacancies_open", region="NL01", periods=("2029KW04",))
    with session_scope(engine) as session:
        assert query_result(session, alone).left_out == []
    # A breakdown by region still gives NL01 once.
    by_region = CubeQuery(measure="vacancies_open", periods=("2030KW01",), by=("region",))
    assert _cells(engine, by_region)[("2030KW01", "NL01")] == 100.0


# --- the real CBS tables ------------------------------------------------------------------------


def _read(path: Path, delimiter: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle, delimiter=delimiter)
        ]


def _number(cell: str) -> bool:
    """Whether a CBS cell holds a figure (CBS prints '.' or nothing where it has none)."""
    return cell not in ("", ".")


@pytest.fixture(scope="module")
def regional(shared_data: Path) -> dict[tuple[str, str], float]:
    """vacatures_regio_provincie.csv, all sectors: (region, quarter) → thousands."""
    rows = _read(shared_data / "cbs" / "vacatures_regio_provincie.csv", ",")
    return {
        (r["Regios"], r["Perioden"]): float(r["OpenstaandeVacatures"])
        for r in rows
        if r["BedrijfstakkenBranchesSBI2008"] == ALL_SECTORS and _number(r["OpenstaandeVacatures"])
    }


@pytest.fixture(scope="module")
def national(shared_data: Path) -> dict[str, float]:
    """80472ned, all sectors: period → open vacancies in thousands."""
    rows = _read(shared_data / "cbs" / "80472ned_vacatures_sbi.csv", ";")
    return {
        r["Perioden"]: float(r["OpenstaandeVacatures_1"])
        for r in rows
        if r["Bedrijfskenmerken"] == ALL_SECTORS and _number(r["OpenstaandeVacatures_1"])
    }


@pytest.fixture(scope="module")
def engine(real_url: str) -> Engine:
    return open_engine(real_url)


def _dataset_ids(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        rows = query(session, CubeQuery(measure="vacancies_open", region="PV23", by=("dataset",)))
        regional_id = {int(r.keys["dataset"]) for r in rows}
        rows = query(
            session,
            CubeQuery(measure="vacancies_open", periods=("1997KW01",), by=("dataset",)),
        )
        national_id = {int(r.keys["dataset"]) for r in rows}
    (r_id,), (n_id,) = regional_id, national_id
    return {"regional": r_id, "national": n_id}


def test_every_region_of_the_regional_table_is_its_own_figure(
    engine: Engine, regional: dict[tuple[str, str], float]
) -> None:
    ids = _dataset_ids(engine)
    per_region: dict[str, dict[str, float]] = defaultdict(dict)
    for (region, period), value in regional.items():
        per_region[region][period] = value
    assert {"NL01", "LD01", "PV23"} <= set(per_region)
    with session_scope(engine) as session:
        for region, expected in per_region.items():
            q = CubeQuery(measure="vacancies_open", region=region, by=("dataset",))
            got = {
                r.period: r.value for r in query(session, q) if r.keys["dataset"] == ids["regional"]
            }
            assert got == pytest.approx(expected), region


def test_the_national_figure_is_80472ned_once_and_names_the_other(
    engine: Engine, national: dict[str, float], regional: dict[tuple[str, str], float]
) -> None:
    ids = _dataset_ids(engine)
    both = sorted(p for (region, p) in regional if region == "NL01" and p in national)
    assert len(both) > 40
    with session_scope(engine) as session:
        result = query_result(
            session, CubeQuery(measure="vacancies_open", region="NL01", periods=tuple(both))
        )
    assert {r.period: r.value for r in result.rows} == pytest.approx({p: national[p] for p in both})
    (aside,) = result.left_out
    assert (aside.dataset, aside.reason) == (ids["regional"], "same-total")
    assert set(aside.periods) == set(both)
    assert f"(dataset {ids['national']}), dat is gebruikt" in aside.text


def test_acceptance_cli_query_and_api_give_one_national_figure(
    real_url: str, national: dict[str, float]
) -> None:
    args = ["--measure", "vacancies_open", "--region", "NL01", "--period", "2019KW01"]
    result = CliRunner().invoke(app, ["query", *args, "--format", "json", "--database", real_url])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [(r["period"], r["value"]) for r in records] == [("2019KW01", national["2019KW01"])]
    assert "niet opgeteld voor Nederland" in result.stderr
    with TestClient(create_app(Settings(database_url=real_url))) as client:
        body = client.get(
            "/api/v1/observations?measure=vacancies_open&region=NL01&period=2019KW01"
        ).json()
    assert [r["value"] for r in body["data"]] == [national["2019KW01"]]
    provenance = body["provenance"]
    ids = _dataset_ids(open_engine(real_url))
    assert provenance["datasets"] == [ids["national"]]
    assert [o["dataset"] for o in provenance["left_out"]] == [ids["regional"]]


def test_duo_files_publish_no_region_total_rows(shared_data: Path) -> None:
    """Every row of DUO's files is one institution's (or location's): none is a region's own
    total, so the region-total rule leaves them as they are and their sums are the rows'."""
    for path in sorted((shared_data / "duo").glob("*.csv")):
        rows = _read(path, ";")
        column = next(
            c for c in rows[0] if c in ("BRIN NUMMER", "INSTELLINGSCODE", "BRIN NUMMER ACTUEEL")
        )
        data = [r for r in rows if any(r.values())]
        assert data and all(r[column] for r in data), path.name
