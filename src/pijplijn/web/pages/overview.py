"""Overzicht: the goals' verdicts in one line, the pipeline flow of the latest most complete
year, the coverage of technical demand, key figures with unit and year, and the newest
figures per source with their age. The page and ``/api/v1/overview`` present
``views.overview.overview_view``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pijplijn.engine.version import data_version
from pijplijn.views.overview import OverviewView, overview_view
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.negotiate import page_route
from pijplijn.web.pages.common import language, render_page
from pijplijn.web.problems import ERROR_RESPONSES

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["monitor"], responses=ERROR_RESPONSES)


RegionParam = Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")]
"""Any region the store knows (region set, province, COROP area, arbeidsmarktregio,
gemeente); absent: the pack's default region."""


@page_route(router, "/")
def overview(
    request: Request,
    session: SessionDep,
    pack: PackDep,
    catalog: CatalogDep,
    region: RegionParam = None,
) -> Response:
    view = overview_view(session, pack, catalog, language(request), region=region)
    return render_page(request, "overview.html", view, data_version(session))


@api.get("/overview", response_model=OverviewView)
def overview_api(
    session: SessionDep,
    pack: PackDep,
    catalog: CatalogDep,
    lang: str = "nl",
    region: RegionParam = None,
) -> OverviewView:
    """The overview of ``region`` (default: the pack's): the goals' verdicts (headline and
    counts; when the pack's goals belong to other regions, ``goals_note`` says so), the
    pipeline flow, the coverage of technical demand, the key figures and the age of the
    newest figures per source."""
    return overview_view(session, pack, catalog, "en" if lang == "en" else "nl", region=region)
