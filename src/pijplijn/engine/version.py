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

_SEEN = "pijplijn.data_version"


def versions(session: Session) -> tuple[str, str]:
    """Return (the whole data version, the figures' version without the register), from
    one primary-key read.

    Read once per transaction: a writing transaction raises the counter only as it commits
    (``store/db.py``), so within one the version cannot change for its own writes, and a
    report that asks for hundreds of cached results then pays for one read, not hundreds."""
    transaction = session.get_transaction()
    seen = session.info.get(_SEEN)
    if transaction is not None and seen is not None and seen[0] is transaction:
        return seen[1]  # type: ignore[no-any-return]
    instance, version, register = session.execute(
        select(DataState.instance, DataState.version, DataState.register_version).where(
            DataState.id == 1
        )
    ).one()
    figures = f"{instance[:8]}.{version}"
    found = (f"{figures}.{register}", figures)
    session.info[_SEEN] = (session.get_transaction(), found)
    return found


def data_version(session: Session) -> str:
    """Return the data version: changes with every write, register edits included (the
    ETags use it)."""
    return versions(session)[0]
