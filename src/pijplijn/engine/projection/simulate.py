"""Monte Carlo projection, vectorised with NumPy across draws, regions and states.

One year is one matrix step for every draw and region at once: ``x[t] = x[t-1] @ A[t] + u[t]``
with ``x`` of shape (draws, regions, states), ``A[t]`` the transition matrix of each draw
(rates drawn with their estimation error and their year-to-year variation) and ``u[t]`` the
inflow from outside (drawn with its own). There is no Python loop over draws, regions or
states; the only loop is over the years of the horizon.

Rates are drawn on the logit scale, so a drawn rate stays in (0, 1); inflows are drawn
log-normally, so they stay positive. Since every rate and inflow is non-negative and what
leaves a state never exceeds everybody, no stock can become negative; a lever that would
push an inflow or a rate out of range is clipped, and the clipping is reported.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from pijplijn.engine.projection.model import Structure

FloatArray = np.ndarray
IntArray = np.ndarray

QUANTILES = (0.025, 0.10, 0.50, 0.90, 0.975)
"""The summary of every series: 95% and 80% bounds around the median."""
WORKERS = min(4, os.cpu_count() or 1)
"""Threads for sorting the draws of large runs: every core (NumPy's sort releases the GIL,
so they sort while the main thread computes the next year)."""


@dataclass(frozen=True)
class Compiled:
    """The model's structure as index arrays: edges ``src → dst`` whose rate is the product
    of the columns ``factor_index`` picks from [rates | complements | 1]."""

    states: tuple[str, ...]
    rates: tuple[str, ...]
    src: IntArray
    dst: IntArray
    observer: np.ndarray
    factor_index: IntArray
    complement_matrix: FloatArray
    complement_members: IntArray
    """Per complement the indices of its rates, padded with ``len(rates)`` (a zero column)."""
    exogenous: np.ndarray
    kinds: tuple[str, ...]
    vo: np.ndarray
    """The vo states (exam candidates): the bottom of the pipeline."""

    @classmethod
    def of(cls, structure: Structure) -> Compiled:
        index = structure.index()
        rate_index = {r: i for i, r in enumerate(structure.rates)}
        complements = structure.complements()
        comp_index = {c: len(rate_index) + i for i, c in enumerate(complements)}
        one = len(rate_index) + len(complements)
        # Edges in order of destination: one reduceat then sums what each state receives.
        edges = sorted(structure.edges, key=lambda edge: index[edge.dst])
        width = max(len(e.factors) for e in edges)
        factor_index = np.full((len(edges), width), one, dtype=np.intp)
        for e, edge in enumerate(edges):
            for k, factor in enumerate(edge.factors):
                factor_index[e, k] = (
                    comp_index[factor.rates] if factor.complement else rate_index[factor.rates[0]]
                )
        matrix = np.zeros((len(rate_index), len(complements)))
        width = max((len(members) for members in complements), default=1)
        complement_members = np.full((len(complements), width), len(rate_index), dtype=np.intp)
        for c, members in enumerate(complements):
            for k, rate in enumerate(members):
                matrix[rate_index[rate], c] = 1.0
                complement_members[c, k] = rate_index[rate]
        return cls(
            states=tuple(s.id for s in structure.states),
            rates=structure.rates,
            src=np.array([index[e.src] for e in edges], dtype=np.intp),
            dst=np.array([index[e.dst] for e in edges], dtype=np.intp),
            observer=np.array([e.observer for e in edges]),
            factor_index=factor_index,
            complement_matrix=matrix,
            complement_members=complement_members,
            exogenous=np.array([s.exogenous for s in structure.states]),
            kinds=tuple(s.kind for s in structure.states),
            vo=np.array([s.measure == "exam_candidates" for s in structure.states]),
        )

    @property
    def n(self) -> int:
        return len(self.states)

    def columns(self, values: FloatArray) -> FloatArray:
        """Return [rates | complements | 1] per row of ``values`` (..., rates): the factors
        edges multiply. A complement below 0 (rates adding up to more than 1) counts as 0."""
        # Sums of a few columns, not a matrix product: small BLAS calls cost more in thread
        # hand-offs than they compute.
        padded = np.concatenate([values, np.zeros((*values.shape[:-1], 1), values.dtype)], -1)
        members = self.complement_members
        total = np.take(padded, members[:, 0], axis=-1)
        for k in range(1, members.shape[1]):
            total = total + np.take(padded, members[:, k], axis=-1)
        complements = np.maximum(1.0 - total, 0.0)
        ones = np.ones((*values.shape[:-1], 1), dtype=values.dtype)
        return np.concatenate([values, complements.astype(values.dtype), ones], axis=-1)

    def edge_rates(self, values: FloatArray, index: IntArray | None = None) -> FloatArray:
        """Return the rate of every edge, shape (..., edges), from rate values (..., rates);
        ``index`` (edges, factors) replaces ``factor_index`` to multiply only some factors."""
        columns = self.columns(values)
        return product(columns, self.factor_index if index is None else index)

    def transition(self, values: FloatArray) -> FloatArray:
        """Return the (states × states) matrix ``AT`` with ``AT[src, dst]`` = rate, so that a
        year is ``x @ AT``; ``values`` is one vector of rates."""
        matrix = np.zeros((self.n, self.n))
        matrix[self.src, self.dst] = self.edge_rates(np.asarray(values, dtype=float))
        return matrix


def product(columns: FloatArray, index: IntArray) -> FloatArray:
    """Per row of ``columns`` (..., C): the product over k of ``columns[..., index[:, k]]``."""
    flat = columns.reshape(-1, columns.shape[-1])
    result = np.take(flat, index[:, 0], axis=1)
    for k in range(1, index.shape[1]):
        result *= np.take(flat, index[:, k], axis=1)
    return result.reshape(*columns.shape[:-1], index.shape[0])


@dataclass(frozen=True)
class Schedule:
    """A scenario as arrays over the years T..T+H (index 0 is the base year, never changed).

    Rates become ``rate * (1 + rate_relative) + rate_absolute``; the inflow into a lever's
    target states from outside them is multiplied by ``inflow_factor`` (the exogenous inflow)
    and ``edge_factor`` (edges from states outside the target group), and ``inflow_absolute``
    (regions, years, states) is added."""

    name: str
    rate_relative: FloatArray
    rate_absolute: FloatArray
    inflow_factor: FloatArray
    edge_factor: FloatArray
    inflow_absolute: FloatArray

    @classmethod
    def baseline(cls, compiled: Compiled, regions: int, years: int) -> Schedule:
        rates, edges = len(compiled.rates), len(compiled.src)
        return cls(
            name="basis",
            rate_relative=np.zeros((years, rates)),
            rate_absolute=np.zeros((years, rates)),
            inflow_factor=np.ones((years, compiled.n)),
            edge_factor=np.ones((years, edges)),
            inflow_absolute=np.zeros((regions, years, compiled.n)),
        )


@dataclass(frozen=True)
class Inputs:
    """Everything a simulation needs apart from the scenario, for R regions and H years.

    ``path`` (R, states, H+1) is the central exogenous inflow per year; where ``fixed`` it is
    observed (vo exam candidates after the base year) and drawn without error. ``offset``
    (R, states) is subtracted from the drawn inflow every year (the vo part that the model's
    vo edges bring in explicitly, see estimate._vo_offset); ``vo_scale`` (R, states) scales
    what a state receives from vo where the data allow less than the rates say. ``par_sd`` and
    ``year_sd`` (R, states) are the inflow's relative estimation error and year-to-year
    variation. ``rate_*`` are the rates' central values and spreads on the rate scale."""

    compiled: Compiled
    x0: FloatArray
    x_prev: FloatArray | None
    active: np.ndarray
    path: FloatArray
    fixed: np.ndarray
    offset: FloatArray
    vo_scale: FloatArray
    par_sd: FloatArray
    year_sd: FloatArray
    rate_mean: FloatArray
    rate_sd: FloatArray
    rate_year_sd: FloatArray


