"""The source's own totals are kept and used (issue #12, point 3).

DUO prints TOTAAL beside MAN and VROUW, unsuppressed where only a part is ``<5``. pijplijn
stores it as an observation of its own (gender null) and the cube sums it for every figure
without a gender breakdown; by gender it sums the parts. Every expected figure here is
computed from the raw files in ../shared/data, never from pijplijn's output.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from pijplijn import vocabulary as vocab
from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.cube import CubeQuery, CubeRow, query
from pijplijn.engine.indicators import Catalog, evaluate
from pijplijn.errors import QueryError
from pijplijn.ingest.issues import ImportReport
from pijplijn.ingest.records import DatasetInfo, ParsedSource, conform
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.load import load_source
from pijplijn.store.models import Observation
from pijplijn.store.setup import initialise
from pijplijn.web.app import create_app

MEASURES = {"EXAMENKANDIDATEN": "exam_candidates", "GESLAAGDEN": "exam_passed"}
Sum = tuple[float | None, str | None]
"""An expected cube cell: value (None when nothing is known) and flag."""


# --- expected figures from the raw files --------------------------------------------------


def read_csv(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(handle, delimiter=delimiter)
            if any((v or "").strip() for v in row.values())
        ]


def plain_name(name: str) -> str:
    """A gemeente name as DUO's vo file prints it: upper case, no '(O.)'."""
    return re.sub(r"\s*\(.*\)$", "", name).upper()


@pytest.fixture(scope="module")
def twente(shared_data: Path) -> dict[str, str]:
    """The 14 Twente gemeenten (veiligheidsregio VR05 in the koppelcodes): code → name."""
    rows = read_csv(shared_data / "geo" / "koppelcodes_gemeenten.csv")
    found = {
        r["gemeentCode"]: r["gemeenteNaam"] for r in rows if r["veiligheidsRegioCode"] == "VR05"
    }
    assert len(found) == 14
    return found


@pytest.fixture(scope="module")
def vo_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "duo").glob("vo_examenkandidaten_*.csv"))
    assert files
    return files


@pytest.fixture(scope="module")
def vo_rows(vo_files: list[Path]) -> list[dict[str, str]]:
    return [r for path in vo_files for r in read_csv(path)]


def school_years(rows: list[dict[str, str]]) -> list[str]:
    return sorted({k.split(" ")[2] for k in rows[0] if k.startswith("EXAMENKANDIDATEN")})


def add(cells: list[str]) -> Sum:
    """The cube's rule for a sum, applied by hand: known counts add up, '<5' and blank are
    unknown and flag the sum, and a flagged sum with nothing above 0 is no figure."""
    known = [float(c) for c in cells if c.isdigit()]
    flag = "suppressed" if "<5" in cells else ("missing" if "" in cells else None)
    value = sum(known) if known else None
    if value == 0 and flag is not None:
        value = None
    return value, flag


def duo_totals(rows: list[dict[str, str]], measure: str, year: str) -> dict[str, Sum]:
    """Per opleiding, the sum of DUO's TOTAAL column (its MAN and VROUW where TOTAAL is blank)."""
    return {name: add(found) for name, found in duo_cells(rows, measure, year).items()}


def duo_cells(rows: list[dict[str, str]], measure: str, year: str) -> dict[str, list[str]]:
    """Per opleiding, DUO's TOTAAL cells (MAN and VROUW where TOTAAL is blank)."""
    cells: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        column = f"{measure} SCHOOLJAAR {year} - "
        own = [r[column + g] for g in ("MAN", "VROUW", "TOTAAL")]
        if not any(own) and not any(
            r[f"{m} SCHOOLJAAR {year} - {g}"] for m in MEASURES for g in ("MAN", "VROUW", "TOTAAL")
        ):
            continue  # the programme had no candidates at this location that year
        total = r[column + "TOTAAL"]
        cells[r["OPLEIDINGSNAAM"]] += [total] if total else own[:2]
    return cells


