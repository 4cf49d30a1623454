"""Series of cells keyed by period and breakdown, and the arithmetic between them.

A series is split by some of the requested breakdowns (``dims``); a coarser series is used for
every value of the finer one (a share's denominator for every sector). A cell keeps the inputs
it was computed from, so that every value can say where it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pijplijn import vocabulary as vocab
from pijplijn.engine.indicators.results import InputValue, worst_flag
from pijplijn.errors import QueryError
from pijplijn.periods import Period

Keys = tuple[Any, ...]
ANY_PERIOD = "*"
"""The period key of a series that holds one figure for every period (a fixed period)."""


@dataclass(frozen=True)
class Cell:
    """A value with its flag, the inputs behind it and notes on how it was computed."""

    value: float | None
    flag: str | None
    inputs: tuple[InputValue, ...]
    notes: tuple[str, ...] = ()


@dataclass
class Series:
    """Cells by (period, keys), where keys are the values of ``dims`` in order."""

    dims: tuple[str, ...]
    cells: dict[tuple[str, Keys], Cell] = field(default_factory=dict)
    fixed: bool = False
    """One figure for every period (stored under ANY_PERIOD)."""
    unavailable: str | None = None
    """Set when the input has no source at all: what is missing."""

    def get(self, period: str, keys: dict[str, Any]) -> Cell | None:
        """Return the cell for ``period`` and the breakdown ``keys`` (a superset of dims)."""
        own = tuple(keys[d] for d in self.dims)
        return self.cells.get((ANY_PERIOD if self.fixed else period, own))

    def periods(self) -> set[str]:
        """Return the periods that have a cell."""
        return {period for period, _ in self.cells}


def previous_year(text: str) -> str:
    """Return the period one year before ``text``: the year, school year or the same
    quarter a year earlier."""
    period = Period.parse(text)
    return str(Period(period.start.replace(year=period.start.year - 1), period.unit))


def combine(
    parts: list[Series],
    operation: Callable[[list[float]], float | None],
    role: str,
    names: list[str] | None = None,
) -> Series:
    """Return the cell-by-cell ``operation`` over ``parts`` (the first drives the keys).

    Every part must be split by a subset of the finest part's breakdowns. A cell whose other
    parts are absent or unknown is None with flag ``missing`` and a note naming the part (from
    ``names``); an ``unavailable`` part makes every cell None and says what source is missing.
    """
    labels = names or [f"factor {index + 1}" for index in range(len(parts))]
    driver = max(parts, key=lambda s: (len(s.dims), not s.fixed))
    for part in parts:
        if not set(part.dims) <= set(driver.dims):
            raise QueryError(
                f"{role}: de delen zijn naar verschillende dimensies uitgesplitst "
                f"({', '.join(part.dims)} tegen {', '.join(driver.dims)})"
            )
    result = Series(dims=driver.dims, fixed=all(p.fixed for p in parts))
    for (period, own), _ in driver.cells.items():
        keys = dict(zip(driver.dims, own, strict=True))
        cells = [p.get(period, keys) for p in parts]
        result.cells[(period, own)] = _apply(cells, parts, labels, operation)
    if driver.unavailable:
        result.unavailable = driver.unavailable
    return result


def _apply(
    cells: list[Cell | None],
    parts: list[Series],
    labels: list[str],
    operation: Callable[[list[float]], float | None],
) -> Cell:
    present = [c for c in cells if c is not None]
    inputs = tuple(i for c in present for i in c.inputs)
    notes = tuple(n for c in present for n in c.notes)
    flag = worst_flag([c.flag for c in present])
    reasons = tuple(
        f"geen bron: {part.unavailable}" if part.unavailable else f"{label}: geen waarnemingen"
        for part, label, cell in zip(parts, labels, cells, strict=True)
        if cell is None
    )
    if reasons:
        return Cell(None, "missing", inputs, notes + reasons)
    values = [c.value for c in present]
    if any(v is None for v in values):
        return Cell(None, flag or "missing", inputs, notes)
    value = operation([v for v in values if v is not None])
    if value is None:
        return Cell(None, worst_flag([flag, "missing"]), inputs, (*notes, "noemer is 0"))
    if value == 0 and flag in vocab.UNKNOWN_FLAGS:
        # 0 over (or times) any figure is exactly 0 when the 0 itself is exact; otherwise a 0
        # built from unknown cells is no figure, never a 0 that hides them.
        zero = next(
            (c for c in present if c.value == 0 and c.flag not in vocab.UNKNOWN_FLAGS), None
        )
        if zero is None:
            return Cell(None, flag, inputs, notes)
        flag = zero.flag
    return Cell(value, flag, inputs, notes)


def product(values: list[float]) -> float:
    """Return the product of ``values``."""
    result = 1.0
    for value in values:
        result *= value
    return result


def ratio(values: list[float]) -> float | None:
    """Return values[0] / values[1], or None when the denominator is 0."""
    numerator, denominator = values
    return None if denominator == 0 else numerator / denominator


def relative_change(first: float | None, last: float | None) -> float | None:
    """Return (last − first) / first as a fraction, or None when either is unknown or first
    is 0."""
    if first is None or last is None or first == 0:
        return None
    return (last - first) / first
