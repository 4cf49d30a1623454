"""Issue 3's acceptance on the real DUO and CBS files: through the store and the cube.

Every expected figure is computed here, independently, from the raw files.
"""

import csv
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, func, select

from pijplijn.content.loader import load_pack
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.store.db import session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.models import Dataset, Observation, RegionMember


def raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle, delimiter=";")
            if any(row.values())
        ]


def total(engine: Engine, q: CubeQuery) -> dict[str, float | None]:
    with session_scope(engine) as session:
        return {r.period: r.value for r in query(session, q)}


def test_mbo_totals(real_engine: Engine, shared_data: Path) -> None:
    rows = raw_rows(shared_data / "duo" / "mbo_deelnemers_2015-2019.csv")
    national = sum(int(r["TOTAAL2019"]) for r in rows if r["TOTAAL2019"])
    roc = [r for r in rows if r["BRIN NUMMER"] == "27YU" and r["TOTAAL2019"]]
    assert national == 501_903
    assert total(real_engine, CubeQuery(measure="enrolled", stage="mbo", periods=("2019",))) == {
        "2019": national
    }
    assert total(
        real_engine, CubeQuery(measure="enrolled", institution="27YU", periods=("2019",))
    ) == {"2019": 19_485}
    techniek = sum(int(r["TOTAAL2019"]) for r in roc if r["MBO SECTOR"] == "techniek")
    assert techniek == 5_722
    assert total(
        real_engine,
        CubeQuery(
            measure="enrolled",
            institution="27YU",
            periods=("2019",),
            filters={"sector": "techniek"},
        ),
    ) == {"2019": techniek}


def test_saxion_and_ut_first_years_per_croho_onderdeel(
    real_engine: Engine, shared_data: Path
) -> None:
    for file, brin in (
        ("hbo_eerstejaars_2015-2019.csv", "23AH"),
        ("wo_eerstejaars_2015-2019.csv", "21PH"),
    ):
        expected: dict[tuple[str, str], float] = defaultdict(float)
        for row in raw_rows(shared_data / "duo" / file):
            if row["BRIN NUMMER ACTUEEL"] == brin:
                for year in ("2015", "2016", "2017", "2018", "2019"):
                    expected[(year, row["CROHO ONDERDEEL"])] += int(row[year])
        with session_scope(real_engine) as session:
            rows = query(
                session, CubeQuery(measure="first_year", institution=brin, by=("period", "sector"))
            )
        assert {(r.period, r.keys["sector"]): r.value for r in rows} == dict(expected)


def test_vo_small_cells_stay_suppressed(real_engine: Engine, shared_data: Path) -> None:
    rows = raw_rows(shared_data / "duo" / "vo_examenkandidaten_2019-2024.csv")
    small = sum(
        1
        for r in rows
        for k, v in r.items()
        # MAN, VROUW and DUO's own TOTAAL: each is stored, a '<5' as suppressed.
        if v == "<5" and k.split(" ")[0] in ("EXAMENKANDIDATEN", "GESLAAGDEN")
    )
    with session_scope(real_engine) as session:
        stored = session.execute(
            select(func.count(), func.count(Observation.value)).where(
                Observation.flag == "suppressed",
                Observation.measure.in_(["exam_candidates", "exam_passed"]),
            )
        ).one()
    assert small > 0
    assert tuple(stored) == (small, 0)


def test_region_set_equals_the_sum_of_its_gemeenten(real_engine: Engine) -> None:
    # The DUO years only: the seed figures of 2007-2011 are attributed to 'twente' itself.
    duo = ("2015", "2016", "2017", "2018", "2019")
    vo = ("2019-2020", "2020-2021", "2021-2022", "2022-2023", "2023-2024")
    with session_scope(real_engine) as session:
        members = session.scalars(
            select(RegionMember.member_code).where(RegionMember.set_code == "twente")
        ).all()
        for measure, stage, periods in (
            ("enrolled", "mbo", duo),
            ("first_year", "hbo", duo),
            ("exam_candidates", "vmbo-kb", vo),
        ):
            whole = CubeQuery(measure=measure, stage=stage, region="twente", periods=periods)
            region_total = query(session, whole)
            per_gemeente = query(session, replace(whole, by=("region",)))
            sums: dict[str, float] = defaultdict(float)
            for row in per_gemeente:
                assert row.keys["region"] in members
                sums[row.period] += row.value or 0
            assert region_total, measure
            assert {r.period: r.value for r in region_total} == dict(sums)


def test_techniek_series_for_twente(real_engine: Engine) -> None:
    with session_scope(real_engine) as session:
        split = query(
            session,
            CubeQuery(
                measure="enrolled",
                stage="mbo",
                region="twente",
                periods=("2015", "2016", "2017", "2018", "2019"),
                by=("domain",),
                classification="techniek@2019",
            ),
        )
        whole = query(
            session,
            CubeQuery(
                measure="enrolled",
                stage="mbo",
                region="twente",
                periods=("2015", "2016", "2017", "2018", "2019"),
            ),
        )
    sums: dict[str, float] = defaultdict(float)
    for row in split:
        sums[row.period] += row.value or 0
    assert dict(sums) == {r.period: r.value for r in whole}
    techniek = [r.value or 0 for r in split if r.keys["domain"] == "techniek"]
    assert len(techniek) == 5 and all(5_000 < v < 8_000 for v in techniek)


def test_reimport_changes_no_row_count(real_engine: Engine, real_files: list[Path]) -> None:
    def counts() -> tuple[int, int]:
        with session_scope(real_engine) as session:
            return (
                session.scalar(select(func.count()).select_from(Dataset)) or 0,
                session.scalar(select(func.count()).select_from(Observation)) or 0,
            )

    before = counts()
    outcomes = import_files(real_engine, load_pack("twente"), real_files)
    assert [o.load.status for o in outcomes if o.load] == ["unchanged"] * len(real_files)
    assert counts() == before
