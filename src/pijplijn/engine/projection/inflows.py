"""The inflow into each state from outside the model, estimated from consecutive years.

The *implied inflow* of a state in a year is what it gained beyond what the model moves in
from last year's states (at the rates' central values). Its level (mean of the last years),
its trend (for the damped option) and its year-to-year spread are the inflow's estimate.
vo exam candidates have no inflow from inside the model: their observations are their
inflow, and those after the base year are known future inflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pijplijn.engine.projection.model import Structure
from pijplijn.engine.projection.observed import FloatArray, Observed
from pijplijn.engine.projection.results import InflowInfo
from pijplijn.engine.projection.simulate import Compiled


@dataclass(frozen=True)
class InflowOptions:
    """``trend`` (stationary or damped), ``window`` years for the level, and the spread of
    an inflow seen in one year only."""

    trend: str
    window: int
    year_sd_default: float


SHRINK = 2.0
"""Weight (in years of data) of a region's pooled year-to-year spread when shrinking a
state's own spread towards it: with few years, a single state's spread is mostly noise."""
MAX_REL_SD = 1.0


@dataclass(frozen=True)
class Inflow:
    """Exogenous inflow per region and state: a level at the base year, a yearly slope (0
    when stationary), relative spreads, and observed values for later years (NaN if none)."""

    level: FloatArray
    slope: FloatArray
    offset: FloatArray
    """Inflow from vo already inside ``level`` (see ``_vo_offset``); subtracted each year."""
    vo_scale: FloatArray
    """Factor on what each state receives from vo (< 1 where the data allow less)."""
    year_sd: FloatArray
    par_sd: FloatArray
    drivers: FloatArray
    driver_years: tuple[int, ...]
    anchor: FloatArray
    """The year each level applies to (the base year, or the last observed driver year)."""
    info: list[InflowInfo]


def estimate_inflows(
    structure: Structure,
    compiled: Compiled,
    data: Observed,
    base: int,
    matrix: FloatArray,
    active: np.ndarray,
    options: InflowOptions,
    notes: list[str],
) -> Inflow:
    """The exogenous inflow of every state and region: observed minus what the model moves
    in from last year's states, averaged over the last ``options.window`` years."""
    regions, n, _ = data.values.shape
    other, vo_missing = implied(compiled, data, base, matrix)
    level = np.zeros((regions, n))
    slope = np.zeros((regions, n))
    sd = np.full((regions, n), np.nan)
    used = np.zeros((regions, n))
    anchor = np.full((regions, n), float(base))
    years = np.array(data.years, dtype=float)
    for r in range(regions):
        for s in np.nonzero(compiled.exogenous & active[r])[0]:
            series = other[r, s]
            known = np.nonzero(~np.isnan(series))[0]
            if len(known) == 0:
                continue
            recent = known[-options.window :]
            level[r, s] = series[recent].mean()
            used[r, s] = len(recent)
            if compiled.kinds[s] == "flow":
                # A flow's level is that of its last observed years (vo runs past the base).
                anchor[r, s] = years[known[-1]]
            if len(known) >= 2:
                sd[r, s] = series[known].std(ddof=1)
            if options.trend == "damped" and len(known) >= 3:
                slope[r, s] = np.polyfit(years[known], series[known], 1)[0]
    negative = (level < 0) & active
    if negative.any():
        names = sorted({compiled.states[s] for _, s in zip(*np.nonzero(negative), strict=True)})
        notes.append(
            "geschatte instroom negatief (de aangenomen uitstroomkansen verklaren meer dan de "
            f"waargenomen groei) en op 0 gezet voor: {', '.join(names)}"
        )
    level = np.maximum(level, 0.0)
    offset = _vo_offset(compiled, data, base, matrix, vo_missing, active, options.window)
    # Where the vo part at the rates of the pack exceeds what the data let in, the data win:
    # the vo edges into that state are scaled down (vo_scale) so that the level holds.
    vo_scale = np.where(offset > level, level / np.maximum(offset, 1e-12), 1.0)
    offset = np.minimum(offset, level)
    scaled = (vo_scale < 0.999) & active
    if scaled.any():
        names = sorted({compiled.states[s] for _, s in zip(*np.nonzero(scaled), strict=True)})
        notes.append(
            "de waargenomen instroom is kleiner dan wat de aangenomen vo-doorstroomkansen "
            f"aanvoeren; de vo-instroom is daarom verkleind voor: {', '.join(names)}"
        )
    year_sd = _relative_spread(sd, level, used, options.year_sd_default)
    year_sd = np.minimum(year_sd * _small_sample(used), MAX_REL_SD)
    par_sd = year_sd / np.sqrt(np.maximum(used, 1.0))
    drivers, driver_years = _drivers(compiled, data, base)
    info = _inflow_info(structure, compiled, data, level, offset, year_sd, other, active)
    return Inflow(
        level, slope, offset, vo_scale, year_sd, par_sd, drivers, driver_years, anchor, info
    )


