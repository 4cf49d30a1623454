"""The threshold rule with secondary suppression, on one table (docs/disclosure.md).

- **Primary suppression.** A count of persons or organisations with ``0 < value < threshold``
  (``PIJPLIJN_DISCLOSURE_THRESHOLD``, default 5) is never published as a number.
- **Secondary suppression.** A table publishes its cells and, through the coarser query, the
  total along each of its breakdown dimensions (its *margins*). Along every margin, a group of
  cells that shares all other keys must not hold exactly one suppressed cell (the total minus
  the others would give it back), and the suppressed cells of a group must together reach the
  threshold (else their sum is itself a small count). Where a group falls short, its smallest
  published cell is suppressed as well; this repeats until every group is safe.

This module knows tables only, not the store: ``engine/protected.py`` applies it to the cells
of protected datasets, ``engine/disclosure.py`` to public tables.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Literal

import polars as pl

from pijplijn.settings import Settings

Suppression = Literal["primary", "secondary"]
COUNTED_UNITS = frozenset({"count"})
"""Units whose values count persons or organisations; ``thousand`` (CBS vacancies) and shares
are not counts of units that could be identified."""
COUNTS = frozenset(
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