def cube_cells(rows: list[CubeRow], key: str) -> dict[str, Sum]:
    return {r.keys[key]: (r.value, r.flag) for r in rows}


# --- synthetic: how the cube uses a total beside its parts ----------------------------------

SYNTHETIC = [
    # (location, gender, value, flag): one cell of a source with its published total, one
    # without (TOTAAL blank), one whose every figure is small, and one of real zeros.
    ("A", "man", None, "suppressed"),
    ("A", "vrouw", 11.0, None),
    ("A", None, 14.0, None),
    ("B", "man", 6.0, None),
    ("B", "vrouw", None, "suppressed"),
    ("C", "man", 0.0, None),
    ("C", "vrouw", None, "suppressed"),
    ("C", None, None, "suppressed"),
]


@pytest.fixture
def synthetic(empty_engine: Engine) -> Engine:
    """A store with one synthetic dataset of the cells above (not real data)."""
    initialise(empty_engine, load_pack("twente"), demo=False)
    frame = conform(
        pl.DataFrame(
            {
                "source_ref": [c[0] for c in SYNTHETIC],
                "gender": [c[1] for c in SYNTHETIC],
                "value": [c[2] for c in SYNTHETIC],
                "flag": [c[3] for c in SYNTHETIC],
            },
            schema={"source_ref": pl.Utf8, "gender": pl.Utf8, "value": pl.Float64, "flag": pl.Utf8},
        ).with_columns(
            pl.lit("exam_candidates").alias("measure"),
            pl.lit("2023-2024").alias("period"),
            pl.lit("school_year").alias("period_unit"),
            pl.lit("GM0153").alias("region_code"),
            pl.lit("havo").alias("stage"),
            pl.lit("count").alias("unit"),
            pl.col("source_ref").alias("programme_name"),
        )
    )
    info = DatasetInfo(
        source_key="synthetic",
        publisher="test",
        title="synthetic",
        source="test",
        loader="t@1",
        sha256="0" * 64,
        licence="none",
    )
    parsed = ParsedSource(info=info, report=ImportReport(file="synthetic"), observations=frame)
    with session_scope(empty_engine) as session:
        load_source(session, parsed)
    return empty_engine


def test_the_cube_sums_the_published_total_or_the_parts_never_both(synthetic: Engine) -> None:
    with session_scope(synthetic) as session:
        paired = dict(
            session.execute(
                select(Observation.id, Observation.paired).order_by(Observation.id)
            ).all()
        )
        per_cell = query(session, CubeQuery(measure="exam_candidates", by=("programme_name",)))
        whole = query(session, CubeQuery(measure="exam_candidates"))
        by_gender = query(session, CubeQuery(measure="exam_candidates", by=("gender",)))
        women = query(session, CubeQuery(measure="exam_candidates", filters={"gender": "vrouw"}))
    # A and C have a total beside their parts; B's parts stand alone.
    assert list(paired.values()) == [True, True, True, False, False, True, True, True]
    assert cube_cells(per_cell, "programme_name") == {
        "A": (14.0, None),  # DUO's total, not the 11 of the known part
        "B": (6.0, "suppressed"),  # no total published: the parts, a lower bound
        "C": (None, "suppressed"),  # nothing known: no figure, never 0
    }
    assert [(r.value, r.flag, r.cells) for r in whole] == [(20.0, "suppressed", 4)]
    assert cube_cells(by_gender, "gender") == {
        "man": (6.0, "suppressed"),
        "vrouw": (11.0, "suppressed"),
    }
    assert [(r.value, r.flag) for r in women] == [(11.0, "suppressed")]


# --- a database with the real files ---------------------------------------------------------


@pytest.fixture(scope="module")
def engine(real_url: str) -> Iterator[Engine]:
    engine = open_engine(real_url)
    yield engine
    engine.dispose()


