"""``/gemeenten/{naam}``, ``/instellingen/{brin}`` and ``/partners/{organisatie}``: the
factsheets of ``views/factsheet.py`` and ``views/instelling.py`` as pages (HTML, the sheet as
the CLI prints it; ``?lang=en`` for English) and as JSON (the model: the view every number of
the page traces to). Plain ``def`` handlers: the views query the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse

from pijplijn.errors import QueryError
from pijplijn.views.factsheet import gemeente_sheet, partner_sheet
from pijplijn.views.instelling import instelling_sheet
from pijplijn.web.deps import PackDep, SessionDep

router = APIRouter(include_in_schema=False)
_Sheet = TypeVar("_Sheet")
LangParam = Annotated[Literal["nl", "en"], Query()]


@router.get("/gemeenten/{name}.json")
def gemeente_json(name: str, session: SessionDep, pack: PackDep) -> JSONResponse:
    sheet = _found(lambda: gemeente_sheet(session, pack, name))
    return JSONResponse(sheet.model_dump(mode="json"))


@router.get("/gemeenten/{name}")
def gemeente_page(
    name: str, session: SessionDep, pack: PackDep, lang: LangParam = "nl"
) -> HTMLResponse:
    # The renderer loads Jinja templates and the number tracing: imported here, not at a
    # worker's start (tests/test_serve.py).
    from pijplijn.report.factsheet import to_html

    sheet = _found(lambda: gemeente_sheet(session, pack, name))
    return HTMLResponse(to_html(sheet, pack.pack.title, lang))


@router.get("/instellingen/{brin}.json")
def instelling_json(brin: str, session: SessionDep, pack: PackDep) -> JSONResponse:
    sheet = _found(lambda: instelling_sheet(session, pack, brin))
    return JSONResponse(sheet.model_dump(mode="json"))


@router.get("/instellingen/{brin}")
def instelling_page(
    brin: str, session: SessionDep, pack: PackDep, lang: LangParam = "nl"
) -> HTMLResponse:
    from pijplijn.report.factsheet import to_html

    sheet = _found(lambda: instelling_sheet(session, pack, brin))
    return HTMLResponse(to_html(sheet, pack.pack.title, lang))


@router.get("/partners/{organisation}.json")
def partner_json(organisation: str, session: SessionDep) -> JSONResponse:
    return JSONResponse(
        _found(lambda: partner_sheet(session, organisation)).model_dump(mode="json")
    )


@router.get("/partners/{organisation}")
def partner_page(
    organisation: str, session: SessionDep, pack: PackDep, lang: LangParam = "nl"
) -> HTMLResponse:
    from pijplijn.report.factsheet import to_html

    sheet = _found(lambda: partner_sheet(session, organisation))
    return HTMLResponse(to_html(sheet, pack.pack.title, lang))


def _found(make: Callable[[], _Sheet]) -> _Sheet:
    """The sheet, or a 404 naming what was not found."""
    try:
        return make()
    except QueryError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
