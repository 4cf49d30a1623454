"""``pijplijn shapes``: derive the pack's simplified gemeente shapes from a boundaries file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pijplijn.cli.app import command, content_pack, out
from pijplijn.content.shapes import (
    DEFAULT_TOLERANCE,
    SHAPES_FILE,
    derive_shapes,
    point_count,
    write_shapes,
)
from pijplijn.errors import PijplijnError


@command()
def shapes(
    source: Annotated[
        Path, typer.Argument(help="GeoJSON met gemeentegrenzen (property gemeenteCode).")
    ],
    region_set: Annotated[
        str | None,
        typer.Option("--set", help="Regioset waarvan de gemeenten op de kaart komen."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--out", help=f"Doelbestand (standaard: {SHAPES_FILE} in het pakket)."),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option(min=0.0, max=0.05, help="Vereenvoudiging in graden (Douglas-Peucker)."),
    ] = DEFAULT_TOLERANCE,
) -> None:
    """Leid vereenvoudigde gemeentegrenzen voor de kaarten af en schrijf ze in het pakket."""
    pack = content_pack()
    wanted = region_set or pack.pack.default_region
    members = next((s.members for s in pack.region_sets if s.code == wanted), None)
    if members is None:
        known = ", ".join(s.code for s in pack.region_sets)
        raise PijplijnError(f"onbekende regioset '{wanted}'; bekend: {known}")
    derived = derive_shapes(source, members, tolerance)
    target = output or pack.root / SHAPES_FILE
    write_shapes(derived, target)
    out.print(
        f"{len(derived['features'])} gemeenten ({point_count(derived)} punten) "
        f"geschreven naar {target}."
    )
