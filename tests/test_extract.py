"""The content pack's extract of the open data (issue 16 point 11): re-derived from the
publisher files byte for byte (fails on drift), its figures equal to sums over the raw CSV
files computed here, the same as a full import for the region, the province and the
Netherlands, superseded (not doubled) by a full import, and loaded by ``serve`` on an empty
embedded default so that the first page shows goals with measurements, the flow and the
labour market."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import _fresh_url
from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.errors import ContentError
from pijplijn.ingest import extract as ex
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.extract import derive_extract
from pijplijn.store.imports import import_files
from pijplijn.store.models import Dataset
from pijplijn.store.setup import initialise
from pijplijn.web.app import create_app

PACK = load_pack("twente")
FOLDER = PACK.root / ex.EXTRACT_DIR


def raw_rows(path: Path, delimiter: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle, delimiter=delimiter)
        ]


def shipped_frame(name: str) -> pl.DataFrame:
    """A dataset of the shipped extract as the loader reads it."""
    for parsed in ex.read(PACK.root):
        if Path(parsed.report.file).name == name:
            return parsed.observations
    raise AssertionError(f"{name} not in the extract")


def twente_names(shared_data: Path) -> dict[str, str]:
    """Twente's gemeenten (veiligheidsregio VR05) by upper-case name as DUO prints them."""
    rows = raw_rows(shared_data / "geo" / "koppelcodes_gemeenten.csv", ";", "utf-8-sig")
    return {
        r["gemeenteNaam"].upper().replace(" (O.)", ""): r["gemeentCode"]
        for r in rows
        if r["veiligheidsRegioCode"] == "VR05"
    }


