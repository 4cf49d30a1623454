"""Saved projection scenarios (issue 5). Tables are created by migration 0005.

A scenario is a named list of levers. Saving a scenario under a name that exists adds a new
version; older versions stay, so a projection made last year can be made again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pijplijn.store.models import Base


class Scenario(Base):
    """One version of a named scenario; ``levers`` is its lever list as JSON."""

    __tablename__ = "scenario"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_scenario_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    levers: Mapped[str] = mapped_column(Text)
    """The levers as a JSON list, in the form of a scenario file (docs/projection.md)."""
    source: Mapped[str] = mapped_column(Text, default="")
    """Where the scenario came from, e.g. the file it was saved from."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    """The organisation of the user who saved this version (migration 0009); the first
    version's owns the name."""
