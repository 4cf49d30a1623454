"""The loaded datasets and their provenance, as one summary used by the CLI and the web."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pijplijn.engine.cache import cached
from pijplijn.engine.coverage import describe
from pijplijn.store.models import Dataset, Observation


class DatasetSummary(BaseModel):
    """A dataset with its provenance and the number of observations that count now."""

    id: int
    source_key: str
    title: str
    publisher: str
    source: str
    licence: str | None
    loader: str
    sha256: str
    retrieved_at: datetime | None
    loaded_at: datetime
    periods: list[str]
    rows: int
    active_rows: int
    status: str
    disclosure: str
    """``open`` (shown as published) or ``protected`` (docs/disclosure.md)."""
    coverage: str | None = None
    """What it covers, in words (regions, whole or in part; stages; periods)."""
    region_basis: str | None = None
    """``residence``, ``establishment`` or ``head-office``."""


def list_datasets(session: Session) -> list[DatasetSummary]:
    """Return every loaded dataset, newest release of each source first (cached per data
    version: counting active observations scans the whole cube)."""
    return cached(session, ("datasets",), lambda: _list_datasets(session))


def _list_datasets(session: Session) -> list[DatasetSummary]:
    counts = session.execute(
        select(Observation.dataset_id, func.count())
        .where(Observation.active.is_(True))
        .group_by(Observation.dataset_id)
    )
    active = {dataset_id: count for dataset_id, count in counts}
    datasets = session.scalars(select(Dataset).order_by(Dataset.source_key, Dataset.id.desc()))
    return [
        DatasetSummary(
            id=d.id,
            source_key=d.source_key,
            title=d.title,
            publisher=d.publisher,
            source=d.source,
            licence=d.licence,
            loader=d.loader,
            sha256=d.sha256,
            retrieved_at=d.retrieved_at,
            loaded_at=d.loaded_at,
            periods=[p for p in d.periods.split(",") if p],
            rows=d.row_count,
            active_rows=active.get(d.id, 0),
            status=d.status,
            disclosure=d.disclosure,
            coverage=describe(session, d.id),
            region_basis=d.region_basis,
        )
        for d in datasets
    ]