def test_the_example_of_the_issue_gives_duos_total(
    engine: Engine, vo_rows: list[dict[str, str]]
) -> None:
    (row,) = [
        r for r in vo_rows if (r["VESTIGINGSCODE"], r["OPLEIDINGSNAAM"]) == ("00AH00", "HAVO - C&M")
    ]
    column = "EXAMENKANDIDATEN SCHOOLJAAR 2023-2024 - "
    man, vrouw, total = (row[column + g] for g in ("MAN", "VROUW", "TOTAAL"))
    assert (man, vrouw) == ("<5", "11") and total.isdigit()
    with session_scope(engine) as session:
        q = CubeQuery(
            measure="exam_candidates",
            institution="00AH",
            periods=("2023-2024",),
            filters={"programme_name": "HAVO - C&M"},
            by=("programme_name",),
        )
        # 00AH has several locations with HAVO - C&M: add DUO's TOTAAL over all of them.
        expected = duo_totals(
            [r for r in vo_rows if r["INSTELLINGSCODE"] == "00AH"], "EXAMENKANDIDATEN", "2023-2024"
        )["HAVO - C&M"]
        assert cube_cells(query(session, q), "programme_name") == {"HAVO - C&M": expected}
        by_gender = query(session, CubeQuery(**{**q.__dict__, "by": ("gender",)}))
        genders = {r.keys["gender"] for r in by_gender}
        assert genders == {"man", "vrouw"}  # the parts by gender, never the total beside them


@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_every_twente_and_national_total_per_opleiding_is_duos(
    engine: Engine, vo_rows: list[dict[str, str]], twente: dict[str, str], measure: str
) -> None:
    names = {plain_name(n) for n in twente.values()}
    in_twente = [r for r in vo_rows if r["GEMEENTENAAM"] in names]
    # Every school location's gemeente is one of the 14 (Borne and Dinkelland have none).
    assert {r["GEMEENTENAAM"] for r in in_twente} <= names and len(in_twente) > 100
    with session_scope(engine) as session:
        for year in school_years(vo_rows):
            for region, rows in (("NL01", vo_rows), ("twente", in_twente)):
                q = CubeQuery(
                    measure=MEASURES[measure],
                    region=region,
                    periods=(year,),
                    by=("programme_name",),
                )
                got = cube_cells(query(session, q), "programme_name")
                assert got == duo_totals(rows, measure, year), (region, year)


def test_twentes_vmbo_techniek_candidates_are_duos_total(
    engine: Engine, vo_rows: list[dict[str, str]], twente: dict[str, str]
) -> None:
    names = {plain_name(n) for n in twente.values()}
    rows = [
        r
        for r in vo_rows
        if r["GEMEENTENAAM"] in names
        and r["ONDERWIJSTYPE VO"] == "VMBO"
        and r["OPLEIDINGSNAAM"].endswith(" - techniek")
    ]
    cells = [r["EXAMENKANDIDATEN SCHOOLJAAR 2023-2024 - TOTAAL"] for r in rows]
    expected = sum(float(c) for c in cells if c.isdigit())
    catalog = Catalog(load_pack("twente").indicators)
    with session_scope(engine) as session:
        result = evaluate(
            session,
            catalog.get("vmbo-examenkandidaten-techniek"),
            "twente",
            periods=["2023-2024"],
            by=[],
        )
    (value,) = result.values
    assert value.value == expected


@pytest.fixture(scope="module")
def brins(vo_rows: list[dict[str, str]]) -> list[str]:
    return sorted({r["INSTELLINGSCODE"] for r in vo_rows})


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_property_any_institution_and_year_sums_duos_totaal(
    engine: Engine, vo_rows: list[dict[str, str]], brins: list[str], data: st.DataObject
) -> None:
    brin = data.draw(st.sampled_from(brins), label="brin")
    year = data.draw(st.sampled_from(school_years(vo_rows)), label="year")
    measure = data.draw(st.sampled_from(sorted(MEASURES)), label="measure")
    rows = [r for r in vo_rows if r["INSTELLINGSCODE"] == brin]
    expected = duo_totals(rows, measure, year)
    with session_scope(engine) as session:
        q = CubeQuery(
            measure=MEASURES[measure], institution=brin, periods=(year,), by=("programme_name",)
        )
        assert cube_cells(query(session, q), "programme_name") == expected


