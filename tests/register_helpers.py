"""Shared builders for the register tests: a demo store with a few organisations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from pijplijn.accounts.rights import SYSTEM
from pijplijn.register import service
from pijplijn.store.db import session_scope

HTSM_COMPANY: dict[str, Any] = {
    "name": "Voorbeeld Precisietechniek B.V.",
    "kind": "ondernemers",
    "size_class": "50-249",
    "sector": "HTSM",
    "gemeente_code": "GM0153",
    "kvk": "12345678",
}
SCHOOL: dict[str, Any] = {
    "size_class": None,
    "sector": None,
    "kvk": None,
    "name": "Het Stedelijk Lyceum",
    "kind": "onderwijs",
    "gemeente_code": "GM0153",
}


def add_organisation(engine: Engine, **changes: Any) -> int:
    """Add an organisation (the HTSM company unless changed) through the service; return id."""
    with session_scope(engine) as session:
        record = service.create(session, SYSTEM, "organisation", {**HTSM_COMPANY, **changes})
        return record.id


def project_id(engine: Engine, code: str) -> int:
    """Return the id of a seeded project."""
    from sqlalchemy import select

    from pijplijn.store.register_models import Project

    with session_scope(engine) as session:
        found = session.scalar(select(Project.id).where(Project.code == code))
        assert found is not None
        return found
