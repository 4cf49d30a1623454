"""``/gemeenten/{naam}`` and ``/partners/{organisatie}``: the factsheets of
``views/factsheet.py`` as pages (HTML, the sheet as the CLI prints it), as JSON (the model,
``.json`` or ``Accept: application/json``) and their tables as CSV and XLSX
(``negotiate.page_route``). Plain ``def`` handlers: the views query the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse

from pijplijn.errors import QueryError
from pijplijn.views.factsheet import gemeente_sheet, partner_sheet
from pijplijn.web.deps import PackDep, SessionDep
from pijplijn.web.negotiate import page_format, page_response, page_route

router = APIRouter(include_in_schema=False)
_Sheet = TypeVar("_Sheet")


def _name(request: Request, value: str) -> str:
    """The path parameter without the format suffix the request carries."""
    fmt = page_format(request)
    return value.removesuffix(f".{fmt}") if fmt and request.url.path.endswith(f".{fmt}") else value


@page_route(router, "/gemeenten/{name}")
def gemeente_page(request: Request, name: str, session: SessionDep, pack: PackDep) -> Response:
    sheet = _found(lambda: gemeente_sheet(session, pack, _name(request, name)))

    def html() -> Response:
        # The sheet's renderer draws its charts with vl-convert: imported here, not at a
        # worker's start (tests/test_serve.py).
        from pijplijn.report.factsheet import to_html

        return HTMLResponse(to_html(sheet, pack.pack.title))

    return page_response(request, sheet, sheet.data_version, html)


@page_route(router, "/partners/{organisation}")
def partner_page(
    request: Request, organisation: str, session: SessionDep, pack: PackDep
) -> Response:
    sheet = _found(lambda: partner_sheet(session, _name(request, organisation)))

    def html() -> Response:
        from pijplijn.report.factsheet import to_html

        return HTMLResponse(to_html(sheet, pack.pack.title))

    return page_response(request, sheet, sheet.data_version, html)


def _found(make: Callable[[], _Sheet]) -> _Sheet:
    """The sheet, or a 404 naming what was not found."""
    try:
        return make()
    except QueryError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
