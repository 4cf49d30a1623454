"""Doelen: every goal with its baseline, target, measurements, trend with interval, status and
partner shares (the scorecard of ``pijplijn goals``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.web.deps import CatalogDep, SessionDep
from pijplijn.web.pages.common import render

router = APIRouter(include_in_schema=False)


@router.get("/doelen")
def goals_page(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    return render(
        request, "goals.html", {"card": scorecard(session, catalog), "json_url": "/api/v1/goals"}
    )
