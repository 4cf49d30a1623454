"""SQLAlchemy models of the statistical cube with provenance (see docs/architecture.md).

The schema itself is created by the Alembic migrations in ``migrations/``; these models
must match them (``tests/test_store.py`` checks that they do).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Region(Base):
    """A gemeente, provincie, land or named region set, by its CBS code (or a slug for sets)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class RegionMember(Base):
    """Membership of a gemeente in a region set (e.g. Twente's 14 gemeenten)."""

    __tablename__ = "region_member"

    set_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    member_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)


class Institution(Base):
    """An education institution by its BRIN code."""

    __tablename__ = "institution"

    brin: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(32))
    place: Mapped[str | None] = mapped_column(String(100))
    gemeente_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    region_basis: Mapped[str | None] = mapped_column(String(32))
    """How the gemeente is known: ``reported`` by the source, the ``establishment``
    place, or only the ``head-office`` place."""


class Dataset(Base):
    """One loaded release of one source, with its provenance."""

    __tablename__ = "dataset"
    __table_args__ = (UniqueConstraint("sha256", "loader", name="uq_dataset_sha256_loader"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_key: Mapped[str] = mapped_column(String(100), index=True)
    """Identifies the series a release belongs to; a newer release of the same key
    replaces the older one for the periods it covers."""
    publisher: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(String(200))
    retrieved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sha256: Mapped[str] = mapped_column(String(64))
    loader: Mapped[str] = mapped_column(String(100))
    row_count: Mapped[int] = mapped_column(Integer)
    periods: Mapped[str] = mapped_column(Text, default="")
    """The periods the release covers, comma-separated in canonical form."""
    status: Mapped[str] = mapped_column(String(32), default="current")
    """``current``, ``partly-superseded`` or ``superseded``."""
    disclosure: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    """``open`` (released by the publisher at this granularity: shown as published) or
    ``protected`` (threshold rule with secondary suppression; docs/disclosure.md)."""
    coverage: Mapped[str | None] = mapped_column(Text)
    """What the release covers: regions (whole or in part), stages and periods, as JSON
    (``pijplijn.coverage.Coverage``); NULL when loaded before coverage was declared."""
    region_basis: Mapped[str | None] = mapped_column(String(32))
    """How it places units in a region: ``residence``, ``establishment`` or ``head-office``."""


class Observation(Base):
    """One cell of the cube: a value of a measure for one combination of dimensions."""

    __tablename__ = "observation"
    __table_args__ = (
        Index("ix_observation_measure_period", "measure", "period"),
        Index("ix_observation_dataset", "dataset_id"),
        # Indicators per gemeente or region set filter on measure and regions (migration 0008).
        Index("ix_observation_measure_region", "measure", "region_code"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    dataset_id: Mapped[int] = mapped_column(Integer)
    """The dataset this observation came from. No foreign key on purpose: it is checked per
    row and halves bulk-load speed; ``store/load.py`` is the only writer and creates the
    dataset in the same transaction (docs/decisions/0003)."""
    measure: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))
    period_unit: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(String(32))
    region_basis: Mapped[str | None] = mapped_column(String(32))
    institution: Mapped[str | None] = mapped_column(String(8))
    stage: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))
    pathway: Mapped[str | None] = mapped_column(String(16))
    programme_code: Mapped[str | None] = mapped_column(String(32))
    programme_name: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(Text)
    """The source's own sector label, exactly as printed."""
    subsector: Mapped[str | None] = mapped_column(Text)
    opleidingsdomein: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(String(8))
    origin_stage: Mapped[str | None] = mapped_column(String(16))
    """For ``transitions``: the stage the students came from (e.g. ``vmbo-tl``)."""
    origin_sector: Mapped[str | None] = mapped_column(Text)
    """For ``transitions``: the source's label of the domain they came from, if it has one."""
    value: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16), default="count")
    subject: Mapped[str | None] = mapped_column(String(100))
    """For published figures: what the figure states, as a stable id."""
    source_ref: Mapped[str | None] = mapped_column(Text)
    """Where in the source the value stands, e.g. a document section heading."""
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    """False once a newer release of the same source covers this period."""
    paired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """True on both sides of a published total (gender NULL) stored beside its gender parts
    for the same cell: the cube sums the total, or the parts when broken down by gender,
    never both (``store/load.py`` sets it; migration 0009)."""


class Classification(Base):
    """One version of a classification, e.g. ``techniek@2019``."""

    __tablename__ = "classification"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_classification_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")


class ClassificationRule(Base):
    """Maps a value of an observation field (for a stage, or any) to a domain."""

    __tablename__ = "classification_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    classification_id: Mapped[int] = mapped_column(
        ForeignKey("classification.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str | None] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(32))
    operator: Mapped[str] = mapped_column(String(16), default="equals")
    """``equals`` or ``contains`` (case-insensitive)."""
    match: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(64))


class CodeLabel(Base):
    """A code's title in a publisher's code list, e.g. SBI ``T001081`` → 'A-U Alle economische
    activiteiten'. Loaded from StatLine metadata; the cube stores codes, pages show titles."""

    __tablename__ = "code_label"

    scheme: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="SET NULL"))


class DataState(Base):
    """One row: the data version, a counter raised by every transaction that writes through
    the ORM (``store/db.py``), so caches can key on it with a single primary-key read."""

    __tablename__ = "data_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance: Mapped[str] = mapped_column(String(32))
    """Random at creation: a re-created database never repeats an old version."""
    version: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    register_version: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), default=0, server_default="0"
    )
    """Raised by writes to the partner register only (``version`` by every other write)."""
