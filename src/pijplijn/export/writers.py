"""The export formats: CSV files, one XLSX workbook, Parquet files, a Frictionless data
package. One registry (WRITERS) maps a format to its writer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter  # type: ignore[import-untyped]

from pijplijn import __version__
from pijplijn.cells import safe_frame
from pijplijn.errors import PijplijnError
from pijplijn.export.tables import Table


class ExportError(PijplijnError):
    """The export cannot be written where asked."""


def write_csv(tables: list[Table], out: Path) -> list[Path]:
    """Write one UTF-8 CSV per table into the folder ``out``, text cells spreadsheet-safe
    (``cells.py``); return the files."""
    return _file_per_table(
        tables, out, "csv", lambda frame, path: safe_frame(frame).write_csv(path)
    )


def write_parquet(tables: list[Table], out: Path) -> list[Path]:
    """Write one Parquet file per table into the folder ``out``; return the files."""
    return _file_per_table(tables, out, "parquet", lambda frame, path: frame.write_parquet(path))


def _file_per_table(
    tables: list[Table], out: Path, suffix: str, write: Callable[[pl.DataFrame, Path], None]
) -> list[Path]:
    folder = _folder(out)
    paths = [folder / f"{table.name}.{suffix}" for table in tables]
    for table, path in zip(tables, paths, strict=True):
        write(table.frame, path)
    return paths


def write_xlsx(tables: list[Table], out: Path) -> list[Path]:
    """Write one workbook ``out`` (.xlsx) with a sheet per table: frozen header, numbers as
    numbers, empty cells for suppressed or missing values, text cells spreadsheet-safe."""
    if out.suffix.lower() != ".xlsx":
        raise ExportError(f"--out {out}: een Excel-export heeft de extensie .xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(out) as workbook:
        for table in tables:
            safe_frame(table.frame).write_excel(
                workbook,
                worksheet=table.name[:31],
                freeze_panes=(1, 0),
                autofit=table.frame.height < 20_000,
                float_precision=6,
                table_style="Table Style Light 1",
            )
    return [out]


_TYPES = {
    pl.Int64: "integer",
    pl.Int32: "integer",
    pl.UInt32: "integer",
    pl.Float64: "number",
    pl.Boolean: "boolean",
    pl.Utf8: "string",
}


def write_datapackage(tables: list[Table], out: Path) -> list[Path]:
    """Write a Frictionless data package into the folder ``out``: a CSV per table and
    ``datapackage.json`` with a table schema for each resource."""
    paths = write_csv(tables, out)
    resources = [_resource(table, path.name) for table, path in zip(tables, paths, strict=True)]
    descriptor = {
        "profile": "tabular-data-package",
        "name": "pijplijn-monitor",
        "title": "pijplijn: open data of the Techniekpact monitor",
        "version": __version__,
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0",
            }
        ],
        "sources": [{"title": "pijplijn datasets table (provenance of every figure)"}],
        "resources": resources,
    }
    path = _folder(out) / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return [*paths, path]


def _resource(table: Table, path: str) -> dict[str, Any]:
    fields = [
        {
            "name": name,
            "type": _TYPES.get(dtype.base_type(), "string"),
            "description": table.descriptions.get(name, ""),
        }
        for name, dtype in table.frame.schema.items()
    ]
    return {
        "name": table.name.replace("_", "-"),
        "title": table.title,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": fields, "missingValues": [""]},
    }


def _folder(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out}: bestaat al en is geen map")
    out.mkdir(parents=True, exist_ok=True)
    return out


WRITERS: dict[str, Callable[[list[Table], Path], list[Path]]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "parquet": write_parquet,
    "datapackage": write_datapackage,
}
