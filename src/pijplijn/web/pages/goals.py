"""Doelen: every goal with its baseline, target line, measurements, trend to the deadline with
its interval, status and partner shares (the scorecard of ``pijplijn goals``), each with a
chart of the same figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn.content.goals import goals_elsewhere
from pijplijn.engine.goals.scorecard import GoalStatus, Scorecard, scorecard
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import Source
from pijplijn.engine.regions import canonical_region, region_names
from pijplijn.engine.version import data_version
from pijplijn.errors import QueryError
from pijplijn.views.render import View, ViewTable
from pijplijn.web.deps import CatalogDep, SessionDep
from pijplijn.web.negotiate import page_route
from pijplijn.web.pages.blocks import ChartBlock, series_columns
from pijplijn.web.pages.common import language, render_page

router = APIRouter(include_in_schema=False)


class GoalSection(BaseModel):
    """A group of goals on the page: the programme office's own, or a programme of the
    content pack (the read-only history), finished when all its deadlines have passed."""

    kind: str
    """``office`` or ``history``."""
    programme: str | None = None
    finished: bool = False
    goals: list[str]
    """The goal ids, in scorecard order."""


class GoalsPage(View):
    card: Scorecard
    blocks: dict[str, ChartBlock]
    """Per goal id: its chart and the table behind it."""
    sections: list[GoalSection] = []
    region: str | None = None
    """The region asked for (``?region=``): only its goals are shown."""
    note: str | None = None
    """Set when the pack's goals belong to other regions than ``region``."""

    def tables(self) -> list[ViewTable]:
        """The scorecard, one row per goal, then each goal's chart table."""
        return [scorecard_table(self.card), *(b.table() for b in self.blocks.values())]


SCORECARD_UNITS = {
    c: "=unit"
    for c in ("baseline", "target", "latest", "projected", "projected_low", "projected_high")
}


def scorecard_table(card: Scorecard) -> ViewTable:
    """The scorecard as one table: per goal its baseline, target, deadline, latest
    measurement, progress, trend at the deadline with its interval, and status."""
    return ViewTable(
        name="doelen",
        title="Doelen",
        columns=[
            "id",
            "title",
            "indicator",
            "region",
            "unit",
            "baseline_period",
            "baseline",
            "target",
            "deadline",
            "latest_period",
            "latest",
            "progress",
            "projected",
            "projected_low",
            "projected_high",
            "status",
            "status_label",
            "status_reason",
        ],  # fmt: skip
        rows=[
            {
                **g.model_dump(include={"id", "title", "indicator", "region", "unit"}),
                "baseline_period": g.baseline.period,
                "baseline": g.baseline.value,
                "target": g.target.value,
                "deadline": g.target.deadline.isoformat(),
                "latest_period": g.latest.period if g.latest else None,
                "latest": g.latest.value if g.latest else None,
                "progress": g.progress,
                "projected": g.projected.value,
                "projected_low": g.projected.low,
                "projected_high": g.projected.high,
                "status": g.status.value,
                "status_label": g.status_label,
                "status_reason": g.status_reason,
            }
            for g in card.goals
        ],
        units={**SCORECARD_UNITS, "progress": "share"},
    )


def goals_page(
    session: Session,
    catalog: Catalog,
    region: str | None = None,
    lang: str = "nl",
    today: date | None = None,
) -> GoalsPage:
    """Return the scorecard and, per goal, a chart of measurements, target line and trend;
    with ``region``, only that region's goals, or none and the line that says whose the
    pack's goals are."""
    card = scorecard(session, catalog)
    note = None
    if region is not None:
        region = canonical_region(session, region)
        mine = [g for g in card.goals if g.region == region]
        if card.goals and not mine:
            names = region_names(session)
            note = goals_elsewhere([g.region for g in card.goals], region, names, lang, codes=False)
        card = card.model_copy(update={"goals": mine})
    blocks = {g.id: _block(g, _sources(session, catalog, g)) for g in card.goals}
    for goal_id, block in blocks.items():
        block.embed = f"/embed/doelen/{goal_id}"
    return GoalsPage(
        card=card,
        blocks=blocks,
        sections=goal_sections(card.goals, today or date.today()),
        region=region,
        note=note,
    )


def goal_sections(goals: list[GoalStatus], today: date) -> list[GoalSection]:
    """Return the office's goals first (always, so the page says when there are none), then
    each programme of the content pack as history."""
    sections = [GoalSection(kind="office", goals=[g.id for g in goals if g.origin != "pack"])]
    programmes: dict[str, list[GoalStatus]] = {}
    for goal in goals:
        if goal.origin == "pack":
            programmes.setdefault(goal.programme, []).append(goal)
    for programme, members in programmes.items():
        sections.append(
            GoalSection(
                kind="history",
                programme=programme,
                finished=all(g.target.deadline < today for g in members),
                goals=[g.id for g in members],
            )
        )
    return sections


def _sources(session: Session, catalog: Catalog, goal: GoalStatus) -> list[Source]:
    """Return the datasets behind the goal's indicator for its region and selection."""
    try:
        values = indicator_values(
            session, catalog, goal.indicator, goal.region, by=[], filters=goal.filters
        )
    except QueryError:
        return []
    return values.sources


def _block(goal: GoalStatus, sources: list[Source]) -> ChartBlock:
    rows = [
        {
            "series": "gemeten",
            "period": p.period,
            "value": p.value,
            "flag": p.flag,
            "segment": p.segment,
            "break": p.break_reason,
        }
        for p in goal.measurements
    ]
    breaks = charts.goal_break_marks(goal.breaks)
    line = goal.target_line(f"doel {goal.target.deadline.year}")
    projected = goal.projected
    trend = (
        {
            "period": str(projected.at.year),
            "value": projected.value,
            "low": projected.low,
            "high": projected.high,
        }
        if projected.value is not None
        else None
    )
    spec = charts.goal_chart(
        rows,
        line,
        trend,
        goal.unit,
        goal.title,
        f"{goal.indicator_title} in {goal.region}: metingen (blauw), de doellijn van basis naar "
        f"doel (zwart gestippeld) en de trend bij de deadline met zijn marge (oranje)"
        + ("; een grijze lijn markeert een breuk in de reeks." if breaks else "."),
        breaks,
    )
    table = [
        *({k: v for k, v in r.items() if k != "segment"} for r in rows),
        *({"series": "doellijn", **p, "flag": None} for p in line),
        *([{"series": "trend", **trend, "flag": None}] if trend else []),
    ]
    return ChartBlock(
        id=f"doel-{goal.id}",
        spec=spec if rows or line else None,
        unit=goal.unit,
        columns=series_columns("series", "reeks"),
        rows=[{k: v for k, v in r.items() if k != "goal"} for r in table],
        data_url=f"/api/v1/goals/{goal.id}",
        sources=sources,
    )


@page_route(router, "/doelen")
def goals_route(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    region: Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")] = None,
) -> Response:
    page = goals_page(session, catalog, region, language(request))
    return render_page(request, "goals.html", page, data_version(session))
