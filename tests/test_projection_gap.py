"""The coverage ratio: entrants / (replacement + expansion demand), with the store's demand."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import DatedSeries, DatedValue, DemandDef, load_projection
from pijplijn.engine.labour.demand import technical_demand
from pijplijn.engine.projection.gap import coverage, demand_in, levels_of
from pijplijn.engine.projection.project import prepare, run
from pijplijn.store.db import session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.setup import initialise

CONTENT = load_projection(load_pack("twente"))
SYNTHETIC = Path(__file__).parent / "synthetic"


def test_coverage_is_entrants_over_all_demand() -> None:
    assert coverage(28, 100) == pytest.approx(0.28)
    assert coverage(42, 80, 20) == pytest.approx(0.42)
    with pytest.raises(ValueError, match="vraag moet groter dan 0"):
        coverage(10, 0)
    assert levels_of("3-4") == ["3", "4"] and levels_of("2") == ["2"]


def test_dated_demand_holds_until_the_next_key() -> None:
    demand = DemandDef(
        region="twente",
        level="2",
        domain="techniek",
        replacement=DatedSeries(
            values={date(2025, 1, 1): DatedValue(value=400, source="x"), date(2031, 1, 1): None}
        ),
        expansion=DatedSeries(values={date(2025, 1, 1): DatedValue(value=50, source="y")}),
    )
    assert demand_in(demand, 2024) is None  # before the first key
    assert demand_in(demand, 2030) == (450, "x Uitbreidingsvraag: y")
    assert demand_in(demand, 2031) is None  # the series ends after the forecast period


def test_pack_has_no_back_calculated_demand() -> None:
    """The demand is no longer back-calculated from the seeds' 28% and 42%: it comes from
    the store (ROA, or an estimate), so the check can compare those figures with it."""
    assert CONTENT.demand == []
    assert CONTENT.labour is not None and CONTENT.labour_regions["twente"][0] == "CR12"


def test_projection_gap_uses_the_demand_the_labour_engine_gives(
    empty_engine: Engine, tmp_path: Path
) -> None:
    pack = load_pack("twente")
    initialise(empty_engine, pack, demo=True)
    outcome = import_files(empty_engine, pack, [SYNTHETIC / "roa_ais_synthetic.csv"])
    assert outcome[0].load is not None, outcome[0].parsed.report.summary()
    with session_scope(empty_engine) as session:
        demand = {d.group: d for d in technical_demand(session, pack, "twente")}
        prepared = prepare(session, CONTENT, "twente")
    projected = run(prepared, horizon=2030, draws=50, seed=1)
    for level in ("2", "3-4"):
        points = [g for g in projected.gap if g.level == level]
        assert [g.period for g in points] == [str(y) for y in range(2025, 2031)]
        assert [g.demand for g in points] == pytest.approx([demand[level].total] * 6)
        assert all("ROA-cijfers voor Twente (AM)" in g.demand_source for g in points)
    # the synthetic fixture's Twente mbo 2 demand: (2,400 + 300) / 6 years
    assert demand["2"].total == pytest.approx((2400 + 300) / 6)


def test_no_demand_for_the_region_means_no_gap_rather_than_a_guess(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        prepared = prepare(session, CONTENT, "twente")
    other = prepared.__class__(prepared.estimate, prepared.content, "PV23")
    assert run(other, horizon=2013, draws=20).gap == []
