"""``pijplijn export``: the open data as CSV, XLSX, Parquet or a Frictionless data package."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pijplijn.cli.app import DatabaseOption, command, content_pack, engine_for, out


class ExportFormat(StrEnum):
    datapackage = "datapackage"
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


@command("export")
def export_command(
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="datapackage, csv, xlsx of parquet.")
    ],
    out_path: Annotated[
        Path,
        typer.Option(
            "--out", metavar="PAD", help="Map (csv, parquet, datapackage) of .xlsx-bestand."
        ),
    ],
    region: Annotated[
        str | None, typer.Option(help="Regio voor de indicatorwaarden (standaard: het pakket).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Exporteer de waarnemingen, de indicatorwaarden per regio en periode, de doelen en de
    herkomst van elke dataset. Kleine aantallen zijn onderdrukt (docs/disclosure.md)."""
    from pijplijn.engine.indicators.catalog import Catalog
    from pijplijn.export.tables import all_tables
    from pijplijn.export.writers import WRITERS
    from pijplijn.store.db import session_scope

    pack = content_pack()
    with session_scope(engine_for(database)) as session:
        tables = all_tables(session, Catalog(pack.indicators), region or pack.pack.default_region)
    written = WRITERS[format.value](tables, out_path)
    for table in tables:
        out.print(f"{table.name}: {table.frame.height} rijen", highlight=False)
    out.print(f"Geschreven: {', '.join(str(p) for p in written)}", highlight=False)
