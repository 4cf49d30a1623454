"""Indicatoren: the catalogue, and per indicator its series for Twente, Overijssel and the
Netherlands, with the table behind the chart, a CSV download and the sources."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn.engine.indicators.catalog import Catalog, IndicatorSummary, summary
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import Source
from pijplijn.errors import QueryError
from pijplijn.web.deps import CatalogDep, SessionDep
from pijplijn.web.pages.common import render
from pijplijn.web.problems import not_found

router = APIRouter(include_in_schema=False)
COMPARED = ("twente", "PV23", "NL01")


class IndicatorPage(BaseModel):
    indicator: IndicatorSummary
    rows: list[dict[str, Any]]
    chart: dict[str, Any] | None
    sources: list[Source]
    notes: list[str]


def indicator_page(session: Session, catalog: Catalog, indicator_id: str) -> IndicatorPage:
    """Return the indicator's totals per period for the compared regions (a region the
    indicator cannot be computed for is left out, with the reason as a note)."""
    indicator = summary(catalog.get(indicator_id))
    rows: list[dict[str, Any]] = []
    sources: dict[int, Source] = {}
    notes: list[str] = []
    for region in COMPARED:
        try:
            values = indicator_values(session, catalog, indicator_id, region)
        except QueryError as exc:
            notes.append(f"{region}: {exc}")
            continue
        for value in values.values:
            if not value.keys:
                rows.append(
                    {
                        "region": region,
                        "period": value.period,
                        "value": value.value,
                        "flag": value.flag,
                        "exact": value.exact,
                    }
                )
        sources.update({s.dataset: s for s in values.sources})
    chart = charts.series_chart(
        rows,
        indicator.unit,
        indicator.title,
        f"{indicator.title}: {', '.join(COMPARED)} per periode.",
    )
    return IndicatorPage(
        indicator=indicator,
        rows=rows,
        chart=chart if rows else None,
        sources=list(sources.values()),
        notes=notes,
    )


@router.get("/indicatoren")
def catalogue(request: Request, catalog: CatalogDep) -> Response:
    return render(
        request,
        "indicators.html",
        {"indicators": catalog.summaries(), "json_url": "/api/v1/indicators"},
    )


@router.get("/indicatoren/{indicator_id}")
def indicator(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    indicator_id: Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")],
) -> Response:
    try:
        catalog.get(indicator_id)
    except QueryError as exc:
        raise not_found(str(exc)) from None
    page = indicator_page(session, catalog, indicator_id)
    return render(
        request,
        "indicator.html",
        {"page": page, "json_url": f"/api/v1/indicators/{indicator_id}/values"},
    )
