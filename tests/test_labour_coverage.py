"""The coverage of technical demand by graduates on crafted stores (synthetic files written
here): known graduates and known demand give the hand-computed ratio; without ROA's
regional figures the demand is estimated, flagged, with its inputs; ``check`` compares the
seeds' 28% and 42% with the computed ratio."""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pijplijn.content.loader import load_pack
from pijplijn.engine.check import check_published
from pijplijn.engine.indicators import Catalog
from pijplijn.engine.labour.coverage import coverage_check, coverage_ratios
from pijplijn.engine.labour.demand import technical_demand
from pijplijn.store.db import session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.setup import initialise

PACK = load_pack("twente")
SYNTHETIC = Path(__file__).parent / "synthetic"
TEMPLATE = (
    "measure,period,region,institution,stage,level,pathway,sector,gender,value,flag,"
    "subject,section,note\n"
)
AIS_HEADER = (SYNTHETIC / "roa_ais_synthetic.csv").read_bytes().decode("cp1252").splitlines()[0]


def load(engine: Engine, *paths: Path) -> None:
    outcomes = import_files(engine, PACK, list(paths))
    for outcome in outcomes:
        assert outcome.load is not None, outcome.parsed.report.summary()


def jobs_rows(first_id: int, period: str, twente: float, rest: float) -> list[str]:
    """Synthetic jobs rows for every COROP area (CR01-CR40): Twente (CR12) ``twente``, CR13
    ``rest`` and the others 0, so that the file covers the whole country and the national
    total is ``twente + rest``."""
    values = {"CR12": twente, "CR13": rest}
    return [
        f"{first_id + n},T001081,CR{n:02d}  ,{period},{values.get(f'CR{n:02d}', 0.0)}"
        for n in range(1, 41)
    ]


JOBS_HEADER = "ID,BedrijfstakkenBranchesSBI2008,RegioS,Perioden,BanenVanWerknemersInDecember_1"


def graduates_file(tmp_path: Path) -> Path:
    """Synthetic: technical mbo graduates of Twente per level in 2011, as a partner file
    states them for the region set itself. A partner file covers only its own figures, so
    the sums count it flagged ``partial`` (coverage), not as the whole region's."""
    path = tmp_path / "synthetic_graduates.csv"
    rows = [
        "graduates,2011,twente,,mbo,2,,techniek,,300,,,synthetic,",
        "graduates,2011,twente,,mbo,3,,techniek,,250,,,synthetic,",
        "graduates,2011,twente,,mbo,4,,techniek,,350,,,synthetic,",
        "graduates,2011,twente,,mbo,2,,economie,,999,,,synthetic,",  # not techniek
    ]
    path.write_text(TEMPLATE + "\n".join(rows) + "\n", "utf-8")
    return path


@pytest.fixture
def crafted(empty_engine: Engine, tmp_path: Path) -> Engine:
    initialise(empty_engine, PACK, demo=True)
    load(empty_engine, graduates_file(tmp_path), SYNTHETIC / "roa_ais_synthetic.csv")
    return empty_engine


def test_coverage_equals_the_hand_computed_ratio(crafted: Engine) -> None:
    entering = PACK.labour.entering_work  # type: ignore[union-attr]
    with session_scope(crafted) as session:
        found = {c.group: c for c in coverage_ratios(session, PACK, "twente")}
    # Synthetic AIS, arbeidsmarktregio Twente, over six years: mbo 2 2,400 + 300,
    # mbo 3 1,800 + 200 and mbo 4 3,000 + 400.
    demand2, demand34 = (2400 + 300) / 6, (1800 + 200 + 3000 + 400) / 6
    niveau2 = found["2"].points[0]
    assert (niveau2.period, niveau2.graduates, niveau2.demand) == ("2011", 300, demand2)
    assert niveau2.coverage == pytest.approx(300 * entering["2"].central / demand2)
    assert niveau2.coverage_low == pytest.approx(300 * entering["2"].low / demand2)
    assert niveau2.coverage_high == pytest.approx(300 * entering["2"].high / demand2)
    niveau34 = found["3-4"].points[0]
    assert niveau34.coverage == pytest.approx((250 + 350) * entering["3-4"].central / demand34)
    assert found["2"].demand.region == "AM-twente"
    assert found["2"].published == 0.28 and found["3-4"].published == 0.42
    assert found["hbo"].points == [] and found["hbo"].missing  # no hbo graduates loaded


