"""``pijplijn update``: download the publishers' current releases, then import what changed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pijplijn.cli.app import (
    DatabaseOption,
    command,
    content_pack,
    engine_for,
    err,
    out,
    settings,
    styled,
)

if TYPE_CHECKING:
    import httpx
    from sqlalchemy import Engine

    from pijplijn.ingest.download import FetchResult, Source

_STYLE = {"downloaded": "green", "unchanged": "dim", "offline": "yellow", "failed": "red"}


@command()
def update(
    cache: Annotated[
        Path | None, typer.Option(help="Map voor de downloads (standaard de gebruikerscache).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Download de actuele DUO- en CBS-bestanden van de uitgevers en laad wat veranderd is.

    Ongewijzigde bestanden kosten één korte vraag (ETag/Last-Modified). Zonder verbinding
    gebruikt hij de laatst gedownloade kopie en zegt hij wat niet opgehaald kon worden."""
    # Imported here: `pijplijn --help` and other commands need none of it.
    from pijplijn.ingest.download import default_cache_dir, default_client, load_sources
    from pijplijn.ingest.portal import load_portal, resolve
    from pijplijn.store.imports import Origin, import_files

    engine = engine_for(database)
    pack = content_pack()
    path = settings().sources_file or pack.sources_path
    sources = load_sources(path)
    entries = load_portal(path)
    folder = cache or default_cache_dir()
    with default_client() as client:
        resolutions = resolve(entries, folder, client) if entries else []
        failed = 0
        for found in resolutions:
            style = "yellow" if found.offline else "dim"
            out.print(styled((f"{'adres':>10}", style), f" {found.entry.name}: {found.message}"))
            if found.source is None:
                failed += 1
        resolved = [f.source for f in resolutions if f.source is not None]
        results = _download([*sources, *resolved], folder, client)
    for result in results:
        out.print(
            styled(
                (f"{result.status:>10}", _STYLE[result.status]),
                f" {result.source.name}: {result.message}",
            )
        )
        if result.path is None:
            failed += 1
            continue
        origin = Origin(url=result.source.url, retrieved_at=result.fetched_at)
        if result.status != "downloaded" and _already_loaded(engine, result.sha256):
            continue  # unchanged and imported before: nothing to do
        outcome = import_files(
            engine, pack, [result.path], result.source.kind, origins={result.path: origin}
        )[0]
        load = outcome.load
        if load is None:
            failed += 1
            err.print(styled("  ", ("niet geladen", "red"), f": {outcome.parsed.report.summary()}"))
        elif load.status == "loaded":
            out.print(
                f"  {load.rows} waarnemingen geladen als dataset {load.dataset_id}", highlight=False
            )
    if failed:
        err.print(
            styled(
                ("fout:", "bold red"),
                f" {failed} van {len(results) + len(resolutions) - len(resolved)} bronnen niet "
                "bijgewerkt; zie hierboven.",
            )
        )
        raise typer.Exit(2)


def _already_loaded(engine: Engine, sha256: str | None) -> bool:
    """True when a file with this sha256 is in the store (import would change nothing)."""
    from sqlalchemy import select

    from pijplijn.store.db import session_scope
    from pijplijn.store.models import Dataset

    if sha256 is None:
        return False
    with session_scope(engine) as session:
        return session.scalar(select(Dataset.id).where(Dataset.sha256 == sha256)) is not None


def _download(sources: list[Source], cache: Path, client: httpx.Client) -> list[FetchResult]:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TaskID,
        TextColumn,
        TransferSpeedColumn,
    )

    from pijplijn.ingest.download import fetch

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(name: str, received: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=received, total=total)

        return fetch(sources, cache, client, progress)
