"""The pipeline: how many young people stand at each stage (vmbo → mbo → hbo/wo) in a year,
and how many of them in techniek.

Sources count different things at different stages (vo: exam candidates per school year; mbo:
enrolled students; hbo/wo: first-year students), so every stage says which measure and period
it shows. Where a stage has no data for the asked year, the nearest earlier year with data is
shown and marked as such; nothing is filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn import vocabulary as vocab
from pijplijn.engine import disclosure
from pijplijn.engine.cache import cached
from pijplijn.engine.classify import OTHER
from pijplijn.engine.cube import CubeQuery, flagged_sum_value, query, sources
from pijplijn.engine.protected import PROTECTED
from pijplijn.periods import Period
from pijplijn.store.models import Observation


@dataclass(frozen=True)
class StageSpec:
    stage: str
    measure: str
    school_year: bool
    """True when the source counts per school year (vo exams), False for calendar years."""


STAGES: tuple[StageSpec, ...] = (
    StageSpec("vmbo-bb", "exam_candidates", True),
    StageSpec("vmbo-kb", "exam_candidates", True),
    StageSpec("vmbo-gl", "exam_candidates", True),
    StageSpec("vmbo-tl", "exam_candidates", True),
    StageSpec("havo", "exam_candidates", True),
    StageSpec("vwo", "exam_candidates", True),
    StageSpec("mbo", "enrolled", False),
    StageSpec("hbo", "first_year", False),
    StageSpec("wo", "first_year", False),
)
DRILL_DIMENSIONS = ("sector", "level", "pathway", "gender", "institution")


class StageCount(BaseModel):
    """One stage: the total, the part in the domain (e.g. techniek), and where they came from.
    Counts are persons; ``flag`` is the first flag any summed cell carries."""

    stage: str
    measure: str
    period: str | None
    exact_period: bool
    total: float | None
    in_domain: float | None
    outside_domain: float | None
    """``total`` minus ``in_domain``: the rest of the stage (e.g. not techniek)."""
    share: float | None
    flag: str | None
    datasets: list[int]


class PipelineView(BaseModel):
    region: str
    year: int
    classification: str
    domain: str
    stages: list[StageCount]


def pipeline(session: Session, region: str, year: int, classification: str) -> PipelineView:
    """Return the stage counts for ``region`` in ``year`` (vo: the school year ending in it),
    split by ``classification`` (e.g. ``techniek``); cached per data version."""
    return cached(
        session,
        ("pipeline", region, year, classification, disclosure.threshold()),
        lambda: _pipeline(session, region, year, classification),
    )


def _pipeline(session: Session, region: str, year: int, classification: str) -> PipelineView:
    domain = classification.partition("@")[0]
    counts = [_stage(session, spec, region, year, classification, domain) for spec in STAGES]
    return PipelineView(
        region=region, year=year, classification=classification, domain=domain, stages=counts
    )


def latest_year(session: Session) -> int | None:
    """Return the latest calendar year with mbo data, the default year of the pipeline."""
    return cached(session, ("latest-year",), lambda: _latest_year(session))


def _latest_year(session: Session) -> int | None:
    periods = session.scalars(
        select(Observation.period)
        .where(
            Observation.measure == "enrolled",
            Observation.stage == "mbo",
            Observation.active.is_(True),
        )
        .distinct()
    )
    years = [Period.parse(p).year for p in periods]
    return max(years) if years else None


def stage_periods(session: Session) -> dict[str, set[str]]:
    """Return the periods each stage has figures for (any region), from one query; cached
    per data version. Cheap enough for a year selector, unlike a cube query per stage."""
    return cached(session, ("stage-periods",), lambda: _stage_periods(session))


def _stage_periods(session: Session) -> dict[str, set[str]]:
    wanted = {(spec.measure, spec.stage) for spec in STAGES}
    found: dict[str, set[str]] = {spec.stage: set() for spec in STAGES}
    rows = session.execute(
        select(Observation.measure, Observation.stage, Observation.period)
        .where(
            Observation.measure.in_({m for m, _ in wanted}),
            Observation.active.is_(True),
        )
        .distinct()
    )
    for measure, stage, period in rows:
        if stage is not None and (measure, stage) in wanted:
            found[stage].add(period)
    return found


def _stage(
    session: Session, spec: StageSpec, region: str, year: int, classification: str, domain: str
) -> StageCount:
    wanted = f"{year - 1}-{year}" if spec.school_year else str(year)
    period = _period_for(session, spec, region, wanted)
    q = CubeQuery(
        measure=spec.measure,
        region=region,
        stage=spec.stage,
        periods=(period,) if period else (),
        by=("domain",),
        classification=classification,
    )
    rows = query(session, q) if period else []
    if not rows:  # no period at all, or none for this region
        return StageCount(
            stage=spec.stage,
            measure=spec.measure,
            period=None,
            exact_period=False,
            total=None,
            in_domain=None,
            outside_domain=None,
            share=None,
            flag="missing",
            datasets=[],
        )
    flags = [r.flag for r in rows if r.flag]
    known = [r.value for r in rows if r.value is not None]
    # Unknown cells (suppressed, missing) are no 0: with none known there is no total.
    unknown = next((f for f in flags if f in vocab.UNKNOWN_FLAGS), None)
    total = flagged_sum_value(sum(known), unknown) if known else None
    inside = next((r.value for r in rows if r.keys["domain"] == domain), 0.0)
    outside = None if total is None else total - (inside or 0.0)
    # Open data are shown as published; a split with a protected input is protected.
    hidden = _hidden(total, inside, outside) if any(r.policy == PROTECTED for r in rows) else set()
    if hidden:
        flags.insert(0, "suppressed")
    return StageCount(
        stage=spec.stage,
        measure=spec.measure,
        period=period,
        exact_period=period == wanted,
        total=None if "total" in hidden else total,
        in_domain=None if "in" in hidden else inside,
        outside_domain=None if "out" in hidden else outside,
        share=(inside / total) if total and inside is not None and not hidden else None,
        flag=flags[0] if flags else None,
        datasets=sources(session, q),
    )


def _hidden(total: float | None, inside: float | None, outside: float | None) -> set[str]:
    """Return which of the stage's figures disclosure control hides: the total when it is a
    small count, and the split into domain and rest when either part is (the total minus
    one part gives the other back). The share goes with the split."""
    limit = disclosure.threshold()
    frame = pl.DataFrame(
        {"part": ["in", "out"], "value": [inside, outside]},
        schema={"part": pl.Utf8, "value": pl.Float64},
    )
    marks = disclosure.suppression(frame, ["part"], ["part"], limit).to_list()
    hidden = {part for part, mark in zip(("in", "out"), marks, strict=True) if mark}
    if total is not None and 0 < total < limit:
        hidden |= {"total", "in", "out"}
    return hidden


def _period_for(session: Session, spec: StageSpec, region: str, wanted: str) -> str | None:
    """Return ``wanted`` when the stage has data then, else the nearest earlier period, else
    the earliest later one (so a stage is shown whenever it has any data at all). The
    periods are those loaded for the stage in any region (one cached query): a cube query
    per stage over every period took seconds on all of DUO's files."""
    del region  # the stage's figure for the region itself comes from the cube query
    periods = sorted(stage_periods(session)[spec.stage], key=Period.parse)
    if not periods or wanted in periods:
        return wanted if periods else None
    target = Period.parse(wanted)
    earlier = [p for p in periods if Period.parse(p) < target]
    return earlier[-1] if earlier else periods[0]


__all__ = [
    "DRILL_DIMENSIONS",
    "OTHER",
    "PipelineView",
    "StageCount",
    "latest_year",
    "pipeline",
    "stage_periods",
]
