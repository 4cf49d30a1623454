"""The cube query, checked against the tables as printed in the regional vision."""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pijplijn.engine.cube import CubeQuery, query, query_result
from pijplijn.errors import QueryError
from pijplijn.store.db import session_scope

YEARS = ["2007", "2008", "2009", "2010", "2011"]


def printed_table(text: str, which: int) -> tuple[dict[tuple[str, str], int | None], list[int]]:
    """Return ({(year, sector): value or None}, totals) of the which-th BEDRIJFSTAK table."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("BEDRIJFSTAK MBO")]
    cells: dict[tuple[str, str], int | None] = {}
    for line in lines[starts[which] + 1 :]:
        parts = line.split("\t")
        if parts[0].startswith("<b>Eindtotaal"):
            totals = [int(p.replace("<b>", "").replace("</b>", "")) for p in parts[1:]]
            return cells, totals
        for year, value in zip(YEARS, parts[1:], strict=True):
            cells[(year, parts[0])] = int(value) if value.strip() else None
    raise AssertionError("table has no Eindtotaal row")


@pytest.fixture(scope="module")
def regiovisie(seeds_dir: Path) -> str:
    return (seeds_dir / "000_43c7481c1c6c48b5.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("measure", "which"), [("enrolled", 0), ("graduates", 1)])
def test_roc_van_twente_tables_cell_for_cell(
    demo_engine: Engine, regiovisie: str, measure: str, which: int
) -> None:
    cells, totals = printed_table(regiovisie, which)
    with session_scope(demo_engine) as session:
        rows = query(
            session, CubeQuery(measure=measure, institution="27YU", by=("period", "sector"))
        )
        per_year = query(session, CubeQuery(measure=measure, institution="27YU"))
    assert {(r.period, r.keys["sector"]): r.value for r in rows} == cells
    assert [r.value for r in per_year] == totals
    flagged = {r.period: r.flag for r in per_year}
    expected = {
        y: (
            "missing"
            if (y, "Combinatie bedrijf") in cells and cells[(y, "Combinatie bedrijf")] is None
            else None
        )
        for y in YEARS
    }
    assert flagged == expected


def test_printed_totals_match_the_stored_published_totals(
    demo_engine: Engine, regiovisie: str
) -> None:
    _, totals = printed_table(regiovisie, 0)
    with session_scope(demo_engine) as session:
        published = query(
            session, CubeQuery(measure="published_count", institution="27YU", by=("subject",))
        )
    enrolled = [r.value for r in published if r.keys["subject"].endswith("enrolled-total")]
    assert enrolled == totals


def test_flags_propagate_through_sums_and_filters(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        one_cell = query(session, CubeQuery(measure="graduates", periods=("2010",), by=("sector",)))
        all_years = query(
            session, CubeQuery(measure="graduates", institution="27YU", by=("institution",))
        )
    combinatie = [r for r in one_cell if r.keys["sector"] == "Combinatie bedrijf"]
    assert [(r.value, r.flag, r.cells) for r in combinatie] == [(None, "missing", 1)]
    assert [(r.period, r.flag) for r in all_years if r.flag] == [("2010", "missing")]


def test_one_institutions_tables_stay_in_their_region_flagged_partial(
    demo_engine: Engine, regiovisie: str
) -> None:
    # The seed's ROC van Twente tables cover one institution in Twente: Twente's own sum is
    # flagged partial with that coverage; Overijssel and the Netherlands leave them out and
    # say so (regions containing others: tests/test_coverage.py).
    _, totals = printed_table(regiovisie, 0)
    with session_scope(demo_engine) as session:
        twente = query(session, CubeQuery(measure="enrolled", region="twente"))
        overijssel = query_result(session, CubeQuery(measure="enrolled", region="pv23"))
        nl = query_result(session, CubeQuery(measure="enrolled", region="NL01"))
        enschede = query(session, CubeQuery(measure="enrolled", region="GM0153"))
    assert [r.value for r in twente] == totals
    assert {(r.flag, r.coverage) for r in twente} == {("partial", "alleen ROC van Twente")}
    assert overijssel.rows == nl.rows == enschede == []
    for result, name in ((overijssel, "Overijssel"), (nl, "Nederland")):
        assert [(o.region_name, o.periods) for o in result.left_out] == [
            (name, ("2007", "2008", "2009", "2010", "2011"))
        ]
        assert "alleen ROC van Twente in Twente" in result.left_out[0].text


@pytest.mark.parametrize(
    ("q", "message"),
    [
        (CubeQuery(measure="students"), "onbekende maat 'students'"),
        (CubeQuery(measure="enrolled", by=("colour",)), "onbekende dimensie 'colour'"),
        (CubeQuery(measure="enrolled", region="atlantis"), "onbekende regio 'atlantis'"),
        (CubeQuery(measure="enrolled", institution="99ZZ"), "onbekende instelling"),
        (CubeQuery(measure="enrolled", stage="kleuter"), "onbekende fase"),
        (CubeQuery(measure="enrolled", periods=("vorig jaar",)), "geen periode"),
        (CubeQuery(measure="enrolled", by=("a", "b", "c", "d", "e")), "onbekende dimensie"),
        (
            CubeQuery(measure="enrolled", by=("stage", "level", "pathway", "gender", "sector")),
            "te veel dimensies",
        ),
        (CubeQuery(measure="published_share"), "niet optelbaar"),
    ],
)
def test_bad_queries_say_what_is_wrong(demo_engine: Engine, q: CubeQuery, message: str) -> None:
    with session_scope(demo_engine) as session, pytest.raises(QueryError, match=message):
        query(session, q)


def test_query_records_have_the_documented_keys(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        rows = query(
            session, CubeQuery(measure="enrolled", institution="27YU", by=("period", "sector"))
        )
    assert list(rows[0].to_record()) == ["measure", "period", "sector", "value", "flag"]
    assert isinstance(rows[0].to_record()["value"], int)


def test_every_vocabulary_dimension_has_a_column() -> None:
    from pijplijn import vocabulary
    from pijplijn.engine import cube

    assert tuple(cube._COLUMNS) == vocabulary.DIMENSIONS
