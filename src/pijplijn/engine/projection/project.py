"""Projections as the CLI and the web call them.

``prepare`` reads and estimates once (the slow part: cube queries); ``run`` projects a
prepared model under a scenario (the fast part, < 50 ms for one region and 1,000 draws), so
a slider in the browser can call ``run`` again and again. ``project`` does both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy.orm import Session

from pijplijn.content.projection import OTHER_DOMAIN, ProjectionContent, ScenarioDef
from pijplijn.engine.cache import cached
from pijplijn.engine.labour.demand import projection_demand
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.estimate import Estimate, Options, estimate
from pijplijn.engine.projection.gap import coverage_differences, gap_points
from pijplijn.engine.projection.model import ProjectionError, build_structure
from pijplijn.engine.projection.observed import Observed, load_observed
from pijplijn.engine.projection.results import (
    Comparison,
    DifferencePoint,
    LeverInfo,
    Projection,
    SeriesPoint,
)
from pijplijn.engine.projection.simulate import QUANTILES, Inputs, Outcome, simulate, summarise

MAX_YEARS = 40
MAX_DRAWS = 100_000


@dataclass(frozen=True)
class Prepared:
    """A model estimated for one region, ready to run under any scenario."""

    estimate: Estimate
    content: ProjectionContent
    region: str


def options(content: ProjectionContent, trend: str | None = None) -> Options:
    """The estimation options: the content's defaults, with ``trend`` if given."""
    defaults = content.defaults
    chosen = trend or defaults.trend
    if chosen not in ("stationary", "damped"):
        raise ProjectionError(f"onbekende trend '{chosen}'; kies stationary of damped")
    return Options(
        trend=chosen,
        damping=defaults.damping,
        window=defaults.inflow_window,
        year_sd_default=defaults.year_sd_default,
    )


def observe(session: Session, content: ProjectionContent, regions: list[str]) -> Observed:
    """Read the observed inputs of ``regions`` (cube queries per measure and region), cached
    per data version: a projection and a backtest of the same regions share one read."""
    structure = build_structure(content.domain, OTHER_DOMAIN, content.rates)
    key = ("projection.observe", _digest(content), tuple(r.strip().lower() for r in regions))
    return cached(session, key, lambda: load_observed(session, structure, content, regions))


def _digest(content: ProjectionContent) -> str:
    return hashlib.sha256(content.model_dump_json().encode()).hexdigest()


def prepare(
    session: Session,
    content: ProjectionContent,
    region: str,
    *,
    until: int | None = None,
    trend: str | None = None,
) -> Prepared:
    """Read and estimate the model for ``region`` on data of years ≤ ``until``; the demand
    the gap is measured against comes from the store (engine/labour/demand.py) when the pack
    has labour parameters, so the projection and the Arbeidsmarkt page use the same figures."""
    content = with_store_demand(session, content, region)
    observed = observe(session, content, [region])
    return from_observed(observed, content, until=until, trend=trend)


def with_store_demand(
    session: Session, content: ProjectionContent, region: str
) -> ProjectionContent:
    """Return ``content`` with the region's demand from the store added to its own."""
    if content.labour is None:
        return content
    found = projection_demand(session, content.labour, content.labour_regions, region)
    own = [d for d in content.demand if d.region.lower() != region.lower() or not found]
    return content.model_copy(update={"demand": [*own, *found]})


def prepared_for(
    session: Session, content: ProjectionContent, region: str, trend: str | None = None
) -> Prepared:
    """Return ``prepare(session, content, region, trend=trend)``, cached per data version:
    the slow part (about 1.5 s for Twente) runs once, so a slider can call ``run`` again and
    again. A Prepared is never changed by ``run``, so sharing it is safe."""
    return cached(
        session,
        ("projection.prepare", _digest(content), region.strip().lower(), trend),
        lambda: prepare(session, content, region, trend=trend),
    )


