"""The data version: a number that changes whenever an import, ``init`` or an edit changes
the data.

Caches (engine results, API ETags) key on it, so a stale answer can never be served, and
workers need share nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.store.models import DataState


def data_version(session: Session) -> str:
    """Return the data version: the counter every writing transaction raises (one
    primary-key read; ``store/db.py`` keeps it)."""
    instance, version = session.execute(
        select(DataState.instance, DataState.version).where(DataState.id == 1)
    ).one()
    return f"{instance[:8]}.{version}"
