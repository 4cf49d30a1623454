"""The data version: numbers that change whenever an import, ``init`` or an edit changes
the data.

Caches (engine results, API ETags) key on it, so workers need share nothing. The figures
(DUO/CBS and every other non-register write) and the partner register have a counter each
(``store/db.py``): a result that does not read the register keys on the first only.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.store.models import DataState


def versions(session: Session) -> tuple[str, str]:
    """Return (the whole data version, the figures' version without the register), from
    one primary-key read."""
    instance, version, register = session.execute(
        select(DataState.instance, DataState.version, DataState.register_version).where(
            DataState.id == 1
        )
    ).one()
    figures = f"{instance[:8]}.{version}"
    return f"{figures}.{register}", figures


def data_version(session: Session) -> str:
    """Return the data version: changes with every write, register edits included (the
    ETags use it)."""
    return versions(session)[0]
