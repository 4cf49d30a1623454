"""Coverage is data: each dataset declares what it covers, and a sum over a region counts a
dataset only where it covers that region completely (docs/data-model.md, Coverage).

Expected figures are computed here from the raw files (the seed CSV of the pack, DUO's CSV in
../shared/data), never taken from pijplijn's output.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from pijplijn.cli.app import app
from pijplijn.content import loader
from pijplijn.content.loader import load_pack
from pijplijn.content.projection import OTHER_DOMAIN, load_projection
from pijplijn.coverage import Coverage, RegionCoverage
from pijplijn.engine.cube import CubeQuery, query, query_result
from pijplijn.engine.indicators import Catalog, evaluate
from pijplijn.engine.projection.model import build_structure
from pijplijn.engine.projection.observed import load_observed
from pijplijn.errors import ContentError, QueryError
from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.issues import ImportReport
from pijplijn.ingest.records import DatasetInfo, ParsedSource, conform
from pijplijn.ingest.template import parse as parse_template
from pijplijn.settings import Settings
from pijplijn.store.db import session_scope
from pijplijn.store.load import load_source
from pijplijn.store.models import Dataset
from pijplijn.store.setup import initialise
from pijplijn.vocabulary import PUBLISHED_MEASURES
from pijplijn.web.app import create_app

PACK = load_pack("twente")
CATALOG = Catalog(PACK.indicators)
SEED = PACK.root / "seed" / "regiovisie.csv"
SEED_YEARS = ("2007", "2008", "2009", "2010", "2011")
TWENTE = [m for s in PACK.region_sets if s.code == "twente" for m in s.members]


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_total(measure: str) -> dict[str, float]:
    """The ROC van Twente table's total per year, from the seed CSV itself."""
    totals: dict[str, float] = defaultdict(float)
    for row in seed_rows():
        if row["measure"] == measure and row["value"]:
            totals[row["period"]] += float(row["value"])
    return dict(totals)


# --- synthetic datasets: how a sum over a region counts each kind of coverage ---------------


def _load(engine: Engine, key: str, rows: list[tuple[str, str, float]], coverage: Coverage) -> int:
    """Load a synthetic dataset of ``enrolled`` mbo counts (region, institution, value) for
    2030, declaring ``coverage``; return its id."""
    frame = conform(
        pl.DataFrame(
            {
                "measure": ["enrolled"] * len(rows),
                "period": ["2030"] * len(rows),
                "period_unit": ["year"] * len(rows),
                "region_code": [r[0] for r in rows],
                "institution": [r[1] or None for r in rows],
                "stage": ["mbo"] * len(rows),
                "value": [r[2] for r in rows],
                "unit": ["count"] * len(rows),
            }
        )
    )
    info = DatasetInfo(
        source_key=f"synthetic:{key}",
        publisher="test (synthetic)",
        title=f"synthetic {key}",
        source="tests/test_coverage.py",
        loader="test@1",
        sha256=hashlib.sha256(key.encode()).hexdigest(),
        coverage=coverage,
    )
    parsed = ParsedSource(info=info, report=ImportReport(file=key), observations=frame)
    with session_scope(engine) as session:
        return load_source(session, parsed).dataset_id


@pytest.fixture
def engine_2030(empty_engine: Engine) -> Engine:
    initialise(empty_engine, PACK, demo=False)
    return empty_engine


def _sum(engine: Engine, region: str) -> tuple[float | None, str | None, str | None, list[str]]:
    with session_scope(engine) as session:
        result = query_result(session, CubeQuery(measure="enrolled", region=region))
    rows = result.rows
    assert len(rows) <= 1
    value, flag, note = (rows[0].value, rows[0].flag, rows[0].coverage) if rows else (None,) * 3
    return value, flag, note, [o.text for o in result.left_out]


