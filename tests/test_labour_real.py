"""The labour market on the real CBS files: Twente's jobs from COROP area CR12, and
Overijssel's vacancy rate, each computed in the test from the raw files."""

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.indicators import Catalog, indicator_values
from pijplijn.store.db import session_scope

CATALOG = Catalog(load_pack("twente").indicators)


def cbs_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k.strip(): v.strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def jobs_by(path: Path, regions: set[str], sector: str) -> dict[str, float]:
    """Jobs (thousands) per year summed over ``regions`` for one SBI key, from the raw file."""
    totals: dict[str, float] = defaultdict(float)
    for row in cbs_rows(path):
        value = row["BanenVanWerknemersInDecember_1"]
        if row["RegioS"] in regions and row["BedrijfstakkenBranchesSBI2008"] == sector and value:
            totals[row["Perioden"][:4]] += float(value)
    return dict(totals)


def test_twente_jobs_from_query_equal_cr12_rows(shared_data: Path, real_url: str) -> None:
    expected = jobs_by(shared_data / "cbs" / "83582ned_banen_corop.csv", {"CR12"}, "T001081")
    result = CliRunner().invoke(
        app,
        ["query", "--measure", "jobs", "--region", "CR12", "--by", "period", "--format", "json",
         "--database", real_url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert {r["period"]: r["value"] for r in records} == pytest.approx(expected)
    assert {r["unit"] for r in records} == {"thousand"}
    assert expected["2010"] == pytest.approx(276.4) and expected["2024"] == pytest.approx(320.4)


def test_twente_jobs_indicator_is_labelled_with_cr12(
    shared_data: Path, real_engine: Engine
) -> None:
    path = shared_data / "cbs" / "83582ned_banen_corop.csv"
    with session_scope(real_engine) as session:
        values = indicator_values(session, CATALOG, "banen", "twente")
        by_sector = indicator_values(
            session, CATALOG, "banen", "twente", periods=["2020"], by=["sector"]
        )
    assert {v.period: v.value for v in values.values} == pytest.approx(
        jobs_by(path, {"CR12"}, "T001081")
    )
    assert {i.region for v in values.values for i in v.inputs} == {"CR12"}
    assert values.unit == "thousand"
    industry = next(v for v in by_sector.values if v.keys["sector"] == "307500")
    assert industry.value == pytest.approx(jobs_by(path, {"CR12"}, "307500")["2020"])


def overijssel_coropen(geo: Path) -> set[str]:
    """The COROP areas whose gemeenten lie in Overijssel, from the two raw geo files."""
    with (geo / "koppelcodes_gemeenten.csv").open(encoding="utf-8-sig") as handle:
        province = {
            r["gemeentCode"]: r["provincieCode"] for r in csv.DictReader(handle, delimiter=";")
        }
    with (geo / "woonplaats_gemeente_corop_cbs.csv").open(encoding="utf-8-sig") as handle:
        return {
            f"CR{int(r['COROP-gebiedcode']):02d}"
            for r in csv.DictReader(handle)
            if province[f"GM{int(r['Gemeentecode']):04d}"] == "PV23"
        }


def test_overijssel_vacancy_rate_is_vacancies_over_jobs(
    shared_data: Path, real_engine: Engine
) -> None:
    coropen = overijssel_coropen(shared_data / "geo")
    assert coropen == {"CR10", "CR11", "CR12"}
    jobs = jobs_by(shared_data / "cbs" / "83582ned_banen_corop.csv", coropen, "T001081")
    vacancies = {
        row["Perioden"][:4]: float(row["OpenstaandeVacatures"])
        for row in cbs_rows(shared_data / "cbs" / "vacatures_regio_provincie.csv")
        if row["Regios"] == "PV23"
        and row["BedrijfstakkenBranchesSBI2008"] == "T001081"
        and row["Perioden"].endswith("KW04")
    }
    expected = {year: 1000 * vacancies[year] / jobs[year] for year in vacancies if year in jobs}
    with session_scope(real_engine) as session:
        own = indicator_values(session, CATALOG, "vacaturegraad", "PV23")
        twente = indicator_values(session, CATALOG, "vacaturegraad", "twente")
    assert {v.period: v.value for v in own.values} == pytest.approx(expected)
    assert len(expected) >= 10
    # Twente has no vacancy figures of its own: it gets Overijssel's, labelled as such.
    assert {v.period: v.value for v in twente.values} == pytest.approx(expected)
    assert {i.region for v in twente.values for i in v.inputs} == {"PV23"}
    assert all(any("Overijssel" in n for n in v.notes) for v in twente.values)


def test_twente_coverage_per_level_on_the_real_data(shared_data: Path, real_url: str) -> None:
    """#15.4 on the shared real data: no file gives demand per education level or technical
    mbo graduates per level, so each level is "not computable" naming both files, and
    ``check`` reports the seeds' 28% and 42% as not computable (never as inputs). The
    technical occupations' demand is estimated from the raw ROA and CBS files."""
    result = CliRunner().invoke(
        app, ["labour", "--region", "twente", "--format", "json", "--database", real_url]
    )
    assert result.exit_code == 0, result.output
    groups = {r["group"]: r for r in json.loads(result.output)}
    assert set(groups) == {"2", "3-4", "hbo", "wo"}
    for group in groups.values():
        assert group["coverage"] is None and group["demand_flag"] == "missing"
        assert "soort roa-ais" in group["missing"]
    for mbo in ("2", "3-4"):
        assert "soort duo-mbo-gediplomeerden" in groups[mbo]["missing"]
    assert groups["2"]["published"] == 0.28 and groups["3-4"]["published"] == 0.42

    check = CliRunner().invoke(app, ["check", "--format", "json", "--database", real_url])
    findings = [
        f
        for f in json.loads(check.output)
        if f.get("subject") == "replacement-demand-coverage-by-graduates"
    ]
    assert {f["published"] for f in findings} == {0.28, 0.42}
    assert all(f["computed"] is None for f in findings), findings

    with (shared_data / "roa" / "roa_ais2030_nationaal_brc.csv").open(encoding="utf-8") as f:
        roa = [r for r in csv.DictReader(f) if len(r["brc_beroepsgroep"]) == 4]
    replacement = sum(
        int(r["vervangingsvraag_aantal"]) for r in roa if r["brc_beroepsgroep"][:2] == "07"
    )
    jobs = cbs_rows(shared_data / "cbs" / "83582ned_banen_corop.csv")
    in_2024 = {
        r["RegioS"]: float(r["BanenVanWerknemersInDecember_1"])
        for r in jobs
        if r["Perioden"] == "2024JJ00" and r["BedrijfstakkenBranchesSBI2008"] == "T001081"
        and r["RegioS"].startswith("CR")
    }  # fmt: skip
    expected = replacement * in_2024["CR12"] / sum(in_2024.values()) / 6
    from pijplijn.engine.labour.demand import technical_demand
    from pijplijn.store.db import open_engine

    engine = open_engine(real_url)
    with session_scope(engine) as session:
        figures = {f.group: f for f in technical_demand(session, load_pack("twente"), "twente")}
    engine.dispose()
    occupations = figures["beroepen-techniek"]
    assert occupations.flag == "estimated" and occupations.region == "CR12"
    assert occupations.replacement == pytest.approx(expected)


def test_twente_technical_ho_graduates_are_shown_without_demand(
    shared_data: Path, real_url: str, real_engine: Engine
) -> None:
    """#15.4: the coverage of hbo and wo is not computable on the real data (no demand per
    level), but the supply it would set against the demand is: Twente's technical hbo
    graduates (every degree) and wo masters per year, summed here from the raw DUO files
    over the 14 gemeenten and CROHO onderdeel techniek."""
    twente = {
        "0141", "0147", "1774", "0153", "0158", "0163", "0164",
        "1735", "0168", "0173", "1742", "0183", "1700", "0189",
    }  # fmt: skip
    years = ("2014", "2015", "2016", "2017", "2018")
    expected: dict[str, dict[str, int]] = {}
    for stage, wanted in (("hbo", None), ("wo", "wo master")):
        totals = dict.fromkeys(years, 0)
        path = shared_data / "duo" / f"{stage}_gediplomeerden_2014-2018.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                if (row["GEMEENTENUMMER"] or "").zfill(4) not in twente:
                    continue
                if row["CROHO ONDERDEEL"] != "techniek":
                    continue
                if wanted is not None and row["SOORT DIPLOMA"] != wanted:
                    continue
                for year in years:
                    if (row[year] or "").strip().isdigit():
                        totals[year] += int(row[year])
        expected[stage] = totals
    result = CliRunner().invoke(
        app, ["labour", "--region", "twente", "--format", "json", "--database", real_url]
    )
    assert result.exit_code == 0, result.output
    groups = {r["group"]: r for r in json.loads(result.output)}
    for stage in ("hbo", "wo"):
        assert groups[stage]["coverage"] is None
        assert groups[stage]["graduates_period"] == "2018"
        assert groups[stage]["graduates"] == expected[stage]["2018"]
    from pijplijn.engine.labour.coverage import graduates_by_year

    with session_scope(real_engine) as session:
        for stage in ("hbo", "wo"):
            found, sources = graduates_by_year(session, stage, "twente", "techniek")
            assert found == {y: float(v) for y, v in expected[stage].items()}
            assert sources
