"""The scenario's effect with its own interval (issue 16.6): the baseline and the scenario run
on the same random draws, and the difference's quantiles are those of the per-draw
differences, not the difference of two overlapping bands."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import LeverRefDef, ScenarioDef, load_projection
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.project import Prepared, inputs_for, prepare, run, run_paired
from pijplijn.engine.projection.simulate import QUANTILES, simulate
from pijplijn.store.db import open_engine, session_scope

CONTENT = load_projection(load_pack("twente"))
HORIZON = 2018
DRAWS = 301
SEED = 7
LEVER = "instroom-vmbo-techniek"
STATE = "mbo-2:techniek"


@pytest.fixture(scope="module")
def model(demo_url: str) -> Iterator[Prepared]:
    engine = open_engine(demo_url)
    with session_scope(engine) as session:
        yield prepare(session, CONTENT, "twente")
    engine.dispose()


def draws_of(model: Prepared, spec: ScenarioDef) -> np.ndarray:
    """The raw draws (draws × years) of STATE under ``spec``, straight from the simulator."""
    resolved = scenarios.resolve(model.content, spec)
    schedule, _ = scenarios.schedule(model.estimate, resolved, HORIZON)
    outcome = simulate(inputs_for(model, HORIZON), schedule, DRAWS, SEED)
    assert outcome.draws is not None
    structure = model.estimate.structure
    index = structure.index()
    # mbo niveau 2 techniek is the sum of its states (BOL and BBL): summed here, by hand.
    members = [index[m] for m in structure.aggregates.get(STATE, [STATE])]
    members = [i for i in members if model.estimate.active[0, i]]
    return np.asarray(outcome.draws[:, 0, members, :], dtype=np.float64).sum(axis=1)


def order_statistic(values: np.ndarray, q: float) -> float:
    """The q-quantile as the engine defines it: the value at rank round(q × (n − 1))."""
    ordered = sorted(float(v) for v in values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def test_the_difference_interval_is_that_of_the_paired_draws(model: Prepared) -> None:
    lever = scenarios.find(None, CONTENT, LEVER)
    paired = run_paired(model, lever, horizon=HORIZON, draws=DRAWS, seed=SEED)
    base, own = draws_of(model, ScenarioDef(name=scenarios.BASELINE)), draws_of(model, lever)
    years = list(range(model.estimate.base_year, HORIZON + 1))
    found = {int(d.period): d for d in paired.difference.differences if d.state == STATE}
    assert sorted(found) == years
    for k, year in enumerate(years):
        delta = own[:, k] - base[:, k]  # draw by draw: the same random numbers in both runs
        low95, low, mid, high, high95 = (order_statistic(delta, q) for q in QUANTILES)
        point = found[year]
        assert point.difference == pytest.approx(mid, abs=0.006)
        assert (point.low, point.high) == pytest.approx((low, high), abs=0.006)
        assert (point.low_95, point.high_95) == pytest.approx((low95, high95), abs=0.006)
    # The effect is clear of zero at the horizon even though the two 80% bands overlap:
    # the bands' difference hides what the paired interval shows.
    last = found[HORIZON]
    assert last.low > 0
    scenario_point = paired.scenario.point(STATE, HORIZON)
    baseline_point = paired.baseline.point(STATE, HORIZON)
    assert scenario_point.low < baseline_point.high  # overlapping bands
    assert (last.high - last.low) < (scenario_point.high - scenario_point.low)


def test_paired_runs_are_the_projections_the_page_would_get_alone(model: Prepared) -> None:
    lever = scenarios.find(None, CONTENT, LEVER)
    paired = run_paired(model, lever, horizon=HORIZON, draws=DRAWS, seed=SEED)
    alone = run(model, scenario=lever, horizon=HORIZON, draws=DRAWS, seed=SEED)
    baseline = run(model, horizon=HORIZON, draws=DRAWS, seed=SEED)
    assert paired.scenario.series == alone.series
    assert paired.baseline.series == baseline.series
    assert paired.scenario.gap == alone.gap


def test_a_scenario_without_effect_differs_by_exactly_zero(model: Prepared) -> None:
    # The pack's lever at a change of 0 still goes through the lever machinery.
    nothing = ScenarioDef(name="nul", levers=[LeverRefDef(lever=LEVER, change=0.0)])
    paired = run_paired(model, nothing, horizon=HORIZON, draws=DRAWS, seed=SEED)
    assert paired.difference.differences
    for point in paired.difference.differences:
        values = (point.difference, point.low, point.high, point.low_95, point.high_95)
        assert values == (0.0, 0.0, 0.0, 0.0, 0.0), point


def test_the_page_and_the_api_show_the_effect_with_its_interval(demo_url: str) -> None:
    import json
    import re

    from fastapi.testclient import TestClient

    from pijplijn.settings import Settings
    from pijplijn.web.app import create_app

    with TestClient(create_app(Settings(database_url=demo_url))) as client:
        api = client.get(
            "/api/v1/projections",
            params={
                "levers": f"{LEVER}:0.1",
                "draws": 1000,
                "table": "difference",
                "state": "mbo:techniek",
            },
        ).json()
        page = client.get(f"/scenarios?{LEVER}=10").text
        baseline_page = client.get("/scenarios").text
        embed = client.get(f"/embed/scenarios/verschil-mbo?{LEVER}=10")
    horizon = max(api["data"], key=lambda d: int(d["period"]))
    assert horizon["low"] > 0  # the lever's effect, clear of zero
    found = re.search(r'<script [^>]*id="verschil-mbo-spec">(.*?)</script>', page)
    assert found, "the page draws the difference"
    spec = json.loads(found.group(1))
    drawn = {r["period"]: r for r in spec["datasets"]["table"]}
    # The chart's figures are the API's: one engine function, one view.
    assert drawn[horizon["period"]]["value"] == horizon["difference"]
    assert (drawn[horizon["period"]]["low"], drawn[horizon["period"]]["high"]) == (
        horizon["low"],
        horizon["high"],
    )
    assert "Effect van het scenario" in spec["title"]
    assert 'class="effect"' in page
    # Without a lever there is no effect to draw.
    assert 'id="verschil-mbo-spec"' not in baseline_page
    assert embed.status_code == 200 and 'id="verschil-mbo-chart"' in embed.text


COVERAGE_HORIZON = 2030
"""The synthetic ROA demand holds from 2025."""


@pytest.fixture(scope="module")
def labour_model(labour_url: str) -> Iterator[Prepared]:
    """The demo with the synthetic ROA AIS fixture: technical demand per mbo niveau, so the
    projection has a coverage of vervangingsvraag."""
    engine = open_engine(labour_url)
    with session_scope(engine) as session:
        yield prepare(session, CONTENT, "twente")
    engine.dispose()


def test_the_coverage_difference_is_that_of_the_paired_draws(labour_model: Prepared) -> None:
    from pijplijn.engine.projection.gap import demand_in, levels_of

    lever = scenarios.find(None, CONTENT, LEVER)
    paired = run_paired(labour_model, lever, horizon=COVERAGE_HORIZON, draws=DRAWS, seed=SEED)
    assert paired.difference.coverage, "ROA's regional demand is loaded"
    index = labour_model.estimate.structure.index()
    years = list(range(labour_model.estimate.base_year, COVERAGE_HORIZON + 1))

    def entrants(spec: ScenarioDef, level: str, domain: str) -> np.ndarray:
        resolved = scenarios.resolve(labour_model.content, spec)
        schedule, _ = scenarios.schedule(labour_model.estimate, resolved, COVERAGE_HORIZON)
        outcome = simulate(inputs_for(labour_model, COVERAGE_HORIZON), schedule, DRAWS, SEED)
        assert outcome.draws is not None
        states = [index[f"work:mbo-{n}:{domain}"] for n in levels_of(level)]
        return np.asarray(outcome.draws[:, 0, states, :], dtype=np.float64).sum(axis=1)

    demands = {(d.level, d.domain): d for d in labour_model.content.demand}
    for point in paired.difference.coverage:
        demand = demands[(point.level, point.domain)]
        k = years.index(int(point.period))
        found = demand_in(demand, int(point.period))
        assert found is not None
        base = entrants(ScenarioDef(name=scenarios.BASELINE), point.level, point.domain)
        own = entrants(lever, point.level, point.domain)
        delta = (own[:, k] - base[:, k]) / found[0]  # per draw, on one denominator
        low, mid, high = (order_statistic(delta, q) for q in (0.10, 0.50, 0.90))
        assert (point.low, point.difference, point.high) == pytest.approx(
            (low, mid, high), abs=1e-4
        )


def test_no_effect_on_coverage_is_exactly_zero(labour_model: Prepared) -> None:
    nothing = ScenarioDef(name="nul", levers=[LeverRefDef(lever=LEVER, change=0.0)])
    paired = run_paired(labour_model, nothing, horizon=COVERAGE_HORIZON, draws=DRAWS, seed=SEED)
    assert paired.difference.coverage
    assert {
        (p.difference, p.low, p.high, p.low_95, p.high_95) for p in paired.difference.coverage
    } == {(0.0, 0.0, 0.0, 0.0, 0.0)}


def test_the_page_draws_the_coverage_effect_as_the_api_gives_it(labour_url: str) -> None:
    import json
    import re

    from fastapi.testclient import TestClient

    from pijplijn.settings import Settings
    from pijplijn.web.app import create_app

    with TestClient(create_app(Settings(database_url=labour_url))) as client:
        api = client.get(
            "/api/v1/projections",
            params={"levers": f"{LEVER}:0.1", "draws": 1000, "table": "gap-difference"},
        ).json()
        page = client.get(f"/scenarios?{LEVER}=10").text
    assert api["data"]
    found = re.search(r'<script [^>]*id="verschil-dekking-spec">(.*?)</script>', page)
    assert found, "the page draws the coverage effect"
    drawn = {
        (r["series"], r["period"]): (r["value"], r["low"], r["high"])
        for r in json.loads(found.group(1))["datasets"]["table"]
    }
    given = {
        (f"niveau {d['level']}", d["period"]): (d["difference"], d["low"], d["high"])
        for d in api["data"]
    }
    assert drawn == given
