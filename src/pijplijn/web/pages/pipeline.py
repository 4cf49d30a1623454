"""Pijplijn: one year's route from vo through mbo and hbo/wo to work as a flow diagram
(``views.pipeline``), with year and region selectors, the same numbers in a table, and a
drill-down of a stage by sector, level, pathway, gender or institution. ``/api/v1/pipeline``
returns the same view as JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn import vocabulary as vocab
from pijplijn.content.loader import ContentPack
from pijplijn.engine.cube import CubeQuery
from pijplijn.engine.disclosure import published
from pijplijn.engine.pipeline import DRILL_DIMENSIONS, STAGES
from pijplijn.engine.regions import canonical_region
from pijplijn.engine.version import data_version
from pijplijn.views.pipeline import TEXTS, PipelineFlow, flow_tables, pipeline_flow
from pijplijn.views.render import View, ViewTable
from pijplijn.web.deps import PackDep, SessionDep
from pijplijn.web.i18n import term
from pijplijn.web.negotiate import page_route
from pijplijn.web.pages.common import language, render_page
from pijplijn.web.problems import ERROR_RESPONSES

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["monitor"], responses=ERROR_RESPONSES)

RegionParam = Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")]
YearParam = Annotated[int | None, Query(ge=1990, le=2100)]


class Drill(BaseModel):
    stage: str
    by: str
    period: str
    rows: list[dict[str, Any]]
    chart: dict[str, Any]


class PipelinePage(View):
    flow: PipelineFlow | None
    drill: Drill | None

    def tables(self) -> list[ViewTable]:
        """The flow's stages and bands, and the drill-down of the chosen stage."""
        drill = self.drill
        extra = (
            [
                ViewTable(
                    name="uitsplitsing",
                    title=f"{TEXTS['nl'].get(drill.stage, drill.stage)} naar "
                    f"{term('nl', 'by', drill.by)}, {drill.period}",
                    columns=[drill.by, "period", "value", "flag"],
                    rows=drill.rows,
                    units={"value": "count"},
                )
            ]
            if drill
            else []
        )
        return [*flow_tables(self.flow), *extra]


def pipeline_page(
    session: Session,
    pack: ContentPack,
    region: str,
    year: int | None,
    stage: str | None,
    by: str,
    lang: str,
) -> PipelinePage:
    """Return what the pipeline page shows: the flow and, for a chosen stage, its drill-down."""
    flow = pipeline_flow(session, pack, region, year, pack.classification, lang)
    drill = _drill(session, flow, stage, by, lang) if flow and stage else None
    return PipelinePage(flow=flow, drill=drill)


def _drill(session: Session, flow: PipelineFlow, stage: str, by: str, lang: str) -> Drill | None:
    node = next((n for n in flow.nodes if n.stage == stage and n.period), None)
    if node is None or node.period is None:
        return None
    measure = next(spec.measure for spec in STAGES if spec.stage == stage)
    rows = [
        r.to_record()
        for r in published(
            session,
            CubeQuery(
                measure=measure,
                region=flow.region,
                stage=stage,
                periods=(node.period,),
                by=(by,),
                classification=flow.classification,
                filters={"domain": flow.domain},
            ),
        )
    ]
    label = TEXTS.get(lang, TEXTS["nl"])[stage]
    chart = charts.bar_chart(
        rows,
        by,
        f"{label} in {flow.domain} naar {by}",
        f"{node.measure_label} {node.period}, {flow.region_name}, uitgesplitst naar {by}.",
    )
    return Drill(stage=stage, by=by, period=node.period, rows=rows, chart=chart)


@page_route(router, "/pijplijn")
def pipeline_route(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    region: RegionParam = None,
    year: YearParam = None,
    stage: Annotated[Literal[vocab.STAGES] | None, Query()] = None,  # type: ignore[valid-type]
    by: Annotated[Literal[DRILL_DIMENSIONS], Query()] = "sector",  # type: ignore[valid-type]
) -> Response:
    region = canonical_region(session, region or pack.pack.default_region)
    lang = language(request)
    page = pipeline_page(session, pack, region, year, stage, by, lang)
    return render_page(
        request,
        "pipeline.html",
        page,
        data_version(session),
        {
            "labels": TEXTS.get(lang, TEXTS["nl"]),
            "region": region,
            "drill_dimensions": DRILL_DIMENSIONS,
        },
    )


@api.get("/pipeline", response_model=PipelineFlow | None)
def pipeline_api(
    session: SessionDep,
    pack: PackDep,
    region: RegionParam = None,
    year: YearParam = None,
    lang: Annotated[Literal["nl", "en"], Query()] = "nl",
) -> PipelineFlow | None:
    """The pipeline flow of a region in a year: nodes (stages with counts, the part in
    techniek, period and sources), bands (doorstroom with count and percentage, or the route
    only when no flow figures are loaded), the basis and the Vega spec the page draws."""
    code = canonical_region(session, region or pack.pack.default_region)
    return pipeline_flow(session, pack, code, year, pack.classification, lang)
