"""API: indicators (catalogue, every definition version, values) and goals (the scorecard)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.engine.indicators.catalog import IndicatorSummary, summary
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.version import data_version
from pijplijn.errors import QueryError
from pijplijn.web.deps import CatalogDep, SessionDep
from pijplijn.web.negotiate import (
    JSON_CSV,
    ListFormat,
    chosen_format,
    listing,
)
from pijplijn.web.problems import ERROR_RESPONSES, not_found

router = APIRouter(prefix="/api/v1", tags=["monitor"], responses=ERROR_RESPONSES)
Id = Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")]
FormatParam = Annotated[Literal["json", "csv"] | None, Query(alias="format")]


@router.get("/indicators", response_model=None, responses=JSON_CSV, summary="De indicatorcatalogus")
def indicators(
    request: Request, session: SessionDep, catalog: CatalogDep, format: FormatParam = None
) -> Response:
    """Every indicator: titles, unit, direction, breakdowns, sources, definitions in words."""
    records = [s.model_dump(mode="json") for s in catalog.summaries()]
    return listing(request, data_version(session), records, _format(request, format), "indicatoren")


@router.get(
    "/indicators/{indicator_id}",
    response_model=IndicatorSummary,
    summary="Eén indicator met al zijn definitieversies",
)
def indicator(indicator_id: Id, catalog: CatalogDep) -> IndicatorSummary:
    """The indicator and every version of its definition (from, until, numerator,
    denominator)."""
    try:
        return summary(catalog.get(indicator_id))
    except QueryError as exc:
        raise not_found(str(exc)) from None


@router.get(
    "/indicators/{indicator_id}/values",
    response_model=None,
    responses=JSON_CSV,
    summary="Waarden van een indicator, met herkomst en vlaggen",
)
def indicator_values_route(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    indicator_id: Id,
    region: Annotated[str, Query(max_length=32, pattern=r"^[\w-]+$")] = "twente",
    period: Annotated[list[str] | None, Query(max_length=40)] = None,
    by: Annotated[str, Query(max_length=120, pattern=r"^[a-z_,]*$")] = "",
    classification: Annotated[str | None, Query(pattern=r"^[a-z]+(@[\w.]+)?$")] = None,
    since: Annotated[str | None, Query(max_length=20, pattern=r"^[\w-]+$")] = None,
    format: FormatParam = None,
) -> Response:
    """The indicator's values for ``region``: per period and breakdown, with unit, flag, the
    inputs used and the datasets they came from (the same function as ``pijplijn indicator``)."""
    try:
        catalog.get(indicator_id)
    except QueryError as exc:
        raise not_found(str(exc)) from None
    values = indicator_values(
        session,
        catalog,
        indicator_id,
        region,
        tuple(p[:20] for p in period or ()),
        tuple(d for d in by.split(",") if d) or None,
        classification,
        None,
        since,
    )
    records = values.records()
    return listing(
        request,
        data_version(session),
        records,
        _format(request, format),
        f"indicator-{indicator_id}",
    )


@router.get("/goals", response_model=None, responses=JSON_CSV, summary="Het scorebord")
def goals(
    request: Request, session: SessionDep, catalog: CatalogDep, format: FormatParam = None
) -> Response:
    """Every goal: baseline, target, latest measurement, progress, trend to the deadline with
    interval, status and partner shares (the same function as ``pijplijn goals``)."""
    records = scorecard(session, catalog).records()
    return listing(request, data_version(session), records, _format(request, format), "doelen")


@router.get("/goals/{goal_id}", response_model=None, summary="Eén doel")
def goal(request: Request, session: SessionDep, catalog: CatalogDep, goal_id: Id) -> Response:
    """One goal's status, measurements and partner shares."""
    found = [g for g in scorecard(session, catalog).records() if g["id"] == goal_id]
    if not found:
        raise not_found(f"onbekend doel '{goal_id}'")
    return listing(request, data_version(session), found, ListFormat.json, f"doel-{goal_id}")


def _format(request: Request, format: str | None) -> ListFormat:
    return chosen_format(request, ListFormat(format) if format else None)
