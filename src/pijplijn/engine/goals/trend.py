"""Trend projection for short series: a linear or damped trend on at least three points.

Series in the monitor are short (five to ten yearly points) and change definition now and
then, so the method is deliberately simple and says what it is:

- ``linear``: ordinary least squares on (decimal year, value), projected to the deadline, with
  an 80% prediction interval from the t-distribution (n - 2 degrees of freedom);
- ``damped``: the same fitted slope, damped by ``DAMPING`` per year beyond the last point
  (a slope that fades, as in Gardner's damped trend), with the linear interval around it.

With fewer than ``MIN_POINTS`` points there is no projection: "te weinig data".
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

from pydantic import BaseModel

MIN_POINTS = 3
LEVEL = 0.80
"""Coverage of the prediction interval."""
DAMPING = 0.8
"""Share of the slope kept per year after the last point (damped method)."""

_T90 = {
    1: 3.078,
    2: 1.886,
    3: 1.638,
    4: 1.533,
    5: 1.476,
    6: 1.440,
    7: 1.415,
    8: 1.397,
    9: 1.383,
    10: 1.372,
    12: 1.356,
    15: 1.341,
    20: 1.325,
    30: 1.310,
}
"""The 90% quantile of Student's t (two-sided 80% interval) by degrees of freedom; between
the listed values the next smaller df is used (a slightly wider interval)."""
_T90_LIMIT = 1.282

Method = Literal["linear", "damped"]


class Projection(BaseModel):
    """The trend's value at a date, with its interval, or why there is none."""

    method: Method
    at: date
    points: int
    value: float | None = None
    low: float | None = None
    high: float | None = None
    slope: float | None = None
    """Change per year of the fitted trend."""
    note: str = ""


def decimal_year(day: date) -> float:
    """Return ``day`` as a year with a fraction (1 July 2011 ≈ 2011.5)."""
    start = date(day.year, 1, 1)
    length = (date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def project(points: list[tuple[date, float]], at: date, method: Method = "linear") -> Projection:
    """Return the projection of ``points`` (date, value) to ``at`` with an 80% interval, or a
    projection without value and a note when there are fewer than three distinct dates."""
    xs = [decimal_year(d) for d, _ in points]
    ys = [v for _, v in points]
    n = len(points)
    if n < MIN_POINTS or len(set(xs)) < 2:
        return Projection(
            method=method,
            at=at,
            points=n,
            note=f"te weinig data voor een trend: {n} meetpunt(en), minimaal {MIN_POINTS}",
        )
    x0 = decimal_year(at)
    x_mean, y_mean = sum(xs) / n, sum(ys) / n
    sxx = sum((x - x_mean) ** 2 for x in xs)
    slope = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = y_mean - slope * x_mean
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    spread = math.sqrt(residual / (n - 2))
    error = spread * math.sqrt(1 + 1 / n + (x0 - x_mean) ** 2 / sxx)
    value = intercept + slope * x0
    if method == "damped":
        last = max(xs)
        horizon = max(x0 - last, 0.0)
        kept = DAMPING * (1 - DAMPING**horizon) / (1 - DAMPING)
        value = intercept + slope * last + slope * kept
    margin = _t90(n - 2) * error
    return Projection(
        method=method,
        at=at,
        points=n,
        value=value,
        low=value - margin,
        high=value + margin,
        slope=slope,
        note=f"{'lineaire' if method == 'linear' else 'gedempte'} trend op {n} punten, "
        f"{LEVEL:.0%}-voorspelinterval",
    )


def _t90(df: int) -> float:
    listed = [d for d in _T90 if d <= df]
    return _T90[max(listed)] if df <= 30 else _T90_LIMIT