def from_observed(
    observed: Observed,
    content: ProjectionContent,
    *,
    until: int | None = None,
    trend: str | None = None,
    region: int = 0,
) -> Prepared:
    """Estimate the model for the ``region``-th region of ``observed``."""
    structure = build_structure(content.domain, OTHER_DOMAIN, content.rates)
    single = _one_region(observed, region)
    fitted = estimate(structure, content, single, options(content, trend), until=until)
    return Prepared(fitted, content, observed.regions[region])


def _one_region(observed: Observed, region: int) -> Observed:
    return replace(
        observed,
        regions=(observed.regions[region],),
        values=observed.values[region : region + 1],
    )


def check_horizon(prepared: Prepared, horizon: int) -> None:
    base = prepared.estimate.base_year
    if horizon < base:
        raise ProjectionError(
            f"horizon {horizon} ligt vóór het laatste datajaar {base}; kies {base} of later"
        )
    if horizon > base + MAX_YEARS:
        raise ProjectionError(
            f"horizon {horizon} ligt meer dan {MAX_YEARS} jaar na het laatste datajaar {base}"
        )


def check_draws(draws: int) -> None:
    if not 1 <= draws <= MAX_DRAWS:
        raise ProjectionError(f"draws moet tussen 1 en {MAX_DRAWS} liggen, niet {draws}")


def inputs_for(
    prepared: Prepared,
    horizon: int,
    cohort: dict[int, float] | None = None,
    *,
    uncertainty: bool = True,
) -> Inputs:
    """The simulation inputs over base..horizon: inflow paths (observed vo candidates where
    known, else level and trend, or cohort × participation) and the rates' spreads (all
    zero without ``uncertainty``: the central projection, the same in every draw)."""
    fitted = prepared.estimate
    inflow = fitted.inflow
    base = fitted.base_year
    years = np.arange(base, horizon + 1)
    regions, n = fitted.x0.shape
    path = np.zeros((regions, n, len(years)))
    fixed = np.zeros((regions, n, len(years)), dtype=bool)
    damping = fitted.options.damping if fitted.options.trend == "damped" else 1.0
    for t, year in enumerate(years):
        steps = np.maximum(year - inflow.anchor, 0.0)
        growth = _damped_sum(steps, damping) if fitted.options.trend == "damped" else 0.0
        path[:, :, t] = np.maximum(inflow.level + inflow.slope * growth, 0.0)
        if year in inflow.driver_years:
            known = inflow.drivers[:, :, inflow.driver_years.index(year)]
            observed = ~np.isnan(known)
            path[:, :, t] = np.where(observed, known, path[:, :, t])
            fixed[:, :, t] = observed
    series = _cohort(prepared, cohort)
    if series:
        _apply_cohort(prepared, series, years, path, fixed)
    return Inputs(
        compiled=fitted.compiled,
        x0=fitted.x0,
        x_prev=fitted.x_prev,
        active=fitted.active,
        path=path * fitted.active[:, :, None],
        fixed=fixed,
        offset=inflow.offset,
        vo_scale=inflow.vo_scale,
        par_sd=inflow.par_sd * uncertainty,
        year_sd=inflow.year_sd * uncertainty,
        rate_mean=fitted.rate_mean,
        rate_sd=fitted.rate_sd * uncertainty,
        rate_year_sd=fitted.rate_year_sd * uncertainty,
    )


def _damped_sum(steps: np.ndarray, damping: float) -> np.ndarray:
    """Σ_{k=1..steps} damping^k, the damped trend's growth after ``steps`` years."""
    if damping == 1.0:
        return steps
    return damping * (1.0 - damping**steps) / (1.0 - damping)


def _cohort(prepared: Prepared, cohort: dict[int, float] | None) -> dict[int, float]:
    if cohort is not None:
        for year, count in cohort.items():
            if count < 0:
                raise ProjectionError(
                    f"cohort[{year}] is negatief ({count}); een bevolkingsaantal is 0 of meer"
                )
        return dict(cohort)
    defined = prepared.content.cohort
    if defined and defined.values and defined.region.lower() == prepared.region.lower():
        return dict(defined.values)
    return {}


