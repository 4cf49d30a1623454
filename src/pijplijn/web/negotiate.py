"""Lists leave as JSON, CSV or Parquet, chosen by ``?format=`` or the Accept header; every
response carries an ETag derived from the data version, so an unchanged answer costs a 304."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from enum import StrEnum
from typing import Annotated, Any, Literal

import polars as pl
from fastapi import HTTPException, Query, Request, Response

from pijplijn.cells import safe_record
from pijplijn.engine.disclosure import threshold
from pijplijn.views.render import ViewTable, render_table

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
