"""API: scenarios and projections (the same engine functions as ``pijplijn scenarios`` and
``pijplijn project``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from pijplijn.content.projection import load_projection
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.model import ProjectionError
from pijplijn.engine.projection.project import prepared_for, project, run_paired
from pijplijn.engine.version import data_version
from pijplijn.web.deps import PackDep, SessionDep
from pijplijn.web.negotiate import (
    JSON_CSV,
    TableFormatParam,
    listing,
    table_format,
    unchanged,
)
from pijplijn.web.problems import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["projecties"], responses=ERROR_RESPONSES)
MAX_DRAWS = 2000
MAX_STATES = 20
LEVERS_PATTERN = r"^([a-z0-9-]{1,60}:-?[0-9]{1,3}(\.[0-9]{1,6})?,?){0,20}$"


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
    levers: Annotated[str | None, Query(max_length=600, pattern=LEVERS_PATTERN)] = None,
    state: Annotated[list[str] | None, Query(max_length=MAX_STATES)] = None,
    table: Literal["series", "gap", "difference", "gap-difference"] = "series",
    draws: Annotated[int | None, Query(ge=1, le=MAX_DRAWS)] = None,
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
    format: TableFormatParam = None,
) -> Response:
    """Per series (state) and year: the median ``value``, the 80% interval ``low``-``high``
    and the 95% interval, for the baseline, a named scenario (names only: no files) or the
    pack's levers set by ``levers=id:change,...`` (what the Scenario's page sliders send).
    ``state`` keeps only those series; ``table=gap`` gives the coverage of
    vervangingsvraag per niveau and year instead; ``table=difference`` the scenario minus the
    baseline per series and year, both run on the same random draws: the median of the
    per-draw differences and their 80% and 95% intervals (the effect's own interval);
    ``table=gap-difference`` the same for the coverage of vervangingsvraag per niveau."""
    version = data_version(session)
    if answer := unchanged(request, version):
        return answer
    content = load_projection(pack)
    if scenario and levers is not None:
        raise ProjectionError("kies scenario of levers, niet allebei")
    spec = (
        scenarios.from_levers(content, scenarios.parse_levers(levers))
        if levers is not None
        else scenarios.find(session, content, scenario)
    )
    code = region or pack.pack.default_region
    if table in ("difference", "gap-difference"):
        paired = run_paired(
            prepared_for(session, content, code), spec, horizon=horizon, draws=draws, seed=seed
        )
        result = paired.scenario
    else:
        result = project(
            session, content, code, horizon=horizon, scenario=spec, draws=draws, seed=seed
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
    chosen = set(state or ())
    rows = (
        result.gap
        if table == "gap"
        else paired.difference.differences
        if table == "difference"
        else paired.difference.coverage
        if table == "gap-difference"
        else result.series
    )
    records = [
        p.model_dump(mode="json") for p in rows if not chosen or getattr(p, "state", None) in chosen
    ]
    return listing(
        request,
        version,
        records,
        table_format(request, format),
        "projectie",
        envelope,
    )
