"""``pijplijn update``: download the publishers' current releases, then import what changed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)

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
from pijplijn.ingest.download import (
    FetchResult,
    Source,
    default_cache_dir,
    default_client,
    fetch,
    load_sources,
)
from pijplijn.store.imports import Origin, import_files

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
    engine = engine_for(database)
    pack = content_pack()
    sources = load_sources(settings().sources_file or pack.sources_path)
    results = _download(sources, cache or default_cache_dir())
    failed = 0
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
                f" {failed} van {len(results)} bronnen niet bijgewerkt; zie hierboven.",
            )
        )
        raise typer.Exit(2)


def _download(sources: list[Source], cache: Path) -> list[FetchResult]:
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

        with default_client() as client:
            return fetch(sources, cache, client, progress)