def _apply_cohort(
    prepared: Prepared,
    cohort: dict[int, float],
    years: np.ndarray,
    path: np.ndarray,
    fixed: np.ndarray,
) -> None:
    """vo candidates = participation × cohort, participation from the years with both."""
    fitted = prepared.estimate
    inflow = fitted.inflow
    vo = [i for i, s in enumerate(fitted.structure.states) if s.measure == "exam_candidates"]
    known_years = [y for y in (fitted.base_year, *inflow.driver_years) if cohort.get(y)]
    if not known_years:
        raise ProjectionError(
            "de cohortreeks overlapt met geen jaar met vo-examenkandidaten; "
            "de deelname kan niet worden geschat"
        )
    observed = np.stack(
        [
            fitted.x0[:, vo]
            if y == fitted.base_year
            else inflow.drivers[:, vo, inflow.driver_years.index(y)]
            for y in known_years
        ],
        axis=-1,
    )
    sizes = np.array([cohort[y] for y in known_years])
    participation = np.nanmean(observed / sizes, axis=-1)
    last = max(cohort)
    for t, year in enumerate(years):
        size = cohort.get(int(year), cohort[last] if year > last else None)
        if size is None or t == 0:
            continue
        projected = participation * size
        path[:, vo, t] = np.where(fixed[:, vo, t], path[:, vo, t], projected)


def run(
    prepared: Prepared,
    *,
    horizon: int | None = None,
    scenario: ScenarioDef | None = None,
    draws: int | None = None,
    seed: int = 0,
    cohort: dict[int, float] | None = None,
    uncertainty: bool = True,
) -> Projection:
    """Project the prepared region to ``horizon`` under ``scenario`` (None: the baseline).

    Without ``uncertainty`` every draw is the central projection (rates at their values,
    inflows at their levels)."""
    content = prepared.content
    horizon = horizon if horizon is not None else content.defaults.horizon
    draws = draws if draws is not None else content.defaults.draws
    check_horizon(prepared, horizon)
    check_draws(draws)
    spec = scenario or ScenarioDef(name=scenarios.BASELINE)
    outcome, levers = _simulate(prepared, spec, horizon, draws, seed, cohort, uncertainty)
    assert outcome.draws is not None
    return _projection(prepared, spec, horizon, draws, seed, outcome, levers)


def _simulate(
    prepared: Prepared,
    spec: ScenarioDef,
    horizon: int,
    draws: int,
    seed: int,
    cohort: dict[int, float] | None,
    uncertainty: bool = True,
) -> tuple[Outcome, list[LeverInfo]]:
    resolved = scenarios.resolve(prepared.content, spec)
    schedule, levers = scenarios.schedule(prepared.estimate, resolved, horizon)
    inputs = inputs_for(prepared, horizon, cohort, uncertainty=uncertainty)
    return simulate(inputs, schedule, draws, seed), levers


def project(
    session: Session,
    content: ProjectionContent,
    region: str,
    *,
    horizon: int | None = None,
    scenario: str | ScenarioDef | None = None,
    draws: int | None = None,
    seed: int = 0,
    trend: str | None = None,
) -> Projection:
    """Estimate and project ``region``; ``scenario`` is a name (saved, of the pack, a pack
    lever, a YAML file) or a ScenarioDef."""
    spec = (
        scenario
        if isinstance(scenario, ScenarioDef)
        else scenarios.find(session, content, scenario)
    )
    prepared = prepared_for(session, content, region, trend)
    return run(prepared, horizon=horizon, scenario=spec, draws=draws, seed=seed)


def compare(
    prepared: Prepared,
    a: ScenarioDef,
    b: ScenarioDef,
    *,
    horizon: int | None = None,
    draws: int | None = None,
    seed: int = 0,
    uncertainty: bool = True,
) -> Comparison:
    """Scenario B minus scenario A per series and year, on the same random draws (without
    ``uncertainty``: the difference of the central projections)."""
    content = prepared.content
    horizon = horizon if horizon is not None else content.defaults.horizon
    draws = draws if draws is not None else content.defaults.draws
    check_horizon(prepared, horizon)
    check_draws(draws)
    first, levers_a = _simulate(prepared, a, horizon, draws, seed, None, uncertainty)
    second, levers_b = _simulate(prepared, b, horizon, draws, seed, None, uncertainty)
    return _comparison(prepared, (a, first, levers_a), (b, second, levers_b), horizon, seed)


