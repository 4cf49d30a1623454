"""Disclosure control for public outputs: small counts are suppressed, and so is whatever
would let a reader recover them by subtraction.

The rule (docs/disclosure.md):

- **Primary suppression.** A count of persons or organisations with ``0 < value < threshold``
  (``PIJPLIJN_DISCLOSURE_THRESHOLD``, default 5) is never published as a number.
- **Secondary suppression.** A table publishes its cells and, through the coarser query, the
  total along each of its breakdown dimensions (its *margins*). Along every margin, a group of
  cells that shares all other keys must not hold exactly one suppressed cell (the total minus
  the others would give it back), and the suppressed cells of a group must together reach the
  threshold (else their sum is itself a small count). Where a group falls short, its smallest
  published cell is suppressed as well; this repeats until every group is safe.

The engine applies it where public outputs get their figures: ``published`` (the cube for the
CLI ``query``, the API, the report and the exports), ``pipeline`` and ``indicator_values``.
Internal computations (projections, the check, composite indicators) read the unprotected cube.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import polars as pl
from sqlalchemy.orm import Session

from pijplijn.engine.cache import cached
from pijplijn.engine.cube import OBSERVATION_COLUMNS, CubeQuery, CubeRow, query
from pijplijn.settings import Settings

if TYPE_CHECKING:
    # Annotations only: importing the indicators package would load the catalogue and the
    # evaluation into every `pijplijn query` process.
    from pijplijn.engine.indicators.results import IndicatorValue, IndicatorValues

Suppression = Literal["primary", "secondary"]
COUNTED_UNITS = frozenset({"count"})
"""Units whose values count persons or organisations; ``thousand`` (CBS vacancies) and shares
are not counts of units that could be identified."""
_COUNTS = frozenset(
    {
        "enrolled",
        "first_year",
        "graduates",
        "exam_candidates",
        "exam_passed",
        "transitions",
        "companies",
        "published_count",
    }
)
"""Measures that count persons or organisations (their unit is ``count``)."""
NOTE = "onderdrukt: minder dan {t} of af te leiden uit een gepubliceerd totaal"


THRESHOLD_VARIABLE = "PIJPLIJN_DISCLOSURE_THRESHOLD"


def threshold() -> int:
    """Return the configured threshold: counts below it (and above 0) are suppressed."""
    return _threshold(os.environ.get(THRESHOLD_VARIABLE))


@functools.lru_cache(maxsize=16)
def _threshold(_variable: str | None) -> int:
    # Reading the settings costs about 2 ms and the threshold is asked for every figure: read
    # them once per value of the variable (which tests and deployments may change).
    return Settings().disclosure_threshold


def note(limit: int) -> str:
    """Return the note a suppressed figure carries, in Dutch."""
    return NOTE.format(t=limit)


def suppression(
    frame: pl.DataFrame,
    dims: Sequence[str],
    margins: Sequence[str],
    limit: int,
    value: str = "value",
) -> pl.Series:
    """Return, per row of ``frame``, ``"primary"``, ``"secondary"`` or null.

    ``frame`` holds one row per cell: the key columns ``dims`` and the count ``value``
    (null for an unknown cell, which protects nothing and is never chosen). ``margins`` are the
    dims along which the table's totals are published. Ties between equally small candidate
    cells are broken by row order, so the result is deterministic for a sorted frame.
    """
    values = frame.get_column(value).cast(pl.Float64)
    # A negative value is no count (a change, say): it neither needs nor gives protection.
    values = pl.select(pl.when(values >= 0).then(values)).to_series()
    primary = ((values > 0) & (values < limit)).fill_null(False)
    if limit <= 0 or not primary.any():
        return pl.Series("suppression", [None] * frame.height, dtype=pl.Utf8)
    work = pl.DataFrame(
        {"_v": values, "_s": primary, "_row": pl.int_range(frame.height, eager=True)}
    )
    groups: dict[str, pl.Series] = {}
    for margin in margins:
        others = [d for d in dims if d != margin]
        key = (
            frame.select(pl.struct(others).hash(seed=0)).to_series()
            if others
            else pl.Series([0] * frame.height, dtype=pl.UInt64)
        )
        groups[margin] = key.alias(f"_g_{margin}")
    work = work.with_columns(list(groups.values()))
    secondary = pl.Series("_x", [False] * frame.height)
    # Groups to look at per margin (None: all). A group's safety changes only when one of its
    # cells is suppressed, so after the first round only the groups of newly suppressed cells
    # (and those of margins not yet looked at) need a look: the same result, far less work.
    pending: dict[str, pl.Series | None] = dict.fromkeys(groups)
    # Every round suppresses at least one more cell, so this ends within frame.height rounds.
    while True:
        added, looked = _one_round(work, list(groups), limit, pending)
        if added.is_empty():
            break
        mark = pl.Series("_x", [False] * frame.height).scatter(added, True)
        secondary = secondary | mark
        work = work.with_columns(pl.col("_s") | mark)
        touched = work.filter(mark)
        for margin in groups:
            fresh = touched.get_column(f"_g_{margin}").unique()
            before = pending[margin]
            pending[margin] = (
                fresh
                if margin in looked
                else None
                if before is None
                else pl.concat([before, fresh]).unique()
            )
    return (
        pl.select(
            pl.when(primary)
            .then(pl.lit("primary"))
            .when(secondary)
            .then(pl.lit("secondary"))
            .otherwise(pl.lit(None, dtype=pl.Utf8))
        )
        .to_series()
        .alias("suppression")
    )


def _one_round(
    work: pl.DataFrame, margins: list[str], limit: int, pending: dict[str, pl.Series | None]
) -> tuple[pl.Series, list[str]]:
    """Return the rows to suppress next (per unsafe group of the first margin that has one,
    its smallest published cell) and the margins looked at."""
    known = work.filter(pl.col("_v").is_not_null())
    chosen: list[pl.Series] = []
    looked: list[str] = []
    for margin in margins:
        group = f"_g_{margin}"
        looked.append(margin)
        candidates = pending[margin]
        scope = (
            known if candidates is None else known.filter(pl.col(group).is_in(candidates.implode()))
        )
        stats = (
            scope.group_by(group)
            .agg(
                cells=pl.len(),
                hidden=pl.col("_s").sum(),
                hidden_sum=pl.col("_v").filter(pl.col("_s")).sum(),
            )
            .filter(
                (pl.col("hidden") > 0)
                & (pl.col("cells") > pl.col("hidden"))
                & ((pl.col("hidden") == 1) | (pl.col("hidden_sum") < limit))
            )
        )
        if stats.is_empty():
            continue
        picks = (
            scope.filter(~pl.col("_s"))
            .join(stats.select(group), on=group, how="semi")
            .sort(["_v", "_row"])
            .group_by(group, maintain_order=True)
            .first()
        )
        chosen.append(picks.get_column("_row"))
        # One margin per round: a cell chosen here may already make another margin's group
        # safe, and suppressing more than needed loses information.
        break
    if not chosen:
        return pl.Series("_row", [], dtype=pl.Int64), looked
    return pl.concat(chosen).unique().sort(), looked


def published(session: Session, q: CubeQuery) -> list[CubeRow]:
    """Return the cube query ``q`` as public outputs may show it: ``query`` with disclosure
    control applied to count rows (a suppressed row has value None and flag ``suppressed``).
    Cached per data version and threshold."""
    limit = threshold()
    return cached(
        session, ("published", q.key(), limit), lambda: protect_rows(query(session, q), q, limit)
    )


def protect_rows(rows: list[CubeRow], q: CubeQuery, limit: int) -> list[CubeRow]:
    """Return ``rows`` (the result of ``q``) with small counts and the cells that would give
    them away suppressed. The margins are the query's ``by`` dimensions other than period."""
    if not rows or limit <= 0:
        return rows
    by = [d for d in dict.fromkeys(q.by) if d != "period"]
    dims = ["period", "unit", *by]
    frame = pl.DataFrame(
        {
            "period": [r.period for r in rows],
            "unit": [r.unit for r in rows],
            **{d: [_text(r.keys.get(d)) for r in rows] for d in by},
            "value": [r.value if r.unit in COUNTED_UNITS else None for r in rows],
        },
        schema_overrides={"value": pl.Float64, **{d: pl.Utf8 for d in by}},
    )
    marks = suppression(frame, dims, by, limit).to_list()
    return [
        replace(row, value=None, flag="suppressed") if mark else row
        for row, mark in zip(rows, marks, strict=True)
    ]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def protect_values(values: IndicatorValues, limit: int) -> IndicatorValues:
    """Return indicator ``values`` as public outputs may show them.

    A value is suppressed (value None, flag ``suppressed``, its inputs' values None) when it is
    a count below the threshold, when one of its count inputs is (a share over a small
    numerator gives the numerator back with the published denominator), or, by secondary
    suppression over the breakdowns, when it would let a reader recover one of those.
    """
    if limit <= 0 or not values.values:
        return values
    counts = [_count_of(v, values.unit) for v in values.values]
    small = [_has_small_input(v, limit) for v in values.values]
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
    protected = [
        _suppressed_value(v, limit) if mark else v
        for v, mark in zip(values.values, marks, strict=True)
    ]
    return values.model_copy(update={"values": protected})


