"""The model's structure and the vectorised simulation, on small hand-made inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import load_projection
from pijplijn.engine.projection.model import ProjectionError, build_structure, check_rates
from pijplijn.engine.projection.simulate import Compiled, Inputs, Schedule, simulate

CONTENT = load_projection(load_pack("twente"))
STRUCTURE = build_structure("techniek", "overig", CONTENT.rates)
COMPILED = Compiled.of(STRUCTURE)
PRIORS = {rate: CONTENT.rates[rate].value for rate in STRUCTURE.rates}


def test_states_cover_the_pipeline_from_vmbo_to_work() -> None:
    ids = {s.id for s in STRUCTURE.states}
    for expected in (
        "vmbo-bb:techniek",
        "havo:overig",
        "mbo-2:BBL:techniek",
        "mbo-4:BOL:overig",
        "hbo:duaal:techniek",
        "wo:techniek",
        "graduates:mbo-3:techniek",
        "work:mbo-2:techniek",
        "left:mbo-4:overig",
    ):
        assert expected in ids
    # What leaves a state adds up to exactly everybody for a stock (continue, switch,
    # doorstroom, hbo, work, dropout), and never more for any state.
    for state in STRUCTURE.states:
        out = sum(e.rate(PRIORS) for e in STRUCTURE.edges if e.src == state.id and not e.observer)
        if state.kind == "stock":
            assert out == pytest.approx(1.0), state.id
        assert out <= 1.0 + 1e-9, state.id


def test_a_rate_outside_zero_one_is_refused_naming_it() -> None:
    values = {**PRIORS, "hbo-mbo-4:techniek": 1.2}
    with pytest.raises(ProjectionError, match="kans 'hbo-mbo-4:techniek' is 1,2"):
        check_rates(STRUCTURE, values)


def test_rates_out_of_one_state_summing_over_one_are_refused_naming_the_state() -> None:
    values = {**PRIORS, "wo-vwo:techniek": 0.9, "hbo-vwo:techniek": 0.2}
    with pytest.raises(ProjectionError) as caught:
        check_rates(STRUCTURE, values, where="test.yaml")
    message = str(caught.value)
    assert "toestand 'vwo:techniek'" in message and "1,1 (> 1)" in message
    assert "hbo-vwo:techniek 0,2 + wo-vwo:techniek 0,9" in message and "test.yaml" in message


def test_entry_shares_must_split_the_flow_completely() -> None:
    values = {**PRIORS, "level-vmbo-bb-2": 0.8}
    with pytest.raises(ProjectionError, match="niveau bij instroom uit vmbo-bb.*0,9, niet 1"):
        check_rates(STRUCTURE, values)


def test_missing_and_unknown_rates_are_named() -> None:
    with pytest.raises(ProjectionError, match="mist deze kansen.*exit-mbo-3"):
        build_structure("techniek", "overig", [r for r in CONTENT.rates if r != "exit-mbo-3"])
    with pytest.raises(ProjectionError, match="onbekende kansen.*exit-mbo-9"):
        build_structure("techniek", "overig", [*CONTENT.rates, "exit-mbo-9"])


def inputs(x0: np.ndarray, inflow: np.ndarray, years: int, spread: float = 0.0) -> Inputs:
    regions, n = x0.shape
    mean = np.array([PRIORS[r] for r in STRUCTURE.rates])
    return Inputs(
        compiled=COMPILED,
        x0=x0,
        x_prev=None,
        active=np.ones((regions, n), dtype=bool),
        path=np.repeat(inflow[:, :, None], years, axis=2) * COMPILED.exogenous[None, :, None],
        fixed=np.zeros((regions, n, years), dtype=bool),
        offset=np.zeros((regions, n)),
        vo_scale=np.ones((regions, n)),
        par_sd=np.full((regions, n), spread),
        year_sd=np.full((regions, n), spread),
        rate_mean=mean,
        rate_sd=np.full(len(mean), 0.05 if spread else 0.0),
        rate_year_sd=np.full(len(mean), 0.02 if spread else 0.0),
    )


def loop_projection(x0: np.ndarray, inflow: np.ndarray, years: int) -> np.ndarray:
    """The same model, one region, one edge at a time in plain Python (no NumPy algebra)."""
    state = [float(v) for v in x0]
    history = [state]
    rates = [edge.rate(PRIORS) for edge in STRUCTURE.edges]
    index = STRUCTURE.index()
    for _ in range(years - 1):
        new = [float(inflow[i]) if COMPILED.exogenous[i] else 0.0 for i in range(len(state))]
        for edge, rate in zip(STRUCTURE.edges, rates, strict=True):
            new[index[edge.dst]] += rate * state[index[edge.src]]
        state = new
        history.append(state)
    return np.array(history).T


@pytest.mark.parametrize("regions", [1, 12])
def test_without_uncertainty_the_vectorised_run_equals_a_plain_loop(regions: int) -> None:
    rng = np.random.default_rng(7)
    n = COMPILED.n
    x0 = rng.uniform(0, 500, (regions, n)) * COMPILED.exogenous
    inflow = rng.uniform(0, 200, (regions, n))
    years = 8
    baseline = Schedule.baseline(COMPILED, regions, years)
    outcome = simulate(inputs(x0, inflow, years), baseline, draws=3, seed=1, dtype=np.float64)
    assert outcome.draws is not None
    for r in range(regions):
        expected = loop_projection(x0[r], inflow[r], years)
        for draw in range(3):
            # The base year's graduates need last year's stocks (not given here): NaN.
            assert np.allclose(outcome.draws[draw, r, :, 1:], expected[:, 1:], rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    scale=st.floats(0.0, 5_000.0),
    spread=st.floats(0.0, 1.0),
    relative=st.floats(-1.0, 2.0),
    absolute=st.floats(-500.0, 500.0),
    seed=st.integers(0, 2**16),
)
def test_no_stock_ever_becomes_negative(
    scale: float, spread: float, relative: float, absolute: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    regions, years, n = 3, 6, COMPILED.n
    x0 = rng.uniform(0, scale + 1, (regions, n)) * COMPILED.exogenous
    inflow = rng.uniform(0, scale + 1, (regions, n))
    base = Schedule.baseline(COMPILED, regions, years)
    levered = Schedule(
        name="test",
        rate_relative=np.full_like(base.rate_relative, relative),
        rate_absolute=base.rate_absolute,
        inflow_factor=np.full_like(base.inflow_factor, max(0.0, 1.0 + relative)),
        edge_factor=base.edge_factor,
        inflow_absolute=np.full_like(base.inflow_absolute, absolute),
    )
    outcome = simulate(inputs(x0, inflow, years, spread), levered, draws=50, seed=seed)
    assert outcome.draws is not None
    assert np.nanmin(outcome.draws) >= 0.0
    if spread == 0.0 and absolute < -3.0 * (scale + 1.0):
        # Every inflow is cut below 0 by the lever: clipped, and said so.
        assert any("door een hefboom negatief" in w for w in outcome.warnings)


def test_the_same_seed_gives_the_same_draws_whatever_the_scenario() -> None:
    """Common random numbers: a lever that changes nothing changes no draw."""
    rng = np.random.default_rng(3)
    x0 = rng.uniform(0, 300, (1, COMPILED.n)) * COMPILED.exogenous
    inflow = rng.uniform(10, 100, (1, COMPILED.n))
    data = inputs(x0, inflow, 6, spread=0.2)
    base = Schedule.baseline(COMPILED, 1, 6)
    neutral = Schedule(
        name="neutraal",
        rate_relative=base.rate_relative.copy(),
        rate_absolute=base.rate_absolute.copy(),
        inflow_factor=base.inflow_factor.copy(),
        edge_factor=base.edge_factor.copy(),
        inflow_absolute=base.inflow_absolute.copy(),
    )
    first = simulate(data, base, draws=200, seed=11)
    second = simulate(data, neutral, draws=200, seed=11)
    other = simulate(data, base, draws=200, seed=12)
    assert first.draws is not None and second.draws is not None and other.draws is not None
    assert np.array_equal(first.draws, second.draws, equal_nan=True)
    assert not np.array_equal(first.draws, other.draws, equal_nan=True)
