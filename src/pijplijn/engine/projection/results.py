"""What the projection engine returns: pydantic models for the CLI, the web and the API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

RateMethod = Literal["prior", "calibrated", "estimated"]


class RateInfo(BaseModel):
    """One rate of the model: its value, its uncertainty, and how and from what it was set.

    ``method`` ``prior`` means the content pack's value was used (``kind`` says whether that
    was published, derived or assumed); ``calibrated`` and ``estimated`` mean the store's data
    set it (``datasets``, ``periods``)."""

    id: str
    value: float
    sd: float
    year_sd: float
    method: RateMethod
    kind: str
    source: str
    subjects: list[str] = []
    datasets: list[int] = []
    periods: list[str] = []
    note: str | None = None


class InputInfo(BaseModel):
    """Where an observed input series (a state's counts) comes from, or that it is not loaded."""

    state: str
    label: str
    status: Literal["loaded", "split", "published", "not loaded"]
    measure: str
    periods: list[str] = []
    datasets: list[int] = []
    flag: str | None = None
    note: str | None = None


class InflowInfo(BaseModel):
    """The estimated yearly inflow into a state from outside the model: its ``level`` (as
    the data implies it) and the part of it (``offset``) that the model's vo edges now bring
    in explicitly, so that only changes in vo move the total."""

    state: str
    level: float
    offset: float
    year_sd: float
    method: str
    periods: list[str] = []


class SeriesPoint(BaseModel):
    """One year of one projected series: the median of the draws and its intervals.

    ``low``/``high`` bound the 80% interval, ``low_95``/``high_95`` the 95% interval. An
    ``observed`` point is the data of the base year, not a projection."""

    state: str
    measure: str
    label: str
    period: str
    value: float
    low: float
    high: float
    low_95: float
    high_95: float
    observed: bool = False
    scenario: str


class LeverInfo(BaseModel):
    """A lever as applied: its targets resolved, its schedule of changes per year."""

    id: str | None
    title: str | None
    kind: str
    targets: list[str]
    mode: str
    change: float
    start: int
    ramp_years: int
    schedule: dict[str, float]
    note: str | None = None


class GapPoint(BaseModel):
    """Labour-market entrants against demand for one niveau and domain in one year.

    ``coverage`` = entrants / (replacement + expansion demand); ``gap`` = demand − entrants
    (positive: a shortage). Intervals are 80%."""

    level: str
    domain: str
    period: str
    entrants: float
    demand: float
    coverage: float
    coverage_low: float
    coverage_high: float
    gap: float
    gap_low: float
    gap_high: float
    demand_source: str
    scenario: str


class Projection(BaseModel):
    """A projection of one region under one scenario, with every rate's provenance."""

    region: str
    base_year: int
    horizon: int
    scenario: str
    draws: int
    seed: int
    trend: str
    classification: str
    series: list[SeriesPoint]
    rates: list[RateInfo]
    inputs: list[InputInfo]
    inflows: list[InflowInfo]
    levers: list[LeverInfo]
    gap: list[GapPoint]
    notes: list[str]
    warnings: list[str]

    def point(self, state: str, period: str | int) -> SeriesPoint:
        """Return the point of ``state`` in ``period``; KeyError when there is none."""
        for p in self.series:
            if p.state == state and p.period == str(period):
                return p
        raise KeyError((state, str(period)))


class DifferencePoint(BaseModel):
    """Scenario B minus scenario A for one series and year, with 80% and 95% intervals
    (the two run on the same random draws, so the interval is that of the difference)."""

    state: str
    measure: str
    label: str
    period: str
    a: float
    b: float
    difference: float
    low: float
    high: float
    low_95: float
    high_95: float


class CoverageDifference(BaseModel):
    """Scenario B's coverage of demand minus scenario A's for one niveau and year, from the
    per-draw coverages of two runs on the same random draws (80% and 95% intervals)."""

    level: str
    domain: str
    period: str
    a: float
    b: float
    difference: float
    low: float
    high: float
    low_95: float
    high_95: float


class Comparison(BaseModel):
    region: str
    base_year: int
    horizon: int
    a: str
    b: str
    draws: int
    seed: int
    differences: list[DifferencePoint]
    levers_a: list[LeverInfo]
    levers_b: list[LeverInfo]
    notes: list[str]
    coverage: list[CoverageDifference] = []
    """The coverage of vervangingsvraag per niveau and year: B minus A (fractions)."""


class BacktestScore(BaseModel):
    """How one method did for one region, over every origin, horizon and series."""

    region: str
    method: Literal["model", "naive", "trend"]
    mape: float | None
    coverage_80: float | None
    coverage_95: float | None
    forecasts: int


class BacktestRegion(BaseModel):
    region: str
    scores: list[BacktestScore]
    model_beats_naive: bool | None
    model_beats_trend: bool | None
    note: str


class BacktestReport(BaseModel):
    """The backtest: fit on years ≤ T, project T+1..last, compare with what happened."""

    origins: list[int]
    last_year: int
    series: list[str]
    draws: int
    regions: list[BacktestRegion]
    summary: str
    notes: list[str]
