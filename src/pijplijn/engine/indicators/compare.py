"""Comparisons between two values of a series, on one definition or not at all.

Every comparison an output shows (a key figure against the year before, a sparkline, a
report sentence) goes through ``compare``: without a break between the two periods the values
are compared as they are; across a classification change the earlier value is restated on
the later version (``Break.restated``); across any other break the comparison is refused with
its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from pijplijn.engine.indicators.breaks import between
from pijplijn.engine.indicators.results import IndicatorValue, IndicatorValues
from pijplijn.periods import Period


class Comparison(BaseModel):
    """A value and an earlier one of the same series, on one definition, or why not."""

    model_config = ConfigDict(frozen=True)

    period: str
    value: float | None
    previous_period: str | None
    previous: float | None
    """The earlier value on the definition of ``period``; None when refused or absent."""
    restated_on: str | None = None
    """The classification version the earlier value was restated on, when it was."""
    refused: str | None = None
    """Why the two periods are not comparable (the break's reason), when they are not."""

    @property
    def change(self) -> float | None:
        """Return value − previous, or None when either is unknown or refused."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def compare(values: IndicatorValues, earlier: IndicatorValue, later: IndicatorValue) -> Comparison:
    """Return ``later`` compared with ``earlier`` (two values of one series of ``values``)."""
    crossed = between(values.breaks, later.keys, earlier.period, later.period)
    base = Comparison(
        period=later.period,
        value=later.value,
        previous_period=earlier.period,
        previous=earlier.value,
    )
    if not crossed:
        return base
    only = crossed[0]
    if len(crossed) == 1 and only.restatable and only.previous == earlier.period:
        return base.model_copy(update={"previous": only.restated, "restated_on": only.restated_on})
    return base.model_copy(
        update={
            "previous": None,
            "refused": "; ".join(f"breuk in {b.period}: {b.reason}" for b in crossed),
        }
    )


def latest_comparison(
    values: IndicatorValues, keys: Mapping[str, Any] | None = None
) -> Comparison | None:
    """Return the latest known value of the series ``keys`` (default: the total) compared
    with the known value before it; None when the series has no known value."""
    wanted = _text(keys or {})
    known = [v for v in values.values if v.value is not None and _text(v.keys) == wanted]
    if not known:
        return None
    if len(known) == 1:
        return Comparison(
            period=known[0].period, value=known[0].value, previous_period=None, previous=None
        )
    return compare(values, known[-2], known[-1])


def segments(values: IndicatorValues) -> list[int]:
    """Return per value its segment: the number of breaks of its series up to its period.
    Values of one segment are on one basis; lines are drawn per segment."""
    starts = [(Period.parse(b.period), _text(b.keys)) for b in values.breaks]
    return [
        sum(
            1 for start, keys in starts if keys == _text(v.keys) and start <= Period.parse(v.period)
        )
        for v in values.values
    ]


def _text(keys: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in keys.items()}