@dataclass
class Outcome:
    """Draws (draws, regions, states, years), or (when the draws are not kept) their summary
    (regions, states, years, 5)."""

    draws: FloatArray | None
    summary: FloatArray
    warnings: list[str] = field(default_factory=list)


def simulate(
    inputs: Inputs,
    schedule: Schedule,
    draws: int,
    seed: int,
    *,
    keep_draws: bool = True,
    quantiles: bool = True,
    states: np.ndarray | None = None,
    dtype: type[np.floating] = np.float32,
) -> Outcome:
    """Project ``draws`` Monte Carlo paths over the years of ``inputs.path``.

    The random numbers depend only on ``seed`` and the shapes, never on the scenario, so two
    scenarios run with one seed differ only by their levers (common random numbers).
    Returns the draws (``keep_draws``) or, to save memory on large runs, only the quantiles
    ``QUANTILES`` per region, state and year (NaN when ``quantiles`` is off: only the last
    year's states are then computed, e.g. to time the simulation alone). ``states`` (indices)
    limits the quantiles to the series asked for; the others stay NaN."""
    rng = np.random.default_rng(seed)
    regions, n, years = inputs.path.shape
    logits = _RateDraws(inputs, schedule, draws, years, rng, dtype)
    inflow = _InflowDraws(inputs, schedule, draws, rng, dtype)
    vo_scale = inputs.vo_scale if (inputs.vo_scale != 1.0).any() else None
    step = _Stepper(inputs.compiled, draws, regions, vo_scale, dtype)
    stock = _base_year(inputs, logits, step, dtype)
    out = np.empty((draws, regions, n, years), dtype=dtype) if keep_draws else None
    summary = np.full((regions, n, years, len(QUANTILES)), np.nan, dtype=dtype)
    active = None if inputs.active.all() else inputs.active.astype(dtype)
    clipped = {"rates": 0, "inflow": 0, "stock": 0}
    # Without kept draws each year's quantiles are sorted in a background thread while the
    # next year is computed (NumPy releases the GIL in both); every year's array is new, so
    # the thread reads a snapshot nobody changes.
    with ThreadPoolExecutor(1) as background:
        pending = []
        for t in range(years):
            if t > 0:
                rates, count = logits.edge_rates(t)
                clipped["rates"] += count
                stock = step(stock, rates)
                clipped["inflow"] += inflow.add_to(stock, t)
                if active is not None:
                    stock *= active
                if stock.min() < 0.0:
                    negative = stock < 0.0
                    clipped["stock"] += int(np.count_nonzero(negative))
                    np.maximum(stock, 0.0, out=stock)
            if out is not None:
                out[..., t] = stock
            elif quantiles:
                asked = stock if states is None else stock[:, :, states]
                pending.append(background.submit(summarise, asked, WORKERS))
            if t == 0:
                # Base-year flows without last year's stocks are NaN in the output; they
                # move nobody, so they must not poison the matrix product.
                stock = np.nan_to_num(stock)
        for t, job in enumerate(pending):
            if states is None:
                summary[:, :, t, :] = job.result()
            else:
                summary[:, states, t, :] = job.result()
    warnings = [_clip_warning(what, count) for what, count in clipped.items() if count]
    return Outcome(draws=out, summary=summary, warnings=warnings)


