"""Goals and their partners (issue 4). Tables are created by migration 0004; origin,
version and archive (issue 18) by 0010_goals.

A goal follows one catalogue indicator for a region (and a selection on its breakdowns) from
a baseline to a target before a deadline; its partners own shares of it that sum to 100%.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pijplijn.store.models import Base


class Goal(Base):
    """A SMART goal on an indicator: baseline, target rule, deadline."""

    __tablename__ = "goal"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    """Order on the scorecard (the order of the goals file)."""
    programme: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text, default="")
    indicator: Mapped[str] = mapped_column(String(100))
    """The catalogue indicator's id (the catalogue lives in the content pack, not here)."""
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    filters: Mapped[str] = mapped_column(Text, default="{}")
    """Selection on the indicator's breakdowns, as a JSON object."""
    classification: Mapped[str | None] = mapped_column(String(64))
    baseline_period: Mapped[str] = mapped_column(String(16))
    baseline_value: Mapped[float | None] = mapped_column(Float)
    """Entered by hand (with ``baseline_source``); NULL: computed from the indicator."""
    baseline_source: Mapped[str | None] = mapped_column(Text)
    target_rule: Mapped[str] = mapped_column(String(16))
    """``relative``, ``absolute`` or ``share``."""
    target_change: Mapped[float | None] = mapped_column(Float)
    target_value: Mapped[float | None] = mapped_column(Float)
    target_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    target_source: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date] = mapped_column(Date)
    trend_method: Mapped[str] = mapped_column(String(16), default="linear")
    source: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(16), default="pack", server_default="pack")
    """``pack``: the content pack's goal (read-only history, synced by ``init``);
    ``office``: set by the programme office in the web or the CLI (``register/goals.py``)."""
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """An archived goal is off the scorecard; it is never deleted and can be restored."""
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Set by every change of an office goal, so that a change of its partners alone
    raises ``version`` too."""
    milestones: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    """Dated intermediate targets before the deadline, as a JSON list of ``{by, value, source}``."""
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class GoalPartner(Base):
    """A partner's share of a goal, in percent."""

    __tablename__ = "goal_partner"
    __table_args__ = (UniqueConstraint("goal_id", "name", name="uq_goal_partner_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    goal_id: Mapped[str] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    """One of the four O's: ondernemers, onderwijs, onderzoek, overheid."""
    institution: Mapped[str | None] = mapped_column(String(8))
    share: Mapped[float] = mapped_column(Float)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", name="fk_goal_partner_organisation")
    )
    """The register's organisation (office goals); NULL for a pack's partner named only."""


class GoalMeasurement(Base):
    """A measurement entered by hand for a goal (e.g. a partner survey), with its source.

    Used for periods in which the indicator itself has no value."""

    __tablename__ = "goal_measurement"
    __table_args__ = (UniqueConstraint("goal_id", "period", name="uq_goal_measurement_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    goal_id: Mapped[str] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
