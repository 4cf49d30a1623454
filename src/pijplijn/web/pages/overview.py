"""Overzicht: the region's key figures and the freshness of every source."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.web.deps import SessionDep
from pijplijn.web.pages.common import render

router = APIRouter(include_in_schema=False)


class SourceFreshness(BaseModel):
    """The newest release of one source: its latest period and when it was loaded."""

    source_key: str
    title: str
    latest_period: str | None
    loaded_at: str


class OverviewView(BaseModel):
    sources: list[SourceFreshness]


def overview_view(session: Session) -> OverviewView:
    """Return what the overview shows."""
    newest: dict[str, DatasetSummary] = {}
    for dataset in list_datasets(session):
        newest.setdefault(dataset.source_key, dataset)
    return OverviewView(
        sources=[
            SourceFreshness(
                source_key=d.source_key,
                title=d.title,
                latest_period=d.periods[-1] if d.periods else None,
                loaded_at=d.loaded_at.strftime("%Y-%m-%d"),
            )
            for d in newest.values()
        ]
    )


@router.get("/")
def overview(request: Request, session: SessionDep) -> Response:
    return render(
        request, "overview.html", {"view": overview_view(session), "json_url": "/api/v1/datasets"}
    )