def test_a_national_dataset_counts_for_every_region_within(engine_2030: Engine) -> None:
    rows = [("GM0153", "", 100.0), ("GM0164", "", 20.0), ("GM0193", "", 7.0), ("GM0200", "", 3.0)]
    _load(engine_2030, "national", rows, Coverage.whole(["NL01"], ["mbo"], "establishment"))
    assert _sum(engine_2030, "twente") == (120.0, None, None, [])
    assert _sum(engine_2030, "PV23") == (127.0, None, None, [])
    assert _sum(engine_2030, "NL01") == (130.0, None, None, [])
    assert _sum(engine_2030, "GM0153") == (100.0, None, None, [])


def test_a_table_of_twentes_gemeenten_covers_twente_but_not_overijssel(
    engine_2030: Engine,
) -> None:
    rows = [(code, "", 10.0) for code in TWENTE]
    _load(engine_2030, "gemeenten", rows, Coverage.whole(TWENTE, ["mbo"], "establishment"))
    assert _sum(engine_2030, "twente") == (10.0 * len(TWENTE), None, None, [])
    value, flag, _, left_out = _sum(engine_2030, "PV23")
    assert (value, flag) == (None, None)
    assert left_out == [
        "weggelaten voor Overijssel: synthetic gemeenten dekt "
        + ", ".join(g.name for code in TWENTE for g in PACK.regions if g.code == code)
    ]


def test_one_institution_is_partial_in_its_region_and_left_out_above(
    engine_2030: Engine,
) -> None:
    coverage = Coverage(
        regions=(RegionCoverage("twente", institutions=("27YU",)),), stages=("mbo",)
    )
    _load(engine_2030, "one-school", [("twente", "27YU", 50.0)], coverage)
    assert _sum(engine_2030, "twente") == (50.0, "partial", "alleen ROC van Twente", [])
    for region, name in (("PV23", "Overijssel"), ("NL01", "Nederland")):
        assert _sum(engine_2030, region) == (
            None,
            None,
            None,
            [f"weggelaten voor {name}: synthetic one-school dekt alleen ROC van Twente in Twente"],
        )
    with session_scope(engine_2030) as session:
        # The institution's own figure is complete, whatever the region.
        own = query(session, CubeQuery(measure="enrolled", region="NL01", institution="27yu"))
    assert [(r.value, r.flag, r.coverage) for r in own] == [(50.0, None, None)]


def test_a_partial_and_a_complete_dataset_sum_flagged_partial(engine_2030: Engine) -> None:
    _load(engine_2030, "complete", [("GM0153", "", 100.0)], Coverage.whole(["NL01"], ["mbo"]))
    partial = Coverage(regions=(RegionCoverage("twente", note="alleen de BBL"),), stages=("mbo",))
    _load(engine_2030, "partial", [("twente", "", 5.0)], partial)
    assert _sum(engine_2030, "twente") == (105.0, "partial", "alleen de BBL", [])
    value, flag, _, left_out = _sum(engine_2030, "NL01")
    assert (value, flag) == (100.0, None)
    assert left_out == ["weggelaten voor Nederland: synthetic partial dekt alleen de BBL in Twente"]


def test_a_dataset_without_a_declaration_counts_as_before(engine_2030: Engine) -> None:
    dataset = _load(engine_2030, "old", [("twente", "27YU", 50.0)], Coverage.whole(["NL01"]))
    with session_scope(engine_2030) as session:
        stored = session.get(Dataset, dataset)
        assert stored is not None
        stored.coverage = None
    assert _sum(engine_2030, "NL01")[:2] == (50.0, None)


# --- the seed: ROC van Twente's tables stay Twente's, flagged -------------------------------