@dataclass(frozen=True)
class Paired:
    """A scenario and the baseline run on the same random draws, and their difference."""

    baseline: Projection
    scenario: Projection
    difference: Comparison
    """The scenario minus the baseline per series and year: the quantiles of the per-draw
    differences, so the interval is that of the effect, not of either run."""


def run_paired(
    prepared: Prepared,
    scenario: ScenarioDef,
    *,
    horizon: int | None = None,
    draws: int | None = None,
    seed: int = 0,
) -> Paired:
    """Project the baseline and ``scenario`` on the same random draws (one seed, the same
    numbers for both) and return both projections with the difference of every draw. The
    bands of the two projections overlap whenever the effect is smaller than the spread of
    the projection; the difference's interval shows the effect itself (issue 16.6)."""
    content = prepared.content
    horizon = horizon if horizon is not None else content.defaults.horizon
    draws = draws if draws is not None else content.defaults.draws
    check_horizon(prepared, horizon)
    check_draws(draws)
    base = ScenarioDef(name=scenarios.BASELINE)
    first, levers_a = _simulate(prepared, base, horizon, draws, seed, None)
    second, levers_b = _simulate(prepared, scenario, horizon, draws, seed, None)
    return Paired(
        baseline=_projection(prepared, base, horizon, draws, seed, first, levers_a),
        scenario=_projection(prepared, scenario, horizon, draws, seed, second, levers_b),
        difference=_comparison(
            prepared, (base, first, levers_a), (scenario, second, levers_b), horizon, seed
        ),
    )


def _comparison(
    prepared: Prepared,
    a: tuple[ScenarioDef, Outcome, list[LeverInfo]],
    b: tuple[ScenarioDef, Outcome, list[LeverInfo]],
    horizon: int,
    seed: int,
) -> Comparison:
    """B minus A from two outcomes simulated with the same seed: per series and year the
    median and the 80% and 95% intervals of the per-draw differences."""
    (spec_a, first, levers_a), (spec_b, second, levers_b) = a, b
    assert first.draws is not None and second.draws is not None
    assert first.draws.shape == second.draws.shape, "paired runs need the same draws"
    years = list(range(prepared.estimate.base_year, horizon + 1))
    others = {s: v for s, _, _, v in _series_draws(prepared, second.draws[:, 0])}
    differences = []
    for state, label, measure, values_a in _series_draws(prepared, first.draws[:, 0]):
        values_b = others[state]
        # In float64: the difference of equal float32 draws is exactly 0.
        delta = summarise(values_b.astype(np.float64) - values_a.astype(np.float64))
        mid_a, mid_b = np.median(values_a, axis=0), np.median(values_b, axis=0)
        for k, year in enumerate(years):
            if np.isnan(delta[k]).any():
                continue
            low95, low, mid, high, high95 = (float(v) for v in delta[k])
            differences.append(
                DifferencePoint(
                    state=state,
                    measure=measure,
                    label=label,
                    period=str(year),
                    a=_round(float(mid_a[k])),
                    b=_round(float(mid_b[k])),
                    difference=_round(mid),
                    low=_round(low),
                    high=_round(high),
                    low_95=_round(low95),
                    high_95=_round(high95),
                )
            )
    return Comparison(
        region=prepared.region,
        base_year=prepared.estimate.base_year,
        horizon=horizon,
        a=spec_a.name,
        b=spec_b.name,
        draws=first.draws.shape[0],
        seed=seed,
        differences=differences,
        levers_a=levers_a,
        levers_b=levers_b,
        notes=[
            "beide scenario's zijn doorgerekend met dezelfde trekkingen; het interval is dat "
            "van het verschil"
        ],
        coverage=coverage_differences(
            prepared.estimate,
            prepared.content,
            prepared.region,
            first.draws[:, 0],
            second.draws[:, 0],
            years,
        ),
    )