@pytest.fixture(scope="module")
def extract_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database initialised as a first start does: the seed figures and the extract."""
    for url in _fresh_url(tmp_path_factory.mktemp("extract")):
        engine = open_engine(url)
        initialise(engine, PACK, demo=True, extract=True)
        engine.dispose()
        yield url


def test_the_shipped_extract_is_rederived_byte_for_byte(shared_data: Path) -> None:
    derived = ex.render(derive_extract(shared_data, PACK))
    assert derived == ex.shipped(FOLDER), (
        "the pack's extract drifted from ../shared/data: run `pijplijn extract`"
    )
    manifest = json.loads(derived[ex.MANIFEST])
    for entry in manifest["datasets"]:
        raw = shared_data / entry["derived_from"]["file"]
        assert entry["derived_from"]["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()


def test_the_extract_is_small_aggregated_and_licensed() -> None:
    size = sum(p.stat().st_size for p in FOLDER.iterdir())
    assert size < 2 * 1024 * 1024
    manifest = json.loads((FOLDER / ex.MANIFEST).read_text("utf-8"))
    licences = {e["source_key"]: (e["publisher"], e["licence"]) for e in manifest["datasets"]}
    assert licences["duo-vo-examens"] == ("DUO", "CC0 1.0")
    assert licences["duo-mbo-deelnemers"] == ("DUO", "CC0 1.0")
    assert licences["cbs:83582ned"] == ("CBS", "CC BY 4.0")
    assert licences["cbs:vacatures-regio"] == ("CBS", "CC BY 4.0")
    for entry in manifest["datasets"]:
        frame = shipped_frame(entry["file"])
        assert entry["loader"].startswith(ex.LOADER_PREFIX)
        assert entry["periods"] and entry["rows"] == frame.height
        # Summed over programmes and school locations: no row names one.
        for column in ex.DETAIL_COLUMNS:
            if entry["source_key"].startswith("duo"):
                assert frame.get_column(column).null_count() == frame.height, column


def test_vmbo_techniek_candidates_in_twente_equal_the_raw_sum(shared_data: Path) -> None:
    names = twente_names(shared_data)
    column = "EXAMENKANDIDATEN SCHOOLJAAR 2023-2024 - TOTAAL"
    raw = [
        r
        for r in raw_rows(shared_data / "duo" / "vo_examenkandidaten_2019-2024.csv", ";")
        if r["GEMEENTENAAM"] in names
        and r["ONDERWIJSTYPE VO"] == "VMBO"
        and r["OPLEIDINGSNAAM"].endswith(" - techniek")
    ]
    known = sum(int(r[column]) for r in raw if r[column] != "<5")
    suppressed = sum(1 for r in raw if r[column] == "<5")
    assert (known, suppressed > 0) == (792, True)
    frame = shipped_frame("duo-vo-examens.csv.gz").filter(
        pl.col("region_code").is_in(sorted(names.values()))
        & pl.col("stage").str.starts_with("vmbo")
        & (pl.col("sector") == "techniek")
        & pl.col("gender").is_null()
        & (pl.col("measure") == "exam_candidates")
        & (pl.col("period") == "2023-2024")
    )
    assert frame.get_column("value").sum() == known
    # Suppressed stays suppressed: rows with no value, never a 0.
    flagged = frame.filter(pl.col("flag") == "suppressed")
    assert flagged.height > 0 and flagged.get_column("value").null_count() == flagged.height


def test_jobs_and_mbo_students_equal_the_raw_files(shared_data: Path) -> None:
    jobs = raw_rows(shared_data / "cbs" / "83582ned_banen_corop.csv", ",")
    twente_2024 = [
        r
        for r in jobs
        if r["RegioS"] == "CR12"
        and r["Perioden"] == "2024JJ00"
        and r["BedrijfstakkenBranchesSBI2008"] == "T001081"
    ]
    assert [r["BanenVanWerknemersInDecember_1"] for r in twente_2024] == ["320.4"]
    frame = shipped_frame("cbs_83582ned.csv.gz").filter(
        (pl.col("region_code") == "CR12") & (pl.col("period") == "2024")
    )
    # The published figure as published: CR12 is one row per sector, not a sum.
    assert frame.filter(pl.col("sector") == "T001081").get_column("value").to_list() == [320.4]

    mbo = raw_rows(shared_data / "duo" / "mbo_deelnemers_2015-2019.csv", ";")
    roc = sum(int(r["TOTAAL2019"]) for r in mbo if r["BRIN NUMMER"] == "27YU" and r["TOTAAL2019"])
    assert roc == 19485
    shipped = shipped_frame("duo-mbo-deelnemers.csv.gz").filter(
        (pl.col("institution") == "27YU")
        & (pl.col("period") == "2019")
        & pl.col("gender").is_null()
    )
    assert shipped.get_column("value").sum() == roc


def test_a_first_start_has_the_raw_totals_for_region_province_and_country(
    extract_url: str, shared_data: Path
) -> None:
    mbo = raw_rows(shared_data / "duo" / "mbo_deelnemers_2015-2019.csv", ";")
    national = sum(int(r["TOTAAL2019"]) for r in mbo if r["TOTAAL2019"])
    assert national == 501903
    jobs = raw_rows(shared_data / "cbs" / "83582ned_banen_corop.csv", ",")
    corop_2024 = [
        r
        for r in jobs
        if r["Perioden"] == "2024JJ00"
        and r["BedrijfstakkenBranchesSBI2008"] == "T001081"
        and r["BanenVanWerknemersInDecember_1"]
    ]
    engine = open_engine(extract_url)
    try:
        with session_scope(engine) as session:
            students = query(
                session, CubeQuery(measure="enrolled", region="NL01", periods=("2019",))
            )
            roc = query(
                session,
                CubeQuery(
                    measure="enrolled", region="twente", institution="27YU", periods=("2019",)
                ),
            )
            counted = {
                code: query(
                    session,
                    CubeQuery(
                        measure="jobs",
                        region=code,
                        periods=("2024",),
                        filters={"sector": "T001081"},
                    ),
                )
                for code in ("CR12", "PV23", "NL01")
            }
    finally:
        engine.dispose()
    assert [r.value for r in students] == [national]
    assert [r.value for r in roc] == [19485]
    overijssel = {"CR10", "CR11", "CR12"}
    assert [r.value for r in counted["CR12"]] == [320.4]
    assert counted["PV23"][0].value == pytest.approx(
        sum(
            float(r["BanenVanWerknemersInDecember_1"])
            for r in corop_2024
            if r["RegioS"] in overijssel
        )
    )
    assert counted["NL01"][0].value == pytest.approx(
        sum(float(r["BanenVanWerknemersInDecember_1"]) for r in corop_2024)
    )


QUERIES: tuple[CubeQuery, ...] = tuple(
    q
    for region in ("twente", "GM0153", "PV23", "NL01")
    for q in (
        CubeQuery(
            measure="exam_candidates",
            region=region,
            by=("stage", "domain"),
            classification="techniek",
        ),
        CubeQuery(measure="exam_passed", region=region, by=("gender",)),
        CubeQuery(
            measure="enrolled",
            region=region,
            by=("level", "pathway", "domain"),
            classification="techniek",
        ),
        CubeQuery(measure="enrolled", region=region, by=("gender",)),
        CubeQuery(
            measure="first_year",
            region=region,
            by=("stage", "domain"),
            classification="techniek",
        ),
        CubeQuery(measure="graduates", region=region, by=("stage", "level")),
        CubeQuery(measure="vacancies_open", region=region, by=("sector",)),
        CubeQuery(measure="jobs", region=region, by=("sector",)),
    )
) + (
    CubeQuery(measure="jobs", region="CR12", by=("sector",)),
    CubeQuery(measure="enrolled", region="twente", by=("institution", "pathway", "gender")),
    CubeQuery(measure="first_year", region="twente", by=("institution", "pathway")),
)


Figure = tuple[float | None, str | None, str, str | None, str | None]


def _figures(url: str) -> dict[int, dict[tuple[Any, ...], Figure]]:
    engine = open_engine(url)
    try:
        with session_scope(engine) as session:
            return {
                n: {
                    (r.period, *sorted(r.keys.items())): (
                        None if r.value is None else round(r.value, 6),
                        r.flag,
                        r.unit,
                        r.classification,
                        r.coverage,
                    )
                    for r in query(session, q)
                }
                for n, q in enumerate(QUERIES)
            }
    finally:
        engine.dispose()


def test_the_extract_gives_what_a_full_import_gives(extract_url: str, real_url: str) -> None:
    extracted, imported = _figures(extract_url), _figures(real_url)
    for n, q in enumerate(QUERIES):
        assert extracted[n] == imported[n], (q.measure, q.region, q.by)
    assert sum(len(rows) for rows in extracted.values()) > 10000


def test_a_full_import_supersedes_the_extract(database_url: str, shared_data: Path) -> None:
    engine = open_engine(database_url)
    try:
        initialise(engine, PACK, demo=True, extract=True)
        jobs = CubeQuery(
            measure="jobs", region="NL01", by=("period",), filters={"sector": "T001081"}
        )
        with session_scope(engine) as session:
            before = {r.period: r.value for r in query(session, jobs)}
        outcomes = import_files(engine, PACK, [shared_data / "cbs" / "83582ned_banen_corop.csv"])
        assert outcomes[0].load is not None and outcomes[0].load.superseded
        with session_scope(engine) as session:
            after = {r.period: r.value for r in query(session, jobs)}
            statuses = {
                d.loader: d.status
                for d in session.scalars(
                    select(Dataset).where(Dataset.source_key == "cbs:83582ned")
                )
            }
        # Loading the extract again (a second init) changes nothing.
        again = initialise(engine, PACK, demo=True, extract=True)
    finally:
        engine.dispose()
    assert statuses == {"extract:cbs@1": "superseded", "cbs@1": "current"}
    assert after.keys() == before.keys()
    assert after == pytest.approx(before)
    assert {load.status for _, load in again.extract} == {"unchanged"}


def test_serve_on_an_empty_default_database_loads_the_extract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "pijplijn" / "pijplijn.db"
    monkeypatch.setattr("pijplijn.settings.default_database_path", lambda: default)
    # serve sets these for its workers before it execs Uvicorn: restored after the test.
    for name in (
        "PIJPLIJN_DATABASE_URL",
        "PIJPLIJN_REQUEST_BODY_TIMEOUT",
        "PIJPLIJN_REQUEST_HEADER_TIMEOUT",
    ):
        monkeypatch.setenv(name, "")  # recorded, so that teardown restores the original
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIJPLIJN_DEMO_EXTRACT", "1")

    class Started(Exception):
        pass

    def execv(path: str, argv: list[str]) -> None:
        raise Started(argv)

    monkeypatch.setattr("pijplijn.cli.serve.os.execv", execv)
    result = CliRunner().invoke(app, ["serve", "--port", "8999"])
    assert isinstance(result.exception, Started), result.output
    assert default.is_file()
    url = f"sqlite:///{default}"
    with TestClient(create_app(Settings(database_url=url))) as client:
        page = client.get("/")
        overview = client.get("/api/v1/overview").json()
        goals = client.get("/api/v1/goals")
    assert page.status_code == 200
    # Goals with measurements from the open data, not only the seed documents' baselines.
    assert "van de 10 doelen" in overview["headline"]
    assert goals.status_code == 200
    measured = [
        g["id"]
        for g in goals.json()["data"]
        if any(m["period"] >= "2015" and m["value"] is not None for m in g["measurements"])
    ]
    assert {"tta-instroom-vmbo-techniek", "tta-deelname-bbl", "tta-participatie-meisjes"} <= set(
        measured
    )
    # The pipeline flow: mbo per niveau, hbo and wo counted for the region.
    counted = {n["id"]: n["total"] for n in overview["flow"]["nodes"] if n["total"]}
    assert {"mbo-2", "mbo-3", "mbo-4", "hbo", "wo"} <= set(counted)
    # The labour market: vacancies and jobs from CBS among the key figures and the sources.
    figures = {f["indicator"]: f for f in overview["figures"]}
    assert figures["vmbo-examenkandidaten-techniek"]["value"] == 792
    assert figures["vacatures-open"]["value"] is not None
    keys = {s["source_key"] for s in overview["sources"]}
    assert {"cbs:83582ned", "cbs:vacatures-regio", "duo-vo-examens"} <= keys
    assert "792" in page.text


def _first_page(url: str) -> tuple[Any, ...]:
    with TestClient(create_app(Settings(database_url=url))) as client:
        overview = client.get("/api/v1/overview").json()
        goals = client.get("/api/v1/goals").json()["data"]
    return (
        overview["headline"],
        {n["id"]: (n["total"], n["in_domain"], n["flag"]) for n in overview["flow"]["nodes"]},
        {f["indicator"]: (f["period"], f["value"]) for f in overview["figures"]},
        {
            g["id"]: (
                g["status"],
                [(m["period"], m["value"], m["flag"]) for m in g["measurements"]],
            )
            for g in goals
        },
    )


def test_the_first_page_is_the_one_a_full_import_gives(extract_url: str, real_url: str) -> None:
    extracted = _first_page(extract_url)
    assert extracted == _first_page(real_url)
    headline, flow, figures, goals = extracted
    assert sum(1 for total, *_ in flow.values() if total) >= 6
    assert sum(1 for _, points in goals.values() if points) >= 8


def test_extract_without_the_publisher_files_is_one_line_and_writes_nothing(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["extract", "--from", str(tmp_path / "nergens"), "--out", str(target)]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "vo_examenkandidaten_2019-2024.csv" in lines[0], result.output
    assert "bestand bestaat niet" in lines[0] and "Traceback" not in result.output
    assert not target.exists()


def test_an_altered_extract_file_stops_the_load_naming_it(tmp_path: Path) -> None:
    copy = tmp_path / ex.EXTRACT_DIR
    copy.mkdir()
    for path in FOLDER.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    name = "cbs_83582ned.csv.gz"
    text = ex.shipped(copy)[name].replace("320.4", "320.5", 1)
    (copy / name).write_bytes(gzip.compress(text.encode("utf-8")))
    with pytest.raises(ContentError, match=name):
        ex.read(tmp_path)
