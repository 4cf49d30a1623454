"""``pijplijn report``: the annual monitor report as one HTML file or an A4 PDF."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pijplijn.cli.app import DatabaseOption, command, content_pack, engine_for, out
from pijplijn.errors import QueryError


class Language(StrEnum):
    nl = "nl"
    en = "en"


@command("report")
def report_command(
    region: Annotated[
        str | None, typer.Option(help="Regio of regioset (standaard: die van het pakket).")
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="Jaar van de pijplijn (standaard: het laatste).")
    ] = None,
    out_path: Annotated[
        Path, typer.Option("--out", metavar="BESTAND", help="monitor.html of monitor.pdf.")
    ] = Path("monitor.html"),
    lang: Annotated[Language, typer.Option("--lang", help="nl of en.")] = Language.nl,
    database: DatabaseOption = None,
) -> None:
    """Maak het jaarrapport van de monitor: doelen, pijplijn, kaarten, vooruitblik, controle,
    bronnen en methoden; HTML (één bestand, offline leesbaar) of PDF (A4)."""
    from pijplijn.report.render import write
    from pijplijn.report.view import report_view
    from pijplijn.store.db import session_scope

    if out_path.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise QueryError(f"--out {out_path}: kies een bestand dat eindigt op .html of .pdf")
    pack = content_pack()
    with session_scope(engine_for(database)) as session:
        view = report_view(session, pack, region or pack.pack.default_region, year, lang.value)
    write(view, out_path)
    out.print(f"Rapport geschreven: {out_path}", highlight=False)