def implied(
    compiled: Compiled, data: Observed, base: int, matrix: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return the implied exogenous inflow (regions, states, years) and, per region and year,
    1.0 where vo was not observed in the year before (its part then hides in the inflow)."""
    values = data.values
    regions, n, count = values.shape
    other = np.full((regions, n, count), np.nan)
    vo_missing = np.zeros((regions, count))
    vo = np.array(
        [
            k == "flow" and s.split(":")[0] not in ("hbo", "wo")
            for s, k in zip(compiled.states, compiled.kinds, strict=True)
        ]
    )
    stocks = np.array([k == "stock" for k in compiled.kinds])
    for k, year in enumerate(data.years):
        current = values[:, :, k]
        if compiled.kinds and year <= base:
            pass
        for r in range(regions):
            if not np.isnan(current[r, vo]).all():
                # vo has no inflow from inside the model: observed = exogenous.
                other[r, vo, k] = current[r, vo]
        if year > base or year - 1 not in data.years:
            continue
        previous = values[:, :, data.year_index(year - 1)]
        has_stocks = ~np.isnan(previous[:, stocks]).all(axis=1)
        modelled = np.nan_to_num(previous) @ matrix
        fitted = current - modelled
        for region in np.nonzero(has_stocks)[0]:
            own = ~vo & compiled.exogenous & ~np.isnan(current[region])
            own &= ~(stocks & np.isnan(previous[region]))
            other[region, own, k] = fitted[region, own]
            vo_missing[region, k] = float(np.isnan(previous[region, vo]).all())
    return other, vo_missing


def _vo_offset(
    compiled: Compiled,
    data: Observed,
    base: int,
    matrix: FloatArray,
    vo_missing: FloatArray,
    active: np.ndarray,
    window_years: int,
) -> FloatArray:
    """The part of the implied inflow that came from vo when the fit years had no vo data.

    Once vo is in the model (observed at or after the base year), its edges bring that part
    in explicitly, so the projection subtracts it again at the first observed vo year's level
    (in proportion to the fit years that lacked vo). The net effect: the level of the inflow
    stays what the data says, and only *changes* in vo (and levers on it) move it, at the
    rates of the content pack."""
    vo = compiled.vo
    later = [k for k, y in enumerate(data.years) if y >= base]
    offset = np.zeros(active.shape)
    if not later:
        return offset
    block = data.values[:, :, later][:, vo, :]
    seen = ~np.isnan(block).all(axis=1)
    first = np.argmax(seen, axis=1)
    reference = np.zeros(active.shape)
    values = np.take_along_axis(block, first[:, None, None], axis=2)[..., 0]
    reference[:, vo] = np.nan_to_num(values)
    part = (reference * active) @ matrix
    window = [k for k, y in enumerate(data.years) if y <= base][-window_years:]
    share = vo_missing[:, window].mean(axis=1) if window else np.zeros(active.shape[0])
    targets = compiled.exogenous & ~vo
    offset[:, targets] = share[:, None] * part[:, targets]
    result: FloatArray = offset * active
    return result


T80 = {1: 3.078, 2: 1.886, 3: 1.638, 4: 1.533, 5: 1.476, 6: 1.440, 7: 1.415, 8: 1.397}
"""Student-t 90% quantiles by degrees of freedom (a two-sided 80% interval)."""


def _small_sample(used: FloatArray) -> FloatArray:
    """Widening of a spread estimated from few years: the ratio of the Student-t quantile to
    the normal one (80% interval), so that an interval from three years is not as narrow as
    one from thirty. 1 for nine years or more."""
    df = np.clip(used - 1, 1, 9).astype(int)
    return np.array([T80.get(int(d), 1.2816) for d in df.ravel()]).reshape(used.shape) / 1.2816


def _relative_spread(
    sd: FloatArray, level: FloatArray, used: FloatArray, default: float
) -> FloatArray:
    """Relative year-to-year spread per state, shrunk towards the region's pooled spread
    (pooled with the levels as weights, so that a state of a handful of students, whose
    relative spread is mostly noise, does not swamp the rest)."""
    result = np.full(sd.shape, default)
    for r in range(sd.shape[0]):
        known = ~np.isnan(sd[r]) & (level[r] > 0)
        if not known.any():
            continue
        pooled = float(np.sqrt(np.sum(sd[r, known] ** 2) / np.sum(level[r, known] ** 2)))
        own = np.where(known, np.nan_to_num(sd[r]) / np.maximum(level[r], 1.0), pooled)
        n = np.maximum(used[r] - 1.0, 0.0)
        result[r] = np.sqrt((SHRINK * pooled**2 + n * own**2) / (SHRINK + n))
    bounded: FloatArray = np.minimum(result, MAX_REL_SD)
    return bounded


def _drivers(compiled: Compiled, data: Observed, base: int) -> tuple[FloatArray, tuple[int, ...]]:
    """Observed values of flow states after the base year: known future inflow (vo)."""
    later = [k for k, y in enumerate(data.years) if y > base]
    drivers = np.full((data.values.shape[0], compiled.n, len(later)), np.nan)
    flows = np.array([k == "flow" for k in compiled.kinds])
    drivers[:, flows, :] = data.values[:, flows, :][:, :, later]
    return drivers, tuple(data.years[k] for k in later)


def _inflow_info(
    structure: Structure,
    compiled: Compiled,
    data: Observed,
    level: FloatArray,
    offset: FloatArray,
    year_sd: FloatArray,
    other: FloatArray,
    active: np.ndarray,
) -> list[InflowInfo]:
    info = []
    for s, state in enumerate(structure.states):
        if not compiled.exogenous[s] or not active[:, s].any():
            continue
        known = ~np.isnan(other[:, s, :]).all(axis=0)
        method = (
            "waargenomen (vo-examenkandidaten)"
            if state.measure == "exam_candidates"
            else "impliciete instroom: waarneming min wat het model van vorig jaar instroomt"
        )
        total = float(level[:, s].sum())
        info.append(
            InflowInfo(
                state=state.id,
                level=round(total, 2),
                offset=round(float(offset[:, s].sum()), 2),
                year_sd=round(float(np.average(year_sd[:, s], weights=level[:, s] + 1e-9)), 4),
                method=method,
                periods=[str(y) for y, k in zip(data.years, known, strict=True) if k],
            )
        )
    return info
