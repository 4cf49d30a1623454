"""Estimate the model from observed data: rates (with provenance) and inflows per region.

What the data allows, and what it does not:

- **Stocks** (mbo enrolment per niveau × BOL/BBL × domain) give the base year and, from
  consecutive years, the *implied inflow* into each state (``inflows.py``).
- **Rates** are the content pack's priors, re-estimated where the store has the figures
  (``rates.py``).
- **vo exam candidates** after the base year are observed inflow at the bottom of the
  pipeline; beyond the last observed year they are held at their level (or cohort ×
  participation when a cohort series is supplied).

Only data of years ≤ ``until`` is read: ``Observed.until`` drops the rest before anything
is estimated, so a backtest never fits on the future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pijplijn.content.projection import ProjectionContent
from pijplijn.engine.projection.inflows import Inflow, InflowOptions, estimate_inflows
from pijplijn.engine.projection.model import ProjectionError, Structure, check_rates
from pijplijn.engine.projection.observed import FloatArray, Observed
from pijplijn.engine.projection.rates import bound_doorstroom, by_id, estimate_rates
from pijplijn.engine.projection.results import InputInfo, RateInfo
from pijplijn.engine.projection.simulate import Compiled


@dataclass(frozen=True)
class Options:
    """How inflows are estimated: ``stationary`` (their level) or ``damped`` (a trend that
    fades by ``damping`` a year); ``window`` years make the level."""

    trend: str = "stationary"
    damping: float = 0.8
    window: int = 3
    year_sd_default: float = 0.05


@dataclass(frozen=True)
class Estimate:
    """The fitted model: base year, starting stocks, rates and inflows, with provenance."""

    structure: Structure
    compiled: Compiled
    regions: tuple[str, ...]
    base_year: int
    x0: FloatArray
    x_prev: FloatArray | None
    active: np.ndarray
    rates: list[RateInfo]
    rate_mean: FloatArray
    rate_sd: FloatArray
    rate_year_sd: FloatArray
    inflow: Inflow
    inputs: list[InputInfo]
    notes: list[str]
    options: Options
    classification: str

    def rate(self, rate_id: str) -> RateInfo:
        return next(r for r in self.rates if r.id == rate_id)


def estimate(
    structure: Structure,
    content: ProjectionContent,
    observed: Observed,
    options: Options,
    until: int | None = None,
) -> Estimate:
    """Fit the model on ``observed`` data of years ≤ ``until`` (all when None)."""
    data = observed.until(until)
    compiled = Compiled.of(structure)
    base_year = _base_year(structure, data)
    notes: list[str] = []
    rates = estimate_rates(structure, content, data, base_year)
    check_rates(structure, {r.id: r.value for r in rates}, where=content.path)
    rates = bound_doorstroom(structure, compiled, data, base_year, rates, options.window)
    priors = sum(1 for r in rates if r.method == "prior")
    notes.append(
        f"{priors} van de {len(rates)} kansen zijn aannames of gepubliceerde cijfers uit het "
        "contentpakket (methode 'prior'); de rest is uit de geladen gegevens geschat"
    )
    values = {r.id: r.value for r in rates}
    mean = np.array([values[r] for r in structure.rates])
    matrix = compiled.transition(mean)
    b = data.year_index(base_year)
    x0 = np.nan_to_num(data.values[:, :, b])
    x_prev = None
    stocks = np.array([kind == "stock" for kind in compiled.kinds])
    if base_year - 1 in data.years:
        previous = data.values[:, :, data.year_index(base_year - 1)]
        if not np.isnan(previous[:, stocks]).all():
            x_prev = np.nan_to_num(previous)
    active = _active(structure, compiled, data, base_year)
    inflow = estimate_inflows(
        structure,
        compiled,
        data,
        base_year,
        matrix,
        active,
        InflowOptions(options.trend, options.window, options.year_sd_default),
        notes,
    )
    x0 = _vo_at_base(compiled, data, x0, inflow, base_year, notes)
    return Estimate(
        structure=structure,
        compiled=compiled,
        regions=data.regions,
        base_year=base_year,
        x0=x0 * active,
        x_prev=None if x_prev is None else x_prev * active,
        active=active,
        rates=rates,
        rate_mean=mean,
        rate_sd=np.array([by_id(rates)[r].sd for r in structure.rates]),
        rate_year_sd=np.array([by_id(rates)[r].year_sd for r in structure.rates]),
        inflow=inflow,
        inputs=list(data.inputs.values()),
        notes=notes,
        options=options,
        classification=data.classification,
    )


def _base_year(structure: Structure, data: Observed) -> int:
    stocks = [i for i, s in enumerate(structure.states) if s.kind == "stock"]
    years = [y for k, y in enumerate(data.years) if not np.isnan(data.values[:, stocks, k]).all()]
    if not years:
        raise ProjectionError(
            f"geen mbo-inschrijvingen geladen voor {', '.join(data.regions)}: laad de demodata "
            "(pijplijn init --demo) of het DUO-bestand mbo-deelnemers (pijplijn import)"
        )
    return max(years)


def _active(structure: Structure, compiled: Compiled, data: Observed, base: int) -> np.ndarray:
    """Which states take part, per region: states with data at the base year (vo: at or after
    it), and the graduates, entrants and dropouts of active stocks. The rest is 'not loaded'
    and held at 0: what flows into it leaves the modelled pipeline."""
    later = [k for k, y in enumerate(data.years) if y >= base]
    at_base = data.year_index(base)
    active = np.zeros((len(data.regions), compiled.n), dtype=bool)
    for i, state in enumerate(structure.states):
        if state.kind == "stock":
            active[:, i] = ~np.isnan(data.values[:, i, at_base])
        elif state.kind == "flow":
            active[:, i] = ~np.isnan(data.values[:, i, later]).all(axis=1)
    for e in range(len(compiled.src)):
        src, dst = compiled.src[e], compiled.dst[e]
        if compiled.kinds[dst] in ("sink", "observer"):
            active[:, dst] |= active[:, src]
    return active


def _vo_at_base(
    compiled: Compiled,
    data: Observed,
    x0: FloatArray,
    inflow: Inflow,
    base: int,
    notes: list[str],
) -> FloatArray:
    """vo exam candidates at the base year feed next year's mbo inflow: where they were first
    observed later, take that first year's figures (and say so)."""
    flows = [i for i, k in enumerate(compiled.kinds) if k == "flow"]
    at_base = data.values[:, flows, data.year_index(base)]
    missing = np.isnan(at_base) & ~np.isnan(inflow.drivers[:, flows, :]).all(axis=2)
    if missing.any():
        first = np.argmax(~np.isnan(inflow.drivers[:, flows, :]), axis=2)
        values = np.take_along_axis(inflow.drivers[:, flows, :], first[..., None], axis=2)[..., 0]
        x0 = x0.copy()
        x0[:, flows] = np.where(missing, values, x0[:, flows])
        years = sorted({inflow.driver_years[k] for k in first[missing]})
        notes.append(
            f"vo-examenkandidaten van {base} zijn niet geladen; die van "
            f"{', '.join(map(str, years))} staan ervoor in"
        )
    return x0
