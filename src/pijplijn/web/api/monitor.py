"""API: indicators (catalogue, every definition version, values) and goals (the scorecard)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.engine.indicators.catalog import IndicatorSummary, summary
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.geography import gemeente_values
from pijplijn.engine.version import data_version
from pijplijn.errors import QueryError
from pijplijn.views.indicator import values_table
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.negotiate import (
    JSON_CSV,
    ListFormat,
    TableFormatParam,
    listing,
    table_format,
    table_response,
    unchanged,
)
from pijplijn.web.problems import ERROR_RESPONSES, not_found

router = APIRouter(prefix="/api/v1", tags=["monitor"], responses=ERROR_RESPONSES)
MAX_REGIONS = 5
REGION_CODE = re.compile(r"[\w-]{1,32}")
Id = Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")]


@router.get("/indicators", response_model=None, responses=JSON_CSV, summary="De indicatorcatalogus")
def indicators(
    request: Request, session: SessionDep, catalog: CatalogDep, format: TableFormatParam = None
) -> Response:
    """Every indicator: titles, unit, direction, breakdowns, sources, definitions in words."""
    records = [s.model_dump(mode="json") for s in catalog.summaries()]
    return listing(
        request, data_version(session), records, table_format(request, format), "indicatoren"
    )


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
    pack: PackDep,
    indicator_id: Id,
    region: Annotated[list[str] | None, Query(max_length=MAX_REGIONS)] = None,
    period: Annotated[list[str] | None, Query(max_length=40)] = None,
    by: Annotated[str | None, Query(max_length=120, pattern=r"^[a-z_,]*$")] = None,
    classification: Annotated[str | None, Query(pattern=r"^[a-z]+(@[\w.]+)?$")] = None,
    since: Annotated[str | None, Query(max_length=20, pattern=r"^[\w-]+$")] = None,
    format: TableFormatParam = None,
) -> Response:
    """The indicator's values for each ``region`` (default: the pack's default region;
    repeat for a comparison):
    per period and breakdown, with unit, flag, the inputs used and the datasets they came
    from (the same function as ``pijplijn indicator``). ``by`` absent gives the indicator's
    default breakdown, ``by=`` (empty) the totals."""
    try:
        catalog.get(indicator_id)
    except QueryError as exc:
        raise not_found(str(exc)) from None
    version = data_version(session)
    if answer := unchanged(request, version):
        return answer
    records = []
    for code in region or [pack.pack.default_region]:
        if not REGION_CODE.fullmatch(code):
            raise QueryError(f"ongeldige regio '{code[:32]}': verwacht een code zoals GM0363")
        values = indicator_values(
            session,
            catalog,
            indicator_id,
            code,
            tuple(p[:20] for p in period or ()),
            None if by is None else tuple(d for d in by.split(",") if d),
            classification,
            None,
            since,
        )
        records.extend(values.records())
    fmt = table_format(request, format)
    if fmt in (ListFormat.csv, ListFormat.xlsx):
        # One table for the CLI's --format csv, this and the page's download.
        table = values_table(indicator_id, records)
        used = sorted({str(s["dataset"]) for r in records for s in r.get("sources", [])})
        return table_response(request, version, table, fmt.value, used)
    return listing(request, version, records, fmt, f"indicator-{indicator_id}")


@router.get(
    "/indicators/{indicator_id}/gemeenten",
    response_model=None,
    responses=JSON_CSV,
    summary="Een indicator per gemeente van een regioset (voor kaarten)",
)
def indicator_gemeenten(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    pack: PackDep,
    indicator_id: Id,
    region_set: Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")] = None,
    period: Annotated[str | None, Query(max_length=20, pattern=r"^[\w-]+$")] = None,
    format: TableFormatParam = None,
) -> Response:
    """The indicator's total per gemeente of ``region_set`` for ``period`` (the latest with
    gemeente figures when absent): only a gemeente's own figures, otherwise ``value`` null
    and flag ``missing``; ``region_set`` absent: the pack's default region."""
    try:
        catalog.get(indicator_id)
    except QueryError as exc:
        raise not_found(str(exc)) from None
    found = gemeente_values(
        session, catalog, indicator_id, region_set or pack.pack.default_region, period
    )
    records = [
        {"indicator": found.indicator, "period": found.period, **v.model_dump(), "unit": found.unit}
        for v in found.values
    ]
    envelope = {
        "provenance": {
            "datasets": [s.dataset for s in found.sources],
            "sources": [s.model_dump() for s in found.sources],
        },
        "periods": found.periods,
    }
    return listing(
        request,
        data_version(session),
        records,
        table_format(request, format),
        f"indicator-{indicator_id}-gemeenten",
        envelope,
    )


@router.get("/goals", response_model=None, responses=JSON_CSV, summary="Het scorebord")
def goals(
    request: Request, session: SessionDep, catalog: CatalogDep, format: TableFormatParam = None
) -> Response:
    """Every goal: baseline, target, latest measurement, progress, trend to the deadline with
    interval, status and partner shares (the same function as ``pijplijn goals``)."""
    version = data_version(session)
    if answer := unchanged(request, version):
        return answer
    records = scorecard(session, catalog).records()
    return listing(request, version, records, table_format(request, format), "doelen")


@router.get("/goals/{goal_id}", response_model=None, responses=JSON_CSV, summary="Eén doel")
def goal(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    goal_id: Id,
    format: TableFormatParam = None,
) -> Response:
    """One goal's status, measurements and partner shares."""
    found = [g for g in scorecard(session, catalog).records() if g["id"] == goal_id]
    if not found:
        raise not_found(f"onbekend doel '{goal_id}'")
    return listing(
        request, data_version(session), found, table_format(request, format), f"doel-{goal_id}"
    )
