"""Lists leave as JSON, CSV or Parquet, chosen by ``?format=`` or the Accept header; every
response carries an ETag derived from the data version, so an unchanged answer costs a 304."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel

from pijplijn.cells import safe_record
from pijplijn.engine.disclosure import threshold
from pijplijn.views.render import View, ViewTable, render_table, to_json

CSV_TYPE = "text/csv; charset=utf-8"
PARQUET_TYPE = "application/vnd.apache.parquet"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ListFormat(StrEnum):
    json = "json"
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


def list_responses(*formats: ListFormat) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI description of a list's 200 response in ``formats``."""
    types = {
        ListFormat.json: "application/json",
        ListFormat.csv: "text/csv",
        ListFormat.parquet: PARQUET_TYPE,
        ListFormat.xlsx: XLSX_TYPE,
    }
    return {
        200: {"description": "De lijst, met herkomst", "content": {types[f]: {} for f in formats}}
    }


TABLE_FORMATS = (ListFormat.json, ListFormat.csv, ListFormat.xlsx)
"""What every list offers: JSON for programs, CSV and XLSX for people and spreadsheets."""
JSON_CSV = list_responses(*TABLE_FORMATS)


TableFormatParam = Annotated[Literal["json", "csv", "xlsx"] | None, Query(alias="format")]
"""The ``?format=`` parameter of every list but observations (which add Parquet)."""


def table_format(request: Request, requested: str | None) -> ListFormat:
    """Return the format of a list offering TABLE_FORMATS (see ``chosen_format``)."""
    return chosen_format(request, ListFormat(requested) if requested else None)


def chosen_format(
    request: Request,
    requested: ListFormat | None,
    allowed: tuple[ListFormat, ...] = TABLE_FORMATS,
) -> ListFormat:
    """Return ``?format=`` when given, else what the Accept header prefers among ``allowed``.

    Raises a 400 for a requested format this list does not offer."""
    if requested is not None:
        if requested not in allowed:
            raise HTTPException(
                status_code=400,
                detail=f"formaat '{requested.value}' is hier "
                f"niet beschikbaar; kies {' of '.join(f.value for f in allowed)}",
            )
        return requested
    accept = request.headers.get("accept", "")
    if "text/csv" in accept and ListFormat.csv in allowed:
        return ListFormat.csv
    if PARQUET_TYPE in accept and ListFormat.parquet in allowed:
        return ListFormat.parquet
    if XLSX_TYPE in accept and ListFormat.xlsx in allowed:
        return ListFormat.xlsx
    return ListFormat.json


def etag_for(request: Request, version: str) -> str:
    """Return a strong ETag for this URL (path, query, Accept) at this data version and
    disclosure threshold (both change the answer)."""
    key = (
        f"{version}|{threshold()}|{request.url.path}?{request.url.query}|"
        f"{request.headers.get('accept', '')}"
    )
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str) -> Response | None:
    """Return a 304 when the client already has this ETag, else None."""
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return None


def unchanged(request: Request, version: str) -> Response | None:
    """Return a 304 before any work when the client has this URL's ETag at ``version``."""
    return not_modified(request, etag_for(request, version))


def records_response(
    records: list[dict[str, Any]],
    fmt: ListFormat,
    envelope: dict[str, Any],
    etag: str,
    filename: str,
) -> Response:
    """Return the records in ``fmt``: JSON with its envelope (provenance, paging), or the bare
    table as CSV, XLSX or Parquet (provenance then travels in headers)."""
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if fmt is ListFormat.json:
        body = json.dumps({**envelope, "data": records}, ensure_ascii=False, default=str)
        return Response(body, media_type="application/json", headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt.value}"'
    provenance = envelope.get("provenance", {})
    headers["X-Pijplijn-Datasets"] = ",".join(str(d) for d in provenance.get("datasets", []))
    if fmt is ListFormat.csv:
        return Response(_csv(records), media_type=CSV_TYPE, headers=headers)
    if fmt is ListFormat.xlsx:
        return Response(_xlsx(records), media_type=XLSX_TYPE, headers=headers)
    buffer = io.BytesIO()
    pl.DataFrame(records, infer_schema_length=None).write_parquet(buffer)
    return Response(buffer.getvalue(), media_type=PARQUET_TYPE, headers=headers)


def listing(
    request: Request,
    version: str,
    records: list[dict[str, Any]],
    fmt: ListFormat,
    name: str,
    envelope: dict[str, Any] | None = None,
) -> Response:
    """Return a list endpoint's answer: a 304 when the client has this data version's ETag,
    else the records in ``fmt``."""
    etag = etag_for(request, version)
    return not_modified(request, etag) or records_response(records, fmt, envelope or {}, etag, name)


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """Return ``record`` with nested values (lists, objects) as JSON text, for one cell, and
    every text cell spreadsheet-safe (``cells.py``): this feeds the CSV and XLSX only."""
    return safe_record(
        {
            k: json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, list | dict) else v
            for k, v in record.items()
        }
    )


def _csv(records: list[dict[str, Any]]) -> str:
    """Return the records as CSV, nested values as JSON text."""
    if not records:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(_flat(r) for r in records)
    return out.getvalue()