def test_acceptance_query_twente_2023_2024_by_programme(
    real_url: str, vo_rows: list[dict[str, str]], twente: dict[str, str]
) -> None:
    names = {plain_name(n) for n in twente.values()}
    expected = duo_totals(
        [r for r in vo_rows if r["GEMEENTENAAM"] in names], "EXAMENKANDIDATEN", "2023-2024"
    )
    result = CliRunner().invoke(
        app,
        [
            "query",
            "--measure",
            "exam_candidates",
            "--region",
            "twente",
            "--period",
            "2023-2024",
            "--by",
            "programme_name",
            "--format",
            "json",
            "--database",
            real_url,
        ],
    )
    assert result.exit_code == 0, result.output
    got = {r["programme_name"]: (r["value"], r["flag"]) for r in json.loads(result.stdout)}
    assert got == expected
    # 00AH00's HAVO - C&M (MAN <5, VROUW 11, TOTAAL 14) counts 14 in here, not 11.
    assert got["HAVO - C&M"][0] is not None


def test_mbo_totals_per_sector_are_duos(engine: Engine, shared_data: Path) -> None:
    rows = read_csv(shared_data / "duo" / "mbo_deelnemers_2015-2019.csv")
    rows = [r for r in rows if r["BRIN NUMMER"]]
    years = sorted({k[-4:] for k in rows[0] if re.fullmatch(r"TOTAAL\d{4}", k)})
    with session_scope(engine) as session:
        for year in years:
            for brin in (None, "27YU"):
                chosen = [r for r in rows if brin is None or r["BRIN NUMMER"] == brin]
                cells: dict[str, list[str]] = defaultdict(list)
                for r in chosen:
                    own = [r[f"{g}{year}"] for g in ("MAN", "VROUW", "TOTAAL")]
                    if any(own):
                        cells[r["MBO SECTOR"]] += [own[2]] if own[2] else own[:2]
                q = CubeQuery(
                    measure="enrolled",
                    stage="mbo",
                    institution=brin,
                    periods=(year,),
                    by=("sector",),
                )
                got = {
                    r.keys["sector"]: (r.value, r.flag)
                    for r in query(session, q)
                    if r.keys["sector"] in cells
                }
                assert got == {s: add(c) for s, c in cells.items()}, (year, brin)


@pytest.mark.parametrize(
    ("file", "measure"),
    [
        ("hbo_eerstejaars_2015-2019.csv", "first_year"),
        ("wo_eerstejaars_2015-2019.csv", "first_year"),
    ],
)
def test_ho_files_publish_no_total_and_their_parts_add_up(
    engine: Engine, shared_data: Path, twente: dict[str, str], file: str, measure: str
) -> None:
    rows = read_csv(shared_data / "duo" / file)
    # DUO's ho tables have one row per gender and no total row: nothing to keep beside them.
    assert {r["GESLACHT"] for r in rows} == set(vocab.GENDERS)
    stage = file.split("_")[0]
    years = [k for k in rows[0] if k.isdigit()]
    with session_scope(engine) as session:
        for year in years:
            for region in ("NL01", "twente"):
                chosen = [
                    r for r in rows if region == "NL01" or f"GM{r['GEMEENTENUMMER']}" in twente
                ]
                cells: dict[str, list[str]] = defaultdict(list)
                for r in chosen:
                    cells[r["CROHO ONDERDEEL"]].append(r[year])
                q = CubeQuery(
                    measure=measure, region=region, stage=stage, periods=(year,), by=("sector",)
                )
                got = cube_cells(query(session, q), "sector")
                expected = {k: add(v) for k, v in cells.items() if any(v)}
                assert {k: v for k, v in got.items() if k in expected} == expected, (
                    year,
                    region,
                )


