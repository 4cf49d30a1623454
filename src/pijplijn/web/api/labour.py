"""API: the labour market (the same engine functions as /arbeidsmarkt, ``pijplijn labour``
and the report's chapter): the whole view, technical demand, coverage, occupations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pijplijn.engine.labour.coverage import coverage_ratios
from pijplijn.engine.labour.demand import technical_demand
from pijplijn.engine.labour.results import Coverage, DemandFigure
from pijplijn.engine.labour.view import LabourView, Occupations, labour_view, technical_occupations
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.problems import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/labour", tags=["labour"], responses=ERROR_RESPONSES)
Region = Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")]


@router.get("", response_model=LabourView, summary="Arbeidsmarkt: banen, vraag, dekking")
def labour(
    session: SessionDep, pack: PackDep, catalog: CatalogDep, region: Region = None
) -> LabourView:
    """Jobs and their trend, technical demand against graduates per level (coverage with its
    interval, the published 28%/42% and the check's verdict), vacancy rates per sector, and the
    technical occupations with the largest replacement demand."""
    return labour_view(session, pack, catalog, region or pack.pack.default_region)


@router.get("/demand", response_model=list[DemandFigure], summary="Technische vraag per niveau")
def demand(session: SessionDep, pack: PackDep, region: Region = None) -> list[DemandFigure]:
    """Replacement and expansion demand per year of ROA's forecast period, per level group:
    ROA's regional figures, or an estimate (flag ``estimated``) with its inputs and sources."""
    return technical_demand(session, pack, region or pack.pack.default_region)


@router.get("/coverage", response_model=list[Coverage], summary="Dekking van de vraag")
def coverage(session: SessionDep, pack: PackDep, region: Region = None) -> list[Coverage]:
    """Graduates entering work ÷ demand per level group and year, with an interval, or the
    missing inputs."""
    return coverage_ratios(session, pack, region or pack.pack.default_region)


@router.get("/occupations", response_model=Occupations, summary="Technische beroepen (ROA)")
def occupations(session: SessionDep, pack: PackDep) -> Occupations:
    """Technical beroepsgroepen by national replacement demand, with ROA's labels."""
    return technical_occupations(session, pack)