def _xlsx(records: list[dict[str, Any]]) -> bytes:
    """Return the records as one XLSX sheet with a frozen, filterable header; numbers stay
    numbers, an unknown value an empty cell (never 0), nested values JSON text."""
    frame = pl.DataFrame([_flat(r) for r in records], infer_schema_length=None)
    buffer = io.BytesIO()
    frame.write_excel(buffer, worksheet="data", autofilter=True, freeze_panes=(1, 0))
    return buffer.getvalue()


def table_response(
    request: Request,
    version: str,
    table: ViewTable,
    fmt: str,
    datasets: list[str] | None = None,
) -> Response:
    """Return one view table as a download in ``fmt`` (csv, xlsx, json) through the renderer
    registry (``views/render.py``), with this data version's ETag: the same bytes the CLI's
    ``--format`` writes."""
    etag = etag_for(request, version)
    if answer := not_modified(request, etag):
        return answer
    body, media_type = render_table(table, fmt)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if fmt != "json":
        headers["Content-Disposition"] = f'attachment; filename="{table.name}.{fmt}"'
        headers["X-Pijplijn-Datasets"] = ",".join(datasets or [])
    return Response(body, media_type=media_type, headers=headers)


PAGE_FORMATS = ("json", "csv", "xlsx")
"""What every public page is also available as: ``PAGE.json`` (the view), ``PAGE.csv`` and
``PAGE.xlsx`` (one of its tables, ``?table=NAME``, else the first)."""
_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def page_paths(path: str) -> list[str]:
    """Return the paths of a page: ``PAGE.json``, ``PAGE.csv``, ``PAGE.xlsx`` (``/index.*``
    for ``/``) before the page itself, so a suffix is never read as part of a path
    parameter."""
    base = path.rstrip("/") or "/index"
    return [f"{base}.{fmt}" for fmt in PAGE_FORMATS] + [path]


def page_route(router: APIRouter, path: str) -> Callable[[_Handler], _Handler]:
    """Register a page's handler at its path and at its ``.json``, ``.csv`` and ``.xlsx``
    forms; the handler answers with ``page_response``."""

    def register(handler: _Handler) -> _Handler:
        for each in page_paths(path):
            router.add_api_route(each, handler, methods=["GET"])
        return handler

    return register


def page_format(request: Request) -> str | None:
    """Return the format a page request asks for: its suffix, else ``json`` when the Accept
    header asks for JSON and not for HTML; None for the HTML page."""
    path = request.url.path
    for fmt in PAGE_FORMATS:
        if path.endswith(f".{fmt}"):
            return fmt
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return "json"
    return None


def page_download_url(request: Request, table: str) -> str:
    """Return the URL of one of the page's tables with ``{fmt}`` for its format: the page's
    path with the suffix, its query (without ``lang``) and ``table=``."""
    base, query = _page_base(request)
    return f"{base}.{{fmt}}?" + urlencode([*query, ("table", table)])


def _page_base(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """The page's path without a format suffix (``/index`` for ``/``), and its query without
    ``lang`` and ``table``."""
    path = request.url.path
    for fmt in PAGE_FORMATS:
        path = path.removesuffix(f".{fmt}")
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "table")]
    return path.rstrip("/") or "/index", query


def page_response(
    request: Request,
    view: View,
    version: str,
    html: Callable[[], Response],
    datasets: list[str] | None = None,
) -> Response:
    """Answer a page request from its one view: the HTML page (``html``, its chart blocks
    linking their CSV/XLSX downloads to this page), the view as JSON, or one of its tables
    as CSV or XLSX through the renderer registry (``views/render.py``)."""
    fmt = page_format(request)
    if fmt is None:
        _link_blocks(view, request)
        return html()
    etag = etag_for(request, version)
    if answer := not_modified(request, etag):
        return answer
    if fmt == "json":
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        return Response(to_json(view), media_type="application/json", headers=headers)
    name = request.query_params.get("table")
    tables = view.tables()
    table = next((t for t in tables if name is None or t.name == name), None)
    if table is None:
        known = ", ".join(t.name for t in tables) or "geen"
        raise HTTPException(
            status_code=404,
            detail=f"tabel '{(name or '')[:40]}' staat niet op deze pagina; tabellen: {known}",
        )
    return table_response(request, version, table, fmt, datasets)


def _link_blocks(value: Any, request: Request) -> None:
    """Point every chart block in the view at the page's own download of its table."""
    from pijplijn.web.pages.blocks import ChartBlock

    if isinstance(value, ChartBlock):
        value.page_url = page_download_url(request, value.id)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _link_blocks(getattr(value, name), request)
    elif isinstance(value, dict):
        for item in value.values():
            _link_blocks(item, request)
    elif isinstance(value, list | tuple):
        for item in value:
            _link_blocks(item, request)


def page_downloads(request: Request, view: View) -> list[dict[str, str]]:
    """Return, per table of the view, its name, title and CSV/XLSX download URLs: what the
    page's download list (``macros/downloads.html``) links."""
    links = []
    for table in view.tables():
        url = page_download_url(request, table.name)
        links.append(
            {
                "name": table.name,
                "title": table.title or table.name,
                "csv": url.replace("{fmt}", "csv"),
                "xlsx": url.replace("{fmt}", "xlsx"),
            }
        )
    return links


def page_json_url(request: Request) -> str:
    """Return the page's own JSON: its path with ``.json`` (``/index.json`` for ``/``) and
    its query without ``lang``."""
    base, query = _page_base(request)
    return f"{base}.json" + (f"?{urlencode(query)}" if query else "")
