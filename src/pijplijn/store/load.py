"""The one place that writes to the cube: reference data, and parsed sources as datasets.

Callers run these inside one transaction (``db.session_scope``), so an import is
all-or-nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from pijplijn.ingest.records import OBSERVATION_SCHEMA, ParsedSource
from pijplijn.store.models import CodeLabel, Dataset, Observation
from pijplijn.store.reference import upsert_institutions, upsert_regions

BATCH_ROWS = 50_000


@dataclass
class LoadResult:
    """What a load did: ``status`` is ``loaded``, ``unchanged`` (already loaded) or
    ``reclassified`` (already loaded, now under another disclosure policy)."""

    dataset_id: int
    status: str
    rows: int
    superseded: list[int] = field(default_factory=list)


def load_source(session: Session, parsed: ParsedSource) -> LoadResult:
    """Write a valid parsed source as a new dataset, unless this exact release is loaded.

    A newer release of the same ``source_key`` supersedes the older ones for the periods
    it covers: their observations stay, marked inactive, as history.
    """
    if not parsed.report.valid:
        raise ValueError("refusing to write an invalid import report")
    info = parsed.info
    existing = session.scalar(
        select(Dataset).where(Dataset.sha256 == info.sha256, Dataset.loader == info.loader)
    )
    if existing is not None:
        if existing.disclosure != info.disclosure:
            # The same release, declared open or protected anew: only the policy changes.
            existing.disclosure = info.disclosure
            return LoadResult(
                dataset_id=existing.id, status="reclassified", rows=existing.row_count
            )
        return LoadResult(dataset_id=existing.id, status="unchanged", rows=existing.row_count)
    frame = parsed.observations
    periods = sorted(frame.get_column("period").unique().to_list()) if frame.height else []
    upsert_regions(session, parsed.regions)
    upsert_institutions(session, parsed.institutions)
    dataset = Dataset(
        source_key=info.source_key,
        publisher=info.publisher,
        title=info.title,
        source=info.source,
        licence=info.licence,
        retrieved_at=info.retrieved_at,
        loaded_at=datetime.now(UTC),
        sha256=info.sha256,
        loader=info.loader,
        row_count=frame.height,
        periods=",".join(periods),
        status="current",
        disclosure=info.disclosure,
        coverage=info.coverage.with_periods(periods).to_json() if info.coverage else None,
        region_basis=info.coverage.region_basis if info.coverage else None,
    )
    session.add(dataset)
    session.flush()
    for label in parsed.code_labels:
        session.merge(
            CodeLabel(
                scheme=label.scheme, code=label.code, label=label.label, dataset_id=dataset.id
            )
        )
    superseded = _supersede(session, dataset, set(periods))
    _insert_observations(session, dataset.id, frame)
    return LoadResult(
        dataset_id=dataset.id, status="loaded", rows=frame.height, superseded=superseded
    )


def _supersede(session: Session, newer: Dataset, periods: set[str]) -> list[int]:
    older = session.scalars(
        select(Dataset).where(
            Dataset.source_key == newer.source_key,
            Dataset.id != newer.id,
            Dataset.status != "superseded",
        )
    ).all()
    touched = []
    for dataset in older:
        own = set(filter(None, dataset.periods.split(",")))
        overlap = own & periods
        if not overlap:
            continue
        session.execute(
            update(Observation)
            .where(Observation.dataset_id == dataset.id, Observation.period.in_(sorted(overlap)))
            .values(active=False)
        )
        dataset.status = "superseded" if own <= periods else "partly-superseded"
        touched.append(dataset.id)
    return touched


def _insert_observations(session: Session, dataset_id: int, frame: pl.DataFrame) -> None:
    """Bulk-insert the frame: COPY on PostgreSQL, executemany of tuples elsewhere.

    Columns that are null in every row are left out of the statement (the database fills in
    NULL): binding fewer parameters per row is the cheapest speed-up of a bulk insert.
    """
    if frame.height == 0:
        return
    used = [
        name for name in OBSERVATION_SCHEMA if frame.get_column(name).null_count() < frame.height
    ]
    columns = ["dataset_id", "active", "paired", *used]
    frame = frame.select(
        pl.lit(dataset_id, dtype=pl.Int64).alias("dataset_id"),
        pl.lit(True).alias("active"),
        paired(frame).alias("paired"),
        *used,
    )
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_postgres(connection, columns, frame)
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    placeholders = ", ".join(marker for _ in columns)
    sql = f"INSERT INTO observation ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    for start in range(0, frame.height, BATCH_ROWS):
        connection.exec_driver_sql(sql, frame.slice(start, BATCH_ROWS).rows())


CELL_IDENTITY: tuple[str, ...] = tuple(
    name for name in OBSERVATION_SCHEMA if name not in ("gender", "value", "flag")
)
"""The columns that name one cell of a source apart from its gender: a total (gender null)
and its man/vrouw parts share them."""


def paired(frame: pl.DataFrame) -> pl.Series:
    """Return, per row, whether it is one side of a published total beside its gender parts:
    a gender-null row with a gendered row of the same cell, or a gendered row beside a
    gender-null one. The cube then sums either the total or the parts, never both."""
    is_total = pl.col("gender").is_null()
    marked = frame.select(
        (is_total.any().over(CELL_IDENTITY) & (~is_total).any().over(CELL_IDENTITY)).alias("p")
    )
    return marked.get_column("p")


def _copy_postgres(connection: Connection, columns: list[str], frame: pl.DataFrame) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    sql = f"COPY observation ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for start in range(0, frame.height, BATCH_ROWS):
            for row in frame.slice(start, BATCH_ROWS).iter_rows():
                copy.write_row(row)
