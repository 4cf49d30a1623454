"""Backup and restore of the whole store as one portable zip file.

The zip holds ``manifest.json`` (format, schema revision, tables with row counts) and one
JSON Lines file per table (``tables/NAME.jsonl``), rows in primary-key order, values as JSON:
dates and times as ISO text (times in UTC). The same file restores on SQLite and on
PostgreSQL. ``data_state`` (the cache key) is not backed up: a restore starts a new data
version, so no cache outlives the data it was built from.

A restore is one transaction: it refuses a file of another schema revision, and a store that
holds data unless ``force`` is given (then the store's rows are replaced).
"""

from __future__ import annotations

import json
import os
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy.types import Date, DateTime

from pijplijn.errors import PijplijnError
from pijplijn.store.db import head_revision, schema_revision
from pijplijn.store.models import DataState
from pijplijn.store.schema import metadata

FORMAT = "pijplijn-backup/1"
SKIPPED = frozenset({"data_state"})
BATCH = 5_000


class BackupError(PijplijnError):
    """A backup file cannot be restored here; nothing was written."""


@dataclass(frozen=True)
class BackupResult:
    revision: str
    tables: dict[str, int]
    """Rows per table."""


def tables() -> list[Table]:
    """Return the tables that are backed up, parents before children."""
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED]


BACKUP_MODE = 0o600
"""A backup file is readable and writable by its owner only."""


def backup(engine: Engine, path: Path) -> BackupResult:
    """Write the whole store to ``path`` (a zip, mode 0600); return the revision and row
    counts."""
    revision = schema_revision(engine)
    if revision is None:
        raise BackupError("de database heeft nog geen schema; er is niets te back-uppen")
    counts: dict[str, int] = {}
    partial = path.with_name(path.name + ".partial")
    # Readable by its owner only (0600) from the first byte: the backup holds password and
    # token hashes and login addresses. O_EXCL-free but created with the mode, not chmodded
    # afterwards, so no other user can open it while it is written.
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, BACKUP_MODE)
    os.fchmod(descriptor, BACKUP_MODE)  # whatever the umask
    with (
        os.fdopen(descriptor, "wb") as handle,
        engine.connect() as connection,
        connection.begin(),
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for table in tables():
            counts[table.name] = 0
            with archive.open(f"tables/{table.name}.jsonl", "w") as out:
                for row in _rows(connection, table):
                    out.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
                    counts[table.name] += 1
        manifest = {"format": FORMAT, "revision": revision, "tables": counts}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    partial.replace(path)
    return BackupResult(revision=revision, tables=counts)


def restore(engine: Engine, path: Path, *, force: bool = False) -> BackupResult:
    """Restore the store from a backup zip in one transaction; return what was restored.

    Raises BackupError when the file is not a pijplijn backup, is of another schema revision,
    or the store holds data and ``force`` is not given."""
    manifest = _manifest(path)
    if manifest["revision"] != head_revision() or manifest["revision"] != schema_revision(engine):
        raise BackupError(
            f"{path.name} is gemaakt met schemarevisie {manifest['revision']}, deze database en "
            f"deze versie van pijplijn hebben {schema_revision(engine)} / {head_revision()}; "
            "herstel met de pijplijn-versie waarmee de back-up is gemaakt"
        )
    with engine.begin() as connection:
        filled = [t.name for t in tables() if _has_rows(connection, t)]
        if filled and not force:
            raise BackupError(
                f"de database bevat al gegevens (o.a. {', '.join(filled[:3])}); "
                "herstel in een lege database, of gebruik --force om ze te vervangen"
            )
        for table in reversed(tables()):
            connection.execute(delete(table))
        with zipfile.ZipFile(path) as archive:
            for table in tables():
                _load_table(connection, archive, table)
        connection.execute(
            update(DataState).where(DataState.id == 1).values(instance=uuid.uuid4().hex, version=0)
        )
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    return BackupResult(revision=manifest["revision"], tables=dict(manifest["tables"]))


def _rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
    for row in result.mappings():
        yield {name: _to_json(value) for name, value in row.items()}


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _from_json(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def _manifest(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as archive:
            manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: geen pijplijn-back-up ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: onbekend formaat '{manifest.get('format')}', verwacht {FORMAT}")
    missing = [t.name for t in tables() if f"tables/{t.name}.jsonl" not in names]
    if missing:
        raise BackupError(f"{path}: de tabel(len) {', '.join(missing)} ontbreken in de back-up")
    return manifest


def _has_rows(connection: Connection, table: Table) -> bool:
    return connection.execute(select(func.count()).select_from(table)).scalar_one() > 0


def _load_table(connection: Connection, archive: zipfile.ZipFile, table: Table) -> None:
    # A column that refers to its own table (region.parent_code) is filled in a second pass,
    # so rows may come in any order.
    own = [c.name for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
    later: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    with archive.open(f"tables/{table.name}.jsonl") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                raw = json.loads(line)
                row = {c.name: _from_json(c, raw.get(c.name)) for c in table.columns}
            except (ValueError, TypeError) as exc:
                raise BackupError(
                    f"tables/{table.name}.jsonl, regel {number}: onleesbaar ({exc})"
                ) from None
            if own and any(row[name] is not None for name in own):
                later.append({name: row[name] for name in [*_pk(table), *own]})
                row.update(dict.fromkeys(own))
            batch.append(row)
            if len(batch) >= BATCH:
                connection.execute(insert(table), batch)
                batch = []
    if batch:
        connection.execute(insert(table), batch)
    for row in later:
        keys = _pk(table)
        condition = [table.c[k] == row[k] for k in keys]
        connection.execute(update(table).where(*condition).values({n: row[n] for n in own}))


def _pk(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _reset_sequences(connection: Connection) -> None:
    # Rows were inserted with their ids: move each serial sequence past the largest id.
    for table in tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and column.type.python_type is int
            ):
                sequence = func.pg_get_serial_sequence(table.name, column.name)
                largest = select(func.max(column)).scalar_subquery()
                connection.execute(
                    select(func.setval(sequence, func.coalesce(largest, 1), largest.is_not(None)))
                )
