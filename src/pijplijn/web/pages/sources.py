"""Bronnen: the datasets with their provenance, and the classification versions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn.engine.classify import ClassificationSummary, list_classifications
from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.web.deps import SessionDep
from pijplijn.web.pages.common import render

router = APIRouter(include_in_schema=False)


class SourcesView(BaseModel):
    datasets: list[DatasetSummary]
    classifications: list[ClassificationSummary]


def sources_view(session: Session) -> SourcesView:
    """Return what the sources page shows."""
    return SourcesView(
        datasets=list_datasets(session), classifications=list_classifications(session)
    )


@router.get("/bronnen")
def sources(request: Request, session: SessionDep) -> Response:
    return render(
        request, "sources.html", {"view": sources_view(session), "json_url": "/api/v1/datasets"}
    )
