"""The renderer registry: one view model in, JSON, CSV, XLSX or HTML out.

A view function (``views/<page>.py``) returns a pydantic model that subclasses :class:`View`
and declares its tables (:class:`ViewTable`: columns and rows). The web page, its ``.json``
form, its CSV/XLSX downloads, the API resource and the CLI's ``--format table|csv|json`` all
render that one model through the functions here, so they cannot drift apart: the CSV is the
JSON's table row by row. Heavy imports (Polars, xlsxwriter) stay inside the XLSX renderer.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from pijplijn.cells import safe_record

CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ViewTable(BaseModel):
    """One table of a view: its name (the download's file name), columns and rows.

    A cell is a number, text, a bool or ``None`` (suppressed or missing: an empty cell, never
    0). Nested values (lists, objects) print as JSON text in CSV and XLSX."""

    name: str
    title: str = ""
    columns: list[str]
    rows: list[dict[str, Any]] = Field(default_factory=list)
    units: dict[str, str] = Field(default_factory=dict)
    """Column → unit of its numbers (``count``, ``share``, …): how a page formats them;
    ``=COLUMN`` when each row names its unit in COLUMN (e.g. ``=unit``)."""

    def cells(self) -> list[dict[str, Any]]:
        """Return the rows with exactly the declared columns, in their order."""
        return [{c: row.get(c) for c in self.columns} for row in self.rows]


class View(BaseModel):
    """A page's or resource's view: everything the page shows, and its tables."""

    def tables(self) -> list[ViewTable]:
        """Return the view's tables; a view without tables has none to download."""
        return []

    def table(self, name: str | None = None) -> ViewTable:
        """Return the table ``name``, or the first one."""
        tables = self.tables()
        for t in tables:
            if name is None or t.name == name:
                return t
        raise KeyError(name)


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def flat_rows(table: ViewTable) -> list[dict[str, Any]]:
    """Return the table's rows for a spreadsheet: nested values as JSON text, every text
    cell spreadsheet-safe (``cells.py``)."""
    return [safe_record({k: _cell(v) for k, v in row.items()}) for row in table.cells()]


def to_json(view: BaseModel) -> str:
    """Return the whole view as JSON (what ``.json`` and ``Accept: application/json`` get).

    A :class:`View` also lists its tables (``tables``: name, title, columns, units and the
    rows with exactly those columns), the same rows its CSV and XLSX downloads hold."""
    if not isinstance(view, View):
        return view.model_dump_json()
    data = view.model_dump(mode="json")
    data["tables"] = [
        {**t.model_dump(mode="json", exclude={"rows"}), "rows": to_records(t)}
        for t in view.tables()
    ]
    return json.dumps(data, ensure_ascii=False, default=str)


def to_csv(table: ViewTable) -> str:
    """Return one table as UTF-8 CSV with its declared columns as the header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=table.columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat_rows(table))
    return out.getvalue()


def to_xlsx(table: ViewTable) -> bytes:
    """Return one table as an XLSX sheet: frozen header, numbers as numbers, an unknown
    value an empty cell (never 0)."""
    import polars as pl

    rows = flat_rows(table)
    frame = (
        pl.DataFrame(rows, infer_schema_length=None)
        if rows
        else pl.DataFrame({c: [] for c in table.columns})
    )
    buffer = io.BytesIO()
    frame.select(table.columns).write_excel(
        buffer, worksheet=table.name[:31] or "data", autofilter=True, freeze_panes=(1, 0)
    )
    return buffer.getvalue()


def to_records(table: ViewTable) -> list[dict[str, Any]]:
    """Return one table as JSON records (the CLI's ``--format json`` of a table)."""
    return table.cells()


TABLE_RENDERERS: dict[str, tuple[Callable[[ViewTable], str | bytes], str]] = {
    "csv": (to_csv, CSV_TYPE),
    "xlsx": (to_xlsx, XLSX_TYPE),
    "json": (lambda t: json.dumps(to_records(t), ensure_ascii=False, default=str), JSON_TYPE),
}
"""Format → (renderer of one table, media type): the web downloads and the CLI use these."""


def render_table(table: ViewTable, fmt: str) -> tuple[str | bytes, str]:
    """Return ``table`` rendered in ``fmt`` (csv, xlsx, json) with its media type."""
    render, media_type = TABLE_RENDERERS[fmt]
    return render(table), media_type
