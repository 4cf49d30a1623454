"""API: an indicator's benchmark, a region against every arbeidsmarktregio (the same view as
the indicator page's dot plot and ``pijplijn indicator ID --benchmark``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from pijplijn.engine.version import data_version
from pijplijn.errors import QueryError
from pijplijn.views.benchmark import benchmark_view
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
Id = Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")]


@router.get(
    "/indicators/{indicator_id}/benchmark",
    response_model=None,
    responses=JSON_CSV,
    summary="Een regio tegen alle arbeidsmarktregio's: plaats, spreiding, vergelijkbare regio's",
)
def indicator_benchmark(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    pack: PackDep,
    indicator_id: Id,
    region: Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")] = None,
    period: Annotated[str | None, Query(max_length=20, pattern=r"^[\w-]+$")] = None,
    k: Annotated[int | None, Query(ge=1, le=34)] = None,
    start: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    format: TableFormatParam = None,
) -> Response:
    """The region's (default: the pack's) value and change in ``period`` (default: its latest)
    against all 35 arbeidsmarktregio's: its rank, every region's value (``data``; a region
    without a figure of its own has ``value`` null, never 0) and the mean of the ``k`` regions
    most like it in level and trend before ``start`` (settings ``PIJPLIJN_BENCHMARK_K`` and
    ``PIJPLIJN_BENCHMARK_START``). Descriptive: a difference from comparable regions, not an
    effect; ``method`` says how the regions were picked."""
    try:
        catalog.get(indicator_id)
    except QueryError as exc:
        raise not_found(str(exc)) from None
    version = data_version(session)
    if answer := unchanged(request, version):
        return answer
    view = benchmark_view(
        session,
        catalog,
        pack,
        indicator_id,
        region,
        k=k,
        start=start,
        period=period,
        settings=request.app.state.settings,
    )
    table = view.table()
    used = [str(s.dataset) for s in view.benchmark.sources]
    fmt = table_format(request, format)
    if fmt in (ListFormat.csv, ListFormat.xlsx):
        return table_response(request, version, table, fmt.value, used)
    found = view.benchmark
    envelope = {
        **found.model_dump(mode="json", exclude={"regions", "sources"}),
        "headline": view.headline,
        "comparison": view.comparison,
        "provenance": {
            "datasets": [s.dataset for s in found.sources],
            "sources": [s.model_dump() for s in found.sources],
        },
    }
    return listing(request, version, table.cells(), fmt, table.name, envelope)