# --- every DUO file: the national total per period is the file's ---------------------------


def duo_national_cells(path: Path, measure: str) -> dict[str, list[str]]:
    """Per period, the cells of a DUO file whose sum is its national total: the published
    TOTAAL column where the file has one (its MAN and VROUW where TOTAAL is blank), else
    every row's cell (the ho files print one row per gender and no total)."""
    rows = [r for r in read_csv(path) if any(r.values())]
    if path.name.startswith("vo_"):
        source = "EXAMENKANDIDATEN" if measure == "exam_candidates" else "GESLAAGDEN"
        found: dict[str, list[str]] = {}
        for year in school_years(rows):
            found[year] = [c for cells in duo_cells(rows, source, year).values() for c in cells]
        return found
    if path.name.startswith("mbo_"):
        years = sorted({k[-4:] for k in rows[0] if re.fullmatch(r"TOTAAL\d{4}", k)})
        found = {year: [] for year in years}
        for r in rows:
            for year in years:
                own = [r[f"{g}{year}"] for g in ("MAN", "VROUW", "TOTAAL")]
                if any(own):
                    found[year] += [own[2]] if own[2] else own[:2]
        return found
    years = [k for k in rows[0] if k.isdigit()]
    return {year: [r[year] for r in rows] for year in years}


DUO_FILES = (
    ("mbo_deelnemers_2015-2019.csv", "enrolled", "mbo"),
    ("hbo_eerstejaars_2015-2019.csv", "first_year", "hbo"),
    ("wo_eerstejaars_2015-2019.csv", "first_year", "wo"),
    ("hbo_gediplomeerden_2014-2018.csv", "graduates", "hbo"),
    ("wo_gediplomeerden_2014-2018.csv", "graduates", "wo"),
    ("vo_examenkandidaten_2019-2024.csv", "exam_candidates", None),
    ("vo_examenkandidaten_2019-2024.csv", "exam_passed", None),
)


@pytest.mark.parametrize(("file", "measure", "stage"), DUO_FILES)
def test_every_duo_files_national_total_per_period_is_the_files(
    engine: Engine, shared_data: Path, file: str, measure: str, stage: str | None
) -> None:
    expected = {
        year: add(cells)
        for year, cells in duo_national_cells(shared_data / "duo" / file, measure).items()
    }
    assert expected
    with session_scope(engine) as session:
        for region in ("NL01", None):
            q = CubeQuery(measure=measure, region=region, stage=stage, periods=tuple(expected))
            got = {r.period: (r.value, r.flag) for r in query(session, q)}
            assert got == expected, (file, region)


# --- suppressed is never 0 -------------------------------------------------------------------

BREAKDOWNS: tuple[tuple[str, ...], ...] = (
    (),
    ("period",),
    ("period", "region"),
    ("period", "stage"),
    ("period", "gender"),
    ("period", "programme_name"),
    ("period", "sector"),
    ("period", "institution"),
)


def unknown_zeros(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in rows if r.get("value") == 0 and r.get("flag") in vocab.UNKNOWN_FLAGS]


def test_no_cube_sum_is_zero_with_a_suppressed_flag(engine: Engine) -> None:
    with session_scope(engine) as session:
        measures = sorted(
            set(session.scalars(select(Observation.measure).distinct())) - vocab.PUBLISHED_MEASURES
        )
        assert "exam_candidates" in measures
        for measure in measures:
            for region in (None, "twente"):
                for by in BREAKDOWNS:
                    try:
                        rows = query(session, CubeQuery(measure=measure, region=region, by=by))
                    except QueryError:
                        continue  # e.g. mixed units: refused, so nothing returned
                    found = unknown_zeros([r.to_record() for r in rows])
                    assert found == [], (measure, region, by, found[:3])


