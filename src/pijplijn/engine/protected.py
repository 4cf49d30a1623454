"""The cells of protected datasets that public outputs never show (docs/disclosure.md).

A protected dataset (partner registrations, custom extracts, uploads marked so) is published
only through its own table of cells: a count below the threshold is hidden, and so is, along a
total the dataset itself stores, a cell that would give one back. Every public figure is a sum
of cells; the cube (``engine/cube.py``) leaves a hidden cell's value out, and a figure that
would contain one is itself suppressed. So every published figure is a sum of published cells only:
no combination of public queries, by any route, breakdown or filter, gives an equation in
which a hidden cell appears, and none can be determined (``tests/test_disclosure_solver.py``
checks it by solving the system of everything published).
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.engine.cache import cached
from pijplijn.engine.cells import OBSERVATION_DIMS, OBSERVATION_MARGINS, observation_frame
from pijplijn.engine.suppression import COUNTED_UNITS, suppression
from pijplijn.store.models import Dataset

PROTECTED = "protected"
OPEN = "open"


def protected_datasets(session: Session) -> frozenset[int]:
    """Return the ids of the datasets whose disclosure policy is ``protected``."""
    return cached(
        session,
        ("protected-datasets",),
        lambda: frozenset(
            session.scalars(select(Dataset.id).where(Dataset.disclosure == PROTECTED))
        ),
    )


def hidden_cells(session: Session, limit: int) -> frozenset[int]:
    """Return the ids of the active observations of protected datasets that are suppressed
    (primary or secondary) at threshold ``limit``; empty when nothing is protected."""
    return cached(session, ("hidden-cells", limit), lambda: _hidden(session, limit))


def _hidden(session: Session, limit: int) -> frozenset[int]:
    protected = protected_datasets(session)
    if not protected or limit <= 0:
        return frozenset()
    frame = observation_frame(session, protected, ids=True)
    marks = suppressed_cells(frame, limit)
    return frozenset(frame.get_column("id").filter(marks).to_list())


def suppressed_cells(frame: pl.DataFrame, limit: int) -> pl.Series:
    """Return, per row of the observation ``frame`` (columns OBSERVATION_DIMS, ``value``),
    whether disclosure control hides it: a count below ``limit``, and the cells that would
    give one back from a total the dataset itself holds (``published_margins``). Only rows of
    a (dataset, measure, period) with a small count can be hidden, so only those are searched.

    Totals the cube computes need no secondary cells: a sum over a hidden cell is never
    published (``engine/cube.py``). Protecting every cell against every margin of the finest
    table would, with two-valued dimensions such as gender or pathway, hide the whole table.
    """
    hidden = pl.Series("hidden", [False] * frame.height)
    if limit <= 0 or frame.is_empty():
        return hidden
    counted = pl.col("unit").is_in(sorted(COUNTED_UNITS))
    small = counted & (pl.col("value") > 0) & (pl.col("value") < limit)
    parts = ["dataset_id", "measure", "period"]
    work = frame.with_row_index("_row")
    touched = work.filter(small).select(parts).unique()
    affected = work.filter(counted).join(touched, on=parts, how="semi")
    if affected.is_empty():
        return hidden
    marks = suppression(
        affected.with_columns(pl.col(OBSERVATION_DIMS).cast(pl.Utf8)),
        OBSERVATION_DIMS,
        published_margins(affected),
        limit,
    )
    rows = affected.get_column("_row").filter(marks.is_not_null())
    return hidden.scatter(rows, True)


def published_margins(frame: pl.DataFrame) -> list[str]:
    """Return the dimensions along which ``frame`` stores its source's own totals: those
    with a total row (the dimension empty) beside rows that have a value for it, e.g. DUO's
    TOTAAL (gender empty) beside man and vrouw. Along those the parts must stay protected
    against the published total."""
    return [m for m in OBSERVATION_MARGINS if 0 < frame.get_column(m).null_count() < frame.height]
