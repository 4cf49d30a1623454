"""Backup → restore reproduces every indicator value and every audit record exactly, on the
backend under test; a restore refuses another revision and a store with data."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from pijplijn.accounts.rights import SYSTEM
from pijplijn.accounts.users import create_user
from pijplijn.content.loader import load_pack
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import evaluate
from pijplijn.register import service
from pijplijn.register.audit import snapshot
from pijplijn.store.backup import BackupError, backup, restore, tables
from pijplijn.store.db import open_engine, session_scope, upgrade
from pijplijn.store.register_models import AuditRecord
from pijplijn.store.setup import initialise
from register_helpers import SCHOOL, add_organisation, project_id


def indicator_values(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    catalog = Catalog(load_pack("twente").indicators)
    found = {}
    with session_scope(engine) as session:
        for indicator in catalog.indicators:
            result = evaluate(session, indicator, "twente")
            found[indicator.id] = [
                v.model_dump(mode="json", exclude={"datasets"}) for v in result.values
            ]
    return found


def audit_trail(engine: Engine) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        return [snapshot(r) for r in session.scalars(select(AuditRecord).order_by(AuditRecord.id))]


def test_round_trip_reproduces_indicators_and_audit(
    database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = open_engine(database_url)
    initialise(source, load_pack("twente"), demo=True)
    company = add_organisation(source)
    school = add_organisation(source, **SCHOOL)
    with session_scope(source) as session:
        create_user(session, SYSTEM, "b@example.nl", "paarse olifant op de fiets", "beheerder")
        for org, pupils in ((company, None), (school, 120)):
            service.create(
                session,
                SYSTEM,
                "participation",
                {
                    "organisation_id": org,
                    "project_id": project_id(source, "jetnet"),
                    "period": "2024",
                    "pupils": pupils,
                },
            )
        service.archive(session, SYSTEM, "organisation", school, 1)
    values, trail = indicator_values(source), audit_trail(source)
    assert values["bedrijvenparticipatie-register"] and len(trail) > 15
    path = tmp_path / "backup.zip"
    written = backup(source, path)
    source.dispose()

    for target_url in _fresh(tmp_path_factory):
        target = open_engine(target_url)
        upgrade(target)
        restored = restore(target, path)
        assert restored.tables == written.tables
        assert indicator_values(target) == values
        assert audit_trail(target) == trail
        with session_scope(target) as session:  # the sequences continue after the restored ids
            made = service.create(
                session, SYSTEM, "organisation", {"name": "Nieuw", "kind": "overheid"}
            )
            assert made.id > max(company, school)
        target.dispose()


def _fresh(factory: pytest.TempPathFactory) -> Any:
    from conftest import _fresh_url

    return _fresh_url(factory.mktemp("restore"))


def test_restore_refuses_a_store_with_data_and_another_revision(
    database_url: str, tmp_path: Path
) -> None:
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=False)
    path = tmp_path / "b.zip"
    backup(engine, path)
    with pytest.raises(BackupError, match="bevat al gegevens"):
        restore(engine, path)
    assert restore(engine, path, force=True).tables["region"] > 0
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(other, "w") as new:
        for item in old.namelist():
            data = old.read(item)
            if item == "manifest.json":
                manifest = json.loads(data)
                manifest["revision"] = "0006"
                data = json.dumps(manifest).encode()
            new.writestr(item, data)
    with pytest.raises(BackupError, match="schemarevisie 0006"):
        restore(engine, other, force=True)
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(BackupError, match="geen pijplijn-back-up"):
        restore(engine, tmp_path / "junk.zip", force=True)
    engine.dispose()


def test_a_failed_restore_writes_nothing(database_url: str, tmp_path: Path) -> None:
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=True)
    path = tmp_path / "b.zip"
    backup(engine, path)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(broken, "w") as new:
        for item in old.namelist():
            data = old.read(item)
            if item == "tables/audit_record.jsonl":
                data += b"{niet json\n"
            new.writestr(item, data)
    before = indicator_values(engine), audit_trail(engine)
    with pytest.raises(BackupError, match="audit_record.jsonl, regel"):
        restore(engine, broken, force=True)
    assert (indicator_values(engine), audit_trail(engine)) == before
    assert {t.name for t in tables()} >= {
        "audit_record",
        "app_user",
        "participation",
        "observation",
    }
    engine.dispose()


def test_a_backup_is_readable_by_its_owner_only_and_says_so(
    database_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from pijplijn.cli import app

    engine = open_engine(database_url)
    upgrade(engine)
    engine.dispose()
    target = tmp_path / "backup.zip"
    target.write_bytes(b"an older, world-readable file")
    target.chmod(0o644)
    done = CliRunner().invoke(app, ["backup", str(target), "--database", database_url])
    assert done.exit_code == 0, done.output
    assert target.stat().st_mode & 0o777 == 0o600  # hashes and login addresses inside
    assert "0600" in done.stdout
    assert zipfile.ZipFile(target).testzip() is None
