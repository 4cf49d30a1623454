"""Doelen: every goal with its baseline, target line, measurements, trend to the deadline with
its interval, status and partner shares (the scorecard of ``pijplijn goals``), each with a
chart of the same figures."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn.engine.goals.scorecard import GoalStatus, Scorecard, scorecard
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import Source
from pijplijn.errors import QueryError
from pijplijn.web.deps import CatalogDep, SessionDep
from pijplijn.web.pages.blocks import ChartBlock, series_columns
from pijplijn.web.pages.common import render

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


class GoalsPage(BaseModel):
    card: Scorecard
    blocks: dict[str, ChartBlock]
    """Per goal id: its chart and the table behind it."""
    sections: list[GoalSection] = []


def goals_page(session: Session, catalog: Catalog, today: date | None = None) -> GoalsPage:
    """Return the scorecard and, per goal, a chart of measurements, target line and trend."""
    card = scorecard(session, catalog)
    blocks = {g.id: _block(g, _sources(session, catalog, g)) for g in card.goals}
    for goal_id, block in blocks.items():
        block.embed = f"/embed/doelen/{goal_id}"
    return GoalsPage(
        card=card, blocks=blocks, sections=goal_sections(card.goals, today or date.today())
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


@router.get("/doelen")
def goals_route(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    page = goals_page(session, catalog)
    return render(request, "goals.html", {"page": page, "json_url": "/api/v1/goals"})
