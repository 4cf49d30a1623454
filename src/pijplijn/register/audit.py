"""The audit trail: every change to the register (and to users) as one record with the
values before and after, written in the same transaction as the change."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from pijplijn.accounts.rights import Actor
from pijplijn.store.models import Base
from pijplijn.store.register_models import AuditRecord

SECRET_COLUMNS: frozenset[str] = frozenset({"password_hash"})
"""Never written into the trail."""


def now() -> datetime:
    """Return the current time in UTC (the one clock of the register)."""
    return datetime.now(UTC)


def snapshot(record: Base) -> dict[str, Any]:
    """Return the record's columns as JSON-safe values (dates as ISO text), without secrets."""
    values: dict[str, Any] = {}
    for column in inspect(record).mapper.column_attrs:
        if column.key in SECRET_COLUMNS:
            continue
        value = getattr(record, column.key)
        if isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        values[column.key] = value
    return values


def record_change(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: int | str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditRecord:
    """Add an audit record of one change to ``session`` (not yet committed) and return it."""
    record = AuditRecord(
        at=now(),
        user_id=actor.user_id,
        actor=actor.label,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        before=_dump(before),
        after=_dump(after),
    )
    session.add(record)
    return record


def history(
    session: Session, entity: str | None = None, entity_id: int | str | None = None
) -> list[AuditRecord]:
    """Return the audit records, newest first, optionally of one entity kind or record."""
    statement = select(AuditRecord).order_by(AuditRecord.id.desc())
    if entity is not None:
        statement = statement.where(AuditRecord.entity == entity)
    if entity_id is not None:
        statement = statement.where(AuditRecord.entity_id == str(entity_id))
    return list(session.scalars(statement))


def values(text: str | None) -> dict[str, Any] | None:
    """Return the values of an audit record's ``before`` or ``after`` column."""
    return None if text is None else dict(json.loads(text))


def _dump(data: dict[str, Any] | None) -> str | None:
    return None if data is None else json.dumps(data, sort_keys=True, ensure_ascii=False)