def test_seed_tables_declare_one_institution_in_twente(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        stored = session.scalars(
            select(Dataset).where(Dataset.source_key == "seed:regiovisie-twente-techniek")
        ).one()
    coverage = Coverage.from_json(stored.coverage, stored.region_basis)
    assert coverage is not None
    assert [(r.region, r.institutions) for r in coverage.regions] == [("twente", ("27YU",))]
    assert (coverage.stages, coverage.periods) == (("mbo",), SEED_YEARS)
    assert stored.region_basis == "establishment"


@pytest.mark.parametrize("measure", ["enrolled", "graduates"])
def test_twentes_own_seed_figures_are_partial_and_never_overijssels(
    demo_engine: Engine, measure: str
) -> None:
    totals = seed_total(measure)
    with session_scope(demo_engine) as session:
        twente = query(session, CubeQuery(measure=measure, region="twente"))
        for region in ("PV23", "NL01"):
            assert query(session, CubeQuery(measure=measure, region=region)) == []
    assert {r.period: r.value for r in twente} == totals
    for row in twente:
        # The 2010 diploma table has a blank cell: missing comes first, coverage stays named.
        assert row.flag in ("partial", "missing") and row.coverage == "alleen ROC van Twente"


def test_projection_inputs_follow_the_seeds_coverage_in_a_shared_read(
    demo_engine: Engine,
) -> None:
    """Read for Twente, Overijssel and the Netherlands at once, the seed's ROC van Twente
    tables are Twente's inputs only, as in the cube (they used to be summed into every
    target that contains Twente)."""
    content = load_projection(PACK)
    structure = build_structure(content.domain, OTHER_DOMAIN, content.rates)
    with session_scope(demo_engine) as session:
        observed = load_observed(session, structure, content, ["twente", "PV23", "NL01"])
        expected = {
            r.period
            for r in query(session, CubeQuery(measure="enrolled", region="twente", stage="mbo"))
            if r.value is not None
        }
    assert expected == {str(y) for y in range(2007, 2012)}
    seed_years = [i for i, y in enumerate(observed.years) if str(y) in expected]
    assert seed_years
    twente, overijssel, netherlands = (observed.values[t][:, seed_years] for t in range(3))
    assert (twente > 0).any()
    # No seed figure is Overijssel's or the Netherlands' input.
    assert np.isnan(overijssel).all() and np.isnan(netherlands).all()


def test_cli_query_names_what_it_left_out(demo_url: str) -> None:
    result = CliRunner().invoke(
        app, ["query", "--measure", "enrolled", "--region", "NL01", "--database", demo_url]
    )
    assert result.exit_code == 2
    assert "weggelaten voor Nederland" in result.stderr
    assert "alleen ROC van Twente in Twente (2007, 2008, 2009, 2010, 2011)" in result.stderr


# --- the pack's dataset declarations: bad input is a load-time error -----------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "        - region: twente\n          institutions",
            "        - region: atlantis\n          institutions",
            "onbekende regio 'atlantis'",
        ),
        ("institutions: [27YU]", "institutions: [99ZZ]", "onbekende instelling '99ZZ'"),
        ("stages: [mbo]", "stages: [kleuter]", "onbekende fase 'kleuter'"),
        ("region_basis: establishment", "region_basis: postcode", "onbekende region_basis"),
        ('periods: ["2007"', 'periods: ["gisteren"', "gisteren"),
    ],
)
def test_an_unknown_region_stage_or_basis_in_datasets_yaml_names_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    shutil.copytree(PACK.root, tmp_path / "twente")
    path = tmp_path / "twente" / "seed" / "datasets.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    changed = new.splitlines()[0] if "atlantis" not in new else "region: atlantis"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if changed.strip() in t)
    monkeypatch.setattr(loader, "PACKS_ROOT", tmp_path)
    with pytest.raises(ContentError) as raised:
        loader.load_pack("twente")
    assert str(raised.value).startswith(f"{path}, regel {line}: dataset regiovisie.csv: ")
    assert message in str(raised.value)


def test_a_seed_dataset_must_declare_its_coverage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(PACK.root, tmp_path / "twente")
    path = tmp_path / "twente" / "seed" / "datasets.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("    coverage:")], encoding="utf-8")
    monkeypatch.setattr(loader, "PACKS_ROOT", tmp_path)
    with pytest.raises(ContentError, match=r"regel \d+: sleutel 'datasets.0.coverage'"):
        loader.load_pack("twente")


