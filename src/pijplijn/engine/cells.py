"""The cells of the cube as stored: every active observation with its key columns, read as a
Polars frame (for exports, and for the protection of protected datasets)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.store.models import Observation

OBSERVATION_COLUMNS: dict[str, Any] = {
    "dataset_id": Observation.dataset_id,
    "measure": Observation.measure,
    "period": Observation.period,
    "period_unit": Observation.period_unit,
    "unit": Observation.unit,
    "region_code": Observation.region_code,
    "region_basis": Observation.region_basis,
    "institution": Observation.institution,
    "stage": Observation.stage,
    "level": Observation.level,
    "pathway": Observation.pathway,
    "programme_code": Observation.programme_code,
    "programme_name": Observation.programme_name,
    "sector": Observation.sector,
    "subsector": Observation.subsector,
    "opleidingsdomein": Observation.opleidingsdomein,
    "gender": Observation.gender,
    "origin_stage": Observation.origin_stage,
    "origin_sector": Observation.origin_sector,
    "subject": Observation.subject,
    "value": Observation.value,
    "flag": Observation.flag,
}


def observation_frame(
    session: Session, datasets: Collection[int] | None = None, ids: bool = False
) -> pl.DataFrame:
    """Return every active observation (of ``datasets``, None: all) as a Polars frame (columns
    OBSERVATION_COLUMNS, and ``id`` first when ``ids``; value in the row's ``unit``), ordered
    by dataset and id. Unprotected: public outputs pass it through
    ``disclosure.protect_observations``."""
    columns = dict(OBSERVATION_COLUMNS)
    if ids:
        columns = {"id": Observation.id, **columns}
    statement = (
        select(*columns.values())
        .where(Observation.active.is_(True))
        .order_by(Observation.dataset_id, Observation.id)
    )
    if datasets is not None:
        statement = statement.where(Observation.dataset_id.in_(sorted(datasets)))
    # The DBAPI cursor of the compiled (parameterised) statement: building a million ORM rows
    # costs several times more than the query itself.
    compiled = statement.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    params: Any = (
        tuple(compiled.params[k] for k in compiled.positiontup)
        if compiled.positiontup is not None
        else compiled.params
    )
    connection = session.connection().connection.dbapi_connection
    assert connection is not None
    cursor = connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    names = list(columns)
    values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    schema = {n: pl.Utf8 for n in names} | {
        "id": pl.Int64,
        "dataset_id": pl.Int64,
        "value": pl.Float64,
    }
    return pl.DataFrame(
        {n: pl.Series(n, list(col), dtype=schema[n]) for n, col in zip(names, values, strict=True)}
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
