"""Backtest: fit on the years up to T, project T+1..last, and compare with what happened.

The series compared are the mbo enrolment per niveau and domain (``mbo-2:techniek`` …), the
stocks the model carries. Two baselines are scored alongside the model:

- **naive**: the last value at T, held;
- **trend**: a straight line fitted by least squares through the years up to T.

Both baselines get an interval from the region's pooled year-to-year spread of log changes
(up to T), widening with √h. Scores are MAPE (mean absolute percentage error, over every
origin, horizon and series whose actual value is at least ``min_backtest_actual``) and the
share of actual values inside the 80% and 95% intervals. Data after T is never used to fit:
``Observed.until(T)`` drops it before estimation, for the model and the baselines alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.content.projection import ProjectionContent, ScenarioDef
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.model import MBO_LEVELS, ProjectionError, build_structure
from pijplijn.engine.projection.observed import Observed
from pijplijn.engine.projection.project import from_observed, inputs_for, observe
from pijplijn.engine.projection.results import BacktestRegion, BacktestReport, BacktestScore
from pijplijn.engine.projection.simulate import simulate
from pijplijn.store.models import Region

Z80, Z95 = 1.2816, 1.96
Method = Literal["model", "naive", "trend"]
METHODS: tuple[Method, ...] = ("model", "naive", "trend")


@dataclass
class _Forecasts:
    """Per method: (actual, point, low80, high80, low95, high95) rows."""

    rows: dict[str, list[tuple[float, ...]]] = field(
        default_factory=lambda: {m: [] for m in METHODS}
    )


def default_regions(session: Session, home: str) -> list[str]:
    """The pack's own region and every province in the store, in code order."""
    provinces = session.scalars(
        select(Region.code).where(Region.kind == "provincie").order_by(Region.code)
    ).all()
    return [home, *[code for code in provinces if code != home]]


def backtest(
    session: Session,
    content: ProjectionContent,
    regions: list[str],
    *,
    origins: list[int] | None = None,
    draws: int = 500,
    seed: int = 0,
    trend: str | None = None,
) -> BacktestReport:
    """Backtest the model on ``regions`` from every origin in ``origins`` (default: every
    year from the second mbo year to the year before the last)."""
    observed = observe(session, content, regions)
    return backtest_observed(
        observed, content, origins=origins, draws=draws, seed=seed, trend=trend
    )


def backtest_observed(
    observed: Observed,
    content: ProjectionContent,
    *,
    origins: list[int] | None = None,
    draws: int = 500,
    seed: int = 0,
    trend: str | None = None,
) -> BacktestReport:
    """The backtest on data already read (see ``backtest``)."""
    structure_series = _series(content)
    years = _stock_years(observed, content)
    if len(years) < 3:
        raise ProjectionError(
            "een backtest vraagt minstens drie opeenvolgende jaren mbo-inschrijvingen; "
            f"geladen: {', '.join(map(str, years)) or 'geen'}"
        )
    last = years[-1]
    chosen = origins or [y for y in years[1:-1]]
    bad = [t for t in chosen if t not in years[1:-1]]
    if bad:
        raise ProjectionError(
            f"oorsprong {bad[0]} kan niet: kies een jaar van {years[1]} tot {years[-2]} "
            "(minstens twee jaar data ervoor en één erna)"
        )
    minimum = content.defaults.min_backtest_actual
    results = []
    for r, region in enumerate(observed.regions):
        forecasts = _Forecasts()
        try:
            for origin in chosen:
                _one_origin(observed, content, r, origin, years, draws, seed, trend, forecasts)
        except ProjectionError as exc:
            reason = str(exc)
            if "geen mbo-inschrijvingen" in reason:
                reason = (
                    "geen mbo-inschrijvingen in deze regio (DUO telt mbo-studenten bij de "
                    "hoofdvestiging van hun instelling)"
                )
            results.append(_unscored(region, reason))
            continue
        results.append(_score(region, forecasts, minimum))
    return BacktestReport(
        origins=chosen,
        last_year=last,
        series=structure_series,
        draws=draws,
        regions=results,
        summary=_summary(results),
        notes=[
            "fit op de jaren t/m T, projectie T+1 t/m het laatste jaar; gegevens na T worden "
            "niet gebruikt (Observed.until)",
            f"reeksen: mbo-inschrijvingen per niveau en domein; reeksen onder {minimum:g} "
            "studenten tellen niet mee in de MAPE",
            "interval van de basislijnen: gepoolde jaar-op-jaarspreiding van log-veranderingen "
            "t/m T, breder met √h",
        ],
    )


def _series(content: ProjectionContent) -> list[str]:
    return [f"mbo-{level}:{d}" for d in content.domains for level in MBO_LEVELS]


def _stock_years(observed: Observed, content: ProjectionContent) -> list[int]:
    """Years with mbo enrolment by niveau, in the last unbroken run of years."""
    structure = build_structure(content.domain, "overig", content.rates)
    stocks = [i for i, s in enumerate(structure.states) if s.kind == "stock"]
    found = [
        y for k, y in enumerate(observed.years) if not np.isnan(observed.values[:, stocks, k]).all()
    ]
    run: list[int] = []
    for year in found:
        run = [*run, year] if run and year == run[-1] + 1 else [year]
    return run