def test_cli_init_reports_a_bad_declaration_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    shutil.copytree(PACK.root, tmp_path / "twente")
    path = tmp_path / "twente" / "seed" / "datasets.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("stages: [mbo]", "stages: [mbo, hts]"),
        encoding="utf-8",
    )
    monkeypatch.setattr(loader, "PACKS_ROOT", tmp_path)
    result = CliRunner().invoke(app, ["init", "--demo", "--database", database_url])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"fout: {path}, regel ")
    assert "onbekende fase 'hts'" in result.stderr and "Traceback" not in result.stderr


# --- importers declare what their files cover --------------------------------------------


def test_a_partner_file_covers_only_its_own_figures(tmp_path: Path) -> None:
    path = tmp_path / "school.csv"  # synthetic partner file
    path.write_text(
        "measure,period,region,institution,stage,value\nenrolled,2030,twente,27YU,mbo,12\n",
        encoding="utf-8",
    )
    context = ImportContext(regions={"twente": "regioset"}, institutions={"27YU": None})
    parsed = parse_template(path, context)
    assert parsed.report.valid
    assert parsed.info.coverage == Coverage(
        regions=(RegionCoverage("twente", institutions=("27YU",)),), stages=("mbo",)
    )


def test_the_template_refuses_the_partial_flag(tmp_path: Path) -> None:
    path = tmp_path / "flags.csv"  # synthetic partner file
    path.write_text(
        "measure,period,region,value,flag\nenrolled,2030,twente,12,partial\n", encoding="utf-8"
    )
    parsed = parse_template(path, ImportContext(regions={"twente": "regioset"}))
    assert not parsed.report.valid
    assert [(i.row, i.column) for i in parsed.report.issues] == [(2, "flag")]


def test_real_files_declare_their_coverage(real_engine: Engine) -> None:
    with session_scope(real_engine) as session:
        declared = {
            d.source_key: (Coverage.from_json(d.coverage, d.region_basis), d.region_basis)
            for d in session.scalars(select(Dataset))
        }
    for key, stage, basis in (
        ("duo-mbo-deelnemers", ("mbo",), "head-office"),
        ("duo-hbo-eerstejaars", ("hbo",), "establishment"),
        ("duo-wo-eerstejaars", ("wo",), "establishment"),
    ):
        coverage, stored_basis = declared[key]
        assert coverage is not None and stored_basis == basis, key
        assert [(r.region, r.complete) for r in coverage.regions] == [("NL01", True)], key
        assert coverage.stages == stage, key
    vo, _ = declared["duo-vo-examens"]
    assert vo is not None and set(vo.stages) == {
        "vmbo-bb",
        "vmbo-kb",
        "vmbo-gl",
        "vmbo-tl",
        "havo",
        "vwo",
    }
    regional, _ = declared["cbs:vacatures-regio"]
    assert regional is not None and all(r.complete for r in regional.regions)
    assert {"NL01", "PV23"} <= {r.region for r in regional.regions}


# --- every catalogue indicator on the real files ------------------------------------------


def _seed_ids(engine: Engine) -> set[int]:
    with session_scope(engine) as session:
        return set(session.scalars(select(Dataset.id).where(Dataset.source_key.like("seed:%"))))


def test_no_national_or_overijssel_figure_comes_from_the_seed_tables(
    real_engine: Engine,
) -> None:
    seed = _seed_ids(real_engine)
    checked = 0
    with session_scope(real_engine) as session:
        for indicator in CATALOG.indicators:
            for region in ("NL01", "PV23"):
                try:
                    result = evaluate(session, indicator, region, by=[])
                except QueryError:  # e.g. a published figure stated twice for the region
                    continue
                for value in result.values:
                    base = [i for i in value.inputs if i.measure not in PUBLISHED_MEASURES]
                    from_seed = [i for i in base if set(i.datasets) & seed]
                    assert from_seed == [], (indicator.id, region, value.period)
                    assert value.coverage_note is None, (indicator.id, region, value.period)
                    checked += 1
    assert checked > 100


