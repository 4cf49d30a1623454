"""The one place that writes to the cube: reference data, and parsed sources as datasets.

Callers run these inside one transaction (``db.session_scope``), so an import is
all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.ingest.records import OBSERVATION_SCHEMA, InstitutionRecord, ParsedSource
from pijplijn.store.models import Dataset, Institution, Observation, Region, RegionMember

BATCH_ROWS = 50_000


@dataclass
class LoadResult:
    """What a load did: ``status`` is ``loaded`` or ``unchanged`` (already loaded)."""

    dataset_id: int
    status: str
    rows: int
    superseded: list[int] = field(default_factory=list)


def sync_reference(session: Session, pack: ContentPack) -> None:
    """Insert or update the pack's regions, region sets and institutions."""
    for region in pack.regions:
        session.merge(
            Region(code=region.code, name=region.name, kind=region.kind, parent_code=region.parent)
        )
    for region_set in pack.region_sets:
        session.merge(
            Region(
                code=region_set.code,
                name=region_set.name,
                kind="regioset",
                parent_code=region_set.parent,
            )
        )
    session.flush()
    for region_set in pack.region_sets:
        for member in region_set.members:
            session.merge(RegionMember(set_code=region_set.code, member_code=member))
    upsert_institutions(
        session,
        [
            InstitutionRecord(
                brin=i.brin,
                name=i.name,
                kind=i.kind,
                place=i.place,
                gemeente_code=i.gemeente,
                region_basis=i.region_basis,
            )
            for i in pack.institutions
        ],
    )


def upsert_institutions(session: Session, institutions: Iterable[InstitutionRecord]) -> None:
    """Add institutions not yet known; fill in what a known one still lacks."""
    for record in institutions:
        known = session.get(Institution, record.brin)
        if known is None:
            session.add(
                Institution(
                    brin=record.brin,
                    name=record.name,
                    kind=record.kind,
                    place=record.place,
                    gemeente_code=record.gemeente_code,
                    region_basis=record.region_basis,
                )
            )
            continue
        known.kind = known.kind or record.kind
        known.place = known.place or record.place
        if known.gemeente_code is None:
            known.gemeente_code = record.gemeente_code
            known.region_basis = record.region_basis
    session.flush()


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
        return LoadResult(dataset_id=existing.id, status="unchanged", rows=existing.row_count)
    frame = parsed.observations
    periods = sorted(frame.get_column("period").unique().to_list()) if frame.height else []
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
    )
    session.add(dataset)
    session.flush()
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
    connection = session.connection()
    statement = insert(Observation.__table__)  # type: ignore[arg-type]
    for batch in _batches(frame, dataset_id):
        connection.execute(statement, batch)


def _batches(frame: pl.DataFrame, dataset_id: int) -> Iterator[list[dict[str, Any]]]:
    columns = list(OBSERVATION_SCHEMA)
    for start in range(0, frame.height, BATCH_ROWS):
        chunk = frame.slice(start, BATCH_ROWS).select(columns)
        yield [
            {**row, "dataset_id": dataset_id, "active": True} for row in chunk.iter_rows(named=True)
        ]