def test_check_compares_28_and_42_percent_with_the_computed_ratio(crafted: Engine) -> None:
    with session_scope(crafted) as session:
        report = check_published(
            session, Catalog(PACK.indicators), PACK.published_checks, coverage_check(session, PACK)
        )
        ratios = {
            c.group: c.points[0].coverage
            for c in coverage_ratios(session, PACK, "twente")
            if c.points
        }
    findings = {
        f.keys["level"]: f
        for f in report.findings
        if f.subject == "replacement-demand-coverage-by-graduates"
    }
    for level, published in (("2", 0.28), ("3-4", 0.42)):
        finding = findings[level]
        assert finding.computed == pytest.approx(ratios[level])
        assert finding.difference == pytest.approx(published - ratios[level])
        assert finding.verdict == (
            "match" if abs(published - ratios[level]) <= 0.005 else "contradiction"
        )


def test_without_graduates_check_names_the_missing_input(labour_url: str) -> None:
    from pijplijn.store.db import open_engine

    engine = open_engine(labour_url)
    with session_scope(engine) as session:
        report = check_published(
            session, Catalog(PACK.indicators), PACK.published_checks, coverage_check(session, PACK)
        )
    engine.dispose()
    findings = [
        f for f in report.findings if f.subject == "replacement-demand-coverage-by-graduates"
    ]
    assert {f.verdict for f in findings} == {"not-computable"}
    assert all("technische gediplomeerden mbo niveau" in f.explanation for f in findings)


def test_estimated_demand_carries_the_flag_and_its_inputs(
    empty_engine: Engine, tmp_path: Path
) -> None:
    """Synthetic: national AIS rows only, and jobs per COROP area: Twente's demand is the
    national demand × Twente's share of the jobs, flagged estimated."""
    national = [
        line
        for line in (SYNTHETIC / "roa_ais_synthetic.csv")
        .read_bytes()
        .decode("cp1252")
        .splitlines()[1:]
        if ";Nederland;Nederland;" in line
    ]
    ais = tmp_path / "synthetic_ais_nationaal.csv"
    ais.write_bytes(("\r\n".join([AIS_HEADER, *national]) + "\r\n").encode("cp1252"))
    jobs = tmp_path / "99999ned_synthetic_banen.csv"
    rows = [JOBS_HEADER, *jobs_rows(0, "2024JJ00", 300.0, 700.0), "99,T001081,CR12  ,2023JJ00,1.0"]
    jobs.write_text("\n".join(rows) + "\n", "utf-8")
    initialise(empty_engine, PACK, demo=False)
    load(empty_engine, ais, jobs)
    with session_scope(empty_engine) as session:
        demand = {d.group: d for d in technical_demand(session, PACK, "twente")}
    niveau2 = demand["2"]
    share = 300.0 / (300.0 + 700.0)  # 2024, the latest year both have
    assert niveau2.flag == "estimated"
    assert niveau2.replacement == pytest.approx(2400 * 30 * share / 6)
    assert niveau2.expansion == pytest.approx(300 * 30 * share / 6)
    assert [(i.region, i.value) for i in niveau2.inputs] == [
        ("NL01", 2400 * 30),
        ("NL01", 300 * 30),
        ("CR12", 300_000),
        ("NL01", 1_000_000),
    ]
    assert any("roa:ais2030" in s for s in niveau2.sources)
    assert any("cbs:99999ned" in s for s in niveau2.sources)
    assert "geschat" in niveau2.method


def test_regional_ais_replaces_the_estimate(empty_engine: Engine, tmp_path: Path) -> None:
    """Importing ROA's regional figures (the synthetic fixture) after national ones: the
    demand then comes from arbeidsmarktregio Twente and the flag is no longer estimated."""
    lines = (SYNTHETIC / "roa_ais_synthetic.csv").read_bytes().decode("cp1252").splitlines()
    national = tmp_path / "synthetic_ais_nationaal.csv"
    rows = [AIS_HEADER, *(line for line in lines[1:] if ";Nederland;Nederland;" in line)]
    national.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    jobs = tmp_path / "99998ned_synthetic_banen.csv"
    jobs.write_text(
        "\n".join([JOBS_HEADER, *jobs_rows(0, "2024JJ00", 300.0, 700.0)]) + "\n", "utf-8"
    )
    initialise(empty_engine, PACK, demo=False)
    load(empty_engine, national, jobs)
    with session_scope(empty_engine) as session:
        before = {d.group: d for d in technical_demand(session, PACK, "twente")}
    load(empty_engine, SYNTHETIC / "roa_ais_synthetic.csv")
    with session_scope(empty_engine) as session:
        after = {d.group: d for d in technical_demand(session, PACK, "twente")}
    assert (before["2"].flag, before["2"].region) == ("estimated", "CR12")
    assert (after["2"].flag, after["2"].region) == (None, "AM-twente")
    assert after["2"].total == pytest.approx((2400 + 300) / 6)