def summarise(values: FloatArray, workers: int = 1) -> FloatArray:
    """Return the quantiles ``QUANTILES`` over the first axis (draws), last axis in the result.

    NaN (a series without a base-year value) stays NaN. Series that are the same in every
    draw are not sorted; large inputs are sorted in ``workers`` threads (NumPy's sort
    releases the GIL)."""
    draws = values.shape[0]
    flat = values.reshape(draws, -1)
    ranks = [min(draws - 1, max(0, round(q * (draws - 1)))) for q in QUANTILES]
    result = np.repeat(flat[0][:, None], len(QUANTILES), axis=1)
    varying = np.nonzero((flat != flat[0]).any(axis=0))[0]
    if len(varying):
        chunks = np.array_split(varying, max(1, min(workers, len(varying) // 1000 or 1)))

        def order(columns: np.ndarray) -> np.ndarray:
            ordered: np.ndarray = flat.T[columns]  # one gathering copy: (series, draws)
            ordered.sort(axis=1)
            return ordered[:, ranks]

        if len(chunks) == 1:
            result[varying] = order(varying)
        else:
            with ThreadPoolExecutor(len(chunks)) as pool:
                for columns, picked in zip(chunks, pool.map(order, chunks), strict=True):
                    result[columns] = picked
    return result.reshape(*values.shape[1:], len(QUANTILES))


def _clip_warning(what: str, count: int) -> str:
    if what == "rates":
        return f"{count} getrokken kansen vielen door een hefboom buiten [0, 1] en zijn afgekapt"
    if what == "stock":
        return (
            f"{count} getrokken aantallen (trekking × regio × toestand × jaar) zouden negatief "
            "worden en zijn op 0 gezet"
        )
    return f"{count} getrokken instroomwaarden werden door een hefboom negatief en zijn op 0 gezet"


class _Stepper:
    """One year for every draw and region at once: ``stock @ AT`` with each draw's matrix.

    With many regions a batched matrix product is fastest; with few, multiplying each edge's
    flow and summing per destination is (the matrix would be mostly zeros)."""

    DENSE_FROM = 8

    def __init__(
        self, compiled: Compiled, draws: int, regions: int, vo_scale: FloatArray | None, dtype: type
    ) -> None:
        self.compiled, self.dtype = compiled, dtype
        self.dense = regions >= self.DENSE_FROM
        n = compiled.n
        self.flat_index = compiled.src * n + compiled.dst
        if self.dense:
            self.matrix: FloatArray = np.zeros((draws, n, n), dtype=dtype)
        self.incidence: FloatArray = np.zeros((len(compiled.src), n), dtype=dtype)
        self.incidence[np.arange(len(compiled.src)), compiled.dst] = 1.0
        # Compiled edges come in order of destination (see Compiled.of).
        self.starts = np.r_[0, np.nonzero(np.diff(compiled.dst))[0] + 1]
        self.receivers = compiled.dst[self.starts]
        self.from_vo = np.nonzero(compiled.vo[compiled.src])[0]
        self.vo_scale: FloatArray | None = None if vo_scale is None else vo_scale.astype(dtype)
        # With one region the scale folds into the rates of the edges out of vo.
        self.fold: FloatArray | None = None
        if self.vo_scale is not None and regions == 1:
            self.fold = np.ones(len(compiled.src), dtype=dtype)
            self.fold[self.from_vo] = self.vo_scale[0, compiled.dst[self.from_vo]]
            self.vo_scale = None

    def __call__(self, stock: FloatArray, rates: FloatArray) -> FloatArray:
        n = self.compiled.n
        if self.fold is not None:
            rates = rates * self.fold
        if self.dense:
            self.matrix.reshape(len(rates), n * n)[:, self.flat_index] = rates
            result: FloatArray = _matmul(stock, self.matrix)
        else:
            flows = stock[..., self.compiled.src] * rates[:, None, :]
            result = np.zeros(stock.shape, dtype=self.dtype)
            result[..., self.receivers] = np.add.reduceat(flows, self.starts, axis=-1)
        if self.vo_scale is not None:
            src = self.compiled.src[self.from_vo]
            vo_flows = stock[..., src] * rates[:, None, self.from_vo]
            flat = vo_flows.reshape(-1, vo_flows.shape[-1])
            received = (flat @ self.incidence[self.from_vo]).reshape(stock.shape)
            result += received * (self.vo_scale - 1.0)
        return result


PARALLEL_FROM = 200_000
"""Multiply-adds per year (draws × regions × states²) from which the batched product is
split over ``WORKERS`` threads: below it, handing work to threads costs more than it saves."""


def _matmul(stock: FloatArray, matrix: FloatArray) -> FloatArray:
    """``stock @ matrix`` per draw, the draws split over every core (NumPy releases the GIL
    in the product; each draw's product is the same whichever thread computes it)."""
    draws, regions, n = stock.shape
    if WORKERS < 2 or draws < 2 * WORKERS or draws * regions * n * n < PARALLEL_FROM:
        whole: FloatArray = np.matmul(stock, matrix)
        return whole
    result = np.empty(stock.shape, dtype=np.result_type(stock, matrix))
    bounds = np.linspace(0, draws, WORKERS + 1).astype(int)

    def part(k: int) -> None:
        a, b = bounds[k], bounds[k + 1]
        np.matmul(stock[a:b], matrix[a:b], out=result[a:b])

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(part, range(WORKERS)))
    return result


def _base_year(inputs: Inputs, logits: _RateDraws, step: _Stepper, dtype: type) -> FloatArray:
    """The state at T for every draw: observed stocks and flows, and the year's graduates,
    entrants and dropouts modelled from T-1 (NaN when T-1 is not loaded)."""
    draws = logits.draws
    shape = (draws, *inputs.x0.shape)
    derived = ~inputs.compiled.exogenous
    if inputs.x_prev is None:
        stock = np.empty(shape, dtype=dtype)
        stock[...] = inputs.x0
        stock[..., derived] = np.nan
        return stock
    rates, _ = logits.edge_rates(0)
    previous: FloatArray = np.broadcast_to(inputs.x_prev.astype(dtype), shape)
    stock = step(previous, rates)
    stock *= inputs.active
    exogenous = inputs.compiled.exogenous
    stock[..., exogenous] = inputs.x0[:, exogenous]
    return stock


class _RateDraws:
    """Rates per draw and year on the logit scale: estimation error (per draw) plus
    year-to-year variation (per draw and year).

    Most factors of an edge are the same every year (a draw's rate without year-to-year
    variation, untouched by levers): their product is computed once, and each year only the
    factors that change are multiplied in."""

    def __init__(
        self,
        inputs: Inputs,
        schedule: Schedule,
        draws: int,
        years: int,
        rng: np.random.Generator,
        dtype: type,
    ) -> None:
        self.compiled = inputs.compiled
        self.draws, self.dtype, self.schedule = draws, dtype, schedule
        mean = np.clip(inputs.rate_mean, 0.0, 1.0)
        inner = (mean > 0.0) & (mean < 1.0)
        safe = np.where(inner, mean, 0.5)
        slope = safe * (1.0 - safe)
        par = np.where(inner, inputs.rate_sd / slope, 0.0)
        year = np.where(inner, inputs.rate_year_sd / slope, 0.0)
        self.inner, self.fixed = inner, mean
        self.base = np.log(safe / (1.0 - safe)) + par * rng.standard_normal((draws, len(mean)))
        self.varying = np.nonzero(year > 0.0)[0]
        shocks = rng.standard_normal((years, draws, len(self.varying)))
        self.year_shock = shocks * year[self.varying]
        levered = (schedule.rate_relative != 0.0).any(axis=0)
        levered |= (schedule.rate_absolute != 0.0).any(axis=0)
        self.levered = bool(levered.any())
        self.relative: FloatArray = (1.0 + schedule.rate_relative).astype(dtype)
        self.absolute: FloatArray = schedule.rate_absolute.astype(dtype)
        self.edge_factor: FloatArray = schedule.edge_factor.astype(dtype)
        dynamic_rates = levered.copy()
        dynamic_rates[self.varying] = True
        self.dynamic = bool(dynamic_rates.any())
        self._split(dynamic_rates)
        self.static_values: FloatArray = self._sigmoid(self.base).astype(dtype)

    def _split(self, dynamic_rates: np.ndarray) -> None:
        """Divide every edge's factor slots into static ones and ones that change yearly."""
        compiled = self.compiled
        members = compiled.complement_matrix.astype(bool)
        dynamic_columns = np.concatenate(
            [dynamic_rates, (members & dynamic_rates[:, None]).any(axis=0), [False]]
        )
        one = len(dynamic_columns) - 1
        slots = dynamic_columns[compiled.factor_index]
        self.static_index = np.where(slots, one, compiled.factor_index)
        edges = np.nonzero(slots.any(axis=1))[0]
        width = max(1, int(slots.sum(axis=1).max()))
        dynamic_index = np.full((len(edges), width), one, dtype=np.intp)
        for row, e in enumerate(edges):
            picked = compiled.factor_index[e][slots[e]]
            dynamic_index[row, : len(picked)] = picked
        self.dynamic_edges, self.dynamic_index = edges, dynamic_index
        self.static_rates: FloatArray | None = None

    def _sigmoid(self, logit: FloatArray) -> FloatArray:
        drawn = 1.0 / (1.0 + np.exp(-logit))
        result: FloatArray = np.where(self.inner, drawn, self.fixed)
        return result

    def values(self, t: int) -> FloatArray:
        if len(self.varying) == 0:
            return self.static_values
        values = self.static_values.copy()
        logit = self.base[:, self.varying] + self.year_shock[t]
        drawn = 1.0 / (1.0 + np.exp(-logit))
        values[:, self.varying] = np.where(
            self.inner[self.varying], drawn, self.fixed[self.varying]
        )
        return values

    def edge_rates(self, t: int) -> tuple[FloatArray, int]:
        """The edges' rates of year index ``t`` (draws, edges), and how many drawn rates a
        lever pushed outside [0, 1] (they are clipped)."""
        compiled = self.compiled
        if self.static_rates is None:
            columns = compiled.columns(self.static_values)
            self.static_rates = product(columns, self.static_index).astype(self.dtype)
        rates = self.static_rates.copy()
        outside = 0
        if self.dynamic:
            values = self.values(t)
            if self.levered:
                values = values * self.relative[t] + self.absolute[t]
                outside = int(np.count_nonzero((values < 0.0) | (values > 1.0)))
                values = np.clip(values, 0.0, 1.0)
            columns = compiled.columns(values)
            rates[:, self.dynamic_edges] *= product(columns, self.dynamic_index)
        rates *= self.edge_factor[t]
        return rates, outside


class _InflowDraws:
    """Exogenous inflow per draw, region, state and year, log-normal around its path.

    The year-to-year deviates come from one pool of log-normal factors (draws × regions ×
    states), reshuffled across draws every year: each draw then meets independent deviates
    from year to year, at a fraction of the cost of drawing new ones (the pool is what makes
    the national run fit in memory and time)."""

    def __init__(
        self, inputs: Inputs, schedule: Schedule, draws: int, rng: np.random.Generator, dtype: type
    ) -> None:
        self.inputs, self.schedule, self.dtype = inputs, schedule, dtype
        states = np.nonzero(inputs.compiled.exogenous)[0]
        # The model lists its exogenous states first: a slice is much faster than an index.
        contiguous = len(states) and states[-1] - states[0] + 1 == len(states)
        self.states: slice | np.ndarray = (
            slice(int(states[0]), int(states[-1]) + 1) if contiguous else states
        )
        regions = inputs.path.shape[0]
        shape = (draws, regions, len(states))
        par_sd: FloatArray = inputs.par_sd[:, states].astype(dtype)
        year_sd: FloatArray = inputs.year_sd[:, states].astype(dtype)
        offset: FloatArray = inputs.offset[:, states].astype(dtype)
        self.offset = offset if offset.any() else None
        # One pool of normals serves both: the level's error takes it in another order.
        normals: FloatArray = rng.standard_normal(shape, dtype=np.float32).astype(dtype)
        self.level = np.exp(par_sd * normals[rng.permutation(draws)])
        self.pool = np.exp(year_sd * normals)
        self.buffer: FloatArray = np.empty_like(self.pool)
        self.orders = [rng.permutation(draws) for _ in range(inputs.path.shape[2])]
        self.path: FloatArray = inputs.path[:, states, :].astype(dtype)
        self.fixed = inputs.fixed[:, states, :]
        self.factor: FloatArray = schedule.inflow_factor[:, states].astype(dtype)
        self.added: FloatArray = np.moveaxis(schedule.inflow_absolute[:, :, states], 1, 0).astype(
            dtype
        )
        self.levered = bool((self.factor != 1.0).any() or self.added.any())

    def add_to(self, stock: FloatArray, t: int) -> int:
        """Add year ``t``'s drawn inflow to ``stock`` (draws, regions, states) in place.
        Returns how many drawn values a lever would have made negative (cut to 0)."""
        drawn = np.take(self.pool, self.orders[t], axis=0, out=self.buffer)
        drawn *= self.level
        drawn *= self.path[:, :, t]
        fixed = self.fixed[:, :, t]
        if fixed.any():
            drawn = np.where(fixed, self.path[:, :, t], drawn)
        negative = 0
        if self.levered:
            drawn = drawn * self.factor[t] + self.added[t]
            # A lever may cut an inflow to 0, not below (the offset is the model's own).
            below = drawn < 0.0
            negative = int(np.count_nonzero(below))
            if negative:
                drawn[below] = 0.0
        if self.offset is not None:
            drawn -= self.offset * self.factor[t]
        stock[..., self.states] += drawn
        return negative
