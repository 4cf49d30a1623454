"""The coverage ratio: entrants / (replacement + expansion demand), and the seeds' 28%/42%."""

from datetime import date

import pytest
from sqlalchemy import Engine

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import load_projection
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.engine.projection.gap import coverage, demand_in, levels_of
from pijplijn.engine.projection.project import prepare, run
from pijplijn.store.db import session_scope

CONTENT = load_projection(load_pack("twente"))


def test_coverage_is_entrants_over_all_demand() -> None:
    assert coverage(28, 100) == pytest.approx(0.28)
    assert coverage(42, 80, 20) == pytest.approx(0.42)
    with pytest.raises(ValueError, match="vraag moet groter dan 0"):
        coverage(10, 0)
    assert levels_of("3-4") == ["3", "4"] and levels_of("2") == ["2"]


def test_dated_demand_holds_until_the_next_key() -> None:
    demand = next(d for d in CONTENT.demand if d.level == "2")
    assert demand_in(demand, 2010) is None  # before the first key
    value, source = demand_in(demand, 2030) or (0.0, "")
    assert value == demand.replacement.values[date(2011, 1, 1)].value  # type: ignore[union-attr]
    assert "Back-calculated" in source


def test_with_the_same_inputs_the_coverage_is_the_seeds_28_and_42_percent(
    demo_engine: Engine,
) -> None:
    """The seeds print 28% (niveau 2) and 42% (niveau 3-4) for 2011 without their inputs;
    the pack's demand is back-calculated from pijplijn's 2011 entrants (projection.yaml).
    This fails when the model or a prior changes and the back-calculation needs redoing."""
    with session_scope(demo_engine) as session:
        stated = {
            row.keys["level"]: row.value
            for row in query(
                session,
                CubeQuery(
                    measure="published_share",
                    by=("level",),
                    filters={"subject": "replacement-demand-coverage-by-graduates"},
                ),
            )
        }
        prepared = prepare(session, CONTENT, "twente")
    central = run(prepared, horizon=2012, draws=1, uncertainty=False)
    found = {g.level: g for g in central.gap if g.period == "2011"}
    assert stated == {"2": 0.28, "3-4": 0.42}
    for level, share in stated.items():
        assert found[level].coverage == pytest.approx(share, abs=0.001), level
        assert found[level].gap == pytest.approx(
            found[level].demand - found[level].entrants, abs=0.1
        )
    # With uncertainty the median stays near, with an interval around it.
    projected = run(prepared, horizon=2012, draws=500, seed=2)
    niveau2 = next(g for g in projected.gap if g.period == "2011" and g.level == "2")
    assert niveau2.coverage_low < 0.28 < niveau2.coverage_high


def test_no_demand_for_the_region_means_no_gap_rather_than_a_guess(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        prepared = prepare(session, CONTENT, "twente")
    other = prepared.__class__(prepared.estimate, prepared.content, "PV23")
    assert run(other, horizon=2013, draws=20).gap == []
