"""The projection on every core, and quantiles for the series asked for (issue #19 point 5):
the same figures as one thread and as the quantiles of the kept draws."""

import numpy as np
import pytest

from pijplijn.engine.projection import simulate as simulation
from pijplijn.engine.projection.simulate import QUANTILES, Schedule, simulate
from test_projection_model import COMPILED, inputs

REGIONS, YEARS, DRAWS = 12, 6, 64


def uncertain_inputs() -> simulation.Inputs:
    rng = np.random.default_rng(11)
    n = COMPILED.n
    x0 = rng.uniform(10, 500, (REGIONS, n)) * COMPILED.exogenous
    return inputs(x0, rng.uniform(5, 200, (REGIONS, n)), YEARS, spread=0.2)


def test_splitting_the_draws_over_threads_changes_no_figure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, schedule = uncertain_inputs(), Schedule.baseline(COMPILED, REGIONS, YEARS)
    monkeypatch.setattr(simulation, "WORKERS", 1)
    alone = simulate(data, schedule, DRAWS, seed=3)
    monkeypatch.setattr(simulation, "WORKERS", 2)
    monkeypatch.setattr(simulation, "PARALLEL_FROM", 0)  # split even this small run
    split = simulate(data, schedule, DRAWS, seed=3)
    assert alone.draws is not None and split.draws is not None
    assert np.array_equal(alone.draws, split.draws, equal_nan=True)
    assert np.nanstd(split.draws[:, :, :, -1], axis=0).max() > 0  # the draws do differ


def test_quantiles_of_the_series_asked_for_are_those_of_the_kept_draws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(simulation, "PARALLEL_FROM", 0)
    data, schedule = uncertain_inputs(), Schedule.baseline(COMPILED, REGIONS, YEARS)
    kept = simulate(data, schedule, DRAWS, seed=5)
    assert kept.draws is not None
    asked = np.array([i for i, kind in enumerate(COMPILED.kinds) if kind == "stock"])
    summary = simulate(data, schedule, DRAWS, seed=5, keep_draws=False, states=asked).summary
    # Expected: the order statistics of the kept draws at the ranks of QUANTILES.
    ordered = np.sort(kept.draws[:, :, asked, :], axis=0)
    ranks = [min(DRAWS - 1, max(0, round(q * (DRAWS - 1)))) for q in QUANTILES]
    expected = np.moveaxis(ordered[ranks], 0, -1)
    assert np.array_equal(summary[:, asked], expected, equal_nan=True)
    others = np.setdiff1d(np.arange(COMPILED.n), asked)
    assert np.isnan(summary[:, others]).all()  # not asked for: not computed
