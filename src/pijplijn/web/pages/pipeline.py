"""Pijplijn: the stages from vmbo to hbo/wo for a year, with the techniek share; a click on a
stage drills down by sector, level, pathway, gender or institution."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn import vocabulary as vocab
from pijplijn.engine.cube import CubeQuery
from pijplijn.engine.disclosure import published
from pijplijn.engine.pipeline import DRILL_DIMENSIONS, STAGES, PipelineView, latest_year, pipeline
from pijplijn.web.deps import PackDep, SessionDep
from pijplijn.web.pages.common import render

router = APIRouter(include_in_schema=False)

STAGE_LABELS = {
    "vmbo-bb": "vmbo basis",
    "vmbo-kb": "vmbo kader",
    "vmbo-gl": "vmbo gemengd",
    "vmbo-tl": "vmbo theoretisch",
    "havo": "havo",
    "vwo": "vwo",
    "mbo": "mbo",
    "hbo": "hbo",
    "wo": "wo",
}
CLASSIFICATION = "techniek"


class Drill(BaseModel):
    stage: str
    by: str
    period: str
    rows: list[dict[str, Any]]
    chart: dict[str, Any]


class PipelinePage(BaseModel):
    view: PipelineView | None
    chart: dict[str, Any] | None
    drill: Drill | None


def pipeline_page(
    session: Session, region: str, year: int | None, stage: str | None, by: str
) -> PipelinePage:
    """Return what the pipeline page shows: the stages, their chart, and a drill-down."""
    year = year or latest_year(session)
    if year is None:
        return PipelinePage(view=None, chart=None, drill=None)
    view = pipeline(session, region, year, CLASSIFICATION)
    records = [{**s.model_dump(), "label": STAGE_LABELS[s.stage]} for s in view.stages]
    chart = charts.pipeline_chart(
        records,
        view.domain,
        f"Pijplijn {region} {year}",
        f"Aantallen per fase in {region} rond {year}, met het deel in {view.domain}.",
    )
    drill = _drill(session, view, stage, by) if stage else None
    return PipelinePage(view=view, chart=chart, drill=drill)


def _drill(session: Session, view: PipelineView, stage: str, by: str) -> Drill | None:
    count = next((s for s in view.stages if s.stage == stage), None)
    if count is None or count.period is None:
        return None
    measure = next(spec.measure for spec in STAGES if spec.stage == stage)
    rows = [
        r.to_record()
        for r in published(
            session,
            CubeQuery(
                measure=measure,
                region=view.region,
                stage=stage,
                periods=(count.period,),
                by=(by,),
                classification=view.classification,
                filters={"domain": view.domain},
            ),
        )
    ]
    chart = charts.bar_chart(
        rows,
        by,
        f"{STAGE_LABELS[stage]} in {view.domain} naar {by}",
        f"{measure} {count.period}, {view.region}, uitgesplitst naar {by}.",
    )
    return Drill(stage=stage, by=by, period=count.period, rows=rows, chart=chart)


@router.get("/pijplijn")
def pipeline_route(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    region: Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    stage: Annotated[Literal[vocab.STAGES] | None, Query()] = None,  # type: ignore[valid-type]
    by: Annotated[Literal[DRILL_DIMENSIONS], Query()] = "sector",  # type: ignore[valid-type]
) -> Response:
    region = region or pack.pack.default_region
    page = pipeline_page(session, region, year, stage, by)
    return render(
        request,
        "pipeline.html",
        {
            "page": page,
            "labels": STAGE_LABELS,
            "region": region,
            "drill_dimensions": DRILL_DIMENSIONS,
            "json_url": f"/api/v1/observations?measure=enrolled&region={region}&by=period,stage",
        },
    )
