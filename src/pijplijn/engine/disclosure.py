"""Disclosure control for public outputs, per dataset (docs/disclosure.md).

- **Open** datasets (released by their publisher at this granularity: DUO and CBS open data,
  the seed documents) are shown as published, with the source's own suppression (``<5``)
  kept. pijplijn hides nothing of them: the publisher's table is public already.
- **Protected** datasets (partner registrations, custom extracts, uploads marked so) are
  published only through their own table of cells: a count below the threshold is hidden
  (``engine/protected.py``), and the cube never publishes a sum over a hidden cell. A figure
  that combines datasets takes the strictest policy of its inputs: the functions below apply
  the threshold rule with secondary suppression (``engine/suppression.py``) again, per public
  table, to every figure with a protected input.

The engine applies it where public outputs get their figures: ``published`` (the cube for the
CLI ``query``, the API, the report and the exports), ``pipeline`` and ``indicator_values``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy.orm import Session

from pijplijn.engine.cache import cached
from pijplijn.engine.cells import OBSERVATION_DIMS, OBSERVATION_MARGINS
from pijplijn.engine.cube import CubeQuery, CubeRow, query
from pijplijn.engine.protected import (
    OPEN,
    PROTECTED,
    hidden_cells,
    protected_datasets,
    suppressed_cells,
)
from pijplijn.engine.suppression import (
    COUNTED_UNITS,
    COUNTS,
    NOTE,
    THRESHOLD_VARIABLE,
    note,
    suppression,
    threshold,
)

if TYPE_CHECKING:
    # Annotations only: importing the indicators package would load the catalogue and the
    # evaluation into every `pijplijn query` process.
    from pijplijn.engine.indicators.results import IndicatorValue, IndicatorValues


def published(session: Session, q: CubeQuery) -> list[CubeRow]:
    """Return the cube query ``q`` as public outputs may show it: ``query`` with disclosure
    control applied to count rows (a suppressed row has value None and flag ``suppressed``).
    Cached per data version and threshold."""
    limit = threshold()
    return cached(
        session, ("published", q.key(), limit), lambda: protect_rows(query(session, q), q, limit)
    )


def protect_rows(rows: list[CubeRow], q: CubeQuery, limit: int) -> list[CubeRow]:
    """Return ``rows`` (the result of ``q``) with small counts of protected data and the cells
    that would give them away suppressed. The margins are the query's ``by`` dimensions other
    than period. Rows of open data only are published as they are: they neither need
    protection nor give any (a reader has the publisher's table)."""
    if not rows or limit <= 0 or all(r.policy == OPEN for r in rows):
        return rows
    by = [d for d in dict.fromkeys(q.by) if d != "period"]
    dims = ["period", "unit", *by]
    frame = pl.DataFrame(
        {
            "period": [r.period for r in rows],
            "unit": [r.unit for r in rows],
            **{d: [_text(r.keys.get(d)) for r in rows] for d in by},
            "value": [_count(r) for r in rows],
        },
        schema_overrides={"value": pl.Float64, **{d: pl.Utf8 for d in by}},
    )
    marks = suppression(frame, dims, by, limit).to_list()
    return [
        replace(row, value=None, flag="suppressed") if mark else row
        for row, mark in zip(rows, marks, strict=True)
    ]


def _count(row: CubeRow) -> float | None:
    """The count a row publishes, for the table's rule: None for open data and for figures
    that are no counts; a protected sum the cube hid (over a hidden cell) counts as small."""
    if row.unit not in COUNTED_UNITS or row.policy != PROTECTED:
        return None
    if row.value is None:
        return 0.5 if row.flag == "suppressed" else None
    return row.value


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def protect_values(
    values: IndicatorValues, limit: int, protected: Collection[int]
) -> IndicatorValues:
    """Return indicator ``values`` as public outputs may show them.

    A value with a protected input (a dataset in ``protected``, or the partner register,
    which has no dataset) is suppressed (value None, flag ``suppressed``, its inputs' values
    None) when it is a count below the threshold, when one of its count inputs is (a share
    over a small numerator gives the numerator back with the published denominator), or, by
    secondary suppression over the breakdowns, when it would let a reader recover one of
    those. Values of open data only are shown as computed.
    """
    guarded = [is_protected(v, protected) for v in values.values]
    if limit <= 0 or not any(guarded):
        return values
    counts = [
        _count_of(v, values.unit) if g else None
        for v, g in zip(values.values, guarded, strict=True)
    ]
    small = [g and _has_small_input(v, limit) for v, g in zip(values.values, guarded, strict=True)]
    dims = ["period", *values.by]
    frame = pl.DataFrame(
        {
            "period": [v.period for v in values.values],
            **{d: [_text(v.keys.get(d)) for v in values.values] for d in values.by},
            # A value with a small input is suppressed whatever its own size: give it a
            # value below the threshold so the table treats it as primary.
            "value": [0.5 if s else c for c, s in zip(counts, small, strict=True)],
        },
        schema_overrides={"value": pl.Float64, **{d: pl.Utf8 for d in values.by}},
    )
    marks = suppression(frame, dims, list(values.by), limit).to_list()
    if not any(marks):
        return values
    shown = [
        _suppressed_value(v, limit) if mark else v
        for v, mark in zip(values.values, marks, strict=True)
    ]
    return values.model_copy(update={"values": shown})


def is_protected(value: IndicatorValue, protected: Collection[int]) -> bool:
    """Does ``value`` draw on protected data: a protected dataset, or the partner register
    (whose figures come from no dataset)?"""
    return not value.datasets or any(d in protected for d in value.datasets)


def _count_of(value: IndicatorValue, unit: str) -> float | None:
    """Return the count a value publishes: its one plain numerator input when that is a count
    (the people a share, a change or a sum is about), else the value itself when it is a
    count; None when there is no count to protect."""
    numerators = [i for i in value.inputs if i.role == "numerator" and i.measure in COUNTS]
    if len(numerators) == 1:
        return numerators[0].value
    if unit in COUNTED_UNITS and value.value is not None and value.value >= 0:
        return value.value
    return None


def _has_small_input(value: IndicatorValue, limit: int) -> bool:
    return any(
        i.measure in COUNTS and i.value is not None and 0 < i.value < limit for i in value.inputs
    )


def _suppressed_value(value: IndicatorValue, limit: int) -> IndicatorValue:
    return value.model_copy(
        update={
            "value": None,
            "flag": "suppressed",
            "exact": False,
            "inputs": [i.model_copy(update={"value": None}) for i in value.inputs],
            "notes": [*value.notes, note(limit)],
        }
    )


def protect_observations(frame: pl.DataFrame, hidden: Collection[int]) -> pl.DataFrame:
    """Return the observation ``frame`` (``id``, OBSERVATION_DIMS, ``value``, ``flag``) as
    public outputs may show it, without ``id``: a cell in ``hidden`` (``hidden_cells``: the
    hidden cells of protected datasets) has value null and flag ``suppressed``."""
    is_hidden = pl.col("id").is_in(sorted(hidden))
    return frame.with_columns(
        pl.when(is_hidden).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(is_hidden).then(pl.lit("suppressed")).otherwise(pl.col("flag")).alias("flag"),
    ).drop("id")


__all__ = [
    "COUNTED_UNITS",
    "COUNTS",
    "NOTE",
    "OBSERVATION_DIMS",
    "OBSERVATION_MARGINS",
    "THRESHOLD_VARIABLE",
    "hidden_cells",
    "note",
    "protect_observations",
    "protect_rows",
    "protect_values",
    "protected_datasets",
    "published",
    "suppressed_cells",
    "suppression",
    "threshold",
]
