"""``/gemeenten/{naam}`` and ``/partners/{organisatie}``: the factsheets of
``views/factsheet.py`` as pages (HTML, the sheet as the CLI prints it) and as JSON (the model).
Plain ``def`` handlers: the views query the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse

from pijplijn.errors import QueryError
from pijplijn.views.factsheet import gemeente_sheet, partner_sheet
from pijplijn.web.deps import PackDep, SessionDep

router = APIRouter(include_in_schema=False)
_Sheet = TypeVar("_Sheet")


@router.get("/gemeenten/{name}.json")
def gemeente_json(name: str, session: SessionDep, pack: PackDep) -> JSONResponse:
    sheet = _found(lambda: gemeente_sheet(session, pack, name))
    return JSONResponse(sheet.model_dump(mode="json"))


@router.get("/gemeenten/{name}")
def gemeente_page(name: str, session: SessionDep, pack: PackDep) -> HTMLResponse:
    # The sheet's renderer draws its charts with vl-convert: imported here, not at a worker's
    # start (tests/test_serve.py).
    from pijplijn.report.factsheet import to_html

    return HTMLResponse(
        to_html(_found(lambda: gemeente_sheet(session, pack, name)), pack.pack.title)
    )


@router.get("/partners/{organisation}.json")
def partner_json(organisation: str, session: SessionDep) -> JSONResponse:
    return JSONResponse(
        _found(lambda: partner_sheet(session, organisation)).model_dump(mode="json")
    )


@router.get("/partners/{organisation}")
def partner_page(organisation: str, session: SessionDep, pack: PackDep) -> HTMLResponse:
    from pijplijn.report.factsheet import to_html

    return HTMLResponse(
        to_html(_found(lambda: partner_sheet(session, organisation)), pack.pack.title)
    )


def _found(make: Callable[[], _Sheet]) -> _Sheet:
    """The sheet, or a 404 naming what was not found."""
    try:
        return make()
    except QueryError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