def _series_draws(prepared: Prepared, draws: np.ndarray) -> list[tuple[str, str, str, np.ndarray]]:
    """(state, label, measure, draws × years) for every active state and aggregate."""
    fitted = prepared.estimate
    structure = fitted.structure
    active = fitted.active[0]
    found = []
    for i, state in enumerate(structure.states):
        if active[i]:
            found.append((state.id, state.label, state.measure, draws[:, i, :]))
    index = structure.index()
    for name, members in structure.aggregates.items():
        ids = [index[m] for m in members if active[index[m]]]
        if not ids:
            continue
        first = structure.states[ids[0]]
        stage = "mbo" if name.startswith("mbo") else first.stage
        level = f" {first.level}" if name.startswith("mbo-") else ""
        label = f"{stage}{level} {first.domain}: {_WHAT[first.measure]} (totaal)"
        found.append((name, label, first.measure, draws[:, ids, :].sum(axis=1)))
    return found


_WHAT = {"enrolled": "ingeschreven", "first_year": "eerstejaars"}


def _projection(
    prepared: Prepared,
    spec: ScenarioDef,
    horizon: int,
    draws: int,
    seed: int,
    outcome: Outcome,
    levers: list[LeverInfo],
) -> Projection:
    fitted = prepared.estimate
    assert outcome.draws is not None
    years = list(range(fitted.base_year, horizon + 1))
    series = []
    found = _series_draws(prepared, outcome.draws[:, 0])
    # One sort for every series and year at once.
    summaries = summarise(np.stack([values for *_, values in found], axis=1))
    rounded = np.round(summaries.astype(float), 2).tolist()
    for (state, label, measure, _), summary in zip(found, rounded, strict=True):
        observed_state = state.split(":")[0] not in ("graduates", "work", "left", "doorstroom-hbo")
        for k, row in enumerate(summary):
            if any(v != v for v in row):  # NaN: not modelled in this year
                continue
            low95, low, mid, high, high95 = row
            series.append(
                SeriesPoint(
                    state=state,
                    measure=measure,
                    label=label,
                    period=str(years[k]),
                    value=mid,
                    low=low,
                    high=high,
                    low_95=low95,
                    high_95=high95,
                    observed=k == 0 and observed_state,
                    scenario=spec.name,
                )
            )
    gap = gap_points(
        fitted, prepared.content, prepared.region, outcome.draws[:, 0], years, spec.name
    )
    notes = list(fitted.notes)
    notes += _not_loaded_note(prepared)
    if not _cohort(prepared, None):
        notes.append(
            "cohortgrootte (bevolking) niet geladen: de vo-examenkandidaten na de laatste "
            "waarneming blijven op hun geschatte niveau in plaats van cohort × deelname"
        )
    notes += [
        f"niet als hefboom: {n.goal} — {n.reason.strip()}" for n in prepared.content.not_levers
    ]
    return Projection(
        region=prepared.region,
        base_year=fitted.base_year,
        horizon=horizon,
        scenario=spec.name,
        draws=draws,
        seed=seed,
        trend=fitted.options.trend,
        classification=fitted.classification,
        series=series,
        rates=fitted.rates,
        inputs=fitted.inputs,
        inflows=fitted.inflow.info,
        levers=levers,
        gap=gap,
        notes=notes,
        warnings=outcome.warnings,
    )


def _not_loaded_note(prepared: Prepared) -> list[str]:
    missing = [i.state for i in prepared.estimate.inputs if i.status == "not loaded"]
    if not missing:
        return []
    return [
        f"niet geladen, dus niet geprojecteerd (instroom daarheen verlaat het model): "
        f"{', '.join(missing)}"
    ]


def _round(value: float) -> float:
    return round(value, 2)


assert len(QUANTILES) == 5
