"""Arbeidsmarkt: jobs and their trend for the region, technical demand until 2030 against the
supply of technical graduates per level (the coverage ratio as the headline, with the seeds'
28% and 42% beside it and the check's verdict), vacancy rates per sector, and the technical
occupations with the largest replacement demand. The page only formats ``labour_view``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from sqlalchemy.orm import Session

from pijplijn import labour_charts
from pijplijn.content.loader import ContentPack
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.labour.view import LabourView, labour_view
from pijplijn.engine.regions import region_names
from pijplijn.engine.version import data_version
from pijplijn.views.render import View, ViewTable
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.negotiate import page_route
from pijplijn.web.pages.blocks import ChartBlock, Column, series_columns
from pijplijn.web.pages.common import render_page

router = APIRouter(include_in_schema=False)


class LabourPage(View):
    view: LabourView
    jobs: ChartBlock
    vacancies: ChartBlock
    names: dict[str, str] = Field(exclude=True)
    """Code → name of every region in the store, for the template; not part of the page's
    JSON (a national list, not what the page shows)."""

    def tables(self) -> list[ViewTable]:
        """The jobs and vacancy charts' tables, the coverage of demand per level group (its
        latest year) and the technical occupations."""
        coverage = []
        for c in self.view.coverage:
            last = c.points[-1] if c.points else None
            coverage.append(
                {
                    "group": c.group,
                    "title": c.title,
                    "demand": c.demand.total,
                    "demand_period": c.demand.period,
                    "demand_flag": c.demand.flag,
                    "period": last.period if last else None,
                    "graduates": last.graduates if last else None,
                    "coverage": last.coverage if last else None,
                    "coverage_low": last.coverage_low if last else None,
                    "coverage_high": last.coverage_high if last else None,
                    "published": c.published,
                    "published_period": c.published_period,
                    "missing": c.missing,
                }
            )
        shares = {k: "share" for k in ("coverage", "coverage_low", "coverage_high", "published")}
        return [
            self.jobs.table(),
            self.vacancies.table(),
            ViewTable(
                name="coverage",
                title="Dekking van de vraag per niveau",
                columns=list(coverage[0]) if coverage else ["group"],
                rows=coverage,
                units={"demand": "count", "graduates": "count", **shares},
            ),
            ViewTable(
                name="occupations",
                title=self.view.occupations.title,
                columns=[
                    "code",
                    "replacement",
                    "expansion",
                    "replacement_rate",
                    "bottleneck",
                    "bottleneck_label",
                    "tightness",
                    "tightness_label",
                ],  # fmt: skip
                rows=[o.model_dump() for o in self.view.occupations.rows],
                units={"replacement": "count", "expansion": "count"},
            ),
        ]


def labour_page(session: Session, pack: ContentPack, catalog: Catalog, region: str) -> LabourPage:
    """Return the page: the view and its two charts (each drawn only when it has figures)."""
    view = labour_view(session, pack, catalog, region)
    names = region_names(session)
    jobs, vacancies = _jobs_block(view, names), _vacancy_block(view, names)
    jobs.embed = f"/embed/arbeidsmarkt/jobs?region={view.region}"
    vacancies.embed = f"/embed/arbeidsmarkt/vacancies?region={view.region}"
    return LabourPage(view=view, jobs=jobs, vacancies=vacancies, names=names)


def _jobs_block(view: LabourView, names: dict[str, str]) -> ChartBlock:
    series = view.jobs.series
    spec = labour_charts.jobs_chart(view, names)
    return ChartBlock(
        id="jobs",
        spec=spec,
        missing=None if spec else view.jobs.missing,
        unit="thousand",
        columns=series_columns("region", "regio"),
        rows=labour_charts.jobs_rows(view, names),
        data_url=f"/api/v1/indicators/banen/values?region={view.region}&by=",
        sources=series.sources if series else [],
    )


def _vacancy_block(view: LabourView, names: dict[str, str]) -> ChartBlock:
    rates = view.vacancies
    spec = labour_charts.vacancy_chart(view, names)
    sources = {s.dataset: s for series in rates.series for s in series.sources}
    return ChartBlock(
        id="vacancies",
        spec=spec,
        missing=None if spec else rates.missing,
        unit="ratio",
        columns=[
            Column(key="sector", label="sector"),
            Column(key="region", label="regio"),
            Column(key="value", label="per 1.000 banen", numeric=True),
            Column(key="flag", label="vlag"),
        ],
        rows=labour_charts.vacancy_rows(view, names),
        data_url="/api/v1/indicators/vacaturegraad/values?by=sector&region="
        + (rates.regions[0] if rates.regions else "NL01"),
        sources=list(sources.values()),
    )


@page_route(router, "/arbeidsmarkt")
def labour_route(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    catalog: CatalogDep,
    region: Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")] = None,
) -> Response:
    page = labour_page(session, pack, catalog, region or pack.pack.default_region)
    return render_page(request, "arbeidsmarkt.html", page, data_version(session))
