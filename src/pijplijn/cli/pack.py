"""``pijplijn pack check|new``: validate a content pack anywhere on disk, or scaffold one for a
region set of national gemeenten (docs/content-packs.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pijplijn.cli.app import app, err, guard, out, styled

pack_app = typer.Typer(
    name="pack",
    help="Contentpakketten: controleer een pakket of maak een nieuw.",
    no_args_is_help=True,
)
app.add_typer(pack_app)


@pack_app.command("check")
@guard
def check(
    path: Annotated[Path, typer.Argument(metavar="PAD", help="De map van het pakket.")],
) -> None:
    """Controleer een contentpakket: elke fout met bestand en regel (YAML, onbekende
    gemeentecode, onbekende indicator in een doel, …). Exit 2 bij een fout."""
    from pijplijn.content.packcheck import check_pack

    result = check_pack(path)
    for problem in result.problems:
        err.print(styled(("fout:", "bold red"), f" {problem}"))
    if result.problems:
        raise typer.Exit(2)
    pack = result.pack
    assert pack is not None
    sets = ", ".join(f"{s.code} ({len(s.members)} gemeenten)" for s in pack.region_sets)
    out.print(
        f"Pakket {pack.name} ({pack.pack.title}) in orde: {len(pack.indicators)} indicatoren, "
        f"{len(pack.goals)} doelen, regiosets {sets or 'geen'}; standaardregio "
        f"{pack.pack.default_region}."
    )


@pack_app.command("new")
@guard
def new(
    name: Annotated[
        str, typer.Argument(metavar="NAAM", help="Naam van het pakket, bijv. zeeland.")
    ],
    region_set: Annotated[
        str,
        typer.Option(
            "--region-set",
            metavar="CODE[,CODE]",
            help="Gemeenten van de regioset: GM-codes, provincies (PV..), COROP-gebieden "
            "(CR..) of arbeidsmarktregio's (code AM-... of naam), komma-gescheiden.",
        ),
    ],
    title: Annotated[
        str | None, typer.Option(help="Titel van het pakket (standaard: de regionaam).")
    ] = None,
    target: Annotated[
        Path | None,
        typer.Option("--out", metavar="MAP", help="Doelmap (standaard: ./NAAM); mag niet bestaan."),
    ] = None,
) -> None:
    """Maak een nieuw contentpakket voor een regioset: pack.yaml, regions.yaml met de
    gemeenten uit de kerngegevens, de landelijke indicatoren en lege doelen."""
    from pijplijn.content.packcheck import scaffold_pack

    folder = target or Path(name)
    made = scaffold_pack(folder, name, region_set, title)
    out.print(
        f"Pakket {name} gemaakt in {folder}: regioset {made.code} met {len(made.members)} "
        f"gemeenten. Controleer met 'pijplijn pack check {folder}', gebruik met "
        f"'pijplijn --pack {folder} init'."
    )
