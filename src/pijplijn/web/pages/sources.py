"""Bronnen: the datasets with their provenance, and the classification versions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.check import CheckReport, check_published
from pijplijn.engine.classify import ClassificationSummary, list_classifications
from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.labour.coverage import coverage_check
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.pages.common import render

router = APIRouter(include_in_schema=False)


class SourcesView(BaseModel):
    datasets: list[DatasetSummary]
    classifications: list[ClassificationSummary]
    check: CheckReport


def sources_view(session: Session, pack: ContentPack, catalog: Catalog) -> SourcesView:
    """Return what the sources page shows: datasets, classification versions and the
    findings of ``pijplijn check``."""
    return SourcesView(
        datasets=list_datasets(session),
        classifications=list_classifications(session),
        check=check_published(
            session, catalog, pack.published_checks, coverage_check(session, pack)
        ),
    )


@router.get("/bronnen")
def sources(request: Request, session: SessionDep, pack: PackDep, catalog: CatalogDep) -> Response:
    view = sources_view(session, pack, catalog)
    return render(request, "sources.html", {"view": view, "json_url": "/api/v1/datasets"})
