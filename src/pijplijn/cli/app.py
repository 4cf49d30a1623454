"""The Typer application, its shared options, and the one place CLI errors are printed."""

from __future__ import annotations

import csv
import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine

from pijplijn import __version__
from pijplijn.content.loader import ContentPack, load_pack
from pijplijn.errors import PijplijnError
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, require_schema

app = typer.Typer(
    name="pijplijn",
    help="pijplijn: open monitor van de technische onderwijspijplijn van een Techniekpact.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Markup is off: whatever a file, a database or a user supplied (a CSV cell holding '[/]',
# '[bold]' or '[link=x]') is printed as the plain text it is, in every command and table.
# Styles come only from ``styled``, which never reads its strings as markup.
out = Console(soft_wrap=True, markup=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


def styled(*parts: str | tuple[str, str]) -> Text:
    """Return a line of plain strings and (string, style) pairs, e.g.
    ``styled(("fout:", "bold red"), " ", message)``: no part is read as markup."""
    return Text.assemble(*parts)


DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="URL",
        show_default=False,
        help="Database-URL (anders PIJPLIJN_DATABASE_URL, anders een SQLite-bestand "
        "in de gebruikersmap).",
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Uitvoer: table, csv of json.")
]

_Command = TypeVar("_Command", bound=Callable[..., Any])


def command(name: str | None = None, **kwargs: Any) -> Callable[[_Command], _Command]:
    """Register a CLI command whose PijplijnErrors become one line on stderr and exit 2."""

    def register(function: _Command) -> _Command:
        @functools.wraps(function)
        def guarded(*args: Any, **inner: Any) -> Any:
            try:
                return function(*args, **inner)
            except PijplijnError as exc:
                fail(str(exc), exc.exit_code)

        app.command(name, **kwargs)(guarded)
        return function

    return register


def emit(records: list[dict[str, Any]], format: OutputFormat) -> None:
    """Write records to stdout as JSON (a list) or CSV (a header from the first record)."""
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if not records:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)


def fail(message: str, code: int = 2) -> None:
    """Print ``fout: message`` on stderr and stop with ``code``."""
    err.print(styled(("fout:", "bold red"), f" {message}"))
    raise typer.Exit(code)


def settings() -> Settings:
    return Settings()


def engine_for(database: str | None, *, need_schema: bool = True) -> Engine:
    """Return the engine for --database, the setting or the default, checked for a schema."""
    engine = open_engine(settings().resolved_database_url(database))
    if need_schema:
        require_schema(engine)
    return engine


def content_pack() -> ContentPack:
    """Return the configured content pack."""
    return load_pack(settings().content_pack)


def _show_version(value: bool) -> None:
    if value:
        out.print(f"pijplijn {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Toon de versie en stop."
        ),
    ] = False,
) -> None:
    """pijplijn laadt onderwijs- en arbeidsmarktdata, toont de technische pijplijn
    (vmbo → mbo → hbo/wo → werk), volgt de doelen van het Techniekpact en publiceert ze."""