def _count_of(value: IndicatorValue, unit: str) -> float | None:
    """Return the count a value publishes: its one plain numerator input when that is a count
    (the people a share, a change or a sum is about), else the value itself when it is a
    count; None when there is no count to protect."""
    numerators = [i for i in value.inputs if i.role == "numerator" and i.measure in _COUNTS]
    if len(numerators) == 1:
        return numerators[0].value
    if unit in COUNTED_UNITS and value.value is not None and value.value >= 0:
        return value.value
    return None


def _has_small_input(value: IndicatorValue, limit: int) -> bool:
    return any(
        i.measure in _COUNTS and i.value is not None and 0 < i.value < limit for i in value.inputs
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


OBSERVATION_DIMS = tuple(
    c for c in OBSERVATION_COLUMNS if c not in ("period_unit", "value", "flag")
)
"""The key of an observation cell: every stored column but the value, its flag and the
period's unit (a label of the period)."""
OBSERVATION_MARGINS = (
    "region_code",
    "institution",
    "stage",
    "level",
    "pathway",
    "programme_code",
    "sector",
    "gender",
)
"""The dimensions the cube sums over (its published totals); the others are labels of these
(programme_name of programme_code) or never summed (measure, period, unit, dataset)."""


def protect_observations(frame: pl.DataFrame, limit: int) -> pl.DataFrame:
    """Return the observation ``frame`` (columns OBSERVATION_DIMS, ``value``, ``flag``) with
    disclosure control: a suppressed count has value null and flag ``suppressed``. Only rows
    of a (measure, period, dataset) with a small count can change, so only those are searched."""
    if limit <= 0 or frame.is_empty():
        return frame
    counted = pl.col("unit").is_in(sorted(COUNTED_UNITS))
    small = counted & (pl.col("value") > 0) & (pl.col("value") < limit)
    parts = ["dataset_id", "measure", "period"]
    frame = frame.with_row_index("_row")
    touched = frame.filter(small).select(parts).unique()
    affected = frame.filter(counted).join(touched, on=parts, how="semi")
    if affected.is_empty():
        return frame.drop("_row")
    marks = suppression(
        affected.with_columns(pl.col(OBSERVATION_DIMS).cast(pl.Utf8)),
        OBSERVATION_DIMS,
        OBSERVATION_MARGINS,
        limit,
    )
    hidden = affected.get_column("_row").filter(marks.is_not_null())
    is_hidden = pl.col("_row").is_in(hidden.implode())
    return frame.with_columns(
        pl.when(is_hidden).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(is_hidden).then(pl.lit("suppressed")).otherwise(pl.col("flag")).alias("flag"),
    ).drop("_row")
