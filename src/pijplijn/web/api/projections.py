"""API: scenarios and projections (the same engine functions as ``pijplijn scenarios`` and
``pijplijn project``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pijplijn.content.projection import load_projection
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.project import project
from pijplijn.engine.version import data_version
from pijplijn.web.deps import PackDep, SessionDep
from pijplijn.web.negotiate import (
    JSON_CSV,
    TableFormatParam,
    listing,
    table_format,
)
from pijplijn.web.problems import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["projecties"], responses=ERROR_RESPONSES)
MAX_DRAWS = 2000


@router.get(
    "/scenarios",
    response_model=None,
    responses=JSON_CSV,
    summary="Opgeslagen scenario's en de hefbomen van het pakket",
)
def scenario_list(
    request: Request, session: SessionDep, pack: PackDep, format: TableFormatParam = None
) -> Response:
    """Every saved scenario version, then the pack's scenarios and ready-made levers."""
    records = [
        s.model_dump(mode="json") for s in scenarios.list_scenarios(session, load_projection(pack))
    ]
    return listing(
        request, data_version(session), records, table_format(request, format), "scenarios", {}
    )


@router.get(
    "/projections",
    response_model=None,
    responses=JSON_CSV,
    summary="Projectie van de pijplijn met onzekerheidsmarges",
)
def projection(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    region: Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")] = None,
    horizon: Annotated[int | None, Query(ge=2000, le=2060)] = None,
    scenario: Annotated[str | None, Query(max_length=80, pattern=r"^[a-z0-9-]+$")] = None,
    draws: Annotated[int | None, Query(ge=1, le=MAX_DRAWS)] = None,
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
    format: TableFormatParam = None,
) -> Response:
    """Per series (state) and year: the median ``value``, the 80% interval ``low``-``high``
    and the 95% interval, for the baseline or a named scenario (names only: no files)."""
    content = load_projection(pack)
    result = project(
        session,
        content,
        region or pack.pack.default_region,
        horizon=horizon,
        scenario=scenarios.find(session, content, scenario),
        draws=draws,
        seed=seed,
    )
    envelope = {
        "region": result.region,
        "scenario": result.scenario,
        "base_year": result.base_year,
        "horizon": result.horizon,
        "draws": result.draws,
        "notes": result.notes,
        "warnings": result.warnings,
        "provenance": {"rates": [r.model_dump(mode="json") for r in result.rates]},
    }
    records = [p.model_dump(mode="json") for p in result.series]
    return listing(
        request,
        data_version(session),
        records,
        table_format(request, format),
        "projectie",
        envelope,
    )
