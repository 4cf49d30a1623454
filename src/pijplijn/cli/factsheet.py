"""``pijplijn factsheet``: one or two A4 pages per gemeente, institution or partner, and a
zip with every gemeente's and institution's sheet for a beheerder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from pijplijn.cli.app import DatabaseOption, app, content_pack, engine_for, fail, out
from pijplijn.errors import PijplijnError, QueryError

factsheet_app = typer.Typer(
    help="Factsheets per gemeente, instelling of partner (PDF of HTML).",
    no_args_is_help=True,
)
app.add_typer(factsheet_app, name="factsheet")

OutOption = Annotated[
    Path, typer.Option("--out", metavar="BESTAND", help="factsheet.pdf of factsheet.html.")
]
LangOption = Annotated[str, typer.Option("--lang", metavar="nl|en", help="Taal: nl of en.")]


def _language(lang: str) -> str:
    if lang not in ("nl", "en"):
        raise QueryError(f"--lang {lang}: kies nl of en")
    return lang


def _checked(path: Path) -> Path:
    if path.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise QueryError(f"--out {path}: kies een bestand dat eindigt op .html of .pdf")
    return path


def _write(kind: str, key: str, path: Path, database: str | None, lang: str = "nl") -> None:
    # Imported here: the views load SQLAlchemy and the engine (tests/test_cli_startup.py).
    from pijplijn.report.factsheet import write
    from pijplijn.store.db import session_scope
    from pijplijn.views import factsheet, instelling

    _language(lang)
    if path.suffix.lower() == ".pdf":
        from pijplijn.report.pdf import prefetch

        prefetch()
    pack = content_pack()
    with session_scope(engine_for(database)) as session:
        if kind == "gemeente":
            sheet: object = factsheet.gemeente_sheet(session, pack, key)
        elif kind == "instelling":
            sheet = instelling.instelling_sheet(session, pack, key)
        else:
            sheet = factsheet.partner_sheet(session, key)
        write(sheet, pack.pack.title, path, lang)  # type: ignore[arg-type]
    out.print(f"Factsheet geschreven: {path}", highlight=False)


def _guarded(run: Callable[[], None]) -> None:
    """Run a subcommand: a PijplijnError becomes one line on stderr and exit 2."""
    try:
        run()
    except PijplijnError as exc:
        fail(str(exc), exc.exit_code)


@factsheet_app.command("gemeente")
def gemeente_command(
    name: Annotated[str, typer.Argument(metavar="NAAM|CODE", help="Bijv. Amsterdam of GM0363.")],
    out_path: OutOption = Path("factsheet.pdf"),
    lang: LangOption = "nl",
    database: DatabaseOption = None,
) -> None:
    """De eigen cijfers van een gemeente naast de regio en Nederland, en haar routes door de
    pijplijn."""
    _guarded(lambda: _write("gemeente", name, _checked(out_path), database, lang))


@factsheet_app.command("instelling")
def instelling_command(
    brin: Annotated[str, typer.Argument(metavar="BRIN", help="Bijv. 27YU.")],
    out_path: OutOption = Path("factsheet.pdf"),
    lang: LangOption = "nl",
    database: DatabaseOption = None,
) -> None:
    """De studenten en diploma's van een instelling, met het deel techniek naast de regio."""
    _guarded(lambda: _write("instelling", brin, _checked(out_path), database, lang))


@factsheet_app.command("partner")
def partner_command(
    organisation: Annotated[
        str, typer.Argument(metavar="ORGANISATIE", help="Naam of nummer in het register.")
    ],
    out_path: OutOption = Path("factsheet.pdf"),
    lang: LangOption = "nl",
    database: DatabaseOption = None,
) -> None:
    """De deelname en het bereik van een partner, en zijn aandeel in elk doel."""
    _guarded(lambda: _write("partner", organisation, _checked(out_path), database, lang))


@factsheet_app.command("batch")
def batch_command(
    out_path: Annotated[
        Path, typer.Option("--out", metavar="BESTAND.zip", help="Het zip-bestand.")
    ] = Path("factsheets.zip"),
    html: Annotated[bool, typer.Option("--html", help="HTML in plaats van PDF.")] = False,
    lang: LangOption = "nl",
    database: DatabaseOption = None,
) -> None:
    """Schrijf één zip met de factsheet van elke gemeente van de regio en van elke
    instelling daarin (voor een beheerder)."""

    def run() -> None:
        if out_path.suffix.lower() != ".zip":
            raise QueryError(f"--out {out_path}: kies een bestand dat eindigt op .zip")
        _language(lang)
        from pijplijn.report.factsheet import write_batch
        from pijplijn.store.db import session_scope

        pack = content_pack()
        with session_scope(engine_for(database)) as session:
            names = write_batch(session, pack, out_path, pdf=not html, lang=lang)
        out.print(f"{len(names)} factsheets geschreven: {out_path}", highlight=False)

    _guarded(run)
