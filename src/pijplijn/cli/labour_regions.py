"""``pijplijn labour-regions``: derive the shipped COROP and arbeidsmarktregio reference data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pijplijn.cli.app import command, out
from pijplijn.reference.labour_regions import (
    SHIPPED,
    derive_labour_regions,
    write_labour_regions,
)

CoropFile = "woonplaats_gemeente_corop_cbs.csv"
AmrFile = "arbeidsmarktregio_gemeente.json"
ProvincesFile = "koppelcodes_gemeenten.csv"


@command("labour-regions")
def labour_regions(
    folder: Annotated[
        Path,
        typer.Argument(help=f"Map met {CoropFile}, {AmrFile} en {ProvincesFile} (CBS-indelingen)."),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--out", help="Doelbestand (standaard: het meegeleverde bestand)."),
    ] = None,
) -> None:
    """Leid de COROP-gebieden en arbeidsmarktregio's met hun gemeenten af uit CBS-bestanden."""
    data = derive_labour_regions(folder / CoropFile, folder / AmrFile, folder / ProvincesFile)
    target = output or SHIPPED
    write_labour_regions(data, target)
    kinds = [r["kind"] for r in data["regions"]]
    out.print(
        f"{len(data['gemeenten'])} gemeenten, {kinds.count('corop')} COROP-gebieden en "
        f"{kinds.count('arbeidsmarktregio')} arbeidsmarktregio's geschreven naar {target}."
    )
