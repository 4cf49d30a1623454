"""The partner register (issue 7): organisations, programme lines, themes, projects and
participation, and the audit trail of every change. Tables are created by migration 0007.

Register records are never deleted: they are archived (``archived_at``) and can be restored.
Each carries a ``version`` for optimistic locking: an update names the version it was based
on and fails with a conflict when another change came first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pijplijn.store.models import Base


class Organisation(Base):
    """A partner organisation: one of the four O's."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    """``ondernemers``, ``onderwijs``, ``onderzoek`` or ``overheid``."""
    size_class: Mapped[str | None] = mapped_column(String(16))
    """Employees: ``0-9``, ``10-49``, ``50-249`` or ``250+``; NULL when unknown."""
    sector: Mapped[str | None] = mapped_column(String(64))
    """E.g. ``HTSM``, ``metalektro``, ``bouw``."""
    gemeente_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    kvk: Mapped[str | None] = mapped_column(String(8))
    """The KvK (Chamber of Commerce) number, eight digits, where known."""
    voorbeeld: Mapped[bool] = mapped_column(Boolean, default=False)
    """An illustrative record: kept out of indicators unless explicitly included."""
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class ProgrammeLine(Base):
    """One of the programme lines of the pact (seeded from the content pack)."""

    __tablename__ = "programme_line"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="")


class Theme(Base):
    """A theme of an agenda (e.g. the Twente Techniek Agenda); goals name it by title."""

    __tablename__ = "theme"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    programme: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    """As goals name it, e.g. '2. Zorgen voor de juiste kwalificaties'."""
    source: Mapped[str] = mapped_column(Text, default="")


class Project(Base):
    """A project or activity, with its programme line, themes, partners and period."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    """A stable slug for seeded projects (e.g. ``jetnet``); NULL for projects made by users."""
    name: Mapped[str] = mapped_column(String(200))
    programme_line_code: Mapped[str | None] = mapped_column(ForeignKey("programme_line.code"))
    themes: Mapped[str] = mapped_column(Text, default="[]")
    """The theme codes as a JSON list."""
    partners: Mapped[str] = mapped_column(Text, default="")
    """The partners as the source names them (structured links are participation records)."""
    period_start: Mapped[str | None] = mapped_column(String(16))
    period_end: Mapped[str | None] = mapped_column(String(16))
    target_group: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    voorbeeld: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class Participation(Base):
    """An organisation's part in a project in a period, with its role and reach.

    Every reach figure is nullable: unknown is not zero."""

    __tablename__ = "participation"
    __table_args__ = (Index("ix_participation_period", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    """A year (``2024``) or school year (``2024-2025``), canonical."""
    role: Mapped[str | None] = mapped_column(String(32))
    pupils: Mapped[int | None] = mapped_column(Integer)
    students: Mapped[int | None] = mapped_column(Integer)
    teachers: Mapped[int | None] = mapped_column(Integer)
    companies: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    voorbeeld: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class AuditRecord(Base):
    """One change: who, when, which record, what action, the values before and after."""

    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_record_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(Integer)
    """The acting user's id; no foreign key, so the trail outlives nothing it points to."""
    actor: Mapped[str] = mapped_column(String(254))
    """Who acted, readable: the user's e-mail address, or e.g. ``cli`` or ``seed``."""
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    """``create``, ``update``, ``archive``, ``restore`` (from the archive) or ``revert``
    (to the values of an earlier audit record)."""
    before: Mapped[str | None] = mapped_column(Text)
    """The values before, as a JSON object; NULL for a create."""
    after: Mapped[str | None] = mapped_column(Text)
    """The values after, as a JSON object."""
