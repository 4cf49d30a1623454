"""``pijplijn extract``: derive the pack's extract of the open data from the publisher files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pijplijn.cli.app import command, content_pack, out

DEFAULT_SOURCE = Path("../shared/data")


@command()
def extract(
    source: Annotated[
        Path,
        typer.Option(
            "--from",
            help="Map met de bestanden van DUO en CBS (duo/…, cbs/…), zoals ../shared/data.",
        ),
    ] = DEFAULT_SOURCE,
    output: Annotated[
        Path | None,
        typer.Option("--out", help="Doelmap (standaard: extract/ in het contentpakket)."),
    ] = None,
) -> None:
    """Leid het uittreksel van de open data af (DUO en CBS, opgeteld naar de regio van het
    pakket, haar gemeenten, de provincie en Nederland) en schrijf het in het pakket.

    `pijplijn init --demo` en de eerste start van `pijplijn serve` laden het."""
    from pijplijn.ingest.extract import EXTRACT_DIR, render, write
    from pijplijn.store.extract import derive_extract

    pack = content_pack()
    derived = derive_extract(source, pack)
    files = render(derived)
    target = output or pack.root / EXTRACT_DIR
    write(files, target)
    rows = sum(d.observations.height for d in derived.datasets)
    size = sum((target / name).stat().st_size for name in files)
    out.print(
        f"{len(derived.datasets)} datasets, {rows} waarnemingen "
        f"({size / 1024:.0f} kB op schijf) geschreven naar {target}."
    )
