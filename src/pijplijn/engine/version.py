"""The data version: one digest that changes whenever an import or ``init`` changes the data.

Caches (engine results, API ETags) key on it, so a stale answer can never be served, and
workers need share nothing.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pijplijn.store.models import ClassificationRule, Dataset, Region, RegionMember


def data_version(session: Session) -> str:
    """Return a 16-hex-digit digest of the datasets (id, status, rows), the classification
    rules and the regions."""
    digest = hashlib.sha256()
    for row in session.execute(
        select(Dataset.id, Dataset.status, Dataset.row_count).order_by(Dataset.id)
    ):
        digest.update(f"d{row.id}:{row.status}:{row.row_count};".encode())
    for model, column in (
        (ClassificationRule, ClassificationRule.id),
        (Region, None),
        (RegionMember, None),
    ):
        count = select(func.count()).select_from(model)
        largest = session.scalar(select(func.max(column))) if column is not None else None
        digest.update(f"{model.__tablename__}:{session.scalar(count)}:{largest};".encode())
    return digest.hexdigest()[:16]
