"""Overzicht: the goals' verdicts in one line, the pipeline flow of the latest most complete
year, the coverage of technical demand, key figures with unit and year, and the newest
figures per source with their age. The page and ``/api/v1/overview`` present
``views.overview.overview_view``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pijplijn.views.overview import OverviewView, overview_view
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.pages.common import language, render
from pijplijn.web.problems import ERROR_RESPONSES

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["monitor"], responses=ERROR_RESPONSES)


@router.get("/")
def overview(request: Request, session: SessionDep, pack: PackDep, catalog: CatalogDep) -> Response:
    lang = language(request)
    return render(
        request,
        "overview.html",
        {"view": overview_view(session, pack, catalog, lang), "json_url": "/api/v1/overview"},
    )


@api.get("/overview", response_model=OverviewView)
def overview_api(
    session: SessionDep, pack: PackDep, catalog: CatalogDep, lang: str = "nl"
) -> OverviewView:
    """The overview of the pack's default region: the goals' verdicts (headline and counts),
    the pipeline flow, the coverage of technical demand, the key figures and the age of the
    newest figures per source."""
    return overview_view(session, pack, catalog, "en" if lang == "en" else "nl")
