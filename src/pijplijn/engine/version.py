"""The data version: a number that changes whenever an import, ``init`` or an edit changes
the data.

Caches (engine results, API ETags) key on it, so a stale answer can never be served, and
workers need share nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.store.models import DataState

_SEEN = "pijplijn.data_version"


def data_version(session: Session) -> str:
    """Return the data version: the counter every writing transaction raises (one
    primary-key read; ``store/db.py`` keeps it).

    Read once per transaction: a writing transaction raises the counter only as it commits
    (``store/db.py``), so within one the version cannot change for its own writes, and a
    report that asks for hundreds of cached results then pays for one read, not hundreds."""
    transaction = session.get_transaction()
    seen = session.info.get(_SEEN)
    if transaction is not None and seen is not None and seen[0] is transaction:
        return str(seen[1])
    instance, version = session.execute(
        select(DataState.instance, DataState.version).where(DataState.id == 1)
    ).one()
    found = f"{instance[:8]}.{version}"
    session.info[_SEEN] = (session.get_transaction(), found)
    return found