def test_twentes_own_seed_years_are_flagged_partial_in_every_indicator(
    real_engine: Engine,
) -> None:
    seed = _seed_ids(real_engine)
    flagged = set()
    with session_scope(real_engine) as session:
        for indicator in CATALOG.indicators:
            try:
                result = evaluate(session, indicator, "twente", by=[])
            except QueryError:
                continue
            for value in result.values:
                base = [i for i in value.inputs if i.measure not in PUBLISHED_MEASURES]
                if any(set(i.datasets) & seed for i in base):
                    assert value.period in SEED_YEARS, (indicator.id, value.period)
                    assert value.coverage_note == "alleen ROC van Twente", indicator.id
                    assert value.flag in ("partial", "missing", "suppressed", "estimated")
                    assert not value.exact
                    flagged.add(indicator.id)
    assert {"mbo-techniek-studenten", "mbo-techniek-diplomas"} <= flagged


def test_acceptance_cli_national_techniek_students_has_no_seed_years(
    real_url: str, shared_data: Path
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "indicator",
            "mbo-techniek-studenten",
            "--region",
            "NL01",
            "--format",
            "json",
            "--database",
            real_url,
        ],
    )
    assert result.exit_code == 0, result.output
    records = {r["period"]: r for r in json.loads(result.stdout)}
    for year in SEED_YEARS:
        assert records[year]["value"] is None and records[year]["flag"] == "partial"
        assert "alleen ROC van Twente in Twente" in records[year]["coverage_note"]
    # From 2015 on: DUO's national file, its techniek sector summed from the raw CSV.
    with (shared_data / "duo" / "mbo_deelnemers_2015-2019.csv").open(
        encoding="utf-8-sig", newline=""
    ) as handle:
        rows = [
            {k.strip(): (v or "").strip() for k, v in r.items()}
            for r in csv.DictReader(handle, delimiter=";")
            if any(r.values())
        ]
    expected = sum(
        float(r[f"{g}2015"] or 0)
        for r in rows
        if r["MBO SECTOR"] == "techniek"
        for g in ("MAN", "VROUW")
        if r[f"{g}2015"] != "<5"
    )
    assert records["2015"]["value"] == pytest.approx(expected)
    assert records["2015"]["flag"] is None and records["2015"]["coverage_note"] is None


@pytest.fixture(scope="module")
def real_client(real_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=real_url))) as client:
        yield client


def test_acceptance_indicator_page_shows_the_same(real_client: TestClient) -> None:
    page = real_client.get("/indicatoren/mbo-techniek-studenten")
    assert page.status_code == 200
    text = page.text
    assert "Dekking" in text
    assert "weggelaten voor Nederland" in text and "weggelaten voor Overijssel" in text
    assert "Twente 2007, 2008, 2009, 2010, 2011: partial, alleen ROC van Twente" in text
    api = real_client.get(
        "/api/v1/indicators/mbo-techniek-studenten/values", params={"region": "NL01", "by": ""}
    ).json()
    national = {r["period"]: r for r in api["data"]}
    for year in SEED_YEARS:
        assert (national[year]["value"], national[year]["flag"]) == (None, "partial")


def test_acceptance_report_key_figures_show_the_same(real_engine: Engine) -> None:
    from pijplijn.report.keyfigures import key_figures

    with session_scope(real_engine) as session:
        figures = {k.id: k for k in key_figures(session, PACK, CATALOG, "twente")}
    students = figures["mbo-techniek-studenten"]
    assert students.regions == ["Twente", "Overijssel", "Nederland"]
    rows = {r.period: r.cells for r in students.rows}
    totals = {
        year: sum(
            float(r["value"])
            for r in seed_rows()
            if r["measure"] == "enrolled" and r["period"] == year and r["sector"] != ""
        )
        for year in SEED_YEARS
    }
    for year in SEED_YEARS:
        twente, overijssel, nederland = rows[year]
        assert (twente.value, twente.flag, twente.coverage) == (
            pytest.approx(totals[year]),
            "partial",
            "alleen ROC van Twente",
        )
        assert overijssel.value is None and nederland.value is None
    assert any("weggelaten voor Nederland" in line for line in students.coverage)
