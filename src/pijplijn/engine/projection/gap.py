"""The supply–demand gap: mbo graduates entering the labour market against demand.

**Coverage ratio** (dekkingsgraad) of a niveau (or range, ``3-4``) and domain in a year::

    coverage = labour-market entrants / (replacement demand + expansion demand)

where *labour-market entrants* are the year's graduates of that niveau and domain who do not
go on to further education (``work:mbo-N:<domain>`` in the model: graduates × (1 − doorstroom
to the next niveau or to hbo)). This is the Regiovisie's reading (§4.1): "met het aantal
mbo 2 technisch gediplomeerden die de arbeidsmarkt opstroomt kan maar 28% van het aantal
mbo 2 technische vacatures (vervangingsvraag) worden ingevuld". The **gap** is demand minus
entrants: positive means a shortage.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from pijplijn.content.projection import DemandDef, ProjectionContent
from pijplijn.engine.projection.estimate import Estimate
from pijplijn.engine.projection.results import CoverageDifference, GapPoint

FloatArray = np.ndarray


def coverage(entrants: float, replacement: float, expansion: float = 0.0) -> float:
    """Return entrants / (replacement + expansion): the share of demand the entrants fill."""
    demand = replacement + expansion
    if demand <= 0:
        raise ValueError("de vraag moet groter dan 0 zijn om een dekkingsgraad te berekenen")
    return entrants / demand


def levels_of(level: str) -> list[str]:
    """``"3-4"`` → ``["3", "4"]``; ``"2"`` → ``["2"]``."""
    first, _, last = level.partition("-")
    return [str(n) for n in range(int(first), int(last or first) + 1)]


def demand_in(demand: DemandDef, year: int) -> tuple[float, str] | None:
    """Return (replacement + expansion, sources) in force on 1 January of ``year``, or None
    when no replacement demand is in force then."""
    when = date(year, 1, 1)
    replacement = demand.replacement.at(when)
    if replacement is None:
        return None
    expansion = demand.expansion.at(when)
    total = replacement.value + (expansion.value if expansion else 0.0)
    sources = replacement.source.strip()
    if expansion is not None:
        sources += f" Uitbreidingsvraag: {expansion.source.strip()}"
    return total, sources


def gap_points(
    estimate: Estimate,
    content: ProjectionContent,
    region: str,
    draws: FloatArray,
    years: list[int],
    scenario: str,
) -> list[GapPoint]:
    """Coverage and gap per year for every demand series of ``region`` in the content.

    ``draws`` is (draws, states, years) for the region; a year whose entrants are not
    modelled (NaN) is left out."""
    index = estimate.structure.index()
    points = []
    for demand in content.demand:
        if demand.region.lower() != region.lower():
            continue
        states = [index[f"work:mbo-{level}:{demand.domain}"] for level in levels_of(demand.level)]
        if not estimate.active[0, states].any():
            continue
        entrants = draws[:, states, :].sum(axis=1)
        found = {k: demand_in(demand, year) for k, year in enumerate(years)}
        known = [k for k, f in found.items() if f and not np.isnan(entrants[:, k]).any()]
        if not known:
            continue
        totals = np.array([found[k][0] for k in known])  # type: ignore[index]
        values = entrants[:, known]
        # One quantile call for every year: (3 quantiles, years).
        ratio = np.quantile(values / totals, [0.1, 0.5, 0.9], axis=0)
        gap = np.quantile(totals - values, [0.1, 0.5, 0.9], axis=0)
        middle = np.median(values, axis=0)
        for j, k in enumerate(known):
            total, source = found[k]  # type: ignore[misc]
            points.append(
                GapPoint(
                    level=demand.level,
                    domain=demand.domain,
                    period=str(years[k]),
                    entrants=round(float(middle[j]), 1),
                    demand=total,
                    coverage=round(float(ratio[1, j]), 4),
                    coverage_low=round(float(ratio[0, j]), 4),
                    coverage_high=round(float(ratio[2, j]), 4),
                    gap=round(float(gap[1, j]), 1),
                    gap_low=round(float(gap[0, j]), 1),
                    gap_high=round(float(gap[2, j]), 1),
                    demand_source=source,
                    scenario=scenario,
                )
            )
    return points


def coverage_differences(
    estimate: Estimate,
    content: ProjectionContent,
    region: str,
    draws_a: FloatArray,
    draws_b: FloatArray,
    years: list[int],
) -> list[CoverageDifference]:
    """The coverage under B minus the coverage under A, per demand series and year, from two
    runs on the same random draws (``draws_*``: draws × states × years): the quantiles of the
    per-draw differences (entrants_B − entrants_A) / demand, so the interval is the effect's."""
    from pijplijn.engine.projection.simulate import summarise

    index = estimate.structure.index()
    found = []
    for demand in content.demand:
        if demand.region.lower() != region.lower():
            continue
        states = [index[f"work:mbo-{level}:{demand.domain}"] for level in levels_of(demand.level)]
        if not estimate.active[0, states].any():
            continue
        first = draws_a[:, states, :].astype(np.float64).sum(axis=1)
        second = draws_b[:, states, :].astype(np.float64).sum(axis=1)
        for k, year in enumerate(years):
            total = demand_in(demand, year)
            if total is None or np.isnan(first[:, k]).any() or np.isnan(second[:, k]).any():
                continue
            ratio_a, ratio_b = first[:, k] / total[0], second[:, k] / total[0]
            low95, low, mid, high, high95 = (
                float(v) for v in summarise((ratio_b - ratio_a)[:, None])[0]
            )
            found.append(
                CoverageDifference(
                    level=demand.level,
                    domain=demand.domain,
                    period=str(year),
                    a=round(float(np.median(ratio_a)), 4),
                    b=round(float(np.median(ratio_b)), 4),
                    difference=round(mid, 4),
                    low=round(low, 4),
                    high=round(high, 4),
                    low_95=round(low95, 4),
                    high_95=round(high95, 4),
                )
            )
    return found