def test_no_indicator_value_or_input_is_zero_with_a_suppressed_flag(engine: Engine) -> None:
    catalog = Catalog(load_pack("twente").indicators)
    with session_scope(engine) as session:
        for indicator in load_pack("twente").indicators:
            for region in ("twente", "NL01", "PV23"):
                result = evaluate(session, catalog.get(indicator.id), region)
                for value in result.values:
                    records = [value.model_dump(), *(i.model_dump() for i in value.inputs)]
                    assert unknown_zeros(records) == [], (indicator.id, region, value.period)


def test_no_stored_observation_is_zero_with_a_suppressed_flag(engine: Engine) -> None:
    with session_scope(engine) as session:
        flagged = session.scalars(
            select(Observation.value).where(Observation.flag.in_(sorted(vocab.UNKNOWN_FLAGS)))
        ).all()
    assert flagged and set(flagged) == {None}


def test_cli_and_api_return_no_zero_with_a_suppressed_flag(real_url: str) -> None:
    args = ["--measure", "exam_candidates", "--region", "twente", "--by", "period,programme_name"]
    result = CliRunner().invoke(app, ["query", *args, "--format", "json", "--database", real_url])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert any(r["flag"] == "suppressed" and r["value"] is None for r in records)
    assert unknown_zeros(records) == []
    with TestClient(create_app(Settings(database_url=real_url))) as client:
        body = client.get(
            "/api/v1/observations?measure=exam_candidates&region=twente"
            "&by=period,programme_name&page_size=1000"
        ).json()
    assert body["total"] > 0 and unknown_zeros(body["data"]) == []


def test_no_cli_or_api_output_of_any_measure_is_zero_with_a_suppressed_flag(
    real_url: str, engine: Engine
) -> None:
    with session_scope(engine) as session:
        measures = sorted(
            set(session.scalars(select(Observation.measure).distinct())) - vocab.PUBLISHED_MEASURES
        )
    assert {"enrolled", "exam_candidates", "vacancies_open", "jobs"} <= set(measures)
    runner = CliRunner()
    with TestClient(create_app(Settings(database_url=real_url))) as client:
        for measure in measures:
            for region in ("twente", "NL01"):
                args = ["query", "--measure", measure, "--region", region, "--by", "period,stage"]
                result = runner.invoke(app, [*args, "--format", "json", "--database", real_url])
                if result.exit_code == 0:
                    assert unknown_zeros(json.loads(result.stdout)) == [], (measure, region)
                else:  # refused (mixed units, or nothing loaded): one line, no figure
                    assert result.exit_code == 2, result.output
                response = client.get(
                    f"/api/v1/observations?measure={measure}&region={region}"
                    "&by=period,stage&page_size=1000"
                )
                if response.status_code == 200:
                    assert unknown_zeros(response.json()["data"]) == [], (measure, region)


def test_migration_0009_pairs_totals_loaded_before_it(empty_engine: Engine) -> None:
    """Rows written before the column existed are paired by the migration itself."""
    from alembic import command

    from pijplijn.store.db import _alembic_config

    config = _alembic_config()
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        columns = (
            "dataset_id, measure, period, period_unit, unit, source_ref, gender, value, active"
        )
        for ref, gender, value in (("A", None, 14.0), ("A", "vrouw", 11.0), ("B", "man", 6.0)):
            connection.execute(
                text(
                    f"INSERT INTO observation ({columns}) VALUES "  # noqa: S608
                    "(1, 'exam_candidates', '2023-2024', 'school_year', 'count', :ref, :gender, "
                    ":value, true)"
                ),
                {"ref": ref, "gender": gender, "value": value},
            )
        command.upgrade(config, "head")
    with session_scope(empty_engine) as session:
        rows = session.execute(
            select(Observation.source_ref, Observation.gender, Observation.paired).order_by(
                Observation.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("A", None, True),
        ("A", "vrouw", True),
        ("B", "man", False),
    ]