def _one_origin(
    observed: Observed,
    content: ProjectionContent,
    region: int,
    origin: int,
    years: list[int],
    draws: int,
    seed: int,
    trend: str | None,
    forecasts: _Forecasts,
) -> None:
    last = years[-1]
    prepared = from_observed(observed, content, until=origin, trend=trend, region=region)
    fitted = prepared.estimate
    baseline = ScenarioDef(name=scenarios.BASELINE)
    schedule, _ = scenarios.schedule(fitted, scenarios.resolve(content, baseline), last)
    outcome = simulate(inputs_for(prepared, last), schedule, draws, seed)
    assert outcome.draws is not None
    index = fitted.structure.index()
    aggregates = fitted.structure.aggregates
    history_years = [y for y in years if y <= origin]
    history = observed.values[region][:, [observed.year_index(y) for y in history_years]]
    sigma = _pooled_log_sd(
        history, [index[m] for name in _series(content) for m in aggregates[name]]
    )
    for name in _series(content):
        members = [index[m] for m in aggregates[name]]
        past = np.nansum(history[members], axis=0)
        if np.isnan(history[members][:, -1]).all():
            continue
        draws_sum = outcome.draws[:, 0, members, :].sum(axis=1)
        slope, intercept = np.polyfit(np.array(history_years, dtype=float), past, 1)
        for h in range(1, last - origin + 1):
            year = origin + h
            actual_values = observed.values[region][members, observed.year_index(year)]
            if np.isnan(actual_values).all():
                continue
            actual = float(np.nansum(actual_values))
            model = np.quantile(draws_sum[:, h], [0.5, 0.1, 0.9, 0.025, 0.975])
            forecasts.rows["model"].append((actual, *map(float, model)))
            spread = sigma * np.sqrt(h)
            for method, point in (("naive", past[-1]), ("trend", intercept + slope * year)):
                point = max(float(point), 0.0)
                forecasts.rows[method].append(
                    (
                        actual,
                        point,
                        point * np.exp(-Z80 * spread),
                        point * np.exp(Z80 * spread),
                        point * np.exp(-Z95 * spread),
                        point * np.exp(Z95 * spread),
                    )
                )


def _pooled_log_sd(history: np.ndarray, states: list[int]) -> float:
    """Pooled sd of year-on-year log changes of the given states (counts > 0 only)."""
    values = history[states]
    with np.errstate(divide="ignore", invalid="ignore"):
        changes = np.diff(np.log(values), axis=1)
    usable = changes[np.isfinite(changes)]
    weights = np.nan_to_num(values[:, 1:])[np.isfinite(changes)]
    if len(usable) < 2 or weights.sum() <= 0:
        return 0.1
    mean = np.average(usable, weights=weights)
    return float(np.sqrt(np.average((usable - mean) ** 2, weights=weights)))


def _score(region: str, forecasts: _Forecasts, minimum: float) -> BacktestRegion:
    scores = []
    for method in METHODS:
        rows = np.array([r for r in forecasts.rows[method] if r[0] >= minimum])
        if len(rows) == 0:
            scores.append(
                BacktestScore(
                    region=region,
                    method=method,
                    mape=None,
                    coverage_80=None,
                    coverage_95=None,
                    forecasts=0,
                )
            )
            continue
        actual, point, low, high, low95, high95 = rows.T
        scores.append(
            BacktestScore(
                region=region,
                method=method,
                mape=round(float(np.mean(np.abs(point - actual) / actual)), 4),
                coverage_80=round(float(np.mean((actual >= low) & (actual <= high))), 3),
                coverage_95=round(float(np.mean((actual >= low95) & (actual <= high95))), 3),
                forecasts=len(rows),
            )
        )
    by: dict[str, float | None] = {s.method: s.mape for s in scores}
    beats_naive = _beats(by["model"], by["naive"])
    beats_trend = _beats(by["model"], by["trend"])
    return BacktestRegion(
        region=region,
        scores=scores,
        model_beats_naive=beats_naive,
        model_beats_trend=beats_trend,
        note=_note(by, beats_naive, beats_trend),
    )


def _unscored(region: str, reason: str) -> BacktestRegion:
    scores = [
        BacktestScore(
            region=region, method=m, mape=None, coverage_80=None, coverage_95=None, forecasts=0
        )
        for m in METHODS
    ]
    return BacktestRegion(
        region=region,
        scores=scores,
        model_beats_naive=None,
        model_beats_trend=None,
        note=f"niet gescoord: {reason}",
    )


def _beats(model: float | None, other: float | None) -> bool | None:
    if model is None or other is None:
        return None
    return model < other


def _note(by: Mapping[str, float | None], naive: bool | None, trend: bool | None) -> str:
    if naive is None:
        return "te weinig reeksen boven de drempel om te scoren"
    parts = [
        "het model is beter dan naïef" if naive else "het model is NIET beter dan naïef",
        "beter dan de lineaire trend" if trend else "NIET beter dan de lineaire trend",
    ]
    return f"{parts[0]}, {parts[1]} (MAPE model {_pct(by['model'])}, naïef {_pct(by['naive'])}, trend {_pct(by['trend'])})"  # noqa: E501


def _pct(value: float | None) -> str:
    from pijplijn.numbers import format_number

    return format_number(value, "share")


def _summary(results: list[BacktestRegion]) -> str:
    scored = [r for r in results if r.model_beats_naive is not None]
    skipped = [r.region for r in results if r.model_beats_naive is None]
    naive = [r.region for r in scored if r.model_beats_naive]
    trend = [r.region for r in scored if r.model_beats_trend]
    losing = [r.region for r in scored if not r.model_beats_naive]
    text = (
        f"het model heeft een lagere MAPE dan naïef in {len(naive)} van {len(scored)} regio's "
        f"en dan de lineaire trend in {len(trend)} van {len(scored)}"
    )
    if losing:
        text += f"; niet beter dan naïef in: {', '.join(losing)}"
    if skipped:
        text += f"; niet gescoord (geen gegevens): {', '.join(skipped)}"
    return text
