"""The Typer application, its shared options, and the one place CLI errors are printed."""

from __future__ import annotations

import csv
import functools
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from pijplijn.errors import PijplijnError

if TYPE_CHECKING:
    # Commands import what they use inside their function: ``pijplijn --help`` must not pay
    # for SQLAlchemy, Polars or Altair (tests/test_cli_startup.py, bench/startup_bench.py).
    from sqlalchemy import Engine

    from pijplijn.content.loader import ContentPack
    from pijplijn.settings import Settings

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


def guard(function: _Command) -> _Command:
    """``function`` with its PijplijnErrors turned into one line on stderr and exit 2."""

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except PijplijnError as exc:
            fail(str(exc), exc.exit_code)

    return guarded  # type: ignore[return-value]


def command(name: str | None = None, **kwargs: Any) -> Callable[[_Command], _Command]:
    """Register a CLI command whose PijplijnErrors become one line on stderr and exit 2."""

    def register(function: _Command) -> _Command:
        app.command(name, **kwargs)(guard(function))
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
    from pijplijn.cells import safe_record  # imported here: it loads Polars

    writer.writeheader()
    writer.writerows(safe_record(r) for r in records)


def fail(message: str, code: int = 2) -> None:
    """Print ``fout: message`` on stderr and stop with ``code``."""
    err.print(styled(("fout:", "bold red"), f" {message}"))
    raise typer.Exit(code)


def settings() -> Settings:
    from pijplijn.settings import Settings

    return Settings()


def engine_for(database: str | None, *, need_schema: bool = True) -> Engine:
    """Return the engine for --database, the setting or the default, checked for a schema."""
    from pijplijn.store.db import open_engine, require_schema

    engine = open_engine(
        settings().resolved_database_url(database), busy_timeout=settings().sqlite_busy_timeout
    )
    if need_schema:
        require_schema(engine)
    return engine


def content_pack() -> ContentPack:
    """Return the configured content pack."""
    from pijplijn.content.loader import load_pack

    return load_pack(settings().content_pack)


def _show_version(value: bool) -> None:
    if value:
        from pijplijn import __version__

        out.print(f"pijplijn {__version__}")
        raise typer.Exit()


def use_pack(spec: str) -> None:
    """Make ``spec`` (a pack name or folder) the content pack of this command and of the
    processes it starts (``serve`` workers read PIJPLIJN_CONTENT_PACK), after checking that
    it loads; a folder is stored
    as an absolute path, so a worker in another directory finds it too."""
    from pijplijn.content.loader import load_pack, pack_root

    root = pack_root(spec)
    load_pack(str(root))  # a bad pack stops the command before it writes anything
    looks_like_name = not any(sep in spec for sep in ("/", "\\")) and not spec.startswith(".")
    os.environ["PIJPLIJN_CONTENT_PACK"] = spec if looks_like_name else str(root)


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Toon de versie en stop."
        ),
    ] = False,
    pack: Annotated[
        str | None,
        typer.Option(
            "--pack",
            metavar="PAD",
            show_default=False,
            help="Contentpakket: een map met pack.yaml of de naam van een geïnstalleerd "
            "pakket (anders PIJPLIJN_CONTENT_PACK, anders het standaardpakket van de "
            "instellingen, content_pack).",
        ),
    ] = None,
) -> None:
    """pijplijn laadt onderwijs- en arbeidsmarktdata, toont de technische pijplijn
    (vmbo → mbo → hbo/wo → werk), volgt de doelen van het Techniekpact en publiceert ze."""
    if pack is not None:
        try:
            use_pack(pack)
        except PijplijnError as exc:
            fail(str(exc), exc.exit_code)
